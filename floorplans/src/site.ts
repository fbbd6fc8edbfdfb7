import type {
  DoorFeature,
  FloorPlan,
  FloorSummary,
  GatewayFeature,
  OutlineFeature,
  RoomFeature,
  VerticalLink,
  CareUnit,
  WallFeature,
  ZoneFeature,
} from '@rtls/protocol';

/** One floor: its summary, the plan as parsed, and the features split by kind (in file order). */
export interface LoadedFloor {
  summary: FloorSummary;
  plan: FloorPlan;
  outline: OutlineFeature;
  rooms: RoomFeature[];
  zones: ZoneFeature[];
  walls: WallFeature[];
  doors: DoorFeature[];
  gateways: GatewayFeature[];
}

export interface Site {
  id: string;
  name: string;
  floors: LoadedFloor[];
  verticals: VerticalLink[];
  /** Care units (issue #6): the scopes of clinical users and patients; empty when the site file names none. */
  units: CareUnit[];
  floor(id: string): LoadedFloor | undefined;
  room(id: string): { floor: LoadedFloor; room: RoomFeature } | undefined;
  gateway(id: string): { floor: LoadedFloor; gateway: GatewayFeature } | undefined;
  door(id: string): { floor: LoadedFloor; door: DoorFeature } | undefined;
}

/** Splits a floor plan by feature kind. Throws if the plan has no outline (loadSite reports that before calling). */
export function floorFromPlan(summary: FloorSummary, plan: FloorPlan): LoadedFloor {
  const rooms: RoomFeature[] = [];
  const zones: ZoneFeature[] = [];
  const walls: WallFeature[] = [];
  const doors: DoorFeature[] = [];
  const gateways: GatewayFeature[] = [];
  let outline: OutlineFeature | undefined;
  for (const f of plan.features) {
    switch (f.properties.kind) {
      case 'outline': outline ??= f as OutlineFeature; break;
      case 'room': rooms.push(f as RoomFeature); break;
      case 'zone': zones.push(f as ZoneFeature); break;
      case 'wall': walls.push(f as WallFeature); break;
      case 'door': doors.push(f as DoorFeature); break;
      case 'gateway': gateways.push(f as GatewayFeature); break;
    }
  }
  if (!outline) throw new Error(`floor ${summary.id}: plan has no outline feature`);
  return { summary, plan, outline, rooms, zones, walls, doors, gateways };
}

/**
 * Assembles a Site with id lookups. Lookups index the first feature of an id; duplicates are reported by
 * validateSite, not here, so a faulty site can still be inspected.
 */
export function createSite(id: string, name: string, floors: LoadedFloor[], verticals: VerticalLink[], units: CareUnit[] = []): Site {
  const floorsById = new Map<string, LoadedFloor>();
  const rooms = new Map<string, { floor: LoadedFloor; room: RoomFeature }>();
  const gateways = new Map<string, { floor: LoadedFloor; gateway: GatewayFeature }>();
  const doors = new Map<string, { floor: LoadedFloor; door: DoorFeature }>();
  for (const floor of floors) {
    if (!floorsById.has(floor.summary.id)) floorsById.set(floor.summary.id, floor);
    for (const room of floor.rooms) if (!rooms.has(room.properties.id)) rooms.set(room.properties.id, { floor, room });
    for (const gateway of floor.gateways) {
      if (!gateways.has(gateway.properties.id)) gateways.set(gateway.properties.id, { floor, gateway });
    }
    for (const door of floor.doors) if (!doors.has(door.properties.id)) doors.set(door.properties.id, { floor, door });
  }
  return {
    id,
    name,
    floors,
    verticals,
    units,
    floor: (fid) => floorsById.get(fid),
    room: (rid) => rooms.get(rid),
    gateway: (gid) => gateways.get(gid),
    door: (did) => doors.get(did),
  };
}
