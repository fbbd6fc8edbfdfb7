/**
 * REST routes under /api (DESIGN.md §3). Schemas come from protocol, so the OpenAPI document, validation and
 * serialisation all follow the shared contracts.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { pointInPolygon, type Site } from '@rtls/floorplans';
import {
  CalibrationResponseSchema, ErrorBodySchema, FloorListResponseSchema, FloorSchema, GatewayCalibrationSchema,
  GatewayListResponseSchema, GatewayOffsetBodySchema, HealthSchema, PathLossInfoSchema, PathLossSchema,
  ReferenceTagBodySchema, ReferenceTagSchema, RtlsError, TagInfoSchema, TagListQuerySchema,
  TagListResponseSchema, normaliseTagId, tagTech,
  type CalibrationResponse, type Clock, type Floor, type FloorSummary, type GatewayCalibration, type Health,
} from '@rtls/protocol';
import type { Registry } from '../registry/sqlite-registry.ts';
import type { LiveState } from '../state/live-state.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { AccessService } from '../auth/access.ts';
import { projectTag } from '../auth/viewer.ts';
import { viewerOf } from './auth-guard.ts';

/** Health minus what the API itself knows (status, version, uptime). */
export type HealthParts = Omit<Health, 'status' | 'version' | 'uptimeS'>;

export interface RouteDeps {
  site: Site;
  state: LiveState;
  store: HistoryStore;
  stats: () => HealthParts;
  clock: Clock;
  version: string;
  startedAt: number;
  /** Calibration store; without it the /api/calibration routes are not served. */
  registry?: CalibrationRegistry;
  /** Who may see which patient, and the audit of what they saw (issue #6). */
  access: AccessService;
}

/** The registry methods the calibration routes use. */
export type CalibrationRegistry = Pick<Registry,
  'listGateways' | 'listReferenceTags' | 'putReferenceTag' | 'deleteReferenceTag' | 'listGatewayCalibration' |
  'setGatewayOffset' | 'clearGatewayOffset' | 'listTagModelCalibration' | 'pathLoss' | 'setPathLoss'>;

const TagParamsSchema = z.object({ id: z.string().min(1).max(200) });
const FloorParamsSchema = z.object({ id: z.string().min(1).max(200) });
const ReferenceTagParamsSchema = z.object({ tag: z.string().min(1).max(200) });
const GatewayParamsSchema = z.object({ id: z.string().min(1).max(200) });


const errors = { 400: ErrorBodySchema, 404: ErrorBodySchema };

function summaryOf(s: FloorSummary): FloorSummary {
  // Explicit fields: the loaded site may carry more (e.g. its file name) than the API contract shows.
  return { id: s.id, name: s.name, level: s.level, elevationM: s.elevationM, heightM: s.heightM, widthM: s.widthM, depthM: s.depthM };
}

function tagIdParam(raw: string): string {
  const id = normaliseTagId(raw);
  if (!id) throw new RtlsError('RTLS_ERR_BAD_TAG_ID', undefined, [`id: ${JSON.stringify(raw.slice(0, 100))} is not a tag id`]);
  return id;
}

