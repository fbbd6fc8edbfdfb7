import { beforeEach, describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS, PATIENT_SCOPE, type LoginResponse, type Role, type SessionResponse } from '@rtls/protocol';
import { ApiError, createApiClient, type Timed } from '../src/api/client.ts';
import { createAuthSlice, keepaliveGap, SESSION_WARNING_MS, TOKEN_KEY, type AuthSlice, type TokenStore } from '../src/stores/auth.ts';
import { parseAdminRoute, parseAppRoute, parseAuditQuery, auditHash } from '../src/stores/routes.ts';
import { parseUnits } from '../src/stores/users.ts';
import { FakeTime } from './fake-time.ts';
import { T0 } from './fixtures.ts';

const MIN = 60_000;
const IDLE_MS = 15 * MIN;
const HARD_MS = 8 * 60 * MIN;

function sessionBody(now: number, over: Partial<SessionResponse['user']> = {}, role: Role = 'clinical'): SessionResponse {
  return {
    idleExpiresAt: now + IDLE_MS,
    expiresAt: T0 + HARD_MS,
    user: {
      username: 'alice', displayName: 'Alice Nurse', role, units: ['icu'], permissions: [...ROLE_PERMISSIONS[role]],
      patientScope: PATIENT_SCOPE[role], breakGlass: null, mustChangePassword: false, ...over,
    },
  };
}

function login(token: string, now: number, serverTime: number | null = now, over: Partial<SessionResponse['user']> = {}): Timed<LoginResponse> {
  const b = sessionBody(serverTime ?? now, over);
  return { body: { token, ...b }, serverTime };
}

class MemoryStore implements TokenStore {
  m = new Map<string, string>();
  getItem = (k: string) => this.m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.m.set(k, v);
  removeItem = (k: string) => void this.m.delete(k);
}

