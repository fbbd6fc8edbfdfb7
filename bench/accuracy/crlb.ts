/**
 * Cramér–Rao bound for RSSI positioning (pure), so the harness can print beside each error figure the error an
 * unbiased efficient estimator would have on the same layout and noise (issue #3, "Measure").
 *
 * Model per link i (gateway at horizontal offset (dx, dy) from the tag and height difference dz):
 *
 *   rssi_i = A − 10·n·log10(d_i) + noise_i,   d_i = √(dx² + dy² + dz²),   noise_i ~ N(0, σ_i²)
 *
 * ∂rssi_i/∂(x, y) = −(10·n / ln10) · (dx, dy) / d_i², so link i adds to the Fisher information of (x, y)
 *
 *   b_i · u_i·u_iᵀ,   b_i = (10·n / (σ_i·ln10·d_i))² · (h_i / d_i)²,   u_i = (dx, dy)/h_i,  h_i = √(dx² + dy²)
 *
 * (h_i/d_i is the horizontal/3-D projection: a gateway right overhead says nothing about x, y). An error common to
 * all links (the tag's own transmit offset, known only to within σ_c) is handled exactly: the noise covariance is
 * diag(σ_i²) + σ_c²·11ᵀ, inverted with Sherman–Morrison. CRLB covariance = FIM⁻¹.
 */

/** A symmetric 2×2 matrix [[xx, xy], [xy, yy]]. */
export interface Mat2 {
  xx: number;
  xy: number;
  yy: number;
}

export interface BoundLink {
  /** Tag minus gateway, horizontal, metres. */
  dx: number;
  dy: number;
  /** Height difference gateway − tag, metres. */
  dz: number;
  /** Standard deviation of this link's RSSI estimate, dB. */
  sigmaDb: number;
}

const LN10 = Math.log(10);

/** Fisher information of (x, y). `commonSigmaDb`: an error shared by all links (0 = none). */
export function fisherXY(links: readonly BoundLink[], exponent: number, commonSigmaDb = 0): Mat2 {
  const k = (10 * exponent) / LN10;
  let xx = 0, xy = 0, yy = 0, sw = 0, vx = 0, vy = 0;
  for (const l of links) {
    const d2 = l.dx * l.dx + l.dy * l.dy + l.dz * l.dz;
    if (!(d2 > 0) || !(l.sigmaDb > 0)) continue;
    const gx = (k * l.dx) / d2, gy = (k * l.dy) / d2;
    const w = 1 / (l.sigmaDb * l.sigmaDb);
    xx += w * gx * gx;
    xy += w * gx * gy;
    yy += w * gy * gy;
    sw += w;
    vx += w * gx;
    vy += w * gy;
  }
  if (commonSigmaDb > 0 && sw > 0) {
    const c = (commonSigmaDb * commonSigmaDb) / (1 + commonSigmaDb * commonSigmaDb * sw);
    xx -= c * vx * vx;
    xy -= c * vx * vy;
    yy -= c * vy * vy;
  }
  return { xx, xy, yy };
}

/** Inverse of a 2×2 information matrix; null when it is singular (position not identifiable: fewer than 2 directions). */
export function invert(m: Mat2): Mat2 | null {
  const det = m.xx * m.yy - m.xy * m.xy;
  const tr = m.xx + m.yy;
  if (!(tr > 0) || !(det > 1e-12 * tr * tr)) return null;
  return { xx: m.yy / det, xy: -m.xy / det, yy: m.xx / det };
}

/** Eigenvalues of a symmetric 2×2 matrix, larger first. */
export function eigenvalues(m: Mat2): [number, number] {
  const h = (m.xx + m.yy) / 2;
  const r = Math.hypot((m.xx - m.yy) / 2, m.xy);
  return [h + r, Math.max(0, h - r)];
}

/**
 * P(|e| ≤ r) for e ~ N(0, cov) in 2-D. With eigenvalues λ1, λ2 and a(θ) = cos²θ/λ1 + sin²θ/λ2, integrating the
 * density radially gives (1 / (2π·√(λ1λ2))) · ∫₀^{2π} (1 − exp(−r²·a(θ)/2)) / a(θ) dθ; the integrand is smooth and
 * periodic, so the trapezoid rule converges fast (more nodes for elongated ellipses).
 */