export function apiRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { site, state, stats, clock, access } = deps;
  const floorsByLevel = [...site.floors].sort((a, b) => a.summary.level - b.summary.level);

  return async (app) => {
    app.get('/api/health', {
      // Open (issue #6 item 2): load balancers and monitoring probe it without a user. It shows counters only.
      config: { auth: 'open' },
      schema: { tags: ['system'], summary: 'Service health and counters', response: { 200: HealthSchema } },
    }, async () => {
      const parts = stats();
      return {
        // Degraded: no broker, or history lost before it reached InfluxDB (never silent, issue #5 item 3).
        status: parts.mqtt.connected && !(parts.store.outbox && parts.store.outbox.lost > 0) ? 'ok' : 'degraded',
        version: deps.version,
        uptimeS: Math.max(0, Math.round((clock() - deps.startedAt) / 100) / 10),
        ...parts,
      } satisfies Health;
    });

    app.get('/api/floors', {
      config: { auth: 'map:view' },
      schema: { tags: ['floors'], summary: 'Floors, ordered by level', response: { 200: FloorListResponseSchema } },
    }, async () => ({ floors: floorsByLevel.map((f) => summaryOf(f.summary)) }));

    app.get('/api/floors/:id', {
      config: { auth: 'map:view' },
      schema: { tags: ['floors'], summary: 'One floor with its plan', params: FloorParamsSchema, response: { 200: FloorSchema, ...errors } },
    }, async (req) => {
      const f = site.floors.find((x) => x.summary.id === req.params.id);
      if (!f) throw new RtlsError('RTLS_ERR_FLOOR_NOT_FOUND', `Floor not found: ${req.params.id.slice(0, 64)}`);
      return { ...summaryOf(f.summary), plan: f.plan } satisfies Floor;
    });

    app.get('/api/tags', {
      config: { auth: 'map:view' },
      schema: { tags: ['tags'], summary: 'Tags (registered and seen), filtered and paged; patients as your role may see them', querystring: TagListQuerySchema, response: { 200: TagListResponseSchema, 400: ErrorBodySchema } },
    }, async (req) => {
      const viewer = viewerOf(req);
      const page = state.listTags(req.query, (t) => projectTag(viewer, t, access));
      const located = page.tags.filter((t) => t.kind === 'patient' && t.lastFix !== null).map((t) => t.id);
      // An overview, audited (it shows where patients are) but not counted as a look-up of each of them.
      if (located.length > 0) access.record(viewer, 'view-location', 'tags:list', { patients: located });
      return page;
    });

    app.get('/api/tags/:id', {
      config: { auth: 'map:view' },
      schema: { tags: ['tags'], summary: 'One tag with its last fix (a patient tag: audited)', params: TagParamsSchema, response: { 200: TagInfoSchema, ...errors } },
    }, async (req) => {
      const viewer = viewerOf(req);
      const id = tagIdParam(req.params.id);
      const raw = state.getTag(id);
      // A patient outside a clinician's units answers like an unknown tag (no existence oracle).
      const tag = raw ? projectTag(viewer, raw, access) : null;
      if (!tag) throw new RtlsError('RTLS_ERR_TAG_NOT_FOUND', `Tag not found: ${id}`);
      if (tag.kind === 'patient') access.record(viewer, 'view-location', `tag:${id}`, { patients: [id], lookup: true });
      return tag;
    });

    app.get('/api/gateways', {
      config: { auth: 'map:view' },
      schema: { tags: ['gateways'], summary: 'Gateways with their last status', response: { 200: GatewayListResponseSchema } },
    }, async () => ({ gateways: state.gateways() }));

    if (deps.registry) await app.register(calibrationRoutes(site, deps.registry, access));
  };
}

/**
 * Calibration (issue #3 item 2): what the locator applies, and the surveyed inputs it learns from. The write routes
 * change positioning for every tag: they need `registry:write` and are audited (issue #6).
 */
