import { describe, expect, it } from 'vitest';
import type { ReadBatch } from '@rtls/protocol';
import { DUPLICATE_MEMORY_MS, createReadFilter, tagFitsGateway } from '../../src/ingest/read-filter.ts';
import { T0, fixtureGateways } from './helpers.ts';

const opts = { windowMs: 4000, maxClockSkewMs: 300_000 };
const bleGw = fixtureGateways()[0]!;
const portal = fixtureGateways().find((g) => g.tech === 'rfid-portal')!;
const batch = (over: Partial<ReadBatch> = {}): ReadBatch => ({
  gw: bleGw.id, seq: 1, t: T0, reads: [{ tag: 'ble:AABBCCDDEEFF', rssi: -60 }], ...over,
});

describe('read filter', () => {
  it('passes a fresh batch from a known gateway with no reasons', () => {
    const f = createReadFilter(opts);
    const v = f.checkBatch(batch(), bleGw, T0);
    expect(v).toEqual({ reasons: [], drop: false, skewed: false });
    expect(f.checkRead(batch().reads[0]!, batch(), bleGw, v, T0)).toEqual({ reasons: [], drop: false, t: T0 });
  });

  it('returns every batch reason at once: unknown gateway + duplicate + clock skew', () => {
    const f = createReadFilter(opts);
    const skewed = batch({ t: T0 - 600_000 });
    expect(f.checkBatch(skewed, undefined, T0).reasons).toEqual(['unknown-gateway', 'clock-skew']);
    expect(f.checkBatch(skewed, undefined, T0 + 10)).toEqual({
      reasons: ['unknown-gateway', 'duplicate-batch', 'clock-skew'], drop: true, skewed: true,
    });
  });

  it('treats a redelivered batch as duplicate, but not a rebooted gateway restarting its seq, nor one long after', () => {
    const f = createReadFilter(opts);
    expect(f.checkBatch(batch(), bleGw, T0).reasons).toEqual([]);
    expect(f.checkBatch(batch(), bleGw, T0 + 500).reasons).toEqual(['duplicate-batch']);
    expect(f.checkBatch(batch({ t: T0 + 2000 }), bleGw, T0 + 2000).reasons).toEqual([]);
    f.prune(T0 + DUPLICATE_MEMORY_MS + 1);
    expect(f.checkBatch(batch(), bleGw, T0 + DUPLICATE_MEMORY_MS + 1).reasons).toEqual([]);
  });

  it('keeps reads of a skewed batch, timed at receive time', () => {
    const f = createReadFilter(opts);
    const b = batch({ t: T0 + 3_600_000 });
    const v = f.checkBatch(b, bleGw, T0);
    expect(v).toEqual({ reasons: ['clock-skew'], drop: false, skewed: true });
    expect(f.checkRead(b.reads[0]!, b, bleGw, v, T0)).toEqual({ reasons: [], drop: false, t: T0 });
  });

  it('returns every read reason at once: wrong technology + stale', () => {
    const f = createReadFilter(opts);
    const b = batch({ reads: [{ tag: 'epc:E2801160600002084A1B2C3D', rssi: -50, t: T0 - 5000 }] });
    const v = f.checkBatch(b, bleGw, T0);
    expect(f.checkRead(b.reads[0]!, b, bleGw, v, T0)).toEqual({ reasons: ['schema', 'stale-read'], drop: true, t: T0 - 5000 });
  });

  it('counts a read with its own skewed clock, uses receive time, and keeps it', () => {
    const f = createReadFilter(opts);
    const b = batch({ reads: [{ tag: 'ble:AABBCCDDEEFF', rssi: -60, t: T0 - 400_000 }] });
    const v = f.checkBatch(b, bleGw, T0);
    expect(f.checkRead(b.reads[0]!, b, bleGw, v, T0)).toEqual({ reasons: ['clock-skew'], drop: false, t: T0 });
  });

  it('clamps a read slightly in the future to receive time', () => {
    const f = createReadFilter(opts);
    const b = batch({ t: T0 + 800 });
    const v = f.checkBatch(b, bleGw, T0);
    expect(f.checkRead(b.reads[0]!, b, bleGw, v, T0).t).toBe(T0);
  });

  it('knows which tags each gateway technology can read', () => {
    expect(tagFitsGateway('ble:AABBCCDDEEFF', bleGw)).toBe(true);
    expect(tagFitsGateway('ibeacon:0123456789ABCDEF0123456789ABCDEF-1-2', bleGw)).toBe(true);
    expect(tagFitsGateway('epc:E2801160600002084A1B2C3D', bleGw)).toBe(false);
    expect(tagFitsGateway('epc:E2801160600002084A1B2C3D', portal)).toBe(true);
    expect(tagFitsGateway('ble:AABBCCDDEEFF', portal)).toBe(false);
  });
});
