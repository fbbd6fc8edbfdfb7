/**
 * Zone stamping (DESIGN.md §5): which room and which zones contain a point. Pure lookups over an index built once
 * per site: per floor, a uniform grid whose cells list the rooms/zones whose bounding box (rooms: grown by the snap
 * distance) touches the cell, so a lookup runs point-in-polygon (turf) on a handful of candidates only.
 *
 * A point just outside every room — a fix on a wall line, or pulled a little past the outline by noise — snaps to
 * the nearest room within SNAP_DISTANCE_M; further out the room is null (between rooms / outside). Zones never snap:
 * a geofence is exact by definition. Where rooms overlap (a bay drawn inside a ward), the smallest room wins.
 */
import { booleanPointInPolygon } from '@turf/turf';
import type { RoomFeature, ZoneFeature } from '@rtls/protocol';
import type { SiteLike } from './site-model.ts';

export const SNAP_DISTANCE_M = 1.5;
const CELL_M = 4;

export interface Stamp {
  room: string | null;
  zones: string[];
  /** True when the room was found by snapping rather than containment. */
  snapped: boolean;
}

interface Item {
  id: string;
  feature: RoomFeature | ZoneFeature;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  area: number;
}

interface FloorIndex {
  rooms: Item[];
  zones: Item[];
  originX: number;
  originY: number;
  cols: number;
  rows: number;
  roomCells: number[][];
  zoneCells: number[][];
}

function ringArea(ring: readonly (readonly number[])[]): number {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) a += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return Math.abs(a) / 2;
}

function toItem(feature: RoomFeature | ZoneFeature): Item {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of feature.geometry.coordinates[0]!) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const rings = feature.geometry.coordinates;
  const area = ringArea(rings[0]!) - rings.slice(1).reduce((s, r) => s + ringArea(r), 0);
  return { id: feature.properties.id, feature, minX, minY, maxX, maxY, area };
}

/** Squared distance from (px, py) to segment a–b. */
function segDist2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/** Planar distance (m) from a point to a polygon's boundary. */
export function distanceToPolygonEdge(feature: RoomFeature | ZoneFeature, x: number, y: number): number {
  let best = Infinity;
  for (const ring of feature.geometry.coordinates) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i]!;
      const b = ring[i + 1]!;
      best = Math.min(best, segDist2(x, y, a[0], a[1], b[0], b[1]));
    }
  }
  return Math.sqrt(best);
}

export interface RoomStamper {
  stamp(floor: string, x: number, y: number): Stamp;
}

export function createRoomStamper(site: SiteLike): RoomStamper {
  const floors = new Map<string, FloorIndex>();
  for (const f of site.floors) floors.set(f.summary.id, buildFloorIndex(f.rooms, f.zones));

  return {
    stamp(floor, x, y) {
      const idx = floors.get(floor);
      if (!idx || !Number.isFinite(x) || !Number.isFinite(y)) return { room: null, zones: [], snapped: false };
      const cell = cellOf(idx, x, y);
      const pt: [number, number] = [x, y];

      const zones: string[] = [];
      for (const i of cell === null ? [] : idx.zoneCells[cell]!) {
        const z = idx.zones[i]!;
        if (x < z.minX || x > z.maxX || y < z.minY || y > z.maxY) continue;
        if (booleanPointInPolygon(pt, z.feature.geometry) && !zones.includes(z.id)) zones.push(z.id);
      }
      zones.sort();

      let room: Item | null = null;
      let nearest: Item | null = null;
      let nearestD = SNAP_DISTANCE_M;
      for (const i of cell === null ? [] : idx.roomCells[cell]!) {
        const r = idx.rooms[i]!;
        const inBox = x >= r.minX && x <= r.maxX && y >= r.minY && y <= r.maxY;
        if (inBox && booleanPointInPolygon(pt, r.feature.geometry)) {
          if (!room || r.area < room.area) room = r;
        } else if (!room) {
          const d = distanceToPolygonEdge(r.feature, x, y);
          if (d <= nearestD) {
            nearestD = d;
            nearest = r;
          }
        }
      }
      if (room) return { room: room.id, zones, snapped: false };
      return { room: nearest ? nearest.id : null, zones, snapped: nearest !== null };
    },
  };
}

function buildFloorIndex(roomFeatures: readonly RoomFeature[], zoneFeatures: readonly ZoneFeature[]): FloorIndex {
  const rooms = roomFeatures.map(toItem);
  const zones = zoneFeatures.map(toItem);
  const all = [...rooms, ...zones];
  const originX = Math.min(0, ...all.map((i) => i.minX)) - SNAP_DISTANCE_M;
  const originY = Math.min(0, ...all.map((i) => i.minY)) - SNAP_DISTANCE_M;
  const maxX = Math.max(1, ...all.map((i) => i.maxX)) + SNAP_DISTANCE_M;
  const maxY = Math.max(1, ...all.map((i) => i.maxY)) + SNAP_DISTANCE_M;
  const cols = Math.max(1, Math.ceil((maxX - originX) / CELL_M));
  const rows = Math.max(1, Math.ceil((maxY - originY) / CELL_M));
  const idx: FloorIndex = {
    rooms, zones, originX, originY, cols, rows,
    roomCells: Array.from({ length: cols * rows }, () => []),
    zoneCells: Array.from({ length: cols * rows }, () => []),
  };
  const fill = (cells: number[][], items: Item[], grow: number) => {
    items.forEach((it, i) => {
      const c0 = Math.max(0, Math.floor((it.minX - grow - originX) / CELL_M));
      const c1 = Math.min(cols - 1, Math.floor((it.maxX + grow - originX) / CELL_M));
      const r0 = Math.max(0, Math.floor((it.minY - grow - originY) / CELL_M));
      const r1 = Math.min(rows - 1, Math.floor((it.maxY + grow - originY) / CELL_M));
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) cells[r * cols + c]!.push(i);
    });
  };
  fill(idx.roomCells, rooms, SNAP_DISTANCE_M);
  fill(idx.zoneCells, zones, 0);
  return idx;
}

function cellOf(idx: FloorIndex, x: number, y: number): number | null {
  const c = Math.floor((x - idx.originX) / CELL_M);
  const r = Math.floor((y - idx.originY) / CELL_M);
  if (c < 0 || r < 0 || c >= idx.cols || r >= idx.rows) return null;
  return r * idx.cols + c;
}
