/**
 * A small two-floor site for the simulator's tests (the sample hospital lives in floorplans/): a corridor with rooms
 * either side, an L-shaped receiving dock (so walkers must round a corner), stairs and a lift linking the floors,
 * RFID portals on the theatre and sterile-store doors, smart cabinets, and BLE gateways on the ceilings.
 */
import type {
  DoorFeature, FloorSummary, GatewayFeature, OutlineFeature, RoomFeature, VerticalLink, WallFeature, ZoneType,
} from '@rtls/protocol';
import type { SimSite } from '../src/index.ts';

type P = [number, number];
const rect = (x0: number, y0: number, x1: number, y1: number): P[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

export interface FixtureFloor {
  summary: FloorSummary;
  outline: OutlineFeature;
  rooms: RoomFeature[];
  walls: WallFeature[];
  doors: DoorFeature[];
  gateways: GatewayFeature[];
}

const room = (id: string, zoneType: ZoneType, ring: P[]): RoomFeature => ({
  type: 'Feature',
  properties: { kind: 'room', id, name: id, zoneType },
  geometry: { type: 'Polygon', coordinates: [ring] },
});
const wall = (coords: P[], attenuationDb: number): WallFeature => ({
  type: 'Feature',
  properties: { kind: 'wall', attenuationDb },
  geometry: { type: 'LineString', coordinates: coords },
});
const door = (id: string, a: P, b: P, connects: [string, string], exit?: boolean): DoorFeature => ({
  type: 'Feature',
  properties: exit ? { kind: 'door', id, connects, exit } : { kind: 'door', id, connects },
  geometry: { type: 'LineString', coordinates: [a, b] },
});
const ble = (id: string, x: number, y: number, roomId: string): GatewayFeature => ({
  type: 'Feature',
  properties: { kind: 'gateway', id, tech: 'ble', format: 'native', mountHeightM: 2.8, room: roomId },
  geometry: { type: 'Point', coordinates: [x, y] },
});

/** North rooms: [id, type, x0, x1]; south rooms likewise. Corridor spans y 8..12. */
type Spec = [string, ZoneType, number, number];

function buildFloor(id: string, level: number, north: Spec[], south: Spec[], extra: (f: FixtureFloor) => void): FixtureFloor {
  const f: FixtureFloor = {
    summary: { id, name: `Floor ${level}`, level, elevationM: level * 4, heightM: 4, widthM: 40, depthM: 20 },
    outline: { type: 'Feature', properties: { kind: 'outline' }, geometry: { type: 'Polygon', coordinates: [rect(0, 0, 40, 20)] } },
    rooms: [room(`corr-${level}`, 'corridor', rect(0, 8, 40, 12))],
    walls: [
      wall([[0, 0], [40, 0], [40, 20], [0, 20], [0, 0]], 15),
      wall([[0, 8], [40, 8]], 6),
      wall([[0, 12], [40, 12]], 6),
    ],
    doors: [],
    gateways: [],
  };
  for (const [rid, type, x0, x1] of north) {
    f.rooms.push(room(rid, type, rect(x0, 12, x1, 20)));
    if (x0 > 0) f.walls.push(wall([[x0, 12], [x0, 20]], type === 'stairs' || type === 'elevator' ? 12 : 6));
    const c = (x0 + x1) / 2;
    f.doors.push(door(`d-${rid}`, [c - 0.6, 12], [c + 0.6, 12], [rid, `corr-${level}`]));
    f.gateways.push(ble(`gw-${rid}`, c, 16, rid));
  }
  for (const [rid, type, x0, x1] of south) {
    if (!f.rooms.some((r) => r.properties.id === rid)) f.rooms.push(room(rid, type, rect(x0, 0, x1, 8)));
    if (x0 > 0) f.walls.push(wall([[x0, 0], [x0, 8]], 6));
    const c = (x0 + x1) / 2;
    f.doors.push(door(`d-${rid}`, [c - 0.6, 8], [c + 0.6, 8], [rid, `corr-${level}`]));
    f.gateways.push(ble(`gw-${rid}`, c, 4.5, rid));
  }
  for (const x of [4, 12, 20, 28, 36]) f.gateways.push(ble(`gw-corr-${level}-${x}`, x, 10, `corr-${level}`));
  extra(f);
  return f;
}

export function fixtureFloors(): FixtureFloor[] {
  const f0 = buildFloor(
    'f0', 0,
    [['store-0', 'equipment-storage', 0, 8], ['pr-101', 'patient-room', 8, 16], ['pr-102', 'patient-room', 16, 24], ['sterile-0', 'sterile-store', 24, 32], ['stairs-0', 'stairs', 32, 36], ['lift-0', 'elevator', 36, 40]],
    [['dock-0', 'receiving-dock', 0, 10], ['or-1', 'operating-room', 10, 20], ['icu-1', 'icu-bay', 20, 28], ['nursery-0', 'nursery', 28, 34], ['mat-1', 'maternity-room', 34, 40]],
    (f) => {
      // The dock is L-shaped around a small office in its south-west corner.
      const dock = f.rooms.find((r) => r.properties.id === 'dock-0')!;
      dock.geometry.coordinates = [[[4, 0], [10, 0], [10, 8], [0, 8], [0, 4], [4, 4], [4, 0]]];
      // Its corridor door is at the west end, so the way to the office door has to round the office's corner.
      const dockDoor = f.doors.find((d) => d.properties.id === 'd-dock-0')!;
      dockDoor.geometry.coordinates = [[1, 8], [2.2, 8]];
      f.rooms.push(room('office-0', 'clean-utility', rect(0, 0, 4, 4)));
      f.walls.push(wall([[4, 0], [4, 4], [0, 4]], 6));
      f.doors.push(door('d-office-0', [4, 1.4], [4, 2.6], ['office-0', 'dock-0']));
      f.doors.push(door('d-dock-out', [7, 0], [8.2, 0], ['dock-0', 'outside'], true));
      f.gateways.push(
        { type: 'Feature', properties: { kind: 'gateway', id: 'portal-or-1', tech: 'rfid-portal', format: 'native', mountHeightM: 2.2, room: 'or-1', antennas: 2, door: 'd-or-1' }, geometry: { type: 'Point', coordinates: [15, 8] } },
        { type: 'Feature', properties: { kind: 'gateway', id: 'portal-sterile-0', tech: 'rfid-portal', format: 'native', mountHeightM: 2.2, room: 'sterile-0', antennas: 2, door: 'd-sterile-0' }, geometry: { type: 'Point', coordinates: [28, 12] } },
        // Mounted on the north wall: the simulator moves its shelf point just inside the room.
        { type: 'Feature', properties: { kind: 'gateway', id: 'cab-sterile-0', tech: 'rfid-cabinet', format: 'native', mountHeightM: 1, room: 'sterile-0', antennas: 4 }, geometry: { type: 'Point', coordinates: [29, 20] } },
        { type: 'Feature', properties: { kind: 'gateway', id: 'cab-or-1', tech: 'rfid-cabinet', format: 'native', mountHeightM: 1, room: 'or-1', antennas: 2 }, geometry: { type: 'Point', coordinates: [11, 1] } },
      );
    },
  );
  const f1 = buildFloor(
    'f1', 1,
    [['pr-201', 'patient-room', 0, 8], ['pr-202', 'patient-room', 8, 16], ['store-1', 'equipment-storage', 16, 24], ['util-1', 'clean-utility', 24, 32], ['stairs-1', 'stairs', 32, 36], ['lift-1', 'elevator', 36, 40]],
    [['icu-2', 'icu-bay', 0, 10], ['pr-203', 'patient-room', 10, 20], ['biomed-1', 'biomed-workshop', 20, 28], ['mat-2', 'maternity-room', 28, 40]],
    () => {},
  );
  return [f0, f1];
}

export const FIXTURE_VERTICALS: VerticalLink[] = [
  { id: 'stairs-a', kind: 'stairs', rooms: ['stairs-0', 'stairs-1'] },
  { id: 'lift-a', kind: 'elevator', rooms: ['lift-0', 'lift-1'] },
];

export function fixtureSite(): SimSite & { floors: FixtureFloor[] } {
  return { id: 'fixture', floors: fixtureFloors(), verticals: FIXTURE_VERTICALS };
}
