import { featureCollection, polygon as turfPolygon, union } from '@turf/turf';
import type {
  DoorFeature,
  FloorFeature,
  FloorPlan,
  GatewayFeature,
  Position,
  RoomFeature,
  WallFeature,
  ZoneFeature,
  ZoneType,
} from '@rtls/protocol';

/**
 * Builds one floor plan from room rectangles. Everything else follows from the rectangles: doors are placed on the
 * edge two rooms share, walls are the room edges minus door openings (attenuation from the rooms on either side),
 * gateways are placed from the room shapes, exit zones from the exit doors. Coordinates are local metres, origin
 * bottom-left, y up; the building outline is the rectangle [0, width] x [0, depth].
 */

export interface Rect { x0: number; y0: number; x1: number; y1: number }
export type Side = 'S' | 'N' | 'W' | 'E';

export interface RoomOpts {
  unit?: string;
  /** BLE gateways in the room; default one per started 60 m² (large rooms and wards get more). */
  bleCount?: number;
  /** Wall class override, e.g. lead-lined X-ray rooms. */
  wall?: { attenuationDb: number; material: string };
}

interface RoomRec { key: string; id: string; name: string; zoneType: ZoneType; rect: Rect; opts: RoomOpts }

interface DoorRec {
  id: string;
  a: string; // room key
  b: string; // room key or 'outside'
  line: [Position, Position];
  orient: 'h' | 'v';
  c: number; // the line's fixed coordinate
  lo: number;
  hi: number;
  exit: boolean;
  opening: boolean;
}

interface GatewayRec {
  id: string;
  tech: 'ble' | 'rfid-portal' | 'rfid-cabinet';
  at: Position;
  mountHeightM: number;
  room?: string;
  antennas?: number;
  door?: string;
}

interface ZoneRec { id: string; name: string; zoneType: ZoneType; ring: Position[]; monitored: boolean }

export interface RowItem {
  key: string;
  name: string;
  zoneType: ZoneType;
  /** Width along the row, m; items without one share what is left equally. */
  w?: number;
  /** Depth from the row's corridor side, m (default: the whole band). */
  depth?: number;
  unit?: string;
  bleCount?: number;
  wall?: RoomOpts['wall'];
  /** Room key the door opens onto instead of the row's corridor; null for no automatic door. */
  doorTo?: string | null;
  doorWidth?: number;
}

const OUTSIDE = 'outside';
const EPS = 1e-6;
const BED_DOOR = 1.6; // a bed with attendants needs ~1.5 m clear (HBN 00-04)
const PLAIN_DOOR = 1.2;
const BED_ROOMS: ReadonlySet<ZoneType> = new Set<ZoneType>([
  'patient-room', 'icu-bay', 'operating-room', 'maternity-room', 'delivery-room', 'nursery', 'elevator', 'emergency',
  'stairs', 'equipment-storage', 'sterile-store', 'receiving-dock', 'biomed-workshop',
]);

export const r2 = (n: number): number => Math.round(n * 100) / 100;
const near = (a: number, b: number) => Math.abs(a - b) < EPS;

export function rectRing(r: Rect): Position[] {
  return [[r.x0, r.y0], [r.x1, r.y0], [r.x1, r.y1], [r.x0, r.y1], [r.x0, r.y0]];
}

const area = (r: Rect) => (r.x1 - r.x0) * (r.y1 - r.y0);

/** The longest straight stretch two rectangles share, if they touch along an edge. */
function sharedEdge(a: Rect, b: Rect): { orient: 'h' | 'v'; c: number; lo: number; hi: number } | undefined {
  const cands: { orient: 'h' | 'v'; c: number; lo: number; hi: number }[] = [];
  for (const [ca, cb] of [[a.x1, b.x0], [a.x0, b.x1]] as const) {
    if (near(ca, cb)) cands.push({ orient: 'v', c: ca, lo: Math.max(a.y0, b.y0), hi: Math.min(a.y1, b.y1) });
  }
  for (const [ca, cb] of [[a.y1, b.y0], [a.y0, b.y1]] as const) {
    if (near(ca, cb)) cands.push({ orient: 'h', c: ca, lo: Math.max(a.x0, b.x0), hi: Math.min(a.x1, b.x1) });
  }
  const ok = cands.filter((e) => e.hi - e.lo > 0.5).sort((p, q) => q.hi - q.lo - (p.hi - p.lo));
  return ok[0];
}

