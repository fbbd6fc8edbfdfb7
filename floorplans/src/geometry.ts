import { booleanPointInPolygon, featureCollection, intersect, polygon as turfPolygon } from '@turf/turf';
import type { Position } from '@rtls/protocol';

/**
 * Planar geometry in a floor's local metre frame.
 *
 * Turf's measuring functions (area, distance, pointToLineDistance even with method 'planar') treat coordinates as
 * WGS84 degrees and return geodesic/rhumb results, which are wrong for x/y metres (a room at x=120 would be read as
 * longitude 120). So measures are computed here; turf is used only where it is purely planar: point-in-polygon and
 * polygon clipping (intersect, which runs polyclip on the raw coordinates).
 */

export type Ring = Position[];
export type PolygonCoords = Ring[];

export interface BBox { minX: number; minY: number; maxX: number; maxY: number }

/** Unsigned area of a ring by the shoelace formula, m². */
export function ringArea(ring: Ring): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    s += a[0] * b[1] - b[0] * a[1];
  }
  return Math.abs(s) / 2;
}

/** Area of a polygon (outer ring minus holes), m². */
export function polygonArea(coords: PolygonCoords): number {
  let a = 0;
  coords.forEach((ring, i) => {
    a += i === 0 ? ringArea(ring) : -ringArea(ring);
  });
  return a;
}

export function bboxOf(points: Iterable<Position>): BBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of points) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

export function bboxesOverlap(a: BBox, b: BBox, margin = 0): boolean {
  return a.minX < b.maxX + margin && b.minX < a.maxX + margin && a.minY < b.maxY + margin && b.minY < a.maxY + margin;
}

export function distance(a: Position, b: Position): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

export function pointSegmentDistance(p: Position, a: Position, b: Position): number {
  const vx = b[0] - a[0];
  const vy = b[1] - a[1];
  const len2 = vx * vx + vy * vy;
  if (len2 === 0) return distance(p, a);
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * vx + (p[1] - a[1]) * vy) / len2));
  return Math.hypot(p[0] - (a[0] + t * vx), p[1] - (a[1] + t * vy));
}

export function pointPolylineDistance(p: Position, line: readonly Position[]): number {
  let d = Infinity;
  for (let i = 0; i + 1 < line.length; i++) d = Math.min(d, pointSegmentDistance(p, line[i]!, line[i + 1]!));
  return d;
}

/** Distance from a point to the nearest edge of any ring of the polygon (inside or outside alike). */
export function pointBoundaryDistance(p: Position, coords: PolygonCoords): number {
  let d = Infinity;
  for (const ring of coords) d = Math.min(d, pointPolylineDistance(p, ring));
  return d;
}

/** Inside or on the boundary. */
export function pointInPolygon(p: Position, coords: PolygonCoords): boolean {
  return booleanPointInPolygon(p as number[], { type: 'Polygon', coordinates: coords });
}

/** 0 when inside (or on the boundary), else the distance to the boundary. */
export function distanceOutside(p: Position, coords: PolygonCoords): number {
  return pointInPolygon(p, coords) ? 0 : pointBoundaryDistance(p, coords);
}

/** Points every `step` metres along a polyline, both ends included. */
export function samplePolyline(line: readonly Position[], step: number): Position[] {
  const out: Position[] = [];
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i]!;
    const b = line[i + 1]!;
    const n = Math.max(1, Math.ceil(distance(a, b) / step));
    for (let k = 0; k < n; k++) out.push([a[0] + ((b[0] - a[0]) * k) / n, a[1] + ((b[1] - a[1]) * k) / n]);
  }
  const last = line[line.length - 1];
  if (last) out.push([last[0], last[1]]);
  return out;
}

/** Largest distance from the polyline's points (sampled every 0.1 m) to the polygon's boundary. */
export function polylineBoundaryDeviation(line: readonly Position[], coords: PolygonCoords): number {
  let worst = 0;
  for (const p of samplePolyline(line, 0.1)) worst = Math.max(worst, pointBoundaryDistance(p, coords));
  return worst;
}

/** Area shared by two polygons, m² (0 when disjoint or only touching). */
export function intersectionArea(a: PolygonCoords, b: PolygonCoords): number {
  const pa = turfPolygon(a);
  const pb = turfPolygon(b);
  const inter = intersect(featureCollection([pa, pb]));
  if (!inter) return 0;
  const g = inter.geometry;
  if (g.type === 'Polygon') return polygonArea(g.coordinates as Position[][]);
  return g.coordinates.reduce((s, poly) => s + polygonArea(poly as Position[][]), 0);
}

/** Grid points (spacing `step`, cell centres) inside the polygon. */
export function gridInside(coords: PolygonCoords, step: number): Position[] {
  const outer = coords[0];
  if (!outer) return [];
  const b = bboxOf(outer);
  const out: Position[] = [];
  for (let x = b.minX + step / 2; x < b.maxX; x += step) {
    for (let y = b.minY + step / 2; y < b.maxY; y += step) {
      const p: Position = [x, y];
      if (pointInPolygon(p, coords)) out.push(p);
    }
  }
  return out;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function fmtPoint(p: Position): string {
  return `(${round2(p[0])}, ${round2(p[1])})`;
}
