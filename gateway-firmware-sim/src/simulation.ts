/**
 * The simulation (pure, seeded, no I/O, no wall clock): tags moving through a site, BLE gateways and RFID readers
 * hearing them, and the native read batches the gateways would publish (DESIGN.md §3).
 *
 * Time is simulated: `step(toTimeMs)` advances it and returns the batches that became due. Same seed and options ⇒
 * identical batches, however the steps are chunked. Every tag has its own random streams (forked by tag id), so
 * adding a tag does not change what the others do.
 *
 * `scenario` (scenario.ts) reshapes the run for the accuracy harness (issue #3) without touching the default: how
 * tags move, the rooms they crowd into, gateways that fail for a while, and reference tags at known positions.
 */
import { LIMITS, type Read, type ReadBatch, type TagFlag, type TagRegistration } from '@rtls/protocol';
import { hash32, Rng } from './random.ts';
import { DEFAULT_RADIO, type RadioParams, meanRssi, nextShadowing, samplePacket } from './radio.ts';
import { DEFAULT_RFID, type CabinetModel, type PortalModel, type RfidParams, buildPortals, inCabinet, portalRound, rfidRssi } from './rfid.ts';
import { type GatewayModel, type SimSite, SiteIndex } from './site.ts';
import { type NavigationOptions, Navigator } from './navigation.ts';
import {
  CONSUMABLE_CATEGORIES, EQUIPMENT_CATEGORIES, PATIENT_CATEGORIES, type SimTagKind, TagMover, defaultRouteProfile,
} from './movement.ts';
import { FixedMover, type Mover, type TagPosition } from './mover.ts';
import { ScenarioMover } from './scenario-movers.ts';
import { OutageSchedule, type ResolvedScenario, type ScenarioOptions, placeReferenceTags, resolveScenario } from './scenario.ts';
import { World } from './world.ts';

export interface TagMix {
  equipment: number;
  consumable: number;
  patient: number;
}

export const DEFAULT_MIX: Readonly<TagMix> = Object.freeze({ equipment: 0.6, consumable: 0.2, patient: 0.2 });

export interface SimulationOptions {
  site: SimSite;
  seed: number | string;
  tagCount: number;
  /** BLE advertising interval, ms (each advertisement also gets the 0–10 ms random advDelay of the BLE spec). */
  advIntervalMs?: number;
  /** A gateway publishes what it heard once per batch interval, ms. */
  batchIntervalMs?: number;
  /** Simulated time at which the simulation starts, epoch ms. */
  startTime: number;
  /** Shares of the tag kinds (normalised). */
  mix?: Partial<TagMix>;
  radio?: Partial<RadioParams>;
  rfid?: Partial<RfidParams>;
  navigation?: Partial<NavigationOptions>;
  /** Accuracy-harness scenario (issue #3); omitted = the everyday mixed hospital. */
  scenario?: ScenarioOptions;
}

/** A simulated gateway: the site model's gateway, as the simulation exposes it. */
export type SimGateway = GatewayModel;

/** Ground truth for one tag at one time (what the locator should find). */
export interface TruthRecord {
  tag: string;
  t: number;
  floor: string;
  x: number;
  y: number;
  room: string;
  /** True while the tag walks or rides a lift (between two different points of its path). */
  moving: boolean;
}

/** A reference tag: a BLE tag fixed at a surveyed position (what calibration from reference tags is fed with). */
export interface ReferenceTag {
  tag: string;
  floor: string;
  x: number;
  y: number;
  room: string;
}

export interface SimulationStats {
  now: number;
  readsGenerated: number;
  batchesEmitted: number;
  advertisements: number;
  /** Within-room paths that found no way round a corner and went straight (should stay 0). */
  navigationFallbacks: number;
}

