/**
 * Room probability for one tag (issue #3 item 6): a forward filter (HMM) over the rooms of the site plus an
 * "outside every room" state, fed by the tracker's position posterior, the rooms of the strongest gateways and
 * certain evidence (RFID cabinet read, observed portal crossing). Transitions follow the door-adjacency graph
 * (room-graph.ts), so a position that jumps through a wall needs sustained evidence before the room follows it,
 * while walking through a door is followed within a few seconds. "Between rooms / unknown" (room null) is reported
 * when no room exceeds `reportP` — an honest state, not a failure.
 *
 * The per-tag state is a sparse posterior (at most `maxEntries` entries, renormalised) and a time. `stepRoomHmm` is
 * pure in its inputs; it borrows scratch buffers from the model, so one model is stepped for one tag at a time
 * (JS is single-threaded; the step never yields). No wall clock: time is `obs.t`.
 */
import { createRoomStamper } from './room-stamp.ts';
import type { RoomStamper } from './room-stamp.ts';
import { buildRoomGraph } from './room-graph.ts';
import type { RoomGraph, VerticalLike } from './room-graph.ts';
import type { SiteLike } from './site-model.ts';

export interface RoomHmmParams {
  /**
   * Mean time a moving or unclassified tag stays in a room before leaving through one of its doors, s; the leave
   * rate 1/dwellS is shared equally among the room's doors. Staff stay minutes in a room, patients and equipment
   * hours: 600 s is the prior for "some tag, some time".
   */
  dwellS: number;
  /**
   * Mean dwell in a transit space (corridor, stairs, lift, entrance), s: these are passed through, not stayed in —
   * the sample hospital's 120 m corridor takes 85 s end to end at 1.4 m/s. A corridor with 49 doors then sends a tag
   * into one given room at 1/(60·49) ≈ 3e-4 per second, and the evidence has to overcome that.
   */
  transitDwellS: number;
  /**
   * Mean dwell anywhere while the tracker holds the tag parked (track-kalman.ts), s: parked equipment (a bed in a
   * corridor too) stays for hours.
   */
  parkedDwellS: number;
  /** Fastest walking speed, m/s (issue #3: people up to ~2 m/s). Bounds how many doors can be crossed in dt. */
  walkSpeedMps: number;
  /** Shortest walk from one door to the next through a room, m (a 3 m wide room or corridor bay). */
  hopLengthM: number;
  /** Upper bound on door hops per step, whatever dt (cost bound; beyond it the teleport covers). */
  maxHops: number;
  /**
   * Time over which the evidence becomes independent, s. Consecutive fixes share link-window reads (pipeline:
   * 4 s window while moving, a fix every ≥ 0.5 s): two windows dt apart overlap by 1 − dt/W, so they are about
   * half independent at dt = W/2 = 2 s. Each observation's likelihood is raised to min(1, dt/evidenceTimeS), so
   * the evidence per second — and with it the flip rate — does not depend on the fix rate.
   */
  evidenceTimeS: number;
  /**
   * Probability per second (at least once per step) that the state is wrong in a way no door path explains (a
   * missed floor change, a tag carried out of radio range). Kept below the least likely door move (a parked tag in a
   * 49-door corridor: 1/(3600·49) ≈ 6e-6 per second) so that a door path is always preferred to a jump; with the
   * emission bound below, a jump needs ~9 s of consistent evidence at 1 Hz. It is injected where the current evidence
   * points ("sensor resetting", Lenser & Veloso 2000), as a sparse state cannot carry a uniform floor over all rooms.
   */
  teleportPerS: number;
  /**
   * Chance that the floor the tracker reports is wrong (issue #3 target: floor correctness ≥ 99.5 %): a room on
   * another floor than `obs.floor` gets this as its position emission. The floor machine already changes floor only
   * through stairs or a lift, so its word is strong evidence; the HMM still needs a vertical path to follow it.
   */
  floorError: number;
  /**
   * Chance that the position posterior is grossly wrong (multipath, a body shadowing the strongest links): the
   * position emission is mass-in-room + this floor, so one independent observation shifts the odds between two
   * rooms by at most (1 + floor)/floor ≈ 21 — sustained evidence is needed to overturn a strong belief.
   */
  positionOutlier: number;
  /**
   * Loss of one interior wall at 2.4 GHz, dB: plasterboard 3–6, brick and concrete 10–15. The low end keeps the
   * gateway evidence conservative. A tag in a room reads that room's ceiling gateway about this much stronger than
   * it would read it from the other side of the wall.
   */
  wallLossDb: number;
  /** Standard deviation of one gateway's link estimate, dB (fading 4–6 dB per read, reduced by the window). */
  linkSigmaDb: number;
  /**
   * Position variance floor per axis, m²: BLE positions are never better than ~0.5 m, and a degenerate covariance
   * would put every sigma point on one spot.
   */
  minVarM2: number;
  /** Posterior entries below this are dropped (unless the current evidence points at them, see the pruning). */
  pruneP: number;
  /** At most this many posterior entries per tag (memory bound: 16 × (4 + 8) bytes of payload). */
  maxEntries: number;
  /**
   * The most probable room is reported when its posterior exceeds this, else the room is null (unknown). 0.5: the
   * tag is more likely in that room than anywhere else together.
   */
  reportP: number;
  /**
   * A reported room stays reported while its posterior is at least this (a Schmitt trigger on the posterior, issue #3
   * item 6: "hysteresis so a parked tag does not flap"). A parked tag near a wall sits at p ≈ 0.5 for minutes and
   * would otherwise toggle room ↔ unknown with every fix.
   */
  keepP: number;
  /** While a room is reported, another room replaces it only above this posterior (the trigger's upper level). */
  switchP: number;
}

