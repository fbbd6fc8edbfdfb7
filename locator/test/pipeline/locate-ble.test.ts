import { describe, expect, it } from 'vitest';
import { FixSchema } from '@rtls/protocol';
import type { GatewayRecord } from '../../src/contracts.ts';
import { robustRssi } from '../../src/positioning/link-window.ts';
import { chooseFloor, locateBle, strongestGateway } from '../../src/positioning/locate-ble.ts';
import type { BleLink, BleLocation, FloorBounds } from '../../src/positioning/locate-ble.ts';
import { WallLossModel, WallSegments } from '../../src/positioning/wall-loss.ts';
import { T0, ble, median, modelRssi, seeded } from './helpers.ts';

const pathLoss = { rssiAt1mDbm: -59, exponent: 2.2 };
const bounds: FloorBounds = { minX: 0, minY: 0, maxX: 40, maxY: 30 };
const boundsOf = (f: string) => (f === 'f1' || f === 'f2' ? bounds : undefined);
const grid: GatewayRecord[] = [];
for (const x of [5, 15, 25, 35]) for (const y of [5, 15, 25]) grid.push(ble(`g${x}-${y}`, 'f1', x, y));

const link = (gateway: GatewayRecord, rssi: number, n = 5): BleLink => ({ gateway, rssi, n, spreadDb: 2, rssiAt1mDbm: -59 });

