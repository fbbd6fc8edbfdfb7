/**
 * The Cramér–Rao bound of a scenario at one truth sample: which links a tag at that spot has in the simulator's
 * radio model, how well each link's RSSI can be estimated in the time the tag has stood there, and the resulting
 * CRLB covariance of (x, y) (crlb.ts). Pure: the simulator's geometry, offsets and radio parameters come in as data.
 *
 * What the bound knows (stated in the report by `boundDefinition`):
 *  - links: BLE gateways on the tag's own floor within the radio's maxRange whose mean RSSI (with the walls the
 *    simulator charges, the gateway's and the tag's offsets) is not below the level the simulator never hears,
 *    minus gateways in an outage; walls are known to the bound, so they only cost packets (weaker links), which
 *    makes the real problem harder than the bound wherever the locator's wall model differs from the simulator's;
 *  - window: a parked tag's links are averaged over the whole time it has stood still since the run started (the
 *    information a causal estimator has); a moving tag's over one advertising interval (a snapshot bound: a tracker
 *    using motion can beat it, so for walking it is a reference, not a limit);
 *  - noise: shadowing, fading and rounding as in linkSigmaDb; gateway offsets (±max uniform) as a static error with
 *    σ = max/√3 when uncalibrated, none when calibrated; the tag's advertised measured power rounded to whole dBm is
 *    an error common to all links (σ_c = 1/√12 dB).
 */
import { type BoundLink, type LinkNoise, type Mat2, expectedReceiveFraction, fisherXY, invert, linkSigmaDb, uniformSigmaDb } from './crlb.ts';

/** The radio parameters the bound uses (the simulator's RadioParams satisfy this). */
export interface BoundRadio {
  rssiAt1mDbm: number;
  pathLossExponent: number;
  shadowSigmaDb: number;
  shadowCorrelationS: number;
  fadingSigmaDb: number;
  sensitivityDbm: number;
  maxRangeM: number;
  tagHeightM: number;
  gatewayOffsetMaxDb: number;
  minDistanceM: number;
}

export interface BoundGateway {
  id: string;
  floor: string;
  x: number;
  y: number;
  mountHeightM: number;
}

export interface BoundOutage {
  gateway: string;
  from: number;
  to?: number;
}

export interface BoundSetting {
  radio: BoundRadio;
  /** P(packet received | instantaneous RSSI), the simulator's reception model. */
  receiveProbability: (rssi: number) => number;
  advIntervalS: number;
  /** BLE gateways. */
  gateways: readonly BoundGateway[];
  /** Wall attenuation between two points of a floor, dB (the simulator's wall model). */
  wallLossDb: (floor: string, ax: number, ay: number, bx: number, by: number) => number;
  /** The simulator's per-gateway receive offsets, dB: they decide which links are heard. */
  gatewayOffsetDb: (id: string) => number;
  /** True when the locator is told the offsets (no residual offset error). */
  calibrated: boolean;
  outages: readonly BoundOutage[];
}

/** One truth sample to bound. */
export interface BoundSample {
  t: number;
  floor: string;
  x: number;
  y: number;
  /** The tag's transmit offset (simulator), dB. */
  txOffsetDb: number;
  /** Seconds the tag has stood still at this spot (within the run), or null while it moves. */
  stillForS: number | null;
}

/** RSSI rounded to whole dBm in the advertised measured power: an error shared by all of a tag's links, dB. */
const COMMON_SIGMA_DB = 1 / Math.sqrt(12);

export class ScenarioBound {
  private readonly byFloor = new Map<string, BoundGateway[]>();
  private readonly down = new Map<string, BoundOutage[]>();
  /** Expected receive fraction by mean RSSI in 0.01 dB steps (the integral is the same for every link). */
  private readonly receiveCache = new Map<number, number>();

  constructor(private readonly s: BoundSetting) {
    for (const g of s.gateways) {
      const list = this.byFloor.get(g.floor) ?? [];
      list.push(g);
      this.byFloor.set(g.floor, list);
    }
    for (const o of s.outages) this.down.set(o.gateway, [...(this.down.get(o.gateway) ?? []), o]);
  }

