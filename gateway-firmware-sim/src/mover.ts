/**
 * What every simulated tag's movement has in common: it parks at a place, then follows a path (waypoints from the
 * Navigator, so it never passes through a wall except at a door) to its next place, and parks again. Subclasses
 * decide only where the next place is and how long to stay there (movement.ts: the everyday hospital;
 * scenario-movers.ts: the accuracy harness's walking and floor-trip scenarios).
 *
 * Positions are piecewise linear in time, so any time can be evaluated exactly and cheaply. Times must be asked
 * in non-decreasing order; the decisions taken do not depend on how often positions are asked.
 */
import type { Pt } from './geometry.ts';
import type { Rng } from './random.ts';
import type { RouteProfile, Waypoint } from './navigation.ts';
import type { RoomModel } from './site.ts';
import type { World } from './world.ts';

export interface TagPosition {
  floor: string;
  x: number;
  y: number;
  room: string;
  /** True while the tag is between two different points (walking, or riding a lift). */
  moving: boolean;
}

/** Anything the simulation can ask where a tag is. */
export interface Mover {
  /** Position at time t (ms); writes into `out` to spare allocations on the hot path. */
  positionAt(t: number, out: TagPosition): TagPosition;
  /** Home room of a patient tag (null for others). */
  homeRoom(): string | null;
}

export interface Place {
  room: RoomModel;
  pt: Pt;
}

export interface Trip {
  to: Place;
  /** How long to stay once there, ms. */
  stayMs: number;
  speedMps: number;
  /** A place to pass through on the way (a chosen staircase); omitted = the Navigator's shortest path. */
  via?: Place;
}

/** When no trip can be planned, the tag stays put and thinks again this much later, ms. */
const RETRY_MS = 30 * 60_000;

/** A tag that parks, walks a planned path, and parks again; subclasses choose the trips. */
export abstract class PlanMover implements Mover {
  protected readonly world: World;
  protected readonly rng: Rng;
  protected readonly profile: RouteProfile;
  /** Where the tag is parked, or heading to on the current plan. */
  protected here!: Place;
  private plan: Waypoint[] = [];
  private i = 0;
  /** When the tag next decides where to go (≥ the end of the current plan), ms. */
  private nextDecision = Infinity;

  constructor(world: World, rng: Rng, profile: RouteProfile) {
    this.world = world;
    this.rng = rng;
    this.profile = profile;
  }

  /** The next trip from `here`, or null when there is nowhere to go. */
  protected abstract nextTrip(): Trip | null;

  homeRoom(): string | null {
    return null;
  }

  /** Parks the tag at `place` from `startT` until `firstDecisionT` (Infinity: forever). Called once, by subclasses. */
  protected begin(place: Place, startT: number, firstDecisionT: number): void {
    this.here = place;
    this.plan = [{ t: startT, floor: place.room.floor, x: place.pt[0], y: place.pt[1], room: place.room.id }];
    this.i = 0;
    this.nextDecision = firstDecisionT;
  }

  positionAt(t: number, out: TagPosition): TagPosition {
    while (t >= this.nextDecision) this.decide(this.nextDecision);
    const plan = this.plan;
    while (this.i + 1 < plan.length && plan[this.i + 1]!.t <= t) this.i++;
    const a = plan[this.i]!;
    out.floor = a.floor;
    out.room = a.room;
    const b = plan[this.i + 1];
    if (!b || b.floor !== a.floor || t <= a.t) {
      out.x = a.x;
      out.y = a.y;
      out.moving = b !== undefined;
      return out;
    }
    const f = (t - a.t) / (b.t - a.t);
    out.x = a.x + (b.x - a.x) * f;
    out.y = a.y + (b.y - a.y) * f;
    out.moving = true;
    return out;
  }

  private decide(now: number): void {
    const trip = this.nextTrip();
    const plan = trip ? this.route(trip, now) : null;
    if (!trip || !plan) {
      // Nowhere reachable to go: stay put and think again later.
      this.plan = [{ t: now, floor: this.here.room.floor, x: this.here.pt[0], y: this.here.pt[1], room: this.here.room.id }];
      this.i = 0;
      this.nextDecision = now + RETRY_MS;
      return;
    }
    this.plan = plan;
    this.i = 0;
    this.here = trip.to;
    this.nextDecision = plan[plan.length - 1]!.t + Math.max(1000, trip.stayMs);
  }

  private route(trip: Trip, now: number): Waypoint[] | null {
    const nav = this.world.nav;
    const { here, profile } = this;
    const { to, via, speedMps } = trip;
    if (!via) return nav.plan(here.room.id, here.pt, to.room.id, to.pt, now, speedMps, profile);
    const first = nav.plan(here.room.id, here.pt, via.room.id, via.pt, now, speedMps, profile);
    if (!first) return null;
    const second = nav.plan(via.room.id, via.pt, to.room.id, to.pt, first[first.length - 1]!.t, speedMps, profile);
    // The second leg starts where the first ends: drop its duplicate first waypoint.
    return second ? first.concat(second.slice(1)) : null;
  }
}

/** A tag that never moves (reference tags at surveyed positions). */
export class FixedMover implements Mover {
  private readonly floor: string;
  private readonly x: number;
  private readonly y: number;
  private readonly room: string;

  constructor(floor: string, x: number, y: number, room: string) {
    this.floor = floor;
    this.x = x;
    this.y = y;
    this.room = room;
  }

  positionAt(_t: number, out: TagPosition): TagPosition {
    out.floor = this.floor;
    out.x = this.x;
    out.y = this.y;
    out.room = this.room;
    out.moving = false;
    return out;
  }

  homeRoom(): string | null {
    return null;
  }
}
