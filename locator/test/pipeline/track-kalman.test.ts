/**
 * Tracker (issue #3 item 5): constant-velocity Kalman filter with speed gating and a parked mode. Seeded
 * simulation only: measurements are truth plus Gaussian noise of exactly the covariance the solver reports, so any
 * failure is the tracker's, not a mis-stated measurement noise.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACKER_OPTIONS, stepTrack, type Measurement, type TrackOutput, type TrackState } from '../../src/positioning/track-kalman.ts';
import { T0, median, seeded } from './helpers.ts';

const o = DEFAULT_TRACKER_OPTIONS;
/** Solver noise per axis, m (σ 2 m, 1 Hz fixes). */
const SIGMA = 2;
const COV: Measurement['cov'] = [SIGMA * SIGMA, 0, SIGMA * SIGMA];
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const PARK = { x: 10, y: 20 };

type Rng = ReturnType<typeof seeded>;
const noisy = (rnd: Rng, t: number, x: number, y: number): Measurement => ({ t, x: x + SIGMA * rnd.normal(), y: y + SIGMA * rnd.normal(), cov: COV });
const rms = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);

/** Runs a tag parked at PARK for `seconds` at 1 Hz from T0; returns the state and per-fix output and raw errors. */
function parked(rnd: Rng, seconds: number, check?: (out: TrackOutput, s: TrackState) => void) {
  let s: TrackState | undefined;
  let out: TrackOutput | undefined;
  const errOut: number[] = [];
  const errRaw: number[] = [];
  let parkedFixes = 0;
  for (let i = 0; i < seconds; i++) {
    const m = noisy(rnd, T0 + i * 1000, PARK.x, PARK.y);
    ({ state: s, out } = stepTrack(s, m, o));
    check?.(out, s);
    errOut.push(Math.hypot(out.x - PARK.x, out.y - PARK.y));
    errRaw.push(Math.hypot(m.x - PARK.x, m.y - PARK.y));
    if (out.parked) parkedFixes++;
  }
  return { state: s!, out: out!, errOut, errRaw, parkedFixes };
}

/** Covariance checks: the 2×2 output is symmetric by construction, so it must be positive definite; P is 4×4 SPD. */
function expectCovOk(out: TrackOutput, s: TrackState): void {
  const [a, b, c] = out.cov;
  expect(a).toBeGreaterThan(0);
  expect(c).toBeGreaterThan(0);
  expect(a * c - b * b).toBeGreaterThan(0);
  const P = s.P;
  for (let i = 0; i < 4; i++) {
    for (let j = i + 1; j < 4; j++) expect(Math.abs(P[i * 4 + j]! - P[j * 4 + i]!)).toBeLessThanOrEqual(1e-9 * (Math.abs(P[i * 4 + j]!) + 1));
  }
  // Cholesky: every pivot positive <=> symmetric positive definite.
  const L = new Float64Array(16);
  for (let j = 0; j < 4; j++) {
    let d = P[j * 4 + j]!;
    for (let k = 0; k < j; k++) d -= L[j * 4 + k]! ** 2;
    expect(d).toBeGreaterThan(0);
    L[j * 4 + j] = Math.sqrt(d);
    for (let i = j + 1; i < 4; i++) {
      let v = P[i * 4 + j]!;
      for (let k = 0; k < j; k++) v -= L[i * 4 + k]! * L[j * 4 + k]!;
      L[i * 4 + j] = v / L[j * 4 + j]!;
    }
  }
  const [pa, pb, pc] = s.park.P;
  expect(pa).toBeGreaterThan(0);
  expect(pa * pc - pb * pb).toBeGreaterThan(0);
}

