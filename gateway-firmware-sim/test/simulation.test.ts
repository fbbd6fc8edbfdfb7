import { describe, expect, it } from 'vitest';
import { LIMITS, ReadBatchSchema, TagRegistrationSchema, describeZodError, tagTech, type ReadBatch } from '@rtls/protocol';
import { Simulation, type SimulationOptions } from '../src/index.ts';
import { fixtureSite } from './fixture-site.ts';
import { sampleSiteOrNull } from './sample-site.ts';

const START = Date.UTC(2025, 2, 3, 8, 0, 0);

function run(opts: Partial<SimulationOptions>, seconds: number, stepMs = 1000): ReadBatch[] {
  const sim = new Simulation({ site: fixtureSite(), seed: 42, tagCount: 40, startTime: START, ...opts });
  const out: ReadBatch[] = [];
  for (let t = START; t <= START + seconds * 1000; t += stepMs) out.push(...sim.step(t));
  return out;
}

describe('Simulation', () => {
  it('is deterministic: same seed ⇒ identical batches, different seed ⇒ different batches', () => {
    const a = run({ seed: 42 }, 60);
    const b = run({ seed: 42 }, 60);
    const c = run({ seed: 43 }, 60);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('gives the same batches however simulated time is stepped', () => {
    const coarse = run({}, 30, 1000);
    const fine = run({}, 30, 333);
    const lumpy = run({}, 30, 7_000);
    const upTo = (bs: ReadBatch[], t: number) => bs.filter((x) => x.t <= t);
    expect(fine).toEqual(upTo(coarse, START + 29_970));
    expect(lumpy).toEqual(upTo(coarse, START + 28_000));
  });

  it('adding a tag does not change the other tags or their reads', () => {
    const base = new Simulation({ site: fixtureSite(), seed: 5, tagCount: 30, startTime: START });
    const more = new Simulation({ site: fixtureSite(), seed: 5, tagCount: 31, startTime: START });
    const baseTags = base.tags();
    const moreTags = more.tags();
    for (const t of baseTags) expect(moreTags).toContainEqual(t);
    const readsOf = (sim: Simulation, tag: string) => {
      const out: string[] = [];
      for (let t = START; t <= START + 20_000; t += 1000) {
        for (const b of sim.step(t)) for (const r of b.reads) if (r.tag === tag) out.push(`${b.gw}|${r.t}|${r.rssi}|${r.ant ?? ''}`);
      }
      return out.sort();
    };
    const probe = baseTags[3]!.id;
    const expected = readsOf(base, probe);
    expect(expected.length).toBeGreaterThan(10);
    expect(readsOf(more, probe)).toEqual(expected);
  });

  it('emits only batches that pass ReadBatchSchema, one per gateway per interval, seq increasing per gateway', () => {
    const batches = run({ tagCount: 40 }, 60);
    const lastSeq = new Map<string, number>();
    const perInterval = new Map<string, number>();
    for (const b of batches) {
      const r = ReadBatchSchema.safeParse(b);
      if (!r.success) expect.fail(describeZodError(r.error).join('; '));
      expect(b.reads.length).toBeGreaterThan(0);
      expect(b.t % 1000).toBe(0);
      const prev = lastSeq.get(b.gw);
      expect(b.seq).toBe(prev === undefined ? 0 : prev + 1);
      lastSeq.set(b.gw, b.seq);
      const key = `${b.gw}@${b.t}`;
      perInterval.set(key, (perInterval.get(key) ?? 0) + 1);
      for (const read of b.reads) {
        expect(read.t).toBeGreaterThanOrEqual(b.t - 1000);
        expect(read.t).toBeLessThan(b.t);
      }
    }
    expect(Math.max(...perInterval.values())).toBe(1);
    // Battery level rides on some reads.
    expect(batches.some((b) => b.reads.some((r) => r.bat !== undefined))).toBe(true);
  });

  it('splits a gateway’s batch at LIMITS.maxReadsPerBatch', () => {
    // Sixty advertisements per tag per batch: the nearby gateways hear far more than one batch can hold.
    const batches = run({ tagCount: 80, batchIntervalMs: 60_000 }, 60);
    const big = batches.filter((b) => b.reads.length === LIMITS.maxReadsPerBatch);
    expect(big.length).toBeGreaterThan(0);
    for (const b of batches) expect(ReadBatchSchema.safeParse(b).success).toBe(true);
    const gw = big[0]!.gw;
    const parts = batches.filter((b) => b.gw === gw && b.t === big[0]!.t);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.seq)).toEqual(parts.map((_, i) => parts[0]!.seq + i));
    const times = parts.flatMap((p) => p.reads.map((r) => r.t!));
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('publishes a manifest with the default mix, valid ids and pseudonymous patient labels', () => {
    const sim = new Simulation({ site: fixtureSite(), seed: 9, tagCount: 200, startTime: START });
    const tags = sim.tags();
    expect(tags).toHaveLength(200);
    expect(new Set(tags.map((t) => t.id)).size).toBe(200);
    for (const t of tags) expect(TagRegistrationSchema.safeParse(t).success).toBe(true);
    const kinds = (k: string) => tags.filter((t) => t.kind === k);
    expect(kinds('equipment')).toHaveLength(120);
    expect(kinds('consumable')).toHaveLength(40);
    expect(kinds('patient')).toHaveLength(40);
    for (const t of kinds('equipment')) {
      expect(tagTech(t.id)).toBe('ble');
      expect(t.label).toMatch(/^(Infusion pump|Ventilator|Wheelchair|Monitor|Bed|Defibrillator) \d{3}$/);
    }
    for (const t of kinds('consumable')) {
      expect(t.id).toMatch(/^epc:[0-9A-F]{24}$/);
      expect(t.label).toMatch(/^(Hip implant|Knee implant|Stent|Pacemaker) lot [A-Z]\d{2}-\d{4} #\d+$/);
    }
    for (const t of kinds('patient')) {
      expect(tagTech(t.id)).toBe('ble');
      expect(t.label).toMatch(/^(Patient \d{3}|Infant \d{2})$/);
      expect(['adult', 'infant', 'elopement-risk']).toContain(t.category);
    }
    const custom = new Simulation({ site: fixtureSite(), seed: 9, tagCount: 10, startTime: START, mix: { equipment: 0, consumable: 0, patient: 1 } });
    expect(custom.tags().every((t) => t.kind === 'patient')).toBe(true);
  });

  it('lists the site’s gateways and reports truth for every tag at the current time', () => {
    const sim = new Simulation({ site: fixtureSite(), seed: 1, tagCount: 25, startTime: START });
    const gws = sim.gateways();
    expect(gws.find((g) => g.id === 'portal-or-1')).toMatchObject({ tech: 'rfid-portal', floor: 'f0', door: 'd-or-1' });
    expect(gws.find((g) => g.id === 'gw-pr-201')).toMatchObject({ tech: 'ble', floor: 'f1', room: 'pr-201' });
    const offsets = sim.gatewayOffsetsDb();
    expect(offsets.size).toBe(gws.length);
    const ble = gws.filter((g) => g.tech === 'ble').map((g) => offsets.get(g.id)!);
    for (const o of ble) expect(Math.abs(o)).toBeLessThanOrEqual(3);
    expect(new Set(ble).size).toBe(ble.length);
    expect(offsets.get('portal-or-1')).toBe(0);
    sim.step(START + 12_345);
    const truth = sim.truth();
    expect(truth).toHaveLength(25);
    for (const r of truth) {
      expect(r.t).toBe(START + 12_345);
      expect(['f0', 'f1']).toContain(r.floor);
      expect(sim.index.rooms.get(r.room)?.floor).toBe(r.floor);
    }
  });

  it.skipIf(sampleSiteOrNull() === null)('runs on the sample hospital with valid batches from several gateways', () => {
    const sim = new Simulation({ site: sampleSiteOrNull()!, seed: 42, tagCount: 100, startTime: START });
    const gws = new Set<string>();
    for (let t = START; t <= START + 20_000; t += 1000) {
      for (const b of sim.step(t)) {
        expect(ReadBatchSchema.safeParse(b).success).toBe(true);
        gws.add(b.gw);
      }
    }
    expect(gws.size).toBeGreaterThan(5);
  });
});