export const ROOM_HMM_DEFAULTS: Readonly<RoomHmmParams> = Object.freeze({
  dwellS: 600,
  transitDwellS: 60,
  parkedDwellS: 3600,
  walkSpeedMps: 2,
  hopLengthM: 3,
  maxHops: 8,
  evidenceTimeS: 2,
  teleportPerS: 1e-6,
  floorError: 0.005,
  positionOutlier: 0.05,
  wallLossDb: 6,
  linkSigmaDb: 4,
  minVarM2: 0.25,
  pruneP: 1e-4,
  maxEntries: 16,
  reportP: 0.5,
  keepP: 0.3,
  switchP: 0.65,
});

export interface GatewayRoomEvidence {
  room: string;
  /** Link estimate, dBm. */
  rssi: number;
}

export interface RoomObservation {
  /** Time of the observation, ms (from the data, never the wall clock). */
  t: number;
  floor: string;
  x: number;
  y: number;
  /** Position posterior covariance [σxx, σxy, σyy], m² (from the tracker). */
  cov: readonly [number, number, number];
  /** Rooms of the tag's strongest few gateways that are inside rooms, strongest first. */
  gatewayRooms?: readonly GatewayRoomEvidence[];
  /** The tracker holds the tag parked: it is unlikely to be changing rooms (uses parkedDwellS). */
  parked?: boolean;
  /**
   * Time over which this observation's evidence becomes independent of the previous one, s (default: the model's
   * evidenceTimeS). A parked tag's position is a long average whose error is the slowly varying shadowing, so it
   * brings new evidence only once per shadowing correlation time, not once per window.
   */
  evidenceTimeS?: number;
  /**
   * Rooms none of whose BLE gateways can be heard right now (failed, offline, or no gateway at all): silence from
   * such a room's gateway says nothing, so those rooms get the neutral gateway likelihood instead of the "not heard"
   * floor. Pass the same Set object while it is unchanged (its index form is cached per object).
   */
  silentRooms?: ReadonlySet<string>;
  /** Certain evidence (RFID cabinet read, observed portal crossing): the posterior collapses onto this room. */
  certainRoom?: string;
}

export interface RoomHmmState {
  /** Time of the last observation, ms. */
  readonly t: number;
  /** Posterior support, best first: room indices into `graph.rooms`; graph.rooms.length = outside every room. */
  readonly idx: Int32Array;
  readonly p: Float64Array;
  /** The graph the indices refer to (a state from another model is discarded). */
  readonly graph: RoomGraph;
  /** Index of the room reported after this step, -1 when none (for the reporting hysteresis). */
  readonly reported?: number;
}

