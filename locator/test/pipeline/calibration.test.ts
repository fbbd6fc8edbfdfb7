/**
 * Calibration learner (issue #3 item 2): seeded synthetic reference-tag links generated with the locator's own
 * log-distance model, known per-gateway receive offsets, shadowing noise σ 4 dB, wall-attenuated and random outliers.
 */
import { describe, expect, it } from 'vitest';
import { loadSampleSite } from '@rtls/floorplans';
import { Rng, Simulation } from '@rtls/gateway-firmware-sim';
import type { WallFeature } from '@rtls/protocol';
import type { GatewayRecord } from '../../src/contracts.ts';
import {
  CalibrationLearner, DEFAULT_CALIBRATION_OPTIONS, createPlanWallLoss, logDistancePredictor, robustOffset,
  type CalibrationOptions, type ReferenceLink,
} from '../../src/positioning/calibration.ts';
import { robustRssi } from '../../src/positioning/link-window.ts';
import type { SiteLike } from '../../src/zones/site-model.ts';
import { T0, rect } from './helpers.ts';

const PATH_LOSS = { rssiAt1mDbm: -59, exponent: 2.2 };
const NOISE_DB = 4;
const ROUND_MS = 30_000;

function bleGateway(id: string, floor: string, x: number, y: number): GatewayRecord {
  return { id, tech: 'ble', format: 'native', floor, x, y, mountHeightM: 2.8, room: null, door: null, antennas: null };
}

/** 60 × 40 m floor, 12 gateways on a 15 × 13 m grid, 20 reference tags on a 12 × 10–12 m grid. */
const GATEWAYS: GatewayRecord[] = [7.5, 22.5, 37.5, 52.5].flatMap((x, i) => [7, 20, 33].map((y, j) => bleGateway(`gw-${i}${j}`, 'f1', x, y)));
const REFS = [4, 16, 28, 40, 52].flatMap((x, i) => [4, 14, 26, 36].map((y, j) => ({ tag: `ble:00000000${i}${j}00`, floor: 'f1', x, y })));
const gatewayOf = (id: string) => GATEWAYS.find((g) => g.id === id);

/** Interior walls (6 dB) at x = 15, 30, 45 with a 4 m opening in the middle: many links cross one or two. */
const WALL_DB = 6;
const wall = (x: number, y0: number, y1: number): WallFeature => ({
  type: 'Feature', properties: { kind: 'wall', attenuationDb: WALL_DB, material: 'drywall' },
  geometry: { type: 'LineString', coordinates: [[x, y0], [x, y1]] },
} as WallFeature);
const SITE: SiteLike = {
  id: 'cal',
  floors: [{
    summary: { id: 'f1', name: 'f1', level: 0, elevationM: 0, heightM: 4, widthM: 60, depthM: 40 },
    outline: { type: 'Feature', properties: { kind: 'outline' }, geometry: { type: 'Polygon', coordinates: rect(0, 0, 60, 40) } },
    rooms: [], zones: [], doors: [],
    walls: [15, 30, 45].flatMap((x) => [wall(x, 0, 18), wall(x, 22, 40)]),
  }],
};

interface Scenario {
  seed: string;
  rounds: number;
  /** Walls of SITE attenuate the generated links. */
  walls?: boolean;
  /** The learner gets the plan's wall losses (line-of-sight preference). */
  planAware?: boolean;
  /** Fraction of samples hit by an unmodelled obstruction (a body, a trolley) of 6–20 dB. */
  outlierFrac?: number;
  /** Added to every gateway's true offset (indistinguishable from a wrong A). */
  commonDb?: number;
  /** Overrides of true offsets. */
  offsets?: Record<string, number>;
  options?: Partial<CalibrationOptions>;
  /** Weaker links are not heard at all, dBm. */
  audibleDbm?: number;
}

