/**
 * BLE positioning from per-link robust RSSI estimates (DESIGN.md §4).
 *
 * Floor: chooseFloor scores each floor by the sum of the top-3 linear powers of its gateways, so one gateway heard
 * through a slab cannot outvote three on the tag's own floor. The floor state machine (floor-state.ts) uses that
 * score and passes the floor it settled on; the solver then uses only that floor's gateways.
 *
 * Position: robust weighted least squares in the RSSI domain. The model
 *     rssi = A + δ − 10·n·log10(D) − Σ walls(gateway → position),   D = 3-D distance (mount height vs. tag height)
 * is fitted with (asymmetric) Huber weights: a coarse grid search over the area around the strongest gateways, then
 * Levenberg–Marquardt. Fitting in dB rather than in metres is the same as fitting log-ranges: shadowing noise is
 * roughly log-normal in range, so a metre-domain fit would let far, noisy links dominate. Walls come from the floor
 * plan (wall-loss.ts); δ, the tag's own offset, is estimated with a prior once enough links exist. The result is
 * clamped to the floor's bounds.
 *
 * Fallbacks: 2 links → weighted centroid (weights 1/range), 1 link → the gateway's position (ble-nearest).
 * The covariance of the solution (δ marginalised out, scaled by the residuals) is the reported accuracy
 * (1-sigma radius, never below 1 m); confidence grows with link count and shrinks when links disagree.
 */
import type { FixMethod } from '@rtls/protocol';
import type { GatewayRecord } from '../contracts.ts';

/** Assumed height of a worn or attached tag above the floor, metres. */
export const TAG_HEIGHT_M = 1.0;
/** Links used by one solve (and reported as evidence): the strongest 8. More add little but cost time. */
export const MAX_LINKS = 8;
/** Prior RSSI noise (shadowing + fading) of a windowed estimate, dB. */
const SIGMA0_DB = 4;
/**
 * Asymmetric Huber thresholds, in units of sigma. Walls, doors and bodies only ever attenuate, so a link weaker than
 * the model predicts (negative residual) is weak evidence that the tag is far, while a link stronger than predicted
 * is strong evidence that it is near. Measured on the simulated sample hospital (300 tags, 2 min): symmetric k = 1.5
 * gave a median error of 2.27 m, worse than the strongest-gateway baseline (2.08 m); these thresholds beat it.
 */
const HUBER_K_WEAKER = 0.2;
const HUBER_K_STRONGER = 3;
/** Huber threshold for the tag offset, in sigmas (the textbook 95 %-efficiency value is 1.345). */
const HUBER_K_SYMMETRIC = 1.5;
const LN10 = Math.LN10;

export interface BleLink {
  gateway: GatewayRecord;
  /** Robust RSSI estimate, dBm. */
  rssi: number;
  n: number;
  spreadDb: number;
  /** Expected RSSI at 1 m for this tag (tag-advertised measured power, or the site default), dBm. */
  rssiAt1mDbm: number;
}

export interface FloorBounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface PathLoss {
  rssiAt1mDbm: number;
  exponent: number;
}

export interface BleLocation {
  floor: string;
  x: number;
  y: number;
  accuracyM: number;
  confidence: number;
  method: Extract<FixMethod, 'ble-wls' | 'ble-centroid' | 'ble-nearest'>;
  /** Links used, strongest first (at most MAX_LINKS). */
  used: BleLink[];
  /** Covariance of (x, y): [σxx², σxy, σyy²], m². */
  cov: [number, number, number];
  /** The tag's own offset from its expected power, dB, when enough links allowed estimating it. */
  tagOffsetDb?: number;
}

const linear = (dbm: number) => Math.pow(10, dbm / 10);

/** The floor with the strongest evidence (sum of top-3 linear powers of its gateways), or null with no links. */
export function chooseFloor(links: readonly BleLink[]): string | null {
  const byFloor = new Map<string, number[]>();
  for (const l of links) {
    const a = byFloor.get(l.gateway.floor);
    if (a) a.push(l.rssi);
    else byFloor.set(l.gateway.floor, [l.rssi]);
  }
  let best: string | null = null;
  let bestScore = -Infinity;
  for (const [floor, rssis] of byFloor) {
    rssis.sort((a, b) => b - a);
    let score = 0;
    for (let i = 0; i < Math.min(3, rssis.length); i++) score += linear(rssis[i]!);
    if (score > bestScore || (score === bestScore && best !== null && floor < best)) {
      best = floor;
      bestScore = score;
    }
  }
  return best;
}

