import { describe, expect, it } from 'vitest';
import {
  type BoundLink, type Mat2, errorCdf, expectedReceiveFraction, fisherXY, invert, linkSigmaDb, mixtureQuantile, uniformSigmaDb,
} from '../accuracy/crlb.ts';

/** Seeded standard normals (mulberry32 + Box–Muller), for the Monte Carlo cross-checks. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(Math.max(u(), 1e-12))) * Math.cos(2 * Math.PI * u());
}

describe('Fisher information and CRLB', () => {
  // A tag at the centre of a 10 m square of gateways mounted 2.8 m high; the tag is 1 m high.
  const n = 2.1, sigma = 4, dz = 1.8;
  const square: BoundLink[] = [[5, 5], [-5, 5], [5, -5], [-5, -5]].map(([dx, dy]) => ({ dx: dx!, dy: dy!, dz, sigmaDb: sigma }));

  it('matches the closed form at the centre of a square of four gateways', () => {
    const h2 = 50, d2 = h2 + dz * dz;
    // b = (10n / (σ ln10 d))² · (h/d)²; Σ u uᵀ over the four diagonals = 2·I.
    const b = ((10 * n) / (sigma * Math.LN10)) ** 2 / d2 * (h2 / d2);
    const fim = fisherXY(square, n);
    expect(fim.xx).toBeCloseTo(2 * b, 12);
    expect(fim.yy).toBeCloseTo(2 * b, 12);
    expect(fim.xy).toBeCloseTo(0, 12);
    const cov = invert(fim)!;
    expect(cov.xx).toBeCloseTo(1 / (2 * b), 10);
    // Isotropic 2-D Gaussian: median |e| = σ_x·√(2 ln 2).
    expect(mixtureQuantile([cov], 0.5)).toBeCloseTo(Math.sqrt(cov.xx) * Math.sqrt(2 * Math.LN2), 3);
  });

  it('a common error leaves the symmetric case unchanged', () => {
    const a = fisherXY(square, n), c = fisherXY(square, n, 2);
    expect(c.xx).toBeCloseTo(a.xx, 12);
    expect(c.xy).toBeCloseTo(a.xy, 12);
  });

  it('handles a common error exactly (against inverting the full noise covariance)', () => {
    const links: BoundLink[] = [
      { dx: 3, dy: 1, dz: 1.8, sigmaDb: 3 }, { dx: -6, dy: 2, dz: 1.8, sigmaDb: 4 }, { dx: 1, dy: -7, dz: 1.5, sigmaDb: 5 },
    ];
    const sc = 1.5;
    const k = (10 * n) / Math.LN10;
    const J = links.map((l) => {
      const d2 = l.dx * l.dx + l.dy * l.dy + l.dz * l.dz;
      return [(k * l.dx) / d2, (k * l.dy) / d2] as const;
    });
    const C = links.map((li, i) => links.map((_, j) => (i === j ? li.sigmaDb ** 2 : 0) + sc * sc));
    const Ci = invert3(C);
    const full = { xx: 0, xy: 0, yy: 0 };
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        full.xx += J[i]![0] * Ci[i]![j]! * J[j]![0];
        full.xy += J[i]![0] * Ci[i]![j]! * J[j]![1];
        full.yy += J[i]![1] * Ci[i]![j]! * J[j]![1];
      }
    }
    const got = fisherXY(links, n, sc);
    expect(got.xx).toBeCloseTo(full.xx, 12);
    expect(got.xy).toBeCloseTo(full.xy, 12);
    expect(got.yy).toBeCloseTo(full.yy, 12);
  });

  it('says the position is not identifiable from collinear gateways', () => {
    const line: BoundLink[] = [{ dx: 3, dy: 0, dz: 1.8, sigmaDb: 4 }, { dx: -5, dy: 0, dz: 1.8, sigmaDb: 4 }];
    expect(invert(fisherXY(line, n))).toBeNull();
    expect(mixtureQuantile([null], 0.5)).toBe(Infinity);
  });

  it('a gateway overhead adds no information', () => {
    const fim = fisherXY([{ dx: 0, dy: 0, dz: 1.8, sigmaDb: 4 }], n);
    expect(fim).toEqual({ xx: 0, xy: 0, yy: 0 });
  });
});

describe('2-D error distribution', () => {
  it('isotropic CDF is the Rayleigh CDF', () => {
    const cov: Mat2 = { xx: 2, xy: 0, yy: 2 };
    expect(errorCdf(cov, 1.5)).toBeCloseTo(1 - Math.exp(-(1.5 ** 2) / 4), 12);
  });

  it('elongated CDF agrees with a seeded Monte Carlo', () => {
    // Eigenvalues 9 and 0.09, rotated by 30°.
    const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6), l1 = 9, l2 = 0.09;
    const cov: Mat2 = { xx: l1 * c * c + l2 * s * s, xy: (l1 - l2) * c * s, yy: l1 * s * s + l2 * c * c };
    const z = normals(7);
    const N = 200_000;
    const radii: number[] = [];
    for (let i = 0; i < N; i++) radii.push(Math.hypot(Math.sqrt(l1) * z(), Math.sqrt(l2) * z()));
    for (const r of [0.5, 2, 4]) {
      const mc = radii.filter((v) => v <= r).length / N;
      expect(Math.abs(errorCdf(cov, r) - mc)).toBeLessThan(0.005);
    }
  });

  it('the mixture quantile is where the mixed CDF reaches p', () => {
    const covs: Mat2[] = [{ xx: 1, xy: 0, yy: 1 }, { xx: 9, xy: 2, yy: 4 }];
    for (const p of [0.5, 0.9, 0.95]) {
      const q = mixtureQuantile(covs, p);
      expect((errorCdf(covs[0]!, q) + errorCdf(covs[1]!, q)) / 2).toBeCloseTo(p, 3);
    }
  });
});

describe('per-link noise', () => {
  const base = { shadowSigmaDb: 4, shadowCorrelationS: 30, fadingSigmaDb: 2.5, offsetSigmaDb: 0 };

  it('one packet carries all of shadowing, fading and rounding', () => {
    expect(linkSigmaDb({ ...base, packets: 1, windowS: 1 }) ** 2).toBeCloseTo(16 + 6.25 + 1 / 12, 10);
  });

  it('averages white shadowing like fading, and not at all when it is fully correlated', () => {
    const white = linkSigmaDb({ ...base, shadowCorrelationS: 1e-9, packets: 10, windowS: 10 }) ** 2;
    expect(white).toBeCloseTo((16 + 6.25 + 1 / 12) / 10, 8);
    const frozen = linkSigmaDb({ ...base, shadowCorrelationS: 1e12, packets: 10, windowS: 10 }) ** 2;
    expect(frozen).toBeCloseTo(16 + (6.25 + 1 / 12) / 10, 6);
  });

  it('long averages leave the static gateway offset', () => {
    const offsetSigmaDb = uniformSigmaDb(3);
    expect(offsetSigmaDb).toBeCloseTo(Math.sqrt(3), 12);
    const long = linkSigmaDb({ ...base, offsetSigmaDb, packets: 1e6, windowS: 1e6 });
    expect(long).toBeGreaterThan(offsetSigmaDb);
    expect(long).toBeLessThan(offsetSigmaDb * 1.01);
  });

  it('a link heard half the time carries half the information', () => {
    const one = linkSigmaDb({ ...base, packets: 1, windowS: 1 });
    expect(linkSigmaDb({ ...base, packets: 0.5, windowS: 1 }) ** 2).toBeCloseTo(2 * one ** 2, 10);
    expect(linkSigmaDb({ ...base, packets: 0, windowS: 1 })).toBe(Infinity);
  });

  it('expected receive fraction averages the reception curve over the RSSI spread', () => {
    const step = (rssi: number) => (rssi >= -90 ? 1 : 0);
    expect(expectedReceiveFraction(step, -90, 4)).toBeCloseTo(0.5, 2);
    expect(expectedReceiveFraction(step, -50, 4)).toBeCloseTo(1, 9);
    expect(expectedReceiveFraction(() => 0.8, -70, 4)).toBeCloseTo(0.8, 12);
  });
});

/** Inverse of a 3×3 matrix by cofactors. */
function invert3(m: number[][]): number[][] {
  const at = (r: number, c: number) => m[r]![c]!;
  const cof = (r: number, c: number) => {
    const rs = [0, 1, 2].filter((x) => x !== r), cs = [0, 1, 2].filter((x) => x !== c);
    const minor = at(rs[0]!, cs[0]!) * at(rs[1]!, cs[1]!) - at(rs[0]!, cs[1]!) * at(rs[1]!, cs[0]!);
    return (r + c) % 2 === 0 ? minor : -minor;
  };
  const det = at(0, 0) * cof(0, 0) + at(0, 1) * cof(0, 1) + at(0, 2) * cof(0, 2);
  // Inverse = adjugate / det; the adjugate is the transposed cofactor matrix.
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => cof(c, r) / det));
}
