/**
 * Seeded scenarios for the accuracy harness (issue #3: parked tags over hours, walking staff and patients, stairs
 * and lift trips, a gateway failing, 1,000 tags crowding one ward, reference tags at known positions). This file
 * checks the options against the site and precomputes what the simulation's hot path needs; the movement itself
 * is in movement.ts (mixed, parked, crowded) and scenario-movers.ts (walking, floor trips).
 */
import type { Rng } from './random.ts';
import type { RoomModel, SiteIndex } from './site.ts';
import type { Place } from './mover.ts';
import type { World } from './world.ts';

export type ScenarioBehaviour = 'mixed' | 'parked' | 'walking' | 'floor-trips';

export interface GatewayOutage {
  gateway: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive; omitted = the gateway never comes back. */
  to?: number;
}

export interface ScenarioOptions {
  /** How tags move. 'mixed' (default) = today's behaviour. 'parked' = every tag stays where it starts, forever.
   *  'walking' = every BLE tag walks continuously between random parkable rooms (stays 5–30 s), at 0.8–1.6 m/s.
   *  'floor-trips' = every BLE tag alternates between rooms on different floors (stays 20–60 s), so each trip uses
   *  stairs or the lift (about half each: give tags the 'any' or 'no-stairs' route profile alternately). */
  behaviour?: ScenarioBehaviour;
  /** Room ids: tags start (and, for 'mixed'/'parked', park) only in these rooms (crowding one ward). Unknown id → RangeError. */
  rooms?: readonly string[];
  /** Gateways that hear nothing in [from, to) (epoch ms; to omitted = forever). RFID or BLE. Unknown id → RangeError. */
  gatewayOutages?: readonly GatewayOutage[];
  /** Extra BLE reference tags at fixed, known positions (never move), spread over the floors in parkable rooms (one per
   *  room picked round-robin by a seeded rng). Their ids are `ble:` + 12 hex digits distinct from other tags. */
  referenceTags?: number;
}

const BEHAVIOURS: readonly ScenarioBehaviour[] = ['mixed', 'parked', 'walking', 'floor-trips'];

/** The options checked against the site. */
export interface ResolvedScenario {
  behaviour: ScenarioBehaviour;
  /** The crowding rooms, or null. */
  rooms: RoomModel[] | null;
  referenceTags: number;
}

export function resolveScenario(s: ScenarioOptions | undefined, index: SiteIndex): ResolvedScenario {
  const behaviour = s?.behaviour ?? 'mixed';
  if (!BEHAVIOURS.includes(behaviour)) throw new RangeError(`unknown scenario behaviour ${String(behaviour)}`);
  let rooms: RoomModel[] | null = null;
  if (s?.rooms !== undefined) {
    if (s.rooms.length === 0) throw new RangeError('scenario.rooms must list at least one room');
    rooms = [...new Set(s.rooms)].map((id) => {
      const r = index.rooms.get(id);
      if (!r) throw new RangeError(`scenario.rooms: unknown room ${id}`);
      return r;
    });
  }
  const referenceTags = s?.referenceTags ?? 0;
  if (!Number.isInteger(referenceTags) || referenceTags < 0) throw new RangeError('scenario.referenceTags must be a non-negative integer');
  return { behaviour, rooms, referenceTags };
}

/**
 * When each gateway is deaf, indexed like the simulation's gateway list. The hot path asks `down(g, t)` for every
 * read; the first comparison (against the gateway's earliest outage) settles it for gateways that never fail and
 * for all times before a failure, so the common case costs one typed-array load.
 */
export class OutageSchedule {
  /** Per gateway: start of its earliest outage, or Infinity. */
  private readonly firstFrom: Float64Array;
  /** Per gateway: its outage windows [from, to), sorted by start. */
  private readonly windows: Array<Array<readonly [number, number]>>;

  constructor(gatewayIds: readonly string[], outages: readonly GatewayOutage[] = []) {
    const at = new Map(gatewayIds.map((id, i) => [id, i]));
    this.windows = gatewayIds.map(() => []);
    for (const o of outages) {
      const g = at.get(o.gateway);
      if (g === undefined) throw new RangeError(`scenario.gatewayOutages: unknown gateway ${o.gateway}`);
      const to = o.to ?? Infinity;
      if (!Number.isFinite(o.from) || !(to > o.from)) throw new RangeError(`scenario.gatewayOutages: ${o.gateway} needs a finite from < to`);
      this.windows[g]!.push([o.from, to]);
    }
    for (const w of this.windows) w.sort((a, b) => a[0] - b[0]);
    this.firstFrom = Float64Array.from(this.windows, (w) => (w.length > 0 ? w[0]![0] : Infinity));
  }

  /** True when gateway `g` hears nothing at time t (ms). */
  down(g: number, t: number): boolean {
    if (t < this.firstFrom[g]!) return false;
    for (const [from, to] of this.windows[g]!) {
      if (t < from) return false;
      if (t < to) return true;
    }
    return false;
  }
}

/**
 * Positions for `n` reference tags: floors taken in turn; on each floor its parkable rooms in a seeded random
 * order, one tag per room (a room gets a second only once every room of its floor has one). Coordinates are
 * rounded to the millimetre, so the truth records (also rounded) and the published positions agree exactly.
 */
export function placeReferenceTags(world: World, n: number, rng: Rng): Place[] {
  const floors = world.index.floors
    .map((f) => world.parkable.filter((r) => r.floor === f.id))
    .filter((rooms) => rooms.length > 0);
  if (n > 0 && floors.length === 0) throw new RangeError('scenario.referenceTags: the site has no parkable room');
  const queues: RoomModel[][] = floors.map(() => []);
  const out: Place[] = [];
  for (let i = 0; i < n; i++) {
    const f = i % floors.length;
    if (queues[f]!.length === 0) queues[f] = shuffled(floors[f]!, rng);
    const room = queues[f]!.pop()!;
    const [x, y] = world.nav.randomPoint(room, rng, 0.5);
    out.push({ room, pt: [round3(x), round3(y)] });
  }
  return out;
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
