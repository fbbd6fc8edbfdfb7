/**
 * Tracking (issue #3 item 5): a constant-velocity Kalman filter per tag over the solver's positions, with speed
 * gating and a parked mode.
 *
 * State [x, y, vx, vy]; measurements are the solver's (x, y) with its covariance. Two regimes:
 *  - moving: white-acceleration process noise sized for people walking (≈1 m/s² changes), speed capped at vMax
 *    (people ~2 m/s; anything faster is noise, not a sprint through a ward);
 *  - parked: velocity held at zero and tiny process noise, so the estimate becomes a long average of the solver's
 *    positions — shadowing decorrelates over tens of seconds, so averaging minutes of a parked tag's fixes is where
 *    most of its accuracy comes from.
 * Both models run side by side on every fix (a two-model IMM without mixing): the regime is chosen by which model
 * explained the recent innovations better (log-likelihood ratio with a few fixes of memory). While the tag moves,
 * the parked model is re-seeded from the moving one, so when it stops the average starts where it stopped. A fixed
 * "N large innovations" vote missed slow walkers: at 0.3 m/s a parked average falls behind by less than one
 * measurement sigma per fix, which no single-fix test sees, but the likelihood ratio accumulates it.
 * Gating: an innovation beyond the 99.9 % χ²(2) bound is not trusted at face value — its covariance is inflated
 * (soft gate), so one multipath jump moves the track little, while a real jump (a tag carried off quickly, a solver
 * that was wrong) persists and after `resetAfterGated` consecutive gated fixes the track restarts at the measurement.
 * Certain evidence (RFID, a floor change) resets the track. The clock never appears: time is the fixes' `t`.
 *
 * A particle filter with walls (the map as a motion constraint) can replace this behind the same interface later.
 */

export interface TrackerOptions {
  /** Acceleration noise while moving, m/s² (1-sigma). */
  accelMoving: number;
  /** Position random walk while parked, m/√s: a parked tag still gets nudged (a bed is pushed a little). */
  parkedDriftMps: number;
  /** Fastest plausible speed, m/s. */
  vMax: number;
  /** χ²(2) bound beyond which an innovation is gated (99.9 %: 13.8). */
  gateChi2: number;
  /** Consecutive gated innovations that restart the track. */
  resetAfterGated: number;
  /** Memory of the model log-likelihood ratio per fix (0..1; 0.8 ≈ the last 5 fixes). */
  llrMemory: number;
  /** Switch to moving when the parked model is this much less likely (nats)… */
  toMovingLlr: number;
  /** …and back to parked when it has been this much more likely… */
  toParkedLlr: number;
  /** …continuously for this long, ms: longer than a person pauses, short next to how long equipment stays parked. */
  parkAfterMs: number;
  /** A gap longer than this restarts the track (the tag was unheard; where it went is unknown), ms. */
  maxGapMs: number;
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  accelMoving: 1.0,
  parkedDriftMps: 0.02,
  vMax: 2.0,
  gateChi2: 13.8,
  resetAfterGated: 3,
  llrMemory: 0.8,
  // Asymmetric thresholds: leaving parked on ~2 nats of evidence, returning on ~1, so the regime does not chatter.
  toMovingLlr: -2,
  toParkedLlr: 1,
  parkAfterMs: 30_000,
  maxGapMs: 60_000,
});

/** The parked model: position only, covariance [sxx, sxy, syy]. */
interface ParkedFilter {
  x: number;
  y: number;
  P: [number, number, number];
}

export interface TrackState {
  t: number;
  /** Constant-velocity model. */
  x: number;
  y: number;
  vx: number;
  vy: number;
  /** Covariance of the CV model, row-major 4×4 (x, y, vx, vy). */
  P: Float64Array;
  park: ParkedFilter;
  parked: boolean;
  /** EWMA of log p(innovation | parked) − log p(innovation | moving). */
  llr: number;
  /** Since when llr has stayed above toParkedLlr (moving regime), or NaN. */
  stillSince: number;
  gatedRun: number;
}

export interface Measurement {
  t: number;
  x: number;
  y: number;
  /** [σxx², σxy, σyy²], m². */
  cov: readonly [number, number, number];
}

export interface TrackOutput {
  x: number;
  y: number;
  /** [σxx², σxy, σyy²] of the position estimate, m². */
  cov: [number, number, number];
  speed: number;
  parked: boolean;
  /** The fix was gated (treated as suspect). */
  gated: boolean;
  /** The track was (re)started by this fix. */
  reset: boolean;
}