const EQUIPMENT_SHARE: Record<string, number> = { 'infusion-pump': 35, monitor: 20, wheelchair: 15, bed: 15, ventilator: 10, defibrillator: 5 };
const EQUIPMENT_LABEL: Record<string, string> = {
  'infusion-pump': 'Infusion pump', ventilator: 'Ventilator', wheelchair: 'Wheelchair', monitor: 'Monitor', bed: 'Bed', defibrillator: 'Defibrillator',
};
const CONSUMABLE_LABEL: Record<string, [string, string]> = {
  'hip-implant': ['Hip implant', 'H'], 'knee-implant': ['Knee implant', 'K'], stent: ['Stent', 'S'], pacemaker: ['Pacemaker', 'P'],
};
const PATIENT_SHARE: Record<string, number> = { adult: 70, infant: 15, 'elopement-risk': 15 };
/** Items per consumable lot (for labels only). */
const LOT_SIZE = 8;
/** Bands and badges are smaller than asset tags and worn on the body: they advertise weaker. */
const TX_OFFSET_DB: Record<SimTagKind, number> = { equipment: 0, patient: -4, consumable: 0 };
/** A BLE tag reports its battery in one advertisement out of this many. */
const BATTERY_EVERY = 60;
/** MAC prefix of reference tags (other tags use AC233F and C30A5E), so their ids never collide with another tag's. */
const REFERENCE_PREFIX = '5EF7A6';

interface SimTag {
  reg: TagRegistration;
  index: number;
  kind: SimTagKind;
  ble: boolean;
  mover: Mover;
  /** Radio randomness (shadowing, fading, loss, advDelay, RFID answers): separate from movement's. */
  rng: Rng;
  txOffsetDb: number;
  nextAdvT: number;
  advCount: number;
  batteryStart: number;
  /** Links computed for the last position; reused while the tag stays put (most tags are parked). */
  cacheFloor: string;
  cacheX: number;
  cacheY: number;
  cacheGw: number[];
  cacheMean: number[];
}

export class Simulation {
  readonly index: SiteIndex;
  readonly radio: Readonly<RadioParams>;
  readonly rfid: Readonly<RfidParams>;
  readonly advIntervalMs: number;
  readonly batchIntervalMs: number;
  readonly startTime: number;
  private readonly world: World;
  private readonly scenario: ResolvedScenario;
  private readonly outages: OutageSchedule;
  private readonly simTags: SimTag[] = [];
  private readonly tagById = new Map<string, SimTag>();
  private readonly refTags: ReferenceTag[] = [];
  private readonly gws: SimGateway[];
  private readonly gwOffsetDb: Float64Array;
  /** BLE gateway indices a tag on each floor may be heard by (its floor and those within maxFloorsApart). */
  private readonly bleByFloor = new Map<string, number[]>();
  private readonly floorElev = new Map<string, { level: number; elevationM: number }>();
  private readonly portals: Array<PortalModel & { gw: number }>;
  private readonly cabinets: Array<CabinetModel & { gw: number; nextT: number }>;
  private readonly shadow: Float64Array;
  private readonly shadowT: Float64Array;
  private readonly pending: Read[][];
  private readonly seq: number[];
  private readonly epcTags: SimTag[];
  private readonly pos: TagPosition = { floor: '', x: 0, y: 0, room: '', moving: false };
  private nowT: number;
  private nextBatchT: number;
  private nextPortalT: number;
  private readonly counters = { readsGenerated: 0, batchesEmitted: 0, advertisements: 0 };

  constructor(opts: SimulationOptions) {
    this.radio = Object.freeze({ ...DEFAULT_RADIO, ...opts.radio });
    this.rfid = Object.freeze({ ...DEFAULT_RFID, ...opts.rfid });
    this.advIntervalMs = opts.advIntervalMs ?? 1000;
    this.batchIntervalMs = opts.batchIntervalMs ?? 1000;
    if (!(this.advIntervalMs > 0) || !(this.batchIntervalMs > 0)) throw new RangeError('advIntervalMs and batchIntervalMs must be > 0');
    if (!Number.isInteger(opts.tagCount) || opts.tagCount < 0) throw new RangeError('tagCount must be a non-negative integer');
    this.startTime = opts.startTime;
    this.nowT = opts.startTime;
    this.nextBatchT = opts.startTime + this.batchIntervalMs;
    this.nextPortalT = opts.startTime;
    const root = new Rng(`rtls-sim/${opts.seed}`);

    this.index = new SiteIndex(opts.site);
    this.world = new World(this.index, new Navigator(this.index, opts.navigation));
    this.scenario = resolveScenario(opts.scenario, this.index);
    for (const f of this.index.floors) this.floorElev.set(f.id, { level: f.level, elevationM: f.elevationM });

    this.gws = this.index.gateways.map((g) => ({ ...g }));
    this.outages = new OutageSchedule(this.gws.map((g) => g.id), opts.scenario?.gatewayOutages);
    this.gwOffsetDb = Float64Array.from(this.gws, (g) =>
      g.tech === 'ble' ? root.fork(`gw/${g.id}`).uniform(-this.radio.gatewayOffsetMaxDb, this.radio.gatewayOffsetMaxDb) : 0,
    );
    for (const f of this.index.floors) {
      const list: number[] = [];
      this.gws.forEach((g, i) => {
        if (g.tech !== 'ble') return;
        const gl = this.floorElev.get(g.floor)?.level;
        if (gl !== undefined && Math.abs(gl - f.level) <= this.radio.maxFloorsApart) list.push(i);
      });
      this.bleByFloor.set(f.id, list);
    }
    const gwIdx = new Map(this.gws.map((g, i) => [g.id, i]));
    this.portals = buildPortals(this.index, this.rfid).map((p) => ({ ...p, gw: gwIdx.get(p.gatewayId)! }));
    this.cabinets = this.world.cabinets.map((c) => {
      const g = this.gws[gwIdx.get(c.gatewayId)!]!;
      const phaseMs = Math.floor(root.fork(`gw/${c.gatewayId}`).uniform(0, this.rfid.cabinetCycleMs));
      return { ...c, floor: g.floor, antennas: g.antennas, phaseMs, gw: gwIdx.get(c.gatewayId)!, nextT: opts.startTime + phaseMs };
    });

    this.createTags(opts, root);
    this.createReferenceTags(opts, root);
    this.epcTags = this.simTags.filter((t) => !t.ble);
    const G = this.gws.length;
    this.shadow = new Float64Array(this.simTags.length * G).fill(Number.NaN);
    this.shadowT = new Float64Array(this.simTags.length * G);
    this.pending = this.gws.map(() => []);
    this.seq = this.gws.map(() => 0);
  }

