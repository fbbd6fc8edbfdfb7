/**
 * The room adjacency graph (issue #3 item 6: "an HMM over the door-adjacency graph — no walking through walls").
 * Two rooms are neighbours only where a tag can physically pass between them:
 *  - a door (`properties.connects: [a, b]`, openings included) on the plan;
 *  - a vertical link (stairs, lift) between its rooms on different floors — the only way to change floor;
 *  - two rooms whose polygons overlap with positive area (a bay drawn inside a ward: no wall separates them).
 *    validateSite rejects overlaps in committed sites, but the stamper supports them, so the graph does too.
 * Rooms that merely share a wall are NOT neighbours. A door to 'outside' marks the room as exterior.
 *
 * Pure; built once per (site, verticals) and cached by object identity.
 */
import { intersectionArea, polygonArea } from '@rtls/floorplans';
import type { RoomFeature, ZoneType } from '@rtls/protocol';
import type { SiteLike } from './site-model.ts';

/** A vertical connection (the shape of `VerticalLink` in @rtls/protocol): its rooms, one per floor, bottom to top. */
export interface VerticalLike {
  id: string;
  kind: string;
  rooms: readonly string[];
}

export type RoomEdgeKind = 'door' | 'vertical' | 'overlap';

export interface RoomEdge {
  /** Index of the neighbour in `RoomGraph.rooms`. */
  to: number;
  kind: RoomEdgeKind;
  /** Door ids (several doors may join the same two rooms), the vertical link id, or [] for an overlap. */
  via: readonly string[];
}

export interface RoomNode {
  id: string;
  index: number;
  floor: string;
  zoneType: ZoneType;
  /** Bounding box of the outer ring, m (floor frame). */
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  /** Polygon area (outer ring minus holes), m². */
  area: number;
  neighbours: readonly RoomEdge[];
  /** A door joins this room to 'outside'. */
  exterior: boolean;
}

export interface RoomGraph {
  /** All rooms of the site, floors in site order, rooms in plan order; `rooms[i].index === i`. */
  rooms: readonly RoomNode[];
  byId: ReadonlyMap<string, RoomNode>;
  /** Room indices per floor id. */
  floorRooms: ReadonlyMap<string, readonly number[]>;
  /** Rooms that belong to a vertical link (stairwells, lift shafts). */
  verticalRooms: ReadonlySet<number>;
}

const cache = new WeakMap<SiteLike, Map<readonly VerticalLike[] | null, RoomGraph>>();

/**
 * Builds (or returns the cached) room graph. `verticals` defaults to `site.verticals` when the object carries one
 * (a loaded `Site` from @rtls/floorplans does), else none: then no floor can be changed.
 */
export function buildRoomGraph(site: SiteLike, verticals?: readonly VerticalLike[]): RoomGraph {
  const links = verticals ?? (site as { verticals?: readonly VerticalLike[] }).verticals ?? null;
  let perSite = cache.get(site);
  if (!perSite) cache.set(site, (perSite = new Map()));
  let graph = perSite.get(links);
  if (!graph) perSite.set(links, (graph = build(site, links ?? [])));
  return graph;
}

interface MutableNode extends Omit<RoomNode, 'neighbours'> {
  neighbours: RoomEdge[];
  feature: RoomFeature;
}

function build(site: SiteLike, verticals: readonly VerticalLike[]): RoomGraph {
  const nodes: MutableNode[] = [];
  const byId = new Map<string, MutableNode>();
  const floorRooms = new Map<string, number[]>();
  for (const floor of site.floors) {
    const list: number[] = [];
    floorRooms.set(floor.summary.id, list);
    for (const feature of floor.rooms) {
      const id = feature.properties.id;
      if (byId.has(id)) continue; // duplicates are validateSite's to report; the first one wins, as in the stamper
      const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
      for (const [x, y] of feature.geometry.coordinates[0]!) {
        b.minX = Math.min(b.minX, x);
        b.minY = Math.min(b.minY, y);
        b.maxX = Math.max(b.maxX, x);
        b.maxY = Math.max(b.maxY, y);
      }
      const node: MutableNode = {
        id, index: nodes.length, floor: floor.summary.id, zoneType: feature.properties.zoneType,
        minX: b.minX, minY: b.minY, maxX: b.maxX, maxY: b.maxY,
        area: polygonArea(feature.geometry.coordinates), neighbours: [], exterior: false, feature,
      };
      nodes.push(node);
      byId.set(id, node);
      list.push(node.index);
    }
  }

  const link = (a: MutableNode, b: MutableNode, kind: RoomEdgeKind, via: string | null) => {
    if (a === b) return;
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const existing = from.neighbours.find((e) => e.to === to.index && e.kind === kind);
      if (existing) {
        if (via !== null && !existing.via.includes(via)) (existing.via as string[]).push(via);
      } else {
        from.neighbours.push({ to: to.index, kind, via: via === null ? [] : [via] });
      }
    }
  };

  for (const floor of site.floors) {
    for (const door of floor.doors) {
      const [a, b] = door.properties.connects;
      if (a === 'outside' || b === 'outside') {
        const inside = byId.get(a === 'outside' ? b : a);
        if (inside) inside.exterior = true;
        continue;
      }
      const ra = byId.get(a);
      const rb = byId.get(b);
      if (ra && rb) link(ra, rb, 'door', door.properties.id);
    }
  }

  const verticalRooms = new Set<number>();
  for (const v of verticals) {
    const rooms = v.rooms.map((id) => byId.get(id)).filter((r): r is MutableNode => r !== undefined);
    for (const r of rooms) verticalRooms.add(r.index);
    // Stairs are walked floor by floor; a lift car goes from any served floor to any other without stopping.
    for (let i = 0; i < rooms.length; i++) {
      for (let j = i + 1; j < rooms.length; j++) {
        if (v.kind === 'stairs' && j > i + 1) break;
        if (rooms[i]!.floor !== rooms[j]!.floor) link(rooms[i]!, rooms[j]!, 'vertical', v.id);
      }
    }
  }

  for (const list of floorRooms.values()) {
    for (let i = 0; i < list.length; i++) {
      const a = nodes[list[i]!]!;
      for (let j = i + 1; j < list.length; j++) {
        const b = nodes[list[j]!]!;
        if (a.minX >= b.maxX || b.minX >= a.maxX || a.minY >= b.maxY || b.minY >= a.maxY) continue;
        // Sharing a wall gives zero intersection area; only a real overlap (no wall between) links the rooms.
        if (intersectionArea(a.feature.geometry.coordinates, b.feature.geometry.coordinates) > 1e-6) {
          link(a, b, 'overlap', null);
        }
      }
    }
  }

  const rooms: RoomNode[] = nodes.map(({ feature: _feature, ...node }) => Object.freeze({
    ...node,
    neighbours: Object.freeze(node.neighbours.map((e) => Object.freeze({ ...e, via: Object.freeze([...e.via]) }))),
  }));
  return Object.freeze({
    rooms: Object.freeze(rooms),
    byId: new Map(rooms.map((r) => [r.id, r])),
    floorRooms: new Map([...floorRooms].map(([k, v]) => [k, Object.freeze(v)])),
    verticalRooms,
  });
}