export interface RoomHmmResult {
  state: RoomHmmState;
  /** Reported room, or null: between rooms / unknown / outside every room / not on `obs.floor`. */
  room: string | null;
  /** Posterior of `room`; when room is null, the posterior of the most probable state (how unsure we are). */
  probability: number;
  /** Most probable states, best first (at most 3); room null = outside every room. */
  top: { room: string | null; p: number }[];
  /** What supported the reported room in this observation (zeros when room is null). */
  evidence: {
    /** Share of the position posterior inside the room (0–1). */
    positionMass: number;
    /** Rank of the room among `obs.gatewayRooms` (0 = strongest), or null when none of its gateways was listed. */
    gatewayRank: number | null;
    certain: boolean;
  };
}

export interface RoomHmmModel {
  readonly graph: RoomGraph;
  readonly stamper: RoomStamper;
  readonly params: Readonly<RoomHmmParams>;
  /** Index of the "outside every room" state. */
  readonly none: number;
  /** Adjacency including the outside state (CSR): the neighbours of i are adj[off[i]] … adj[off[i + 1] − 1]. */
  readonly off: Int32Array;
  readonly adj: Int32Array;
  /** Per state: 1 for a transit space (corridor, stairs, lift, entrance), which uses transitDwellS. */
  readonly transit: Uint8Array;
  /** Per state: index of its floor in `floorIds`, -1 for the outside state. */
  readonly floorOf: Int32Array;
  readonly floorIds: readonly string[];
  /** 1 where a state has no gateway of its own (the outside state; rooms when `roomsWithGateway` was given). */
  readonly noGateway: Uint8Array;
  /** Scratch vectors over all states, all zero between steps. */
  readonly scratch: Scratch;
}

interface Scratch {
  acc: Float64Array;
  cur: Float64Array;
  nxt: Float64Array;
  mass: Float64Array;
  gw: Float64Array;
  mark: Uint8Array;
}

export interface RoomHmmOptions {
  /** Stairs and lifts; defaults to `site.verticals` when present (see buildRoomGraph). */
  verticals?: readonly VerticalLike[];
  params?: Partial<RoomHmmParams>;
  /** Reuse the pipeline's stamper (same site) instead of building another index. */
  stamper?: RoomStamper;
  /**
   * Rooms that hold a BLE gateway (from the registry). When given, a room outside this set is not penalised for
   * its gateway not being heard (see the gateway emission); when absent every room is assumed to have one.
   */
  roomsWithGateway?: Iterable<string>;
}

export function createRoomHmmModel(site: SiteLike, options: RoomHmmOptions = {}): RoomHmmModel {
  const graph = buildRoomGraph(site, options.verticals);
  const none = graph.rooms.length;
  const lists: number[][] = graph.rooms.map((r) => [...new Set(r.neighbours.map((e) => e.to))]);
  lists.push([]);
  for (const r of graph.rooms) {
    // An exterior door leads to the outside state; from anywhere else it is reached only by the teleport.
    if (r.exterior) {
      lists[r.index]!.push(none);
      lists[none]!.push(r.index);
    }
  }
  const off = new Int32Array(none + 2);
  for (let i = 0; i <= none; i++) off[i + 1] = off[i]! + lists[i]!.length;
  const adj = new Int32Array(off[none + 1]!);
  lists.forEach((l, i) => adj.set(l, off[i]!));
  const n = none + 1;
  const transit = new Uint8Array(n);
  const floorIds = [...graph.floorRooms.keys()];
  const floorOf = new Int32Array(n).fill(-1);
  for (const r of graph.rooms) {
    transit[r.index] = TRANSIT.has(r.zoneType) ? 1 : 0;
    floorOf[r.index] = floorIds.indexOf(r.floor);
  }
  const noGateway = new Uint8Array(n);
  noGateway[none] = 1;
  if (options.roomsWithGateway) {
    const has = new Set(options.roomsWithGateway);
    for (const r of graph.rooms) if (!has.has(r.id)) noGateway[r.index] = 1;
  }
  return Object.freeze({
    graph,
    stamper: options.stamper ?? createRoomStamper(site),
    params: Object.freeze({ ...ROOM_HMM_DEFAULTS, ...options.params }),
    none,
    off,
    adj,
    transit,
    floorOf,
    floorIds,
    noGateway,
    scratch: {
      acc: new Float64Array(n), cur: new Float64Array(n), nxt: new Float64Array(n),
      mass: new Float64Array(n), gw: new Float64Array(n), mark: new Uint8Array(n),
    },
  });
}

