/**
 * The simulator's view of a site, built once from the floor plans: rooms with their walkable geometry, doors with
 * the points a walker passes through, gateways with positions, and per-floor wall indexes for the radio model.
 *
 * The simulator codes against the structural `SimSite` shape below, which the floorplans package's `Site`
 * satisfies, so it runs on the sample hospital and on small fixture sites built in tests alike.
 */
import type {
  DoorFeature, FloorSummary, GatewayFeature, GatewayFormat, GatewayTech, RoomFeature, VerticalLink, WallFeature, ZoneType,
} from '@rtls/protocol';
import {
  type BBox, type Pt, type Ring, distToEdges, pointInPolygon, ringBBox, ringCentroid, ringEdges, segmentHit,
} from './geometry.ts';
import { WallIndex } from './radio.ts';

export interface SimFloor {
  summary: FloorSummary;
  rooms: readonly RoomFeature[];
  walls: readonly WallFeature[];
  doors: readonly DoorFeature[];
  gateways: readonly GatewayFeature[];
}

export interface SimSite {
  id: string;
  floors: readonly SimFloor[];
  verticals: readonly VerticalLink[];
}

export interface FloorModel {
  id: string;
  level: number;
  elevationM: number;
  /** Position in SiteIndex.floors. */
  index: number;
  walls: WallIndex;
  rooms: RoomModel[];
}

export interface RoomModel {
  id: string;
  floor: string;
  zoneType: ZoneType;
  rings: Ring[];
  edges: number[][];
  bbox: BBox;
  /** A point well inside the room (largest clearance found). */
  anchor: Pt;
  /** Points near each corner, set back from the walls, that a walker rounds when the straight line is blocked. */
  navNodes: Pt[];
  /** navVisible[i][j]: navNodes i and j see each other. */
  navVisible: boolean[][];
  /** Wall segments (x1,y1,x2,y2) overlapping the room's box: obstacles for within-room paths. */
  obstacles: number[][];
  doors: DoorModel[];
}

export interface DoorModel {
  id: string;
  floor: string;
  rooms: [string, string];
  a: Pt;
  b: Pt;
  mid: Pt;
  /** For each room the door joins: a point just inside that room, in line with the opening. */
  approach: Map<string, Pt>;
  exit: boolean;
}

export interface GatewayModel {
  id: string;
  tech: GatewayTech;
  format: GatewayFormat;
  floor: string;
  x: number;
  y: number;
  mountHeightM: number;
  room: string | null;
  antennas: number;
  door: string | null;
}

/** How far in front of a door a walker lines up before passing through, metres. */
const DOOR_APPROACH_M = [0.5, 0.35, 0.8, 0.25];
/** Set-back of corner nodes from the walls, metres. */
const NAV_CLEARANCE_M = 0.6;

export class SiteIndex {
  readonly floors: FloorModel[] = [];
  readonly floorById = new Map<string, FloorModel>();
  readonly rooms = new Map<string, RoomModel>();
  readonly doors: DoorModel[] = [];
  readonly gateways: GatewayModel[] = [];
  readonly verticals: readonly VerticalLink[];
  /** Room ids that belong to a stairs or elevator link. */
  readonly verticalRooms = new Set<string>();