export class FloorBuilder {
  readonly floorId: string;
  readonly width: number;
  readonly depth: number;
  private readonly rooms = new Map<string, RoomRec>();
  private readonly doors: DoorRec[] = [];
  private readonly gateways: GatewayRec[] = [];
  private readonly zones: ZoneRec[] = [];

  constructor(floorId: string, width: number, depth: number) {
    this.floorId = floorId;
    this.width = width;
    this.depth = depth;
  }

  id(key: string): string {
    return key === OUTSIDE ? OUTSIDE : `${this.floorId}-${key}`;
  }

  rect(key: string): Rect {
    const r = this.rooms.get(key);
    if (!r) throw new Error(`${this.floorId}: no room '${key}'`);
    return r.rect;
  }

  room(key: string, name: string, zoneType: ZoneType, rect: Rect, opts: RoomOpts = {}): this {
    if (this.rooms.has(key)) throw new Error(`${this.floorId}: room '${key}' defined twice`);
    if (rect.x0 >= rect.x1 || rect.y0 >= rect.y1) throw new Error(`${this.floorId}: room '${key}' has an empty rectangle`);
    this.rooms.set(key, { key, id: this.id(key), name, zoneType, rect, opts });
    return this;
  }

  /**
   * A row of rooms side by side along a corridor. `band` is the row's extent across the corridor, `side` which of
   * the band's edges faces the corridor ('low' = y0/x0 edge). Horizontal rows run along x, vertical rows along y.
   * Each room gets a door onto `corridor` (or its own `doorTo`) centred on the shared edge.
   */
  row(spec: {
    axis: 'x' | 'y';
    from: number;
    to: number;
    band: [number, number];
    facing: 'low' | 'high';
    corridor: string;
    unit?: string;
    items: RowItem[];
  }): this {
    const fixed = spec.items.reduce((s, it) => s + (it.w ?? 0), 0);
    const free = spec.items.filter((it) => it.w === undefined).length;
    const span = spec.to - spec.from;
    if (fixed > span + EPS || (free === 0 && !near(fixed, span))) {
      throw new Error(`${this.floorId}: row ${spec.items[0]?.key}..: widths ${fixed} do not fill span ${span}`);
    }
    const share = free ? (span - fixed) / free : 0;
    let pos = spec.from;
    spec.items.forEach((it, i) => {
      const last = i === spec.items.length - 1;
      const end = last ? spec.to : r2(pos + (it.w ?? share));
      const [b0, b1] = spec.band;
      const d = it.depth ?? b1 - b0;
      const across: [number, number] = spec.facing === 'high' ? [r2(b1 - d), b1] : [b0, r2(b0 + d)];
      const rect: Rect = spec.axis === 'x'
        ? { x0: pos, x1: end, y0: across[0], y1: across[1] }
        : { y0: pos, y1: end, x0: across[0], x1: across[1] };
      const opts: RoomOpts = {};
      const unit = it.unit ?? spec.unit;
      if (unit !== undefined) opts.unit = unit;
      if (it.bleCount !== undefined) opts.bleCount = it.bleCount;
      if (it.wall) opts.wall = it.wall;
      this.room(it.key, it.name, it.zoneType, rect, opts);
      const target = it.doorTo === undefined ? spec.corridor : it.doorTo;
      if (target !== null) this.door(it.key, target, it.doorWidth !== undefined ? { width: it.doorWidth } : {});
      pos = end;
    });
    return this;
  }

  /** A door between two touching rooms, centred on (or at `at` along) their shared edge. */
  door(a: string, b: string, opts: { id?: string; width?: number; at?: number; exit?: boolean } = {}): string {
    const ra = this.rect(a);
    const rb = this.rect(b);
    const e = sharedEdge(ra, rb);
    if (!e) throw new Error(`${this.floorId}: rooms '${a}' and '${b}' share no edge for a door`);
    const za = this.rooms.get(a)!.zoneType;
    const w = opts.width ?? (BED_ROOMS.has(za) ? BED_DOOR : PLAIN_DOOR);
    return this.addDoor(opts.id ?? `door-${a}`, a, b, e, w, opts.at, opts.exit ?? false, false);
  }

