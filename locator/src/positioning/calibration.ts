/**
 * Calibration learner (issue #3 item 2): per-gateway receive offsets from reference tags at known positions, and
 * per-tag-model transmit offsets from the solver's own per-tag offset estimates. Pure: no clock, no I/O; time comes
 * from the observations, the path-loss model is injected (`predict`) so the learner uses the locator's exact model.
 *
 * Model. The simulator and real radios follow
 *     rssi = A + txOffset(tag) + rxOffset(gateway) − 10·n·log10(d) − walls + shadowing
 * For a reference tag at a known position the residual r = rssi − predict(A, d) is rxOffset + txOffset − walls + noise.
 *
 * Identifiability. A constant common to every gateway's offset is indistinguishable from a change of A (or of every
 * tag's transmit offset): only differences between gateways are observable. With `pin: 'median'` (default) the robust
 * median over the gateways with an estimate is subtracted, so offsets say "this receiver hears c dB hotter than the
 * typical receiver here" (typical = median over the line-of-sight estimates when there are at least 3, else over
 * all); the common part is reported as commonOffsetDb() and belongs to the site's rssiAt1mDbm /
 * the tag-model offsets, not to the receivers. The reference tag's own transmit offset is taken from its advertised
 * measured power (rssiAt1mDbm of the link): estimating it too would confound each reference tag with the mean offset
 * of the few gateways it hears. With `pin: 'none'` the reference tags' advertised power is trusted absolutely.
 *
 * Walls. Walls only ever attenuate, so a link through a wall is biased weak, never strong. Two defences:
 *   1. Line of sight preferred: with `planWallLossDb` injected (the floor plan's walls between the reference tag and
 *      the gateway), a gateway with at least minSamples line-of-sight samples is estimated from those alone.
 *   2. One-sided robust location: the scale comes from the upper half of the residuals only (deviations above the
 *      median, which walls cannot produce), samples more than fenceLowSigmas below the location are dropped (a wall,
 *      a body, a trolley), then a Huber M-estimate runs on the rest. The fence truncates a clean Gaussian a little
 *      on one side; that bias is computed once for the fence and removed, so clean data stays unbiased.
 *      Seeded experiment (σ 4 dB, 200 samples, outliers 6–20 dB weak): bias with 20 % outliers −0.4 dB vs −1.3 dB for
 *      the median and −1.7 dB for a symmetric Huber; clean data +0.03 dB.
 *   3. `predict` must charge the plan's walls as the solver does (logDistancePredictor's wallLossDb). Without that,
 *      a gateway heard only through walls learns the walls as its offset: on the simulated sample hospital (344 BLE
 *      gateways, 20–60 reference tags, 1 h) offset errors were 3.2–3.8 dB rms, worse than not calibrating (1.65);
 *      with walls charged 0.90–0.94 dB rms, and 1.07–1.14 dB with plan attenuations 30 % too low.
 *
 * Shrinkage. An estimate is pulled towards 0 like a Gaussian posterior mean:
 *     offset = estimate · σp² / (σp² + scale²/n + f·σw²)
 * (σp = expected spread of the offsets themselves, scale = robust residual spread, n = samples kept). While samples are
 * few, scale²/n dominates. f·σw² is the systematic error of a plan's nominal wall attenuations, which no number of
 * samples averages away: f = share of the samples that cross walls according to the plan (0 without a plan, since
 * nothing is known then). It keeps a gateway heard only through walls from taking a wall's error as its offset.
 *
 * Independence. Shadowing is correlated over ~30 s (people and trolleys move slowly), so consecutive windows of a
 * parked reference tag are not independent: one sample per (reference tag, gateway) per minSampleIntervalMs.
 * Per gateway the newest maxSamples are kept (bounded memory; old samples age out, so drift is followed).
 *
 * Circularity. Feed raw observations: link RSSI before any gateway correction, tag offsets relative to the
 * uncorrected A (the solver's estimate plus whatever tag-model offset was applied). Otherwise the learner would learn
 * its own residual and oscillate.
 */
import { z } from 'zod';
import type { GatewayRecord } from '../contracts.ts';
import type { SiteLike } from '../zones/site-model.ts';
import { TAG_HEIGHT_M, type PathLoss } from './locate-ble.ts';
import { WallSegments } from './wall-loss.ts';

