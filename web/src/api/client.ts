import {
  ContactsResponseSchema, ErrorBodySchema, FloorListResponseSchema, FloorSchema, GatewayDiagnosticsSchema, GatewayListResponseSchema,
  PositionAtResponseSchema, TagInfoSchema, TagListResponseSchema, TagVisitsResponseSchema, TrailResponseSchema, ZoneVisitsResponseSchema,
  type ContactsResponse, type Floor, type FloorSummary, type GatewayDiagnostics, type GatewayInfo, type PositionAtResponse, type TagInfo,
  type TagKind, type TagListResponse, type TagVisitsResponse, type TrailResponse, type ZoneVisitsResponse,
} from '@rtls/protocol';

/** A failed API call, carrying the server's error code (errors.ts) when it sent one. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The one thing used from a protocol schema here; keeps web's only dependency @rtls/protocol (not zod). */
interface Schema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false };
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** A history time range, epoch ms (issue #5 item 4). */
export interface RangeQuery {
  from: number;
  to: number;
}

/** The history queries that can also be exported as text/csv (`format=csv`, optionally `deidentify=true`). */
export type HistoryExport =
  | { kind: 'trail'; tag: string; query: RangeQuery & { limit?: number; resolutionMs?: number } }
  | { kind: 'tag-visits'; tag: string; query: RangeQuery }
  | { kind: 'zone-visits'; zone: string; query: RangeQuery }
  | { kind: 'contacts'; tag: string; query: RangeQuery & { radiusM?: number; binMs?: number } };

/** Path and query string of a history request, relative to the API base; shared by the JSON calls and the CSV links. */
export function historyPath(e: HistoryExport, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(e.query)) if (v !== undefined) p.set(k, String(v));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const qs = p.toString();
  switch (e.kind) {
    case 'trail':
      return `/tags/${encodeURIComponent(e.tag)}/trail?${qs}`;
    case 'tag-visits':
      return `/tags/${encodeURIComponent(e.tag)}/visits?${qs}`;
    case 'zone-visits':
      return `/zones/${encodeURIComponent(e.zone)}/visits?${qs}`;
    case 'contacts':
      return `/tags/${encodeURIComponent(e.tag)}/contacts?${qs}`;
  }
}

export interface ApiClient {
  floors(): Promise<FloorSummary[]>;
  floor(id: string): Promise<Floor>;
  tags(q: { floor?: string; kind?: TagKind; q?: string; limit?: number }, signal?: AbortSignal): Promise<TagListResponse>;
  tag(id: string, signal?: AbortSignal): Promise<TagInfo>;
  /** Every registered gateway with its state and topic (GET /api/gateways). */
  gateways(signal?: AbortSignal): Promise<GatewayInfo[]>;
  /** One gateway's diagnostics (GET /api/gateways/:id); 404 RTLS_ERR_GATEWAY_NOT_FOUND when it is not registered. */
  gateway(id: string, signal?: AbortSignal): Promise<GatewayDiagnostics>;
  /** A tag's fixes from history, oldest first; at most one per `resolutionMs` bucket (GET /api/tags/:id/trail). */
  trail(tag: string, q: RangeQuery & { limit?: number; resolutionMs?: number }, signal?: AbortSignal): Promise<TrailResponse>;
  /** Where a tag was at time t: its last fix at or before t, if at most maxAgeMs old (GET /api/tags/:id/at). */
  positionAt(tag: string, q: { t: number; maxAgeMs?: number }, signal?: AbortSignal): Promise<PositionAtResponse>;
  /** The rooms and zones a tag passed through, and how long (GET /api/tags/:id/visits). */
  tagVisits(tag: string, q: RangeQuery, signal?: AbortSignal): Promise<TagVisitsResponse>;
  /** The tags that were in a room or zone (GET /api/zones/:id/visits). */
  zoneVisits(zone: string, q: RangeQuery, signal?: AbortSignal): Promise<ZoneVisitsResponse>;
  /** Tags within radiusM of a tag on the same floor, with overlap durations (GET /api/tags/:id/contacts). */
  contacts(tag: string, q: RangeQuery & { radiusM?: number; binMs?: number }, signal?: AbortSignal): Promise<ContactsResponse>;
  /** Link to the same query as text/csv, for "Export CSV"; `deidentify` pseudonymises patients within the export. */
  csvUrl(e: HistoryExport, deidentify: boolean): string;
}

export function createApiClient(fetchFn: Fetch = (i, init) => fetch(i, init), base = '/api'): ApiClient {
  async function get<T>(path: string, schema: Schema<T>, signal?: AbortSignal): Promise<T> {
    const res = await fetchFn(base + path, { headers: { accept: 'application/json' }, signal: signal ?? null });
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (!res.ok) {
      const e = ErrorBodySchema.safeParse(body);
      throw e.success
        ? new ApiError(res.status, e.data.code, e.data.message)
        : new ApiError(res.status, 'RTLS_ERR_INTERNAL', `HTTP ${res.status}`);
    }
    const r = schema.safeParse(body);
    if (!r.success) throw new ApiError(res.status, 'RTLS_ERR_VALIDATION', `Unexpected response from ${path}`);
    return r.data;
  }
  return {
    floors: async () => (await get('/floors', FloorListResponseSchema)).floors,
    floor: (id) => get(`/floors/${encodeURIComponent(id)}`, FloorSchema),
    tags(q, signal) {
      const p = new URLSearchParams();
      if (q.floor) p.set('floor', q.floor);
      if (q.kind) p.set('kind', q.kind);
      if (q.q) p.set('q', q.q);
      if (q.limit) p.set('limit', String(q.limit));
      const qs = p.toString();
      return get(`/tags${qs ? `?${qs}` : ''}`, TagListResponseSchema, signal);
    },
    tag: (id, signal) => get(`/tags/${encodeURIComponent(id)}`, TagInfoSchema, signal),
    gateways: async (signal) => (await get('/gateways', GatewayListResponseSchema, signal)).gateways,
    gateway: (id, signal) => get(`/gateways/${encodeURIComponent(id)}`, GatewayDiagnosticsSchema, signal),
    trail: (tag, query, signal) => get(historyPath({ kind: 'trail', tag, query }), TrailResponseSchema, signal),
    positionAt(tag, q, signal) {
      const p = new URLSearchParams({ t: String(q.t) });
      if (q.maxAgeMs !== undefined) p.set('maxAgeMs', String(q.maxAgeMs));
      return get(`/tags/${encodeURIComponent(tag)}/at?${p.toString()}`, PositionAtResponseSchema, signal);
    },
    tagVisits: (tag, query, signal) => get(historyPath({ kind: 'tag-visits', tag, query }), TagVisitsResponseSchema, signal),
    zoneVisits: (zone, query, signal) => get(historyPath({ kind: 'zone-visits', zone, query }), ZoneVisitsResponseSchema, signal),
    contacts: (tag, query, signal) => get(historyPath({ kind: 'contacts', tag, query }), ContactsResponseSchema, signal),
    csvUrl: (e, deidentify) => base + historyPath(e, deidentify ? { format: 'csv', deidentify: 'true' } : { format: 'csv' }),
  };
}