/**
 * Unit sigma points of a 2-D standard normal: the radius |u| is Rayleigh distributed, so the plane is cut into
 * bands at radii 0.8 and 1.6 (masses 27 %, 45 %, 28 %), each represented by points on a ring at the band's median
 * radius: 4, 8 and 8 points, 20 stamps per observation. The rings are symmetric about both axes and no point lies on
 * them: walls are mostly axis-aligned, and a posterior centred on a wall (or a corner) then splits exactly in halves
 * (quarters) instead of giving the points on the wall to one side.
 */
const SIGMA_POINTS: readonly { ux: number; uy: number; w: number }[] = (() => {
  const surv = (r: number) => Math.exp(-(r * r) / 2);
  const pts: { ux: number; uy: number; w: number }[] = [];
  const ring = (loSurv: number, hiSurv: number, n: number) => {
    const r = Math.sqrt(-2 * Math.log((loSurv + hiSurv) / 2));
    for (let k = 0; k < n; k++) {
      const a = (2 * Math.PI * (k + 0.5)) / n;
      pts.push({ ux: r * Math.cos(a), uy: r * Math.sin(a), w: (loSurv - hiSurv) / n });
    }
  };
  ring(1, surv(0.8), 4);
  ring(surv(0.8), surv(1.6), 8);
  ring(surv(1.6), 0, 8);
  return Object.freeze(pts);
})();

const TOP_N = 3;
const TRANSIT: ReadonlySet<string> = new Set(['corridor', 'stairs', 'elevator', 'entrance']);
/** Share of this observation's position mass that makes a room "pointed at" by the evidence (see the pruning). */
const EVIDENCE_MASS = 0.1;
/** Hop weights below this are not propagated. */
const NEGLIGIBLE = 1e-12;

export function stepRoomHmm(state: RoomHmmState | undefined, obs: RoomObservation, model: RoomHmmModel): RoomHmmResult {
  const { graph } = model;
  const prev = state && state.graph === graph ? state : undefined;

  const certain = obs.certainRoom === undefined ? undefined : graph.byId.get(obs.certainRoom);
  if (certain) {
    // Certain evidence: the posterior collapses onto the room.
    const onFloor = certain.floor === obs.floor;
    return {
      state: { t: prev && !(obs.t > prev.t) ? prev.t : obs.t, idx: Int32Array.of(certain.index), p: Float64Array.of(1), graph, reported: onFloor ? certain.index : -1 },
      room: onFloor ? certain.id : null,
      probability: 1,
      top: [{ room: certain.id, p: 1 }],
      evidence: { positionMass: 0, gatewayRank: onFloor ? rankOf(obs, certain.id) : null, certain: onFloor },
    };
  }

  const S = model.scratch;
  const touched: number[] = [];
  const stamped: number[] = [];
  const gwListed: number[] = [];
  try {
    return filter(prev, obs, model, touched, stamped, gwListed);
  } finally {
    for (const i of touched) {
      S.acc[i] = 0;
      S.mark[i] = 0;
    }
    for (const i of stamped) S.mass[i] = 0;
    for (const i of gwListed) S.gw[i] = 0;
  }
}