/** A keepalive the test answers by hand, so it decides what the server says and when. */
class Keepalives {
  calls: { at: number; resolve: (r: Timed<SessionResponse>) => void; reject: (e: unknown) => void }[] = [];
  constructor(private readonly time: FakeTime) {}
  fn = () => new Promise<Timed<SessionResponse>>((resolve, reject) => this.calls.push({ at: this.time.now, resolve, reject }));
  /** The server's answer to the last keepalive: the idle window counted from its arrival. */
  async answer(serverOffset = 0) {
    const c = this.calls[this.calls.length - 1]!;
    c.resolve({ body: sessionBody(c.at + serverOffset), serverTime: c.at + serverOffset });
    await flush();
  }
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

describe('auth slice: idle logoff (issue #6, HIPAA automatic logoff)', () => {
  let time: FakeTime;
  let store: MemoryStore;
  let keep: Keepalives;
  let endedOnServer: number;
  let auth: AuthSlice;

  beforeEach(() => {
    time = new FakeTime();
    store = new MemoryStore();
    keep = new Keepalives(time);
    endedOnServer = 0;
    auth = createAuthSlice({ clock: time.clock, storage: store, timers: time.timersApi, keepalive: keep.fn, endOnServer: () => endedOnServer++ });
  });

  it('keeps the token in the session store only while logged in', () => {
    auth.signedIn(login('tok-1', T0));
    expect(auth.phase()).toBe('ready');
    expect(store.getItem(TOKEN_KEY)).toBe('tok-1');
    expect(auth.token()).toBe('tok-1');
    auth.end('logout');
    expect(store.getItem(TOKEN_KEY)).toBeNull();
    expect(auth.token()).toBeNull();
    expect(auth.phase()).toBe('anonymous');
    expect(auth.endReason()).toBe('logout');
  });

  it('warns a minute before the idle expiry and logs out at it, ending the session on the server too', () => {
    auth.signedIn(login('tok-1', T0));
    time.advance(IDLE_MS - SESSION_WARNING_MS - 1);
    expect(auth.warning()).toBeNull();
    time.advance(1);
    expect(auth.warning()).toEqual({ kind: 'idle', endsAt: T0 + IDLE_MS });
    expect(auth.phase()).toBe('ready');
    time.advance(SESSION_WARNING_MS - 1);
    expect(auth.phase()).toBe('ready');
    time.advance(1);
    expect(auth.phase()).toBe('anonymous');
    expect(auth.endReason()).toBe('idle');
    expect(auth.warning()).toBeNull();
    expect(endedOnServer).toBe(1);
    expect(store.getItem(TOKEN_KEY)).toBeNull();
    // Nothing is left running after the logoff.
    expect(time.pending()).toEqual([]);
    expect(keep.calls).toEqual([]);
  });

  it('without user activity nothing keeps the session alive: no keepalive is ever sent', () => {
    auth.signedIn(login('tok-1', T0));
    // (The live feed and polling pages call no auth method: only noteActivity would.)
    time.advance(IDLE_MS);
    expect(keep.calls).toHaveLength(0);
    expect(auth.endReason()).toBe('idle');
  });

  it('user activity sends at most one keepalive a minute, and the new expiry moves the deadline on', async () => {
    auth.signedIn(login('tok-1', T0));
    time.advance(30_000);
    auth.noteActivity();
    // Within the first minute after login (itself a request), the activity waits for the minute to be up…
    expect(keep.calls).toHaveLength(0);
    time.advance(29_999);
    expect(keep.calls).toHaveLength(0);
    time.advance(1);
    expect(keep.calls.map((c) => c.at)).toEqual([T0 + MIN]);
    await keep.answer();
    expect(auth.session()!.idleDeadline).toBe(T0 + MIN + IDLE_MS);
    // …and a burst of activity within the next minute still makes one request, at the minute.
    for (let i = 0; i < 50; i++) {
      time.advance(1000);
      auth.noteActivity();
    }
    expect(keep.calls).toHaveLength(1);
    time.advance(10_000);
    expect(keep.calls.map((c) => c.at)).toEqual([T0 + MIN, T0 + 2 * MIN]);
    await keep.answer();
    // No activity since: no more requests, and the logoff comes 15 min after the last keepalive.
    time.advance(IDLE_MS - SESSION_WARNING_MS - 1);
    expect(auth.warning()).toBeNull();
    time.advance(1);
    expect(auth.warning()?.endsAt).toBe(T0 + 2 * MIN + IDLE_MS);
    expect(keep.calls).toHaveLength(2);
  });

  it('activity during the warning keeps the session and clears the warning', async () => {
    auth.signedIn(login('tok-1', T0));
    time.advance(IDLE_MS - 30_000);
    expect(auth.warning()).not.toBeNull();
    auth.noteActivity();
    expect(keep.calls.map((c) => c.at)).toEqual([T0 + IDLE_MS - 30_000]);
    await keep.answer();
    expect(auth.warning()).toBeNull();
    time.advance(60_000);
    expect(auth.phase()).toBe('ready');
  });

  it('a workstation clock that is off does not move the deadlines: server times are read against the Date header', () => {
    // The server's clock is 10 min ahead of this machine's.
    auth.signedIn(login('tok-1', T0, T0 + 10 * MIN));
    time.advance(IDLE_MS - SESSION_WARNING_MS);
    expect(auth.warning()).toEqual({ kind: 'idle', endsAt: T0 + IDLE_MS });
    time.advance(SESSION_WARNING_MS);
    expect(auth.endReason()).toBe('idle');
  });

  it('the session’s maximum age ends it even with activity, with its own warning', async () => {
    auth.signedIn(login('tok-1', T0));
    // Active all the time: every minute a keepalive.
    for (let t = 0; t < HARD_MS - SESSION_WARNING_MS; t += MIN) {
      time.advance(MIN);
      auth.noteActivity();
      if (keep.calls.length > 0 && keep.calls[keep.calls.length - 1]!.at === time.now) await keep.answer();
    }
    expect(auth.warning()?.kind).toBe('hard');
    time.advance(SESSION_WARNING_MS);
    expect(auth.phase()).toBe('anonymous');
    expect(auth.endReason()).toBe('expired');
  });

  it('keepalives are spaced a minute apart, or half a shorter idle window', () => {
    expect(keepaliveGap(IDLE_MS)).toBe(MIN);
    expect(keepaliveGap(60_000)).toBe(30_000);
  });

  it('a one-time password holds the session on the password page until it is changed', () => {
    auth.signedIn(login('tok-1', T0, T0, { mustChangePassword: true }));
    expect(auth.phase()).toBe('password-change');
    auth.refreshed({ body: sessionBody(T0 + 5000), serverTime: T0 + 5000 });
    expect(auth.phase()).toBe('ready');
  });

  it('a page reload resumes the stored token once the server confirms it', () => {
    store.setItem(TOKEN_KEY, 'tok-9');
    expect(auth.restore()).toBe('tok-9');
    expect(auth.phase()).toBe('restoring');
    // The check itself carries the token.
    expect(auth.token()).toBe('tok-9');
    auth.restored({ body: sessionBody(T0), serverTime: T0 });
    expect(auth.phase()).toBe('ready');
    expect(auth.session()?.token).toBe('tok-9');
  });

  it('a lapse refresh (break-glass end) does not count as activity: the idle deadline stays', () => {
    auth.signedIn(login('tok-1', T0, T0, { breakGlass: { until: T0 + 5 * MIN, reason: 'infant alarm, maternity' }, patientScope: 'identity-all' }));
    expect(auth.session()!.breakGlassUntil).toBe(T0 + 5 * MIN);
    time.advance(5 * MIN);
    auth.refreshed({ body: sessionBody(time.now), serverTime: time.now }, false);
    expect(auth.user()!.breakGlass).toBeNull();
    expect(auth.session()!.idleDeadline).toBe(T0 + IDLE_MS);
  });
});

describe('auth slice: 401 and 403 from the API', () => {
  let time: FakeTime;
  let store: MemoryStore;
  let auth: AuthSlice;
  let requests: { url: string; init?: RequestInit }[];
  let answers: Response[];

  beforeEach(() => {
    time = new FakeTime();
    store = new MemoryStore();
    requests = [];
    answers = [];
    auth = createAuthSlice({
      clock: time.clock, storage: store, timers: time.timersApi,
      keepalive: () => Promise.reject(new Error('unused')), endOnServer: () => {},
    });
  });
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  const client = () => createApiClient(async (url, init) => {
    requests.push({ url, init });
    return answers.shift()!;
  }, '/api', { token: auth.token, onAuthError: (e, t) => auth.onApiAuthError(e, t) });
  const header = (i: number, name: string) => new Headers(requests[i]!.init?.headers).get(name);

  it('sends the bearer token on every route but login', async () => {
    const api = client();
    answers.push(json(200, { token: 'tok-1', ...sessionBody(T0) }));
    answers.push(json(200, { floors: [] }));
    auth.signedIn(await api.login('alice', 'correct horse battery'));
    await api.floors();
    expect(header(0, 'authorization')).toBeNull();
    expect(JSON.parse(String(requests[0]!.init?.body))).toEqual({ username: 'alice', password: 'correct horse battery' });
    expect(header(1, 'authorization')).toBe('Bearer tok-1');
  });

  it('a 401 on any route ends the session (back to the login page) and forgets the stored token', async () => {
    const api = client();
    auth.signedIn(login('tok-1', T0));
    answers.push(json(401, { code: 'RTLS_ERR_SESSION_EXPIRED', message: 'Session expired: log in again' }));
    await expect(api.floors()).rejects.toMatchObject({ status: 401, code: 'RTLS_ERR_SESSION_EXPIRED' });
    expect(auth.phase()).toBe('anonymous');
    expect(auth.endReason()).toBe('expired');
    expect(store.getItem(TOKEN_KEY)).toBeNull();
  });

  it('a 401 answering a request of an earlier session does not end the current one', () => {
    auth.signedIn(login('tok-2', T0));
    auth.onApiAuthError(new ApiError(401, 'RTLS_ERR_UNAUTHORIZED', 'Authentication required'), 'tok-1');
    expect(auth.phase()).toBe('ready');
    auth.onApiAuthError(new ApiError(401, 'RTLS_ERR_UNAUTHORIZED', 'Authentication required'), 'tok-2');
    expect(auth.phase()).toBe('anonymous');
    expect(auth.endReason()).toBe('unauthorized');
  });

  it('wrong credentials and rate limiting are the login page’s to word, not a session end', async () => {
    const api = client();
    answers.push(json(401, { code: 'RTLS_ERR_INVALID_CREDENTIALS', message: 'Unknown user or wrong password' }));
    await expect(api.login('alice', 'nope')).rejects.toMatchObject({ code: 'RTLS_ERR_INVALID_CREDENTIALS' });
    answers.push(json(429, { code: 'RTLS_ERR_RATE_LIMITED', message: 'Too many requests' }, { 'retry-after': '42' }));
    await expect(api.login('alice', 'nope')).rejects.toMatchObject({ status: 429, retryAfterS: 42 });
    expect(auth.endReason()).toBeNull();
  });

  it('a 403 forbidden leaves the session alone; 403 password-change-required shows the password page', async () => {
    const api = client();
    auth.signedIn(login('tok-1', T0));
    answers.push(json(403, { code: 'RTLS_ERR_FORBIDDEN', message: 'Not allowed for this role' }));
    await expect(api.users()).rejects.toMatchObject({ code: 'RTLS_ERR_FORBIDDEN' });
    expect(auth.phase()).toBe('ready');
    answers.push(json(403, { code: 'RTLS_ERR_PASSWORD_CHANGE_REQUIRED', message: 'Change your one-time password first' }));
    await expect(api.floors()).rejects.toMatchObject({ code: 'RTLS_ERR_PASSWORD_CHANGE_REQUIRED' });
    expect(auth.phase()).toBe('password-change');
  });

  it('logout sends the token it is ending and never reports the session as ended twice', async () => {
    const api = client();
    auth.signedIn(login('tok-1', T0));
    answers.push(json(401, { code: 'RTLS_ERR_UNAUTHORIZED', message: 'Authentication required' }));
    const out = api.logout();
    auth.end('logout');
    await expect(out).rejects.toBeInstanceOf(ApiError);
    expect(header(0, 'authorization')).toBe('Bearer tok-1');
    expect(auth.endReason()).toBe('logout');
  });

  it('permissions and patient scope come from the session', () => {
    auth.signedIn(login('tok-1', T0));
    expect(auth.can('map:view')).toBe(true);
    expect(auth.can('users:manage')).toBe(false);
    expect(auth.seesIdentity()).toBe(true);
    auth.refreshed({ body: sessionBody(T0, {}, 'biomed'), serverTime: T0 });
    expect(auth.seesIdentity()).toBe(false);
    expect(auth.can('audit:view')).toBe(false);
  });
});

describe('admin routes', () => {
  it('parses the users, audit, alarms and password views; the audit filters round-trip through the URL', () => {
    expect(parseAppRoute('#/admin/users')).toEqual({ view: 'users' });
    expect(parseAppRoute('#/security/alarms')).toEqual({ view: 'security-alarms' });
    expect(parseAppRoute('#/account/password')).toEqual({ view: 'password' });
    expect(parseAppRoute('#/gateways')).toEqual({ view: 'gateways', gateway: null });
    const q = { actor: 'alice', action: 'view-location' as const, patient: 'ble:AC2300000001', from: T0, to: T0 + MIN, breakGlass: true, limit: 50 };
    const hash = auditHash(q);
    expect(parseAdminRoute(hash)).toEqual({ view: 'audit', query: q });
    // Malformed values are dropped, never thrown.
    expect(parseAuditQuery('action=drop-table&from=yesterday&limit=99999&breakGlass=maybe')).toEqual({});
  });

  it('units typed by an admin become a clean list', () => {
    expect(parseUnits(' ICU, maternity;icu  ed ')).toEqual(['icu', 'maternity', 'ed']);
    expect(parseUnits('')).toEqual([]);
  });
});
