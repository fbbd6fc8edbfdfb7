/**
 * Seeded pseudo-random numbers for the simulator. Same seed key ⇒ same sequence on every platform.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counter, 128-bit state), seeded through the xmur3 string
 * hash. Sub-streams are forked by *name* (`fork('tag/ble:…')`), derived from the parent's seed key rather than from
 * its state, so a fork does not consume parent draws: adding a tag or a gateway never changes the streams of the
 * others (the determinism the locator's accuracy harness relies on).
 */

/** xmur3: turns a string into a sequence of well-mixed 32-bit seeds. */
function xmur3(str: string): () => number {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

/** A 32-bit hash of a string (stable across runs); used to derive ids and numbers that must not collide by chance. */
export function hash32(str: string): number {
  return xmur3(str)();
}

export class Rng {
  readonly key: string;
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Box–Muller yields normals in pairs; the spare is kept for the next call. */
  private spare = Number.NaN;

  constructor(seed: number | string) {
    this.key = String(seed);
    const h = xmur3(this.key);
    this.a = h();
    this.b = h();
    this.c = h();
    this.d = h();
    // Discard the first outputs: sfc32 needs a few rounds to mix a seed (as its author recommends).
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** An independent stream named `name` under this one; does not touch this stream's state. */
  fork(name: string): Rng {
    return new Rng(`${this.key}/${name}`);
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Normal(mean, sd) by Box–Muller. */
  normal(mean = 0, sd = 1): number {
    let z: number;
    if (!Number.isNaN(this.spare)) {
      z = this.spare;
      this.spare = Number.NaN;
    } else {
      let u = 0;
      while (u === 0) u = this.next();
      const v = this.next();
      const r = Math.sqrt(-2 * Math.log(u));
      z = r * Math.cos(2 * Math.PI * v);
      this.spare = r * Math.sin(2 * Math.PI * v);
    }
    return mean + sd * z;
  }

  /** Exponential with the given mean (not rate). */
  exponential(mean: number): number {
    let u = 0;
    while (u === 0) u = this.next();
    return -Math.log(u) * mean;
  }

  /** Log-normal whose median is `median` and whose log has standard deviation `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Picks an item with probability proportional to its weight; weights ≤ 0 are never picked. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    let total = 0;
    for (const it of items) total += Math.max(0, weight(it));
    if (!(total > 0)) throw new RangeError('weighted pick with no positive weight');
    let r = this.next() * total;
    for (const it of items) {
      const w = Math.max(0, weight(it));
      if (r < w) return it;
      r -= w;
    }
    return items[items.length - 1]!;
  }
}
