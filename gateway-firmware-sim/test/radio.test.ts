import { describe, expect, it } from 'vitest';
import type { WallFeature } from '@rtls/protocol';
import { DEFAULT_RADIO, Rng, WallIndex, meanRssi, nextShadowing, receiveProbability, samplePacket } from '../src/index.ts';

const wall = (coords: [number, number][], attenuationDb: number): WallFeature => ({
  type: 'Feature', properties: { kind: 'wall', attenuationDb }, geometry: { type: 'LineString', coordinates: coords },
});

/** Mean of the RSSI of received packets of a link whose mean is `mean`, with fresh shadowing each sample. */
function averageReceived(mean: number, n: number, rng: Rng): { avg: number; received: number } {
  let sum = 0, k = 0;
  for (let i = 0; i < n; i++) {
    const s = nextShadowing(DEFAULT_RADIO, Number.NaN, 0, rng);
    const v = samplePacket(DEFAULT_RADIO, mean, s, rng);
    if (!Number.isNaN(v)) {
      sum += v;
      k++;
    }
  }
  return { avg: sum / k, received: k / n };
}

describe('radio model', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_RADIO.rssiAt1mDbm).toBe(-59);
    expect(DEFAULT_RADIO.pathLossExponent).toBeGreaterThanOrEqual(2.0);
    expect(DEFAULT_RADIO.pathLossExponent).toBeLessThanOrEqual(2.2);
    expect(DEFAULT_RADIO.sensitivityDbm).toBe(-95);
    expect(Object.isFrozen(DEFAULT_RADIO)).toBe(true);
  });

  it('RSSI decreases with distance, in the mean and over sampled packets', () => {
    const p = DEFAULT_RADIO;
    const at = (d: number) => meanRssi(p, d, 0, 0, 0, 0);
    expect(at(1)).toBeCloseTo(-59, 6);
    expect(at(2)).toBeLessThan(at(1));
    expect(at(10)).toBeLessThan(at(2));
    // 10·n dB per decade.
    expect(at(1) - at(10)).toBeCloseTo(10 * p.pathLossExponent, 6);
    const rng = new Rng('distance');
    const near = averageReceived(at(2), 4000, rng).avg;
    const mid = averageReceived(at(6), 4000, rng).avg;
    const far = averageReceived(at(15), 4000, rng).avg;
    expect(near).toBeGreaterThan(mid);
    expect(mid).toBeGreaterThan(far);
  });

  it('a wall lowers RSSI by about its attenuation', () => {
    const walls = new WallIndex([wall([[5, -10], [5, 10]], 8)]);
    const through = walls.lossBetween(0, 0, 10, 0);
    const beside = walls.lossBetween(0, 0, 4, 3);
    expect(through).toBe(8);
    expect(beside).toBe(0);
    const rng = new Rng('wall');
    // Close range so the loss near the sensitivity does not bias the received mean.
    const clear = averageReceived(meanRssi(DEFAULT_RADIO, 3, 0, 0, 0, 0), 20_000, rng).avg;
    const walled = averageReceived(meanRssi(DEFAULT_RADIO, 3, through, 0, 0, 0), 20_000, rng).avg;
    expect(clear - walled).toBeGreaterThan(8 - 0.5);
    expect(clear - walled).toBeLessThan(8 + 0.5);
  });

  it('adds the attenuation of every wall crossed, and not a wall the gateway is mounted on', () => {
    const walls = new WallIndex([wall([[2, -5], [2, 5]], 6), wall([[4, -5], [4, 5]], 10), wall([[8, -5], [8, 5]], 3)]);
    expect(walls.lossBetween(0, 0, 6, 0)).toBe(16);
    expect(walls.lossBetween(0, 0, 8, 0)).toBe(16); // gateway on the 3 dB wall at x = 8
    expect(walls.lossBetween(0, 0, 9, 0)).toBe(19);
    expect(walls.crossings(0, 0, 9, 0).map((c) => c.x)).toEqual([2, 4, 8]);
  });

  it('packet loss grows as RSSI nears the sensitivity', () => {
    const p = DEFAULT_RADIO;
    const probs = [-70, -85, -90, -93, -95, -97, -100].map((r) => receiveProbability(p, r));
    for (let i = 1; i < probs.length; i++) expect(probs[i]).toBeLessThan(probs[i - 1]!);
    expect(receiveProbability(p, -95)).toBeCloseTo((1 - p.baseLossProb) / 2, 6);
    expect(receiveProbability(p, -70)).toBeGreaterThan(0.9);
    expect(receiveProbability(p, -105)).toBeLessThan(0.01);
    const rng = new Rng('loss');
    const strong = averageReceived(-75, 5000, rng).received;
    const weak = averageReceived(-93, 5000, rng).received;
    expect(strong).toBeGreaterThan(0.85);
    expect(weak).toBeLessThan(strong - 0.2);
  });

  it('another floor costs the floor loss, and per-gateway offsets shift the mean', () => {
    const p = DEFAULT_RADIO;
    expect(meanRssi(p, 5, 0, 0, 0, 0) - meanRssi(p, 5, 0, 1, 0, 0)).toBeCloseTo(p.floorLossDb, 6);
    expect(meanRssi(p, 5, 0, 0, 0, 2.5) - meanRssi(p, 5, 0, 0, 0, 0)).toBeCloseTo(2.5, 6);
  });

  it('shadowing drifts slowly: consecutive values 1 s apart are strongly correlated, and its spread is σ', () => {
    const rng = new Rng('shadow');
    let s = Number.NaN;
    const xs: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      s = nextShadowing(DEFAULT_RADIO, s, 1, rng);
      xs.push(s);
    }
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const varr = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    let cov = 0;
    for (let i = 1; i < xs.length; i++) cov += (xs[i]! - mean) * (xs[i - 1]! - mean);
    cov /= xs.length - 1;
    expect(Math.sqrt(varr)).toBeGreaterThan(DEFAULT_RADIO.shadowSigmaDb * 0.85);
    expect(Math.sqrt(varr)).toBeLessThan(DEFAULT_RADIO.shadowSigmaDb * 1.15);
    expect(cov / varr).toBeGreaterThan(0.9);
  });
});
