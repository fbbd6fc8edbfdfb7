import { describe, expect, it } from 'vitest';
import { LIMITS } from '@rtls/protocol';
import { decodeImpinjIot } from '../../src/ingest/decoders/impinj-iot.ts';
import { T0, bytes, ctxAt, expectReads, expectRejected, iso } from './rfid-ble-gateway-kit.ts';

const EPC = '300833B2DDD9014000000000';
const EPC_B64 = 'MAgzst3ZAUAAAAAA'; // the same 12 bytes, base64
const ctx = ctxAt(T0, 'impinj/dock-door');

function inventory(ev: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventType: 'tagInventory',
    timestamp: iso(T0 - 1000),
    tagInventoryEvent: { epcHex: EPC, antennaPort: 3, peakRssiCdbm: -6100, frequency: 920250, ...ev },
    ...extra,
  };
}

describe('Impinj R700 IoT interface decoder: variants (issue #4)', () => {
  it('converts centi-dBm to dBm and keeps the 1-based antenna port; frequency (kHz) is ignored', () => {
    const r = expectReads(decodeImpinjIot(bytes(inventory({ peakRssiCdbm: -5234 })), ctx));
    expect(r.reads).toEqual([{ tag: `epc:${EPC}`, rssi: -52.34, ant: 3, t: T0 - 1000 }]);
  });

  it('reads the EPC from base64 `epc` when the preset sends no epcHex', () => {
    const ev = inventory({ epcHex: undefined, epc: EPC_B64 });
    const r = expectReads(decodeImpinjIot(bytes(ev), ctx));
    expect(r.reads[0]!.tag).toBe(`epc:${EPC}`);
    const bad = expectReads(decodeImpinjIot(bytes(inventory({ epcHex: undefined, epc: 'not base64!' })), ctx));
    expect(bad.rejected[0]!.errors).toEqual([expect.stringMatching(/^tagInventoryEvent\.epc: expected base64/)]);
    const none = expectReads(decodeImpinjIot(bytes(inventory({ epcHex: undefined })), ctx));
    expect(none.rejected[0]!.errors).toEqual([expect.stringMatching(/^tagInventoryEvent\.epcHex: missing/)]);
  });

  it('prefers lastSeenTime over the event timestamp; falls back to it, then to receive time', () => {
    const seen = expectReads(decodeImpinjIot(bytes(inventory({ lastSeenTime: iso(T0 - 400) })), ctx));
    expect(seen.reads[0]!.t).toBe(T0 - 400);
    expect(expectReads(decodeImpinjIot(bytes(inventory({})), ctx)).reads[0]!.t).toBe(T0 - 1000);
    const bare = inventory({});
    delete bare.timestamp;
    expect(expectReads(decodeImpinjIot(bytes(bare), ctx)).reads[0]!.t).toBe(T0);
  });

  it('a timestamp a day off → receive time, counted as clock-skewed', () => {
    const r = expectReads(decodeImpinjIot(bytes(inventory({}, { timestamp: iso(T0 - 86_400_000) })), ctx));
    expect(r.reads[0]!.t).toBe(T0);
    expect(r.clockSkewed).toBe(1);
  });

  it('rejects an absurd RSSI naming the field (−20000 cdBm = −200 dBm), and a bad antenna', () => {
    const r = expectReads(decodeImpinjIot(bytes(inventory({ peakRssiCdbm: -20000, antennaPort: 0 })), ctx));
    expect(r.reads).toEqual([]);
    expect(r.rejected).toEqual([
      {
        index: 0,
        reason: 'schema',
        errors: [expect.stringMatching(/^tagInventoryEvent\.peakRssiCdbm: -200 dBm/), expect.stringMatching(/^tagInventoryEvent\.antennaPort: /)],
      },
    ]);
  });

  it('skips other event types as other-event, with the reader hostname as hint', () => {
    for (const eventType of ['antennaConnected', 'inventoryStatus', 'diagnostic', 'gpiTransition']) {
      expect(decodeImpinjIot(bytes({ eventType, timestamp: iso(T0), hostname: 'impinj-14-2b-7f' }), ctx)).toEqual({
        kind: 'skip',
        what: 'other-event',
        gatewayHint: 'impinj-14-2b-7f',
      });
    }
    expect(expectReads(decodeImpinjIot(bytes(inventory({}, { hostname: 'impinj-14-2b-7f' })), ctx)).gatewayHint).toBe('impinj-14-2b-7f');
  });

  it('reads on-reader app tag_reads[] batches: µs epoch timestamps, float dBm, sorted by time', () => {
    const batch = {
      tag_reads: [
        { readerName: 'r700-ward3', epc: 'e2801160600002084a1b2c3d', antennaPort: 2, peakRssi: -57.5, firstSeenTimestamp: (T0 - 300) * 1000 + 999 },
        { readerName: 'r700-ward3', epc: EPC, antennaPort: 1, peakRssi: -49, firstSeenTimestamp: (T0 - 700) * 1000 },
        { readerName: 'r700-ward3', epc: EPC, antennaPort: 1, peakRssi: 99, firstSeenTimestamp: (T0 - 600) * 1000 },
      ],
    };
    const r = expectReads(decodeImpinjIot(bytes(batch), ctx));
    expect(r.reads).toEqual([
      { tag: `epc:${EPC}`, rssi: -49, ant: 1, t: T0 - 700 },
      { tag: 'epc:E2801160600002084A1B2C3D', rssi: -57.5, ant: 2, t: T0 - 300 },
    ]);
    expect(r.rejected).toEqual([{ index: 2, reason: 'schema', errors: [expect.stringMatching(/^tag_reads\[2\]\.peakRssi: 99 dBm/)] }]);
    expect(r.gatewayHint).toBe('r700-ward3');
    // Milliseconds where µs belong land in 1970 and are caught as skew, not trusted.
    const ms = expectReads(decodeImpinjIot(bytes({ tag_reads: [{ epc: EPC, peakRssi: -50, firstSeenTimestamp: T0 }] }), ctx));
    expect(ms.reads[0]!.t).toBe(T0);
    expect(ms.clockSkewed).toBe(1);
  });

  it('rejects what is not this format, and oversized batches', () => {
    expectRejected(decodeImpinjIot(bytes('{"eventType":'), ctx), 'not-json', /not JSON/);
    expectRejected(decodeImpinjIot(bytes([inventory({})]), ctx), 'schema', /^\(root\): expected an Impinj IoT interface event/);
    expectRejected(decodeImpinjIot(bytes({ tagInventoryEvent: {} }), ctx), 'schema', /eventType/);
    expectRejected(decodeImpinjIot(bytes({ eventType: 'tagInventory' }), ctx), 'schema', /^tagInventoryEvent: expected an object/);
    const many = { tag_reads: Array.from({ length: LIMITS.maxReadsPerBatch + 1 }, () => ({ epc: EPC, peakRssi: -50 })) };
    expectRejected(decodeImpinjIot(bytes(many), ctx), 'too-many-reads', /1001 reads/);
  });
});
