import { describe, expect, it } from 'vitest';
import { compareToBaseline, describeRegressions, ruleFor } from '../accuracy/gate.ts';

describe('accuracy regression gate', () => {
  it('fails an error figure 11 % worse and passes one 9 % worse', () => {
    expect(compareToBaseline({ 'parked.errMedianM': 2 }, { 'parked.errMedianM': 2.22 }).ok).toBe(false);
    expect(compareToBaseline({ 'parked.errMedianM': 2 }, { 'parked.errMedianM': 2.18 }).ok).toBe(true);
  });

  it('passes improvements', () => {
    const r = compareToBaseline(
      { 'a.errP90M': 4, 'a.roomCorrectGw': 0.9, 'a.flipsPerParkedTagHour': 3, 'a.roomLatencyMedianS': 6 },
      { 'a.errP90M': 3, 'a.roomCorrectGw': 0.97, 'a.flipsPerParkedTagHour': 0.5, 'a.roomLatencyMedianS': 2 },
    );
    expect(r).toEqual({ ok: true, regressions: [], checked: 4, smallSample: [] });
  });

  it('fails a figure the baseline has and the run does not', () => {
    const r = compareToBaseline({ 'a.errMedianM': 1, 'a.floorCorrect': 0.99 }, { 'a.errMedianM': 1, 'a.floorCorrect': null });
    expect(r.ok).toBe(false);
    expect(r.regressions).toEqual([{ key: 'a.floorCorrect', baseline: 0.99, current: null, kind: 'missing' }]);
    expect(compareToBaseline({ 'a.errMedianM': 1 }, {}).regressions[0]!.kind).toBe('missing');
  });

  it('judges correctness by the share of wrong answers', () => {
    // 90 % → 88.9 %: 11 % more wrong answers, 1.1 points: fails.
    expect(compareToBaseline({ 'a.roomCorrectGw': 0.9 }, { 'a.roomCorrectGw': 0.889 }).ok).toBe(false);
    // 90 % → 89.1 %: 9 % more wrong answers: passes.
    expect(compareToBaseline({ 'a.roomCorrectGw': 0.9 }, { 'a.roomCorrectGw': 0.891 }).ok).toBe(true);
  });

  it('ignores changes below the absolute floor', () => {
    // 0.20 → 0.24 m is 20 % but under 0.05 m.
    expect(compareToBaseline({ 'a.errMedianM': 0.2 }, { 'a.errMedianM': 0.24 }).ok).toBe(true);
    // 99.9 % → 99.6 % floor correctness: 4× the wrong answers but 0.3 points.
    expect(compareToBaseline({ 'a.floorCorrect': 0.999 }, { 'a.floorCorrect': 0.996 }).ok).toBe(true);
  });

  it('never gates timings, bounds or counts', () => {
    for (const key of ['a.processingP99Ms', 'a.crlbMedianM', 'a.bleFixes', 'a.parkedTagHours', 'real-data.x.packets.n']) {
      expect(ruleFor(key)).toBeNull();
    }
    expect(compareToBaseline({ 'a.processingP99Ms': 1 }, { 'a.processingP99Ms': 100 }).ok).toBe(true);
  });

  it('gates real-data error figures', () => {
    expect(compareToBaseline({ 'real-data.locator.windows-1s.medianM': 2 }, { 'real-data.locator.windows-1s.medianM': 2.5 }).ok).toBe(false);
  });

  it('skips figures the baseline could not measure and figures left out on purpose', () => {
    expect(compareToBaseline({ 'a.roomLatencyMedianS': null }, { 'a.roomLatencyMedianS': null }).ok).toBe(true);
    const skip = (k: string) => k.startsWith('real-data.');
    expect(compareToBaseline({ 'real-data.m.packets.p90M': 4 }, {}, { skip }).ok).toBe(true);
  });

  it('does not gate figures the baseline measured on too few events', () => {
    const few = { 'a.roomLatencyMedianS': 4.3, 'a.roomChangesMeasured': 4, 'a.flipsPerParkedTagHour': 1, 'a.parkedTagHours': 0.5 };
    const r = compareToBaseline(few, { 'a.roomLatencyMedianS': 5, 'a.flipsPerParkedTagHour': 3 });
    expect(r.ok).toBe(true);
    expect(r.smallSample).toEqual(['a.flipsPerParkedTagHour', 'a.roomLatencyMedianS']);
    const many = { ...few, 'a.roomChangesMeasured': 40, 'a.parkedTagHours': 10 };
    expect(compareToBaseline(many, { 'a.roomLatencyMedianS': 5, 'a.flipsPerParkedTagHour': 3 }).regressions).toHaveLength(2);
  });

  it('describes each regression', () => {
    const r = compareToBaseline({ 'a.errMedianM': 1, 'a.errP90M': 2 }, { 'a.errMedianM': 1.5 });
    expect(describeRegressions(r.regressions)).toEqual(['a.errMedianM: 1 → 1.5 (+50.0 %)', 'a.errP90M: missing (baseline 2)']);
  });
});
