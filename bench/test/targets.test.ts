import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../accuracy/evaluate-run.ts';
import { checkTargets } from '../accuracy/targets.ts';

const figures = (o: Partial<ScenarioResult['figures']>): ScenarioResult['figures'] => ({
  bleFixes: 100, errMedianM: 1, errP90M: 2, errP95M: 3, floorCorrect: 1, roomCorrectGw: 0.99, roomCorrectAll: 0.99,
  parkedTagHours: 0, flipsPerParkedTagHour: null, roomChangesMeasured: 0, roomLatencyMedianS: null, roomLatencyP90S: null,
  roomChangesMissed: null, crlbMedianM: 1, crlbP90M: 2, crlbP95M: 3, processingP99Ms: 1, ...o,
});

const result = (id: string, behaviour: ScenarioResult['behaviour'], f: Partial<ScenarioResult['figures']>): ScenarioResult => ({
  id, title: id, behaviour, tags: 1, scoredTags: 1, simS: 1, scoredS: 1, wallS: 1, dropped: {}, notes: [], figures: figures(f),
});

const status = (checks: ReturnType<typeof checkTargets>, target: string, scope: string) =>
  checks.find((c) => c.target.startsWith(target) && c.scope === scope)?.met;

describe('issue #3 targets', () => {
  it('holds the parked median to 1.1 × the CRLB-efficient median', () => {
    const c = checkTargets([result('p1', 'parked', { errMedianM: 1.09, crlbMedianM: 1 }), result('p2', 'parked', { errMedianM: 1.2, crlbMedianM: 1 })], []);
    expect(status(c, 'parked median', 'p1')).toBe(true);
    expect(status(c, 'parked median', 'p2')).toBe(false);
  });

  it('checks walking, rooms, flips, latency, floor and processing, n/a where nothing was measured', () => {
    const c = checkTargets([result('w', 'walking', {
      errMedianM: 2.6, roomCorrectGw: 0.94, floorCorrect: 0.996, processingP99Ms: 51, roomLatencyMedianS: 4,
    })], []);
    expect(status(c, 'walking median', 'w')).toBe(false);
    expect(status(c, 'room correct', 'w')).toBe(false);
    expect(status(c, 'floor correct', 'w')).toBe(true);
    expect(status(c, 'processing', 'w')).toBe(false);
    expect(status(c, 'room-change latency', 'w')).toBe(true);
    expect(status(c, '≤ 2 room flips', 'w')).toBeUndefined();
    const parked = checkTargets([result('p', 'parked', { parkedTagHours: 5, flipsPerParkedTagHour: 2.5 })], []);
    expect(status(parked, '≤ 2 room flips', 'p')).toBe(false);
    expect(status(parked, 'room-change latency', 'p')).toBeNull();
  });

  it('checks real-data rows against 2.0 m median and 4.0 m p90', () => {
    const c = checkTargets([], [{ method: 'm', input: 'packets', n: 10, meanM: 2, medianM: 1.9, p90M: 4.2, p95M: 5 }]);
    expect(c.map((x) => x.met)).toEqual([true, false]);
  });
});