function calibrationRoutes(site: Site, registry: CalibrationRegistry, access: AccessService): FastifyPluginAsyncZod {
  const gatewayCalibration = (): GatewayCalibration[] => {
    const rows = new Map(registry.listGatewayCalibration().map((r) => [r.gateway, r]));
    const out: GatewayCalibration[] = [];
    for (const g of registry.listGateways()) {
      if (g.tech !== 'ble') continue;
      const r = rows.get(g.id);
      rows.delete(g.id);
      out.push(r
        ? { id: g.id, offsetDb: r.offsetDb, samples: r.samples, updatedAt: r.updatedAt, source: r.source }
        : { id: g.id, offsetDb: 0, samples: 0, updatedAt: null, source: 'none' });
    }
    // Rows of gateways no longer registered stay visible, so nothing applied is hidden.
    for (const r of rows.values()) out.push({ id: r.gateway, offsetDb: r.offsetDb, samples: r.samples, updatedAt: r.updatedAt, source: r.source });
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };

  const gatewayIdParam = (raw: string) => {
    if (!registry.listGateways().some((g) => g.id === raw)) throw new RtlsError('RTLS_ERR_GATEWAY_NOT_FOUND', `Gateway not found: ${raw.slice(0, 64)}`);
    return raw;
  };

  const change = { config: { auth: 'registry:write' as const } };
  /** Every write here is a registry change: audited once its input is valid, before it is made. */
  const audited = (req: FastifyRequest, object: string, detail: string) => access.record(viewerOf(req), 'change-registry', object, { detail });
  return async (app) => {

    app.get('/api/calibration', {
      config: { auth: 'map:view' },
      schema: {
        tags: ['calibration'], summary: 'Path-loss parameters, gateway and tag-model offsets in effect, reference tags',
        response: { 200: CalibrationResponseSchema },
      },
    }, async () => ({
      pathLoss: registry.pathLoss(),
      gateways: gatewayCalibration(),
      tagModels: registry.listTagModelCalibration(),
      referenceTags: registry.listReferenceTags(),
    }) satisfies CalibrationResponse);

    app.put('/api/calibration/reference-tags/:tag', {
      ...change,
      schema: {
        tags: ['calibration'], summary: 'Place a reference tag at a surveyed position (inside the floor outline)',
        params: ReferenceTagParamsSchema, body: ReferenceTagBodySchema, response: { 200: ReferenceTagSchema, ...errors },
      },
    }, async (req) => {
      const tag = tagIdParam(req.params.tag);
      // Reference tags teach BLE receive offsets; an RFID read carries no path-loss information.
      if (tagTech(tag) === 'epc') throw new RtlsError('RTLS_ERR_VALIDATION', undefined, ['tag: a reference tag must be a BLE tag']);
      const { floor, x, y, note } = req.body;
      const f = site.floors.find((fl) => fl.summary.id === floor);
      if (!f) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`floor: no floor ${JSON.stringify(floor)} in the site`]);
      if (!pointInPolygon([x, y], f.outline.geometry.coordinates)) {
        throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`x: point (${x}, ${y}) is outside the outline of floor ${floor}`]);
      }
      audited(req, `reference-tag:${tag}`, `place at ${floor} (${x}, ${y})`);
      return registry.putReferenceTag(tag, { floor, x, y, note: note ?? null });
    });

    app.delete('/api/calibration/reference-tags/:tag', {
      ...change,
      schema: {
        tags: ['calibration'], summary: 'Stop using a tag as a reference tag', params: ReferenceTagParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    }, async (req, reply) => {
      const tag = tagIdParam(req.params.tag);
      if (!registry.listReferenceTags().some((r) => r.tag === tag)) throw new RtlsError('RTLS_ERR_TAG_NOT_FOUND', `Not a reference tag: ${tag}`);
      audited(req, `reference-tag:${tag}`, 'remove');
      if (!registry.deleteReferenceTag(tag)) throw new RtlsError('RTLS_ERR_TAG_NOT_FOUND', `Not a reference tag: ${tag}`);
      return reply.code(204).send(null);
    });

    app.put('/api/calibration/gateways/:id', {
      ...change,
      schema: {
        tags: ['calibration'], summary: "Override a BLE gateway's receive offset (learned values never replace it)",
        params: GatewayParamsSchema, body: GatewayOffsetBodySchema, response: { 200: GatewayCalibrationSchema, ...errors },
      },
    }, async (req) => {
      const id = gatewayIdParam(req.params.id);
      audited(req, `gateway:${id}`, `manual offset ${req.body.offsetDb} dB`);
      const r = registry.setGatewayOffset(id, req.body.offsetDb);
      return { id: r.gateway, offsetDb: r.offsetDb, samples: r.samples, updatedAt: r.updatedAt, source: r.source } satisfies GatewayCalibration;
    });

    app.delete('/api/calibration/gateways/:id', {
      ...change,
      schema: {
        tags: ['calibration'], summary: "Drop a gateway's offset (manual or learned); learning fills it again",
        params: GatewayParamsSchema, response: { 204: z.null(), ...errors },
      },
    }, async (req, reply) => {
      const id = gatewayIdParam(req.params.id);
      audited(req, `gateway:${id}`, 'clear offset');
      registry.clearGatewayOffset(id);
      return reply.code(204).send(null);
    });

    app.put('/api/calibration/path-loss', {
      ...change,
      schema: {
        tags: ['calibration'], summary: "Set the site's path-loss parameters",
        body: PathLossSchema, response: { 200: PathLossInfoSchema, 400: ErrorBodySchema },
      },
    }, async (req) => {
      audited(req, 'path-loss', `rssiAt1mDbm ${req.body.rssiAt1mDbm}, exponent ${req.body.exponent}`);
      return registry.setPathLoss(req.body);
    });

    app.delete('/api/calibration/path-loss', {
      ...change,
      schema: { tags: ['calibration'], summary: 'Go back to the default path-loss parameters', response: { 200: PathLossInfoSchema } },
    }, async (req) => {
      audited(req, 'path-loss', 'back to defaults');
      return registry.setPathLoss(null);
    });
  };
}
