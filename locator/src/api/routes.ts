/**
 * REST routes under /api (DESIGN.md §3). Schemas come from protocol, so the OpenAPI document, validation and
 * serialisation all follow the shared contracts.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Site } from '@rtls/floorplans';
import {
  ErrorBodySchema, FixSchema, FloorListResponseSchema, FloorSchema, GatewayListResponseSchema, HealthSchema, RtlsError,
  TagIdSchema, TagInfoSchema, TagListQuerySchema, TagListResponseSchema, normaliseTagId,
  type Clock, type Floor, type FloorSummary, type Health,
} from '@rtls/protocol';
import type { LiveState } from '../state/live-state.ts';
import type { HistoryStore } from '../store/history-store.ts';

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
}

const TagParamsSchema = z.object({ id: z.string().min(1).max(200) });
const FloorParamsSchema = z.object({ id: z.string().min(1).max(200) });

export const TrailQuerySchema = z.strictObject({
  /** Epoch ms; default: `to` minus one hour. */
  from: z.coerce.number().int().min(0).optional(),
  /** Epoch ms; default: now. */
  to: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
export const TrailResponseSchema = z.strictObject({ tag: TagIdSchema, fixes: z.array(FixSchema) });

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
  const { site, state, store, stats, clock } = deps;
  const floorsByLevel = [...site.floors].sort((a, b) => a.summary.level - b.summary.level);

  return async (app) => {
    app.get('/api/health', {
      schema: { tags: ['system'], summary: 'Service health and counters', response: { 200: HealthSchema } },
    }, async () => {
      const parts = stats();
      return {
        status: parts.mqtt.connected ? 'ok' : 'degraded',
        version: deps.version,
        uptimeS: Math.max(0, Math.round((clock() - deps.startedAt) / 100) / 10),
        ...parts,
      } satisfies Health;
    });

    app.get('/api/floors', {
      schema: { tags: ['floors'], summary: 'Floors, ordered by level', response: { 200: FloorListResponseSchema } },
    }, async () => ({ floors: floorsByLevel.map((f) => summaryOf(f.summary)) }));

    app.get('/api/floors/:id', {
      schema: { tags: ['floors'], summary: 'One floor with its plan', params: FloorParamsSchema, response: { 200: FloorSchema, ...errors } },
    }, async (req) => {
      const f = site.floors.find((x) => x.summary.id === req.params.id);
      if (!f) throw new RtlsError('RTLS_ERR_FLOOR_NOT_FOUND', `Floor not found: ${req.params.id.slice(0, 64)}`);
      return { ...summaryOf(f.summary), plan: f.plan } satisfies Floor;
    });

    app.get('/api/tags', {
      schema: { tags: ['tags'], summary: 'Tags (registered and seen), filtered and paged', querystring: TagListQuerySchema, response: { 200: TagListResponseSchema, 400: ErrorBodySchema } },
    }, async (req) => state.listTags(req.query));

    app.get('/api/tags/:id', {
      schema: { tags: ['tags'], summary: 'One tag with its last fix', params: TagParamsSchema, response: { 200: TagInfoSchema, ...errors } },
    }, async (req) => {
      const id = tagIdParam(req.params.id);
      const tag = state.getTag(id);
      if (!tag) throw new RtlsError('RTLS_ERR_TAG_NOT_FOUND', `Tag not found: ${id}`);
      return tag;
    });

    app.get('/api/tags/:id/trail', {
      schema: { tags: ['tags'], summary: "A tag's recent fixes from history, oldest first", params: TagParamsSchema, querystring: TrailQuerySchema, response: { 200: TrailResponseSchema, ...errors } },
    }, async (req) => {
      const id = tagIdParam(req.params.id);
      if (!state.getTag(id)) throw new RtlsError('RTLS_ERR_TAG_NOT_FOUND', `Tag not found: ${id}`);
      const to = req.query.to ?? clock();
      const from = req.query.from ?? to - 3_600_000;
      if (from > to) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, ['from: must not be after to']);
      return { tag: id, fixes: await store.trail(id, from, to, req.query.limit) };
    });

    app.get('/api/gateways', {
      schema: { tags: ['gateways'], summary: 'Gateways with their last status', response: { 200: GatewayListResponseSchema } },
    }, async () => ({ gateways: state.gateways() }));
  };
}
