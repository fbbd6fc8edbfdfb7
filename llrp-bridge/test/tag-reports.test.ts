/**
 * LLRP TagReportData → native Read. Expected values are derived by hand from the LLRP field definitions:
 * 1_700_000_000 s is 2023-11-14T22:13:20Z, so µs timestamps below map to epoch ms by dropping the last three digits.
 */
import { describe, expect, it } from 'vitest';
import { ReadSchema } from '@rtls/protocol';
import { convertTagReport, convertTagReports, llrpUtcToEpochMs, TAG_REPORT_REJECT_REASONS } from '../src/tag-reports.ts';

const EPC96 = '300833B2DDD9014000000001';

describe('llrpUtcToEpochMs', () => {
  it('reads llrpjs ISO strings with microseconds, truncating to the millisecond', () => {
    expect(llrpUtcToEpochMs('2023-11-14T22:13:20.123456Z')).toBe(1_700_000_000_123);
    expect(llrpUtcToEpochMs('2023-11-14T22:13:20.999999Z')).toBe(1_700_000_000_999);
    expect(llrpUtcToEpochMs('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000);
    expect(llrpUtcToEpochMs('2023-11-14T22:13:20.5Z')).toBe(1_700_000_000_500);
  });

  it('reads µs as bigint, number or decimal string, and a Date', () => {
    expect(llrpUtcToEpochMs(1_700_000_000_223_999n)).toBe(1_700_000_000_223);
    expect(llrpUtcToEpochMs(1_700_000_000_223_999)).toBe(1_700_000_000_223);
    expect(llrpUtcToEpochMs('1700000000223999')).toBe(1_700_000_000_223);
    expect(llrpUtcToEpochMs(new Date(Date.UTC(2023, 10, 14, 22, 13, 20, 7)))).toBe(1_700_000_000_007);
  });

  it('gives null for an unset reader clock, absent or unreadable values', () => {
    expect(llrpUtcToEpochMs('1970-01-01T00:00:00.000000Z')).toBeNull();
    expect(llrpUtcToEpochMs(0n)).toBeNull();
    expect(llrpUtcToEpochMs(-5)).toBeNull();
    expect(llrpUtcToEpochMs(undefined)).toBeNull();
    expect(llrpUtcToEpochMs('yesterday')).toBeNull();
    expect(llrpUtcToEpochMs({ Microseconds: 1 })).toBeNull();
  });
});

describe('convertTagReport', () => {
  it('turns a full EPC-96 report into a read: upper-case epc id, dBm, antenna, last-seen time', () => {
    const r = convertTagReport({
      EPC_96: { EPC: EPC96 },
      AntennaID: { AntennaID: 3 },
      PeakRSSI: { PeakRSSI: -61 },
      FirstSeenTimestampUTC: { Microseconds: '2023-11-14T22:13:20.123456Z' },
      LastSeenTimestampUTC: { Microseconds: '2023-11-14T22:13:20.623456Z' },
      TagSeenCount: { TagCount: 7 },
    });
    expect(r).toEqual({ ok: true, timed: true, sightings: 7, read: { tag: `epc:${EPC96}`, rssi: -61, ant: 3, t: 1_700_000_000_623 } });
    if (r.ok) expect(ReadSchema.safeParse(r.read).success).toBe(true);
  });

  it('uses first-seen time when last-seen is absent, and accepts EPCData in lower case or as bytes', () => {
    expect(convertTagReport({ EPCData: { EPC: 'e2801160600002054cc2' }, PeakRSSI: { PeakRSSI: -70 }, FirstSeenTimestampUTC: { Microseconds: 1_700_000_000_123_456n } }))
      .toEqual({ ok: true, timed: true, sightings: 1, read: { tag: 'epc:E2801160600002054CC2', rssi: -70, t: 1_700_000_000_123 } });
    expect(convertTagReport({ EPC_96: { EPC: [0x30, 0x08, 0x33, 0xb2, 0xdd, 0xd9, 0x01, 0x40, 0, 0, 0, 1] }, PeakRSSI: { PeakRSSI: -50 } }))
      .toEqual({ ok: true, timed: false, sightings: 1, read: { tag: `epc:${EPC96}`, rssi: -50 } });
  });

  it('keeps a read whose timestamp is unusable, without t', () => {
    const r = convertTagReport({ EPC_96: { EPC: EPC96 }, PeakRSSI: { PeakRSSI: -40 }, LastSeenTimestampUTC: { Microseconds: '1970-01-01T00:00:01.000000Z' } });
    expect(r).toEqual({ ok: true, timed: false, sightings: 1, read: { tag: `epc:${EPC96}`, rssi: -40 } });
  });

  it.each([
    ['malformed', null],
    ['malformed', [{ EPC_96: { EPC: EPC96 } }]],
    ['no-epc', { PeakRSSI: { PeakRSSI: -60 } }],
    ['no-epc', { EPC_96: {}, PeakRSSI: { PeakRSSI: -60 } }],
    ['bad-epc', { EPCData: { EPC: 'E28010' }, PeakRSSI: { PeakRSSI: -60 } }], // 24 bits: not whole 16-bit words
    ['bad-epc', { EPCData: { EPC: '1234' }, PeakRSSI: { PeakRSSI: -60 } }], // 16 bits: shorter than the 32-bit minimum
    ['bad-epc', { EPC_96: { EPC: 'XYZ833B2DDD9014000000001' }, PeakRSSI: { PeakRSSI: -60 } }],
    ['bad-epc', { EPC_96: { EPC: 42 }, PeakRSSI: { PeakRSSI: -60 } }],
    ['no-rssi', { EPC_96: { EPC: EPC96 } }],
    ['bad-rssi', { EPC_96: { EPC: EPC96 }, PeakRSSI: { PeakRSSI: 100 } }],
    ['bad-rssi', { EPC_96: { EPC: EPC96 }, PeakRSSI: { PeakRSSI: -131 } }],
    ['bad-rssi', { EPC_96: { EPC: EPC96 }, PeakRSSI: { PeakRSSI: '-60' } }],
    ['bad-antenna', { EPC_96: { EPC: EPC96 }, PeakRSSI: { PeakRSSI: -60 }, AntennaID: { AntennaID: 0 } }],
    ['bad-antenna', { EPC_96: { EPC: EPC96 }, PeakRSSI: { PeakRSSI: -60 }, AntennaID: { AntennaID: 65 } }],
  ] as const)('rejects as %s: %j', (reason, report) => {
    expect(convertTagReport(report)).toEqual({ ok: false, reason });
  });
});

describe('convertTagReports', () => {
  it('converts an array, counting each rejection under its reason and summing sightings of accepted reads', () => {
    const r = convertTagReports([
      { EPC_96: { EPC: EPC96 }, PeakRSSI: { PeakRSSI: -61 }, AntennaID: { AntennaID: 1 }, TagSeenCount: { TagCount: 3 } },
      { PeakRSSI: { PeakRSSI: -60 } },
      { EPC_96: { EPC: '300833B2DDD9014000000002' }, PeakRSSI: { PeakRSSI: 100 }, TagSeenCount: { TagCount: 9 } },
      { EPC_96: { EPC: '300833B2DDD9014000000003' }, PeakRSSI: { PeakRSSI: -75 } },
    ]);
    expect(r.reads).toEqual([
      { tag: `epc:${EPC96}`, rssi: -61, ant: 1 },
      { tag: 'epc:300833B2DDD9014000000003', rssi: -75 },
    ]);
    expect(r.tagReports).toBe(4);
    expect(r.sightings).toBe(4);
    expect(r.untimed).toBe(2);
    expect(r.rejected).toEqual({ malformed: 0, 'no-epc': 1, 'bad-epc': 0, 'no-rssi': 0, 'bad-rssi': 1, 'bad-antenna': 0 });
    expect(Object.keys(r.rejected)).toEqual([...TAG_REPORT_REJECT_REASONS]);
  });

  it('accepts the single object llrpjs gives for one TagReportData, and an empty report', () => {
    expect(convertTagReports({ EPC_96: { EPC: EPC96 }, PeakRSSI: { PeakRSSI: -61 } }).reads).toEqual([{ tag: `epc:${EPC96}`, rssi: -61 }]);
    const empty = convertTagReports(undefined);
    expect(empty.reads).toEqual([]);
    expect(empty.tagReports).toBe(0);
  });
});
