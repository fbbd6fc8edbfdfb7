/**
 * How simulated tags move: each tag parks for a while, then walks to its next place along a path over the
 * room/door graph (navigation.ts), then parks again. What "its next place" is depends on what the tag is on:
 *  - equipment (BLE): parks minutes to hours in storage, patient rooms, ICU bays, utility rooms, theatres…;
 *  - consumables (RFID EPC implants): receiving dock → sterile store (in its cabinet) → theatre (in its cabinet)
 *    and sometimes back to the store;
 *  - patients (BLE bands): mostly in their own room/bed, with occasional corridor walks; infants move between the
 *    nursery and their mother's maternity room; elopement-risk patients wander further, sometimes towards exits.
 * Scenario variants (issue #3's accuracy harness, scenario.ts): `parked` tags never leave their first place, and
 * `rooms` confines every place a BLE tag parks at (equipment's rooms, patients' homes and walks) to a list.
 * Following the path is PlanMover's job (mover.ts).
 */
import type { ZoneType } from '@rtls/protocol';
import { type Pt, pointInPolygon } from './geometry.ts';
import type { Rng } from './random.ts';
import type { RouteProfile } from './navigation.ts';
import { type RoomModel, clearance } from './site.ts';
import { type Place, PlanMover, type Trip } from './mover.ts';
import type { World } from './world.ts';

export type SimTagKind = 'equipment' | 'consumable' | 'patient';
export const EQUIPMENT_CATEGORIES = ['infusion-pump', 'ventilator', 'wheelchair', 'monitor', 'bed', 'defibrillator'] as const;
export const CONSUMABLE_CATEGORIES = ['hip-implant', 'knee-implant', 'stent', 'pacemaker'] as const;
export const PATIENT_CATEGORIES = ['adult', 'infant', 'elopement-risk'] as const;
export type EquipmentCategory = (typeof EQUIPMENT_CATEGORIES)[number];
export type ConsumableCategory = (typeof CONSUMABLE_CATEGORIES)[number];
export type PatientCategory = (typeof PATIENT_CATEGORIES)[number];

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Where each kind of equipment spends its time, by room type (relative weights). */
const EQUIPMENT_PLACES: Record<EquipmentCategory, Partial<Record<ZoneType, number>>> = {
  'infusion-pump': { 'patient-room': 5, 'icu-bay': 4, 'equipment-storage': 3, 'clean-utility': 2, 'soiled-utility': 1, 'operating-room': 1, emergency: 1, 'maternity-room': 1 },
  ventilator: { 'icu-bay': 5, 'equipment-storage': 3, 'operating-room': 1, emergency: 1, 'biomed-workshop': 0.5 },
  wheelchair: { 'patient-room': 2, 'equipment-storage': 2, entrance: 2, waiting: 2, corridor: 1, emergency: 1 },
  monitor: { 'patient-room': 3, 'icu-bay': 4, 'operating-room': 2, 'equipment-storage': 2, 'biomed-workshop': 1, 'delivery-room': 1 },
  bed: { 'patient-room': 5, 'icu-bay': 2, 'maternity-room': 2, 'equipment-storage': 2, emergency: 1 },
  defibrillator: { 'nurse-station': 3, 'icu-bay': 1, emergency: 2, 'operating-room': 1, 'equipment-storage': 1, corridor: 1 },
};
/** Median parking time per category, ms (log-normal, σ = 1 in log space: minutes to hours). */
const EQUIPMENT_PARK_MEDIAN: Record<EquipmentCategory, number> = {
  'infusion-pump': 40 * MIN, ventilator: 2 * HOUR, wheelchair: 20 * MIN, monitor: 90 * MIN, bed: 3 * HOUR, defibrillator: 4 * HOUR,
};

/** Beds, wheelchairs and patients change floor by lift only; everything else takes whichever way is shorter. */
export function defaultRouteProfile(kind: SimTagKind, category: string): RouteProfile {
  return kind === 'patient' || category === 'bed' || category === 'wheelchair' ? 'no-stairs' : 'any';
}

export interface TagMoverOptions {
  /** Never leave the first place (the 'parked' scenario). */
  parked?: boolean;
  /** BLE tags (equipment and patients) park only in these rooms; ignored for consumables. */
  rooms?: readonly RoomModel[] | null;
}

/** One tag's movement in the everyday hospital. */
export class TagMover extends PlanMover {
  readonly kind: SimTagKind;
  readonly category: string;
  /** Rooms every place is drawn from (the crowding scenario), or null: anywhere suitable. */
  private readonly allowed: readonly RoomModel[] | null;
  /** Patients: their own room and bed; infants: the nursery; consumables: unused. */
  private home: Place | null = null;
  /** Infants: the mother's room (bed side). */
  private mother: Place | null = null;
  /** Patients: how many stops are left on the current walk before heading home. */
  private outings = 0;

