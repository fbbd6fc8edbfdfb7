import { describe, expect, it } from 'vitest';
import { tagTech, type ReadBatch } from '@rtls/protocol';
import { DEFAULT_RFID, Rng, SiteIndex, Simulation, buildPortals, portalRound, type TruthRecord } from '../src/index.ts';
import { fixtureSite } from './fixture-site.ts';

const START = Date.UTC(2025, 2, 3, 8, 0, 0);

/** Reads of a tag walked in a straight line at 1 m/s, one portal round every 250 ms. */
function walkPast(from: [number, number], to: [number, number], room: (y: number) => string, seed: string) {
  const portal = buildPortals(new SiteIndex(fixtureSite()), DEFAULT_RFID).find((p) => p.gatewayId === 'portal-or-1')!;
  const rng = new Rng(seed);
  const reads: Array<{ t: number; ant: number; rssi: number }> = [];
  const len = Math.hypot(to[0] - from[0], to[1] - from[1]);
  for (let t = 0; t <= len * 1000; t += DEFAULT_RFID.portalRoundMs) {
    const f = t / (len * 1000);
    const x = from[0] + (to[0] - from[0]) * f, y = from[1] + (to[1] - from[1]) * f;
    portalRound(DEFAULT_RFID, portal, room(y), x, y, rng, (ant, rssi) => reads.push({ t, ant, rssi }));
  }
  return reads;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('RFID portal', () => {
  it('reads a tag carried in through the door on both antennas, outside (1) then inside (2)', () => {
    // The theatre or-1 is south of the corridor; its door is at y = 8, x 14.4..15.6.
    const reads = walkPast([15, 11.5], [15, 4.5], (y) => (y >= 8 ? 'corr-0' : 'or-1'), 'in');
    const ant1 = reads.filter((r) => r.ant === 1).map((r) => r.t);
    const ant2 = reads.filter((r) => r.ant === 2).map((r) => r.t);
    expect(ant1.length).toBeGreaterThan(3);
    expect(ant2.length).toBeGreaterThan(3);
    expect(mean(ant1)).toBeLessThan(mean(ant2));
    expect(reads[0]!.ant).toBe(1);
    expect(reads[reads.length - 1]!.ant).toBe(2);
    for (const r of reads) {
      expect(r.rssi).toBeLessThanOrEqual(-45);
      expect(r.rssi).toBeGreaterThanOrEqual(-70);
    }
  });

  it('reads the other way round for a tag carried out', () => {
    const reads = walkPast([15, 4.5], [15, 11.5], (y) => (y >= 8 ? 'corr-0' : 'or-1'), 'out');
    expect(mean(reads.filter((r) => r.ant === 2).map((r) => r.t))).toBeLessThan(mean(reads.filter((r) => r.ant === 1).map((r) => r.t)));
  });

  it('does not read a tag that only walks along the corridor far from the door, nor one in another room', () => {
    expect(walkPast([5, 11.5], [30, 11.5], () => 'corr-0', 'far')).toHaveLength(0);
    expect(walkPast([15, 7.6], [15, 7.9], () => 'icu-1', 'other-room')).toHaveLength(0);
  });
});

describe('RFID in the running simulation', () => {
  // Consumables only, over two simulated hours, truth every second: trips from the store to the theatre and back
  // pass the portals, and parked implants sit in the cabinets.
  const sim = new Simulation({ site: fixtureSite(), seed: 11, tagCount: 60, startTime: START, mix: { equipment: 0, consumable: 1, patient: 0 } });
  const batches: ReadBatch[] = [];
  const truth = new Map<string, TruthRecord[]>();
  for (let t = START; t <= START + 2 * 3_600_000; t += 1000) {
    batches.push(...sim.step(t));
    for (const r of sim.truth()) {
      let l = truth.get(r.tag);
      if (!l) truth.set(r.tag, (l = []));
      l.push(r);
    }
  }
  const readsBy = (gw: string, tag: string, from: number, to: number) =>
    batches.filter((b) => b.gw === gw).flatMap((b) => b.reads).filter((r) => r.tag === tag && r.t! >= from && r.t! <= to);

  it('a consumable carried through a portal door yields reads on both antennas, in the order of travel', () => {
    let passes = 0;
    for (const [tag, list] of truth) {
      for (let i = 1; i < list.length; i++) {
        const a = list[i - 1]!, b = list[i]!;
        const inward = a.room === 'corr-0' && b.room === 'or-1';
        const outward = a.room === 'or-1' && b.room === 'corr-0';
        if (!inward && !outward) continue;
        const reads = readsBy('portal-or-1', tag, a.t - 4000, b.t + 4000);
        const t1 = reads.filter((r) => r.ant === 1).map((r) => r.t!);
        const t2 = reads.filter((r) => r.ant === 2).map((r) => r.t!);
        expect(t1.length).toBeGreaterThan(0);
        expect(t2.length).toBeGreaterThan(0);
        if (inward) expect(mean(t1)).toBeLessThan(mean(t2));
        else expect(mean(t2)).toBeLessThan(mean(t1));
        passes++;
      }
    }
    expect(passes).toBeGreaterThan(2);
  });

  it('a consumable parked in a cabinet is read by it every inventory cycle, and nothing else is', () => {
    const slots = new Map(sim.gateways().filter((g) => g.tech === 'rfid-cabinet').map((g) => [g.id, g]));
    expect(slots.size).toBe(2);
    const window = 60_000;
    const from = START + 3_600_000, to = from + window;
    let checked = 0;
    for (const [gwId, gw] of slots) {
      const cycleReads = batches.filter((b) => b.gw === gwId).flatMap((b) => b.reads);
      const inWindow = cycleReads.filter((r) => r.t! >= from && r.t! < to);
      for (const [tag, list] of truth) {
        const span = list.filter((r) => r.t >= from && r.t <= to);
        const parkedInCabinet = span.every((r) => r.room === gw.room && Math.hypot(r.x - span[0]!.x, r.y - span[0]!.y) === 0);
        const reads = inWindow.filter((r) => r.tag === tag);
        if (parkedInCabinet && reads.length > 0) {
          // One read per 10 s cycle.
          expect(reads).toHaveLength(window / DEFAULT_RFID.cabinetCycleMs);
          checked++;
        }
      }
      // Every tag a cabinet reports was in its room at the time.
      for (const r of cycleReads) {
        // Truth is sampled every second from START: the sample at or just after the read.
        const at = truth.get(r.tag)![Math.ceil((r.t! - START) / 1000)]!;
        expect(at.room).toBe(gw.room);
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('BLE gateways never report EPC tags and RFID readers never report BLE tags', () => {
    const mixed = new Simulation({ site: fixtureSite(), seed: 3, tagCount: 80, startTime: START });
    const tech = new Map(mixed.gateways().map((g) => [g.id, g.tech]));
    const seen = { ble: 0, rfid: 0 };
    for (let t = START; t <= START + 60_000; t += 1000) {
      for (const b of mixed.step(t)) {
        const isBle = tech.get(b.gw) === 'ble';
        for (const r of b.reads) {
          const ok = tagTech(r.tag) === (isBle ? 'ble' : 'epc') && (isBle ? r.ant === undefined : r.ant! >= 1);
          if (!ok) expect.fail(`${b.gw} (${tech.get(b.gw)}) reported ${JSON.stringify(r)}`);
        }
        seen[isBle ? 'ble' : 'rfid'] += b.reads.length;
      }
    }
    expect(seen.ble).toBeGreaterThan(1000);
    expect(seen.rfid).toBeGreaterThan(10);
  });
});