/** 3-D range (m) implied by an RSSI under the log-distance model. */
export function rangeFromRssi(rssi: number, rssiAt1mDbm: number, exponent: number): number {
  return Math.pow(10, (rssiAt1mDbm - rssi) / (10 * exponent));
}

function horizontalRange(l: BleLink, exponent: number): number {
  const d = rangeFromRssi(l.rssi, l.rssiAt1mDbm, exponent);
  const dh = l.gateway.mountHeightM - TAG_HEIGHT_M;
  return Math.sqrt(Math.max(d * d - dh * dh, 0));
}

function clampTo(b: FloorBounds, x: number, y: number): [number, number] {
  return [Math.min(b.maxX, Math.max(b.minX, x)), Math.min(b.maxY, Math.max(b.minY, y))];
}

interface FitState {
  x: number;
  y: number;
  cost: number;
}

/** Per-link sigma: prior noise, plus the window's own spread shrinking with sample count. */
function sigmaOf(l: BleLink): number {
  const extra = l.n < 3 ? 4 : 0;
  return Math.sqrt(SIGMA0_DB * SIGMA0_DB + (l.spreadDb * l.spreadDb) / Math.max(l.n, 1) + extra);
}

function huberRho(u: number): number {
  const k = u < 0 ? HUBER_K_WEAKER : HUBER_K_STRONGER;
  const a = Math.abs(u);
  return a <= k ? 0.5 * a * a : k * (a - 0.5 * k);
}

function huberWeight(u: number): number {
  const k = u < 0 ? HUBER_K_WEAKER : HUBER_K_STRONGER;
  const a = Math.abs(u);
  return a <= k ? 1 : k / a;
}

/** Residual (observed − predicted, dB) and its gradient w.r.t. (x, y), written into `out` (hot loop: no allocation). */
function residual(l: BleLink, exponent: number, x: number, y: number, out: Float64Array): void {
  const dx = x - l.gateway.x;
  const dy = y - l.gateway.y;
  const dh = l.gateway.mountHeightM - TAG_HEIGHT_M;
  // Floor of 0.25 m² keeps the model finite when gateway and tag share a height and position.
  const d2 = Math.max(dx * dx + dy * dy + dh * dh, 0.25);
  const g = (10 * exponent) / (LN10 * d2);
  out[0] = l.rssi - (l.rssiAt1mDbm - 5 * exponent * Math.log10(d2));
  out[1] = g * dx;
  out[2] = g * dy;
}

const scratch = new Float64Array(3);

function weightedCentroid(links: readonly BleLink[], exponent: number): [number, number] {
  let sx = 0, sy = 0, sw = 0;
  for (const l of links) {
    const w = 1 / Math.max(horizontalRange(l, exponent), 0.5);
    sx += w * l.gateway.x;
    sy += w * l.gateway.y;
    sw += w;
  }
  return [sx / sw, sy / sw];
}

function confidenceFrom(k: number, agreement: number): number {
  const fromLinks = 1 - Math.exp(-k / 3);
  return Math.min(0.99, Math.max(0.05, fromLinks * agreement));
}

/** Optional context of a solve; every part has a neutral default so the solver also runs without a floor plan. */
export interface SolveOptions {
  /** Solve on this floor (chosen by the floor state machine); default: chooseFloor(links). */
  floor?: string;
  /** Wall-loss table of a gateway (null: no walls known); see wall-loss.ts. */
  walls?: (gateway: GatewayRecord) => WallLookup | null;
  /** Estimate the tag's own transmit offset when at least this many links are used (0 disables). */
  tagOffsetMinLinks?: number;
}

export interface WallLookup {
  at(x: number, y: number): number;
}

/** Prior on a tag's own offset from its advertised (or default) power, dB: body, mounting and model spread. */
const TAG_OFFSET_PRIOR_SIGMA_DB = 6;
/** Grid search spacing, metres; LM refines below it. */
const GRID_STEP_M = 1.5;
/** The search area: the strongest gateways' box grown by this, metres. */
const GRID_MARGIN_M = 4;

