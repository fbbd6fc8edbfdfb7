/**
 * The access service (issue #6): login, token → viewer, break-glass, and the audit of every access to patient data.
 * HTTP (api/auth-guard.ts) and the live WebSocket both resolve tokens here, so there is one answer to "who is this".
 *
 * Audit first: a view of patient data writes its audit record before the data is sent; if the write fails the
 * access is refused with RTLS_ERR_AUDIT_UNAVAILABLE (issue #6 item 4) — no record, no data.
 */
import type { Logger } from 'pino';
import { RtlsError, type AuditAction, type AuditRecord, type Clock, type Patient, type PatientIdentity } from '@rtls/protocol';
import { hashSecret, verifySecret } from '@rtls/protocol/node';
import type { AuditLog } from '../audit/audit-log.ts';
import type { UnusualAccessDetector } from '../audit/unusual-access.ts';
import type { UserStore, StoredUser } from './user-store.ts';
import type { SessionStore, Session } from './sessions.ts';
import type { LoginLimiter } from './login-limiter.ts';
import type { PatientStore } from './patient-store.ts';
import type { SecurityAlarms } from './security-alarms.ts';
import { makeViewer, type PatientLookup, type Viewer } from './viewer.ts';

export interface AccessDeps {
  users: UserStore;
  sessions: SessionStore;
  limiter: LoginLimiter;
  patients: PatientStore;
  audit: AuditLog;
  detector: UnusualAccessDetector;
  alarms: SecurityAlarms;
  clock: Clock;
  logger: Logger;
}

export type Resolved =
  | { ok: true; viewer: Viewer; session: Session; user: StoredUser }
  | { ok: false; code: 'RTLS_ERR_UNAUTHORIZED' | 'RTLS_ERR_SESSION_EXPIRED' };

export type LoginResult =
  | { ok: true; token: string; session: Session; user: StoredUser; viewer: Viewer }
  | { ok: false; code: 'RTLS_ERR_INVALID_CREDENTIALS' }
  | { ok: false; code: 'RTLS_ERR_RATE_LIMITED'; retryAfterS: number };

export interface AccessService extends PatientLookup {
  readonly deps: AccessDeps;
  login(username: string, password: string, source: string): Promise<LoginResult>;
  /** Resolves a bearer token; `touch` moves the idle deadline (user activity). */
  resolve(token: string, source: string | null, touch: boolean): Resolved;
  /** Whether a session resolved earlier still holds (live WebSocket re-checks). */
  stillValid(session: Session): boolean;
  logout(viewer: Viewer, session: Session): void;
  breakGlass(viewer: Viewer, session: Session, reason: string, minutes: number): void;
  endBreakGlass(viewer: Viewer, session: Session): void;
  /**
   * Writes one audit record for an access; throws RTLS_ERR_AUDIT_UNAVAILABLE when it cannot be written. `lookup`:
   * a targeted look-up of specific patients (detail, history, identity search), which the unusual-access rules
   * count; overview screens (the whole map) are audited but not counted as look-ups.
   */
  record(viewer: Viewer | null, action: AuditAction, object: string, opts?: { patients?: readonly string[]; detail?: string | null; outcome?: 'ok' | 'denied'; lookup?: boolean; actor?: string; source?: string | null }): AuditRecord;
  patient(tag: string): Patient | undefined;
  viewerFor(user: StoredUser, session: Session | null, source: string | null): Viewer;
}

const REFUSAL_RECORD_MS = 60_000;

