/**
 * Fault injection (issue #4 item 4): a plan is data, the injector is pure and seeded, and every fault kind has an
 * observable effect inside its span and none outside it.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { ReadBatch } from '@rtls/protocol';
import { FaultInjector, FaultPlanSchema, type Fault, type FaultMessage } from '../src/faults.ts';
import { loadSimConfig, parseCliArgs } from '../src/config.ts';

const START = Date.UTC(2026, 3, 2, 12);
const GW = 'gw-1';
const msg = (s: string): FaultMessage => ({ topic: `t/${GW}`, payload: Buffer.from(s) });
const texts = (ms: FaultMessage[]) => ms.map((m) => m.payload.toString());
const at = (relMs: number) => START + relMs;
const injector = (plan: Fault[], seed: number | string = 1) => new FaultInjector(plan, { seed, startTime: START });

describe('fault plan', () => {
  it('is validated: known kinds, a span that ends after it starts, the kind’s parameters', () => {
    expect(FaultPlanSchema.safeParse([{ gatewayId: GW, kind: 'offline', fromMs: 0, toMs: 10 }]).success).toBe(true);
    expect(FaultPlanSchema.safeParse([{ gatewayId: GW, kind: 'offline', fromMs: 10, toMs: 10 }]).success).toBe(false);
    expect(FaultPlanSchema.safeParse([{ gatewayId: GW, kind: 'meltdown', fromMs: 0, toMs: 10 }]).success).toBe(false);
    expect(FaultPlanSchema.safeParse([{ gatewayId: GW, kind: 'clock-skew', fromMs: 0, toMs: 10 }]).success).toBe(false);
    expect(FaultPlanSchema.safeParse([{ gatewayId: GW, kind: 'duplicate', fromMs: 0, toMs: 10, probability: 2 }]).success).toBe(false);
    expect(() => injector([{ gatewayId: GW, kind: 'offline', fromMs: 5, toMs: 1 }])).toThrow();
  });

  it('comes from RTLS_SIM_FAULTS (or --faults) as JSON; bad plans name the setting and the entry', () => {
    const plan = [{ gatewayId: '*', kind: 'duplicate', fromMs: 0, toMs: 60_000, probability: 0.1 }];
    expect(loadSimConfig({ RTLS_SIM_FAULTS: JSON.stringify(plan) }).faults).toEqual(plan);
    expect(loadSimConfig({}).faults).toEqual([]);
    expect(loadSimConfig({}, parseCliArgs(['--faults', JSON.stringify(plan)])).faults).toEqual(plan);
    expect(() => loadSimConfig({ RTLS_SIM_FAULTS: '[{' })).toThrow(/RTLS_SIM_FAULTS: not JSON/);
    expect(() => loadSimConfig({ RTLS_SIM_FAULTS: '[{"gatewayId":"a","kind":"offline","fromMs":9,"toMs":3}]' })).toThrow(/RTLS_SIM_FAULTS\[0\]\.toMs/);
  });
});

describe('each fault kind, inside its span and outside', () => {
  it('offline: nothing is published during the span, everything outside it', () => {
    const f = injector([{ gatewayId: GW, kind: 'offline', fromMs: 1000, toMs: 3000 }]);
    expect(texts(f.process(GW, at(999), [msg('a')]))).toEqual(['a']);
    expect(f.offline(GW, at(1000))).toBe(true);
    expect(f.process(GW, at(1000), [msg('b'), msg('c')])).toEqual([]);
    expect(f.process(GW, at(2999), [msg('d')])).toEqual([]);
    expect(f.offline(GW, at(3000))).toBe(false);
    expect(texts(f.process(GW, at(3000), [msg('e')]))).toEqual(['e']);
    expect(f.offline('gw-2', at(2000))).toBe(false);
    expect(f.stats().offlineDropped).toBe(3);
  });

  it('clock skew: batch and read times shifted by skewS seconds during the span only', () => {
    const f = injector([{ gatewayId: GW, kind: 'clock-skew', fromMs: 0, toMs: 5000, skewS: -90 }]);
    const batch = (t: number): ReadBatch => ({ gw: GW, seq: 0, t, reads: [{ tag: 'ble:AC233FA03208', rssi: -70, t: t - 400 }, { tag: 'ble:AC233FA03209', rssi: -71 }] });
    const inside = f.skewBatch(batch(at(2000)));
    expect(inside.t).toBe(at(2000) - 90_000);
    expect(inside.reads.map((r) => r.t)).toEqual([at(1600) - 90_000, undefined]);
    const outside = batch(at(6000));
    expect(f.skewBatch(outside)).toBe(outside);
    expect(f.skewMs('gw-2', at(2000))).toBe(0);
    expect(f.stats().skewed).toBe(1);
  });

  it('duplicate: every message twice, adjacent, with probability 1', () => {
    const f = injector([{ gatewayId: GW, kind: 'duplicate', fromMs: 0, toMs: 1000 }]);
    expect(texts(f.process(GW, at(10), [msg('a'), msg('b')]))).toEqual(['a', 'a', 'b', 'b']);
    expect(texts(f.process(GW, at(1000), [msg('c')]))).toEqual(['c']);
    expect(f.stats().duplicated).toBe(2);
  });

  it('burst: held for holdIntervals rounds, then published at once in order', () => {
    const f = injector([{ gatewayId: GW, kind: 'burst', fromMs: 0, toMs: 100_000, holdIntervals: 3 }]);
    expect(f.process(GW, at(1000), [msg('a')])).toEqual([]);
    expect(f.process(GW, at(2000), [msg('b'), msg('c')])).toEqual([]);
    expect(texts(f.process(GW, at(3000), [msg('d')]))).toEqual(['a', 'b', 'c', 'd']);
    expect(f.process(GW, at(4000), [msg('e')])).toEqual([]);
    expect(f.stats()).toMatchObject({ burstHeld: 5, burstReleased: 4 });
  });

  it('burst: without holdIntervals everything is held to the end of the span, and released even in a quiet round', () => {
    const f = injector([{ gatewayId: GW, kind: 'burst', fromMs: 0, toMs: 5000 }]);
    for (let t = 0; t < 5000; t += 1000) expect(f.process(GW, at(t), [msg(String(t))])).toEqual([]);
    expect(f.release(GW, at(4999))).toEqual([]);
    expect(texts(f.release(GW, at(5000)))).toEqual(['0', '1000', '2000', '3000', '4000']);
    expect(f.release(GW, at(6000))).toEqual([]);
  });

  it('truncate: each payload becomes a strict, non-empty prefix of itself', () => {
    const f = injector([{ gatewayId: GW, kind: 'truncate', fromMs: 0, toMs: 1000 }]);
    const original = Array.from({ length: 50 }, (_, i) => msg(JSON.stringify({ i, pad: 'x'.repeat(i) })));
    const out = f.process(GW, at(0), original);
    expect(out).toHaveLength(50);
    out.forEach((m, i) => {
      const full = original[i]!.payload;
      expect(m.payload.length).toBeGreaterThan(0);
      expect(m.payload.length).toBeLessThan(full.length);
      expect(full.subarray(0, m.payload.length).equals(m.payload)).toBe(true);
    });
    // The cut positions are spread over the payload, not always the same place.
    expect(new Set(out.map((m, i) => m.payload.length / original[i]!.payload.length > 0.5)).size).toBe(2);
    expect(f.stats().truncated).toBe(50);
    expect(texts(f.process(GW, at(1000), [msg('whole')]))).toEqual(['whole']);
  });

  it('"*" applies a fault to every gateway', () => {
    const f = injector([{ gatewayId: '*', kind: 'offline', fromMs: 0, toMs: 10 }]);
    expect(f.offline('a', at(5))).toBe(true);
    expect(f.offline('b', at(5))).toBe(true);
    expect(f.idle('b')).toBe(false);
    expect(injector([]).idle('b')).toBe(true);
  });
});

describe('seeded', () => {
  const plan: Fault[] = [
    { gatewayId: GW, kind: 'duplicate', fromMs: 0, toMs: 100_000, probability: 0.5 },
    { gatewayId: GW, kind: 'truncate', fromMs: 0, toMs: 100_000, probability: 0.3 },
  ];
  const run = (seed: number, order: 'forward' | 'reverse' = 'forward') => {
    const f = injector(plan, seed);
    const rounds = Array.from({ length: 100 }, (_, k) => k * 1000);
    if (order === 'reverse') rounds.reverse();
    const out = new Map<number, string[]>();
    for (const t of rounds) out.set(t, texts(f.process(GW, at(t), [msg(`m${t}-0-payload`), msg(`m${t}-1-payload`)])));
    return { out: [...out.entries()].sort((a, b) => a[0] - b[0]), stats: f.stats() };
  };

  it('the same seed gives the same faults, whatever order the rounds are processed in; another seed others', () => {
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(7, 'reverse').out).toEqual(a.out);
    expect(run(8).out).not.toEqual(a.out);
  });

  it('probabilities are honoured over many messages (200 messages, p = 0.5 and 0.3)', () => {
    const { stats } = run(7);
    expect(stats.duplicated).toBeGreaterThan(60);
    expect(stats.duplicated).toBeLessThan(140);
    expect(stats.truncated).toBeGreaterThan(30);
    expect(stats.truncated).toBeLessThan(90);
  });
});