interface Prepared {
  links: readonly BleLink[];
  /** Per link, packed for the hot loop: gateway x, y, dh², rssi − A. */
  gx: Float64Array;
  gy: Float64Array;
  dh2: Float64Array;
  obsMinusA: Float64Array;
  sig: Float64Array;
  walls: (WallLookup | null)[];
  exponent: number;
  /** 1/σ² of the prior on the tag offset; Infinity = offset fixed at 0. */
  offsetPriorPrec: number;
}

/** Residuals at (x, y) without the tag offset (observed − predicted incl. walls), into `out`. */
function residualsAt(p: Prepared, x: number, y: number, out: Float64Array): void {
  const k5 = 5 * p.exponent;
  for (let i = 0; i < out.length; i++) {
    const dx = x - p.gx[i]!, dy = y - p.gy[i]!;
    const d2 = Math.max(dx * dx + dy * dy + p.dh2[i]!, 0.25);
    out[i] = p.obsMinusA[i]! + k5 * Math.log10(d2) + (p.walls[i]?.at(x, y) ?? 0);
  }
}

let resBuf = new Float64Array(MAX_LINKS);

/** Robust cost at (x, y) with the tag offset solved in closed form (weighted mean residual, shrunk to its prior). */
function costAt(p: Prepared, x: number, y: number, out?: { offset: number }): number {
  const n = p.links.length;
  if (resBuf.length !== n) resBuf = new Float64Array(n);
  const res = resBuf;
  residualsAt(p, x, y, res);
  let offset = 0;
  if (Number.isFinite(p.offsetPriorPrec)) {
    // IRLS with a symmetric Huber loss: the position's asymmetric loss fits the upper envelope of the links, which
    // for δ would mean "as loud as the loudest link allows" (on real data that put δ at +7 dB and every tag far
    // from every receiver). Symmetric weights still fence single outliers.
    for (let it = 0; it < 3; it++) {
      let sw = p.offsetPriorPrec, swr = 0;
      for (let i = 0; i < n; i++) {
        const s = p.sig[i]!;
        const u = Math.abs(res[i]! - offset) / s;
        const w = (u <= HUBER_K_SYMMETRIC ? 1 : HUBER_K_SYMMETRIC / u) / (s * s);
        sw += w;
        swr += w * res[i]!;
      }
      offset = swr / sw;
    }
  }
  let c = Number.isFinite(p.offsetPriorPrec) ? 0.5 * offset * offset * p.offsetPriorPrec : 0;
  for (let i = 0; i < n; i++) c += huberRho((res[i]! - offset) / p.sig[i]!);
  if (out) out.offset = offset;
  return c;
}

/** Levenberg–Marquardt refinement of (x, y) from a start; wall losses and the tag offset are held per iteration. */
function refine(p: Prepared, b: FloorBounds, x0: number, y0: number): FitState {
  let x = x0, y = y0;
  const o = { offset: 0 };
  let cost = costAt(p, x, y, o);
  let lambda = 1e-2;
  for (let iter = 0; iter < 30; iter++) {
    let a11 = 0, a12 = 0, a22 = 0, g1 = 0, g2 = 0;
    for (let i = 0; i < p.links.length; i++) {
      residual(p.links[i]!, p.exponent, x, y, scratch);
      const r = scratch[0]! + (p.walls[i]?.at(x, y) ?? 0) - o.offset;
      const jx = scratch[1]!, jy = scratch[2]!;
      const s = p.sig[i]!;
      const w = huberWeight(r / s) / (s * s);
      a11 += w * jx * jx;
      a12 += w * jx * jy;
      a22 += w * jy * jy;
      g1 += w * jx * r;
      g2 += w * jy * r;
    }
    let improved = false;
    for (let tries = 0; tries < 6 && !improved; tries++) {
      const m11 = a11 + lambda * (a11 + 1e-6);
      const m22 = a22 + lambda * (a22 + 1e-6);
      const det = m11 * m22 - a12 * a12;
      if (!(Math.abs(det) > 1e-18)) {
        lambda *= 10;
        continue;
      }
      const sx = -(m22 * g1 - a12 * g2) / det;
      const sy = -(m11 * g2 - a12 * g1) / det;
      const [nx, ny] = clampTo(b, x + sx, y + sy);
      const no = { offset: 0 };
      const nc = costAt(p, nx, ny, no);
      if (nc <= cost) {
        const moved = Math.hypot(nx - x, ny - y);
        x = nx;
        y = ny;
        cost = nc;
        o.offset = no.offset;
        lambda = Math.max(lambda / 3, 1e-6);
        improved = true;
        if (moved < 0.01) return { x, y, cost };
      } else {
        lambda *= 4;
      }
    }
    if (!improved) break;
  }
  return { x, y, cost };
}

