import { isAbsolute, join } from 'node:path';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DoorFeature, GatewayFeature, RoomFeature, ZoneType } from '@rtls/protocol';
import { SAMPLE_SITE_DIR, loadSampleSite, pointInPolygon, validateSite, type LoadedFloor } from '../src/index.ts';

const site = loadSampleSite();
const L0 = site.floor('L0')!;
const L1 = site.floor('L1')!;

const ofType = (f: LoadedFloor, t: ZoneType): RoomFeature[] => f.rooms.filter((r) => r.properties.zoneType === t);
const gatewaysOf = (f: LoadedFloor, tech: GatewayFeature['properties']['tech']) => f.gateways.filter((g) => g.properties.tech === tech);
const exitDoors = (f: LoadedFloor): DoorFeature[] => f.doors.filter((d) => d.properties.exit === true);
const inside = (g: GatewayFeature, r: RoomFeature) => pointInPolygon(g.geometry.coordinates, r.geometry.coordinates);

describe('sample hospital site', () => {
  it('loads from the absolute SAMPLE_SITE_DIR and passes every semantic check', () => {
    expect(isAbsolute(SAMPLE_SITE_DIR)).toBe(true);
    expect(existsSync(join(SAMPLE_SITE_DIR, 'site.json'))).toBe(true);
    expect(site.id).toBe('sample-hospital');
    expect(site.floors.map((f) => [f.summary.id, f.summary.level])).toEqual([['L0', 0], ['L1', 1]]);
    expect(L1.summary.elevationM).toBeGreaterThan(3);
    expect(validateSite(site)).toEqual([]);
    expect(loadSampleSite()).toBe(site);
  });

  it('floors are 100-130 m by 50-70 m and every feature id is unique across the site', () => {
    for (const f of site.floors) {
      expect(f.summary.widthM).toBeGreaterThanOrEqual(100);
      expect(f.summary.widthM).toBeLessThanOrEqual(130);
      expect(f.summary.depthM).toBeGreaterThanOrEqual(50);
      expect(f.summary.depthM).toBeLessThanOrEqual(70);
    }
    const ids = site.floors.flatMap((f) => [...f.rooms, ...f.zones, ...f.doors, ...f.gateways].map((x) => x.properties.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lookups find rooms, gateways and doors by id with their floor', () => {
    expect(site.room('L1-icu-bay-3')?.floor.summary.id).toBe('L1');
    expect(site.room('L0-or-1')?.room.properties.zoneType).toBe('operating-room');
    expect(site.gateway('L0-portal-dock')?.gateway.properties.tech).toBe('rfid-portal');
    expect(site.door('L0-door-main-entrance')?.door.properties.exit).toBe(true);
    expect(site.room('nope')).toBeUndefined();
    expect(site.floor('L9')).toBeUndefined();
  });

  it('ground floor has the entrance, ED, dock, OR suite, stores, utilities, biomed, corridors, stairs and lift', () => {
    expect(ofType(L0, 'entrance').map((r) => r.properties.id)).toContain('L0-lobby');
    const lobbyExit = L0.doors.find((d) => d.properties.connects.includes('L0-lobby') && d.properties.connects.includes('outside'));
    expect(lobbyExit?.properties.exit).toBe(true);
    expect(ofType(L0, 'emergency').filter((r) => r.properties.name.startsWith('ED bay')).length).toBeGreaterThanOrEqual(6);
    expect(ofType(L0, 'operating-room')).toHaveLength(3);
    expect(ofType(L0, 'sterile-store')).toHaveLength(1);
    expect(L0.rooms.some((r) => /scrub/i.test(r.properties.name))).toBe(true);
    expect(L0.rooms.some((r) => r.properties.zoneType === 'corridor' && r.properties.unit === 'theatres')).toBe(true);
    const dock = ofType(L0, 'receiving-dock');
    expect(dock).toHaveLength(1);
    expect(L0.doors.some((d) => d.properties.connects.includes(dock[0]!.properties.id) && d.properties.connects.includes('outside'))).toBe(true);
    for (const t of ['equipment-storage', 'clean-utility', 'soiled-utility', 'biomed-workshop'] as const) expect(ofType(L0, t).length).toBeGreaterThanOrEqual(1);
    expect(ofType(L0, 'corridor').length).toBeGreaterThanOrEqual(3);
    expect(ofType(L0, 'stairs')).toHaveLength(2);
    expect(ofType(L0, 'elevator')).toHaveLength(1);
    expect(exitDoors(L0).length).toBeGreaterThanOrEqual(3);
  });

  it('first floor has an ICU of >= 8 bays with a station, maternity with nursery and delivery, wards, utilities, stairs and lift', () => {
    expect(ofType(L1, 'icu-bay').length).toBeGreaterThanOrEqual(8);
    expect(ofType(L1, 'nurse-station').some((r) => r.properties.unit === 'icu')).toBe(true);
    expect(ofType(L1, 'nursery')).toHaveLength(1);
    expect(ofType(L1, 'delivery-room').length).toBeGreaterThanOrEqual(1);
    expect(ofType(L1, 'maternity-room').length).toBeGreaterThanOrEqual(4);
    expect(ofType(L1, 'patient-room').length).toBeGreaterThanOrEqual(10);
    for (const t of ['clean-utility', 'soiled-utility', 'equipment-storage', 'corridor'] as const) expect(ofType(L1, t).length).toBeGreaterThanOrEqual(1);
    expect(ofType(L1, 'stairs')).toHaveLength(2);
    expect(ofType(L1, 'elevator')).toHaveLength(1);
    // Upstairs the monitored exits include the stair doors.
    const stairIds = new Set(ofType(L1, 'stairs').map((r) => r.properties.id));
    expect(exitDoors(L1).filter((d) => d.properties.connects.some((c) => stairIds.has(c)))).toHaveLength(2);
  });

  it('vertical links join stairs and lift rooms with the same footprint on both floors', () => {
    expect(site.verticals.map((v) => v.kind).sort()).toEqual(['elevator', 'stairs', 'stairs']);
    for (const v of site.verticals) {
      const rooms = v.rooms.map((id) => site.room(id)!);
      expect(rooms.map((r) => r.floor.summary.id)).toEqual(['L0', 'L1']);
      expect(rooms.every((r) => r.room.properties.zoneType === v.kind)).toBe(true);
      expect(rooms[1]!.room.geometry.coordinates).toEqual(rooms[0]!.room.geometry.coordinates);
    }
  });

  it('RFID portals guard the dock door, the OR suite entrance, the nursery door and every monitored exit', () => {
    const portalFor = (f: LoadedFloor, doorId: string) => gatewaysOf(f, 'rfid-portal').find((g) => g.properties.door === doorId);
    const doorWhere = (f: LoadedFloor, pred: (d: DoorFeature) => boolean) => {
      const ds = f.doors.filter(pred);
      expect(ds).toHaveLength(1);
      return ds[0]!;
    };
    const dockDoor = doorWhere(L0, (d) => d.properties.connects.includes('L0-dock') && d.properties.connects.includes('outside'));
    const orDoor = doorWhere(L0, (d) => d.properties.connects.includes('L0-or-entry') && d.properties.connects.includes('L0-hs'));
    const nurseryDoor = doorWhere(L1, (d) => d.properties.connects.includes('L1-nursery'));
    const guarded: [LoadedFloor, DoorFeature, string][] = [
      [L0, dockDoor, 'L0-dock'], [L0, orDoor, 'L0-or-entry'], [L1, nurseryDoor, 'L1-nursery'],
    ];
    for (const [f, d, room] of guarded) {
      const p = portalFor(f, d.properties.id);
      expect(p, d.properties.id).toBeDefined();
      expect(p!.properties.room).toBe(room);
      expect(p!.properties.antennas).toBe(2);
    }
    for (const f of site.floors) {
      for (const d of exitDoors(f)) {
        const p = portalFor(f, d.properties.id);
        expect(p, d.properties.id).toBeDefined();
        expect(d.properties.connects).toContain(p!.properties.room);
        expect(p!.properties.antennas).toBe(2);
      }
    }
    expect(site.gateway('L0-portal-dock')?.gateway.properties.door).toBe(dockDoor.properties.id);
  });

  it('RFID smart cabinets sit in the sterile store and in each theatre', () => {
    const cabs = [...gatewaysOf(L0, 'rfid-cabinet'), ...gatewaysOf(L1, 'rfid-cabinet')];
    const sterile = ofType(L0, 'sterile-store')[0]!;
    expect(cabs.filter((c) => c.properties.room === sterile.properties.id && inside(c, sterile))).toHaveLength(1);
    for (const or of ofType(L0, 'operating-room')) {
      expect(cabs.filter((c) => c.properties.room === or.properties.id && inside(c, or)), or.properties.id).toHaveLength(1);
    }
    expect(site.gateway('L0-cab-or1')?.gateway.properties.room).toBe('L0-or-1');
  });

  it('BLE gateways are native, ceiling mounted, and every non-corridor room has one inside it (large rooms more)', () => {
    for (const f of site.floors) {
      const ble = gatewaysOf(f, 'ble');
      for (const g of ble) {
        expect(g.properties.format).toBe('native');
        expect(g.properties.mountHeightM).toBeCloseTo(2.7, 5);
        expect(g.properties.room).toBeDefined();
      }
      for (const r of f.rooms.filter((x) => x.properties.zoneType !== 'corridor')) {
        expect(ble.some((g) => inside(g, r)), r.properties.id).toBe(true);
      }
    }
    expect(gatewaysOf(L0, 'ble').filter((g) => g.properties.room === 'L0-lobby').length).toBeGreaterThanOrEqual(3);
  });

  it('monitored exit zones lie just inside each exit door; the OR suite and maternity unit have restricted zones', () => {
    for (const f of site.floors) {
      const exitZones = f.zones.filter((z) => z.properties.zoneType === 'exit');
      expect(exitZones.length).toBe(exitDoors(f).length);
      for (const z of exitZones) expect(z.properties.monitored).toBe(true);
      for (const d of exitDoors(f)) {
        const [a, b] = d.geometry.coordinates as [[number, number], [number, number]];
        const mid: [number, number] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
        // One metre into the room the door's portal stands in must be inside one exit zone.
        const portal = gatewaysOf(f, 'rfid-portal').find((g) => g.properties.door === d.properties.id)!;
        const [px, py] = portal.geometry.coordinates;
        const len = Math.hypot(px - mid[0], py - mid[1]);
        const probe: [number, number] = [mid[0] + ((px - mid[0]) / len) * 1, mid[1] + ((py - mid[1]) / len) * 1];
        expect(exitZones.filter((z) => pointInPolygon(probe, z.geometry.coordinates)), d.properties.id).toHaveLength(1);
      }
    }
    const centre = (r: RoomFeature): [number, number] => {
      const ring = r.geometry.coordinates[0]!;
      const xs = ring.map((p) => p[0]);
      const ys = ring.map((p) => p[1]);
      return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    };
    const orZone = L0.zones.find((z) => z.properties.zoneType === 'restricted')!;
    for (const r of [...ofType(L0, 'operating-room'), ...ofType(L0, 'sterile-store')]) {
      expect(pointInPolygon(centre(r), orZone.geometry.coordinates), r.properties.id).toBe(true);
    }
    expect(pointInPolygon(centre(site.room('L0-hs')!.room), orZone.geometry.coordinates)).toBe(false);
    const infant = L1.zones.find((z) => /infant/i.test(z.properties.name))!;
    expect(infant.properties.monitored).toBe(true);
    for (const r of [...ofType(L1, 'nursery'), ...ofType(L1, 'maternity-room'), ...ofType(L1, 'delivery-room')]) {
      expect(pointInPolygon(centre(r), infant.geometry.coordinates), r.properties.id).toBe(true);
    }
    expect(pointInPolygon(centre(site.room('L1-hs')!.room), infant.geometry.coordinates)).toBe(false);
  });
});