  /** The tag manifest (what the locator's registry is fed with). Patients carry pseudonymous labels only. */
  tags(): TagRegistration[] {
    return this.simTags.map((t) => ({ ...t.reg }));
  }

  gateways(): SimGateway[] {
    return this.gws.map((g) => ({ ...g }));
  }

  /**
   * Each BLE gateway's receive offset, dB (what a perfect per-gateway calibration would learn; RFID readers 0).
   * For accuracy harnesses and calibration tests; a real deployment has no such oracle.
   */
  gatewayOffsetsDb(): Map<string, number> {
    return new Map(this.gws.map((g, i) => [g.id, this.gwOffsetDb[i]!]));
  }

  /**
   * A tag's transmit offset, dB: the `txOffset` term of the radio model (radio.ts) for this tag, model offset plus
   * its unit-to-unit spread. An oracle for the accuracy harness (the Cramér–Rao bound needs the true mean RSSI of
   * every link) and for calibration tests; a real deployment has no such oracle. 0 for RFID (EPC) tags, which the
   * BLE radio model does not apply to. Unknown tag → RangeError.
   */
  tagTxOffsetDb(tag: string): number {
    const t = this.tagById.get(tag);
    if (!t) throw new RangeError(`unknown tag ${tag}`);
    return t.ble ? t.txOffsetDb : 0;
  }

  /** The reference tags (scenario.referenceTags) and where they are fixed; empty without the option. */
  referenceTags(): ReferenceTag[] {
    return this.refTags.map((r) => ({ ...r }));
  }

  now(): number {
    return this.nowT;
  }

  stats(): SimulationStats {
    return { now: this.nowT, ...this.counters, navigationFallbacks: this.world.nav.fallbacks };
  }

  /** Home room of a patient tag (for tests and scenario checks), or null. */
  patientHome(tagId: string): string | null {
    return this.tagById.get(tagId)?.mover.homeRoom() ?? null;
  }

  /** Where every tag is at the current simulated time. */
  truth(): TruthRecord[] {
    const t = this.nowT;
    return this.simTags.map((tag) => {
      const p = tag.mover.positionAt(t, this.pos);
      return { tag: tag.reg.id, t, floor: p.floor, x: round3(p.x), y: round3(p.y), room: p.room, moving: p.moving };
    });
  }

  /** Advances simulated time to `toTimeMs` and returns the batches due by then (one per gateway that heard anything). */
  step(toTimeMs: number): ReadBatch[] {
    if (!(toTimeMs >= this.nowT)) return [];
    const out: ReadBatch[] = [];
    while (this.nextBatchT <= toTimeMs) {
      this.advance(this.nextBatchT);
      this.flush(this.nextBatchT, out);
      this.nextBatchT += this.batchIntervalMs;
    }
    this.advance(toTimeMs);
    return out;
  }