function start(m: Measurement): TrackState {
  const P = new Float64Array(16);
  P[0] = m.cov[0];
  P[1] = P[4] = m.cov[1];
  P[5] = m.cov[2];
  P[10] = P[15] = 1;
  // Most tags are parked (equipment spends hours still); the likelihood ratio switches within a few fixes if not.
  return { t: m.t, x: m.x, y: m.y, vx: 0, vy: 0, P, park: { x: m.x, y: m.y, P: [m.cov[0], m.cov[1], m.cov[2]] }, parked: true, llr: 0, stillSince: Number.NaN, gatedRun: 0 };
}

function output(s: TrackState, gated: boolean, reset: boolean): TrackOutput {
  // Mix the two models by their posterior probability (the IMM output combination): near the switching point
  // neither a lagging average nor a jittery CV estimate is reported alone.
  if (!s.parked) return { x: s.x, y: s.y, cov: [s.P[0]!, s.P[1]!, s.P[5]!], speed: Math.hypot(s.vx, s.vy), parked: false, gated, reset };
  const w = 1 / (1 + Math.exp(-s.llr));
  const mx = w * s.park.x + (1 - w) * s.x;
  const my = w * s.park.y + (1 - w) * s.y;
  const px = s.park.x - mx, py = s.park.y - my, cx = s.x - mx, cy = s.y - my;
  const cov: [number, number, number] = [
    w * (s.park.P[0] + px * px) + (1 - w) * (s.P[0]! + cx * cx),
    w * (s.park.P[1] + px * py) + (1 - w) * (s.P[1]! + cx * cy),
    w * (s.park.P[2] + py * py) + (1 - w) * (s.P[5]! + cy * cy),
  ];
  return { x: mx, y: my, cov, speed: (1 - w) * Math.hypot(s.vx, s.vy), parked: s.parked, gated, reset };
}

/** CV predict in place over dt seconds: P = F P Fᵀ + Q, F = [[I, dt·I], [0, I]], white acceleration. */
function predictCv(s: TrackState, dt: number, o: TrackerOptions): void {
  const a = s.P;
  s.x += s.vx * dt;
  s.y += s.vy * dt;
  const n = new Float64Array(16);
  const fp = (r: number, c: number) => a[r * 4 + c]! + (r < 2 ? dt * a[(r + 2) * 4 + c]! : 0);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) n[i * 4 + j] = fp(i, j) + (j < 2 ? dt * fp(i, j + 2) : 0);
  const q = o.accelMoving * o.accelMoving;
  const dt2 = dt * dt, dt3 = dt2 * dt, dt4 = dt3 * dt;
  for (const k of [0, 1]) {
    n[k * 4 + k]! += (q * dt4) / 4;
    n[k * 4 + k + 2]! += (q * dt3) / 2;
    n[(k + 2) * 4 + k]! += (q * dt3) / 2;
    n[(k + 2) * 4 + k + 2]! += q * dt2;
  }
  a.set(n);
}

interface UpdateResult {
  /** Log-likelihood of the innovation (before gating), nats. */
  ll: number;
  nis: number;
  gated: boolean;
}

/** Innovation statistics of a position measurement against a predicted position covariance. */
function innovation(px: number, py: number, p00: number, p01: number, p11: number, m: Measurement) {
  const ix = m.x - px, iy = m.y - py;
  const s00 = p00 + m.cov[0], s01 = p01 + m.cov[1], s11 = p11 + m.cov[2];
  const det = s00 * s11 - s01 * s01;
  const nis = det > 1e-12 ? (s11 * ix * ix - 2 * s01 * ix * iy + s00 * iy * iy) / det : 0;
  return { ix, iy, det, nis, ll: -0.5 * nis - 0.5 * Math.log(Math.max(det, 1e-12)) - Math.log(2 * Math.PI) };
}

/** Soft gate: R scaled so a gated innovation sits on the gate (it still pulls, but only as much as a 99.9 % one). */
function gateFactor(nis: number, o: TrackerOptions): number {
  return nis > o.gateChi2 ? nis / o.gateChi2 : 1;
}