describe('tracker (constant velocity + parked mode)', () => {
  it('a parked tag (σ 2 m, 1 Hz, 10 min) ends within 0.5 m of the truth, far below the measurement error, parked', () => {
    const figures: string[] = [];
    for (const seed of SEEDS) {
      const r = parked(seeded(seed), 600, expectCovOk);
      const end = Math.hypot(r.out.x - PARK.x, r.out.y - PARK.y);
      const ratio = rms(r.errOut) / rms(r.errRaw);
      figures.push(`seed ${seed}: end ${end.toFixed(2)} m, RMS ratio ${ratio.toFixed(2)}, parked ${r.parkedFixes}/600`);
      expect(end).toBeLessThan(0.5);
      expect(ratio).toBeLessThan(0.5);
      expect(r.out.parked).toBe(true);
      // The reported speed mixes in the CV model by its (small) probability; well below any walking speed.
      expect(r.out.speed).toBeLessThan(0.3);
    }
    console.info(`tracker parked 10 min:\n  ${figures.join('\n  ')}`);
  });

  it('a tag that starts walking at 1.2 m/s after parking is seen moving within seconds and tracked better than raw', () => {
    const errOut: number[] = [];
    const errRaw: number[] = [];
    const detections: number[] = [];
    for (const seed of SEEDS) {
      const rnd = seeded(seed);
      let { state: s } = parked(rnd, 600);
      let detectedAt = -1;
      for (let k = 1; k <= 60; k++) {
        const tx = PARK.x + 1.2 * k;
        const m = noisy(rnd, s.t + 1000, tx, PARK.y);
        const step = stepTrack(s, m, o);
        s = step.state;
        expectCovOk(step.out, s);
        if (detectedAt < 0 && !step.out.parked) detectedAt = k;
        errOut.push(Math.hypot(step.out.x - tx, step.out.y - PARK.y));
        errRaw.push(Math.hypot(m.x - tx, m.y - PARK.y));
      }
      detections.push(detectedAt);
      expect(detectedAt).toBeGreaterThan(0);
      expect(detectedAt).toBeLessThanOrEqual(10);
    }
    console.info(
      `tracker walk 1.2 m/s: moving detected after [${detections.join(', ')}] s; median error ${median(errOut).toFixed(2)} m vs raw ${median(errRaw).toFixed(2)} m (60 s × ${SEEDS.length} seeds, from the first step)`,
    );
    expect(median(errOut)).toBeLessThan(median(errRaw));
  });

  it('a slow walker (0.3 m/s) is not left behind by more than a few metres after 60 s', () => {
    const lags: number[] = [];
    for (const seed of SEEDS) {
      const rnd = seeded(seed);
      let { state: s } = parked(rnd, 600);
      const along: number[] = [];
      for (let k = 1; k <= 60; k++) {
        const tx = PARK.x + 0.3 * k;
        const step = stepTrack(s, noisy(rnd, s.t + 1000, tx, PARK.y), o);
        s = step.state;
        // The failure mode is a parked average stuck at the start: measure how far behind the walker the output is.
        if (k > 50) along.push(tx - step.out.x);
      }
      lags.push(median(along));
    }
    console.info(`tracker slow walk 0.3 m/s: along-track lag over 50–60 s per seed [${lags.map((v) => v.toFixed(2)).join(', ')}] m (truth moved 18 m)`);
    for (const lag of lags) expect(lag).toBeLessThan(3);
  });

  it('a single 30 m outlier on a parked track is flagged as gated and does not restart the track', () => {
    for (const seed of SEEDS) {
      const rnd = seeded(seed);
      const { state: s } = parked(rnd, 300);
      const step = stepTrack(s, { t: s.t + 1000, x: PARK.x + 30, y: PARK.y, cov: COV }, o);
      expect(step.out.gated).toBe(true);
      expect(step.out.reset).toBe(false);
      expect(step.state.gatedRun).toBe(1);
      // The track is not moved to the outlier (a restart would put it at PARK.x + 30).
      expect(step.out.x).toBeLessThan(PARK.x + 15);
      // One good fix after the outlier clears the run of gated fixes.
      const next = stepTrack(step.state, noisy(rnd, s.t + 2000, PARK.x, PARK.y), o);
      expect(next.state.gatedRun).toBe(0);
    }
  });

  it('a jump persisting resetAfterGated gated fixes restarts the track at the measurement', () => {
    // 100 m: far enough that every fix of the jump is gated by both models, whichever regime the first one causes.
    const jump = { x: PARK.x + 100, y: PARK.y };
    for (const seed of SEEDS) {
      const rnd = seeded(seed);
      let { state: s } = parked(rnd, 300);
      for (let k = 1; k <= o.resetAfterGated; k++) {
        const m = noisy(rnd, s.t + 1000, jump.x, jump.y);
        const step = stepTrack(s, m, o);
        s = step.state;
        expect(step.out.gated).toBe(true);
        expect(step.out.reset).toBe(k === o.resetAfterGated);
        if (step.out.reset) {
          expect(step.out.x).toBe(m.x);
          expect(step.out.y).toBe(m.y);
          expect(step.out.speed).toBe(0);
        }
      }
    }
  });

  it('a persistent 30 m jump is followed within a few fixes', () => {
    const errs: number[] = [];
    for (const seed of SEEDS) {
      const rnd = seeded(seed);
      let { state: s } = parked(rnd, 300);
      let out: TrackOutput | undefined;
      for (let k = 1; k <= 2 * o.resetAfterGated + 1; k++) ({ state: s, out } = stepTrack(s, noisy(rnd, s.t + 1000, PARK.x + 30, PARK.y), o));
      errs.push(Math.hypot(out!.x - PARK.x - 30, out!.y - PARK.y));
    }
    console.info(`tracker 30 m jump: error after ${2 * o.resetAfterGated + 1} fixes per seed [${errs.map((v) => v.toFixed(2)).join(', ')}] m`);
    for (const e of errs) expect(e).toBeLessThan(3 * SIGMA);
  });

  it('a gap longer than maxGapMs restarts the track; a gap of exactly maxGapMs does not', () => {
    const { state: s } = parked(seeded(11), 120);
    const far = { x: PARK.x + 25, y: PARK.y - 5 };
    const after = stepTrack(s, { t: s.t + o.maxGapMs + 1, ...far, cov: COV }, o);
    expect(after.out).toMatchObject({ reset: true, gated: false, x: far.x, y: far.y, speed: 0 });
    const within = stepTrack(s, { t: s.t + o.maxGapMs, ...far, cov: COV }, o);
    expect(within.out.reset).toBe(false);
  });

  it('the reset flag restarts the track at the measurement; no previous state starts one', () => {
    const { state: s } = parked(seeded(12), 120);
    const m: Measurement = { t: s.t + 1000, x: 3, y: 4, cov: [2, 0.5, 3] };
    const r = stepTrack(s, m, o, true);
    expect(r.out).toMatchObject({ reset: true, x: 3, y: 4, speed: 0 });
    expect(r.out.cov).toEqual([2, 0.5, 3]);
    expect(r.state.gatedRun).toBe(0);
    expect(stepTrack(undefined, m, o).out).toMatchObject({ reset: true, x: 3, y: 4 });
  });

  it('speed never exceeds vMax, even when the measurements race across the floor', () => {
    const rnd = seeded(13);
    let s: TrackState | undefined;
    let maxSpeed = 0;
    for (let k = 0; k < 300; k++) {
      // 6 m/s along x with 2 m noise, plus an occasional 20 m scatter: far beyond what a person does.
      const scatter = k % 17 === 0 ? 20 * rnd.normal() : 0;
      const step = stepTrack(s, noisy(rnd, T0 + k * 1000, 6 * k + scatter, scatter), o);
      s = step.state;
      maxSpeed = Math.max(maxSpeed, step.out.speed, Math.hypot(s.vx, s.vy));
      expectCovOk(step.out, s);
    }
    expect(maxSpeed).toBeGreaterThan(0.5 * o.vMax); // the test did drive the filter towards its cap
    expect(maxSpeed).toBeLessThanOrEqual(o.vMax + 1e-9);
  });

  it('is pure: the previous state is not mutated', () => {
    const rnd = seeded(14);
    let s: TrackState | undefined;
    for (let k = 0; k < 40; k++) s = stepTrack(s, noisy(rnd, T0 + k * 1000, 1.2 * k, 0), o).state;
    const copy = structuredClone(s!);
    const a = stepTrack(s, noisy(rnd, s!.t + 1000, 50, 0), o);
    stepTrack(s, noisy(rnd, s!.t + 1000, 500, 0), o);
    stepTrack(s, noisy(rnd, s!.t + 1000, 50, 0), o, true);
    expect(s).toEqual(copy);
    expect(a.state.P).not.toBe(s!.P);
    expect(a.state.park).not.toBe(s!.park);
  });
});
