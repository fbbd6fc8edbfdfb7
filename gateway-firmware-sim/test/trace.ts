/** Ground-truth traces and the path checks the movement and scenario tests share. */
import { type SimSite, type Simulation, type TruthRecord, WallIndex, distToSegment } from '../src/index.ts';

/** Per tag, the truth records from `from` to `to` (inclusive) every `everyMs`, in time order. */
export function traceTruth(sim: Simulation, from: number, to: number, everyMs: number): Map<string, TruthRecord[]> {
  const samples = new Map<string, TruthRecord[]>();
  for (let t = from; t <= to; t += everyMs) {
    sim.step(t);
    for (const r of sim.truth()) {
      let list = samples.get(r.tag);
      if (!list) samples.set(r.tag, (list = []));
      list.push(r);
    }
  }
  return samples;
}

export interface WallCheck {
  /** Consecutive same-floor samples at different points. */
  moves: number;
  roomChanges: number;
  /** One line per wall crossed away from a door opening (should be empty). */
  violations: string[];
}

/** Segments between consecutive samples that cross a wall anywhere but through a door opening (within 5 cm). */
export function wallCrossings(site: SimSite, samples: ReadonlyMap<string, readonly TruthRecord[]>): WallCheck {
  const walls = new Map(site.floors.map((f) => [f.summary.id, new WallIndex(f.walls)]));
  const doors = new Map(site.floors.map((f) => [f.summary.id, f.doors.map((d) => d.geometry.coordinates)]));
  const out: WallCheck = { moves: 0, roomChanges: 0, violations: [] };
  for (const list of samples.values()) {
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!, b = list[i]!;
      if (a.floor !== b.floor || (a.x === b.x && a.y === b.y)) continue;
      out.moves++;
      if (a.room !== b.room) out.roomChanges++;
      for (const c of walls.get(a.floor)!.crossings(a.x, a.y, b.x, b.y)) {
        const viaDoor = doors.get(a.floor)!.some((d) => distToSegment(c.x, c.y, d[0]![0], d[0]![1], d[d.length - 1]![0], d[d.length - 1]![1]) < 0.05);
        if (!viaDoor) out.violations.push(`${a.tag} crossed a wall at ${c.x.toFixed(2)},${c.y.toFixed(2)} between t=${a.t} and ${b.t}`);
      }
    }
  }
  return out;
}

export interface FloorChange {
  tag: string;
  t: number;
  fromRoom: string;
  toRoom: string;
  /** The stairs or elevator link both rooms belong to, or null when the change did not happen inside one. */
  link: { id: string; kind: 'stairs' | 'elevator' } | null;
}

/** Every change of floor between consecutive samples, with the vertical link it went through. */
export function floorChanges(site: SimSite, samples: ReadonlyMap<string, readonly TruthRecord[]>): FloorChange[] {
  const out: FloorChange[] = [];
  for (const list of samples.values()) {
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!, b = list[i]!;
      if (a.floor === b.floor) continue;
      const v = site.verticals.find((l) => l.rooms.includes(a.room) && l.rooms.includes(b.room));
      out.push({ tag: a.tag, t: b.t, fromRoom: a.room, toRoom: b.room, link: v ? { id: v.id, kind: v.kind } : null });
    }
  }
  return out;
}
