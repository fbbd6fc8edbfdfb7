import type { Position, RoomFeature } from '@rtls/protocol';
import {
  bboxOf,
  bboxesOverlap,
  distanceOutside,
  fmtPoint,
  gridInside,
  intersectionArea,
  pointBoundaryDistance,
  pointInPolygon,
  pointPolylineDistance,
  polygonArea,
  polylineBoundaryDeviation,
  round2,
  type BBox,
} from './geometry.ts';
import type { LoadedFloor, Site } from './site.ts';

/** Tolerances of the semantic checks, metres / m². */
export const VALIDATION_LIMITS = Object.freeze({
  /** A door line must lie this close to the boundary of each room it connects (drawing slack). */
  doorToBoundaryM: 0.5,
  /** A portal reader may sit on its door line, just outside its inside room. */
  portalOutsideRoomM: 1,
  /** A portal further than this from the door it guards cannot read tags passing it. */
  portalToDoorM: 1.5,
  /** Rooms sharing less than this area are taken as merely touching (rounding of shared walls). */
  roomOverlapM2: 0.5,
  /** Same slack for a room poking out of the outline. */
  roomOutsideOutlineM2: 0.5,
  /** Every corridor centre-line point must be within this range of a BLE gateway (positioning needs coverage). */
  corridorCoverageM: 6,
  /** Spacing of the corridor sample grid. */
  corridorSampleStepM: 0.5,
});

const OUTSIDE = 'outside';

/**
 * Semantic checks a schema cannot express. Returns one message per problem (each naming the floor and the feature
 * id), or [] when the site is fine. Messages start with `floor <id>:` for per-floor problems, `site:` otherwise.
 */
export function validateSite(site: Site): string[] {
  const problems: string[] = [];
  checkUniqueIds(site, problems);
  for (const floor of site.floors) checkFloor(floor, problems);
  checkVerticals(site, problems);
  return problems;
}

function checkUniqueIds(site: Site, problems: string[]): void {
  const seen = new Map<string, string>();
  const note = (id: string, what: string) => {
    const prev = seen.get(id);
    if (prev) problems.push(`site: duplicate id '${id}': ${what} (already used by ${prev})`);
    else seen.set(id, what);
  };
  for (const floor of site.floors) note(floor.summary.id, 'floor');
  for (const floor of site.floors) {
    const f = floor.summary.id;
    for (const r of floor.rooms) note(r.properties.id, `room on floor ${f}`);
    for (const z of floor.zones) note(z.properties.id, `zone on floor ${f}`);
    for (const d of floor.doors) note(d.properties.id, `door on floor ${f}`);
    for (const g of floor.gateways) note(g.properties.id, `gateway on floor ${f}`);
  }
  for (const v of site.verticals) note(v.id, 'vertical link');
}

interface RoomInfo { room: RoomFeature; coords: Position[][]; bbox: BBox; area: number }