describe('BLE locate', () => {
  it('recovers the position from noiseless ranges within 0.5 m', () => {
    const rnd = seeded(1);
    for (let i = 0; i < 50; i++) {
      const x = 2 + rnd.uniform() * 36;
      const y = 2 + rnd.uniform() * 26;
      const loc = locateBle(grid.map((g) => link(g, modelRssi(g, x, y))), boundsOf, pathLoss)!;
      expect(loc.method).toBe('ble-wls');
      expect(Math.hypot(loc.x - x, loc.y - y)).toBeLessThan(0.5);
      expect(loc.accuracyM).toBeGreaterThanOrEqual(1);
      expect(loc.used.length).toBeLessThanOrEqual(8);
      expect(loc.used.map((l) => l.rssi)).toEqual([...loc.used.map((l) => l.rssi)].sort((a, b) => b - a));
    }
  });

  it('with shadowing and fading, beats the strongest-gateway baseline on average (seeded)', () => {
    const rnd = seeded(42);
    const errWls: number[] = [];
    const errBase: number[] = [];
    for (let i = 0; i < 300; i++) {
      const x = rnd.uniform() * 40;
      const y = rnd.uniform() * 30;
      const links: BleLink[] = [];
      for (const g of grid) {
        const shadow = 3 * rnd.normal(); // static per position
        const samples = Array.from({ length: 5 }, () => modelRssi(g, x, y) + shadow + 4 * rnd.normal());
        const est = robustRssi(samples);
        if (est.rssi > -92) links.push({ gateway: g, rssi: est.rssi, n: est.n, spreadDb: est.spreadDb, rssiAt1mDbm: -59 });
      }
      const loc = locateBle(links, boundsOf, pathLoss)!;
      const base = strongestGateway(links)!;
      errWls.push(Math.hypot(loc.x - x, loc.y - y));
      errBase.push(Math.hypot(base.x - x, base.y - y));
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    // Report the measured figures (visible with --reporter=verbose).
    console.info(`BLE synthetic: WLS mean ${mean(errWls).toFixed(2)} m median ${median(errWls).toFixed(2)} m; strongest-gateway mean ${mean(errBase).toFixed(2)} m median ${median(errBase).toFixed(2)} m`);
    expect(mean(errWls)).toBeLessThan(mean(errBase));
    expect(median(errWls)).toBeLessThan(median(errBase));
  });

  it('falls back to a weighted centroid with 2 links and to the gateway with 1', () => {
    const a = grid[0]!; // (5,5)
    const b = grid[3]!; // (15,5)
    const two = locateBle([link(a, modelRssi(a, 7, 5)), link(b, modelRssi(b, 7, 5))], boundsOf, pathLoss)!;
    expect(two.method).toBe('ble-centroid');
    expect(two.x).toBeGreaterThan(5);
    expect(two.x).toBeLessThan(10); // nearer the stronger gateway
    expect(two.accuracyM).toBeGreaterThanOrEqual(1);
    const one = locateBle([link(b, -70)], boundsOf, pathLoss)!;
    expect(one).toMatchObject({ method: 'ble-nearest', x: 15, y: 5, floor: 'f1' });
    expect(one.accuracyM).toBeGreaterThanOrEqual(1);
    expect(one.confidence).toBeLessThan(two.confidence);
    expect(locateBle([], boundsOf, pathLoss)).toBeNull();
  });

  it('chooses the floor by the top-3 evidence, not by one loud gateway', () => {
    const up = [ble('u1', 'f2', 5, 5), ble('u2', 'f2', 15, 5), ble('u3', 'f2', 25, 5)];
    const links = [link(grid[0]!, -55), ...up.map((g) => link(g, -58))];
    expect(chooseFloor(links)).toBe('f2');
    expect(chooseFloor([link(grid[0]!, -55), link(up[0]!, -80)])).toBe('f1');
  });

  it('stays inside the floor bounds and produces a valid fix shape', () => {
    // Everything says "far beyond the west wall".
    const links = grid.map((g) => link(g, modelRssi(g, -30, 15)));
    const loc = locateBle(links, boundsOf, pathLoss)!;
    expect(loc.x).toBeGreaterThanOrEqual(0);
    expect(loc.y).toBeGreaterThanOrEqual(0);
    expect(loc.y).toBeLessThanOrEqual(30);
    const fix = {
      tag: 'ble:AABBCCDDEEFF', t: T0, floor: loc.floor, x: loc.x, y: loc.y, accuracyM: loc.accuracyM,
      confidence: loc.confidence, room: null, zones: [], method: loc.method,
      evidence: loc.used.map((l) => ({ gw: l.gateway.id, rssi: l.rssi, n: l.n })),
    };
    expect(FixSchema.safeParse(fix).success).toBe(true);
  });

  it('gives more confidence and better accuracy when links agree than when they conflict', () => {
    const agree = locateBle(grid.map((g) => link(g, modelRssi(g, 20, 15))), boundsOf, pathLoss)!;
    const rnd = seeded(7);
    const conflict = locateBle(grid.map((g) => link(g, modelRssi(g, 20, 15) + 12 * rnd.normal())), boundsOf, pathLoss)!;
    expect(agree.confidence).toBeGreaterThan(conflict.confidence);
    expect(agree.accuracyM).toBeLessThan(conflict.accuracyM);
  });
});

/** Covariance [σxx², σxy, σyy²] is symmetric by construction, so it must be positive definite, and match accuracyM. */
function expectCovSpd(loc: BleLocation): void {
  const [a, b, c] = loc.cov;
  expect(a).toBeGreaterThan(0);
  expect(c).toBeGreaterThan(0);
  expect(a * c - b * b).toBeGreaterThan(0);
  if (loc.method === 'ble-wls') expect(loc.accuracyM).toBeGreaterThanOrEqual(Math.min(Math.sqrt(a + c), 1) - 1e-9);
}

describe('BLE locate with walls, tag offset, covariance and a given floor', () => {
  /**
   * A 40 × 30 m floor of eight 10 × 15 m rooms with 8 dB walls between them (no doors: the walls are the point),
   * one gateway in the middle of each room.
   */
  const wallFeature = (coords: [number, number][]) => ({ type: 'Feature' as const, properties: { kind: 'wall' as const, attenuationDb: 8 }, geometry: { type: 'LineString' as const, coordinates: coords } });
  const walls = [
    wallFeature([[10, 0], [10, 30]]),
    wallFeature([[20, 0], [20, 30]]),
    wallFeature([[30, 0], [30, 30]]),
    wallFeature([[0, 15], [40, 15]]),
  ];
  const roomGateways: GatewayRecord[] = [];
  for (const x of [5, 15, 25, 35]) for (const y of [7.5, 22.5]) roomGateways.push(ble(`r${x}-${y}`, 'f1', x, y));

  it('with the walls the RSSI was generated with, recovers positions better than without them (seeded)', () => {
    const segs = new WallSegments(walls);
    const model = new WallLossModel([{ id: 'f1', walls }]);
    const wallsOf = (g: GatewayRecord) => model.grid(g.id, g.floor, g.x, g.y);
    const rnd = seeded(99);
    const errWalls: number[] = [];
    const errPlain: number[] = [];
    for (let i = 0; i < 300; i++) {
      const x = 0.5 + rnd.uniform() * 39;
      const y = 0.5 + rnd.uniform() * 29;
      const links: BleLink[] = [];
      for (const g of roomGateways) {
        // Generated with the exact crossing test, solved with the tables: the two paths are independent.
        const mean = modelRssi(g, x, y) - segs.lossBetween(x, y, g.x, g.y);
        const shadow = 3 * rnd.normal();
        const est = robustRssi(Array.from({ length: 5 }, () => mean + shadow + 4 * rnd.normal()));
        // −100 dBm: a BLE receiver's sensitivity; through three 8 dB walls the far gateways are still heard.
        if (est.rssi > -100) links.push({ gateway: g, rssi: est.rssi, n: est.n, spreadDb: est.spreadDb, rssiAt1mDbm: -59 });
      }
      if (links.length < 3) continue;
      const withWalls = locateBle(links, boundsOf, pathLoss, { walls: wallsOf })!;
      const plain = locateBle(links, boundsOf, pathLoss)!;
      expectCovSpd(withWalls);
      errWalls.push(Math.hypot(withWalls.x - x, withWalls.y - y));
      errPlain.push(Math.hypot(plain.x - x, plain.y - y));
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    console.info(
      `BLE with walls (${errWalls.length} positions): median ${median(errWalls).toFixed(2)} m, mean ${mean(errWalls).toFixed(2)} m; ` +
        `without walls: median ${median(errPlain).toFixed(2)} m, mean ${mean(errPlain).toFixed(2)} m`,
    );
    expect(errWalls.length).toBeGreaterThan(250);
    expect(median(errWalls)).toBeLessThan(median(errPlain));
    expect(mean(errWalls)).toBeLessThan(mean(errPlain));
  });

  it('estimates a known tag offset (−6 dB on all links) within 2 dB with ≥ 6 noiseless links, inside the gateway grid', () => {
    // Inside the grid: at least 5 m from the gateways' outer row on every side. Nearer the edge the objective's
    // minimum moves outwards (a quieter tag is "explained" by distance instead of by its offset): see the report
    // of this test's author; that case is left out here rather than asserted wrong.
    const rnd = seeded(5);
    const offsets: number[] = [];
    const errWith: number[] = [];
    const errWithout: number[] = [];
    for (let i = 0; i < 40; i++) {
      const x = 10 + rnd.uniform() * 20;
      const y = 10 + rnd.uniform() * 10;
      // Six links: exactly the threshold asked for.
      const six = [...grid].sort((a, b) => Math.hypot(a.x - x, a.y - y) - Math.hypot(b.x - x, b.y - y)).slice(0, 6);
      for (const gws of [six, grid]) {
        const links = gws.map((g) => link(g, modelRssi(g, x, y) - 6));
        const loc = locateBle(links, boundsOf, pathLoss, { tagOffsetMinLinks: 6 })!;
        expect(loc.method).toBe('ble-wls');
        expect(loc.tagOffsetDb).toBeDefined();
        offsets.push(loc.tagOffsetDb!);
        expect(Math.abs(loc.tagOffsetDb! - -6)).toBeLessThan(2);
        expectCovSpd(loc);
        errWith.push(Math.hypot(loc.x - x, loc.y - y));
        const fixed = locateBle(links, boundsOf, pathLoss, { tagOffsetMinLinks: 0 })!;
        expect(fixed.tagOffsetDb).toBeUndefined();
        errWithout.push(Math.hypot(fixed.x - x, fixed.y - y));
      }
    }
    console.info(
      `BLE tag offset −6 dB: estimates ${Math.min(...offsets).toFixed(2)}…${Math.max(...offsets).toFixed(2)} dB (median ${median(offsets).toFixed(2)}); ` +
        `position median error ${median(errWith).toFixed(2)} m with the offset estimated vs ${median(errWithout).toFixed(2)} m with it fixed at 0`,
    );
    expect(median(errWith)).toBeLessThan(median(errWithout));
    // Below the threshold the offset is not estimated.
    const five = grid.slice(0, 5).map((g) => link(g, modelRssi(g, 10, 10) - 6));
    expect(locateBle(five, boundsOf, pathLoss, { tagOffsetMinLinks: 6 })!.tagOffsetDb).toBeUndefined();
  });

  it('returns a symmetric positive definite covariance for every method', () => {
    const rnd = seeded(8);
    for (let i = 0; i < 50; i++) {
      const x = rnd.uniform() * 40, y = rnd.uniform() * 30;
      const links = grid.map((g) => link(g, modelRssi(g, x, y) + 6 * rnd.normal()));
      expectCovSpd(locateBle(links, boundsOf, pathLoss)!);
      expectCovSpd(locateBle(links.slice(0, 3), boundsOf, pathLoss)!);
    }
    expectCovSpd(locateBle([link(grid[0]!, -65), link(grid[3]!, -70)], boundsOf, pathLoss)!);
    expectCovSpd(locateBle([link(grid[0]!, -65)], boundsOf, pathLoss)!);
  });

  it('with a floor given, uses only that floor\'s links, even when another floor is louder', () => {
    const upstairs = grid.map((g) => ble(`up-${g.id}`, 'f2', g.x, g.y));
    const rnd = seeded(21);
    for (let i = 0; i < 20; i++) {
      const x = 3 + rnd.uniform() * 34, y = 3 + rnd.uniform() * 24;
      // f1 is 10 dB louder everywhere and places the tag somewhere else entirely.
      const links = [...grid.map((g) => link(g, modelRssi(g, 40 - x, 30 - y) + 10)), ...upstairs.map((g) => link(g, modelRssi(g, x, y)))];
      expect(locateBle(links, boundsOf, pathLoss)!.floor).toBe('f1');
      const loc = locateBle(links, boundsOf, pathLoss, { floor: 'f2' })!;
      expect(loc.floor).toBe('f2');
      expect(loc.used.length).toBeGreaterThan(0);
      for (const l of loc.used) expect(l.gateway.floor).toBe('f2');
      expect(Math.hypot(loc.x - x, loc.y - y)).toBeLessThan(0.5);
    }
    // A floor with no links, or one without bounds, gives no location.
    expect(locateBle(grid.map((g) => link(g, -70)), boundsOf, pathLoss, { floor: 'f2' })).toBeNull();
    expect(locateBle(grid.map((g) => link(g, -70)), boundsOf, pathLoss, { floor: 'f9' })).toBeNull();
  });
});
