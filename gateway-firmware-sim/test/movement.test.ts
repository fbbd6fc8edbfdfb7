import { describe, expect, it } from 'vitest';
import { Simulation, WallIndex, distToSegment, pointInPolygon, pointInRing, type TruthRecord } from '../src/index.ts';
import { fixtureSite } from './fixture-site.ts';
import { sampleSiteOrNull, type TestSite } from './sample-site.ts';

const START = Date.UTC(2025, 2, 3, 8, 0, 0);
const HOUR = 3_600_000;
const SAMPLE_MS = 500;

interface Trace {
  site: TestSite;
  sim: Simulation;
  /** Per tag, the truth samples in time order. */
  samples: Map<string, TruthRecord[]>;
}

/** One simulated hour at a truth sample every 0.5 s. The radio is slowed right down: these tests are about movement. */
function trace(site: TestSite, tagCount: number, seed: number, durationMs = HOUR): Trace {
  const sim = new Simulation({ site, seed, tagCount, startTime: START, advIntervalMs: 60_000, batchIntervalMs: 60_000 });
  const samples = new Map<string, TruthRecord[]>();
  for (let t = START; t <= START + durationMs; t += SAMPLE_MS) {
    sim.step(t);
    for (const r of sim.truth()) {
      let list = samples.get(r.tag);
      if (!list) samples.set(r.tag, (list = []));
      list.push(r);
    }
  }
  return { site, sim, samples };
}

function checks(name: string, make: () => TestSite | null, tagCount: number) {
  const site = make();
  describe.skipIf(site === null)(`movement over a simulated hour (${name})`, () => {
    // Built once for the whole block: an hour of 0.5 s samples is the expensive part.
    const tr = site ? trace(site, tagCount, 7) : null;

    it('keeps every position inside the floor outline and inside the room it reports', () => {
      const { site: s, samples } = tr!;
      const outlines = new Map(s.floors.map((f) => [f.summary.id, f.outline.geometry.coordinates]));
      const rooms = new Map(s.floors.flatMap((f) => f.rooms.map((r) => [r.properties.id, r.geometry.coordinates] as const)));
      let n = 0;
      for (const list of samples.values()) {
        for (const r of list) {
          const outline = outlines.get(r.floor)!;
          if (!pointInRing(r.x, r.y, outline[0]!)) expect.fail(`${r.tag} at ${r.x},${r.y} is outside the outline of ${r.floor}`);
          const ring = rooms.get(r.room)!;
          const inRoom = pointInPolygon(r.x, r.y, ring) || onBoundary(r.x, r.y, ring[0]!, 0.01);
          if (!inRoom) expect.fail(`${r.tag} at ${r.x},${r.y} reports room ${r.room} but is not in it`);
          n++;
        }
      }
      expect(n).toBe(tagCount * (HOUR / SAMPLE_MS + 1));
    });

    it('never passes through a wall except through a door opening', () => {
      const { site: s, samples } = tr!;
      const walls = new Map(s.floors.map((f) => [f.summary.id, new WallIndex(f.walls)]));
      const doors = new Map(s.floors.map((f) => [f.summary.id, f.doors.map((d) => d.geometry.coordinates)]));
      let moves = 0, roomChanges = 0;
      for (const list of samples.values()) {
        for (let i = 1; i < list.length; i++) {
          const a = list[i - 1]!, b = list[i]!;
          if (a.floor !== b.floor || (a.x === b.x && a.y === b.y)) continue;
          moves++;
          if (a.room !== b.room) roomChanges++;
          for (const c of walls.get(a.floor)!.crossings(a.x, a.y, b.x, b.y)) {
            const viaDoor = doors.get(a.floor)!.some((d) => distToSegment(c.x, c.y, d[0]![0], d[0]![1], d[d.length - 1]![0], d[d.length - 1]![1]) < 0.05);
            if (!viaDoor) expect.fail(`${a.tag} crossed a wall at ${c.x.toFixed(2)},${c.y.toFixed(2)} between t=${a.t} and ${b.t}`);
          }
        }
      }
      // The check must have had something to check.
      expect(moves).toBeGreaterThan(500);
      expect(roomChanges).toBeGreaterThan(20);
    });

    it('changes floor only inside linked stairs or elevator rooms', () => {
      const { site: s, samples, sim } = tr!;
      let changes = 0;
      for (const list of samples.values()) {
        for (let i = 1; i < list.length; i++) {
          const a = list[i - 1]!, b = list[i]!;
          if (a.floor === b.floor) continue;
          changes++;
          const link = s.verticals.find((v) => v.rooms.includes(a.room) && v.rooms.includes(b.room));
          if (!link) expect.fail(`${a.tag} changed floor from ${a.room} to ${b.room}`);
          expect(a.x === b.x && a.y === b.y && a.room === b.room).toBe(false);
        }
      }
      expect(changes).toBeGreaterThan(0);
      expect(sim.stats().navigationFallbacks).toBe(0);
    });

    it('keeps patients in their own rooms most of the time, with occasional walks', () => {
      const { sim, samples } = tr!;
      const patients = sim.tags().filter((t) => t.kind === 'patient');
      expect(patients.length).toBeGreaterThan(5);
      let home = 0, total = 0, walkers = 0;
      for (const p of patients) {
        const homeRoom = sim.patientHome(p.id);
        expect(homeRoom).not.toBeNull();
        const list = samples.get(p.id)!;
        const atHome = list.filter((r) => r.room === homeRoom).length;
        home += atHome;
        total += list.length;
        if (atHome < list.length) walkers++;
      }
      expect(home / total).toBeGreaterThan(0.75);
      expect(walkers).toBeGreaterThan(0);
    });

    it('moves equipment between rooms and keeps consumables parked most of the time', () => {
      const { sim, samples } = tr!;
      const kinds = new Map(sim.tags().map((t) => [t.id, t.kind]));
      const movedRooms = new Map<string, number>([['equipment', 0], ['consumable', 0]]);
      let consumableStill = 0, consumableTotal = 0;
      for (const [tag, list] of samples) {
        const kind = kinds.get(tag)!;
        const rooms = new Set(list.map((r) => r.room));
        if (rooms.size > 1 && movedRooms.has(kind)) movedRooms.set(kind, movedRooms.get(kind)! + 1);
        if (kind === 'consumable') {
          for (let i = 1; i < list.length; i++) if (list[i]!.x === list[i - 1]!.x && list[i]!.y === list[i - 1]!.y) consumableStill++;
          consumableTotal += list.length - 1;
        }
      }
      expect(movedRooms.get('equipment')).toBeGreaterThan(5);
      expect(consumableStill / consumableTotal).toBeGreaterThan(0.9);
    });
  });
}

function onBoundary(x: number, y: number, ring: readonly (readonly number[])[], tol: number): boolean {
  for (let i = 0; i + 1 < ring.length; i++) {
    if (distToSegment(x, y, ring[i]![0]!, ring[i]![1]!, ring[i + 1]![0]!, ring[i + 1]![1]!) <= tol) return true;
  }
  return false;
}

checks('fixture site', () => fixtureSite(), 120);
checks('sample hospital', sampleSiteOrNull, 150);
