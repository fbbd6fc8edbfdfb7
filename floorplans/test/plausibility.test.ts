import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Position, RoomFeature, ZoneType } from '@rtls/protocol';
import { SAMPLE_SITE_DIR, loadSampleSite, pointBoundaryDistance, pointInPolygon, polygonArea } from '../src/index.ts';
import { buildSampleHospital } from '../scripts/sample-hospital-layout.ts';

const site = loadSampleSite();
const rooms = site.floors.flatMap((f) => f.rooms.map((r) => ({ floor: f, room: r })));

function extent(r: RoomFeature): { w: number; h: number } {
  const ring = r.geometry.coordinates[0]!;
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  return { w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
}

// Ranges a hospital planner would accept (HBN 04-01 single room ~ 19-30 m² plus ensuite; ICU bed space >= 20 m²
// in new builds, older units smaller; theatres 40-60 m²).
const AREA_M2: Partial<Record<ZoneType, [number, number]>> = {
  'icu-bay': [12, 30],
  'operating-room': [35, 70],
  'patient-room': [12, 40],
  'maternity-room': [12, 40],
  'delivery-room': [25, 70],
  nursery: [20, 80],
  stairs: [15, 60],
  elevator: [4, 15],
  'sterile-store': [20, 120],
  'receiving-dock': [40, 200],
  emergency: [12, 90],
  'clean-utility': [8, 60],
  'soiled-utility': [8, 90],
};

describe('sample hospital plausibility', () => {
  it('room areas are plausible for their type', () => {
    for (const { room } of rooms) {
      const range = AREA_M2[room.properties.zoneType];
      if (!range) continue;
      const a = polygonArea(room.geometry.coordinates);
      expect(a, `${room.properties.id} area ${a}`).toBeGreaterThanOrEqual(range[0]);
      expect(a, `${room.properties.id} area ${a}`).toBeLessThanOrEqual(range[1]);
    }
  });

  it('corridors are 2-4 m wide and no room is narrower than 2 m', () => {
    for (const { room } of rooms) {
      const { w, h } = extent(room);
      const narrow = Math.min(w, h);
      expect(narrow, room.properties.id).toBeGreaterThanOrEqual(2);
      if (room.properties.zoneType === 'corridor') expect(narrow, room.properties.id).toBeLessThanOrEqual(4);
    }
  });

  it('every door joins two rooms that touch: each side of the door opening is inside one of them', () => {
    for (const f of site.floors) {
      for (const d of f.doors) {
        const [a, b] = d.geometry.coordinates as [Position, Position];
        const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
        expect(len, d.properties.id).toBeGreaterThanOrEqual(0.8);
        const mid: Position = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
        const n: Position = [-(b[1] - a[1]) / len, (b[0] - a[0]) / len];
        const sides: Position[] = [[mid[0] + 0.2 * n[0], mid[1] + 0.2 * n[1]], [mid[0] - 0.2 * n[0], mid[1] - 0.2 * n[1]]];
        const where = (p: Position) => {
          const hit = f.rooms.find((r) => pointInPolygon(p, r.geometry.coordinates));
          return hit ? hit.properties.id : pointInPolygon(p, f.outline.geometry.coordinates) ? 'void' : 'outside';
        };
        expect(sides.map(where).sort(), d.properties.id).toEqual([...d.properties.connects].sort());
        for (const id of d.properties.connects) {
          if (id === 'outside') continue;
          const room = site.room(id)!.room;
          expect(pointBoundaryDistance(a, room.geometry.coordinates), d.properties.id).toBeLessThan(0.01);
          expect(pointBoundaryDistance(b, room.geometry.coordinates), d.properties.id).toBeLessThan(0.01);
        }
      }
    }
  });

  it('every non-corridor room opens onto a corridor or a room that does (no deep room chains)', () => {
    for (const f of site.floors) {
      const corridor = new Set(f.rooms.filter((r) => r.properties.zoneType === 'corridor').map((r) => r.properties.id));
      const onCorridor = new Set<string>();
      for (const d of f.doors) {
        const [x, y] = d.properties.connects;
        if (corridor.has(x)) onCorridor.add(y);
        if (corridor.has(y)) onCorridor.add(x);
      }
      for (const r of f.rooms) {
        if (corridor.has(r.properties.id) || onCorridor.has(r.properties.id)) continue;
        const viaNeighbour = f.doors.some((d) => d.properties.connects.includes(r.properties.id) && d.properties.connects.some((c) => onCorridor.has(c)));
        expect(viaNeighbour, r.properties.id).toBe(true);
      }
    }
  });

  it('walls: exterior concrete ~15 dB, interior drywall 4-6 dB, theatres and X-ray 12-20 dB', () => {
    for (const f of site.floors) {
      const { widthM: W, depthM: D } = f.summary;
      const eq = (u: number, v: number) => Math.abs(u - v) < 0.01;
      const exterior = (a: Position, b: Position) =>
        (eq(a[0], 0) && eq(b[0], 0)) || (eq(a[0], W) && eq(b[0], W)) || (eq(a[1], 0) && eq(b[1], 0)) || (eq(a[1], D) && eq(b[1], D));
      let exteriorCount = 0;
      for (const w of f.walls) {
        const [a, b] = w.geometry.coordinates as [Position, Position];
        const att = w.properties.attenuationDb;
        if (exterior(a, b)) {
          exteriorCount++;
          expect(att, 'exterior wall').toBe(15);
        } else {
          expect(att).toBeGreaterThanOrEqual(4);
          expect(att).toBeLessThanOrEqual(20);
        }
      }
      expect(exteriorCount).toBeGreaterThanOrEqual(4);
      const special = f.rooms.filter((r) => r.properties.zoneType === 'operating-room' || /x-ray/i.test(r.properties.name));
      for (const r of special) {
        const bounding = f.walls.filter((w) => w.geometry.coordinates.every((p) => pointBoundaryDistance(p, r.geometry.coordinates) < 0.01));
        expect(bounding.length, r.properties.id).toBeGreaterThan(0);
        for (const w of bounding) expect(w.properties.attenuationDb, r.properties.id).toBeGreaterThanOrEqual(12);
      }
      const drywall = f.walls.filter((w) => w.properties.material?.startsWith('drywall'));
      expect(drywall.length).toBeGreaterThan(f.walls.length / 2);
      for (const w of drywall) expect([4, 5, 6]).toContain(w.properties.attenuationDb);
    }
  });

  it('corridor BLE gateways are at most 9 m apart along the corridor', () => {
    for (const f of site.floors) {
      for (const c of f.rooms.filter((r) => r.properties.zoneType === 'corridor')) {
        const { w, h } = extent(c);
        const along = (p: Position) => (w >= h ? p[0] : p[1]);
        const pos = f.gateways.filter((g) => g.properties.tech === 'ble' && g.properties.room === c.properties.id).map((g) => along(g.geometry.coordinates)).sort((x, y) => x - y);
        expect(pos.length, c.properties.id).toBeGreaterThan(0);
        for (let i = 1; i < pos.length; i++) expect(pos[i]! - pos[i - 1]!, c.properties.id).toBeLessThanOrEqual(9.01);
      }
    }
  });

  it('the committed files are exactly what the generator script produces', () => {
    const { site: siteFile, plans } = buildSampleHospital();
    const read = (name: string) => JSON.parse(readFileSync(join(SAMPLE_SITE_DIR, name), 'utf8')) as unknown;
    expect(read('site.json')).toEqual(JSON.parse(JSON.stringify(siteFile)));
    for (const [file, plan] of Object.entries(plans)) expect(read(file), file).toEqual(JSON.parse(JSON.stringify(plan)));
  });

  it('coordinates are rounded to centimetres', () => {
    for (const f of site.floors) {
      const nums = JSON.stringify(f.plan.features.map((x) => x.geometry.coordinates)).match(/-?\d+(\.\d+)?/g) ?? [];
      for (const n of nums) expect(n.split('.')[1]?.length ?? 0, n).toBeLessThanOrEqual(2);
    }
  });
});