export interface CalibrationOptions {
  /** Learned offsets are clamped to ±this, dB (receiver gain spread of real BLE gateways is a few dB). */
  boundDb: number;
  /** No estimate is reported from fewer samples (after decimation), count. */
  minSamples: number;
  /** Newest samples kept per gateway and per tag model, count (FIFO). */
  maxSamples: number;
  /** At most one sample per (reference tag, gateway) and per (tag model, tag) per this interval, ms. */
  minSampleIntervalMs: number;
  /** A windowed link estimate from fewer reads is too noisy (fast fading not averaged), count. */
  minLinkReads: number;
  /**
   * Links predicted weaker than this are skipped, dBm: near the receiver sensitivity (−95 dBm typical) weak packets
   * are lost, so the packets that arrive are biased strong (censoring).
   */
  minPredictedDbm: number;
  /** A residual beyond ±this is not calibration evidence (moved reference tag, wrong floor), dB. */
  maxAbsResidualDb: number;
  /** Expected spread of gateway receive offsets, dB (shrinkage prior). */
  gatewayPriorSigmaDb: number;
  /** Systematic error of the plan's nominal wall attenuation, dB (σw above; one material class spans a few dB). */
  wallModelSigmaDb: number;
  /** Expected spread of tag-model transmit offsets, dB (shrinkage prior; wristbands vs asset tags differ more). */
  tagModelPriorSigmaDb: number;
  /** Samples this many robust sigmas below the location are dropped (walls only attenuate). */
  fenceLowSigmas: number;
  /** Samples this many robust sigmas above the location are dropped (a moved tag, constructive multipath). */
  fenceHighSigmas: number;
  /** Huber threshold, robust sigmas (1.345: 95 % efficiency at the Gaussian). */
  huberK: number;
  /** Floor on the robust scale, dB (RSSI is reported in whole dB). */
  minScaleDb: number;
  /** Plan wall loss at or below this counts as line of sight, dB. */
  losMaxWallDb: number;
  /** How the common offset is pinned (see the module comment). */
  pin: 'median' | 'none';
}

export const DEFAULT_CALIBRATION_OPTIONS: Readonly<CalibrationOptions> = Object.freeze({
  boundDb: 10,
  minSamples: 20,
  maxSamples: 512,
  minSampleIntervalMs: 30_000,
  minLinkReads: 3,
  minPredictedDbm: -85,
  maxAbsResidualDb: 25,
  gatewayPriorSigmaDb: 2,
  wallModelSigmaDb: 2,
  tagModelPriorSigmaDb: 4,
  fenceLowSigmas: 2,
  fenceHighSigmas: 4,
  huberK: 1.345,
  minScaleDb: 1,
  losMaxWallDb: 0.5,
  pin: 'median',
});

/** Expected RSSI (dBm) of a tag at (x, y) on `floor` at `gatewayId`, without any offset; undefined: no prediction. */
export type RssiPredictor = (gatewayId: string, floor: string, x: number, y: number, rssiAt1mDbm: number) => number | undefined;
/** Attenuation of the floor plan's walls between the gateway and (x, y), dB (0 = line of sight). */
export type PlanWallLoss = (gatewayId: string, floor: string, x: number, y: number) => number;

export interface ReferenceLink {
  gatewayId: string;
  /** Windowed robust RSSI, dBm, raw (no gateway correction applied). */
  rssi: number;
  /** Reads behind the estimate. */
  n: number;
  /** The reference tag's RSSI at 1 m (advertised measured power, or the site default), dBm. */
  rssiAt1mDbm: number;
}

export interface OffsetEstimate {
  /** Pinned, shrunk, bounded offset, dB: subtract it from the gateway's RSSI (gateways) / add it to A (tag models). */
  offsetDb: number;
  /** Samples the estimate rests on. */
  samples: number;
  /** Time of the newest sample (from the data), epoch ms. */
  updatedAt: number;
  /** Robust spread of the samples, dB. */
  spreadDb: number;
  /** Gateways: estimated from line-of-sight samples only. */
  lineOfSight: boolean;
}

