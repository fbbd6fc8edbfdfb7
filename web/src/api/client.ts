import {
  AlarmListResponseSchema, AlarmSchema, BypassListResponseSchema, BypassSchema,
  type Alarm, type AlarmState, type Bypass, type Severity,
  AuditListResponseSchema, AuditVerifyResponseSchema, ContactsResponseSchema, ErrorBodySchema, FloorListResponseSchema, FloorSchema,
  GatewayDiagnosticsSchema, GatewayListResponseSchema, LoginResponseSchema, PatientListResponseSchema, PatientSchema, PositionAtResponseSchema,
  SecurityAlarmListResponseSchema, SessionResponseSchema, TagInfoSchema, TagListResponseSchema, TagVisitsResponseSchema, TrailResponseSchema,
  UserListResponseSchema, UserSchema, UserWithPasswordResponseSchema, ZoneVisitsResponseSchema,
  type AuditAction, type AuditRecord, type AuditVerifyResult, type ContactsResponse, type Floor, type FloorSummary, type GatewayDiagnostics,
  type GatewayInfo, type LoginResponse, type Patient, type PositionAtResponse, type Role, type SecurityAlarm, type SessionResponse, type TagInfo,
  type TagKind, type TagListResponse, type TagVisitsResponse, type TrailResponse, type User, type ZoneVisitsResponse,
} from '@rtls/protocol';

/** A failed API call, carrying the server's error code (errors.ts) when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from a 429's Retry-After header (login rate limit, issue #6 item 5); null when absent. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The answers that end the session or hold it until the password is changed; the auth slice acts on them. */
export function isSessionEnded(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 401 && (e.code === 'RTLS_ERR_UNAUTHORIZED' || e.code === 'RTLS_ERR_SESSION_EXPIRED');
}
export function isPasswordChangeRequired(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status === 403 && e.code === 'RTLS_ERR_PASSWORD_CHANGE_REQUIRED';
}

/**
 * How the client authenticates (issue #6 item 1: `Authorization: Bearer <token>` on every route but login), and where
 * the answers that concern the whole session go — one place, so no view handles a 401 of its own.
 */
export interface AuthHooks {
  /** The bearer token for the next request; null = none (only login and health then answer). */
  token(): string | null;
  /** A 401 session-ended or 403 password-change-required answer to a request sent with `token`. */
  onAuthError(err: ApiError, token: string | null): void;
}

/** A session answer with the server's clock (its Date header), so deadlines survive a workstation clock that is off. */
export interface Timed<T> {
  body: T;
  /** Server time of the answer, epoch ms (1 s resolution), or null when the header is missing. */
  serverTime: number | null;
}

/** POST /api/users (UserCreateRequestSchema). `password` omitted: the server makes a one-time password. */
export interface UserCreate {
  username: string;
  displayName: string;
  role: Role;
  units: string[];
  password?: string;
}
/** PATCH /api/users/:username (UserUpdateRequestSchema). */
export interface UserUpdate {
  displayName?: string;
  role?: Role;
  units?: string[];
  disabled?: boolean;
}
export interface UserWithPassword {
  user: User;
  oneTimePassword: string | null;
}
/** GET /api/audit filters (AuditQuerySchema); unset ones are left out of the query string. */
export interface AuditQuery {
  actor?: string;
  action?: AuditAction;
  patient?: string;
  from?: number;
  to?: number;
  breakGlass?: boolean;
  limit?: number;
  before?: number;
}

/** GET /api/alarms filters (AlarmListQuerySchema); unset ones are left out of the query string. */
export interface AlarmQuery {
  state?: AlarmState | 'active';
  severity?: Severity;
  rule?: string;
  tag?: string;
  from?: number;
  to?: number;
  limit?: number;
}
/** POST /api/bypasses (BypassRequestSchema). */
export interface BypassCreate {
  target: { type: 'tag' | 'zone' | 'door' | 'gateway'; id: string };
  reason: string;
  minutes: number;
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
  /** A file from an API URL (csvUrl), fetched with the bearer header a plain link cannot send. */
  download(url: string): Promise<Blob>;

  // ── auth (issue #6 item 1) ──
  /** POST /api/auth/login: 401 RTLS_ERR_INVALID_CREDENTIALS, 429 RTLS_ERR_RATE_LIMITED with retryAfterS. */
  login(username: string, password: string): Promise<Timed<LoginResponse>>;
  /** GET /api/auth/session; the server also moves the idle expiry on. */
  session(): Promise<Timed<SessionResponse>>;
  /** POST /api/auth/logout. Never reports the session as ended: it is ending anyway. */
  logout(): Promise<void>;
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  startBreakGlass(reason: string, minutes: number): Promise<Timed<SessionResponse>>;
  endBreakGlass(): Promise<Timed<SessionResponse>>;

  // ── users (users:manage) ──
  users(signal?: AbortSignal): Promise<User[]>;
  createUser(u: UserCreate): Promise<UserWithPassword>;
  updateUser(username: string, u: UserUpdate): Promise<User>;
  resetPassword(username: string): Promise<UserWithPassword>;

