import { describe, expect, it } from 'vitest';
import { LIMITS } from '@rtls/protocol';
import { decodeMokoMkgw } from '../../src/ingest/decoders/moko-mkgw.ts';
import { T0, bytes, ctxAt, expectReads, expectRejected } from './rfid-ble-gateway-kit.ts';

const ctx = ctxAt(T0, '/MKGW3/d48c49f7909c/send');
const UUID = 'fda50693a4e24fb1afcfc6eb07647825';
const rec = (mac: string, rssi: number, timestamp: unknown, extra: Record<string, unknown> = {}) => ({
  timestamp,
  timezone: 0,
  type_code: 5,
  type: 'unknown',
  rssi,
  connectable: 1,
  mac,
  ...extra,
});
const scan = (data: unknown, msg_id = 3070) => ({ msg_id, device_info: { mac: 'd48c49f7909c' }, data });

describe('MOKO MKGW decoder: variants (issue #4)', () => {
  it('synced clock: timestamp is epoch ms', () => {
    const r = expectReads(decodeMokoMkgw(bytes(scan([rec('b081845989f1', -61, T0 - 250)])), ctx));
    expect(r).toMatchObject({ reads: [{ tag: 'ble:B081845989F1', rssi: -61, t: T0 - 250 }], clockSkewed: 0, gatewayHint: 'D48C49F7909C' });
  });

  it('unsynced clock: uptime seconds (far below year-2000 epoch ms) → receive time, counted as clock-skewed', () => {
    const r = expectReads(decodeMokoMkgw(bytes(scan([rec('b081845989f1', -61, 3712), rec('b081845989f2', -62, 946_684_799_999)])), ctx));
    expect(r.reads.map((x) => x.t)).toEqual([T0, T0]);
    expect(r.clockSkewed).toBe(2);
    const neg = expectReads(decodeMokoMkgw(bytes(scan([rec('b081845989f1', -61, -5), rec('b081845989f1', -61, '123')])), ctx));
    expect(neg.rejected.map((j) => j.errors[0]!.split(':')[0])).toEqual(['data[0].timestamp', 'data[1].timestamp']);
  });

  it('a synced but wrong clock (an hour off) → receive time, counted', () => {
    const r = expectReads(decodeMokoMkgw(bytes(scan([rec('b081845989f1', -61, T0 + 3_600_000)])), ctx));
    expect(r.reads[0]!.t).toBe(T0);
    expect(r.clockSkewed).toBe(1);
  });

  it('msg_id 3004: an object is the heartbeat, an array is scan data (older protocol)', () => {
    expect(decodeMokoMkgw(bytes(scan({ timestamp: 0, net_interface: 1, wifi_rssi: -54 }, 3004)), ctx)).toEqual({
      kind: 'skip',
      what: 'heartbeat',
      gatewayHint: 'D48C49F7909C',
    });
    const legacy = expectReads(decodeMokoMkgw(bytes(scan([rec('b081845989f1', -70, T0 - 10)], 3004)), ctx));
    expect(legacy.reads).toEqual([{ tag: 'ble:B081845989F1', rssi: -70, t: T0 - 10 }]);
  });

  it('msg_id 3070 with object data is malformed; other msg_ids are skipped', () => {
    expectRejected(decodeMokoMkgw(bytes(scan({ timestamp: 1 })), ctx), 'schema', /^data: expected an array of scan records/);
    expect(decodeMokoMkgw(bytes(scan({ result: 0 }, 3001)), ctx)).toEqual({ kind: 'skip', what: 'other-event', gatewayHint: 'D48C49F7909C' });
  });

  it('iBeacon records: uuid/major/minor identity, rssi_1m → tx; an all-zero uuid falls back to the MAC', () => {
    const beacon = rec('c1a2b3c4d5e6', -66, T0 - 5, { type: 'ibeacon', type_code: 0, uuid: UUID, major: 10, minor: 2, rssi_1m: -59 });
    const blank = rec('b081845989f1', -61, T0 - 5, { type: 'ibeacon', uuid: '0'.repeat(32), major: 0, minor: 0, rssi_1m: 0 });
    const r = expectReads(decodeMokoMkgw(bytes(scan([beacon, blank])), ctx));
    expect(r.reads).toEqual([
      { tag: `ibeacon:${UUID.toUpperCase()}-10-2`, rssi: -66, tx: -59, t: T0 - 5 },
      { tag: 'ble:B081845989F1', rssi: -61, t: T0 - 5 },
    ]);
    const bad = expectReads(decodeMokoMkgw(bytes(scan([{ ...beacon, uuid: 'fda5' }])), ctx));
    expect(bad.rejected[0]!.errors).toEqual([expect.stringMatching(/^data\[0\]\.uuid: /)]);
  });

  it('rejects bad records by field while keeping their siblings', () => {
    const r = expectReads(
      decodeMokoMkgw(bytes(scan([rec('b081845989f1', -61, T0), rec('b081845989f2', 127, T0), rec('nope', -60, T0), 'x'])), ctx),
    );
    expect(r.reads).toHaveLength(1);
    expect(r.rejected.map((j) => [j.index, j.reason, j.errors[0]!.split(':')[0]])).toEqual([
      [1, 'schema', 'data[1].rssi'],
      [2, 'schema', 'data[2].mac'],
      [3, 'schema', 'data[3]'],
    ]);
  });

  it('gateway hint from the topic when device_info is missing', () => {
    const r = expectReads(decodeMokoMkgw(bytes({ msg_id: 3070, data: [] }), ctx));
    expect(r.gatewayHint).toBe('D48C49F7909C');
  });

  it('rejects what is not this format, and oversized batches', () => {
    expectRejected(decodeMokoMkgw(bytes('msg_id=3070'), ctx), 'not-json', /not JSON/);
    expectRejected(decodeMokoMkgw(bytes([scan([])]), ctx), 'schema', /^msg_id: /);
    expectRejected(decodeMokoMkgw(bytes({ msg_id: '3070', data: [] }), ctx), 'schema', /^msg_id: /);
    const many = scan(Array.from({ length: LIMITS.maxReadsPerBatch + 1 }, () => rec('b081845989f1', -61, T0)));
    expectRejected(decodeMokoMkgw(bytes(many), ctx), 'too-many-reads', /1001 scan records/);
  });
});
