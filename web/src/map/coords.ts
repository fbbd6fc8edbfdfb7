/**
 * Floor frame ↔ Leaflet. Floors are in local metres with the origin bottom-left and y up (DESIGN.md §3);
 * Leaflet's CRS.Simple maps LatLng(lat, lng) to (y, x) with y growing up, so 1 unit = 1 m and GeoJSON
 * [x, y] becomes LatLng(y, x). Kept free of Leaflet so it is testable in node.
 */
export type LatLngTuple = [lat: number, lng: number];
export type XY = readonly [x: number, y: number];

export function toLatLng(p: XY): LatLngTuple {
  return [p[1], p[0]];
}

export function fromLatLng(lat: number, lng: number): { x: number; y: number } {
  return { x: lng, y: lat };
}

export function ringToLatLngs(ring: readonly XY[]): LatLngTuple[] {
  return ring.map(toLatLng);
}

/** South-west and north-east corners of a floor's frame. */
export function floorBounds(widthM: number, depthM: number): [LatLngTuple, LatLngTuple] {
  return [[0, 0], [depthM, widthM]];
}

export interface RingBox {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function ringBox(ring: readonly XY[]): RingBox {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of ring) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

/**
 * Area centroid of a closed ring (shoelace). Room labels sit here; for an L-shaped room the centroid can fall
 * outside, so callers fall back to the box centre when the polygon is degenerate.
 */
export function ringCentroid(ring: readonly XY[]): { x: number; y: number } {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[i + 1]!;
    const cross = x0 * y1 - x1 * y0;
    a += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (Math.abs(a) < 1e-9) {
    const b = ringBox(ring);
    return { x: (b.minX + b.maxX) / 2, y: (b.minY + b.maxY) / 2 };
  }
  return { x: cx / (3 * a), y: cy / (3 * a) };
}

/**
 * Pixels per metre at a zoom level in CRS.Simple (scale = 2^zoom). Used to decide whether a room label fits
 * inside its room at the current zoom.
 */
export function pixelsPerMetre(zoom: number): number {
  return 2 ** zoom;
}

/**
 * An affine floor→screen mapping sampled once per frame from the map (two reference points), so drawing
 * 2,000 markers does not call into Leaflet's projection 2,000 times.
 */
export interface ScreenTransform {
  ox: number;
  oy: number;
  sx: number;
  sy: number;
}

export function toScreen(t: ScreenTransform, x: number, y: number): { px: number; py: number } {
  return { px: t.ox + x * t.sx, py: t.oy + y * t.sy };
}