  /** Generates every read with time in [nowT, to). */
  private advance(to: number): void {
    if (to <= this.nowT) return;
    for (const tag of this.simTags) if (tag.ble) this.advertise(tag, to);
    this.rfidEvents(to);
    this.nowT = to;
  }

  private advertise(tag: SimTag, to: number): void {
    const r = this.radio;
    const G = this.gws.length;
    while (tag.nextAdvT < to) {
      const t = tag.nextAdvT;
      const p = tag.mover.positionAt(t, this.pos);
      this.counters.advertisements++;
      if (p.moving || p.floor !== tag.cacheFloor || p.x !== tag.cacheX || p.y !== tag.cacheY) this.computeLinks(tag, p);
      const tms = Math.floor(t);
      tag.advCount++;
      let bat: number | undefined;
      let flags: TagFlag[] | undefined;
      if (tag.advCount % BATTERY_EVERY === 0) {
        // Batteries drain slowly (about 1 % a day) and some tags start low, so low-battery rules have work to do.
        bat = Math.max(0, Math.round(tag.batteryStart - (t - this.startTime) / 86_400_000));
        if (bat < 20) flags = ['low-battery'];
      }
      const tx = Math.round(r.rssiAt1mDbm + tag.txOffsetDb);
      const gwList = tag.cacheGw, means = tag.cacheMean;
      const base = tag.index * G;
      for (let k = 0; k < gwList.length; k++) {
        const g = gwList[k]!;
        const li = base + g;
        const prevT = this.shadowT[li]!;
        const s = nextShadowing(r, this.shadow[li]!, (t - prevT) / 1000, tag.rng);
        this.shadow[li] = s;
        this.shadowT[li] = t;
        const rssi = samplePacket(r, means[k]!, s, tag.rng);
        if (Number.isNaN(rssi)) continue;
        // A failed gateway hears nothing; the packet is still drawn above so the tag's other links are unchanged.
        if (this.outages.down(g, t)) continue;
        const read: Read = { tag: tag.reg.id, rssi: Math.max(LIMITS.minRssiDbm, Math.min(LIMITS.maxRssiDbm, rssi)), t: tms, tx };
        if (bat !== undefined) read.bat = bat;
        if (flags) read.flags = flags;
        this.pending[g]!.push(read);
        this.counters.readsGenerated++;
      }
      // BLE advertising: the interval plus a random 0–10 ms advDelay (Core spec Vol 6 Part B §4.4.2.2.1).
      tag.nextAdvT = t + this.advIntervalMs + tag.rng.uniform(0, 10);
    }
  }

  private computeLinks(tag: SimTag, p: TagPosition): void {
    const r = this.radio;
    const gwList: number[] = [];
    const means: number[] = [];
    const tf = this.floorElev.get(p.floor)!;
    const tagZ = tf.elevationM + r.tagHeightM;
    const maxR2 = r.maxRangeM * r.maxRangeM;
    // Links whose mean is this far under the sensitivity are never heard (≈ 5 σ of shadowing + fading).
    const floorDb = r.sensitivityDbm - 5 * Math.hypot(r.shadowSigmaDb, r.fadingSigmaDb);
    const walls = this.index.floor(p.floor).walls;
    for (const g of this.bleByFloor.get(p.floor) ?? []) {
      const gw = this.gws[g]!;
      const dx = gw.x - p.x, dy = gw.y - p.y;
      const h2 = dx * dx + dy * dy;
      if (h2 > maxR2) continue;
      const gf = this.floorElev.get(gw.floor)!;
      const dz = gf.elevationM + gw.mountHeightM - tagZ;
      const d = Math.sqrt(h2 + dz * dz);
      const floorsApart = Math.abs(gf.level - tf.level);
      // Across a slab the walls of either floor matter little next to the slab itself; they are not counted.
      const wallLoss = floorsApart === 0 ? walls.lossBetween(p.x, p.y, gw.x, gw.y) : 0;
      const m = meanRssi(r, d, wallLoss, floorsApart, tag.txOffsetDb, this.gwOffsetDb[g]!);
      if (m < floorDb) continue;
      gwList.push(g);
      means.push(m);
    }
    tag.cacheGw = gwList;
    tag.cacheMean = means;
    tag.cacheFloor = p.floor;
    tag.cacheX = p.x;
    tag.cacheY = p.y;
  }

