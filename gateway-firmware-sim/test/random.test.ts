import { describe, expect, it } from 'vitest';
import { Rng } from '../src/index.ts';

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.next());

describe('Rng', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    expect(draw(new Rng(42), 50)).toEqual(draw(new Rng(42), 50));
    expect(draw(new Rng(42), 50)).not.toEqual(draw(new Rng(43), 50));
  });

  it('forks sub-streams by name without consuming the parent, so adding a fork changes no other stream', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    b.fork('tag/extra').next(); // an extra tag's stream being used
    const fa = a.fork('tag/1');
    const fb = b.fork('tag/1');
    expect(draw(fa, 20)).toEqual(draw(fb, 20));
    expect(draw(a, 20)).toEqual(draw(b, 20));
    expect(draw(new Rng(7).fork('tag/1'), 20)).not.toEqual(draw(new Rng(7).fork('tag/2'), 20));
  });

  it('draws uniform, normal and exponential values with the requested moments', () => {
    const r = new Rng('moments');
    const n = 20_000;
    const u = Array.from({ length: n }, () => r.uniform(2, 4));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...u)).toBeLessThan(4);
    const z = Array.from({ length: n }, () => r.normal(-5, 3));
    const mean = z.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(z.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    expect(mean).toBeCloseTo(-5, 1);
    expect(sd).toBeGreaterThan(2.9);
    expect(sd).toBeLessThan(3.1);
    const e = Array.from({ length: n }, () => r.exponential(10));
    expect(Math.min(...e)).toBeGreaterThan(0);
    expect(e.reduce((s, v) => s + v, 0) / n).toBeGreaterThan(9.5);
    expect(e.reduce((s, v) => s + v, 0) / n).toBeLessThan(10.5);
  });

  it('picks every item, and weighted picks follow the weights and never pick zero weights', () => {
    const r = new Rng(1);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(r.pick(['a', 'b', 'c']));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 10_000; i++) counts[r.weighted(['a', 'b', 'c'], (x) => (x === 'a' ? 3 : x === 'b' ? 1 : 0))]!++;
    expect(counts.c).toBe(0);
    expect(counts.a! / counts.b!).toBeGreaterThan(2.6);
    expect(counts.a! / counts.b!).toBeLessThan(3.4);
    expect(() => r.pick([])).toThrow(RangeError);
  });
});