  /** An open junction between two corridors: the whole shared edge. */
  opening(a: string, b: string): string {
    const e = sharedEdge(this.rect(a), this.rect(b));
    if (!e) throw new Error(`${this.floorId}: corridors '${a}' and '${b}' do not touch`);
    return this.addDoor(`open-${a}-${b}`, a, b, e, e.hi - e.lo, undefined, false, true);
  }

  /** A door in the exterior wall on the given side of a room that touches the outline there. */
  exteriorDoor(a: string, side: Side, opts: { id?: string; width?: number; at?: number; exit?: boolean } = {}): string {
    const r = this.rect(a);
    const onSide = { S: near(r.y0, 0), N: near(r.y1, this.depth), W: near(r.x0, 0), E: near(r.x1, this.width) }[side];
    if (!onSide) throw new Error(`${this.floorId}: room '${a}' does not touch the ${side} exterior wall`);
    const e = side === 'S' || side === 'N'
      ? { orient: 'h' as const, c: side === 'S' ? 0 : this.depth, lo: r.x0, hi: r.x1 }
      : { orient: 'v' as const, c: side === 'W' ? 0 : this.width, lo: r.y0, hi: r.y1 };
    return this.addDoor(opts.id ?? `door-${a}-ext`, a, OUTSIDE, e, opts.width ?? PLAIN_DOOR, opts.at, opts.exit ?? false, false);
  }

  private addDoor(
    key: string, a: string, b: string, e: { orient: 'h' | 'v'; c: number; lo: number; hi: number },
    width: number, at: number | undefined, exit: boolean, opening: boolean,
  ): string {
    const len = e.hi - e.lo;
    const w = Math.min(width, opening ? len : len - 0.3);
    const mid = at ?? (e.lo + e.hi) / 2;
    const lo = r2(Math.max(e.lo, mid - w / 2));
    const hi = r2(Math.min(e.hi, lo + w));
    const line: [Position, Position] = e.orient === 'h' ? [[lo, e.c], [hi, e.c]] : [[e.c, lo], [e.c, hi]];
    const id = this.id(key);
    if (this.doors.some((d) => d.id === id)) throw new Error(`${this.floorId}: door id '${id}' used twice`);
    this.doors.push({ id, a, b, line, orient: e.orient, c: e.c, lo, hi, exit, opening });
    return id;
  }

  private doorRec(id: string): DoorRec {
    const d = this.doors.find((x) => x.id === id);
    if (!d) throw new Error(`${this.floorId}: no door '${id}'`);
    return d;
  }

  /** Unit vector from the door line towards the centre of `roomKey`. */
  private inward(d: DoorRec, roomKey: string): Position {
    const r = this.rect(roomKey);
    if (d.orient === 'h') return [0, (r.y0 + r.y1) / 2 > d.c ? 1 : -1];
    return [(r.x0 + r.x1) / 2 > d.c ? 1 : -1, 0];
  }

  /** An RFID portal (2 antennas, to tell direction) on a door, 0.3 m inside `insideKey`. */
  portal(name: string, doorId: string, insideKey: string): this {
    const d = this.doorRec(doorId);
    const [nx, ny] = this.inward(d, insideKey);
    const mid: Position = [(d.line[0][0] + d.line[1][0]) / 2, (d.line[0][1] + d.line[1][1]) / 2];
    this.gateways.push({
      id: this.id(`portal-${name}`), tech: 'rfid-portal', at: [mid[0] + 0.3 * nx, mid[1] + 0.3 * ny],
      mountHeightM: 2.2, room: this.id(insideKey), antennas: 2, door: d.id,
    });
    return this;
  }

