import { describe, expect, it } from 'vitest';
import { FixSchema } from '@rtls/protocol';
import type { GatewayRecord } from '../../src/contracts.ts';
import { robustRssi } from '../../src/positioning/link-window.ts';
import { chooseFloor, locateBle, strongestGateway } from '../../src/positioning/locate-ble.ts';
import type { BleLink, FloorBounds } from '../../src/positioning/locate-ble.ts';
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