function run(s: Scenario): { learner: CalibrationLearner; truth: Map<string, number> } {
  const rng = new Rng(s.seed);
  const truth = new Map(GATEWAYS.map((g) => [g.id, s.offsets?.[g.id] ?? rng.uniform(-3, 3)]));
  const predict = logDistancePredictor(gatewayOf, () => PATH_LOSS);
  const wallLoss = createPlanWallLoss(SITE, gatewayOf);
  const learner = new CalibrationLearner({ predict, planWallLossDb: s.planAware ? wallLoss : undefined }, s.options);
  for (let round = 0; round < s.rounds; round++) {
    const t = T0 + round * ROUND_MS;
    for (const ref of REFS) {
      const links: ReferenceLink[] = [];
      for (const g of GATEWAYS) {
        let rssi = predict(g.id, ref.floor, ref.x, ref.y, PATH_LOSS.rssiAt1mDbm)! + truth.get(g.id)! + (s.commonDb ?? 0);
        rssi += rng.normal(0, NOISE_DB);
        if (s.walls) rssi -= wallLoss(g.id, ref.floor, ref.x, ref.y);
        if (s.outlierFrac && rng.chance(s.outlierFrac)) rssi -= rng.uniform(6, 20);
        // What a gateway hears at all: the learner must cope with the weak links being present.
        if (rssi < (s.audibleDbm ?? -92)) continue;
        links.push({ gatewayId: g.id, rssi, n: 8, rssiAt1mDbm: PATH_LOSS.rssiAt1mDbm });
      }
      learner.observeReference(ref.tag, ref, links, t);
    }
  }
  return { learner, truth };
}

const medianOf = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function errors(learner: CalibrationLearner, truth: Map<string, number>, pinned: boolean): number[] {
  const ref = pinned ? medianOf([...truth.values()]) : 0;
  return GATEWAYS.map((g) => {
    const est = learner.gatewayOffset(g.id);
    expect(est, g.id).toBeDefined();
    return est!.offsetDb - (truth.get(g.id)! - ref);
  });
}

const maxAbs = (a: number[]) => Math.max(...a.map(Math.abs));

