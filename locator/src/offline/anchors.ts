/**
 * The site an offline run locates in, built from an anchors file (issue #3, offline locate CLI): every anchor becomes
 * a BLE GatewayRecord with format 'native' (the offline runner feeds native read batches), and the site is one floor
 * whose outline is the anchors' bounding box grown by a margin, or explicit bounds. The pipeline clamps positions to
 * the outline's bounding box, so the bounds are the only floor-plan knowledge an anchors file supplies: no rooms,
 * doors or walls, hence `room` is always null in such a run.
 *
 * Anchors file shape (the danis2022-ble-tetam `anchors.json`): `{ "anchors": [{ "id", "mac"?, "x", "y", "z" }, …] }`,
 * metres, z = receiver mount height above the floor. Other top-level keys are ignored.
 */
import { z } from 'zod';
import { GatewayIdSchema, describeZodError } from '@rtls/protocol';
import type { CreatePipelineOptions } from '../pipeline.ts';
import type { GatewayRecord, RegistryView } from '../contracts.ts';

/** What createPipeline takes as a site; derived from its signature so this module follows the pipeline's contract. */
export type OfflineSiteLike = CreatePipelineOptions['site'];

/** Floor id of the one floor an anchors file describes. */
export const ANCHORS_FLOOR_ID = 'offline';
/**
 * How far the default outline extends beyond the outermost anchors, metres. Receivers are usually mounted on or near
 * the walls, so the tracked area ends about where they do; 2 m leaves room for a tag in a corner or just outside the
 * receivers' hull without letting a weak, noisy solve run far away. A design default, not fitted to any data.
 */
export const DEFAULT_BOUNDS_MARGIN_M = 2;

export interface Anchor {
  id: string;
  /** Receiver MAC as 12 lower-case hex digits (separators removed), when the file gives one. */
  mac: string | null;
  x: number;
  y: number;
  z: number;
}

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** A site plus the gateway lookups an offline run needs. */
export interface OfflineSite {
  site: OfflineSiteLike;
  gateways: GatewayRecord[];
  registry: RegistryView;
  /** Receiver MAC (normalised by normaliseMac) → gateway id, for packet streams that name receivers by MAC. */
  gatewayByMac: ReadonlyMap<string, string>;
  /** The floor outline's bounds (one-floor sites), for reporting. */
  bounds: Bounds | null;
}

/** Thrown for an unusable anchors file, bounds string or site: the CLI turns it into a usage error. */
export class OfflineInputError extends Error {}

const finite = z.number().finite();
const AnchorSchema = z.object({
  id: GatewayIdSchema,
  mac: z.string().optional(),
  x: finite,
  y: finite,
  z: finite.min(0).max(20),
});
const AnchorsFileSchema = z.object({ anchors: z.array(AnchorSchema).min(1) });

/** `B8:27:EB:45:21:B4`, `b827eb4521b4`, `b8-27-…` → `b827eb4521b4`; anything that is not 12 hex digits → null. */
export function normaliseMac(raw: string): string | null {
  const hex = raw.replace(/[:\-.\s]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(hex) ? hex : null;
}

/** Parses the text of an anchors file. Throws OfflineInputError naming the problem. */
export function parseAnchors(text: string): Anchor[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new OfflineInputError(`anchors: not JSON (${(err as Error).message})`);
  }
  const r = AnchorsFileSchema.safeParse(json);
  if (!r.success) throw new OfflineInputError(`anchors: ${describeZodError(r.error).join('; ')}`);
  const seen = new Set<string>();
  const macs = new Set<string>();
  return r.data.anchors.map((a, i) => {
    if (seen.has(a.id)) throw new OfflineInputError(`anchors[${i}].id: duplicate id ${a.id}`);
    seen.add(a.id);
    let mac: string | null = null;
    if (a.mac !== undefined) {
      mac = normaliseMac(a.mac);
      if (mac === null) throw new OfflineInputError(`anchors[${i}].mac: ${JSON.stringify(a.mac)} is not a 12-hex-digit MAC`);
      if (macs.has(mac)) throw new OfflineInputError(`anchors[${i}].mac: duplicate MAC ${a.mac}`);
      macs.add(mac);
    }
    return { id: a.id, mac, x: a.x, y: a.y, z: a.z };
  });
}

/** `minX,minY,maxX,maxY` in metres. Throws OfflineInputError. */
export function parseBounds(text: string): Bounds {
  const parts = text.split(',').map((s) => s.trim());
  const v = parts.map(Number);
  if (parts.length !== 4 || parts.some((s) => s === '') || v.some((n) => !Number.isFinite(n))) {
    throw new OfflineInputError(`bounds: expected minX,minY,maxX,maxY in metres, got ${JSON.stringify(text)}`);
  }
  const [minX, minY, maxX, maxY] = v as [number, number, number, number];
  if (!(maxX > minX && maxY > minY)) throw new OfflineInputError(`bounds: need maxX > minX and maxY > minY, got ${text}`);
  return { minX, minY, maxX, maxY };
}

/** The anchors' bounding box grown by `marginM` on every side. */
export function anchorBounds(anchors: readonly Anchor[], marginM = DEFAULT_BOUNDS_MARGIN_M): Bounds {
  const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const a of anchors) {
    b.minX = Math.min(b.minX, a.x);
    b.minY = Math.min(b.minY, a.y);
    b.maxX = Math.max(b.maxX, a.x);
    b.maxY = Math.max(b.maxY, a.y);
  }
  // A positive margin also keeps one anchor, or anchors on a line, from giving a zero-area outline.
  const m = Math.max(marginM, 0.5);
  return { minX: b.minX - m, minY: b.minY - m, maxX: b.maxX + m, maxY: b.maxY + m };
}

export function registryOver(gateways: readonly GatewayRecord[]): RegistryView {
  const byId = new Map(gateways.map((g) => [g.id, g]));
  // Offline runs know no tag registrations; the pipeline tracks unregistered tags all the same.
  return { gateway: (id) => byId.get(id), tag: () => undefined };
}

/** One floor, outline = bounds (default: anchors' box + margin), one BLE gateway per anchor. */
export function siteFromAnchors(anchors: readonly Anchor[], bounds: Bounds = anchorBounds(anchors)): OfflineSite {
  const gateways: GatewayRecord[] = anchors.map((a) => ({
    id: a.id, tech: 'ble', format: 'native', floor: ANCHORS_FLOOR_ID, x: a.x, y: a.y, mountHeightM: a.z,
    room: null, door: null, antennas: null,
  }));
  const { minX, minY, maxX, maxY } = bounds;
  const site: OfflineSiteLike = {
    id: 'offline',
    floors: [{
      summary: {
        id: ANCHORS_FLOOR_ID, name: 'anchors', level: 0, elevationM: 0, heightM: 4,
        widthM: Math.max(maxX, 1), depthM: Math.max(maxY, 1),
      },
      outline: {
        type: 'Feature',
        properties: { kind: 'outline' },
        geometry: { type: 'Polygon', coordinates: [[[minX, minY], [maxX, minY], [maxX, maxY], [minX, maxY], [minX, minY]]] },
      },
      rooms: [],
      zones: [],
      doors: [],
    }],
  };
  const gatewayByMac = new Map<string, string>();
  for (const a of anchors) if (a.mac) gatewayByMac.set(a.mac, a.id);
  return { site, gateways, registry: registryOver(gateways), gatewayByMac, bounds };
}