  constructor(world: World, kind: SimTagKind, category: string, rng: Rng, startT: number, opts: TagMoverOptions = {}) {
    super(world, rng, defaultRouteProfile(kind, category));
    this.kind = kind;
    this.category = category;
    this.allowed = kind !== 'consumable' && opts.rooms && opts.rooms.length > 0 ? opts.rooms : null;
    const { place, stayMs } = this.initialPlace();
    // The tag has already been parked for a while when the simulation starts: the remaining stay is a fraction.
    const firstDecision = startT + Math.max(1000, stayMs * rng.next());
    this.begin(place, startT, opts.parked ? Infinity : firstDecision);
  }

  /** Home room of a patient tag (null for others). */
  override homeRoom(): string | null {
    return this.home?.room.id ?? null;
  }

  private walkSpeed(lo = 0.8, hi = 1.4): number {
    return this.rng.uniform(lo, hi);
  }

  private initialPlace(): { place: Place; stayMs: number } {
    const rng = this.rng;
    if (this.kind === 'equipment') {
      const room = this.pickEquipmentRoom(null);
      return { place: { room, pt: this.world.nav.randomPoint(room, rng) }, stayMs: this.equipmentStay() };
    }
    if (this.kind === 'consumable') {
      const r = rng.next();
      const stage = r < 0.7 ? 'store' : r < 0.9 ? 'theatre' : 'dock';
      return { place: this.consumablePlace(stage), stayMs: this.consumableStay(stage) };
    }
    this.setUpPatientHomes();
    return { place: this.home!, stayMs: this.patientStay() };
  }

  protected nextTrip(): Trip | null {
    if (this.kind === 'equipment') {
      const room = this.pickEquipmentRoom(this.here.room);
      const slow = this.category === 'bed' || this.category === 'wheelchair';
      return { to: { room, pt: this.world.nav.randomPoint(room, this.rng) }, stayMs: this.equipmentStay(), speedMps: slow ? this.walkSpeed(0.8, 1.1) : this.walkSpeed() };
    }
    if (this.kind === 'consumable') return this.consumableTrip();
    return this.patientTrip();
  }

  // ---- equipment ----

  private pickEquipmentRoom(current: RoomModel | null): RoomModel {
    const places = EQUIPMENT_PLACES[this.category as EquipmentCategory] ?? {};
    if (this.allowed) return this.pickAllowedRoom(current, places);
    const from = current ?? null;
    const candidates = this.world.parkable.filter((r) => (places[r.zoneType] ?? 0) > 0 && r !== current);
    const pool = candidates.length > 0 ? candidates : this.world.parkable.filter((r) => r !== current && r.zoneType !== 'corridor');
    const reach = from ? this.world.nav.distances(from.id, this.profile) : null;
    const usable = reach ? pool.filter((r) => reach.has(r.id)) : pool;
    const list = usable.length > 0 ? usable : pool.length > 0 ? pool : this.world.parkable;
    // Equipment mostly stays on its own floor; it changes floor one trip in five or so.
    return this.rng.weighted(list, (r) => (places[r.zoneType] ?? 0.2) * (from && r.floor === from.floor ? 4 : 1));
  }

  /** The crowding scenario: any listed room (another one when there is a choice), the usual kinds weighted up. */
  private pickAllowedRoom(current: RoomModel | null, places: Partial<Record<ZoneType, number>>): RoomModel {
    const allowed = this.allowed!;
    const others = allowed.filter((r) => r !== current);
    const reach = current ? this.world.nav.distances(current.id, this.profile) : null;
    const usable = reach ? others.filter((r) => reach.has(r.id)) : others;
    const list = usable.length > 0 ? usable : allowed;
    return this.rng.weighted(list, (r) => places[r.zoneType] ?? 0.2);
  }

  private equipmentStay(): number {
    const median = EQUIPMENT_PARK_MEDIAN[this.category as EquipmentCategory] ?? HOUR;
    return clamp(this.rng.logNormal(median, 1), 3 * MIN, 10 * HOUR);
  }

  // ---- consumables ----

  private consumablePlace(stage: 'dock' | 'store' | 'theatre'): Place {
    const w = this.world;
    const rooms = stage === 'dock' ? w.rooms('receiving-dock') : stage === 'store' ? w.rooms('sterile-store') : w.rooms('operating-room');
    const fallback = w.rooms('sterile-store', 'equipment-storage', 'clean-utility');
    const list = rooms.length > 0 ? rooms : fallback.length > 0 ? fallback : w.parkable;
    // Prefer rooms with a smart cabinet: that is where implants are kept.
    const withCab = list.filter((r) => w.cabinetsIn(r.id).length > 0);
    const room = this.rng.pick(stage !== 'dock' && withCab.length > 0 ? withCab : list);
    const cabs = w.cabinetsIn(room.id);
    if (stage !== 'dock' && cabs.length > 0 && this.rng.chance(0.9)) {
      const c = this.rng.pick(cabs);
      return { room, pt: jitterInside(room, c.pt, 0.15, this.rng) };
    }
    return { room, pt: w.nav.randomPoint(room, this.rng) };
  }

  private consumableStage(): 'dock' | 'store' | 'theatre' {
    const z = this.here.room.zoneType;
    return z === 'receiving-dock' ? 'dock' : z === 'operating-room' ? 'theatre' : 'store';
  }

