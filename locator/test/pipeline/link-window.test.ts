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

  it('estimate(spanMs) uses only the samples within span of the newest one (cut-off inclusive)', () => {
    const w = new LinkWindow('gw');
    for (let i = 0; i < 10; i++) w.add(T0 + i * 1000, -80 + i); // −80 … −71 dBm, one a second
    const last4 = [-74, -73, -72, -71];
    expect(w.estimate(3000)).toEqual({ ...robustRssi(last4), lastT: T0 + 9000 });
    expect(w.estimate(2999)!.n).toBe(3);
    expect(w.estimate(0)).toEqual({ rssi: -71, n: 1, spreadDb: 0, lastT: T0 + 9000 });
    expect(w.estimate()).toEqual({ ...robustRssi(Array.from({ length: 10 }, (_, i) => -80 + i)), lastT: T0 + 9000 });
    // The span is measured from the newest sample, not from any clock: an old window still has an estimate.
    expect(w.estimate(3000)!.n).toBe(4);
    expect(new LinkWindow('empty').estimate(3000)).toBeNull();
  });

  it('the cached estimate is recomputed when the span changes or a sample is added, trimmed or dropped', () => {
    const w = new LinkWindow('gw');
    for (let i = 0; i < 10; i++) w.add(T0 + i * 1000, -80 + i);
    const a = w.estimate(3000)!;
    expect(w.estimate(3000)).toBe(a); // cached while nothing changes
    expect(w.estimate(6000)!.n).toBe(7); // span changed
    expect(w.estimate(3000)).toEqual(a); // and back
    // A newer sample moves the window.
    w.add(T0 + 10_000, -50);
    expect(w.estimate(3000)).toEqual({ ...robustRssi([-73, -72, -71, -50]), lastT: T0 + 10_000 });
    // An out-of-order sample inside the span is counted; one older than the span changes only longer spans.
    w.add(T0 + 9500, -40);
    expect(w.estimate(3000)).toEqual({ ...robustRssi([-73, -72, -71, -40, -50]), lastT: T0 + 10_000 });
    const all = w.estimate()!;
    expect(all.n).toBe(12);
    w.add(T0 - 5000, -99);
    expect(w.estimate()!.n).toBe(13);
    expect(w.estimate(3000)!.n).toBe(5);
    // Trimming and dropping invalidate too.
    w.estimate();
    w.trim(4000);
    expect(w.estimate()!.n).toBe(w.samples.length);
    expect(w.samples[0]!.t).toBe(T0 + 6000);
    w.dropOldest();
    expect(w.estimate()).toEqual({ ...robustRssi(w.samples.map((s) => s.rssi)), lastT: T0 + 10_000 });
    expect(w.estimate()!.n).toBe(w.samples.length);
  });
});
