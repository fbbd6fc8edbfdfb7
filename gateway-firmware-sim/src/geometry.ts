/** Plane geometry on the floor's local metre frame. Hot paths take plain numbers, not tuples, to avoid allocation. */

export type Pt = readonly [number, number];
export type Ring = readonly Pt[];

/** Even–odd point-in-ring test (ring closed or not). */
export function pointInRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = ring[i]![0], yi = ring[i]![1], xj = ring[j]![0], yj = ring[j]![1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Point in a GeoJSON polygon: inside the outer ring and outside every hole. */
export function pointInPolygon(x: number, y: number, rings: readonly Ring[]): boolean {
  if (rings.length === 0 || !pointInRing(x, y, rings[0]!)) return false;
  for (let i = 1; i < rings.length; i++) if (pointInRing(x, y, rings[i]!)) return false;
  return true;
}

/** Distance from (px,py) to segment (ax,ay)-(bx,by). */
export function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const qx = ax + t * dx - px, qy = ay + t * dy - py;
  return Math.sqrt(qx * qx + qy * qy);
}

/**
 * Where segment p (p1→p2) meets segment q (q1→q2): the parameter along p in [0,1], or -1 when they do not meet.
 * Collinear overlaps count as no crossing (a path running along a wall does not pass through it).
 */
export function segmentHit(
  p1x: number, p1y: number, p2x: number, p2y: number,
  q1x: number, q1y: number, q2x: number, q2y: number,
): number {
  const rx = p2x - p1x, ry = p2y - p1y, sx = q2x - q1x, sy = q2y - q1y;
  const den = rx * sy - ry * sx;
  if (den === 0) return -1;
  const qpx = q1x - p1x, qpy = q1y - p1y;
  const t = (qpx * sy - qpy * sx) / den;
  const u = (qpx * ry - qpy * rx) / den;
  return t >= 0 && t <= 1 && u >= 0 && u <= 1 ? t : -1;
}

/** Every edge of the polygon's rings as [ax, ay, bx, by]. */
export function ringEdges(rings: readonly Ring[]): number[][] {
  const out: number[][] = [];
  for (const r of rings) {
    for (let i = 0; i + 1 < r.length; i++) out.push([r[i]![0], r[i]![1], r[i + 1]![0], r[i + 1]![1]]);
    const first = r[0]!, last = r[r.length - 1]!;
    if (r.length > 1 && (first[0] !== last[0] || first[1] !== last[1])) out.push([last[0], last[1], first[0], first[1]]);
  }
  return out;
}

export function distToEdges(x: number, y: number, edges: readonly number[][]): number {
  let best = Infinity;
  for (const e of edges) {
    const d = distToSegment(x, y, e[0]!, e[1]!, e[2]!, e[3]!);
    if (d < best) best = d;
  }
  return best;
}

export interface BBox {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export function ringBBox(ring: Ring): BBox {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of ring) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

/** Area-weighted centroid of a ring (shoelace); falls back to the vertex mean for degenerate rings. */
export function ringCentroid(ring: Ring): Pt {
  let a = 0, cx = 0, cy = 0;
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const [x0, y0] = ring[i]!;
    const [x1, y1] = ring[(i + 1) % n]!;
    const f = x0 * y1 - x1 * y0;
    a += f;
    cx += (x0 + x1) * f;
    cy += (y0 + y1) * f;
  }
  if (Math.abs(a) < 1e-9) {
    let sx = 0, sy = 0;
    for (const [x, y] of ring) {
      sx += x;
      sy += y;
    }
    return [sx / n, sy / n];
  }
  return [cx / (3 * a), cy / (3 * a)];
}