const SnapshotSchema = z.object({
  version: z.literal(1),
  /** Per gateway: [residual dB, path: 1 line of sight | 0 through walls | −1 unknown (no plan), t]. */
  gateways: z.record(z.string(), z.array(z.tuple([z.number(), z.union([z.literal(1), z.literal(0), z.literal(-1)]), z.number()]))),
  /** Per tag model: [offset dB, t]. */
  tagModels: z.record(z.string(), z.array(z.tuple([z.number(), z.number()]))),
});
export type CalibrationSnapshot = z.infer<typeof SnapshotSchema>;

/** Line-of-sight estimates needed before the pin uses them alone (a median of fewer is too noisy). */
const PIN_MIN_LOS_GATEWAYS = 3;

interface RawEstimate {
  location: number;
  scale: number;
  /** Samples kept by the fence. */
  n: number;
  /** Estimated from line-of-sight samples only. */
  los: boolean;
  /** Share of the samples used that cross walls according to the plan. */
  walled: number;
}

interface Estimates {
  gateways: Map<string, OffsetEstimate>;
  tagModels: Map<string, OffsetEstimate>;
  common: number;
}

/** What the floor plan says about a link's path: line of sight, through walls, or nothing (no plan). */
type PathKind = 1 | 0 | -1;

interface Sample {
  r: number;
  path: PathKind;
  t: number;
}

