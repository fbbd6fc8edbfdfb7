import { createSignal, type Accessor } from 'solid-js';
import type { Clock, LoginResponse, Permission, SessionResponse, SessionUser } from '@rtls/protocol';
import { isPasswordChangeRequired, isSessionEnded, type ApiError, type Timed } from '../api/client.ts';
import type { Timers } from '../live/feed.ts';

/**
 * Who is logged in (issue #6 item 1), and the automatic logoff HIPAA asks for (45 CFR 164.312(a)(2)(iii)): the
 * server ends a session after its idle window without requests; this slice keeps it alive only on real user activity
 * (never because the live feed or a polling page is busy), at most one GET /api/auth/session a minute, warns a minute
 * before the end, and at the end logs out by itself — even if some poll has kept the server's side alive.
 *
 * The token lives in sessionStorage (gone with the tab; never localStorage, which outlives the browser session) and is
 * cleared on logout and on any expiry. Signals only: the unit tests run on Solid's server build.
 */

/** Warning shown this long before the session ends. */
export const SESSION_WARNING_MS = 60_000;
/** At most one keepalive per this long (the contract: "at most one GET /api/auth/session per minute"). */
export const KEEPALIVE_INTERVAL_MS = 60_000;
/** Clock differences below this are the Date header's 1 s resolution and network time, not a skewed workstation. */
const SKEW_IGNORED_MS = 2000;
export const TOKEN_KEY = 'rtls.session-token';

/**
 * - `restoring`: a token from this tab's sessionStorage is being checked (page reload);
 * - `anonymous`: the login page;
 * - `password-change`: logged in, but every route answers 403 until the one-time password is changed;
 * - `ready`: the app.
 */
export type AuthPhase = 'restoring' | 'anonymous' | 'password-change' | 'ready';
/** Why the login page is shown again: the page says so, so nobody wonders where their screen went. */
export type EndReason = 'logout' | 'idle' | 'expired' | 'unauthorized';

export interface Session {
  token: string;
  user: SessionUser;
  /** Local-clock ms at which the server ends the session unless a request moves it on. */
  idleDeadline: number;
  /** Local-clock ms at which the session ends regardless of use. */
  hardDeadline: number;
  /** The idle window the server granted, ms. */
  idleWindowMs: number;
  /** Local-clock ms at which break-glass access lapses; null when not in break-glass. */
  breakGlassUntil: number | null;
}

export interface SessionWarning {
  /** `idle`: activity keeps the session; `hard`: the session's maximum age, only a new login helps. */
  kind: 'idle' | 'hard';
  /** Local-clock ms. */
  endsAt: number;
}

/** The part of sessionStorage used. */
export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface AuthDeps {
  clock: Clock;
  storage: TokenStore;
  timers: Timers;
  /** GET /api/auth/session, sent on user activity to move the idle expiry on. */
  keepalive(): Promise<Timed<SessionResponse>>;
  /**
   * End the session on the server too (POST /api/auth/logout), best effort. Called while the session is still current,
   * so the request goes out with its token; the slice forgets the token right after.
   */
  endOnServer(): void;
}

export interface AuthSlice {
  phase: Accessor<AuthPhase>;
  session: Accessor<Session | null>;
  user(): SessionUser | null;
  /** The bearer token for requests (also while a stored token is being checked). */
  token(): string | null;
  can(p: Permission): boolean;
  /** Whether the user's patient scope includes names and identifiers (identity-all, identity-units, break-glass). */
  seesIdentity(): boolean;
  endReason: Accessor<EndReason | null>;
  warning: Accessor<SessionWarning | null>;