  /** Portal rounds and cabinet inventories with time in [nowT, to), in time order. */
  private rfidEvents(to: number): void {
    const rp = this.rfid;
    for (;;) {
      let t = this.portals.length > 0 ? this.nextPortalT : Infinity;
      for (const c of this.cabinets) if (c.nextT < t) t = c.nextT;
      if (!(t < to)) break;
      const tms = Math.floor(t);
      const portalDue = this.portals.length > 0 && this.nextPortalT === t;
      for (const tag of this.epcTags) {
        const p = tag.mover.positionAt(t, this.pos);
        if (portalDue) {
          for (const portal of this.portals) {
            if (portal.floor !== p.floor) continue;
            portalRound(rp, portal, p.room, p.x, p.y, tag.rng, (ant, rssi) => {
              if (this.outages.down(portal.gw, t)) return;
              this.pending[portal.gw]!.push({ tag: tag.reg.id, rssi, t: tms, ant });
              this.counters.readsGenerated++;
            });
          }
        }
        for (const c of this.cabinets) {
          if (c.nextT !== t || !inCabinet(rp, c, p.floor, p.room, p.x, p.y)) continue;
          const d = Math.hypot(p.x - c.pt[0], p.y - c.pt[1]);
          const read: Read = { tag: tag.reg.id, rssi: rfidRssi(rp, d, rp.cabinetRangeM, tag.rng), t: tms, ant: 1 + tag.rng.int(c.antennas) };
          if (this.outages.down(c.gw, t)) continue;
          this.pending[c.gw]!.push(read);
          this.counters.readsGenerated++;
        }
      }
      if (portalDue) this.nextPortalT += rp.portalRoundMs;
      for (const c of this.cabinets) if (c.nextT === t) c.nextT += rp.cabinetCycleMs;
    }
  }