function updateCv(s: TrackState, m: Measurement, o: TrackerOptions): UpdateResult {
  const P = s.P;
  const inn = innovation(s.x, s.y, P[0]!, P[1]!, P[5]!, m);
  const f = gateFactor(inn.nis, o);
  const s00 = P[0]! + m.cov[0] * f, s01 = P[1]! + m.cov[1] * f, s11 = P[5]! + m.cov[2] * f;
  const det = s00 * s11 - s01 * s01;
  if (!(det > 1e-12)) return { ll: inn.ll, nis: inn.nis, gated: false };
  const i00 = s11 / det, i01 = -s01 / det, i11 = s00 / det;
  const K = new Float64Array(8);
  for (let r = 0; r < 4; r++) {
    const p0 = P[r * 4]!, p1 = P[r * 4 + 1]!;
    K[r * 2] = p0 * i00 + p1 * i01;
    K[r * 2 + 1] = p0 * i01 + p1 * i11;
  }
  s.x += K[0]! * inn.ix + K[1]! * inn.iy;
  s.y += K[2]! * inn.ix + K[3]! * inn.iy;
  s.vx += K[4]! * inn.ix + K[5]! * inn.iy;
  s.vy += K[6]! * inn.ix + K[7]! * inn.iy;
  const n = new Float64Array(16);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) n[r * 4 + c] = P[r * 4 + c]! - K[r * 2]! * P[c]! - K[r * 2 + 1]! * P[4 + c]!;
  for (let r = 0; r < 4; r++) for (let c = r + 1; c < 4; c++) n[r * 4 + c] = n[c * 4 + r] = (n[r * 4 + c]! + n[c * 4 + r]!) / 2;
  P.set(n);
  // Speed gate: a position that would need a sprint is believed only up to vMax.
  const v = Math.hypot(s.vx, s.vy);
  if (v > o.vMax) {
    s.vx *= o.vMax / v;
    s.vy *= o.vMax / v;
  }
  return { ll: inn.ll, nis: inn.nis, gated: f > 1 };
}

function updateParked(p: ParkedFilter, dt: number, m: Measurement, o: TrackerOptions): UpdateResult {
  const q = o.parkedDriftMps * o.parkedDriftMps * dt;
  p.P[0] += q;
  p.P[2] += q;
  const inn = innovation(p.x, p.y, p.P[0], p.P[1], p.P[2], m);
  const f = gateFactor(inn.nis, o);
  const s00 = p.P[0] + m.cov[0] * f, s01 = p.P[1] + m.cov[1] * f, s11 = p.P[2] + m.cov[2] * f;
  const det = s00 * s11 - s01 * s01;
  if (!(det > 1e-12)) return { ll: inn.ll, nis: inn.nis, gated: false };
  const i00 = s11 / det, i01 = -s01 / det, i11 = s00 / det;
  const [a, b, c] = p.P;
  const k00 = a * i00 + b * i01, k01 = a * i01 + b * i11, k10 = b * i00 + c * i01, k11 = b * i01 + c * i11;
  p.x += k00 * inn.ix + k01 * inn.iy;
  p.y += k10 * inn.ix + k11 * inn.iy;
  p.P = [a - (k00 * a + k01 * b), b - (k00 * b + k01 * c), c - (k10 * b + k11 * c)];
  return { ll: inn.ll, nis: inn.nis, gated: f > 1 };
}

/** Pure step (the state object is replaced, never shared). `reset` forces a restart at the measurement. */
export function stepTrack(prev: TrackState | undefined, m: Measurement, o: TrackerOptions, reset = false): { state: TrackState; out: TrackOutput } {
  if (!prev || reset || m.t - prev.t > o.maxGapMs) {
    const s = start(m);
    return { state: s, out: output(s, false, true) };
  }
  const s: TrackState = { ...prev, P: Float64Array.from(prev.P), park: { ...prev.park, P: [...prev.park.P] } };
  const dt = Math.max(0, (m.t - s.t) / 1000);
  s.t = Math.max(s.t, m.t);
  predictCv(s, dt, o);
  const mv = updateCv(s, m, o);
  const pk = updateParked(s.park, dt, m, o);

  const gated = s.parked ? pk.gated : mv.gated;
  s.gatedRun = gated ? s.gatedRun + 1 : 0;
  if (s.gatedRun >= o.resetAfterGated) {
    const r = start(m);
    r.parked = false;
    r.llr = o.toMovingLlr;
    return { state: r, out: output(r, true, true) };
  }

  // A gated fix says "outlier or jump", not "moving": counting it would let one multipath spike unpark a track
  // and throw its average away (a 30 m outlier moved parked tracks ~6 m before this). A real jump still resets
  // the track through the gated run below.
  s.llr = o.llrMemory * s.llr + (gated ? 0 : pk.ll - mv.ll);
  if (s.parked && s.llr < o.toMovingLlr) {
    s.parked = false;
    s.stillSince = Number.NaN;
  } else if (!s.parked) {
    if (s.llr <= o.toParkedLlr) s.stillSince = Number.NaN;
    else if (Number.isNaN(s.stillSince)) s.stillSince = m.t;
    else if (m.t - s.stillSince >= o.parkAfterMs) s.parked = true;
  }
  if (!s.parked) {
    // Re-seed the parked model where the moving one is, so a stop starts a fresh average at the right place.
    s.park = { x: s.x, y: s.y, P: [s.P[0]!, s.P[1]!, s.P[5]!] };
  }
  return { state: s, out: output(s, gated, false) };
}