  // ── audit (audit:view) and security alarms (security-alarms:view) ──
  audit(q: AuditQuery, signal?: AbortSignal): Promise<AuditRecord[]>;
  verifyAudit(): Promise<AuditVerifyResult>;
  securityAlarms(signal?: AbortSignal): Promise<SecurityAlarm[]>;

  // ── patients (roles whose patient scope includes identity) ──
  /** GET /api/patients?q=<name or MRN>. */
  patients(q: string, signal?: AbortSignal): Promise<Patient[]>;
  patient(tag: string, signal?: AbortSignal): Promise<Patient>;

  // ── alarm console (issue #7 item 5; alarms:view to read, alarms:act to act) ──
  alarms(q: AlarmQuery, signal?: AbortSignal): Promise<Alarm[]>;
  alarm(id: number, signal?: AbortSignal): Promise<Alarm>;
  /** The alarm as changed, when the server answers with it (else null: the live feed brings the change anyway). */
  acknowledgeAlarm(id: number, note?: string): Promise<Alarm | null>;
  assignAlarm(id: number, assignee: string): Promise<Alarm | null>;
  resolveAlarm(id: number, note: string): Promise<Alarm | null>;
  bypasses(signal?: AbortSignal): Promise<Bypass[]>;
  createBypass(b: BypassCreate): Promise<Bypass | null>;
  endBypass(id: number): Promise<void>;

  /**
   * The same calls marked as made by the app on its own (polling, checks): the server does not count them as the user
   * being there, so a page left open still logs out (issue #6 idle expiry; locator auth-guard BACKGROUND_HEADER).
   */
  readonly background: Omit<ApiClient, 'background'>;
}

/** Header the locator reads as "not user activity" (locator/src/api/auth-guard.ts BACKGROUND_HEADER). */
export const BACKGROUND_HEADER = 'x-rtls-background';

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Send no bearer header and report nothing to the auth hooks (login). */
  anonymous?: boolean;
  /** Send the header but report nothing (logout: a dead session is what it wants anyway). */
  quiet?: boolean;
}

/** Retry-After as seconds (RFC 9110 §10.2.3 also allows an HTTP date). */
export function retryAfterSeconds(v: string | null, serverNow: number | null): number | null {
  if (v === null || v.trim() === '') return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const t = Date.parse(v);
  return Number.isNaN(t) || serverNow === null ? null : Math.max(0, Math.ceil((t - serverNow) / 1000));
}

function serverTime(res: Response): number | null {
  const d = res.headers?.get('date');
  if (!d) return null;
  const t = Date.parse(d);
  return Number.isNaN(t) ? null : t;
}

const NO_AUTH: AuthHooks = { token: () => null, onAuthError: () => {} };

export function createApiClient(fetchFn: Fetch = (i, init) => fetch(i, init), base = '/api', auth: AuthHooks = NO_AUTH): ApiClient {
  return { ...buildClient(fetchFn, base, auth, false), background: buildClient(fetchFn, base, auth, true) };
}