  /** An RFID smart cabinet against the wall in the corner of the room furthest from its doors. */
  cabinet(name: string, roomKey: string): this {
    const r = this.rect(roomKey);
    const mids = this.doors.filter((d) => d.a === roomKey || d.b === roomKey)
      .map((d): Position => (d.orient === 'h' ? [(d.lo + d.hi) / 2, d.c] : [d.c, (d.lo + d.hi) / 2]));
    const corners: Position[] = [[r.x0 + 0.6, r.y0 + 0.6], [r.x1 - 0.6, r.y0 + 0.6], [r.x0 + 0.6, r.y1 - 0.6], [r.x1 - 0.6, r.y1 - 0.6]];
    const score = (p: Position) => Math.min(...mids.map((m) => Math.hypot(p[0] - m[0], p[1] - m[1])), Infinity);
    const at = corners.reduce((best, p) => (score(p) > score(best) ? p : best), corners[0]!);
    this.gateways.push({ id: this.id(`cab-${name}`), tech: 'rfid-cabinet', at, mountHeightM: 1.0, room: this.id(roomKey), antennas: 4 });
    return this;
  }

  /** A monitored exit zone: the area `depthM` deep inside the exit door, 1 m wider than the door each side. */
  exitZone(key: string, name: string, doorId: string, insideKey: string, depthM = 3): this {
    const d = this.doorRec(doorId);
    const r = this.rect(insideKey);
    const [nx, ny] = this.inward(d, insideKey);
    const clip = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
    let z: Rect;
    if (d.orient === 'h') {
      const y2 = clip(d.c + ny * depthM, r.y0, r.y1);
      z = { x0: clip(d.lo - 1, r.x0, r.x1), x1: clip(d.hi + 1, r.x0, r.x1), y0: Math.min(d.c, y2), y1: Math.max(d.c, y2) };
    } else {
      const x2 = clip(d.c + nx * depthM, r.x0, r.x1);
      z = { y0: clip(d.lo - 1, r.y0, r.y1), y1: clip(d.hi + 1, r.y0, r.y1), x0: Math.min(d.c, x2), x1: Math.max(d.c, x2) };
    }
    this.zones.push({ id: this.id(`zone-${key}`), name, zoneType: 'exit', ring: rectRing(z), monitored: true });
    return this;
  }

  /** A geofence covering the union of the given rooms (e.g. a whole unit), outline dissolved. */
  unitZone(key: string, name: string, zoneType: ZoneType, roomKeys: string[], monitored: boolean): this {
    const polys = roomKeys.map((k) => turfPolygon([rectRing(this.rect(k))]));
    const u = union(featureCollection(polys));
    if (!u || u.geometry.type !== 'Polygon') throw new Error(`${this.floorId}: zone '${key}' rooms do not form one polygon`);
    const outer = u.geometry.coordinates[0]!.map((p): Position => [r2(p[0]!), r2(p[1]!)]);
    this.zones.push({ id: this.id(`zone-${key}`), name, zoneType, ring: dropCollinear(outer), monitored });
    return this;
  }

  private placeBle(): void {
    for (const room of this.rooms.values()) {
      const { rect: r } = room;
      const w = r.x1 - r.x0;
      const h = r.y1 - r.y0;
      const alongX = w >= h;
      const len = alongX ? w : h;
      // Corridors: one every <= 9 m along the centre line, the end ones <= 4.5 m from the ends, so that any
      // centre-line point is within ~4.5 m of a gateway (validateSite allows 6).
      const n = room.zoneType === 'corridor' ? Math.max(1, Math.ceil(len / 9)) : (room.opts.bleCount ?? Math.max(1, Math.ceil(area(r) / 60)));
      for (let i = 0; i < n; i++) {
        const t = ((i + 0.5) * len) / n;
        const at: Position = alongX ? [r.x0 + t, (r.y0 + r.y1) / 2] : [(r.x0 + r.x1) / 2, r.y0 + t];
        this.gateways.push({ id: this.id(`ble-${room.key}-${i + 1}`), tech: 'ble', at, mountHeightM: 2.7, room: room.id });
      }
    }
  }

