/**
 * Paths over the room/door graph: room → door → corridor → … → door → room, and floor changes only through the
 * rooms of a stairs or elevator link (site.verticals). Within a room a walker goes straight when it can and
 * otherwise rounds the room's corners (a small visibility graph), so it never passes through a wall except at a door.
 */
import type { Pt } from './geometry.ts';
import type { Rng } from './random.ts';
import { type DoorModel, type RoomModel, type SiteIndex, clearance, segmentClear } from './site.ts';
import { pointInPolygon } from './geometry.ts';

export interface Waypoint {
  t: number;
  floor: string;
  x: number;
  y: number;
  /** Room of the leg that starts at this waypoint. */
  room: string;
}

/**
 * 'no-stairs': beds, wheelchairs and patients change floor by elevator only (when the site has one).
 * 'no-lift': by stairs only (when the site has some): the floor-trip scenario's stair walkers (scenario-movers.ts),
 * since on a site whose lift is central the shortest way is nearly always the lift.
 */
export type RouteProfile = 'any' | 'no-stairs' | 'no-lift';

export interface NavigationOptions {
  /** Time to climb or descend one storey by stairs, s. */
  stairsSPerFloor: number;
  /** Wait plus ride per storey by elevator, s. */
  elevatorSPerFloor: number;
}

export const DEFAULT_NAVIGATION: Readonly<NavigationOptions> = Object.freeze({ stairsSPerFloor: 15, elevatorSPerFloor: 40 });

interface Edge {
  to: string;
  cost: number;
  door: DoorModel | null;
  /** Seconds spent in a vertical link (0 for doors). */
  transitS: number;
  stairs: boolean;
}

interface Tree {
  dist: Map<string, number>;
  prev: Map<string, { from: string; edge: Edge }>;
}

export class Navigator {
  readonly index: SiteIndex;
  private readonly opts: NavigationOptions;
  private readonly adj = new Map<string, Edge[]>();
  private readonly trees = new Map<string, Tree>();
  private readonly hasElevator: boolean;
  private readonly hasStairs: boolean;
  /** Times no corner path was found within a room and a straight line was used (should stay 0). */
  fallbacks = 0;

  constructor(index: SiteIndex, opts: Partial<NavigationOptions> = {}) {
    this.index = index;
    this.opts = { ...DEFAULT_NAVIGATION, ...opts };
    for (const id of index.rooms.keys()) this.adj.set(id, []);
    for (const d of index.doors) {
      const [r1, r2] = d.rooms;
      const p1 = d.approach.get(r1), p2 = d.approach.get(r2);
      if (!p1 || !p2) continue; // 'outside', another floor, or a door we cannot line up with
      const a1 = index.room(r1).anchor, a2 = index.room(r2).anchor;
      const cost = dist(a1, d.mid) + dist(d.mid, a2);
      this.adj.get(r1)!.push({ to: r2, cost, door: d, transitS: 0, stairs: false });
      this.adj.get(r2)!.push({ to: r1, cost, door: d, transitS: 0, stairs: false });
    }
    this.hasElevator = index.verticals.some((v) => v.kind === 'elevator');
    this.hasStairs = index.verticals.some((v) => v.kind === 'stairs');
    for (const v of index.verticals) {
      for (let i = 0; i + 1 < v.rooms.length; i++) {
        const a = index.rooms.get(v.rooms[i]!), b = index.rooms.get(v.rooms[i + 1]!);
        if (!a || !b) continue;
        const floors = Math.max(1, Math.abs(index.floor(a.floor).level - index.floor(b.floor).level));
        const transitS = floors * (v.kind === 'stairs' ? this.opts.stairsSPerFloor : this.opts.elevatorSPerFloor);
        const stairs = v.kind === 'stairs';
        // Cost in metres-equivalent at walking pace, so a floor change is not chosen for a short cut.
        const cost = transitS * 1.2;
        this.adj.get(a.id)!.push({ to: b.id, cost, door: null, transitS, stairs });
        this.adj.get(b.id)!.push({ to: a.id, cost, door: null, transitS, stairs });
      }
    }
  }

  /** A uniformly random point in the room at least `minClearM` from its walls (the anchor when none is found). */
  randomPoint(room: RoomModel, rng: Rng, minClearM = 0.5): Pt {
    const { minX, minY, maxX, maxY } = room.bbox;
    for (let i = 0; i < 60; i++) {
      const x = rng.uniform(minX, maxX), y = rng.uniform(minY, maxY);
      if (pointInPolygon(x, y, room.rings) && clearance(room, x, y) >= minClearM) return [x, y];
    }
    return room.anchor;
  }

  reachable(from: string, to: string, profile: RouteProfile): boolean {
    return from === to || this.tree(from, profile).dist.has(to);
  }

  /** Rooms reachable from `from`, with path cost (metres-equivalent). */
  distances(from: string, profile: RouteProfile): ReadonlyMap<string, number> {
    return this.tree(from, profile).dist;
  }

