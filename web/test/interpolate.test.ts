import { describe, expect, it } from 'vitest';
import { DEFAULT_MOTION, MotionModel, nextInterval, positionAt, progress } from '../src/map/interpolate.ts';

const at = (m: MotionModel, id: string, now: number) => {
  const out = { x: NaN, y: NaN };
  expect(m.position(id, now, out)).toBe(true);
  return out;
};

describe('marker interpolation', () => {
  it('moves linearly from start to target over the glide time, then stays', () => {
    const tr = { fromX: 0, fromY: 0, toX: 10, toY: -4, start: 1000, dur: 1000, fixT: 0, intervalMs: null };
    expect(progress(tr, 500)).toBe(0);
    expect(positionAt(tr, 1500, { x: 0, y: 0 })).toEqual({ x: 5, y: -2 });
    expect(positionAt(tr, 1750, { x: 0, y: 0 })).toEqual({ x: 7.5, y: -3 });
    expect(positionAt(tr, 9999, { x: 0, y: 0 })).toEqual({ x: 10, y: -4 });
    expect(progress({ start: 0, dur: 0 }, 0)).toBe(1);
  });

  it('places a first fix without animating, then glides to the next over the observed fix interval', () => {
    const m = new MotionModel();
    m.retarget('a', 0, 0, 10_000, 0);
    expect(at(m, 'a', 0)).toEqual({ x: 0, y: 0 });
    expect(m.animating(0)).toBe(false);
    m.retarget('a', 10, 0, 11_000, 100); // fixes 1 s apart → a 1 s glide
    expect(m.animating(100)).toBe(true);
    expect(at(m, 'a', 600).x).toBeCloseTo(5, 9);
    expect(at(m, 'a', 1100).x).toBeCloseTo(10, 9);
    expect(m.animating(1100)).toBe(false);
  });

  it('retargets from where the marker is drawn now, so a new fix mid-glide never makes it jump', () => {
    const m = new MotionModel();
    m.retarget('a', 0, 0, 10_000, 0);
    m.retarget('a', 10, 0, 11_000, 0);
    const mid = at(m, 'a', 500);
    m.retarget('a', 10, 10, 12_000, 500);
    expect(at(m, 'a', 500)).toEqual(mid);
    const later = at(m, 'a', 1000);
    expect(later.x).toBeGreaterThan(mid.x);
    expect(later.y).toBeGreaterThan(0);
  });

  it('ignores a fix that is not newer than the one it is heading to', () => {
    const m = new MotionModel();
    m.retarget('a', 0, 0, 10_000, 0);
    m.retarget('a', 5, 5, 11_000, 0);
    expect(m.retarget('a', 99, 99, 10_500, 10)).toBe(false);
    expect(at(m, 'a', 5000)).toEqual({ x: 5, y: 5 });
  });

  it('snaps instead of sliding for a jump longer than snapDistanceM', () => {
    const m = new MotionModel({ ...DEFAULT_MOTION, snapDistanceM: 20 });
    m.retarget('a', 0, 0, 10_000, 0);
    m.retarget('a', 50, 0, 11_000, 100);
    expect(at(m, 'a', 100)).toEqual({ x: 50, y: 0 });
  });

  it('estimates the fix interval with a clamped moving average', () => {
    expect(nextInterval(null, 1000)).toBe(1000);
    expect(nextInterval(null, 60_000)).toBe(DEFAULT_MOTION.maxMs);
    expect(nextInterval(null, 1)).toBe(DEFAULT_MOTION.minMs);
    expect(nextInterval(1000, 2000)).toBeCloseTo(1000 + 1000 * DEFAULT_MOTION.smoothing, 9);
  });

  it('forgets tags on clear and delete', () => {
    const m = new MotionModel();
    m.snap('a', 1, 1, 1);
    m.snap('b', 2, 2, 1);
    m.delete('a');
    expect(m.has('a')).toBe(false);
    expect(m.size).toBe(1);
    m.clear();
    expect(m.size).toBe(0);
  });
});