  private wallClass(keys: string[]): { attenuationDb: number; material: string } {
    const recs = keys.map((k) => this.rooms.get(k)!);
    // A wall with a corridor on one side is a fire-rated partition; between rooms, a single stud wall.
    let best = recs.length < 2 || recs.some((r) => r.zoneType === 'corridor')
      ? { attenuationDb: 6, material: 'drywall (fire-rated)' }
      : { attenuationDb: 4, material: 'drywall' };
    for (const r of recs) {
      const c = r.opts.wall
        ?? (r.zoneType === 'operating-room' ? { attenuationDb: 12, material: 'shielded plasterboard' }
          : r.zoneType === 'stairs' || r.zoneType === 'elevator' ? { attenuationDb: 15, material: 'concrete (core)' }
            : undefined);
      if (c && c.attenuationDb > best.attenuationDb) best = c;
    }
    return best;
  }

  private buildWalls(): WallFeature[] {
    type Edge = { key: string; lo: number; hi: number };
    const lines = new Map<string, { orient: 'h' | 'v'; c: number; edges: Edge[] }>();
    const add = (orient: 'h' | 'v', c: number, e: Edge) => {
      const k = `${orient}:${c}`;
      if (!lines.has(k)) lines.set(k, { orient, c, edges: [] });
      lines.get(k)!.edges.push(e);
    };
    for (const { key, rect: r } of this.rooms.values()) {
      add('h', r.y0, { key, lo: r.x0, hi: r.x1 });
      add('h', r.y1, { key, lo: r.x0, hi: r.x1 });
      add('v', r.x0, { key, lo: r.y0, hi: r.y1 });
      add('v', r.x1, { key, lo: r.y0, hi: r.y1 });
    }
    const exterior = { attenuationDb: 15, material: 'concrete (exterior)' };
    const onOutline = (orient: 'h' | 'v', c: number) =>
      orient === 'h' ? near(c, 0) || near(c, this.depth) : near(c, 0) || near(c, this.width);
    // The outline's own edges carry the exterior walls.
    const outlineEdges: [string, 'h' | 'v', number, number, number][] = [
      ['S', 'h', 0, 0, this.width], ['N', 'h', this.depth, 0, this.width],
      ['W', 'v', 0, 0, this.depth], ['E', 'v', this.width, 0, this.depth],
    ];
    const walls: WallFeature[] = [];
    const emit = (orient: 'h' | 'v', c: number, lo: number, hi: number, cls: { attenuationDb: number; material: string }) => {
      const coordinates: Position[] = orient === 'h' ? [[r2(lo), r2(c)], [r2(hi), r2(c)]] : [[r2(c), r2(lo)], [r2(c), r2(hi)]];
      walls.push({ type: 'Feature', properties: { kind: 'wall', attenuationDb: cls.attenuationDb, material: cls.material }, geometry: { type: 'LineString', coordinates } });
    };
    const doorsOn = (orient: 'h' | 'v', c: number) => this.doors.filter((d) => d.orient === orient && near(d.c, c));
    const segments = (orient: 'h' | 'v', c: number, ranges: { lo: number; hi: number }[], classify: (m: number) => { attenuationDb: number; material: string } | null) => {
      const doors = doorsOn(orient, c);
      const cuts = [...new Set([...ranges.flatMap((x) => [x.lo, x.hi]), ...doors.flatMap((d) => [d.lo, d.hi])])].sort((a, b) => a - b);
      let run: { lo: number; hi: number; cls: { attenuationDb: number; material: string } } | undefined;
      for (let i = 0; i + 1 < cuts.length; i++) {
        const lo = cuts[i]!;
        const hi = cuts[i + 1]!;
        const m = (lo + hi) / 2;
        const inDoor = doors.some((d) => d.lo < m && m < d.hi);
        const cls = inDoor || !ranges.some((x) => x.lo < m && m < x.hi) ? null : classify(m);
        if (run && cls && run.cls.attenuationDb === cls.attenuationDb && run.cls.material === cls.material && near(run.hi, lo)) {
          run.hi = hi;
          continue;
        }
        if (run) emit(orient, c, run.lo, run.hi, run.cls);
        run = cls ? { lo, hi, cls } : undefined;
      }
      if (run) emit(orient, c, run.lo, run.hi, run.cls);
    };
    for (const [, orient, c, lo, hi] of outlineEdges) segments(orient, c, [{ lo, hi }], () => exterior);
    for (const { orient, c, edges } of [...lines.values()].sort((a, b) => (a.orient + a.c < b.orient + b.c ? -1 : 1))) {
      if (onOutline(orient, c)) continue;
      segments(orient, c, edges, (m) => this.wallClass(edges.filter((e) => e.lo < m && m < e.hi).map((e) => e.key)));
    }
    return walls;
  }