describe('calibration learner: gateway receive offsets from reference tags', () => {
  it('recovers known offsets within ±1 dB (median-pinned) with walls in the way, using line-of-sight links', () => {
    const { learner, truth } = run({ seed: 'cal/walls', rounds: 120, walls: true, planAware: true });
    const err = errors(learner, truth, true);
    expect(maxAbs(err)).toBeLessThanOrEqual(1);
    // Gateways with enough line-of-sight samples were estimated from those alone.
    expect(GATEWAYS.filter((g) => learner.gatewayOffset(g.id)!.lineOfSight).length).toBeGreaterThan(GATEWAYS.length / 2);
    // Why the plan matters: 6 dB walls are within the noise, so no fence can separate them, and how many links of a
    // gateway cross walls differs per gateway. Blind to the plan, the same data gives a worse answer.
    const blind = run({ seed: 'cal/walls', rounds: 120, walls: true, planAware: false });
    expect(maxAbs(errors(blind.learner, blind.truth, true))).toBeGreaterThan(maxAbs(err));
  });

  it('is robust to 20 % unmodelled attenuation outliers (absolute offsets, trusted reference power)', () => {
    const { learner, truth } = run({ seed: 'cal/outliers', rounds: 120, outlierFrac: 0.2, options: { pin: 'none' } });
    const err = errors(learner, truth, false);
    expect(maxAbs(err)).toBeLessThanOrEqual(1);
    // The same data through a plain mean is pulled down by about 0.2 × 13 dB: the outliers are not negligible.
    const predict = logDistancePredictor(gatewayOf, () => PATH_LOSS);
    const rng = new Rng('cal/outliers/mean');
    const residuals = Array.from({ length: 2000 }, () => rng.normal(0, NOISE_DB) - (rng.chance(0.2) ? rng.uniform(6, 20) : 0));
    const mean = residuals.reduce((a, b) => a + b, 0) / residuals.length;
    expect(mean).toBeLessThan(-2);
    expect(Math.abs(robustOffset(residuals, DEFAULT_CALIBRATION_OPTIONS).location)).toBeLessThan(Math.abs(mean) / 3);
    expect(predict('gw-00', 'f1', 7.5, 7, -59)).toBeCloseTo(-59 - 22 * Math.log10(1.8), 6);
  });

  it('is unbiased on clean Gaussian residuals despite the one-sided fence', () => {
    const rng = new Rng('cal/clean');
    const values = Array.from({ length: 20_000 }, () => 2 + rng.normal(0, NOISE_DB));
    const r = robustOffset(values, DEFAULT_CALIBRATION_OPTIONS);
    expect(r.location).toBeCloseTo(2, 0);
    expect(Math.abs(r.location - 2)).toBeLessThan(0.15);
    expect(r.scale).toBeGreaterThan(NOISE_DB * 0.9);
    expect(r.scale).toBeLessThan(NOISE_DB * 1.1);
  });

  it('pins the common offset: a shift shared by all gateways moves commonOffsetDb, not the offsets', () => {
    // Everything audible, so the shift changes nothing but the level.
    const base = run({ seed: 'cal/pin', rounds: 60, audibleDbm: -Infinity });
    const shifted = run({ seed: 'cal/pin', rounds: 60, commonDb: 5, audibleDbm: -Infinity });
    for (const g of GATEWAYS) {
      expect(Math.abs(shifted.learner.gatewayOffset(g.id)!.offsetDb - base.learner.gatewayOffset(g.id)!.offsetDb)).toBeLessThan(0.05);
    }
    expect(Math.abs(shifted.learner.commonOffsetDb() - base.learner.commonOffsetDb() - 5)).toBeLessThan(0.05);
    expect(medianOf(GATEWAYS.map((g) => shifted.learner.gatewayOffset(g.id)!.offsetDb))).toBeCloseTo(0, 1);
    // Trusting the reference tags' power instead, the shift lands in the offsets.
    const trusted = run({ seed: 'cal/pin', rounds: 60, commonDb: 5, options: { pin: 'none' } });
    expect(trusted.learner.commonOffsetDb()).toBe(0);
    const meanShift = GATEWAYS.reduce((a, g) => a + trusted.learner.gatewayOffset(g.id)!.offsetDb - trusted.truth.get(g.id)!, 0) / GATEWAYS.length;
    expect(meanShift).toBeGreaterThan(4);
    expect(meanShift).toBeLessThan(6);
  });

  it('with a single calibrated gateway the pinned offset is 0 (nothing to compare it with)', () => {
    const predict = logDistancePredictor(gatewayOf, () => PATH_LOSS);
    const learner = new CalibrationLearner({ predict });
    const ref = REFS[0]!;
    for (let i = 0; i < 40; i++) {
      const rssi = predict('gw-00', 'f1', ref.x, ref.y, -59)! + 3;
      learner.observeReference(ref.tag, ref, [{ gatewayId: 'gw-00', rssi, n: 5, rssiAt1mDbm: -59 }], T0 + i * ROUND_MS);
    }
    expect(learner.gatewayOffset('gw-00')!.offsetDb).toBe(0);
    expect(learner.commonOffsetDb()).toBeCloseTo(3, 1);
  });

  it('bounds offsets to ±boundDb', () => {
    const { learner } = run({ seed: 'cal/bound', rounds: 60, offsets: { 'gw-11': 16, 'gw-21': -16 }, options: { pin: 'none' } });
    expect(learner.gatewayOffset('gw-11')!.offsetDb).toBe(DEFAULT_CALIBRATION_OPTIONS.boundDb);
    expect(learner.gatewayOffset('gw-21')!.offsetDb).toBe(-DEFAULT_CALIBRATION_OPTIONS.boundDb);
    const tight = run({ seed: 'cal/bound', rounds: 60, offsets: { 'gw-11': 16 }, options: { pin: 'none', boundDb: 4 } });
    for (const g of GATEWAYS) expect(Math.abs(tight.learner.gatewayOffset(g.id)!.offsetDb)).toBeLessThanOrEqual(4);
  });

  it('reports nothing below minSamples and shrinks towards 0 while samples are few', () => {
    const predict = logDistancePredictor(gatewayOf, () => PATH_LOSS);
    const rng = new Rng('cal/shrink');
    const learner = new CalibrationLearner({ predict }, { pin: 'none' });
    const ref = REFS[5]!;
    const observe = (i: number) => {
      const rssi = predict('gw-11', 'f1', ref.x, ref.y, -59)! + 3 + rng.normal(0, NOISE_DB);
      learner.observeReference(ref.tag, ref, [{ gatewayId: 'gw-11', rssi, n: 5, rssiAt1mDbm: -59 }], T0 + i * ROUND_MS);
    };
    let i = 0;
    for (; i < DEFAULT_CALIBRATION_OPTIONS.minSamples - 1; i++) observe(i);
    expect(learner.gatewayOffset('gw-11')).toBeUndefined();
    observe(i++);
    const early = learner.gatewayOffset('gw-11')!;
    expect(early.samples).toBeLessThanOrEqual(DEFAULT_CALIBRATION_OPTIONS.minSamples);
    const raw = robustOffset(learner.snapshot().gateways['gw-11']!.map(([r]) => r), DEFAULT_CALIBRATION_OPTIONS).location;
    expect(Math.abs(early.offsetDb)).toBeLessThan(Math.abs(raw));
    for (; i < 400; i++) observe(i);
    expect(learner.gatewayOffset('gw-11')!.offsetDb).toBeGreaterThan(2);
    expect(learner.gatewayOffset('gw-11')!.offsetDb).toBeLessThan(4);
  });

  it('takes one sample per (reference tag, gateway) per interval; skips other floors, unknown gateways and weak or thin links', () => {
    const predict = logDistancePredictor((id) => (id === 'gw-up' ? bleGateway('gw-up', 'f2', 7.5, 7) : gatewayOf(id)), () => PATH_LOSS);
    const learner = new CalibrationLearner({ predict });
    const ref = REFS[0]!;
    const ok = { gatewayId: 'gw-00', rssi: -65, n: 5, rssiAt1mDbm: -59 };
    expect(learner.observeReference(ref.tag, ref, [ok], T0)).toBe(1);
    expect(learner.observeReference(ref.tag, ref, [ok], T0 + 10_000)).toBe(0);
    expect(learner.observeReference(ref.tag, ref, [ok], T0 + ROUND_MS)).toBe(1);
    const t = T0 + 10 * ROUND_MS;
    expect(learner.observeReference(ref.tag, ref, [
      { ...ok, gatewayId: 'gw-up' }, // another floor: through a slab
      { ...ok, gatewayId: 'gw-nope' }, // unknown
      { ...ok, gatewayId: 'gw-32', rssi: -88 }, // predicted below minPredictedDbm (≈ 50 m away)
      { ...ok, n: 1 }, // one read: fading not averaged
      { ...ok, rssi: -20 }, // 40 dB above the model: not calibration evidence
    ], t)).toBe(0);
  });
});