function checkFloor(floor: LoadedFloor, problems: string[]): void {
  const fid = floor.summary.id;
  const p = (msg: string) => problems.push(`floor ${fid}: ${msg}`);
  const outline = floor.outline.geometry.coordinates;
  const { widthM, depthM } = floor.summary;

  for (const [x, y] of outline[0] ?? []) {
    if (x < -0.01 || y < -0.01 || x > widthM + 0.01 || y > depthM + 0.01) {
      p(`outline vertex ${fmtPoint([x, y])} lies outside the floor extent ${widthM} x ${depthM} m`);
      break;
    }
  }

  const rooms = new Map<string, RoomInfo>();
  for (const room of floor.rooms) {
    const coords = room.geometry.coordinates;
    if (!rooms.has(room.properties.id)) {
      rooms.set(room.properties.id, { room, coords, bbox: bboxOf(coords[0] ?? []), area: polygonArea(coords) });
    }
  }

  // Rooms inside the outline.
  for (const info of rooms.values()) {
    const inside = intersectionArea(info.coords, outline);
    if (info.area - inside >= VALIDATION_LIMITS.roomOutsideOutlineM2) {
      p(`room ${info.room.properties.id}: ${round2(info.area - inside)} m² lies outside the building outline`);
    }
  }
  for (const zone of floor.zones) {
    const coords = zone.geometry.coordinates;
    const area = polygonArea(coords);
    if (area - intersectionArea(coords, outline) >= VALIDATION_LIMITS.roomOutsideOutlineM2) {
      p(`zone ${zone.properties.id}: lies partly outside the building outline`);
    }
  }

  // Rooms do not overlap.
  const list = [...rooms.values()];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i]!;
      const b = list[j]!;
      if (!bboxesOverlap(a.bbox, b.bbox)) continue;
      const shared = intersectionArea(a.coords, b.coords);
      if (shared >= VALIDATION_LIMITS.roomOverlapM2) {
        p(`rooms ${a.room.properties.id} and ${b.room.properties.id} overlap by ${round2(shared)} m²`);
      }
    }
  }

  // Doors: known rooms, lying on both rooms' boundaries.
  const doorIds = new Set<string>();
  const adjacency = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (!adjacency.has(a)) adjacency.set(a, new Set());
    adjacency.get(a)!.add(b);
  };
  for (const door of floor.doors) {
    const { id, connects } = door.properties;
    doorIds.add(id);
    const line = door.geometry.coordinates;
    if (connects[0] === connects[1]) p(`door ${id}: connects a room to itself (${connects[0]})`);
    let ok = true;
    connects.forEach((rid, k) => {
      if (rid === OUTSIDE) {
        const dev = polylineBoundaryDeviation(line, outline);
        if (dev > VALIDATION_LIMITS.doorToBoundaryM) {
          p(`door ${id}: connects[${k}] is 'outside' but the door lies ${round2(dev)} m from the building outline`);
        }
        return;
      }
      const info = rooms.get(rid);
      if (!info) {
        ok = false;
        p(`door ${id}: connects[${k}] names unknown room '${rid}' (not a room on floor ${fid})`);
        return;
      }
      const dev = polylineBoundaryDeviation(line, info.coords);
      if (dev > VALIDATION_LIMITS.doorToBoundaryM) {
        p(`door ${id}: lies ${round2(dev)} m from the boundary of room ${rid} (max ${VALIDATION_LIMITS.doorToBoundaryM} m)`);
      }
    });
    if (ok && connects[0] !== OUTSIDE && connects[1] !== OUTSIDE) {
      link(connects[0], connects[1]);
      link(connects[1], connects[0]);
    }
  }

  // Gateways.
  for (const gw of floor.gateways) {
    const { id, tech, room, door } = gw.properties;
    const pt = gw.geometry.coordinates;
    const isPortal = tech === 'rfid-portal';
    const slack = isPortal ? VALIDATION_LIMITS.portalOutsideRoomM : 0;
    const outOfOutline = distanceOutside(pt, outline);
    if (outOfOutline > slack) p(`gateway ${id}: at ${fmtPoint(pt)} lies outside the building outline`);
    if (room !== undefined) {
      const info = rooms.get(room);
      if (!info) p(`gateway ${id}: room '${room}' is not a room on floor ${fid}`);
      else {
        const out = distanceOutside(pt, info.coords);
        if (out > slack) p(`gateway ${id}: at ${fmtPoint(pt)} lies ${round2(out)} m outside its room ${room}`);
      }
    }
    if (isPortal) {
      if (door === undefined) p(`gateway ${id}: rfid-portal has no door`);
      else {
        const d = floor.doors.find((x) => x.properties.id === door);
        if (!d) p(`gateway ${id}: door '${door}' is not a door on floor ${fid}`);
        else {
          const dist = pointPolylineDistance(pt, d.geometry.coordinates);
          if (dist > VALIDATION_LIMITS.portalToDoorM) {
            p(`gateway ${id}: lies ${round2(dist)} m from the door ${door} it guards (max ${VALIDATION_LIMITS.portalToDoorM} m)`);
          }
          if (room !== undefined && !d.properties.connects.includes(room)) {
            p(`gateway ${id}: room '${room}' is not one of the rooms door ${door} connects`);
          }
        }
      }
    } else if (door !== undefined && !doorIds.has(door)) {
      p(`gateway ${id}: door '${door}' is not a door on floor ${fid}`);
    }
  }

  // Reachability through doors from any corridor.
  const corridors = list.filter((r) => r.room.properties.zoneType === 'corridor').map((r) => r.room.properties.id);
  if (!corridors.length) p('has no corridor room');
  const reached = new Set<string>(corridors);
  const queue = [...corridors];
  while (queue.length) {
    const cur = queue.pop()!;
    for (const next of adjacency.get(cur) ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  if (corridors.length) {
    for (const info of list) {
      if (!reached.has(info.room.properties.id)) p(`room ${info.room.properties.id}: cannot be reached through doors from a corridor`);
    }
  }

  // Vertical circulation on every floor.
  if (!list.some((r) => r.room.properties.zoneType === 'stairs')) p('has no stairs room');
  if (!list.some((r) => r.room.properties.zoneType === 'elevator')) p('has no elevator room');

  // BLE coverage.
  const ble = floor.gateways.filter((g) => g.properties.tech === 'ble').map((g) => g.geometry.coordinates);
  for (const info of list) {
    if (info.room.properties.zoneType === 'corridor') continue;
    if (!ble.some((pt) => pointInPolygon(pt, info.coords))) p(`room ${info.room.properties.id}: has no BLE gateway inside it`);
  }
  for (const info of list) {
    if (info.room.properties.zoneType !== 'corridor') continue;
    const gap = worstCorridorGap(info.coords, ble);
    if (gap && gap.distance > VALIDATION_LIMITS.corridorCoverageM) {
      p(`room ${info.room.properties.id}: corridor point ${fmtPoint(gap.point)} is ${round2(gap.distance)} m from the nearest BLE gateway (max ${VALIDATION_LIMITS.corridorCoverageM} m)`);
    }
  }
}

/**
 * The corridor's centre band is approximated without computing a medial axis: sample a grid inside the corridor and
 * keep the points whose distance to the walls is at least 80 % of the largest such distance (less half a grid step).
 * For a straight corridor that is a narrow band around the centre line; for L/T shapes it follows each leg. Returns the sampled
 * point furthest from any BLE gateway.
 */
function worstCorridorGap(coords: Position[][], ble: Position[]): { point: Position; distance: number } | undefined {
  const pts = gridInside(coords, VALIDATION_LIMITS.corridorSampleStepM).map((pt) => ({ pt, d: pointBoundaryDistance(pt, coords) }));
  if (!pts.length) return undefined;
  const halfWidth = Math.max(...pts.map((x) => x.d));
  const centre = pts.filter((x) => x.d >= 0.8 * halfWidth - VALIDATION_LIMITS.corridorSampleStepM / 2);
  let worst: { point: Position; distance: number } | undefined;
  for (const { pt } of centre) {
    let best = Infinity;
    for (const g of ble) best = Math.min(best, Math.hypot(pt[0] - g[0], pt[1] - g[1]));
    if (!worst || best > worst.distance) worst = { point: pt, distance: best };
  }
  return worst;
}

function checkVerticals(site: Site, problems: string[]): void {
  for (const v of site.verticals) {
    const floorsSeen = new Set<string>();
    let prevLevel = -Infinity;
    v.rooms.forEach((rid, k) => {
      const hit = site.room(rid);
      if (!hit) {
        problems.push(`site: vertical ${v.id}: rooms[${k}] names unknown room '${rid}'`);
        return;
      }
      const fid = hit.floor.summary.id;
      if (floorsSeen.has(fid)) problems.push(`site: vertical ${v.id}: rooms[${k}] '${rid}' is on floor ${fid} again (one room per floor)`);
      floorsSeen.add(fid);
      if (hit.room.properties.zoneType !== v.kind) {
        problems.push(`site: vertical ${v.id}: rooms[${k}] '${rid}' has zoneType ${hit.room.properties.zoneType}, expected ${v.kind}`);
      }
      const level = hit.floor.summary.level;
      if (level <= prevLevel) problems.push(`site: vertical ${v.id}: rooms must be listed bottom to top ('${rid}' on level ${level})`);
      prevLevel = level;
    });
  }
}
