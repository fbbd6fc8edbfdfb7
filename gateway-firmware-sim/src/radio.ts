/**
 * BLE radio model (pure): log-distance path loss with wall and floor attenuation, per-link shadowing that drifts
 * slowly, per-packet fast fading, packet loss that rises towards the receiver's sensitivity, and a per-gateway
 * receive offset (the "calibration error" the locator is supposed to learn, DESIGN.md §4).
 *
 *   rssi = rssiAt1m + txOffset − 10·n·log10(d) − Σ walls crossed − floor loss + shadowing + fading + gwOffset
 *
 * Hot path: this runs for every (advertisement × gateway in range); at 2,000 tags that is millions of link
 * evaluations a minute. Walls are kept per floor in one Float64Array and pre-filtered by bounding box.
 */
import type { WallFeature } from '@rtls/protocol';
import type { Rng } from './random.ts';

export interface RadioParams {
  /** Mean RSSI at 1 m from a 0 dB-offset tag, dBm (iBeacon "measured power" convention). */
  rssiAt1mDbm: number;
  /** Path-loss exponent n; 2.0 free space, 2.0–2.2 in open hospital corridors and rooms before walls are counted. */
  pathLossExponent: number;
  /** Standard deviation of the slowly varying per-link shadowing, dB. */
  shadowSigmaDb: number;
  /** Correlation time of the shadowing (Ornstein–Uhlenbeck), seconds. */
  shadowCorrelationS: number;
  /** Standard deviation of the per-packet fast fading, dB. */
  fadingSigmaDb: number;
  /** Receiver sensitivity, dBm: a packet at this RSSI is received half the time. */
  sensitivityDbm: number;
  /** Width of the loss transition around the sensitivity, dB (logistic scale). */
  lossSlopeDb: number;
  /** Packets lost whatever the level (collisions, scanner duty cycle), probability 0..1. */
  baseLossProb: number;
  /** Loss through one floor slab, dB. */
  floorLossDb: number;
  /** Gateways further than this (horizontal) are not evaluated at all, metres. */
  maxRangeM: number;
  /** Floors further apart than this are never heard. */
  maxFloorsApart: number;
  /** Height of a worn or attached tag above its floor, metres. */
  tagHeightM: number;
  /** Per-gateway receive offsets are drawn uniformly in ±this, dB. */
  gatewayOffsetMaxDb: number;
  /** Distances below this are clamped (the model is not valid in the near field), metres. */
  minDistanceM: number;
}

export const DEFAULT_RADIO: Readonly<RadioParams> = Object.freeze({
  rssiAt1mDbm: -59,
  pathLossExponent: 2.1,
  shadowSigmaDb: 4,
  shadowCorrelationS: 30,
  fadingSigmaDb: 2.5,
  sensitivityDbm: -95,
  lossSlopeDb: 1.5,
  baseLossProb: 0.05,
  floorLossDb: 20,
  maxRangeM: 30,
  maxFloorsApart: 1,
  tagHeightM: 1,
  gatewayOffsetMaxDb: 3,
  minDistanceM: 0.3,
});

/** Stride of one wall segment in WallIndex.data: x1 y1 x2 y2 minX minY maxX maxY attenuation. */
const W = 9;

/** A floor's wall segments packed for fast crossing tests. */
export class WallIndex {
  readonly data: Float64Array;
  readonly count: number;

