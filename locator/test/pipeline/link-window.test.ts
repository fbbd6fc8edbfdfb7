import { describe, expect, it } from 'vitest';
import { LinkWindow, robustRssi } from '../../src/positioning/link-window.ts';
import { T0 } from './helpers.ts';

describe('link window', () => {
  it('a single 25 dB outlier barely moves the robust estimate, unlike the mean', () => {
    const values = [-70, -71, -69, -70, -72, -68, -70, -45];
    const r = robustRssi(values);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(r.rssi - -70)).toBeLessThan(0.6);
    expect(Math.abs(mean - -70)).toBeGreaterThan(2.5);
    expect(r.n).toBe(8);
    expect(r.spreadDb).toBeGreaterThan(0);
    expect(r.spreadDb).toBeLessThan(3);
  });

  it('uses the median for small windows and reports zero spread for one sample', () => {
    expect(robustRssi([-60])).toEqual({ rssi: -60, n: 1, spreadDb: 0 });
    expect(robustRssi([-60, -90, -62]).rssi).toBe(-62);
  });

  it('keeps samples ordered, trims to the window behind the newest sample, and goes stale', () => {
    const w = new LinkWindow('gw');
    w.add(T0 + 2000, -60);
    w.add(T0, -80); // out of order
    w.add(T0 + 5000, -62);
    expect(w.samples.map((s) => s.t)).toEqual([T0, T0 + 2000, T0 + 5000]);
    expect(w.trim(4000)).toBe(1);
    expect(w.estimate()).toEqual({ rssi: -61, n: 2, spreadDb: 1.4826, lastT: T0 + 5000 });
    expect(w.isStale(T0 + 5000 + 8000, 8000)).toBe(false);
    expect(w.isStale(T0 + 5000 + 8001, 8000)).toBe(true);
  });
});