  /** The links the bound counts at this sample, with the σ of each link's estimate. */
  links(sample: BoundSample): BoundLink[] {
    const r = this.s.radio;
    const windowS = sample.stillForS === null ? this.s.advIntervalS : Math.max(this.s.advIntervalS, sample.stillForS);
    const spread = Math.hypot(r.shadowSigmaDb, r.fadingSigmaDb);
    const offsetSigma = this.s.calibrated ? 0 : uniformSigmaDb(r.gatewayOffsetMaxDb);
    return this.heard(sample).map(({ dx, dy, dz, mean }) => {
      const packets = (windowS / this.s.advIntervalS) * this.receiveFraction(mean, spread);
      const noise: LinkNoise = {
        shadowSigmaDb: r.shadowSigmaDb, shadowCorrelationS: r.shadowCorrelationS, fadingSigmaDb: r.fadingSigmaDb,
        offsetSigmaDb: offsetSigma, packets, windowS,
      };
      return { dx, dy, dz, sigmaDb: linkSigmaDb(noise) };
    });
  }

  /** The gateway with the strongest mean RSSI at this sample (the one whose failure hurts most), or null. */
  strongest(sample: BoundSample): string | null {
    let best: { id: string; mean: number } | null = null;
    for (const h of this.heard(sample)) if (!best || h.mean > best.mean) best = { id: h.id, mean: h.mean };
    return best?.id ?? null;
  }

  /** Own-floor BLE gateways in range, up and audible at all, with their mean RSSI (simulator's link model). */
  private heard(sample: BoundSample): Array<{ id: string; dx: number; dy: number; dz: number; mean: number }> {
    const r = this.s.radio;
    // The simulator never evaluates links this far below the sensitivity (≈ 5 σ of shadowing + fading).
    const floorDb = r.sensitivityDbm - 5 * Math.hypot(r.shadowSigmaDb, r.fadingSigmaDb);
    const out: Array<{ id: string; dx: number; dy: number; dz: number; mean: number }> = [];
    for (const g of this.byFloor.get(sample.floor) ?? []) {
      if (this.isDown(g.id, sample.t)) continue;
      const dx = sample.x - g.x, dy = sample.y - g.y;
      const h = Math.hypot(dx, dy);
      if (h > r.maxRangeM) continue;
      const dz = g.mountHeightM - r.tagHeightM;
      const d = Math.max(r.minDistanceM, Math.hypot(h, dz));
      const mean = r.rssiAt1mDbm + sample.txOffsetDb - 10 * r.pathLossExponent * Math.log10(d)
        - this.s.wallLossDb(sample.floor, sample.x, sample.y, g.x, g.y) + this.s.gatewayOffsetDb(g.id);
      if (mean >= floorDb) out.push({ id: g.id, dx, dy, dz, mean });
    }
    return out;
  }

  /** CRLB covariance of (x, y) at this sample, m²; null when the position is not identifiable there. */
  covariance(sample: BoundSample): Mat2 | null {
    return invert(fisherXY(this.links(sample), this.s.radio.pathLossExponent, COMMON_SIGMA_DB));
  }

  private receiveFraction(mean: number, spread: number): number {
    const key = Math.round(mean * 100);
    let v = this.receiveCache.get(key);
    if (v === undefined) {
      v = expectedReceiveFraction(this.s.receiveProbability, key / 100, spread);
      this.receiveCache.set(key, v);
    }
    return v;
  }

  private isDown(id: string, t: number): boolean {
    for (const o of this.down.get(id) ?? []) if (t >= o.from && t < (o.to ?? Infinity)) return true;
    return false;
  }
}

/** The bound's definition, printed with the figures. */
export function boundDefinition(radio: BoundRadio, calibrated: boolean): string[] {
  const offsets = calibrated
    ? 'gateway offsets calibrated (no residual)'
    : `gateway offsets uncalibrated: ±${radio.gatewayOffsetMaxDb} dB uniform, a static error of σ ${uniformSigmaDb(radio.gatewayOffsetMaxDb).toFixed(2)} dB`;
  return [
    `CRLB: rssi = A − 10·${radio.pathLossExponent}·log10(d), d 3-D (gateway mount height vs tag ${radio.tagHeightM} m); Fisher info of (x, y) summed over`,
    `  the tag's own-floor BLE gateways within ${radio.maxRangeM} m that the simulator can hear (walls and offsets as simulated, outages removed).`,
    `  Per-link σ of the best estimate over the averaging window: shadowing σ ${radio.shadowSigmaDb} dB with τ ${radio.shadowCorrelationS} s (AR(1) over the`,
    `  packets), fading σ ${radio.fadingSigmaDb} dB + whole-dBm rounding per packet, ${offsets};`,
    '  tag power known to ±0.5 dB (common to all links). Window: a parked tag, all the time it has stood still in the run;',
    '  a moving tag, one advertising interval (snapshot: a tracker can beat it). Efficient figures = quantiles of |e|,',
    '  e ~ N(0, CRLB) mixed over the scored BLE fixes\' truth samples. Walls known to the bound: the locator\'s problem is harder.',
  ];
}