  constructor(site: SimSite) {
    this.verticals = site.verticals;
    site.floors.forEach((f, index) => {
      const fm: FloorModel = {
        id: f.summary.id,
        level: f.summary.level,
        elevationM: f.summary.elevationM,
        index,
        walls: new WallIndex(f.walls),
        rooms: [],
      };
      this.floors.push(fm);
      this.floorById.set(fm.id, fm);
      for (const r of f.rooms) {
        const room = buildRoom(r, fm.id, f.walls);
        fm.rooms.push(room);
        this.rooms.set(room.id, room);
      }
    });
    site.floors.forEach((f) => {
      for (const d of f.doors) {
        const door = buildDoor(d, f.summary.id, this.rooms);
        if (!door) continue;
        this.doors.push(door);
        for (const rid of door.rooms) this.rooms.get(rid)?.doors.push(door);
      }
    });
    for (const v of site.verticals) for (const r of v.rooms) this.verticalRooms.add(r);
    site.floors.forEach((f) => {
      for (const g of f.gateways) {
        const [x, y] = g.geometry.coordinates;
        const p = g.properties;
        this.gateways.push({
          id: p.id,
          tech: p.tech,
          format: p.format,
          floor: f.summary.id,
          x,
          y,
          mountHeightM: p.mountHeightM,
          room: p.room ?? this.roomAt(f.summary.id, x, y)?.id ?? null,
          antennas: p.antennas ?? (p.tech === 'rfid-portal' ? 2 : 1),
          door: p.door ?? null,
        });
      }
    });
  }

  floor(id: string): FloorModel {
    const f = this.floorById.get(id);
    if (!f) throw new RangeError(`unknown floor ${id}`);
    return f;
  }

  room(id: string): RoomModel {
    const r = this.rooms.get(id);
    if (!r) throw new RangeError(`unknown room ${id}`);
    return r;
  }

  /** The room containing a point (first match), or null. */
  roomAt(floor: string, x: number, y: number): RoomModel | null {
    const f = this.floorById.get(floor);
    if (!f) return null;
    for (const r of f.rooms) {
      const b = r.bbox;
      if (x < b.minX || x > b.maxX || y < b.minY || y > b.maxY) continue;
      if (pointInPolygon(x, y, r.rings)) return r;
    }
    return null;
  }

  roomsOfType(...types: ZoneType[]): RoomModel[] {
    const out: RoomModel[] = [];
    for (const f of this.floors) for (const r of f.rooms) if (types.includes(r.zoneType)) out.push(r);
    return out;
  }
}

/** True when the segment a→b stays inside the room without touching a room edge or wall. */
export function segmentClear(room: RoomModel, ax: number, ay: number, bx: number, by: number): boolean {
  for (const e of room.edges) if (segmentHit(ax, ay, bx, by, e[0]!, e[1]!, e[2]!, e[3]!) >= 0) return false;
  for (const e of room.obstacles) if (segmentHit(ax, ay, bx, by, e[0]!, e[1]!, e[2]!, e[3]!) >= 0) return false;
  return true;
}

/** Clearance of a point from the room's edges and its obstacles, metres. */
export function clearance(room: RoomModel, x: number, y: number): number {
  return Math.min(distToEdges(x, y, room.edges), distToEdges(x, y, room.obstacles));
}

function buildRoom(f: RoomFeature, floor: string, walls: readonly WallFeature[]): RoomModel {
  const rings = f.geometry.coordinates as Ring[];
  const edges = ringEdges(rings);
  const bbox = ringBBox(rings[0]!);
  const obstacles: number[][] = [];
  for (const w of walls) {
    const c = w.geometry.coordinates;
    for (let i = 0; i + 1 < c.length; i++) {
      const [x1, y1] = c[i]!;
      const [x2, y2] = c[i + 1]!;
      if (Math.max(x1, x2) < bbox.minX || Math.min(x1, x2) > bbox.maxX || Math.max(y1, y2) < bbox.minY || Math.min(y1, y2) > bbox.maxY) continue;
      obstacles.push([x1, y1, x2, y2]);
    }
  }
  const room: RoomModel = {
    id: f.properties.id,
    floor,
    zoneType: f.properties.zoneType,
    rings,
    edges,
    bbox,
    anchor: [0, 0],
    navNodes: [],
    navVisible: [],
    obstacles,
    doors: [],
  };
  room.anchor = findAnchor(room);
  room.navNodes = cornerNodes(room);
  room.navVisible = room.navNodes.map((p, i) =>
    room.navNodes.map((q, j) => i !== j && segmentClear(room, p[0], p[1], q[0], q[1])),
  );
  return room;
}

