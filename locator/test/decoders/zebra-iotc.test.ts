import { describe, expect, it } from 'vitest';
import { LIMITS } from '@rtls/protocol';
import { decodeZebraIotc } from '../../src/ingest/decoders/zebra-iotc.ts';
import { T0, bytes, ctxAt, expectContract, expectReads, expectRejected, zebraTime } from './rfid-ble-gateway-kit.ts';

const EPC = 'ad99160040aac99525000025';
const TID = 'e2801160200074cf085509f2';
const ctx = ctxAt(T0, 'zebra/fx9600-dock/data');

function tagEvent(data: Record<string, unknown>, at = T0 - 500): Record<string, unknown> {
  return {
    data: { antenna: 2, eventNum: 1, format: 'epc', idHex: EPC, peakRssi: -61, reads: 3, ...data },
    timestamp: zebraTime(at),
    type: 'SIMPLE',
  };
}
const without = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

describe('Zebra IoT Connector decoder: variants (issue #4)', () => {
  it('accepts a single object as well as an array; paths have no index for a single object', () => {
    const one = expectReads(decodeZebraIotc(bytes(tagEvent({})), ctx));
    expect(one.reads).toEqual([{ tag: `epc:${EPC.toUpperCase()}`, rssi: -61, ant: 2, t: T0 - 500 }]);
    expect(one.gatewayHint).toBe('fx9600-dock');
    const bad = expectReads(decodeZebraIotc(bytes(tagEvent({ peakRssi: 45 })), ctx));
    expect(bad.rejected).toEqual([{ index: 0, reason: 'schema', errors: [expect.stringMatching(/^data\.peakRssi: 45 dBm/)] }]);
  });

  it('accepts events concatenated with no separator (WebSocket) or by newlines', () => {
    const a = JSON.stringify(tagEvent({ idHex: EPC }, T0 - 900));
    const b = JSON.stringify(tagEvent({ idHex: TID, peakRssi: -70, antenna: 1 }, T0 - 800));
    for (const text of [a + b, `${a}\n${b}\n`, `${a} [${b}]`]) {
      const r = expectReads(decodeZebraIotc(bytes(text), ctx));
      expect(r.reads.map((x) => x.tag)).toEqual([`epc:${EPC.toUpperCase()}`, `epc:${TID.toUpperCase()}`]);
      expect(r.reads.map((x) => x.t)).toEqual([T0 - 900, T0 - 800]);
    }
    expectRejected(decodeZebraIotc(bytes(`${a}{"data":`), ctx), 'not-json', /not JSON/);
    expectRejected(decodeZebraIotc(bytes(`${a}x${b}`), ctx), 'not-json', /not JSON/);
  });

  it('parses +0000 (no colon) timestamps with ms, other offsets, and a Z', () => {
    const at = (timestamp: string) => expectReads(decodeZebraIotc(bytes({ ...tagEvent({}), timestamp }), ctx)).reads[0]!.t;
    expect(at('2024-12-31T23:59:58.123+0000')).toBe(T0 - 1877);
    expect(at('2025-01-01T01:29:58.123+0130')).toBe(T0 - 1877);
    expect(at('2024-12-31T22:59:58.123-01:00')).toBe(T0 - 1877);
    expect(at('2024-12-31T23:59:58Z')).toBe(T0 - 2000);
  });

  it('rejects an unparseable timestamp, and uses receive time for one missing', () => {
    const r = expectReads(decodeZebraIotc(bytes([{ ...tagEvent({}), timestamp: '2024-02-30T10:00:00.000+0000' }]), ctx));
    expect(r.rejected[0]!.errors).toEqual([expect.stringMatching(/^\[0\]\.timestamp: expected an ISO-8601/)]);
    const m = expectReads(decodeZebraIotc(bytes(without(tagEvent({}), 'timestamp')), ctx));
    expect(m.reads[0]!.t).toBe(T0);
    expect(m.clockSkewed).toBe(0);
  });

  it('a timestamp further than maxClockSkewMs from receive time → receive time, counted', () => {
    const skewed = tagEvent({}, T0 - LIMITS.maxClockSkewMs - 1);
    const fine = tagEvent({ idHex: TID }, T0 - LIMITS.maxClockSkewMs + 1);
    const r = expectReads(decodeZebraIotc(bytes([skewed, fine]), ctx));
    expect(r.clockSkewed).toBe(1);
    expect(r.reads.map((x) => [x.tag, x.t])).toEqual([
      [`epc:${TID.toUpperCase()}`, T0 - LIMITS.maxClockSkewMs + 1],
      [`epc:${EPC.toUpperCase()}`, T0],
    ]);
  });

  it('fastID: the tag id is the EPC, so one physical tag keeps the id it has in epc mode', () => {
    const epcMode = expectReads(decodeZebraIotc(bytes(tagEvent({ PC: '3000' })), ctx)).reads[0]!.tag;
    const base = { antenna: 2, peakRssi: -61 };
    const variants: Record<string, unknown>[] = [
      { ...base, format: 'fastID', PC: '3000', idHex: EPC + TID }, // PC says 6 words
      { ...base, format: 'fastID', idHex: EPC + TID }, // no PC: 96-bit EPC assumed
      { ...base, format: 'fastID', PC: '3000', idHex: EPC }, // TID not returned this round
      { ...base, PC: '3000', idHex: EPC + TID }, // firmware that omits format: PC still marks the TID tail
    ];
    for (const data of variants) {
      const r = expectReads(decodeZebraIotc(bytes({ data, timestamp: zebraTime(T0), type: 'SIMPLE' }), ctx));
      expect(r.reads[0]!.tag, JSON.stringify(data)).toBe(epcMode);
    }
    // A 128-bit EPC (PC 4000 = 8 words) in fastID mode keeps all 32 hex digits.
    const long = `${EPC}1234abcd`;
    const r = expectReads(decodeZebraIotc(bytes(tagEvent({ format: 'fastID', PC: '4000', idHex: long + TID })), ctx));
    expect(r.reads[0]!.tag).toBe(`epc:${long.toUpperCase()}`);
  });

  it('missing format and no PC: idHex is the EPC as sent', () => {
    const data = without(without(tagEvent({}).data as Record<string, unknown>, 'format'), 'PC');
    const r = expectReads(decodeZebraIotc(bytes({ ...tagEvent({}), data }), ctx));
    expect(r.reads[0]!.tag).toBe(`epc:${EPC.toUpperCase()}`);
  });

  it('tid mode identifies the tag by its TID; an unknown format is rejected naming the field', () => {
    expect(expectReads(decodeZebraIotc(bytes(tagEvent({ format: 'tid', idHex: TID })), ctx)).reads[0]!.tag).toBe(
      `epc:${TID.toUpperCase()}`,
    );
    const r = expectReads(decodeZebraIotc(bytes([tagEvent({ format: 'user' })]), ctx));
    expect(r.reads).toEqual([]);
    expect(r.rejected[0]!.errors).toEqual([expect.stringMatching(/^\[0\]\.data\.format: unknown format "user"/)]);
  });

  it('rejects bad records by field while keeping their siblings', () => {
    const r = expectReads(
      decodeZebraIotc(
        bytes([
          tagEvent({ antenna: 0 }),
          tagEvent({ idHex: 'ad9916' }),
          tagEvent({ idHex: 'zz99160040aac99525000025' }),
          tagEvent({ peakRssi: '-54' }),
          tagEvent({ peakRssi: -131 }),
          tagEvent({ antenna: 4 }),
        ]),
        ctx,
      ),
    );
    expect(r.reads).toEqual([{ tag: `epc:${EPC.toUpperCase()}`, rssi: -61, ant: 4, t: T0 - 500 }]);
    expect(r.rejected.map((j) => [j.index, j.reason, j.errors[0]!.split(':')[0]])).toEqual([
      [0, 'schema', '[0].data.antenna'],
      [1, 'schema', '[1].data.idHex'],
      [2, 'schema', '[2].data.idHex'],
      [3, 'schema', '[3].data.peakRssi'],
      [4, 'schema', '[4].data.peakRssi'],
    ]);
  });

  it('skips heartbeats and management events; ignores them inside a batch of tag data', () => {
    const hb = { component: 'RG', data: { radio_control: {} }, eventNum: 3, timestamp: zebraTime(T0), type: 'heartbeat' };
    const gpi = { data: { pin: 1, state: 'HIGH' }, timestamp: zebraTime(T0), type: 'GPI' };
    expect(decodeZebraIotc(bytes(hb), ctx)).toEqual({ kind: 'skip', what: 'heartbeat', gatewayHint: 'fx9600-dock' });
    expect(decodeZebraIotc(bytes([gpi, hb]), ctxAt(T0, 'site/reader'))).toEqual({ kind: 'skip', what: 'management' });
    const mixed = expectReads(decodeZebraIotc(bytes([hb, tagEvent({}), gpi]), ctx));
    expect(mixed.reads).toHaveLength(1);
    expect(mixed.rejected).toEqual([]);
  });

  it('a tag-data event without idHex is rejected, not mistaken for management', () => {
    const r = expectReads(decodeZebraIotc(bytes({ data: { antenna: 1, peakRssi: -50 }, type: 'SIMPLE', timestamp: zebraTime(T0) }), ctx));
    expect(r.rejected[0]!.errors[0]).toMatch(/^data\.idHex: missing/);
  });

  it('reads the RFD40/RFD90 handheld schema: data.tagData[] with uppercase EPCid', () => {
    const sled = {
      type: 'RFID_INVENTORY',
      timestamp: zebraTime(T0 - 200),
      data: { tagData: [{ EPCid: EPC.toUpperCase(), peakRSSI: -48, antennaId: 1 }, { EPCid: TID.toUpperCase(), peakRSSI: -300 }] },
    };
    const r = expectReads(decodeZebraIotc(bytes(sled), ctx));
    expect(r.reads).toEqual([{ tag: `epc:${EPC.toUpperCase()}`, rssi: -48, ant: 1, t: T0 - 200 }]);
    expect(r.rejected).toEqual([{ index: 1, reason: 'schema', errors: [expect.stringMatching(/^data\.tagData\[1\]\.peakRSSI: -300 dBm/)] }]);
  });

  it('rejects what is not this format, and oversized batches', () => {
    expectRejected(decodeZebraIotc(bytes('not json at all'), ctx), 'not-json', /not JSON/);
    expectRejected(decodeZebraIotc(new Uint8Array([0x7b, 0xff, 0x7d]), ctx), 'not-json', /UTF-8/);
    expectRejected(decodeZebraIotc(bytes('42'), ctx), 'schema', /^\(root\): expected a Zebra IoT Connector event/);
    const many = Array.from({ length: LIMITS.maxReadsPerBatch + 1 }, () => tagEvent({}));
    expectRejected(decodeZebraIotc(bytes(many), ctx), 'too-many-reads', /1001 tag records, limit 1000/);
    const sled = { type: 'X', data: { tagData: Array.from({ length: LIMITS.maxReadsPerBatch + 1 }, () => ({ EPCid: EPC, peakRSSI: -50 })) } };
    expectRejected(decodeZebraIotc(bytes(sled), ctx), 'too-many-reads', /1001 tag records/);
    const r = decodeZebraIotc(bytes([1, 'x', null]), ctx);
    expectContract(r);
    expect(r).toMatchObject({ kind: 'reads', reads: [], rejected: [{ index: 0 }, { index: 1 }, { index: 2 }] });
  });
});