/** A FIFO of the newest samples. */
class Reservoir {
  readonly items: Sample[] = [];
  constructor(private readonly cap: number) {}
  push(s: Sample): void {
    this.items.push(s);
    if (this.items.length > this.cap) this.items.splice(0, this.items.length - this.cap);
  }
  get newestT(): number {
    let t = -Infinity;
    for (const s of this.items) if (s.t > t) t = s.t;
    return t;
  }
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

const sortedCopy = (a: readonly number[]) => [...a].sort((x, y) => x - y);

/** 1.4826 · median of the deviations above `m`: a Gaussian's σ, blind to anything below `m`. */
function upperScale(values: readonly number[], m: number, minScale: number): number {
  const up: number[] = [];
  for (const v of values) if (v >= m) up.push(v - m);
  if (up.length === 0) return minScale;
  return Math.max(minScale, 1.4826 * median(sortedCopy(up)));
}

function huberLocation(values: readonly number[], start: number, scale: number, k: number): number {
  let m = start;
  for (let iter = 0; iter < 50; iter++) {
    let sw = 0, swv = 0;
    for (const v of values) {
      const u = Math.abs(v - m) / scale;
      const w = u <= k ? 1 : k / u;
      sw += w;
      swv += w * v;
    }
    const next = swv / sw;
    if (Math.abs(next - m) < 1e-4) return next;
    m = next;
  }
  return m;
}

const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

/**
 * Where the Huber M-estimate of a standard Gaussian truncated to [−low, high] lands (in σ): the bias the one-sided
 * fence introduces on clean data, removed after each estimate. Solves ∫ ψ_k(z − b) φ(z) dz = 0 over the kept range.
 */
export function fenceBias(low: number, high: number, k: number): number {
  const N = 2000;
  const dz = (low + high) / N;
  const f = (b: number) => {
    let s = 0;
    for (let i = 0; i < N; i++) {
      const z = -low + (i + 0.5) * dz;
      s += Math.max(-k, Math.min(k, z - b)) * phi(z);
    }
    return s * dz;
  };
  let lo = -3, hi = 3;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * One-sided robust location of residuals (see the module comment): upper-half scale, asymmetric fence,
 * Huber M-estimate, fence bias removed. Returns the location, the scale and the samples kept.
 */
export function robustOffset(values: readonly number[], o: Pick<CalibrationOptions, 'fenceLowSigmas' | 'fenceHighSigmas' | 'huberK' | 'minScaleDb'>, bias = fenceBias(o.fenceLowSigmas, o.fenceHighSigmas, o.huberK)): { location: number; scale: number; kept: number } {
  let m = median(sortedCopy(values));
  let s = upperScale(values, m, o.minScaleDb);
  let kept: number[] = [...values];
  // A few rounds: the fence moves with the location; converges in 2–3 on realistic data.
  for (let round = 0; round < 5; round++) {
    const lo = m - o.fenceLowSigmas * s;
    const hi = m + o.fenceHighSigmas * s;
    kept = values.filter((v) => v >= lo && v <= hi);
    if (kept.length === 0) break;
    const raw = huberLocation(kept, median(sortedCopy(kept)), s, o.huberK);
    const next = raw - bias * s;
    const converged = Math.abs(next - m) < 1e-3;
    m = next;
    s = upperScale(kept, m, o.minScaleDb);
    if (converged) break;
  }
  return { location: m, scale: s, kept: kept.length };
}

const clamp = (v: number, b: number) => Math.min(b, Math.max(-b, v));
const round2 = (v: number) => Math.round(v * 100) / 100;

/** Keys seen less than minSampleIntervalMs ago; pruned so it stays bounded by the active (tag, gateway) pairs. */
class Decimator {
  #last = new Map<string, number>();
  constructor(private readonly intervalMs: number) {}
  accept(key: string, t: number): boolean {
    const prev = this.#last.get(key);
    // A time going backwards (replayed data, a reset clock) restarts the interval rather than blocking for ever.
    if (prev !== undefined && t >= prev && t - prev < this.intervalMs) return false;
    this.#last.set(key, t);
    if (this.#last.size > 50_000) for (const [k, v] of this.#last) if (t - v >= this.intervalMs) this.#last.delete(k);
    return true;
  }
  clear(): void {
    this.#last.clear();
  }
}

export interface CalibrationDeps {
  predict: RssiPredictor;
  /** Optional: wall loss from the floor plan, to prefer line-of-sight links (see createPlanWallLoss). */
  planWallLossDb?: PlanWallLoss;
}

export class CalibrationLearner {
  readonly options: Readonly<CalibrationOptions>;
  readonly #deps: CalibrationDeps;
  readonly #bias: number;
  #gateways = new Map<string, Reservoir>();
  #tagModels = new Map<string, Reservoir>();
  #refDecimator: Decimator;
  #tagDecimator: Decimator;
  #cache: Estimates | null = null;

  constructor(deps: CalibrationDeps, options: Partial<CalibrationOptions> = {}) {
    this.#deps = deps;
    this.options = Object.freeze({ ...DEFAULT_CALIBRATION_OPTIONS, ...options });
    const o = this.options;
    if (!(o.boundDb > 0) || !(o.minSamples >= 1) || !(o.maxSamples >= o.minSamples) || !(o.fenceLowSigmas > 0) || !(o.fenceHighSigmas > 0)) {
      throw new Error('CalibrationLearner: options out of range (boundDb > 0, 1 ≤ minSamples ≤ maxSamples, fences > 0)');
    }
    this.#bias = fenceBias(o.fenceLowSigmas, o.fenceHighSigmas, o.huberK);
    this.#refDecimator = new Decimator(o.minSampleIntervalMs);
    this.#tagDecimator = new Decimator(o.minSampleIntervalMs);
  }

  /**
   * One locate's worth of links from a reference tag at a known position. Links that cannot be predicted (unknown
   * gateway, another floor), are too weak, too thin or absurd are skipped. Returns the samples taken.
   */
  observeReference(tagId: string, pos: { floor: string; x: number; y: number }, links: readonly ReferenceLink[], t: number): number {
    const o = this.options;
    let taken = 0;
    for (const l of links) {
      if (!Number.isFinite(l.rssi) || !Number.isFinite(l.rssiAt1mDbm) || l.n < o.minLinkReads) continue;
      const expected = this.#deps.predict(l.gatewayId, pos.floor, pos.x, pos.y, l.rssiAt1mDbm);
      if (expected === undefined || !Number.isFinite(expected) || expected < o.minPredictedDbm) continue;
      const r = l.rssi - expected;
      if (Math.abs(r) > o.maxAbsResidualDb) continue;
      if (!this.#refDecimator.accept(`${tagId}\u0000${l.gatewayId}`, t)) continue;
      const wall = this.#deps.planWallLossDb?.(l.gatewayId, pos.floor, pos.x, pos.y);
      // Without a floor plan nothing is known about the path: every sample goes through the one-sided fence alone.
      const path: PathKind = wall === undefined ? -1 : wall <= o.losMaxWallDb ? 1 : 0;
      // Residuals are kept at 0.01 dB (far below the noise) so a snapshot round trip is exact and compact.
      this.#reservoir(this.#gateways, l.gatewayId).push({ r: round2(r), path, t });
      taken++;
    }
    if (taken > 0) this.#cache = null;
    return taken;
  }

  /**
   * A tag's own transmit offset as the solver estimated it (relative to the uncorrected A), for its tag model.
   * `tagId` decimates per tag (one tag parked for hours must not outvote the rest of its model). Returns whether taken.
   */
  observeTagResidual(tagModel: string, offsetDb: number, t: number, tagId?: string): boolean {
    const o = this.options;
    if (!Number.isFinite(offsetDb) || Math.abs(offsetDb) > o.maxAbsResidualDb) return false;
    if (tagId !== undefined && !this.#tagDecimator.accept(`${tagModel}\u0000${tagId}`, t)) return false;
    this.#reservoir(this.#tagModels, tagModel).push({ r: round2(offsetDb), path: -1, t });
    this.#cache = null;
    return true;
  }

  gatewayOffset(id: string): OffsetEstimate | undefined {
    return this.#estimates().gateways.get(id);
  }

  /** Every gateway with an estimate, ordered by id. */
  gatewayOffsets(): Map<string, OffsetEstimate> {
    return new Map(this.#estimates().gateways);
  }

  tagModelOffset(model: string): OffsetEstimate | undefined {
    return this.#estimates().tagModels.get(model);
  }

  /** Every tag model with an estimate, ordered by model. */
  tagModelOffsets(): Map<string, OffsetEstimate> {
    return new Map(this.#estimates().tagModels);
  }

  /** The common part removed by pinning, dB (0 with pin 'none'): how far the reference tags' A is off on average. */
  commonOffsetDb(): number {
    return this.#estimates().common;
  }

  /** Forget everything (e.g. after the site's path-loss parameters changed: old residuals used the old model). */
  reset(): void {
    this.#gateways.clear();
    this.#tagModels.clear();
    this.#refDecimator.clear();
    this.#tagDecimator.clear();
    this.#cache = null;
  }

  /** JSON-serialisable state, for persistence (the registry stores it). */
  snapshot(): CalibrationSnapshot {
    const gateways: CalibrationSnapshot['gateways'] = {};
    for (const [id, res] of this.#gateways) gateways[id] = res.items.map((s) => [s.r, s.path, s.t]);
    const tagModels: CalibrationSnapshot['tagModels'] = {};
    for (const [m, res] of this.#tagModels) tagModels[m] = res.items.map((s) => [s.r, s.t]);
    return { version: 1, gateways, tagModels };
  }

  /** Replaces the state with a snapshot; false (state left empty) when it is not a valid snapshot. */
  load(snapshot: unknown): boolean {
    this.reset();
    const parsed = SnapshotSchema.safeParse(snapshot);
    if (!parsed.success) return false;
    const o = this.options;
    for (const [id, items] of Object.entries(parsed.data.gateways)) {
      const res = this.#reservoir(this.#gateways, id);
      for (const [r, path, t] of items) if (Math.abs(r) <= o.maxAbsResidualDb) res.push({ r, path, t });
    }
    for (const [m, items] of Object.entries(parsed.data.tagModels)) {
      const res = this.#reservoir(this.#tagModels, m);
      for (const [r, t] of items) if (Math.abs(r) <= o.maxAbsResidualDb) res.push({ r, path: -1, t });
    }
    return true;
  }

  #reservoir(map: Map<string, Reservoir>, key: string): Reservoir {
    let res = map.get(key);
    if (!res) {
      res = new Reservoir(this.options.maxSamples);
      map.set(key, res);
    }
    return res;
  }

  #estimate(samples: readonly Sample[], preferLos: boolean): RawEstimate | undefined {
    const o = this.options;
    let use = samples;
    let los = false;
    if (preferLos) {
      const clear = samples.filter((s) => s.path === 1);
      if (clear.length >= o.minSamples) {
        use = clear;
        los = true;
      }
    }
    if (use.length < o.minSamples) return undefined;
    const { location, scale, kept } = robustOffset(use.map((s) => s.r), o, this.#bias);
    const walled = use.reduce((a, s) => a + (s.path === 0 ? 1 : 0), 0) / use.length;
    return kept > 0 ? { location, scale, n: kept, los, walled } : undefined;
  }

  /** Posterior mean under a N(0, prior²) prior (see the module comment), bounded. */
  #shrunk(e: RawEstimate, location: number, priorSigma: number): number {
    const p2 = priorSigma * priorSigma;
    const v = (e.scale * e.scale) / e.n + e.walled * this.options.wallModelSigmaDb ** 2;
    return clamp(location * (p2 / (p2 + v)), this.options.boundDb);
  }

  #estimates(): Estimates {
    if (this.#cache) return this.#cache;
    const o = this.options;
    const raw: [string, RawEstimate, number][] = [];
    for (const [id, res] of this.#gateways) {
      const e = this.#estimate(res.items, true);
      if (e) raw.push([id, e, res.newestT]);
    }
    // The pin is taken over line-of-sight estimates when there are a few: they carry no wall-model error, and a
    // median over many wall-biased gateways would shift every offset, the clean ones included.
    const clear = raw.filter(([, e]) => e.los);
    const pinSet = clear.length >= PIN_MIN_LOS_GATEWAYS ? clear : raw;
    const common = o.pin === 'median' && pinSet.length > 0 ? median(sortedCopy(pinSet.map(([, e]) => e.location))) : 0;
    const gateways = new Map<string, OffsetEstimate>();
    for (const [id, e, t] of raw.sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      gateways.set(id, {
        offsetDb: round2(this.#shrunk(e, e.location - common, o.gatewayPriorSigmaDb)),
        samples: e.n, updatedAt: t, spreadDb: round2(e.scale), lineOfSight: e.los,
      });
    }
    const tagModels = new Map<string, OffsetEstimate>();
    for (const [m, res] of [...this.#tagModels].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const e = this.#estimate(res.items, false);
      if (!e) continue;
      tagModels.set(m, {
        offsetDb: round2(this.#shrunk(e, e.location, o.tagModelPriorSigmaDb)),
        samples: e.n, updatedAt: res.newestT, spreadDb: round2(e.scale), lineOfSight: false,
      });
    }
    this.#cache = { gateways, tagModels, common: round2(common) };
    return this.#cache;
  }
}

/**
 * The locator's model, as locate-ble fits it (same tag height, same 0.25 m² near-field floor, walls from the plan):
 *     expected = A − 5·n·log10(max(dx² + dy² + dh², 0.25)) − walls(gateway → point)
 * Pass `wallLossDb` when the solver charges walls (it does since issue #3 item 4), so calibration residuals are
 * residuals of the model the solver uses; the plan's attenuation errors then remain, which is why line-of-sight
 * samples are still preferred. Only BLE gateways on the tag's floor are predicted: a link through a slab says nothing
 * about the receiver. `pathLoss` is read per call, so a change in the registry applies at once (then reset the learner).
 */
export function logDistancePredictor(
  gatewayOf: (id: string) => GatewayRecord | undefined,
  pathLoss: () => PathLoss,
  wallLossDb?: PlanWallLoss,
): RssiPredictor {
  return (gatewayId, floor, x, y, rssiAt1mDbm) => {
    const g = gatewayOf(gatewayId);
    if (!g || g.tech !== 'ble' || g.floor !== floor) return undefined;
    const dx = x - g.x;
    const dy = y - g.y;
    const dh = g.mountHeightM - TAG_HEIGHT_M;
    const d2 = Math.max(dx * dx + dy * dy + dh * dh, 0.25);
    return rssiAt1mDbm - 5 * pathLoss().exponent * Math.log10(d2) - (wallLossDb?.(gatewayId, floor, x, y) ?? 0);
  };
}

/**
 * Sum of the attenuations of the floor plan's walls the straight line gateway → point crosses, dB. A wall touched
 * exactly at the gateway (a gateway mounted on a wall) is not charged, as in the simulator. Reference tags do not
 * move, so results are cached (bounded).
 */
export function createPlanWallLoss(site: SiteLike, gatewayOf: (id: string) => GatewayRecord | undefined): PlanWallLoss {
  // The same crossing rule as the solver's wall tables (wall-loss.ts), evaluated exactly: reference tags do not move.
  const segments = new Map<string, WallSegments>();
  for (const f of site.floors) segments.set(f.summary.id, new WallSegments(f.walls ?? []));
  const cache = new Map<string, number>();
  return (gatewayId, floor, x, y) => {
    const key = `${gatewayId}\u0000${floor}\u0000${x}\u0000${y}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const g = gatewayOf(gatewayId);
    const walls = segments.get(floor);
    const loss = g && walls ? walls.lossBetween(x, y, g.x, g.y) : 0;
    if (cache.size >= 10_000) cache.clear();
    cache.set(key, loss);
    return loss;
  };
}