export function errorCdf(cov: Mat2 | null, r: number): number {
  if (!cov) return 0;
  if (!(r > 0)) return 0;
  const [l1, l2] = eigenvalues(cov);
  if (!(l2 > 0)) return 0;
  if (l1 - l2 <= 1e-12 * l1) return 1 - Math.exp((-r * r) / (2 * l1));
  const n = Math.min(2048, Math.max(64, 32 * Math.ceil(Math.sqrt(l1 / l2))));
  let s = 0;
  for (let i = 0; i < n; i++) {
    const th = (2 * Math.PI * (i + 0.5)) / n;
    const c = Math.cos(th), sn = Math.sin(th);
    const a = (c * c) / l1 + (sn * sn) / l2;
    s += -Math.expm1((-r * r * a) / 2) / a;
  }
  return (s * (2 * Math.PI)) / n / (2 * Math.PI * Math.sqrt(l1 * l2));
}

/**
 * The p-quantile (0 < p < 1) of |e| when e is drawn from an equal mixture of N(0, cov_k): the error distribution of an
 * efficient unbiased estimator over a scenario's samples. Infinity when too many samples are unidentifiable (null).
 */
export function mixtureQuantile(covs: readonly (Mat2 | null)[], p: number): number {
  const ok = covs.filter((c): c is Mat2 => c !== null);
  if (ok.length === 0 || ok.length / covs.length < p) return Infinity;
  const cdf = (r: number) => {
    let s = 0;
    for (const c of ok) s += errorCdf(c, r);
    return s / covs.length;
  };
  let hi = Math.sqrt(Math.max(...ok.map((c) => c.xx + c.yy)));
  while (cdf(hi) < p) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 60 && hi - lo > 1e-4 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** How a link's RSSI estimate is formed: the radio's noise and what the estimator averages. */
export interface LinkNoise {
  /** Slow per-link shadowing: stationary σ (dB) and correlation time (s) of its Ornstein–Uhlenbeck process. */
  shadowSigmaDb: number;
  shadowCorrelationS: number;
  /** Per-packet fast fading σ, dB. */
  fadingSigmaDb: number;
  /** Receiver offset left after calibration (σ of a static per-gateway error), dB. */
  offsetSigmaDb: number;
  /** Expected packets received on the link within the averaging window. */
  packets: number;
  /** The averaging window, s. */
  windowS: number;
}

/** Variance of reporting RSSI as whole dBm (uniform rounding error), dB². */
const ROUNDING_VAR = 1 / 12;

/**
 * σ of the best unbiased estimate of a link's mean RSSI from its packets in the window, dB:
 *  - shadowing sampled at N packets spaced T/N apart is AR(1) with ρ = exp(−T/(N·τ)); the information about a
 *    constant it carries is [(N − 2)(1 − ρ) + 2] / (σ_s²(1 + ρ)) (tridiagonal AR(1) precision), so its share of
 *    the variance is σ_s²(1 + ρ) / [(N − 2)(1 − ρ) + 2] — σ_s²/N for white noise, σ_s² when fully correlated;
 *  - fading and whole-dBm rounding are independent per packet: (σ_f² + 1/12) / N;
 *  - the receiver offset is static and does not average out: σ_o².
 * Each averaging term is taken at its own optimum; min over weights of a sum is ≥ the sum of the minima, so this
 * can only understate the joint optimum's variance and the bound stays a lower bound. With fewer than one packet
 * expected in the window, the link is heard with probability N: its information is scaled by N (expected FIM).
 */
export function linkSigmaDb(n: LinkNoise): number {
  if (!(n.packets > 0)) return Infinity;
  const N = Math.max(1, n.packets);
  const rho = Math.exp(-n.windowS / (N * n.shadowCorrelationS));
  const shadow = (n.shadowSigmaDb ** 2 * (1 + rho)) / ((N - 2) * (1 - rho) + 2);
  const perPacket = (n.fadingSigmaDb ** 2 + ROUNDING_VAR) / N;
  const v = shadow + perPacket + n.offsetSigmaDb ** 2;
  return Math.sqrt(n.packets < 1 ? v / n.packets : v);
}

/** σ of a static error drawn uniformly in ±maxDb (the simulator's per-gateway receive offsets), dB. */
export const uniformSigmaDb = (maxDb: number): number => maxDb / Math.sqrt(3);

/**
 * Expected share of packets received on a link of mean RSSI `meanDbm` (before shadowing and fading), given the
 * receiver's reception probability at an instantaneous RSSI and the σ of shadowing + fading: E[P(mean + z·σ)],
 * z ~ N(0, 1), by the midpoint rule over ±6 σ.
 */
export function expectedReceiveFraction(receiveProbability: (rssi: number) => number, meanDbm: number, sigmaDb: number): number {
  const steps = 96;
  const dz = 12 / steps;
  let s = 0, wsum = 0;
  for (let i = 0; i < steps; i++) {
    const z = -6 + (i + 0.5) * dz;
    const w = Math.exp(-(z * z) / 2);
    s += w * receiveProbability(meanDbm + z * sigmaDb);
    wsum += w;
  }
  return s / wsum;
}
