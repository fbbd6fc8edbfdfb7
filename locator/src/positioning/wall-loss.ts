/**
 * Wall losses from the floor plan (issue #3 item 4: "wall losses from the floor plan where they help").
 *
 * Indoors the log-distance model alone is biased: a gateway in the next room is heard 4–20 dB weaker than its
 * distance says, because of the walls in between. The floor plan knows those walls and their attenuation, so the
 * solver predicts rssi = A − 10·n·log10(d) − Σ(walls crossed) instead of treating every wall as noise.
 *
 * Crossing tests per link per solver iteration would cost ~200 segment tests × 8 links × tens of evaluations per fix,
 * so the loss from each gateway is tabulated once on a 0.5 m grid around it (within RANGE_M; beyond it the gateway
 * is not heard anyway) and looked up in O(1). Grids are built lazily, the first time a gateway takes part in a solve,
 * and shared by every pipeline built over the same floor plan (WeakMap on the walls array). 0.5 m is well below the
 * solver's accuracy and a wall's loss is a step, so nearest-cell lookup loses nothing that matters.
 */
import type { WallFeature } from '@rtls/protocol';

export const WALL_GRID_CELL_M = 0.5;
/** Half-size of a gateway's table, metres: BLE gateways are not heard further than ~30 m indoors. */
const RANGE_M = 30;
/** Losses are stored in whole dB in a byte (sums beyond 255 dB are "not heard" anyway). */
const MAX_DB = 255;

/** Stride of one segment in WallSegments.data: x1 y1 x2 y2 minX minY maxX maxY attenuation. */
const W = 9;

/** A floor's walls packed for fast crossing tests. */
export class WallSegments {
  readonly data: Float64Array;
  readonly count: number;

  constructor(walls: readonly WallFeature[]) {
    const segs: number[] = [];
    for (const w of walls) {
      const c = w.geometry.coordinates;
      for (let i = 0; i + 1 < c.length; i++) {
        const [x1, y1] = c[i]!;
        const [x2, y2] = c[i + 1]!;
        segs.push(x1, y1, x2, y2, Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2), w.properties.attenuationDb);
      }
    }
    this.data = Float64Array.from(segs);
    this.count = segs.length / W;
  }

  /**
   * Attenuation (dB) of the walls crossed by the segment a→b. A wall touched exactly at b — where a wall-mounted
   * gateway sits — is not charged, so a gateway's own wall does not weaken all of its links.
   */
  lossBetween(ax: number, ay: number, bx: number, by: number): number {
    return this.lossAlong(ax, ay, bx, by, null);
  }

  /** As lossBetween, testing only the segments at the given offsets into `data` (all when null). */
  lossAlong(ax: number, ay: number, bx: number, by: number, offsets: readonly number[] | null): number {
    const d = this.data;
    const minX = Math.min(ax, bx), maxX = Math.max(ax, bx);
    const minY = Math.min(ay, by), maxY = Math.max(ay, by);
    const rx = bx - ax, ry = by - ay;
    let loss = 0;
    const count = offsets ? offsets.length : this.count;
    for (let k = 0; k < count; k++) {
      const o = offsets ? offsets[k]! : k * W;
      if (d[o + 4]! > maxX || d[o + 6]! < minX || d[o + 5]! > maxY || d[o + 7]! < minY) continue;
      const q1x = d[o]!, q1y = d[o + 1]!;
      const sx = d[o + 2]! - q1x, sy = d[o + 3]! - q1y;
      const den = rx * sy - ry * sx;
      if (den === 0) continue;
      const qpx = q1x - ax, qpy = q1y - ay;
      const t = (qpx * sy - qpy * sx) / den;
      if (t < 0 || t >= 1 - 1e-9) continue;
      const u = (qpx * ry - qpy * rx) / den;
      // Half-open along the wall: where two segments of one wall meet, the crossing is charged once.
      if (u < 0 || u >= 1) continue;
      loss += d[o + 8]!;
    }
    return loss;
  }
}

const BEARING_BUCKETS = 720;
const bucketOf = (angle: number) => Math.max(0, Math.min(BEARING_BUCKETS - 1, Math.floor(((angle + Math.PI) / (2 * Math.PI)) * BEARING_BUCKETS)));

/** Tabulated wall loss from one gateway to any point within RANGE_M of it. */
export class GatewayWallGrid {
  private readonly x0: number;
  private readonly y0: number;
  private readonly n: number;
  private readonly cells: Uint8Array;