/** The centroid when it is comfortably inside; otherwise the grid point with the largest clearance. */
function findAnchor(room: RoomModel): Pt {
  const c = ringCentroid(room.rings[0]!);
  if (pointInPolygon(c[0], c[1], room.rings) && clearance(room, c[0], c[1]) >= 0.8) return c;
  let best: Pt = c;
  let bestClear = -1;
  const { minX, minY, maxX, maxY } = room.bbox;
  const n = 16;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= n; j++) {
      const x = minX + ((maxX - minX) * i) / n, y = minY + ((maxY - minY) * j) / n;
      if (!pointInPolygon(x, y, room.rings)) continue;
      const cl = clearance(room, x, y);
      if (cl > bestClear) {
        bestClear = cl;
        best = [x, y];
      }
    }
  }
  return best;
}

/** For each ring vertex, a point set back from both adjoining edges along the corner's bisector. */
function cornerNodes(room: RoomModel): Pt[] {
  const out: Pt[] = [];
  for (const ring of room.rings) {
    const pts = ring.length > 1 && ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1] ? ring.slice(0, -1) : ring;
    const n = pts.length;
    for (let i = 0; i < n; i++) {
      const p = pts[(i + n - 1) % n]!, v = pts[i]!, q = pts[(i + 1) % n]!;
      const e1 = unit(p[0] - v[0], p[1] - v[1]);
      const e2 = unit(q[0] - v[0], q[1] - v[1]);
      let bx = e1[0] + e2[0], by = e1[1] + e2[1];
      const bl = Math.hypot(bx, by);
      // Straight-through vertices (no corner) have no bisector; their normal is the edge normal.
      if (bl < 1e-6) [bx, by] = [-e1[1], e1[0]];
      else [bx, by] = [bx / bl, by / bl];
      const sinHalf = Math.sqrt(Math.max(0, (1 - (e1[0] * e2[0] + e1[1] * e2[1])) / 2));
      const r = Math.min(NAV_CLEARANCE_M * 3, NAV_CLEARANCE_M / Math.max(sinHalf, 0.2));
      for (const s of [1, -1]) {
        const x = v[0] + s * bx * r, y = v[1] + s * by * r;
        if (pointInPolygon(x, y, room.rings) && clearance(room, x, y) >= NAV_CLEARANCE_M * 0.8) {
          out.push([x, y]);
          break;
        }
      }
    }
  }
  return out;
}

function unit(x: number, y: number): Pt {
  const l = Math.hypot(x, y);
  return l > 0 ? [x / l, y / l] : [0, 0];
}

function buildDoor(f: DoorFeature, floor: string, rooms: Map<string, RoomModel>): DoorModel | null {
  const c = f.geometry.coordinates;
  const a = c[0]!, b = c[c.length - 1]!;
  const mid: Pt = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const [dx, dy] = unit(b[0] - a[0], b[1] - a[1]);
  const approach = new Map<string, Pt>();
  for (const rid of f.properties.connects) {
    const room = rooms.get(rid);
    if (!room || room.floor !== floor) continue;
    // Doors are normally drawn along the wall, so the walker lines up on the door's normal; a door drawn across
    // the passage is handled by trying the door's own direction too.
    let found: Pt | null = null;
    for (const [nx, ny] of [[-dy, dx], [dx, dy]] as const) {
      for (const dist of DOOR_APPROACH_M) {
        for (const s of [1, -1]) {
          const x = mid[0] + s * nx * dist, y = mid[1] + s * ny * dist;
          if (pointInPolygon(x, y, room.rings)) {
            found = [x, y];
            break;
          }
        }
        if (found) break;
      }
      if (found) break;
    }
    if (found) approach.set(rid, found);
  }
  const [r1, r2] = f.properties.connects;
  return { id: f.properties.id, floor, rooms: [r1, r2], a: [a[0], a[1]], b: [b[0], b[1]], mid, approach, exit: f.properties.exit ?? false };
}
