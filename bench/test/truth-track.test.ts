import { describe, expect, it } from 'vitest';
import { type TruthPoint, TruthTrackBuilder, indexAt, stillSince, truthAt } from '../accuracy/truth-track.ts';

const p = (t: number, x: number, y: number, room = 'a', moving = false, floor = 'f1'): TruthPoint => ({ t, floor, x, y, room, moving });

describe('truth track', () => {
  it('stores a run of identical samples as its first and last sample', () => {
    const b = new TruthTrackBuilder();
    for (let t = 0; t <= 1000; t += 100) b.push(p(t, 1, 1));
    b.push(p(1100, 2, 1, 'a', true));
    b.push(p(1200, 3, 1, 'a', true));
    expect(b.finish().map((q) => q.t)).toEqual([0, 1000, 1100, 1200]);
  });

  it('keeps the newest sample of a parked tag at the end', () => {
    const b = new TruthTrackBuilder();
    for (let t = 0; t <= 500; t += 100) b.push(p(t, 1, 1));
    expect(b.finish().map((q) => q.t)).toEqual([0, 500]);
  });

  it('refuses samples out of time order', () => {
    const b = new TruthTrackBuilder();
    b.push(p(100, 0, 0));
    expect(() => b.push(p(100, 1, 0))).toThrow(RangeError);
  });

  it('interpolates positions between samples and holds the room', () => {
    const track = [p(0, 0, 0, 'a', true), p(1000, 10, 0, 'b', true)];
    const at = truthAt(track, 250)!;
    expect(at.x).toBeCloseTo(2.5, 9);
    expect(at.room).toBe('a');
    expect(truthAt(track, 1000)!.room).toBe('b');
    expect(truthAt(track, -1)).toBeNull();
    expect(truthAt(track, 1001)).toBeNull();
  });

  it('does not interpolate across a floor change (lift)', () => {
    const track = [p(0, 5, 5, 'lift-0', true, 'f1'), p(1000, 5, 5, 'lift-1', true, 'f2')];
    expect(truthAt(track, 500)!.floor).toBe('f1');
  });

  it('finds the sample at or before a time', () => {
    const track = [p(0, 0, 0), p(100, 0, 0), p(300, 1, 0)];
    expect(indexAt(track, 99)).toBe(0);
    expect(indexAt(track, 100)).toBe(1);
    expect(indexAt(track, 1000)).toBe(2);
    expect(indexAt(track, -5)).toBe(-1);
  });

  it('says since when a tag stands still, and null while it walks', () => {
    const track = [p(0, 0, 0, 'a', true), p(1000, 4, 0, 'a', true), p(1100, 4, 0, 'b'), p(5000, 4, 0, 'b')];
    expect(stillSince(track, 3000)).toBe(1100);
    expect(stillSince(track, 500)).toBeNull();
    const parked = [p(0, 2, 2), p(9000, 2, 2)];
    expect(stillSince(parked, 4000)).toBe(0);
  });
});
