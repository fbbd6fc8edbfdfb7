import fs from 'node:fs';
import path from 'node:path';
import { createSite, floorFromPlan, type Site } from '@rtls/floorplans';
import type { FloorFeature, FloorPlan, FloorSummary, GatewayFeature, ZoneType } from '@rtls/protocol';

/**
 * A small two-floor site for the I/O tests, built in memory so they do not depend on the sample hospital's content
 * (it passes the floorplans validator too, so the CLI can load it from disk). Floors are listed out of level order
 * on purpose: the API must sort them.
 */
const rect = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Polygon' as const,
  coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]] as [number, number][]],
});
const line = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'LineString' as const,
  coordinates: [[x0, y0], [x1, y1]] as [number, number][],
});

function gw(id: string, x: number, y: number, room: string, door?: string): GatewayFeature {
  return {
    type: 'Feature',
    properties: door
      ? { kind: 'gateway', id, tech: 'rfid-portal', format: 'native', mountHeightM: 2.2, room, door, antennas: 2 }
      : { kind: 'gateway', id, tech: 'ble', format: 'native', mountHeightM: 2.8, room },
    geometry: { type: 'Point', coordinates: [x, y] },
  };
}

function room(id: string, name: string, zoneType: ZoneType, g: ReturnType<typeof rect>): FloorFeature {
  return { type: 'Feature', properties: { kind: 'room', id, name, zoneType }, geometry: g };
}

function door(id: string, a: string, b: string, g: ReturnType<typeof line>): FloorFeature {
  return { type: 'Feature', properties: { kind: 'door', id, connects: [a, b] }, geometry: g };
}

function floor(id: string, level: number, gateways: GatewayFeature[]) {
  const summary: FloorSummary = { id, name: `Level ${level}`, level, elevationM: level * 4, heightM: 4, widthM: 40, depthM: 20 };
  const r = (s: string) => `${id}-${s}`;
  const plan: FloorPlan = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { kind: 'outline' }, geometry: rect(0, 0, 40, 20) },
      room(r('ward'), 'Ward', 'patient-room', rect(0, 0, 20, 8)),
      room(r('store'), 'Store', 'equipment-storage', rect(20, 0, 40, 8)),
      room(r('corridor'), 'Corridor', 'corridor', rect(0, 8, 40, 12)),
      room(r('stairs'), 'Stairs', 'stairs', rect(0, 12, 10, 20)),
      room(r('lift'), 'Lift', 'elevator', rect(10, 12, 20, 20)),
      door(r('ward-door'), r('ward'), r('corridor'), line(9, 8, 11, 8)),
      door(r('store-door'), r('store'), r('corridor'), line(29, 8, 31, 8)),
      door(r('stairs-door'), r('stairs'), r('corridor'), line(4, 12, 6, 12)),
      door(r('lift-door'), r('lift'), r('corridor'), line(14, 12, 16, 12)),
      door(r('entry'), r('corridor'), 'outside', line(0, 9, 0, 11)),
      ...gateways,
      // Coverage the validator asks for: a BLE gateway in every stairwell/lift and along the corridor.
      gw(`gw-${id.toLowerCase()}-stairs`, 5, 16, r('stairs')),
      gw(`gw-${id.toLowerCase()}-lift`, 15, 16, r('lift')),
      ...[5, 15, 25, 35].map((x, i) => gw(`gw-${id.toLowerCase()}-c${i + 1}`, x, 10, r('corridor'))),
    ],
  };
  return floorFromPlan(summary, plan);
}

export function fixtureSite(): Site {
  return createSite('test-site', 'Test Hospital', [
    floor('L1', 1, [gw('gw-l1-a', 5, 4, 'L1-ward'), gw('gw-l1-b', 30, 4, 'L1-store')]),
    floor('L0', 0, [gw('gw-l0-a', 5, 4, 'L0-ward'), gw('gw-l0-b', 30, 4, 'L0-store'), gw('gw-l0-portal', 30, 7.5, 'L0-store', 'L0-store-door')]),
  ], [
    { id: 'stairs-a', kind: 'stairs', rooms: ['L0-stairs', 'L1-stairs'] },
    { id: 'lift-a', kind: 'elevator', rooms: ['L0-lift', 'L1-lift'] },
  ]);
}

/** Writes the fixture as a site directory (site.json + one GeoJSON per floor) that loadSite accepts. */
export function writeFixtureSiteDir(dir: string): void {
  const site = fixtureSite();
  fs.mkdirSync(dir, { recursive: true });
  const floors = site.floors.map((f) => ({ ...f.summary, file: `${f.summary.id}.geojson` }));
  fs.writeFileSync(path.join(dir, 'site.json'), JSON.stringify({ id: site.id, name: site.name, floors, verticals: site.verticals }));
  for (const f of site.floors) fs.writeFileSync(path.join(dir, `${f.summary.id}.geojson`), JSON.stringify(f.plan));
}