function buildClient(fetchFn: Fetch, base: string, auth: AuthHooks, background: boolean): Omit<ApiClient, 'background'> {
  /** Sends the request and turns any non-2xx answer into an ApiError, after telling the auth hooks about it. */
  async function send(path: string, o: RequestOptions, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (background) headers[BACKGROUND_HEADER] = '1';
    const token = o.anonymous ? null : auth.token();
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method: o.method ?? 'GET', headers, signal: o.signal ?? null };
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(o.body);
    }
    const res = await fetchFn(base + path, init);
    if (res.ok) return res;
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    const e = ErrorBodySchema.safeParse(body);
    // An HTTP-date Retry-After is read against the server's own Date header: no client clock involved.
    const retry = res.status === 429 ? retryAfterSeconds(res.headers?.get('retry-after') ?? null, serverTime(res)) : null;
    const err = e.success
      ? new ApiError(res.status, e.data.code, e.data.message, retry)
      : new ApiError(res.status, 'RTLS_ERR_INTERNAL', `HTTP ${res.status}`, retry);
    if (!o.anonymous && !o.quiet && (isSessionEnded(err) || isPasswordChangeRequired(err))) auth.onAuthError(err, token);
    throw err;
  }
  async function parse<T>(res: Response, path: string, schema: Schema<T>): Promise<T> {
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    const r = schema.safeParse(body);
    if (!r.success) throw new ApiError(res.status, 'RTLS_ERR_VALIDATION', `Unexpected response from ${path}`);
    return r.data;
  }
  async function call<T>(path: string, schema: Schema<T>, o: RequestOptions = {}): Promise<T> {
    return parse(await send(path, o), path, schema);
  }
  async function timed<T>(path: string, schema: Schema<T>, o: RequestOptions = {}): Promise<Timed<T>> {
    const res = await send(path, o);
    return { body: await parse(res, path, schema), serverTime: serverTime(res) };
  }
  const get = <T>(path: string, schema: Schema<T>, signal?: AbortSignal) => call(path, schema, { signal });
  const user = (u: string) => `/users/${encodeURIComponent(u)}`;
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
    async download(url) {
      if (!url.startsWith(base)) throw new Error(`not an API URL: ${url}`);
      return (await send(url.slice(base.length), {}, '*/*')).blob();
    },

    login: (username, password) => timed('/auth/login', LoginResponseSchema, { method: 'POST', body: { username, password }, anonymous: true }),
    session: () => timed('/auth/session', SessionResponseSchema),
    async logout() {
      await send('/auth/logout', { method: 'POST', quiet: true });
    },
    async changePassword(currentPassword, newPassword) {
      await send('/auth/password', { method: 'POST', body: { currentPassword, newPassword } });
    },
    startBreakGlass: (reason, minutes) => timed('/auth/break-glass', SessionResponseSchema, { method: 'POST', body: { reason, minutes } }),
    endBreakGlass: () => timed('/auth/break-glass', SessionResponseSchema, { method: 'DELETE' }),

    users: async (signal) => (await get('/users', UserListResponseSchema, signal)).users,
    createUser: (u) => call('/users', UserWithPasswordResponseSchema, { method: 'POST', body: u }),
    updateUser: (username, u) => call(user(username), UserSchema, { method: 'PATCH', body: u }),
    resetPassword: (username) => call(`${user(username)}/password-reset`, UserWithPasswordResponseSchema, { method: 'POST' }),

    async audit(q, signal) {
      return (await get(`/audit${auditQueryString(q)}`, AuditListResponseSchema, signal)).records;
    },
    verifyAudit: () => get('/audit/verify', AuditVerifyResponseSchema),
    securityAlarms: async (signal) => (await get('/security/alarms', SecurityAlarmListResponseSchema, signal)).alarms,

    patients: async (q, signal) => (await get(`/patients?${new URLSearchParams({ q }).toString()}`, PatientListResponseSchema, signal)).patients,
    patient: (tag, signal) => get(`/patients/${encodeURIComponent(tag)}`, PatientSchema, signal),

    alarms: async (q, signal) => (await get(`/alarms${alarmQueryString(q)}`, AlarmListResponseSchema, signal)).alarms,
    alarm: (id, signal) => get(alarmPath(id), AlarmSchema, signal),
    acknowledgeAlarm: (id, note) => call(`${alarmPath(id)}/acknowledge`, ALARM_ANSWER, { method: 'POST', body: note?.trim() ? { note: note.trim() } : {} }),
    assignAlarm: (id, assignee) => call(`${alarmPath(id)}/assign`, ALARM_ANSWER, { method: 'POST', body: { assignee } }),
    resolveAlarm: (id, note) => call(`${alarmPath(id)}/resolve`, ALARM_ANSWER, { method: 'POST', body: { note } }),
    bypasses: async (signal) => (await get('/bypasses', BypassListResponseSchema, signal)).bypasses,
    createBypass: (b) => call('/bypasses', BYPASS_ANSWER, { method: 'POST', body: b }),
    async endBypass(id) {
      await send(`/bypasses/${encodeURIComponent(String(id))}`, { method: 'DELETE' });
    },
  };
}

const alarmPath = (id: number) => `/alarms/${encodeURIComponent(String(id))}`;

/**
 * An action's answer: the changed object as the body or under one key ({ alarm } / { bypass }), or nothing (204).
 * Never a failure once the request succeeded: the change is made, and the live feed (or a reload) shows it.
 */
function answerOf<T>(schema: Schema<T>, key: string): Schema<T | null> {
  return {
    safeParse(x: unknown) {
      const direct = schema.safeParse(x);
      if (direct.success) return direct;
      const inner = typeof x === 'object' && x !== null ? schema.safeParse((x as Record<string, unknown>)[key]) : { success: false as const };
      return { success: true, data: inner.success ? inner.data : null };
    },
  };
}
const ALARM_ANSWER = answerOf<Alarm>(AlarmSchema, 'alarm');
const BYPASS_ANSWER = answerOf<Bypass>(BypassSchema, 'bypass');

/** "?state=open&limit=500" for GET /api/alarms; empty filters are left out. */
export function alarmQueryString(q: AlarmQuery): string {
  const p = new URLSearchParams();
  if (q.state) p.set('state', q.state);
  if (q.severity) p.set('severity', q.severity);
  if (q.rule) p.set('rule', q.rule);
  if (q.tag) p.set('tag', q.tag);
  if (q.from !== undefined) p.set('from', String(Math.round(q.from)));
  if (q.to !== undefined) p.set('to', String(Math.round(q.to)));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

/** "?actor=…&action=…" for GET /api/audit; empty filters are left out ("" → no filter, not "match empty"). */
export function auditQueryString(q: AuditQuery): string {
  const p = new URLSearchParams();
  if (q.actor?.trim()) p.set('actor', q.actor.trim());
  if (q.action) p.set('action', q.action);
  if (q.patient?.trim()) p.set('patient', q.patient.trim());
  if (q.from !== undefined) p.set('from', String(Math.round(q.from)));
  if (q.to !== undefined) p.set('to', String(Math.round(q.to)));
  if (q.breakGlass !== undefined) p.set('breakGlass', String(q.breakGlass));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.before !== undefined) p.set('before', String(q.before));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}