  /** Page load: the token this tab kept, if any (phase becomes `restoring` until `restored` or `end`). */
  restore(): string | null;
  restored(r: Timed<SessionResponse>): void;
  signedIn(r: Timed<LoginResponse>): void;
  /**
   * A newer answer about the same session (keepalive, password change, break-glass). `moveIdle` false: a request the
   * app made on its own (break-glass lapsing) — it must not count as the user being there.
   */
  refreshed(r: Timed<SessionResponse>, moveIdle?: boolean): void;
  /** Forget the session (and its stored token); the login page follows. */
  end(reason: EndReason): void;
  /** The API client's hook for 401 session-ended and 403 password-change-required answers. */
  onApiAuthError(err: ApiError, token: string | null): void;
  /** Pointer or keyboard input from the user: the only thing that keeps an idle session alive. */
  noteActivity(): void;
  dispose(): void;
}

/** Local clock minus server clock is applied to server times; small differences are noise (see SKEW_IGNORED_MS). */
export function clockOffset(serverTime: number | null, localNow: number): number {
  if (serverTime === null) return 0;
  const d = serverTime - localNow;
  return Math.abs(d) < SKEW_IGNORED_MS ? 0 : d;
}

/** What the session looks like on this machine's clock. */
export function toSession(token: string, r: SessionResponse, serverTime: number | null, localNow: number): Session {
  const off = clockOffset(serverTime, localNow);
  const serverNow = localNow + off;
  return {
    token,
    user: r.user,
    idleDeadline: r.idleExpiresAt - off,
    hardDeadline: r.expiresAt - off,
    idleWindowMs: Math.max(0, r.idleExpiresAt - serverNow),
    breakGlassUntil: r.user.breakGlass ? r.user.breakGlass.until - off : null,
  };
}

/** The warning due at `now`, and when the next change (warning or end) is due; `ended` once the session is over. */
export function sessionClock(s: Pick<Session, 'idleDeadline' | 'hardDeadline'>, now: number): { warning: SessionWarning | null; ended: 'idle' | 'hard' | null; nextAt: number } {
  const kind = s.hardDeadline <= s.idleDeadline ? 'hard' : 'idle';
  const endsAt = Math.min(s.idleDeadline, s.hardDeadline);
  if (now >= endsAt) return { warning: null, ended: kind, nextAt: endsAt };
  if (now >= endsAt - SESSION_WARNING_MS) return { warning: { kind, endsAt }, ended: null, nextAt: endsAt };
  return { warning: null, ended: null, nextAt: endsAt - SESSION_WARNING_MS };
}

/** Keepalives are spaced a minute apart, or half the idle window if the server grants less than two minutes. */
export function keepaliveGap(idleWindowMs: number): number {
  return Math.max(1000, Math.min(KEEPALIVE_INTERVAL_MS, idleWindowMs / 2));
}