export async function createAccessService(deps: AccessDeps): Promise<AccessService> {
  const { users, sessions, limiter, patients, audit, detector, alarms, clock, logger } = deps;
  // Unknown users are checked against this hash so that they cost the same scrypt work as a wrong password
  // (issue #6 item 5: same answer in the same time).
  const dummyHash = await hashSecret('not-a-password-anyone-has', 'password');
  /** name + address → when a rate-limited refusal was last written to the audit log. */
  const refusalsRecorded = new Map<string, number>();

  const record: AccessService['record'] = (viewer, action, object, opts = {}) => {
    let r: AuditRecord;
    try {
      r = audit.append({
        actor: opts.actor ?? viewer?.username ?? 'anonymous', role: viewer?.role ?? null, action, object,
        patients: opts.patients ?? [], source: opts.source ?? viewer?.source ?? null, outcome: opts.outcome ?? 'ok',
        breakGlass: viewer?.breakGlass !== null && viewer?.breakGlass !== undefined, detail: opts.detail ?? null,
      });
    } catch (err) {
      logger.error({ err: (err as Error).message, action }, 'audit write failed; access refused');
      throw new RtlsError('RTLS_ERR_AUDIT_UNAVAILABLE');
    }
    if (opts.lookup) {
      for (const draft of detector.observe(r)) {
        alarms.raise({ t: draft.t, kind: draft.kind, actor: draft.actor, message: draft.message });
        logger.warn({ kind: draft.kind, actor: draft.actor }, 'security alarm: unusual access');
      }
    }
    return r;
  };

  const viewerOf = (user: StoredUser, session: Session | null, source: string | null) =>
    makeViewer(user, session?.breakGlass ?? null, clock(), source);

  return {
    deps,
    async login(username, password, source) {
      const name = username.trim().toLowerCase();
      const verdict = limiter.attempt(name, source);
      if (!verdict.allowed) {
        // A flood of refused attempts is one incident: recorded once per name and address per minute, so it cannot
        // turn into a flood of synchronous audit writes.
        const key = `${name}\n${source}`;
        const last = refusalsRecorded.get(key);
        if (last === undefined || clock() - last >= REFUSAL_RECORD_MS) {
          refusalsRecorded.delete(key);
          refusalsRecorded.set(key, clock());
          if (refusalsRecorded.size > 10_000) refusalsRecorded.delete(refusalsRecorded.keys().next().value!);
          record(null, 'login-failed', `user:${name.slice(0, 64)}`, { actor: name.slice(0, 64), source, outcome: 'denied', detail: `${verdict.reason} (further refusals within a minute not recorded)` });
        }
        return { ok: false, code: 'RTLS_ERR_RATE_LIMITED', retryAfterS: verdict.retryAfterS };
      }
      const user = users.get(name);
      const good = await verifySecret(password, user?.passwordHash ?? dummyHash);
      if (!user || !good || user.disabled) {
        const locked = limiter.failure(name);
        record(null, 'login-failed', `user:${name.slice(0, 64)}`, { actor: name.slice(0, 64), source, outcome: 'denied' });
        if (locked) alarms.raise({ kind: 'login-lockout', actor: name.slice(0, 64), message: `Account name locked after repeated failed logins from ${source}` });
        return { ok: false, code: 'RTLS_ERR_INVALID_CREDENTIALS' };
      }
      limiter.success(name);
      const { token, session } = sessions.create(user.username, user.sessionEpoch);
      users.recordLogin(user.username);
      const viewer = viewerOf(user, session, source);
      record(viewer, 'login', `user:${user.username}`);
      return { ok: true, token, session, user, viewer };
    },
    resolve(token, source, touch) {
      const found = sessions.lookup(token);
      if (found === null) return { ok: false, code: 'RTLS_ERR_UNAUTHORIZED' };
      if ('expired' in found) return { ok: false, code: 'RTLS_ERR_SESSION_EXPIRED' };
      const { session } = found;
      const user = users.get(session.username);
      // Disabled, re-roled or password changed since login: this session is over.
      if (!user || user.disabled || user.sessionEpoch !== session.epoch) {
        sessions.end(session);
        return { ok: false, code: 'RTLS_ERR_SESSION_EXPIRED' };
      }
      if (touch) sessions.touch(session);
      if (session.breakGlass && session.breakGlass.until <= clock()) session.breakGlass = null;
      return { ok: true, viewer: viewerOf(user, session, source), session, user };
    },
    stillValid(session) {
      if (!sessions.alive(session)) return false;
      const user = users.get(session.username);
      return !!user && !user.disabled && user.sessionEpoch === session.epoch;
    },
    logout(viewer, session) {
      sessions.end(session);
      record(viewer, 'logout', `user:${viewer.username}`);
    },
    breakGlass(viewer, session, reason, minutes) {
      const until = clock() + minutes * 60_000;
      // Audited first: if the record cannot be written, no elevated access is granted.
      record(viewer, 'break-glass', `user:${viewer.username}`, { detail: `${minutes} min: ${reason}` });
      session.breakGlass = { until, reason };
      alarms.raise({ kind: 'break-glass', actor: viewer.username, message: `Break-glass access for ${minutes} min (reason recorded in the audit log)` });
    },
    endBreakGlass(viewer, session) {
      if (!session.breakGlass) return;
      record(viewer, 'break-glass', `user:${viewer.username}`, { detail: 'ended' });
      session.breakGlass = null;
    },
    record,
    binding: (tag) => patients.binding(tag),
    identity: (tag): PatientIdentity | undefined => patients.patient(tag)?.identity,
    patient: (tag) => patients.patient(tag),
    viewerFor: viewerOf,
  };
}
