/**
 * One tag's ground truth over a run, as the harness samples it at every simulated step (pure, no I/O).
 *
 * A parked tag repeats the same sample for hours, so runs of identical samples are stored as their first and last
 * sample only: positions stay exact under linear interpolation (the simulator's motion is piecewise linear in time)
 * and floor, room and `moving` are held from the latest sample at or before a time.
 */

export interface TruthPoint {
  /** Simulated time, epoch ms. */
  t: number;
  floor: string;
  x: number;
  y: number;
  room: string;
  /** Walking or riding a lift (the simulator's own flag). */
  moving: boolean;
}

const same = (a: TruthPoint, b: TruthPoint): boolean =>
  a.floor === b.floor && a.x === b.x && a.y === b.y && a.room === b.room && a.moving === b.moving;

/** Builds a compressed track from samples given in time order. */
export class TruthTrackBuilder {
  private readonly points: TruthPoint[] = [];
  /** The newest sample, when it repeats the last stored point (stored only once something changes, or at the end). */
  private held: TruthPoint | null = null;

  push(p: TruthPoint): void {
    const last = this.points[this.points.length - 1];
    if (last && last.t >= p.t) throw new RangeError(`truth samples must be in time order (${p.t} after ${last.t})`);
    if (last && same(last, p)) {
      this.held = p;
      return;
    }
    if (this.held) this.points.push(this.held);
    this.held = null;
    this.points.push(p);
  }

  /** The track, ending at the newest sample. */
  finish(): TruthPoint[] {
    return this.held ? [...this.points, this.held] : [...this.points];
  }
}

/** Index of the last point with t ≤ `t`, or −1 when `t` is before the track. */
export function indexAt(track: readonly TruthPoint[], t: number): number {
  let lo = 0, hi = track.length - 1, ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (track[mid]!.t <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * Truth at time `t`: position interpolated between the samples around `t` (on one floor), everything else held from
 * the sample at or before `t`. Null outside the sampled span.
 */
export function truthAt(track: readonly TruthPoint[], t: number): TruthPoint | null {
  const i = indexAt(track, t);
  if (i < 0) return null;
  const a = track[i]!;
  if (a.t === t) return a;
  const b = track[i + 1];
  if (!b) return null;
  if (b.floor !== a.floor) return { ...a, t };
  const f = (t - a.t) / (b.t - a.t);
  return { ...a, t, x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f };
}

/**
 * Since when the tag has been standing where it is at `t` (same floor and position, not moving), epoch ms; null when
 * it is moving at `t`. Bounded below by the track's first sample: what happened before the run is not known.
 */
export function stillSince(track: readonly TruthPoint[], t: number): number | null {
  let i = indexAt(track, t);
  if (i < 0) return null;
  const here = track[i]!;
  if (here.moving) return null;
  const next = track[i + 1];
  // Between two samples that differ in position the tag is on its way.
  if (next && (next.x !== here.x || next.y !== here.y || next.floor !== here.floor)) return null;
  while (i > 0) {
    const p = track[i - 1]!;
    if (p.moving || p.floor !== here.floor || p.x !== here.x || p.y !== here.y) break;
    i--;
  }
  // The tag stood still from the sample where it first appeared at this position (or from the start of the track).
  return track[i]!.t;
}