/**
 * Locate a tag from its live BLE links. `boundsOf` gives a floor's extent; null when there are no usable links
 * or the chosen floor is unknown.
 *
 * With three or more links: a coarse grid search over the area around the strongest gateways (the cost has several
 * local minima once walls are modelled, and a grid finds the basin a local method would miss), then
 * Levenberg–Marquardt from the best cell and from the classic starts; the lowest robust cost wins. With enough links
 * the tag's own offset (body loss, a weaker band, an unknown model) is estimated with a prior, so one systematically
 * quiet tag is not placed "far from everything".
 */
export function locateBle(
  links: readonly BleLink[],
  boundsOf: (floor: string) => FloorBounds | undefined,
  pathLoss: PathLoss,
  opts: SolveOptions = {},
): BleLocation | null {
  const floor = opts.floor ?? chooseFloor(links);
  if (floor === null) return null;
  const bounds = boundsOf(floor);
  if (!bounds) return null;
  const exponent = pathLoss.exponent;
  const used = links
    .filter((l) => l.gateway.floor === floor)
    .sort((a, b) => b.rssi - a.rssi || (a.gateway.id < b.gateway.id ? -1 : 1))
    .slice(0, MAX_LINKS);
  const k = used.length;
  if (k === 0) return null;
  const strongest = used[0]!;

  if (k === 1) {
    const [x, y] = clampTo(bounds, strongest.gateway.x, strongest.gateway.y);
    const r = Math.min(30, Math.max(2, horizontalRange(strongest, exponent)));
    return { floor, x, y, accuracyM: r, cov: [r * r, 0, r * r], confidence: confidenceFrom(1, 0.6), method: 'ble-nearest', used };
  }

  if (k === 2) {
    const [cx, cy] = weightedCentroid(used, exponent);
    const [x, y] = clampTo(bounds, cx, cy);
    const sep = Math.hypot(used[0]!.gateway.x - used[1]!.gateway.x, used[0]!.gateway.y - used[1]!.gateway.y);
    const acc = Math.min(30, Math.max(1.5, sep / 2, Math.min(...used.map((l) => horizontalRange(l, exponent)))));
    return { floor, x, y, accuracyM: acc, cov: [acc * acc, 0, acc * acc], confidence: confidenceFrom(2, 0.7), method: 'ble-centroid', used };
  }

  const minOffsetLinks = opts.tagOffsetMinLinks ?? 5;
  const p: Prepared = {
    links: used,
    gx: Float64Array.from(used, (l) => l.gateway.x),
    gy: Float64Array.from(used, (l) => l.gateway.y),
    dh2: Float64Array.from(used, (l) => (l.gateway.mountHeightM - TAG_HEIGHT_M) ** 2),
    obsMinusA: Float64Array.from(used, (l) => l.rssi - l.rssiAt1mDbm),
    sig: Float64Array.from(used, sigmaOf),
    walls: used.map((l) => opts.walls?.(l.gateway) ?? null),
    exponent,
    offsetPriorPrec: minOffsetLinks > 0 && k >= minOffsetLinks ? 1 / (TAG_OFFSET_PRIOR_SIGMA_DB * TAG_OFFSET_PRIOR_SIGMA_DB) : Infinity,
  };

  // Coarse grid over the box of the (up to) 3 strongest gateways, grown by the margin.
  let gx0 = Infinity, gy0 = Infinity, gx1 = -Infinity, gy1 = -Infinity;
  for (let i = 0; i < Math.min(3, k); i++) {
    const g = used[i]!.gateway;
    gx0 = Math.min(gx0, g.x); gy0 = Math.min(gy0, g.y); gx1 = Math.max(gx1, g.x); gy1 = Math.max(gy1, g.y);
  }
  gx0 = Math.max(bounds.minX, gx0 - GRID_MARGIN_M); gy0 = Math.max(bounds.minY, gy0 - GRID_MARGIN_M);
  gx1 = Math.min(bounds.maxX, gx1 + GRID_MARGIN_M); gy1 = Math.min(bounds.maxY, gy1 + GRID_MARGIN_M);
  let best: FitState = { x: NaN, y: NaN, cost: Infinity };
  for (let y = gy0 + GRID_STEP_M / 2; y < gy1; y += GRID_STEP_M) {
    for (let x = gx0 + GRID_STEP_M / 2; x < gx1; x += GRID_STEP_M) {
      const c = costAt(p, x, y);
      if (c < best.cost) best = { x, y, cost: c };
    }
  }
  const starts: [number, number][] = [];
  if (Number.isFinite(best.cost)) starts.push([best.x, best.y]);
  starts.push(weightedCentroid(used.slice(0, 4), exponent));
  let fit: FitState | null = null;
  for (const [sx, sy] of starts) {
    const [cx, cy] = clampTo(bounds, sx, sy);
    const f = refine(p, bounds, cx, cy);
    if (Number.isFinite(f.x) && Number.isFinite(f.y) && (!fit || f.cost < fit.cost)) fit = f;
  }
  if (!fit) {
    const [cx, cy] = clampTo(bounds, ...weightedCentroid(used, exponent));
    return { floor, x: cx, y: cy, accuracyM: 5, cov: [25, 0, 25], confidence: confidenceFrom(k, 0.5), method: 'ble-centroid', used };
  }
  const o = { offset: 0 };
  costAt(p, fit.x, fit.y, o);

  // Covariance of (x, y, offset) from JᵀWJ (+ the offset prior), the (x, y) block after marginalising the offset,
  // scaled by the residual variance blended with the prior (2 pseudo degrees of freedom), so three links that happen
  // to agree perfectly do not claim centimetre accuracy.
  let a11 = 0, a12 = 0, a22 = 0, a13 = 0, a23 = 0, a33 = 0, chi2 = 0;
  for (let i = 0; i < k; i++) {
    residual(used[i]!, exponent, fit.x, fit.y, scratch);
    const r = scratch[0]! + (p.walls[i]?.at(fit.x, fit.y) ?? 0) - o.offset;
    const jx = scratch[1]!, jy = scratch[2]!;
    const s = p.sig[i]!;
    const w = huberWeight(r / s) / (s * s);
    a11 += w * jx * jx;
    a12 += w * jx * jy;
    a22 += w * jy * jy;
    // ∂r/∂offset = −1
    a13 -= w * jx;
    a23 -= w * jy;
    a33 += w;
    chi2 += w * r * r;
  }
  const offsetFree = Number.isFinite(p.offsetPriorPrec);
  if (offsetFree) {
    // Schur complement: information about (x, y) left once the offset is estimated too.
    const c33 = a33 + p.offsetPriorPrec;
    a11 -= (a13 * a13) / c33;
    a12 -= (a13 * a23) / c33;
    a22 -= (a23 * a23) / c33;
  }
  const dof = k - 2 - (offsetFree ? 1 : 0);
  const scale = (chi2 + 2) / (Math.max(dof, 0) + 2);
  const det = a11 * a22 - a12 * a12;
  const diag = Math.hypot(bounds.maxX - bounds.minX, bounds.maxY - bounds.minY);
  let cov: [number, number, number];
  if (det > 1e-12) cov = [(a22 / det) * scale, (-a12 / det) * scale, (a11 / det) * scale];
  else cov = [diag * diag, 0, diag * diag];
  const accuracyM = Math.min(Math.max(1, Math.sqrt(cov[0] + cov[2])), Math.max(1, diag));
  const agreement = 1 / (1 + Math.max(0, chi2 / Math.max(dof, 1) - 1));
  return {
    floor, x: fit.x, y: fit.y, accuracyM, cov, confidence: confidenceFrom(k, agreement), method: 'ble-wls', used,
    ...(offsetFree ? { tagOffsetDb: o.offset } : {}),
  };
}

/** The baseline every positioning change is measured against: the strongest gateway's position. */
export function strongestGateway(links: readonly BleLink[]): { floor: string; x: number; y: number } | null {
  let best: BleLink | null = null;
  for (const l of links) if (!best || l.rssi > best.rssi) best = l;
  return best ? { floor: best.gateway.floor, x: best.gateway.x, y: best.gateway.y } : null;
}
