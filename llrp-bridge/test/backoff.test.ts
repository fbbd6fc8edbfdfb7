import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../src/backoff.ts';

describe('backoffDelayMs', () => {
  it('doubles from the minimum to the maximum, within ±20 %', () => {
    const bases = [100, 200, 400, 800, 1000, 1000, 1000];
    bases.forEach((base, attempt) => {
      const d = backoffDelayMs(attempt, 100, 1000, 'portal-1');
      expect(d).toBeGreaterThanOrEqual(base * 0.8);
      expect(d).toBeLessThanOrEqual(base * 1.2);
    });
  });

  it('is reproducible for a key and spreads different keys', () => {
    expect(backoffDelayMs(3, 1000, 30_000, 'portal-1')).toBe(backoffDelayMs(3, 1000, 30_000, 'portal-1'));
    const spread = new Set(Array.from({ length: 20 }, (_, i) => backoffDelayMs(0, 1000, 30_000, `portal-${i}`)));
    expect(spread.size).toBeGreaterThan(10);
  });
});
