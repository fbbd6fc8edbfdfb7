/**
 * Where gateways are, for the rules (issue #7: "gateway or portal offline while it guards a protected exit"): which
 * door a portal guards, and which gateways a gateway-offline rule watches. Registry records win (an installer may
 * have moved or added a gateway since the plan was drawn); the floor plan fills in gateways the registry lacks.
 */
import type { Site } from '@rtls/floorplans';
import { pointInPolygon } from '@rtls/floorplans';
import type { Position, RuleCondition } from '@rtls/protocol';
import type { GatewayRecord } from '../contracts.ts';

export interface GatewayPlace {
  id: string;
  floor: string;
  x: number;
  y: number;
  room: string | null;
  /** RFID portal: the door it guards. */
  door: string | null;
}

type Polygon = Position[][];
type GatewayOfflineCondition = Extract<RuleCondition, { kind: 'gateway-offline' }>;

/** The gateway's place from the registry records, else from the floor plan; undefined when neither knows it. */
export function gatewayPlace(id: string, records: ReadonlyMap<string, GatewayRecord>, site: Site): GatewayPlace | undefined {
  const r = records.get(id);
  if (r) return { id, floor: r.floor, x: r.x, y: r.y, room: r.room, door: r.door };
  const s = site.gateway(id);
  if (!s) return undefined;
  const p = s.gateway.properties;
  const [x, y] = s.gateway.geometry.coordinates;
  return { id, floor: s.floor.summary.id, x, y, room: p.room ?? null, door: p.door ?? null };
}

/** Room and zone polygons of the site by id, with their floor (rooms and zones share one id space in rules). */
export function areaPolygons(site: Site): Map<string, { floor: string; coords: Polygon }> {
  const out = new Map<string, { floor: string; coords: Polygon }>();
  for (const f of site.floors) {
    for (const r of f.rooms) if (!out.has(r.properties.id)) out.set(r.properties.id, { floor: f.summary.id, coords: r.geometry.coordinates });
    for (const z of f.zones) if (!out.has(z.properties.id)) out.set(z.properties.id, { floor: f.summary.id, coords: z.geometry.coordinates });
  }
  return out;
}

/**
 * Does a gateway-offline rule watch this gateway: listed by id, or in one of the rule's zones — its room is one of
 * them, it stands inside one of their polygons (a portal at an exit door stands in the exit zone in front of it), or
 * it is the portal of a door listed among the zones.
 */
export function watchesGateway(
  cond: GatewayOfflineCondition,
  g: GatewayPlace,
  areas: ReadonlyMap<string, { floor: string; coords: Polygon }>,
): boolean {
  if (cond.gateways.includes(g.id)) return true;
  for (const z of cond.zones) {
    if (z === g.room || z === g.door) return true;
    const a = areas.get(z);
    if (a && a.floor === g.floor && pointInPolygon([g.x, g.y], a.coords)) return true;
  }
  return false;
}
