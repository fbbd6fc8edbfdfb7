/**
 * Wall losses from the floor plan (issue #3 item 4): crossing tests on hand-made walls, and the bucketed per-gateway
 * tables checked against the brute-force crossing test on the sample hospital and on random diagonal walls.
 */
import { describe, expect, it } from 'vitest';
import type { WallFeature } from '@rtls/protocol';
import { loadSampleSite } from '@rtls/floorplans';
import { GatewayWallGrid, WALL_GRID_CELL_M, WallLossModel, WallSegments, wallLossModelFor } from '../../src/positioning/wall-loss.ts';
import { seeded } from './helpers.ts';

function wall(coords: [number, number][], attenuationDb: number): WallFeature {
  return { type: 'Feature', properties: { kind: 'wall', attenuationDb }, geometry: { type: 'LineString', coordinates: coords } };
}

/**
 * Centre of the table cell holding (x, y). Tables span ±30 m around the gateway, a whole number of 0.5 m cells, so
 * cell edges fall on gateway + k·cell whatever the table's exact extent.
 */
const cellCentre = (g: number, v: number) => g + (Math.floor((v - g) / WALL_GRID_CELL_M) + 0.5) * WALL_GRID_CELL_M;
/** Points drawn within this distance (per axis) of the gateway stay inside its table. */
const WITHIN_M = 29.9;

/** Compares the table with the brute-force crossing test at the centres of the cells of `n` random points. */
function gridMismatches(segs: WallSegments, gx: number, gy: number, n: number, rnd: ReturnType<typeof seeded>) {
  const grid = new GatewayWallGrid(segs, gx, gy);
  const bad: { cx: number; cy: number; grid: number; brute: number }[] = [];
  for (let i = 0; i < n; i++) {
    const px = gx + (2 * rnd.uniform() - 1) * WITHIN_M;
    const py = gy + (2 * rnd.uniform() - 1) * WITHIN_M;
    const cx = cellCentre(gx, px), cy = cellCentre(gy, py);
    const brute = Math.min(255, Math.round(segs.lossBetween(cx, cy, gx, gy)));
    const got = grid.at(px, py);
    if (got !== brute) bad.push({ cx, cy, grid: got, brute });
  }
  return bad;
}

describe('wall crossings (brute force)', () => {
  const x5 = wall([[5, -10], [5, 10]], 10);
  const x15 = wall([[15, -10], [15, 10]], 4);

  it('charges each wall crossed once, in either direction', () => {
    const segs = new WallSegments([x5, x15]);
    expect(segs.count).toBe(2);
    expect(segs.lossBetween(0, 0, 10, 0)).toBe(10);
    expect(segs.lossBetween(10, 0, 0, 0)).toBe(10);
    expect(segs.lossBetween(0, 0, 20, 3)).toBe(14);
    expect(segs.lossBetween(20, 3, 0, 0)).toBe(14);
    expect(segs.lossBetween(6, 0, 14, 0)).toBe(0); // between the walls
    expect(segs.lossBetween(0, 12, 20, 12)).toBe(0); // beyond the walls' ends
    expect(new WallSegments([]).lossBetween(0, 0, 100, 100)).toBe(0);
  });

  it('a multi-segment wall crossed away from its vertices is charged once', () => {
    const zig = new WallSegments([wall([[5, -10], [5, 0], [8, 3], [8, 10]], 6)]);
    expect(zig.count).toBe(3);
    expect(zig.lossBetween(0, -5, 10, -5)).toBe(6);
    expect(zig.lossBetween(0, 1, 10, 1)).toBe(6);
    expect(zig.lossBetween(0, 6, 10, 6)).toBe(6);
  });

  it('a wall touched exactly at the gateway end is not charged; crossing it elsewhere is', () => {
    // A gateway mounted on the wall at (5, 2): its own wall must not weaken its links on either side.
    const segs = new WallSegments([x5]);
    expect(segs.lossBetween(0, 0, 5, 2)).toBe(0);
    expect(segs.lossBetween(10, 4, 5, 2)).toBe(0);
    // The same wall between the tag and a gateway beyond it is charged.
    expect(segs.lossBetween(0, 0, 5.01, 2)).toBe(10);
  });

  it('a path parallel to a wall crosses nothing, even when it runs along it', () => {
    const segs = new WallSegments([x5]);
    expect(segs.lossBetween(6, -8, 6, 8)).toBe(0); // parallel, 1 m off
    expect(segs.lossBetween(4.999, -8, 4.999, 8)).toBe(0); // parallel, 1 mm off
    // Along the wall itself: no side is changed, so nothing is crossed.
    expect(segs.lossBetween(5, -8, 5, 8)).toBe(0);
    expect(segs.lossBetween(4, -8, 6, 8)).toBe(10); // control: nearly parallel but crossing
  });
});