describe('calibration learner: tag-model transmit offsets', () => {
  it('aggregates per-tag solver offsets robustly per model; one parked tag cannot outvote the others', () => {
    const predict = logDistancePredictor(gatewayOf, () => PATH_LOSS);
    const learner = new CalibrationLearner({ predict });
    const rng = new Rng('cal/models');
    for (let round = 0; round < 60; round++) {
      for (let tag = 0; tag < 10; tag++) {
        const t = T0 + round * ROUND_MS + tag;
        const infant = -4 + rng.normal(0, 2) - (rng.chance(0.2) ? rng.uniform(6, 20) : 0);
        learner.observeTagResidual('infant', infant, t, `ble:0000000000${tag}0`);
        learner.observeTagResidual('infusion-pump', 1 + rng.normal(0, 2), t, `ble:0000000001${tag}0`);
      }
      // A tag that reports every second with a wild offset: decimated to one sample per interval.
      for (let k = 0; k < 30; k++) learner.observeTagResidual('infusion-pump', 9, T0 + round * ROUND_MS + k * 1000, 'ble:00000000FF00');
    }
    expect(Math.abs(learner.tagModelOffset('infant')!.offsetDb + 4)).toBeLessThanOrEqual(1);
    expect(Math.abs(learner.tagModelOffset('infusion-pump')!.offsetDb - 1)).toBeLessThanOrEqual(1);
    expect(learner.tagModelOffset('unknown-model')).toBeUndefined();
    // Tag models are not pinned: no gateway offsets exist, and the models keep their own levels.
    expect(learner.gatewayOffsets().size).toBe(0);
  });
});

describe('calibration learner: persistence', () => {
  it('snapshot → JSON → load reproduces every estimate; a bad snapshot leaves the learner empty', () => {
    const { learner } = run({ seed: 'cal/snap', rounds: 40, walls: true, planAware: true });
    for (let i = 0; i < 30; i++) learner.observeTagResidual('infant', -4 + (i % 5) - 2, T0 + i * ROUND_MS, 'ble:000000000001');
    const json = JSON.stringify(learner.snapshot());
    const predict = logDistancePredictor(gatewayOf, () => PATH_LOSS);
    const restored = new CalibrationLearner({ predict });
    expect(restored.load(JSON.parse(json))).toBe(true);
    expect([...restored.gatewayOffsets()]).toEqual([...learner.gatewayOffsets()]);
    expect([...restored.tagModelOffsets()]).toEqual([...learner.tagModelOffsets()]);
    expect(restored.gatewayOffsets().size).toBe(GATEWAYS.length);
    expect(restored.load({ version: 99, gateways: {} })).toBe(false);
    expect(restored.gatewayOffsets().size).toBe(0);
  });
});