  private consumableStay(stage: 'dock' | 'store' | 'theatre'): number {
    const median = stage === 'dock' ? 20 * MIN : stage === 'store' ? 4 * HOUR : 2 * HOUR;
    return clamp(this.rng.logNormal(median, 0.8), 2 * MIN, 24 * HOUR);
  }

  private consumableTrip(): Trip {
    const stage = this.consumableStage();
    const next = stage === 'dock' ? 'store' : stage === 'store' ? 'theatre' : 'store';
    return { to: this.consumablePlace(next), stayMs: this.consumableStay(next), speedMps: this.walkSpeed(0.9, 1.4) };
  }

  // ---- patients ----

  private setUpPatientHomes(): void {
    const w = this.world;
    const rng = this.rng;
    const bed = (room: RoomModel): Place => ({ room, pt: w.nav.randomPoint(room, rng, 0.8) });
    const pickRoom = (...types: ZoneType[]): RoomModel => {
      const list = w.rooms(...types);
      return rng.pick(list.length > 0 ? list : w.parkable);
    };
    if (this.allowed) {
      // The crowding scenario: home (and an infant's other room) is one of the listed rooms.
      this.home = bed(rng.pick(this.allowed));
      if (this.category === 'infant') this.mother = bed(rng.pick(this.allowed));
      return;
    }
    if (this.category === 'infant') {
      const mothers = w.rooms('maternity-room');
      const nurseries = w.rooms('nursery');
      this.mother = bed(mothers.length > 0 ? rng.pick(mothers) : pickRoom('patient-room'));
      this.home = nurseries.length > 0 ? { room: rng.pick(nurseries), pt: [0, 0] } : this.mother;
      if (this.home !== this.mother) this.home = bed(this.home.room);
      // About half the infants room in with their mother.
      if (rng.chance(0.5)) [this.home, this.mother] = [this.mother, this.home];
      return;
    }
    const icu = this.category === 'adult' && rng.chance(0.25) && w.rooms('icu-bay').length > 0;
    // Some adults are in the emergency department's bays (and elopement-risk patients often start there).
    const ed = !icu && this.category !== 'infant' && rng.chance(0.2) && w.rooms('emergency').length > 0;
    this.home = bed(icu ? pickRoom('icu-bay') : ed ? pickRoom('emergency') : pickRoom('patient-room', 'maternity-room'));
  }

  private patientStay(): number {
    if (this.home?.room.zoneType === 'icu-bay') return 12 * HOUR; // ICU patients stay in their bay
    const median = this.category === 'elopement-risk' ? 40 * MIN : this.category === 'infant' ? 2 * HOUR : 90 * MIN;
    return clamp(this.rng.logNormal(median, 0.7), 5 * MIN, 12 * HOUR);
  }

  private patientTrip(): Trip | null {
    const w = this.world;
    const rng = this.rng;
    const home = this.home!;
    if (this.category === 'infant') {
      // Carried between the nursery and the mother's room; after a visit the infant goes back.
      const other = this.mother!;
      const atHome = this.here.room === home.room;
      return { to: atHome ? other : home, stayMs: atHome ? clamp(rng.logNormal(40 * MIN, 0.6), 10 * MIN, 3 * HOUR) : this.patientStay(), speedMps: this.walkSpeed(0.8, 1.2) };
    }
    if (home.room.zoneType === 'icu-bay') return { to: home, stayMs: this.patientStay(), speedMps: 1 };
    const reach = w.nav.distances(this.here.room.id, this.profile);
    if (this.here.room === home.room && this.outings === 0) this.outings = 1 + rng.int(this.category === 'elopement-risk' ? 4 : 2);
    if (this.outings > 0) {
      this.outings--;
      let targets = w.rooms('corridor');
      if (this.allowed) targets = this.allowed.filter((r) => r !== home.room);
      else if (this.category === 'elopement-risk' && rng.chance(0.3)) {
        const exits = w.rooms('exit', 'entrance', 'waiting');
        if (exits.length > 0) targets = exits;
      }
      // Walks stay near home: the closest corridors (by path) are the likeliest.
      const near = targets.filter((r) => reach.has(r.id));
      if (near.length > 0) {
        const room = rng.weighted(near, (r) => 1 / (1 + (reach.get(r.id) ?? 0) / 10) ** 2);
        return { to: { room, pt: w.nav.randomPoint(room, rng, 0.6) }, stayMs: rng.uniform(1 * MIN, 6 * MIN), speedMps: this.walkSpeed(0.8, 1.0) };
      }
      this.outings = 0;
    }
    return { to: home, stayMs: this.patientStay(), speedMps: this.walkSpeed(0.8, 1.0) };
  }
}

function jitterInside(room: RoomModel, p: Pt, r: number, rng: Rng): Pt {
  for (let i = 0; i < 10; i++) {
    const x = p[0] + rng.uniform(-r, r), y = p[1] + rng.uniform(-r, r);
    if (pointInPolygon(x, y, room.rings) && clearance(room, x, y) >= 0.1) return [x, y];
  }
  return p;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
