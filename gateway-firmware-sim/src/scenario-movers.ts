/**
 * Movers for the accuracy harness's moving scenarios (issue #3, scenario.ts), for BLE tags only:
 *  - 'walking': walks on and on between random parkable rooms, staying 5–30 s in each, at 0.8–1.6 m/s (the spread
 *    of hospital walking speeds, slow patients to brisk staff), so the tag is moving most of the time;
 *  - 'floor-trips': every trip goes to a room on another floor (stays 20–60 s), so every trip takes the stairs or
 *    the lift; the route profile decides which ('no-lift': stairs, 'no-stairs': lift; simulation.ts alternates them).
 *    Stair walkers take the staircase nearest their straight line: the Navigator prices a room by its anchor, so
 *    along a long corridor every staircase costs the same and it would always pick the first one listed.
 * Paths come from the same Navigator as everyday movement (doors, corridors, verticals), so they never cross walls.
 */
import type { Rng } from './random.ts';
import type { RouteProfile } from './navigation.ts';
import type { RoomModel } from './site.ts';
import { type Place, PlanMover, type Trip } from './mover.ts';
import type { World } from './world.ts';

export type ScenarioMoverMode = 'walking' | 'floor-trips';

const STAY_S: Record<ScenarioMoverMode, readonly [number, number]> = { walking: [5, 30], 'floor-trips': [20, 60] };
const SPEED_MPS: readonly [number, number] = [0.8, 1.6];

export class ScenarioMover extends PlanMover {
  readonly mode: ScenarioMoverMode;

  /** `startRooms`: where the tag may start (the crowding option), or null: any parkable room. */
  constructor(world: World, rng: Rng, profile: RouteProfile, mode: ScenarioMoverMode, startRooms: readonly RoomModel[] | null, startT: number) {
    super(world, rng, profile);
    this.mode = mode;
    const pool = startRooms && startRooms.length > 0 ? startRooms : world.parkable;
    const room = rng.pick(pool);
    const place: Place = { room, pt: world.nav.randomPoint(room, rng) };
    // Tags start part-way through a stay, so they do not all set off in the first second.
    this.begin(place, startT, startT + Math.max(1000, this.stayMs() * rng.next()));
  }

  protected nextTrip(): Trip | null {
    const from = this.here.room;
    const reach = this.world.nav.distances(from.id, this.profile);
    const otherFloor = this.mode === 'floor-trips';
    const candidates = this.world.parkable.filter((r) => r !== from && reach.has(r.id) && (!otherFloor || r.floor !== from.floor));
    if (candidates.length === 0) return null;
    const room = this.rng.pick(candidates);
    const to: Place = { room, pt: this.world.nav.randomPoint(room, this.rng) };
    const trip: Trip = { to, stayMs: this.stayMs(), speedMps: this.rng.uniform(SPEED_MPS[0], SPEED_MPS[1]) };
    if (otherFloor && this.profile === 'no-lift') {
      const stairs = this.nearestStairs(to);
      if (stairs) trip.via = { room: stairs, pt: stairs.anchor };
    }
    return trip;
  }

  /** The stairs room on this floor, linked to the target's floor, that makes the shortest straight-line detour. */
  private nearestStairs(to: Place): RoomModel | null {
    const index = this.world.index;
    const [hx, hy] = this.here.pt;
    let best: RoomModel | null = null;
    let bestD = Infinity;
    for (const v of index.verticals) {
      if (v.kind !== 'stairs' || !v.rooms.some((id) => index.rooms.get(id)?.floor === to.room.floor)) continue;
      for (const id of v.rooms) {
        const s = index.rooms.get(id);
        if (!s || s.floor !== this.here.room.floor) continue;
        const d = Math.hypot(s.anchor[0] - hx, s.anchor[1] - hy) + Math.hypot(to.pt[0] - s.anchor[0], to.pt[1] - s.anchor[1]);
        if (d < bestD) [best, bestD] = [s, d];
      }
    }
    return best;
  }

  private stayMs(): number {
    const [lo, hi] = STAY_S[this.mode];
    return this.rng.uniform(lo, hi) * 1000;
  }
}
