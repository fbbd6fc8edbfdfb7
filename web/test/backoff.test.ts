import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../src/live/backoff.ts';

const opts = { baseMs: 500, maxMs: 10_000, factor: 2, jitter: 0.5 };

describe('reconnect backoff schedule', () => {
  it('doubles per attempt between the jitter bounds', () => {
    const lo = [0, 1, 2, 3, 4].map((a) => backoffDelay(a, () => 0, opts));
    const hi = [0, 1, 2, 3, 4].map((a) => backoffDelay(a, () => 0.999999, opts));
    expect(lo).toEqual([250, 500, 1000, 2000, 4000]);
    expect(hi).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('is capped at maxMs however long the outage lasts, and never overflows', () => {
    for (const a of [5, 6, 20, 1000, 1e9]) {
      const d = backoffDelay(a, () => 0.999999, opts);
      expect(d).toBeLessThanOrEqual(10_000);
      expect(d).toBeGreaterThanOrEqual(5_000);
      expect(Number.isFinite(d)).toBe(true);
    }
  });

  it('spreads clients: different random draws give different delays within the band', () => {
    const ds = [0.1, 0.4, 0.7].map((r) => backoffDelay(3, () => r, opts));
    expect(new Set(ds).size).toBe(3);
    for (const d of ds) expect(d).toBeGreaterThanOrEqual(2000);
  });

  it('treats a negative attempt as the first and clamps a misbehaving random source', () => {
    expect(backoffDelay(-3, () => 0, opts)).toBe(250);
    expect(backoffDelay(0, () => 7, opts)).toBe(500);
    expect(backoffDelay(0, () => 0, DEFAULT_BACKOFF)).toBe(DEFAULT_BACKOFF.baseMs / 2);
  });
});