export function createAuthSlice(deps: AuthDeps): AuthSlice {
  const { clock, storage, timers } = deps;
  const [phase, setPhase] = createSignal<AuthPhase>('anonymous');
  const [session, setSession] = createSignal<Session | null>(null);
  const [endReason, setEndReason] = createSignal<EndReason | null>(null);
  const [warning, setWarning] = createSignal<SessionWarning | null>(null);
  let pendingToken: string | null = null;
  let deadlineTimer: unknown = null;
  let keepaliveTimer: unknown = null;
  let keepaliveInflight = false;
  /** Last request known to have moved the server's idle expiry on (login, keepalive, …), local ms. */
  let lastRefreshAt = 0;
  let lastActivityAt = 0;

  const clearTimer = (h: unknown) => {
    if (h !== null) timers.clearTimeout(h);
  };

  const schedule = () => {
    clearTimer(deadlineTimer);
    deadlineTimer = null;
    const s = session();
    if (!s) {
      setWarning(null);
      return;
    }
    const c = sessionClock(s, clock());
    if (c.ended) {
      // The server would refuse the next request anyway, but a poll may have kept its side alive: end it there too.
      deps.endOnServer();
      end(c.ended === 'idle' ? 'idle' : 'expired');
      return;
    }
    const w = warning();
    if (c.warning?.endsAt !== w?.endsAt || c.warning?.kind !== w?.kind) setWarning(c.warning);
    deadlineTimer = timers.setTimeout(schedule, Math.max(0, c.nextAt - clock()));
  };

  const apply = (token: string, r: Timed<SessionResponse>, moveIdle = true) => {
    const now = clock();
    const s = toSession(token, r.body, r.serverTime, now);
    const cur = session();
    if (!moveIdle && cur) {
      s.idleDeadline = cur.idleDeadline;
      s.idleWindowMs = cur.idleWindowMs;
    } else lastRefreshAt = now;
    setSession(s);
    setPhase(r.body.user.mustChangePassword ? 'password-change' : 'ready');
    setEndReason(null);
    schedule();
  };

  function end(reason: EndReason) {
    storage.removeItem(TOKEN_KEY);
    pendingToken = null;
    clearTimer(deadlineTimer);
    clearTimer(keepaliveTimer);
    deadlineTimer = keepaliveTimer = null;
    keepaliveInflight = false;
    setSession(null);
    setWarning(null);
    setEndReason(reason);
    setPhase('anonymous');
  }

  const sendKeepalive = () => {
    const s = session();
    if (!s) return;
    keepaliveInflight = true;
    lastRefreshAt = clock();
    deps.keepalive().then(
      (r) => {
        keepaliveInflight = false;
        if (session()?.token === s.token) apply(s.token, r);
        maybeKeepalive();
      },
      // A 401 has already ended the session through the API client's hook; a network error changes nothing.
      () => {
        keepaliveInflight = false;
      },
    );
  };

  function maybeKeepalive() {
    const s = session();
    if (!s || keepaliveInflight || keepaliveTimer !== null || lastActivityAt <= lastRefreshAt) return;
    const due = lastRefreshAt + keepaliveGap(s.idleWindowMs);
    const now = clock();
    if (now >= due) sendKeepalive();
    else
      // Activity inside the minute is not lost: it is reported when the minute is up.
      keepaliveTimer = timers.setTimeout(() => {
        keepaliveTimer = null;
        maybeKeepalive();
      }, due - now);
  }

  const token = () => session()?.token ?? pendingToken;

  return {
    phase,
    session,
    user: () => session()?.user ?? null,
    token,
    can: (p) => session()?.user.permissions.includes(p) ?? false,
    seesIdentity: () => {
      const u = session()?.user;
      return u !== undefined && u.patientScope !== 'pseudonymous';
    },
    endReason,
    warning,

    restore() {
      const t = storage.getItem(TOKEN_KEY);
      if (t === null || t === '') return null;
      pendingToken = t;
      setPhase('restoring');
      return t;
    },
    restored(r) {
      const t = pendingToken;
      pendingToken = null;
      if (t !== null) apply(t, r);
    },
    signedIn(r) {
      storage.setItem(TOKEN_KEY, r.body.token);
      const { token: t, ...rest } = r.body;
      apply(t, { body: rest, serverTime: r.serverTime });
    },
    refreshed(r, moveIdle = true) {
      const s = session();
      if (s) apply(s.token, r, moveIdle);
    },
    end,
    onApiAuthError(err, used) {
      // An answer to a request sent with an earlier session's token must not end the session that followed it.
      if (used === null || used !== token()) return;
      if (isSessionEnded(err)) end(err.code === 'RTLS_ERR_SESSION_EXPIRED' ? 'expired' : 'unauthorized');
      // The server's word wins over the session it sent earlier (an admin may have reset the password meanwhile).
      else if (isPasswordChangeRequired(err) && session()) setPhase('password-change');
    },
    noteActivity() {
      if (!session()) return;
      lastActivityAt = clock();
      maybeKeepalive();
    },
    dispose() {
      clearTimer(deadlineTimer);
      clearTimer(keepaliveTimer);
      deadlineTimer = keepaliveTimer = null;
    },
  };
}
