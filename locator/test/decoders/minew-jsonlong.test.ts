import { describe, expect, it } from 'vitest';
import { LIMITS } from '@rtls/protocol';
import { decodeMinewJsonLong } from '../../src/ingest/decoders/minew-jsonlong.ts';
import { T0, bytes, ctxAt, expectReads, expectRejected, iso, sampleJson } from './rfid-ble-gateway-kit.ts';

const TOPIC = '/gw/ac233fc001ea/status';
const ctx = ctxAt(T0, TOPIC);
const header = { timestamp: iso(T0), type: 'Gateway', mac: 'AC233FC001EA', gatewayFree: 98, gatewayLoad: 0.05 };
const scan = (mac: string, rssi: number, at: number, extra: Record<string, unknown> = {}) => ({
  timestamp: iso(at),
  type: 'Unknown',
  mac,
  bleName: '',
  rssi,
  rawData: '',
  ...extra,
});
const UUID = '6A08635B25F7410A8CF860EEFA2E6EAB';

describe('Minew JSON-LONG decoder: variants (issue #4)', () => {
  it('older firmware without the Gateway header: same reads, hint still from the topic', () => {
    const records = [scan('AC233FA03208', -79, T0 - 2000), scan('AC233FA018E3', -54, T0 - 1000)];
    const withHeader = expectReads(decodeMinewJsonLong(bytes([header, ...records]), ctx));
    const without = expectReads(decodeMinewJsonLong(bytes(records), ctx));
    expect(without.reads).toEqual(withHeader.reads);
    expect(without.reads.map((r) => r.tag)).toEqual(['ble:AC233FA03208', 'ble:AC233FA018E3']);
    expect(without.gatewayHint).toBe('AC233FC001EA');
    // The header's MAC is the hint when the topic carries none.
    expect(expectReads(decodeMinewJsonLong(bytes([header, ...records]), ctxAt(T0, 'minew/ward3'))).gatewayHint).toBe('AC233FC001EA');
  });

  it('accepts timestamps with second or millisecond precision', () => {
    const r = expectReads(
      decodeMinewJsonLong(
        bytes([
          { ...scan('AC233FA03208', -70, 0), timestamp: '2024-12-31T23:59:58Z' },
          { ...scan('AC233FA018E3', -71, 0), timestamp: '2024-12-31T23:59:59.250Z' },
        ]),
        ctx,
      ),
    );
    expect(r.reads.map((x) => x.t)).toEqual([T0 - 2000, T0 - 750]);
  });

  it('keeps two packets of one tag in a batch, drops a record identical in every field (counted)', () => {
    const a = scan('AC233FA018E3', -54, T0 - 1000, { type: 'S1', battery: 100 });
    const b = scan('AC233FA018E3', -53, T0 - 1000);
    const r = expectReads(decodeMinewJsonLong(bytes([header, a, b, a]), ctx));
    expect(r.reads.map((x) => x.rssi)).toEqual([-54, -53]);
    expect(r.duplicates).toBe(1);
    expect(r.rejected).toEqual([]);
    // Same tag, same RSSI, different time: two packets.
    const c = scan('AC233FA018E3', -54, T0 - 900, { type: 'S1', battery: 100 });
    expect(expectReads(decodeMinewJsonLong(bytes([a, c]), ctx)).reads).toHaveLength(2);
  });

  it('sorts out-of-order records by time', () => {
    const r = expectReads(
      decodeMinewJsonLong(
        bytes([header, scan('AC233FA00003', -60, T0 - 1000), scan('AC233FA00001', -61, T0 - 3000), scan('AC233FA00002', -62, T0 - 2000)]),
        ctx,
      ),
    );
    expect(r.reads.map((x) => x.tag)).toEqual(['ble:AC233FA00001', 'ble:AC233FA00002', 'ble:AC233FA00003']);
  });

  it('identifies iBeacons by uuid/major/minor; ibeaconTxPower is tx, never a reading', () => {
    const beacon = scan('0BE383050DE8', -58, T0 - 100, { type: 'iBeacon', ibeaconUuid: UUID.toLowerCase(), ibeaconMajor: 7, ibeaconMinor: 65535, ibeaconTxPower: -59 });
    const r = expectReads(decodeMinewJsonLong(bytes([beacon]), ctx));
    expect(r.reads).toEqual([{ tag: `ibeacon:${UUID}-7-65535`, rssi: -58, tx: -59, t: T0 - 100 }]);
    const bad = expectReads(decodeMinewJsonLong(bytes([header, { ...beacon, ibeaconMajor: 70000 }]), ctx));
    expect(bad.rejected).toEqual([{ index: 1, reason: 'schema', errors: [expect.stringMatching(/^\[1\]\.ibeaconMajor: /)] }]);
  });

  it('rejects bad records by field while keeping their siblings', () => {
    const r = expectReads(
      decodeMinewJsonLong(
        bytes([header, scan('AC233FA03208', -79, T0 - 10), scan('AC233FA0320', -70, T0), scan('AC233FA018E3', 25, T0), scan('AC233FA018E7', -40, T0, { timestamp: 'yesterday' }), 7]),
        ctx,
      ),
    );
    expect(r.reads.map((x) => x.tag)).toEqual(['ble:AC233FA03208']);
    expect(r.rejected.map((j) => [j.index, j.errors[0]!.split(':')[0]])).toEqual([
      [2, '[2].mac'],
      [3, '[3].rssi'],
      [4, '[4].timestamp'],
      [5, '[5]'],
    ]);
  });

  it('clock skew: a record far from receive time gets receive time and is counted', () => {
    const r = expectReads(decodeMinewJsonLong(bytes([scan('AC233FA03208', -79, T0 - 3_600_000)]), ctx));
    expect(r.reads[0]!.t).toBe(T0);
    expect(r.clockSkewed).toBe(1);
  });

  it('rejects what is not this format, and oversized batches', () => {
    expectRejected(decodeMinewJsonLong(bytes('[{"mac":'), ctx), 'not-json', /not JSON/);
    expectRejected(decodeMinewJsonLong(bytes(sampleJson('moko-mkgw-mini03-scan-3070')), ctx), 'schema', /^\(root\): expected a JSON array/);
    const many = [header, ...Array.from({ length: LIMITS.maxReadsPerBatch + 1 }, (_, i) => scan('AC233FA03208', -79, T0 - i))];
    expectRejected(decodeMinewJsonLong(bytes(many), ctx), 'too-many-reads', /1001 scan records/);
    // Exactly the limit (plus the header, which is not a read) is fine.
    expect(expectReads(decodeMinewJsonLong(bytes(many.slice(0, -1)), ctx)).reads).toHaveLength(LIMITS.maxReadsPerBatch);
  });
});
