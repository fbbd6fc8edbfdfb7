/**
 * Authentication, privacy and transport settings (issue #6). Only the schema and its mapping live here; config.ts
 * spreads AuthEnvSchema into the locator's env schema, so config.ts stays the only reader of process.env.
 */
import path from 'node:path';
import { z } from 'zod';

const unset = (v: unknown) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const toNumber = (v: unknown) => {
  const u = unset(v);
  return typeof u === 'string' ? Number(u.trim()) : u;
};
const int = (def: number, min: number, max: number) => z.preprocess(toNumber, z.number().int().min(min).max(max).default(def));
const real = (def: number, min: number, max: number) => z.preprocess(toNumber, z.number().min(min).max(max).default(def));
const optStr = () => z.preprocess(unset, z.string().min(1).optional());

/** `id:base64key` pairs, comma-separated; the first is the current key (new writes), the rest decrypt older rows. */
const PATIENT_KEYS_RE = /^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/=_-]{40,64}(,[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/=_-]{40,64})*$/;

function defaultTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export const AuthEnvSchema = z.object({
  /**
   * Secret: the first start creates user `admin` with this password. Unset: a one-time password is generated and
   * printed once on stderr (never logged), and must be changed at first login. Ignored once admin exists.
   */
  RTLS_ADMIN_PASSWORD: optStr(),
  /**
   * Demo only (scripts/demo.ts): the password of the demo's role users (security, icu-nurse, maternity-nurse,
   * materials, biomed). Unset: each gets a random one-time password, printed once at start.
   */
  RTLS_DEMO_PASSWORD: optStr(),
  /** A session unused for this long ends (automatic logoff, HIPAA §164.312(a)(2)(iii)), minutes. */
  RTLS_SESSION_IDLE_MIN: real(15, 1, 24 * 60),
  /** A session ends this long after login whatever its use (one shift), hours. */
  RTLS_SESSION_MAX_HOURS: real(12, 0.1, 7 * 24),
  /** Failed logins per account within RTLS_LOGIN_WINDOW_MIN before the account is locked for RTLS_LOGIN_LOCK_MIN. */
  RTLS_LOGIN_MAX_FAILURES: int(5, 1, 1000),
  RTLS_LOGIN_WINDOW_MIN: real(15, 0.1, 24 * 60),
  RTLS_LOGIN_LOCK_MIN: real(15, 0.1, 24 * 60),
  /**
   * Login attempts per source address per minute (any account, right or wrong). A ward PC shared by a shift makes a
   * handful a minute; password spraying across accounts from one address makes hundreds.
   */
  RTLS_LOGIN_MAX_PER_ADDRESS_PER_MIN: int(30, 1, 100_000),
  /**
   * Secret: AES-256-GCM keys for patient identity at rest, `id:base64(32 bytes)[,id:key…]`, current first. Rotation:
   * put the new key first, keep the old ones after it, run `rtls patients rekey`, then drop the old ones.
   */
  RTLS_PATIENT_KEYS: z.preprocess(unset, z.string().regex(PATIENT_KEYS_RE, 'must be id:base64key[,id:base64key…]').optional()),
  /** File holding RTLS_PATIENT_KEYS (e.g. a mounted secret); used when RTLS_PATIENT_KEYS is unset. */
  RTLS_PATIENT_KEYS_FILE: optStr(),
  /**
   * Browser origins allowed to open the live WebSocket and call the API with credentials, comma-separated
   * (`https://rtls.example.org`). The app's own origin (same host) is always allowed; requests without an Origin
   * header (non-browser clients) are allowed and still need a token.
   */
  RTLS_ALLOWED_ORIGINS: z.preprocess(unset, z.string().optional()),
  /** Client messages per live WebSocket per minute (subscribe/ping); more closes the socket (1008). */
  RTLS_WS_MAX_MESSAGES_PER_MIN: int(120, 1, 100_000),
  /** Unusual access: more than this many different patients looked up by one user within the window raises an alarm. */
  RTLS_AUDIT_MANY_PATIENTS: int(25, 1, 100_000),
  RTLS_AUDIT_MANY_PATIENTS_WINDOW_MIN: real(10, 0.1, 24 * 60),
  /** Unusual hour: needs this many past patient look-ups by the user before their hours count as a baseline. */
  RTLS_AUDIT_HOUR_MIN_HISTORY: int(50, 1, 1_000_000),
  /** … and an hour (±1) holding less than this share of them is unusual for that user. */
  RTLS_AUDIT_HOUR_RARE_SHARE: real(0.02, 0, 1),
  /** Days of history that make the baseline. */
  RTLS_AUDIT_HOUR_HISTORY_DAYS: int(30, 1, 3650),
  /** Time zone the hospital's hours are judged in (IANA name); default: the host's. */
  RTLS_TIME_ZONE: z.preprocess(unset, z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone like Europe/Berlin').optional()),
  /** HTTPS: certificate and key (PEM). Both or neither; set, the API and web app are served over TLS only. */
  RTLS_HTTPS_CERT_FILE: optStr(),
  RTLS_HTTPS_KEY_FILE: optStr(),
});
export type AuthEnv = z.output<typeof AuthEnvSchema>;

export function toAuthConfig(e: AuthEnv) {
  return {
    adminPassword: e.RTLS_ADMIN_PASSWORD ?? null,
    demoPassword: e.RTLS_DEMO_PASSWORD ?? null,
    sessionIdleMs: Math.round(e.RTLS_SESSION_IDLE_MIN * 60_000),
    sessionMaxMs: Math.round(e.RTLS_SESSION_MAX_HOURS * 3_600_000),
    login: {
      maxFailures: e.RTLS_LOGIN_MAX_FAILURES,
      windowMs: Math.round(e.RTLS_LOGIN_WINDOW_MIN * 60_000),
      lockMs: Math.round(e.RTLS_LOGIN_LOCK_MIN * 60_000),
      maxPerAddressPerMin: e.RTLS_LOGIN_MAX_PER_ADDRESS_PER_MIN,
    },
    patientKeys: e.RTLS_PATIENT_KEYS ?? null,
    patientKeysFile: e.RTLS_PATIENT_KEYS_FILE === undefined ? null : path.resolve(e.RTLS_PATIENT_KEYS_FILE),
    allowedOrigins: (e.RTLS_ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean),
    wsMaxMessagesPerMin: e.RTLS_WS_MAX_MESSAGES_PER_MIN,
    unusualAccess: {
      maxDistinctPatients: e.RTLS_AUDIT_MANY_PATIENTS,
      windowMs: Math.round(e.RTLS_AUDIT_MANY_PATIENTS_WINDOW_MIN * 60_000),
      minHistory: e.RTLS_AUDIT_HOUR_MIN_HISTORY,
      rareHourShare: e.RTLS_AUDIT_HOUR_RARE_SHARE,
      historyDays: e.RTLS_AUDIT_HOUR_HISTORY_DAYS,
      timeZone: e.RTLS_TIME_ZONE ?? defaultTimeZone(),
      /** One alarm per user and kind per window: a burst is one incident, not fifty. */
      cooldownMs: Math.round(e.RTLS_AUDIT_MANY_PATIENTS_WINDOW_MIN * 60_000),
    },
    https: e.RTLS_HTTPS_CERT_FILE && e.RTLS_HTTPS_KEY_FILE
      ? { certFile: path.resolve(e.RTLS_HTTPS_CERT_FILE), keyFile: path.resolve(e.RTLS_HTTPS_KEY_FILE) }
      : null,
  };
}
export type AuthConfig = ReturnType<typeof toAuthConfig>;

/** Cross-field rules zod's per-variable schema cannot state. */
export function authEnvProblems(e: AuthEnv): string[] {
  const out: string[] = [];
  if ((e.RTLS_HTTPS_CERT_FILE === undefined) !== (e.RTLS_HTTPS_KEY_FILE === undefined)) {
    out.push('RTLS_HTTPS_CERT_FILE and RTLS_HTTPS_KEY_FILE: set both (HTTPS) or neither');
  }
  if (e.RTLS_ADMIN_PASSWORD !== undefined && e.RTLS_ADMIN_PASSWORD.length < 12) {
    out.push('RTLS_ADMIN_PASSWORD: must be at least 12 characters');
  }
  if (e.RTLS_DEMO_PASSWORD !== undefined && e.RTLS_DEMO_PASSWORD.length < 12) {
    out.push('RTLS_DEMO_PASSWORD: must be at least 12 characters');
  }
  return out;
}