  /**
   * Waypoints from (fromRoom, from) to (toRoom, to), starting at `startT` (ms) at `speedMps`.
   * The first waypoint is the start; null when the target cannot be reached.
   */
  plan(fromRoom: string, from: Pt, toRoom: string, to: Pt, startT: number, speedMps: number, profile: RouteProfile): Waypoint[] | null {
    const hops: Array<{ from: string; edge: Edge }> = [];
    if (fromRoom !== toRoom) {
      const tree = this.tree(fromRoom, profile);
      if (!tree.dist.has(toRoom)) return null;
      for (let r = toRoom; r !== fromRoom; ) {
        const p = tree.prev.get(r)!;
        hops.push(p);
        r = p.from;
      }
      hops.reverse();
    }
    const out: Waypoint[] = [];
    let t = startT;
    let cur: Pt = from;
    let room = this.index.room(fromRoom);
    out.push({ t, floor: room.floor, x: cur[0], y: cur[1], room: room.id });
    const msPerM = 1000 / speedMps;
    const walk = (target: Pt) => {
      for (const p of this.inRoomPath(room, cur, target)) {
        t += dist(cur, p) * msPerM;
        cur = p;
        out.push({ t, floor: room.floor, x: p[0], y: p[1], room: room.id });
      }
    };
    for (const { edge } of hops) {
      const next = this.index.room(edge.to);
      if (edge.door) {
        const d = edge.door;
        walk(d.approach.get(room.id)!);
        t += dist(cur, d.mid) * msPerM;
        cur = d.mid;
        out.push({ t, floor: room.floor, x: cur[0], y: cur[1], room: next.id });
        const inside = d.approach.get(next.id)!;
        t += dist(cur, inside) * msPerM;
        cur = inside;
        room = next;
        out.push({ t, floor: room.floor, x: cur[0], y: cur[1], room: room.id });
      } else {
        walk(room.anchor);
        t += edge.transitS * 1000;
        out.push({ t, floor: room.floor, x: cur[0], y: cur[1], room: room.id });
        room = next;
        cur = next.anchor;
        out.push({ t, floor: room.floor, x: cur[0], y: cur[1], room: room.id });
      }
    }
    walk(to);
    return out;
  }

  /** Corner points then the target, excluding the start. */
  inRoomPath(room: RoomModel, a: Pt, b: Pt): Pt[] {
    if (a[0] === b[0] && a[1] === b[1]) return [];
    if (segmentClear(room, a[0], a[1], b[0], b[1])) return [b];
    const nodes = room.navNodes;
    const n = nodes.length;
    // Dijkstra over [corner nodes..., b]; start edges from a computed on the fly. Rooms have few corners.
    const total = n + 1;
    const best = new Float64Array(total).fill(Infinity);
    const prev = new Int32Array(total).fill(-1);
    const done = new Uint8Array(total);
    const seesB = nodes.map((p) => segmentClear(room, p[0], p[1], b[0], b[1]));
    for (let i = 0; i < n; i++) if (segmentClear(room, a[0], a[1], nodes[i]![0], nodes[i]![1])) best[i] = dist(a, nodes[i]!);
    for (;;) {
      let u = -1;
      for (let i = 0; i < total; i++) if (!done[i] && best[i]! < Infinity && (u < 0 || best[i]! < best[u]!)) u = i;
      if (u < 0 || u === n) break;
      done[u] = 1;
      const pu = nodes[u]!;
      for (let v = 0; v < n; v++) {
        if (done[v] || !room.navVisible[u]![v]) continue;
        const c = best[u]! + dist(pu, nodes[v]!);
        if (c < best[v]!) {
          best[v] = c;
          prev[v] = u;
        }
      }
      if (seesB[u]) {
        const c = best[u]! + dist(pu, b);
        if (c < best[n]!) {
          best[n] = c;
          prev[n] = u;
        }
      }
    }
    if (best[n] === Infinity) {
      this.fallbacks++;
      return [b];
    }
    const path: Pt[] = [b];
    for (let v = prev[n]!; v >= 0; v = prev[v]!) path.push(nodes[v]!);
    path.reverse();
    return path;
  }

  private tree(from: string, profile: RouteProfile): Tree {
    const key = `${profile}|${from}`;
    let tree = this.trees.get(key);
    if (tree) return tree;
    const avoidStairs = profile === 'no-stairs' && this.hasElevator;
    const avoidLift = profile === 'no-lift' && this.hasStairs;
    const dist = new Map<string, number>([[from, 0]]);
    const prev = new Map<string, { from: string; edge: Edge }>();
    const done = new Set<string>();
    // Rooms number in the hundreds; a linear-scan Dijkstra is fast enough and runs once per (room, profile).
    for (;;) {
      let u: string | null = null;
      let du = Infinity;
      for (const [r, d] of dist) if (!done.has(r) && d < du) [u, du] = [r, d];
      if (u === null) break;
      done.add(u);
      for (const e of this.adj.get(u) ?? []) {
        if (avoidStairs && e.stairs) continue;
        if (avoidLift && !e.door && !e.stairs) continue;
        const c = du + e.cost;
        if (c < (dist.get(e.to) ?? Infinity)) {
          dist.set(e.to, c);
          prev.set(e.to, { from: u, edge: e });
        }
      }
    }
    tree = { dist, prev };
    this.trees.set(key, tree);
    return tree;
  }
}

function dist(a: Pt, b: Pt): number {
  return Math.hypot(b[0] - a[0], b[1] - a[1]);
}