function filter(
  prev: RoomHmmState | undefined, obs: RoomObservation, model: RoomHmmModel,
  touched: number[], stamped: number[], gwListed: number[],
): RoomHmmResult {
  const { graph, params: P, none, scratch: S } = model;
  // Out-of-order or repeated times add no transition and (tempered to the power 0) no evidence.
  const dtS = prev && Number.isFinite(obs.t - prev.t) ? Math.max(0, obs.t - prev.t) / 1000 : 0;

  // ── Emission, position part: sigma points of N(μ, Σ) stamped into rooms (outside every room → `none`). ──────
  const sxx = clampVar(obs.cov[0], P.minVarM2);
  const syy = clampVar(obs.cov[2], P.minVarM2);
  const lim = 0.99 * Math.sqrt(sxx * syy);
  const sxy = Number.isFinite(obs.cov[1]) ? Math.max(-lim, Math.min(lim, obs.cov[1])) : 0;
  const a = Math.sqrt(sxx);
  const b = sxy / a;
  const c = Math.sqrt(Math.max(syy - b * b, 0));
  for (const s of SIGMA_POINTS) {
    const room = model.stamper.stamp(obs.floor, obs.x + a * s.ux, obs.y + b * s.ux + c * s.uy).room;
    const i = room === null ? none : (graph.byId.get(room)?.index ?? none);
    if (S.mass[i] === 0) stamped.push(i);
    S.mass[i]! += s.w;
  }

  // ── Emission, gateway part. With one ceiling gateway per room, a tag in room r reads r's gateway ~wallLossDb (L)
  // stronger than it would from behind a wall. Model each listed gateway's RSSI as base + L·[tag in its room] +
  // noise (σ = linkSigmaDb): the log-likelihood ratio of "in r" vs "in s" is (L/σ²)·(RSSI_r − RSSI_s). Differences
  // are clamped to one wall's worth (a room unheard or ≥ L dB down gets the floor), so the strongest gateway's
  // room is favoured by at most exp(L²/σ²) ≈ 9.5 over any other room per independent observation. A state with no
  // gateway of its own (outside, or a room without one) predicts no in-room bonus anywhere: it sits half-way.
  const gws = obs.gatewayRooms ?? [];
  const kappa = P.wallLossDb / (P.linkSigmaDb * P.linkSigmaDb);
  let strongest = -Infinity;
  for (const g of gws) if (g.rssi > strongest) strongest = g.rssi;
  for (const g of gws) {
    const node = graph.byId.get(g.room);
    if (!node || !Number.isFinite(g.rssi)) continue;
    const f = Math.exp(kappa * Math.max(g.rssi - strongest, -P.wallLossDb));
    if (S.gw[node.index] === 0) gwListed.push(node.index);
    S.gw[node.index] = Math.max(S.gw[node.index]!, f); // several gateways in one room: the strongest counts
  }
  const ev: Evidence = {
    gwOn: gws.length > 0,
    gwFloor: Math.exp(-kappa * P.wallLossDb),
    gwNeutral: Math.exp((-kappa * P.wallLossDb) / 2),
    // Correlated evidence is tempered (evidenceTimeS); the first observation counts in full.
    alpha: prev ? Math.min(1, dtS / (obs.evidenceTimeS ?? P.evidenceTimeS)) : 1,
    obsFloor: model.floorIds.indexOf(obs.floor),
    silent: silentFlags(obs.silentRooms, graph, S.mass.length),
  };

  // ── Prediction: a continuous-time walk over the door graph. Each state is left at its own rate (1/dwell) to one of
  // its neighbours; uniformised at the largest rate λ (virtual jumps stay put), the number of jumps in dt is
  // Poisson(λ·dt), truncated at as many doors as one can walk past in dt. ───────────────────────────────────────
  if (prev) {
    predict(prev, dtS, obs.parked === true, model, touched);
    const tp = Math.min(0.5, P.teleportPerS * Math.max(1, dtS));
    for (const i of touched) S.acc[i]! *= 1 - tp;
    injectEvidence(tp, model, ev, touched, stamped, gwListed);
  } else {
    injectEvidence(1, model, ev, touched, stamped, gwListed); // no prior: the evidence alone
  }

  // ── Update, prune, renormalise. ───────────────────────────────────────────────────────────────────────────
  let z = 0;
  for (const i of touched) {
    S.acc[i]! *= emission(i, model, ev);
    z += S.acc[i]!;
  }
  touched.sort((x, y) => S.acc[y]! - S.acc[x]!);
  // Truncation must not make the filter deaf: a room holding a real share of this observation's position mass is
  // kept however improbable it still is (at most half the slots), so sustained evidence for it can accumulate.
  // (mark 2 = kept; every touched mark is reset after the step.)
  const kept: number[] = [];
  for (const i of touched) {
    if (kept.length >= P.maxEntries >> 1) break;
    if (S.mass[i]! >= EVIDENCE_MASS && S.acc[i]! > 0) {
      kept.push(i);
      S.mark[i] = 2;
    }
  }
  for (const i of touched) {
    if (kept.length >= P.maxEntries) break;
    if (S.mark[i] !== 2 && (kept.length === 0 || S.acc[i]! >= P.pruneP * z)) {
      kept.push(i);
      S.mark[i] = 2;
    }
  }
  kept.sort((x, y) => S.acc[y]! - S.acc[x]!);
  let keptZ = 0;
  for (const i of kept) keptZ += S.acc[i]!;
  const idx = Int32Array.from(kept);
  const p = Float64Array.from(kept, (i) => S.acc[i]! / keptZ);

  // ── Report: the most probable room if probable enough and on the observed floor (when the floor machine and
  // the room filter disagree, say "unknown" rather than guess). ───────────────────────────────────────────────
  const best = idx[0]!;
  const pOf = (i: number): number => {
    for (let k = 0; k < idx.length; k++) if (idx[k] === i) return p[k]!;
    return 0;
  };
  const onFloor = (i: number): boolean => i >= 0 && i !== none && graph.rooms[i]!.floor === obs.floor;
  const held = prev && prev.graph === graph ? (prev.reported ?? -1) : -1;
  let chosen = -1;
  if (onFloor(held) && pOf(held) >= P.keepP) {
    chosen = best !== held && onFloor(best) && p[0]! > P.switchP ? best : held;
  } else if (onFloor(best) && p[0]! > P.reportP) {
    chosen = best;
  }
  const room = chosen >= 0 ? graph.rooms[chosen] : undefined;
  const top = Array.from(idx.subarray(0, TOP_N), (i, k) => ({ room: i === none ? null : graph.rooms[i]!.id, p: p[k]! }));
  return {
    state: { t: prev && !(obs.t > prev.t) ? prev.t : obs.t, idx, p, graph, reported: chosen },
    room: room ? room.id : null,
    probability: room ? pOf(room.index) : p[0]!,
    top,
    evidence: room
      ? { positionMass: S.mass[room.index]!, gatewayRank: rankOf(obs, room.id), certain: false }
      : { positionMass: 0, gatewayRank: null, certain: false },
  };
}

