import {
  ErrorBodySchema, FloorListResponseSchema, FloorSchema, GatewayDiagnosticsSchema, GatewayListResponseSchema, TagInfoSchema,
  TagListResponseSchema, type Floor, type FloorSummary, type GatewayDiagnostics, type GatewayInfo, type TagInfo,
  type TagKind, type TagListResponse,
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

export interface ApiClient {
  floors(): Promise<FloorSummary[]>;
  floor(id: string): Promise<Floor>;
  tags(q: { floor?: string; kind?: TagKind; q?: string; limit?: number }, signal?: AbortSignal): Promise<TagListResponse>;
  tag(id: string): Promise<TagInfo>;
  /** Every registered gateway with its state and topic (GET /api/gateways). */
  gateways(signal?: AbortSignal): Promise<GatewayInfo[]>;
  /** One gateway's diagnostics (GET /api/gateways/:id); 404 RTLS_ERR_GATEWAY_NOT_FOUND when it is not registered. */
  gateway(id: string, signal?: AbortSignal): Promise<GatewayDiagnostics>;
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
    tag: (id) => get(`/tags/${encodeURIComponent(id)}`, TagInfoSchema),
    gateways: async (signal) => (await get('/gateways', GatewayListResponseSchema, signal)).gateways,
    gateway: (id, signal) => get(`/gateways/${encodeURIComponent(id)}`, GatewayDiagnosticsSchema, signal),
  };
}