  constructor(walls: readonly WallFeature[]) {
    const segs: number[] = [];
    for (const w of walls) {
      const c = w.geometry.coordinates;
      for (let i = 0; i + 1 < c.length; i++) {
        const [x1, y1] = c[i]!;
        const [x2, y2] = c[i + 1]!;
        segs.push(x1, y1, x2, y2, Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2), w.properties.attenuationDb);
      }
    }
    this.data = Float64Array.from(segs);
    this.count = segs.length / W;
  }

  /**
   * Total attenuation of the walls the segment a→b crosses, dB. Touching a wall exactly at b (a gateway mounted on
   * the wall) does not count, so the gateway's own wall is not charged to every link.
   */
  lossBetween(ax: number, ay: number, bx: number, by: number): number {
    const d = this.data;
    const minX = ax < bx ? ax : bx, maxX = ax < bx ? bx : ax;
    const minY = ay < by ? ay : by, maxY = ay < by ? by : ay;
    const rx = bx - ax, ry = by - ay;
    let loss = 0;
    for (let o = 0, n = d.length; o < n; o += W) {
      if (d[o + 4]! > maxX || d[o + 6]! < minX || d[o + 5]! > maxY || d[o + 7]! < minY) continue;
      const q1x = d[o]!, q1y = d[o + 1]!;
      const sx = d[o + 2]! - q1x, sy = d[o + 3]! - q1y;
      const den = rx * sy - ry * sx;
      if (den === 0) continue;
      const qpx = q1x - ax, qpy = q1y - ay;
      const t = (qpx * sy - qpy * sx) / den;
      if (t < 0 || t >= 1 - 1e-9) continue;
      const u = (qpx * ry - qpy * rx) / den;
      if (u < 0 || u > 1) continue;
      loss += d[o + 8]!;
    }
    return loss;
  }

  /** Indices of the wall segments a→b crosses (for tests and diagnostics), with the crossing point. */
  crossings(ax: number, ay: number, bx: number, by: number): Array<{ x: number; y: number; attenuationDb: number }> {
    const out: Array<{ x: number; y: number; attenuationDb: number }> = [];
    const d = this.data;
    const rx = bx - ax, ry = by - ay;
    for (let o = 0; o < d.length; o += W) {
      const q1x = d[o]!, q1y = d[o + 1]!;
      const sx = d[o + 2]! - q1x, sy = d[o + 3]! - q1y;
      const den = rx * sy - ry * sx;
      if (den === 0) continue;
      const qpx = q1x - ax, qpy = q1y - ay;
      const t = (qpx * sy - qpy * sx) / den;
      const u = (qpx * ry - qpy * rx) / den;
      if (t >= 0 && t <= 1 && u >= 0 && u <= 1) out.push({ x: ax + t * rx, y: ay + t * ry, attenuationDb: d[o + 8]! });
    }
    return out;
  }
}

/** Mean RSSI of a link before shadowing and fading, dBm. `distanceM` is the 3-D distance. */
export function meanRssi(p: RadioParams, distanceM: number, wallLossDb: number, floorsApart: number, txOffsetDb: number, gwOffsetDb: number): number {
  const d = distanceM < p.minDistanceM ? p.minDistanceM : distanceM;
  return p.rssiAt1mDbm + txOffsetDb - 10 * p.pathLossExponent * Math.log10(d) - wallLossDb - floorsApart * p.floorLossDb + gwOffsetDb;
}

/** Probability that a packet arriving at `rssi` dBm is received: logistic around the sensitivity, times 1 − base loss. */
export function receiveProbability(p: RadioParams, rssi: number): number {
  return (1 - p.baseLossProb) / (1 + Math.exp(-(rssi - p.sensitivityDbm) / p.lossSlopeDb));
}

/**
 * One step of the per-link shadowing process (Ornstein–Uhlenbeck, stationary σ = shadowSigmaDb): a parked tag's
 * link keeps its bias for tens of seconds, as people and trolleys moving nearby change it slowly.
 * `prev` NaN starts the link at a stationary draw.
 */
export function nextShadowing(p: RadioParams, prev: number, dtS: number, rng: Rng): number {
  if (Number.isNaN(prev)) return rng.normal(0, p.shadowSigmaDb);
  const rho = Math.exp(-Math.max(0, dtS) / p.shadowCorrelationS);
  return rho * prev + Math.sqrt(1 - rho * rho) * rng.normal(0, p.shadowSigmaDb);
}

/**
 * Samples one received packet: returns the reported RSSI (dBm, rounded to an integer as BLE controllers report it)
 * or NaN when the packet is lost.
 */
export function samplePacket(p: RadioParams, mean: number, shadowDb: number, rng: Rng): number {
  const rssi = mean + shadowDb + rng.normal(0, p.fadingSigmaDb);
  if (rng.next() >= receiveProbability(p, rssi)) return Number.NaN;
  return Math.round(rssi);
}