interface Evidence {
  gwOn: boolean;
  gwFloor: number;
  gwNeutral: number;
  alpha: number;
  obsFloor: number;
  /** 1 for states whose gateways are all silent (obs.silentRooms), or null. */
  silent: Uint8Array | null;
}

const silentIndexCache = new WeakMap<ReadonlySet<string>, { graph: RoomGraph; flags: Uint8Array }>();

function silentFlags(rooms: ReadonlySet<string> | undefined, graph: RoomGraph, n: number): Uint8Array | null {
  if (!rooms || rooms.size === 0) return null;
  const hit = silentIndexCache.get(rooms);
  if (hit && hit.graph === graph) return hit.flags;
  const flags = new Uint8Array(n);
  for (const id of rooms) {
    const node = graph.byId.get(id);
    if (node) flags[node.index] = 1;
  }
  silentIndexCache.set(rooms, { graph, flags });
  return flags;
}

/** Likelihood of this observation in state i: position part × gateway part, tempered. */
function emission(i: number, model: RoomHmmModel, ev: Evidence): number {
  const S = model.scratch;
  const f = model.floorOf[i]!;
  const pos = f === -1 || f === ev.obsFloor ? S.mass[i]! + model.params.positionOutlier : model.params.floorError;
  const gw = !ev.gwOn ? 1 : S.gw[i] !== 0 ? S.gw[i]! : model.noGateway[i] === 1 || ev.silent?.[i] === 1 ? ev.gwNeutral : ev.gwFloor;
  return ev.alpha === 1 ? pos * gw : (pos * gw) ** ev.alpha;
}