  private flush(batchT: number, out: ReadBatch[]): void {
    const max = LIMITS.maxReadsPerBatch;
    for (let g = 0; g < this.gws.length; g++) {
      const reads = this.pending[g]!;
      if (reads.length === 0) continue;
      if (this.outages.down(g, batchT)) {
        // A gateway that fails before it publishes loses what it had buffered.
        this.pending[g] = [];
        continue;
      }
      // Canonical order (time, then tag) so the batch does not depend on how steps were chunked.
      reads.sort((a, b) => a.t! - b.t! || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
      for (let i = 0; i < reads.length; i += max) {
        out.push({ gw: this.gws[g]!.id, seq: this.seq[g]!++, t: batchT, reads: reads.slice(i, i + max) });
        this.counters.batchesEmitted++;
      }
      this.pending[g] = [];
    }
  }

  private createTags(opts: SimulationOptions, root: Rng): void {
    const mix = { ...DEFAULT_MIX, ...opts.mix };
    const total = mix.equipment + mix.consumable + mix.patient;
    if (!(total > 0)) throw new RangeError('mix must have a positive share');
    const n = opts.tagCount;
    const nEq = Math.round((n * mix.equipment) / total);
    const nCons = Math.min(n - nEq, Math.round((n * mix.consumable) / total));
    const nPat = n - nEq - nCons;
    const seedHash = hash32(`rtls-sim/${opts.seed}`);
    const perCategory = new Map<string, number>();
    const nextNumber = (key: string) => {
      const v = (perCategory.get(key) ?? 0) + 1;
      perCategory.set(key, v);
      return v;
    };
    const { behaviour, rooms } = this.scenario;
    const parked = behaviour === 'parked';
    const makeMover = (kind: SimTagKind, category: string, i: number, moveRng: Rng): Mover => {
      // Consumables keep their everyday journey in every scenario but 'parked', and ignore the crowding rooms.
      if (kind === 'consumable') return new TagMover(this.world, kind, category, moveRng, opts.startTime, { parked });
      if (behaviour === 'walking') {
        return new ScenarioMover(this.world, moveRng, defaultRouteProfile(kind, category), 'walking', rooms, opts.startTime);
      }
      if (behaviour === 'floor-trips') {
        // Alternate stairs-only and lift-only walkers so about half the trips take each ('any' would nearly always
        // take a central lift: the sample hospital's stairs are at the two ends of its street).
        return new ScenarioMover(this.world, moveRng, i % 2 === 0 ? 'no-lift' : 'no-stairs', 'floor-trips', rooms, opts.startTime);
      }
      return new TagMover(this.world, kind, category, moveRng, opts.startTime, { parked, rooms });
    };
    const add = (kind: SimTagKind, i: number) => {
      const idRng = root.fork(`${kind}/${i}`);
      let id: string, label: string, category: string;
      if (kind === 'equipment') {
        category = idRng.weighted([...EQUIPMENT_CATEGORIES], (c) => EQUIPMENT_SHARE[c] ?? 1);
        id = `ble:AC233F${scramble24(i, seedHash)}`;
        label = `${EQUIPMENT_LABEL[category]} ${pad(nextNumber(category), 3)}`;
      } else if (kind === 'consumable') {
        category = idRng.pick(CONSUMABLE_CATEGORIES);
        const k = nextNumber(category) - 1;
        const [name, letter] = CONSUMABLE_LABEL[category]!;
        const lot = Math.floor(k / LOT_SIZE);
        const lotCode = `${letter}${23 + (lot % 3)}-${pad(hash32(`${opts.seed}/${category}/lot/${lot}`) % 10000, 4)}`;
        label = `${name} lot ${lotCode} #${(k % LOT_SIZE) + 1}`;
        // SGTIN-96-shaped EPC: header 30, then a product code per category, then a serial unique per tag.
        const product = (0x3400 + CONSUMABLE_CATEGORIES.indexOf(category as (typeof CONSUMABLE_CATEGORIES)[number])).toString(16);
        id = `epc:30${product.toUpperCase()}${hex((seedHash ^ 0x5a5a5a5a) >>> 0, 8)}${hex(Math.imul(i + 1, 0x9e3779b1) >>> 0, 8)}00`;
      } else {
        category = idRng.weighted([...PATIENT_CATEGORIES], (c) => PATIENT_SHARE[c] ?? 1);
        id = `ble:C30A5E${scramble24(i, seedHash)}`;
        label = category === 'infant' ? `Infant ${pad(nextNumber('infant'), 2)}` : `Patient ${pad(nextNumber('patient'), 3)}`;
      }
      const moveRng = root.fork(`move/${id}`);
      this.addTag({ id, kind, label, category }, makeMover(kind, category, i, moveRng), opts, root);
    };
    for (let i = 0; i < nEq; i++) add('equipment', i);
    for (let i = 0; i < nCons; i++) add('consumable', i);
    for (let i = 0; i < nPat; i++) add('patient', i);
  }

  /** Reference tags come after every other tag, so adding them changes none of the others' streams. */
  private createReferenceTags(opts: SimulationOptions, root: Rng): void {
    const places = placeReferenceTags(this.world, this.scenario.referenceTags, root.fork('reference-tags'));
    const seedHash = hash32(`rtls-sim/${opts.seed}/reference`);
    places.forEach((place, i) => {
      const id = `ble:${REFERENCE_PREFIX}${scramble24(i, seedHash)}`;
      const [x, y] = place.pt;
      const room = place.room;
      this.addTag({ id, kind: 'equipment', label: `Reference tag ${i + 1}`, category: 'reference-tag' }, new FixedMover(room.floor, x, y, room.id), opts, root);
      this.refTags.push({ tag: id, floor: room.floor, x, y, room: room.id });
    });
  }

  private addTag(reg: TagRegistration & { kind: SimTagKind }, mover: Mover, opts: SimulationOptions, root: Rng): void {
    const kind = reg.kind;
    const rng = root.fork(`radio/${reg.id}`);
    const tag: SimTag = {
      reg,
      index: this.simTags.length,
      kind,
      ble: kind !== 'consumable',
      mover,
      rng,
      txOffsetDb: TX_OFFSET_DB[kind] + rng.uniform(-1, 1),
      nextAdvT: opts.startTime + rng.uniform(0, this.advIntervalMs),
      advCount: rng.int(BATTERY_EVERY),
      batteryStart: rng.chance(0.08) ? rng.uniform(8, 25) : rng.uniform(40, 100),
      cacheFloor: '',
      cacheX: Number.NaN,
      cacheY: Number.NaN,
      cacheGw: [],
      cacheMean: [],
    };
    this.simTags.push(tag);
    this.tagById.set(reg.id, tag);
  }
}

/** A 24-bit bijection of i (multiplication by an odd constant, then a seed mask): unique MACs per kind. */
function scramble24(i: number, seedHash: number): string {
  return hex(((Math.imul(i + 1, 0x9e3779) ^ seedHash) & 0xffffff) >>> 0, 6);
}

function hex(v: number, width: number): string {
  return v.toString(16).toUpperCase().padStart(width, '0').slice(-width);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
