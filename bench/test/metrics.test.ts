import { describe, expect, it } from 'vitest';
import {
  type ReportedFix, type TagRun, floorHits, parkedFlips, positionErrors, roomChanges, roomTime, scoreTags, spread,
} from '../accuracy/metrics.ts';
import type { TruthPoint } from '../accuracy/truth-track.ts';

const S = 1000;
const H = 3_600_000;
const p = (t: number, x: number, y: number, room: string, moving = false, floor = 'f1'): TruthPoint => ({ t, floor, x, y, room, moving });
const fix = (emittedAt: number, room: string | null, o: Partial<ReportedFix> = {}): ReportedFix =>
  ({ t: emittedAt, emittedAt, floor: 'f1', x: 0, y: 0, room, ble: true, ...o });

describe('position and floor', () => {
  // Walks from (0, 0) to (10, 0) in 10 s.
  const track = [p(0, 0, 0, 'a', true), p(10 * S, 10, 0, 'a', true)];

  it('compares each BLE fix with the truth at its data time, not its emission time', () => {
    const tag: TagRun = { track, fixes: [fix(9 * S, 'a', { t: 5 * S, x: 5, y: 3 })] };
    expect(positionErrors(tag, { from: 0, to: 10 * S })).toEqual([3]);
  });

  it('leaves out RFID fixes and fixes outside the span', () => {
    const tag: TagRun = { track, fixes: [fix(1 * S, 'a', { ble: false }), fix(2 * S, 'a'), fix(8 * S, 'a')] };
    expect(positionErrors(tag, { from: 1.5 * S, to: 5 * S })).toHaveLength(1);
  });

  it('counts BLE fixes on the true floor', () => {
    const tag: TagRun = { track, fixes: [fix(1 * S, 'a'), fix(2 * S, 'a', { floor: 'f2' }), fix(3 * S, 'a'), fix(4 * S, 'a')] };
    expect(floorHits(tag, { from: 0, to: 10 * S })).toEqual({ hits: 3, n: 4 });
  });
});

describe('time-weighted room correctness', () => {
  // Room a for 10 s, then room b for 10 s.
  const track = [p(0, 0, 0, 'a'), p(9.9 * S, 0, 0, 'a'), p(10 * S, 5, 0, 'b'), p(20 * S, 5, 0, 'b')];
  const fixes = [fix(2 * S, 'a'), fix(13 * S, 'b')];

  it('weights by time, with nothing shown before the first fix and the change shown late', () => {
    // a shown 2..10 s (8 s), b shown 13..20 s (7 s) of 20 s.
    const r = roomTime({ track, fixes }, { from: 0, to: 20 * S });
    expect(r).toEqual({ correctMs: 15 * S, totalMs: 20 * S });
  });

  it('counts only rooms the filter accepts', () => {
    const r = roomTime({ track, fixes }, { from: 0, to: 20 * S }, (room) => room === 'a');
    expect(r).toEqual({ correctMs: 8 * S, totalMs: 10 * S });
  });

  it('starts from the room shown before the span', () => {
    const r = roomTime({ track, fixes }, { from: 5 * S, to: 10 * S });
    expect(r).toEqual({ correctMs: 5 * S, totalMs: 5 * S });
  });
});

describe('room flips of parked tags', () => {
  const parked = [p(0, 1, 1, 'a'), p(H, 1, 1, 'a')];

  it('counts every change of the shown room while the true room stays, unknown included', () => {
    const fixes = [fix(10 * S, 'a'), fix(20 * S, 'a'), fix(30 * S, 'b'), fix(40 * S, 'a'), fix(50 * S, null), fix(60 * S, 'a')];
    expect(parkedFlips({ track: parked, fixes }, { from: 0, to: H })).toEqual({ flips: 4, hours: 1 });
  });

  it('compares the first fix in the span with the one shown before it', () => {
    const fixes = [fix(10 * S, 'b'), fix(H / 2 + 1, 'a')];
    expect(parkedFlips({ track: parked, fixes }, { from: H / 2, to: H })).toEqual({ flips: 1, hours: 0.5 });
  });

  it('does not count the first fix ever as a flip', () => {
    expect(parkedFlips({ track: parked, fixes: [fix(10 * S, 'b')] }, { from: 0, to: H })!.flips).toBe(0);
  });

  it('leaves out tags that move in the span', () => {
    const moving = [p(0, 1, 1, 'a'), p(100 * S, 1, 1, 'a'), p(101 * S, 2, 1, 'a', true), p(H, 5, 1, 'a')];
    expect(parkedFlips({ track: moving, fixes: [] }, { from: 0, to: H })).toBeNull();
  });
});

describe('room-change latency', () => {
  // a until 10 s, b 10–60 s, c 60–62 s (a passage), d 62–100 s.
  const track = [
    p(0, 0, 0, 'a'), p(9.9 * S, 0, 0, 'a'), p(10 * S, 1, 0, 'b'), p(59.9 * S, 1, 0, 'b'),
    p(60 * S, 2, 0, 'c', true), p(61.9 * S, 2, 0, 'c', true), p(62 * S, 3, 0, 'd'), p(100 * S, 3, 0, 'd'),
  ];

  it('measures change → first fix showing the new room; skips passages; counts changes never shown', () => {
    const fixes = [fix(1 * S, 'a'), fix(11 * S, 'a'), fix(13 * S, 'b'), fix(70 * S, 'b')];
    expect(roomChanges({ track, fixes }, { from: 0, to: 100 * S }, 10 * S)).toEqual({ latenciesMs: [3 * S], missed: 1 });
  });

  it('is zero when the new room was already shown', () => {
    const fixes = [fix(1 * S, 'b'), fix(65 * S, 'd')];
    expect(roomChanges({ track, fixes }, { from: 0, to: 100 * S }, 10 * S)).toEqual({ latenciesMs: [0, 3 * S], missed: 0 });
  });

  it('counts as missed a change shown only after the tag left the room', () => {
    const fixes = [fix(61 * S, 'b')];
    expect(roomChanges({ track, fixes }, { from: 0, to: 30 * S }, 10 * S)).toEqual({ latenciesMs: [], missed: 1 });
  });
});

describe('scenario figures', () => {
  it('aggregates over tags and reports null where there is nothing to measure', () => {
    const walker: TagRun = {
      track: [p(0, 0, 0, 'a', true), p(10 * S, 10, 0, 'a', true)],
      fixes: [fix(2 * S, 'a', { x: 3, y: 0 }), fix(4 * S, 'a', { x: 4, y: 0 })],
    };
    const f = scoreTags([walker], { from: 0, to: 10 * S }, { roomHasGateway: () => true, minDwellMs: 10 * S });
    expect(f.bleFixes).toBe(2);
    expect(f.errMedianM).toBeCloseTo(0, 9);
    expect(f.errP95M).toBeCloseTo(1, 9);
    expect(f.floorCorrect).toBe(1);
    expect(f.roomCorrectAll).toBeCloseTo(0.8, 9);
    expect(f.flipsPerParkedTagHour).toBeNull();
    expect(f.roomLatencyMedianS).toBeNull();
    expect(f.roomChangesMissed).toBeNull();
  });

  it('takes nearest-rank percentiles', () => {
    expect(spread([4, 1, 3, 2])).toEqual({ n: 4, median: 2, p90: 4, p95: 4 });
    expect(spread([]).median).toBeNaN();
  });
});