function touch(i: number, S: Scratch, touched: number[]): void {
  if (S.mark[i] === 0) {
    S.mark[i] = 1;
    touched.push(i);
  }
}

/**
 * Adds `share` of probability to the states this observation points at (its stamped rooms and gateway rooms),
 * in proportion to their emission: the teleport's landing places ("sensor resetting").
 */
function injectEvidence(
  share: number, model: RoomHmmModel, ev: Evidence, touched: number[], stamped: readonly number[], gwListed: readonly number[],
): void {
  const S = model.scratch;
  let total = 0;
  for (const i of stamped) total += emission(i, model, ev);
  for (const i of gwListed) if (S.mass[i] === 0) total += emission(i, model, ev);
  for (const i of stamped) {
    touch(i, S, touched);
    S.acc[i]! += (share * emission(i, model, ev)) / total;
  }
  for (const i of gwListed) {
    if (S.mass[i] !== 0) continue;
    touch(i, S, touched);
    S.acc[i]! += (share * emission(i, model, ev)) / total;
  }
}

/** Prior of this step into S.acc (touched lists the states written). */
function predict(prev: RoomHmmState, dtS: number, parked: boolean, model: RoomHmmModel, touched: number[]): void {
  const { params: P, none, scratch: S } = model;
  const roomRate = parked ? 1 / P.parkedDwellS : 1 / P.dwellS;
  const transitRate = parked ? 1 / P.parkedDwellS : 1 / P.transitDwellS;
  const lambdaMax = Math.max(roomRate, transitRate);
  const hops = Math.min(P.maxHops, 1 + Math.floor((dtS * P.walkSpeedMps) / P.hopLengthM));
  const lambda = dtS * lambdaMax;
  // Truncated Poisson weights of 0..hops, renormalised; in log space so a long gap (λ ≫ 1) stays finite.
  const logW: number[] = [-lambda];
  for (let k = 1; k <= hops; k++) logW.push(logW[k - 1]! + Math.log(lambda) - Math.log(k));
  const maxLogW = Math.max(...logW);
  const w = logW.map((l) => Math.exp(l - maxLogW));
  const wSum = w.reduce((s, x) => s + x, 0);

  let cur: number[] = [];
  for (let j = 0; j < prev.idx.length; j++) {
    const i = prev.idx[j]!;
    if (i < 0 || i > none) continue;
    S.cur[i] = prev.p[j]!;
    cur.push(i);
    touch(i, S, touched);
    S.acc[i]! += (w[0]! / wSum) * prev.p[j]!;
  }
  for (let k = 1; k <= hops && w[k]! / wSum > NEGLIGIBLE; k++) {
    const nxt: number[] = [];
    for (const i of cur) {
      const m = S.cur[i]!;
      S.cur[i] = 0;
      if (m < NEGLIGIBLE) continue;
      const o0 = model.off[i]!;
      const o1 = model.off[i + 1]!;
      // A room without doors keeps its mass.
      const move = o1 === o0 ? 0 : (m * (model.transit[i] === 1 ? transitRate : roomRate)) / lambdaMax;
      if (m - move > 0) {
        if (S.nxt[i] === 0) nxt.push(i);
        S.nxt[i]! += m - move;
      }
      const share = move / (o1 - o0);
      for (let o = o0; o < o1 && move > 0; o++) {
        const j = model.adj[o]!;
        if (S.nxt[j] === 0) nxt.push(j);
        S.nxt[j]! += share;
      }
    }
    const wk = w[k]! / wSum;
    for (const j of nxt) {
      S.cur[j] = S.nxt[j]!;
      S.nxt[j] = 0;
      touch(j, S, touched);
      S.acc[j]! += wk * S.cur[j]!;
    }
    cur = nxt;
  }
  for (const i of cur) S.cur[i] = 0;
}

function clampVar(v: number, min: number): number {
  return Number.isFinite(v) && v > min ? v : min;
}

function rankOf(obs: RoomObservation, room: string): number | null {
  const k = obs.gatewayRooms?.findIndex((g) => g.room === room) ?? -1;
  return k >= 0 ? k : null;
}