  build(): FloorPlan {
    this.placeBle();
    const features: FloorFeature[] = [];
    features.push({ type: 'Feature', properties: { kind: 'outline' }, geometry: { type: 'Polygon', coordinates: [rectRing({ x0: 0, y0: 0, x1: this.width, y1: this.depth })] } });
    for (const r of this.rooms.values()) {
      const properties: RoomFeature['properties'] = { kind: 'room', id: r.id, name: r.name, zoneType: r.zoneType };
      if (r.opts.unit !== undefined) properties.unit = r.opts.unit;
      features.push({ type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: [rectRing(r.rect).map(rp)] } });
    }
    for (const z of this.zones) {
      const f: ZoneFeature = {
        type: 'Feature',
        properties: { kind: 'zone', id: z.id, name: z.name, zoneType: z.zoneType, monitored: z.monitored },
        geometry: { type: 'Polygon', coordinates: [z.ring.map(rp)] },
      };
      features.push(f);
    }
    features.push(...this.buildWalls());
    for (const d of this.doors) {
      const properties: DoorFeature['properties'] = { kind: 'door', id: d.id, connects: [this.id(d.a), this.id(d.b)] };
      if (d.exit) properties.exit = true;
      features.push({ type: 'Feature', properties, geometry: { type: 'LineString', coordinates: d.line.map(rp) } });
    }
    for (const g of this.gateways) {
      const properties: GatewayFeature['properties'] = { kind: 'gateway', id: g.id, tech: g.tech, format: 'native', mountHeightM: g.mountHeightM };
      if (g.room !== undefined) properties.room = g.room;
      if (g.antennas !== undefined) properties.antennas = g.antennas;
      if (g.door !== undefined) properties.door = g.door;
      features.push({ type: 'Feature', properties, geometry: { type: 'Point', coordinates: rp(g.at) } });
    }
    return { type: 'FeatureCollection', features };
  }
}

function rp(p: Position): Position {
  return [r2(p[0]), r2(p[1])];
}

/** Removes vertices lying on the straight line between their neighbours (union output keeps them). */
function dropCollinear(ring: Position[]): Position[] {
  const open = ring.slice(0, -1);
  const keep = open.filter((p, i) => {
    const a = open[(i - 1 + open.length) % open.length]!;
    const b = open[(i + 1) % open.length]!;
    return Math.abs((p[0] - a[0]) * (b[1] - a[1]) - (p[1] - a[1]) * (b[0] - a[0])) > 1e-9;
  });
  return [...keep, keep[0]!];
}

/** Single-line JSON for values holding no arrays of objects (properties, geometries), else undefined. */
function compact(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const parts = value.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? undefined : compact(v)));
    return parts.every((x) => x !== undefined) ? `[${parts.join(', ')}]` : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const parts = Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => {
      const c = compact(v);
      return c === undefined ? undefined : `${JSON.stringify(k)}: ${c}`;
    });
    return parts.every((x) => x !== undefined) ? (parts.length ? `{ ${parts.join(', ')} }` : '{}') : undefined;
  }
  return JSON.stringify(value);
}

/**
 * JSON with two-space indentation, but anything short without arrays of objects (a feature's properties, its
 * geometry) on one line, so a floor file reads and diffs feature by feature.
 */
export function formatJson(value: unknown, indent = ''): string {
  const inner = indent + '  ';
  const oneLine = compact(value);
  if (oneLine !== undefined && indent.length + oneLine.length <= 300) return oneLine;
  if (Array.isArray(value)) {
    const flat = value.every((v) => typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number')));
    if (flat) return JSON.stringify(value).replace(/,/g, ', ');
    if (!value.length) return '[]';
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (!entries.length) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