  constructor(walls: WallSegments, gx: number, gy: number) {
    this.n = Math.ceil((2 * RANGE_M) / WALL_GRID_CELL_M);
    this.x0 = gx - RANGE_M;
    this.y0 = gy - RANGE_M;
    this.cells = new Uint8Array(this.n * this.n);
    if (walls.count === 0) return;
    // Bucket the segments by the bearings they span as seen from the gateway, so each cell tests only the few
    // segments in its direction (a full scan per cell made a table cost ~20 ms; 344 gateways, 7 s).
    const buckets: number[][] = Array.from({ length: BEARING_BUCKETS }, () => []);
    const d = walls.data;
    for (let k = 0, o = 0; k < walls.count; k++, o += 9) {
      const a1 = Math.atan2(d[o + 1]! - gy, d[o]! - gx);
      const a2 = Math.atan2(d[o + 3]! - gy, d[o + 2]! - gx);
      let span = a2 - a1;
      if (span > Math.PI) span -= 2 * Math.PI;
      if (span < -Math.PI) span += 2 * Math.PI;
      let lo = span >= 0 ? a1 : a1 + span;
      if (lo < -Math.PI) lo += 2 * Math.PI;
      const b0 = bucketOf(lo);
      const nb = Math.min(BEARING_BUCKETS, Math.ceil((Math.abs(span) / (2 * Math.PI)) * BEARING_BUCKETS) + 2);
      // One bucket of slack on each side: a bearing on a bucket edge must find the segment either way.
      for (let i = -1; i < nb; i++) buckets[(b0 + i + BEARING_BUCKETS) % BEARING_BUCKETS]!.push(o);
    }
    for (let r = 0; r < this.n; r++) {
      const py = this.y0 + (r + 0.5) * WALL_GRID_CELL_M;
      for (let c = 0; c < this.n; c++) {
        const px = this.x0 + (c + 0.5) * WALL_GRID_CELL_M;
        const list = buckets[bucketOf(Math.atan2(py - gy, px - gx))]!;
        this.cells[r * this.n + c] = Math.min(MAX_DB, Math.round(walls.lossAlong(px, py, gx, gy, list)));
      }
    }
  }

  /** Loss (dB) from the gateway to (x, y); beyond the table, the loss at its edge in that direction. */
  at(x: number, y: number): number {
    const n = this.n;
    let c = Math.floor((x - this.x0) / WALL_GRID_CELL_M);
    let r = Math.floor((y - this.y0) / WALL_GRID_CELL_M);
    c = c < 0 ? 0 : c >= n ? n - 1 : c;
    r = r < 0 ? 0 : r >= n ? n - 1 : r;
    return this.cells[r * n + c]!;
  }
}

/** Wall-loss lookups for one floor plan's floors; grids built on first use per gateway. */
export class WallLossModel {
  private readonly segments = new Map<string, WallSegments>();
  private readonly grids = new Map<string, { floor: string; x: number; y: number; grid: GatewayWallGrid }>();

  constructor(floors: readonly { id: string; walls: readonly WallFeature[] }[]) {
    for (const f of floors) this.segments.set(f.id, new WallSegments(f.walls));
  }

  /** Whether the floor has any walls (if not, lookups are pointless). */
  hasWalls(floor: string): boolean {
    return (this.segments.get(floor)?.count ?? 0) > 0;
  }

  /** The table for a gateway at (gx, gy) on `floor` (rebuilt when the gateway is moved). */
  grid(gatewayId: string, floor: string, gx: number, gy: number): GatewayWallGrid | null {
    const walls = this.segments.get(floor);
    if (!walls || walls.count === 0) return null;
    let byGw = this.grids.get(gatewayId);
    if (!byGw || byGw.floor !== floor || byGw.x !== gx || byGw.y !== gy) {
      byGw = { floor, x: gx, y: gy, grid: new GatewayWallGrid(walls, gx, gy) };
      this.grids.set(gatewayId, byGw);
    }
    return byGw.grid;
  }
}

const shared = new WeakMap<object, WallLossModel>();

/** One model per floor-plan object, shared by every pipeline built over it (the tables cost ~0.4 MB per 100 gateways). */
export function wallLossModelFor(key: object, floors: readonly { id: string; walls: readonly WallFeature[] }[]): WallLossModel {
  let m = shared.get(key);
  if (!m) {
    m = new WallLossModel(floors);
    shared.set(key, m);
  }
  return m;
}