describe('per-gateway wall tables', () => {
  it('tabulate the loss on each side of a wall, rounded to whole dB and capped at 255', () => {
    const segs = new WallSegments([wall([[3, -20], [3, 20]], 7.4)]);
    const g = new GatewayWallGrid(segs, 0, 0);
    expect(g.at(-5, 0)).toBe(0);
    expect(g.at(2.6, 1)).toBe(0);
    expect(g.at(3.6, 1)).toBe(7);
    expect(g.at(20, -15)).toBe(7);
    // Beyond the table: the edge cell in that direction (the gateway is not heard there anyway).
    expect(g.at(500, 0)).toBe(g.at(29.9, 0));
    expect(g.at(-500, 0)).toBe(0);

    const many = new WallSegments(Array.from({ length: 28 }, (_, i) => wall([[1 + i, -5], [1 + i, 5]], 10)));
    expect(many.lossBetween(29.5, 0, 0, 0)).toBe(280);
    expect(new GatewayWallGrid(many, 0, 0).at(29.5, 0)).toBe(255);
  });

  it('agree with the brute-force crossing test at cell centres on the sample hospital (all gateways)', () => {
    const site = loadSampleSite();
    const rnd = seeded(2024);
    let points = 0;
    const bad: { floor: string; gw: string; cx: number; cy: number; grid: number; brute: number }[] = [];
    for (const f of site.floors) {
      const segs = new WallSegments(f.walls);
      expect(segs.count).toBeGreaterThan(0);
      for (const gw of f.gateways) {
        const [gx, gy] = gw.geometry.coordinates as [number, number];
        const n = 40;
        points += n;
        for (const b of gridMismatches(segs, gx, gy, n, rnd)) bad.push({ floor: f.summary.id, gw: gw.properties.id, ...b });
      }
    }
    // A mismatch can only come from a ray through a wall's endpoint exactly (a corner or a door jamb), where the
    // last-bit rounding of the cell centre decides whether it touches; the brief allows 0.1 %.
    console.info(`wall tables vs brute force, sample hospital: ${bad.length} mismatches in ${points} points${bad.length ? ` e.g. ${JSON.stringify(bad.slice(0, 3))}` : ''}`);
    expect(points).toBeGreaterThan(5000);
    expect(bad.length / points).toBeLessThan(0.001);
  });

  it('agree with the brute-force test on random diagonal walls, including walls through the gateway', () => {
    // The sample hospital's walls are axis-aligned; bearings that straddle bucket edges and the ±π cut need
    // arbitrary angles.
    const rnd = seeded(77);
    let points = 0;
    let mismatches = 0;
    for (let k = 0; k < 10; k++) {
      const gx = 50 * rnd.uniform(), gy = 50 * rnd.uniform();
      const walls: WallFeature[] = [];
      for (let i = 0; i < 120; i++) {
        const x1 = gx + 70 * (rnd.uniform() - 0.5), y1 = gy + 70 * (rnd.uniform() - 0.5);
        const len = 1 + 15 * rnd.uniform(), a = 2 * Math.PI * rnd.uniform();
        walls.push(wall([[x1, y1], [x1 + len * Math.cos(a), y1 + len * Math.sin(a)]], [4, 6, 12, 15][i % 4]!));
      }
      // A wall the gateway is mounted on, and one ending at the gateway.
      walls.push(wall([[gx - 6, gy - 2], [gx + 6, gy + 2]], 15));
      walls.push(wall([[gx, gy], [gx - 3, gy + 9]], 6));
      const segs = new WallSegments(walls);
      const n = 1000;
      points += n;
      mismatches += gridMismatches(segs, gx, gy, n, rnd).length;
    }
    console.info(`wall tables vs brute force, random diagonal walls: ${mismatches} mismatches in ${points} points`);
    expect(mismatches / points).toBeLessThan(0.001);
  });
});

describe('wall-loss model', () => {
  const floors = () => [
    { id: 'f1', walls: [wall([[3, -20], [3, 20]], 10)] },
    { id: 'f2', walls: [] },
  ];

  it('builds a table per gateway once, and rebuilds it when the gateway moves', () => {
    const m = new WallLossModel(floors());
    expect(m.hasWalls('f1')).toBe(true);
    expect(m.hasWalls('f2')).toBe(false);
    expect(m.hasWalls('nowhere')).toBe(false);
    expect(m.grid('gw-1', 'f2', 0, 0)).toBeNull();
    expect(m.grid('gw-1', 'nowhere', 0, 0)).toBeNull();

    const a = m.grid('gw-1', 'f1', 0, 0)!;
    expect(m.grid('gw-1', 'f1', 0, 0)).toBe(a);
    expect(a.at(5, 0)).toBe(10);
    expect(m.grid('gw-2', 'f1', 0, 0)).not.toBe(a); // one table per gateway id

    const moved = m.grid('gw-1', 'f1', 6, 0)!; // now east of the wall
    expect(moved).not.toBe(a);
    expect(moved.at(5, 0)).toBe(0);
    expect(moved.at(0, 0)).toBe(10);
    expect(m.grid('gw-1', 'f1', 6, 0)).toBe(moved);
  });

  it('is shared per floor-plan object', () => {
    const site = loadSampleSite();
    const plan = site.floors.map((f) => ({ id: f.summary.id, walls: f.walls }));
    const a = wallLossModelFor(site, plan);
    expect(wallLossModelFor(site, site.floors.map((f) => ({ id: f.summary.id, walls: f.walls })))).toBe(a);
    const other = {};
    const b = wallLossModelFor(other, plan);
    expect(b).not.toBe(a);
    expect(wallLossModelFor(other, plan)).toBe(b);
    // The shared model hands every pipeline over the site the same tables.
    const gw = site.floors[0]!.gateways[0]!;
    const [gx, gy] = gw.geometry.coordinates as [number, number];
    const g = a.grid(gw.properties.id, site.floors[0]!.summary.id, gx, gy);
    expect(g).not.toBeNull();
    expect(wallLossModelFor(site, plan).grid(gw.properties.id, site.floors[0]!.summary.id, gx, gy)).toBe(g);
  });
});