describe('plan wall loss', () => {
  it('charges the walls a gateway→point line crosses, not a wall touched at the gateway', () => {
    const loss = createPlanWallLoss(SITE, (id) => (id === 'on-wall' ? bleGateway('on-wall', 'f1', 15, 10) : gatewayOf(id)));
    expect(loss('gw-00', 'f1', 4, 4)).toBe(0); // same strip
    expect(loss('gw-00', 'f1', 28, 4)).toBe(WALL_DB); // crosses x = 15
    expect(loss('gw-00', 'f1', 40, 4)).toBe(2 * WALL_DB); // crosses x = 15 and x = 30
    expect(loss('gw-01', 'f1', 28, 20)).toBe(0); // through the opening at y 18–22
    expect(loss('on-wall', 'f1', 4, 10)).toBe(0);
    expect(loss('gw-00', 'f2', 28, 4)).toBe(0); // a floor without walls
    // The predictor charges the same walls when the solver does.
    const open = logDistancePredictor(gatewayOf, () => PATH_LOSS);
    const walled = logDistancePredictor(gatewayOf, () => PATH_LOSS, loss);
    expect(open('gw-00', 'f1', 40, 4, -59)! - walled('gw-00', 'f1', 40, 4, -59)!).toBeCloseTo(2 * WALL_DB, 9);
  });
});

describe('calibration learner on the simulator (sample hospital, reference tags)', () => {
  it('learns the simulated receive offsets: calibrated error well below the offsets themselves', () => {
    const site = loadSampleSite();
    const sim = new Simulation({ site, seed: 11, tagCount: 1, startTime: T0, scenario: { referenceTags: 30, behaviour: 'parked' } });
    const gws: GatewayRecord[] = sim.gateways();
    const byId = new Map(gws.map((g) => [g.id, g]));
    const refs = new Map(sim.referenceTags().map((r) => [r.tag, r]));
    const walls = createPlanWallLoss(site, (id) => byId.get(id));
    // The locator's model charges the plan's walls (issue #3 item 4); so does the learner's prediction.
    const learner = new CalibrationLearner({ predict: logDistancePredictor((id) => byId.get(id), () => PATH_LOSS, walls), planWallLossDb: walls });
    const windows = new Map<string, { t: number; rssi: number; tx: number | undefined }[]>();
    const windowMs = 4000;
    for (let s = 1; s <= 40 * 60; s++) {
      const now = T0 + s * 1000;
      for (const b of sim.step(now)) {
        if (byId.get(b.gw)?.tech !== 'ble') continue;
        for (const r of b.reads) {
          if (!refs.has(r.tag)) continue;
          const k = `${r.tag}|${b.gw}`;
          const w = windows.get(k) ?? [];
          w.push({ t: r.t ?? b.t, rssi: r.rssi, tx: r.tx });
          windows.set(k, w);
        }
      }
      if (s % 5 !== 0) continue;
      const perTag = new Map<string, ReferenceLink[]>();
      for (const [k, all] of windows) {
        const w = all.filter((x) => x.t > now - windowMs);
        windows.set(k, w);
        if (w.length === 0) continue;
        const [tag, gw] = k.split('|') as [string, string];
        const est = robustRssi(w.map((x) => x.rssi));
        const tx = w.find((x) => x.tx !== undefined)?.tx;
        const links = perTag.get(tag) ?? [];
        links.push({ gatewayId: gw, rssi: est.rssi, n: est.n, rssiAt1mDbm: tx !== undefined && tx <= -45 ? tx : PATH_LOSS.rssiAt1mDbm });
        perTag.set(tag, links);
      }
      for (const [tag, links] of perTag) learner.observeReference(tag, refs.get(tag)!, links, now);
    }
    const truth = sim.gatewayOffsetsDb();
    const learned = learner.gatewayOffsets();
    expect(learned.size).toBeGreaterThan(50);
    const ids = [...learned.keys()];
    // Only differences between gateways are identifiable: compare against the truth pinned the same way (median 0).
    const pin = medianOf(ids.map((id) => truth.get(id)!));
    const rms = (a: number[]) => Math.sqrt(a.reduce((x, y) => x + y * y, 0) / a.length);
    const uncalibrated = rms(ids.map((id) => truth.get(id)! - pin));
    const calibrated = rms(ids.map((id) => learned.get(id)!.offsetDb - (truth.get(id)! - pin)));
    expect(calibrated).toBeLessThan(0.7 * uncalibrated);
    for (const e of learned.values()) expect(Math.abs(e.offsetDb)).toBeLessThanOrEqual(DEFAULT_CALIBRATION_OPTIONS.boundDb);
  });
});
