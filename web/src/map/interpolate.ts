/**
 * Marker motion between fixes. A fix arrives about once per tag per second; jumping markers read as noise,
 * so each marker glides from where it is drawn now to the new fix over about one fix interval. The display
 * therefore trails reality by one interval, which is the usual price for smooth, continuous motion (a shorter
 * glide would make markers stop and start). Pure math: time is passed in, nothing reads a clock.
 */
export interface MotionOptions {
  /** Glide time bounds, ms. */
  minMs: number;
  maxMs: number;
  /** Glide time before a tag's fix interval is known, ms. */
  defaultMs: number;
  /** A jump longer than this (metres) is a relocation, not motion: snap instead of sliding across walls. */
  snapDistanceM: number;
  /** Weight of the newest fix gap in the interval estimate (exponential moving average). */
  smoothing: number;
}

export const DEFAULT_MOTION: MotionOptions = Object.freeze({
  minMs: 150, maxMs: 3000, defaultMs: 1000, snapDistanceM: 30, smoothing: 0.3,
});

export interface Track {
  fromX: number;
  fromY: number;
  toX: number;
  toY: number;
  /** When the glide started, ms (same clock as `now`). */
  start: number;
  /** Glide duration, ms (0 = already there). */
  dur: number;
  /** Timestamp of the fix the track is heading to (fix.t), for interval estimation and ordering. */
  fixT: number;
  /** Estimated fix interval for this tag, ms, or null before two fixes were seen. */
  intervalMs: number | null;
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Progress 0..1 of a glide at time `now`. */
export function progress(tr: Pick<Track, 'start' | 'dur'>, now: number): number {
  if (tr.dur <= 0) return 1;
  return clamp((now - tr.start) / tr.dur, 0, 1);
}

/** Where a track is drawn at `now`. Writes into `out` to avoid allocating 2,000 objects per frame. */
export function positionAt(tr: Track, now: number, out: { x: number; y: number }): { x: number; y: number } {
  const p = progress(tr, now);
  out.x = tr.fromX + (tr.toX - tr.fromX) * p;
  out.y = tr.fromY + (tr.toY - tr.fromY) * p;
  return out;
}

/** Updated fix-interval estimate after observing a gap between two consecutive fixes of one tag. */
export function nextInterval(prev: number | null, gapMs: number, opts: MotionOptions = DEFAULT_MOTION): number {
  const g = clamp(gapMs, opts.minMs, opts.maxMs);
  return prev === null ? g : prev + (g - prev) * opts.smoothing;
}

export class MotionModel {
  private readonly tracks = new Map<string, Track>();
  private readonly scratch = { x: 0, y: 0 };
  private until = 0;

  constructor(private readonly opts: MotionOptions = DEFAULT_MOTION) {}

  get size(): number {
    return this.tracks.size;
  }

  has(id: string): boolean {
    return this.tracks.has(id);
  }

  /** Place a marker without animation (first sight, floor switch). */
  snap(id: string, x: number, y: number, fixT: number): void {
    const prev = this.tracks.get(id);
    this.tracks.set(id, { fromX: x, fromY: y, toX: x, toY: y, start: 0, dur: 0, fixT, intervalMs: prev?.intervalMs ?? null });
  }

  /**
   * A new fix: glide from the currently drawn position to (x, y). Older or duplicate fixes (fixT not newer
   * than the target) are ignored, so a late batch never drags a marker backwards. Returns whether it moved.
   */
  retarget(id: string, x: number, y: number, fixT: number, now: number): boolean {
    const tr = this.tracks.get(id);
    if (!tr) {
      this.snap(id, x, y, fixT);
      return true;
    }
    if (fixT <= tr.fixT) return false;
    const cur = positionAt(tr, now, this.scratch);
    const intervalMs = nextInterval(tr.intervalMs, fixT - tr.fixT, this.opts);
    const dist = Math.hypot(x - cur.x, y - cur.y);
    if (dist > this.opts.snapDistanceM) {
      this.tracks.set(id, { fromX: x, fromY: y, toX: x, toY: y, start: now, dur: 0, fixT, intervalMs });
      return true;
    }
    const dur = clamp(intervalMs ?? this.opts.defaultMs, this.opts.minMs, this.opts.maxMs);
    this.tracks.set(id, { fromX: cur.x, fromY: cur.y, toX: x, toY: y, start: now, dur, fixT, intervalMs });
    if (now + dur > this.until) this.until = now + dur;
    return true;
  }

  position(id: string, now: number, out: { x: number; y: number }): boolean {
    const tr = this.tracks.get(id);
    if (!tr) return false;
    positionAt(tr, now, out);
    return true;
  }

  /** True while any marker is still gliding: the render loop stops when nothing moves. */
  animating(now: number): boolean {
    return now < this.until;
  }

  delete(id: string): void {
    this.tracks.delete(id);
  }

  clear(): void {
    this.tracks.clear();
    this.until = 0;
  }
}
