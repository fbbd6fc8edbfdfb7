/**
 * InfluxDB history configuration (issue #5 item 1): the INFLUX_* environment names and their validation. This module
 * never reads process.env — locator/src/config.ts passes the environment in (DESIGN.md §2), spreading
 * InfluxEnvSchema.shape into its own schema and calling toInfluxConfig on the same object.
 *
 *   INFLUX_API=v2 (default): InfluxDB 2.x, 3.x, Cloud and 1.8+ through the v2 write API — INFLUX_URL, INFLUX_TOKEN,
 *     INFLUX_ORG, INFLUX_BUCKET. Reads use InfluxQL on /query with db = the bucket (the v1-compatible endpoint every
 *     one of those answers, 2.x through its DBRP mapping).
 *   INFLUX_API=v1: InfluxDB 1.x servers that predate /api/v2/write — INFLUX_URL, INFLUX_DATABASE, optional
 *     INFLUX_RETENTION_POLICY, INFLUX_USERNAME, INFLUX_PASSWORD.
 * INFLUX_URL unset: no InfluxDB, history stays in the embedded SQLite store.
 */
import { z } from 'zod';
import { describeZodError } from '@rtls/protocol';

const unset = (v: unknown) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const trimmed = (v: unknown) => {
  const u = unset(v);
  return typeof u === 'string' ? u.trim() : u;
};
const toNumber = (v: unknown) => {
  const u = unset(v);
  return typeof u === 'string' ? Number(u.trim()) : u;
};
const optStr = () => z.preprocess(trimmed, z.string().min(1).optional());
/** Database, retention-policy and bucket names: printable, no control characters (they go into URLs and InfluxQL). */
const optName = () => z.preprocess(trimmed, z.string().min(1).max(255).refine((v) => ![...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'must not contain control characters').optional());
const days = (def: number) => z.preprocess(toNumber, z.number().min(0).max(36_500).default(def));

export const InfluxEnvSchema = z.object({
  /** InfluxDB base URL (http:// or https://, may include a path prefix behind a proxy). Unset: no InfluxDB. */
  INFLUX_URL: z.preprocess(trimmed, z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL').optional()),
  /** 'v2' (default): /api/v2/write with a token; 'v1': /write with database, retention policy, user and password. */
  INFLUX_API: z.preprocess(trimmed, z.enum(['v1', 'v2']).default('v2')),
  /** v2: API token with write (and read) permission on the bucket. Secret: never logged. */
  INFLUX_TOKEN: optStr(),
  /** v2: organisation name. */
  INFLUX_ORG: optName(),
  /** v2: bucket for raw fixes and zone events; also the database name InfluxQL reads (DBRP mapping). */
  INFLUX_BUCKET: optName(),
  /** v2: optional bucket holding 1-minute downsampled trails (written by an InfluxDB task, see README); trail
   * queries for ranges older than INFLUX_RAW_RETENTION_DAYS read it. */
  INFLUX_TRAILS_BUCKET: optName(),
  /** v1: database. */
  INFLUX_DATABASE: optName(),
  /** v1: retention policy for raw points (default 'rtls_raw'); created, or altered to INFLUX_RAW_RETENTION_DAYS. */
  INFLUX_RETENTION_POLICY: optName(),
  /** v1: user (with INFLUX_PASSWORD), sent as HTTP basic auth. */
  INFLUX_USERNAME: optStr(),
  /** v1: password. Secret: never logged. */
  INFLUX_PASSWORD: optStr(),
  /**
   * Raw fixes and zone events are kept this many days (issue #5 item 2); 0 = forever. v1: the raw retention
   * policy's duration. v2: the bucket's own retention decides; this tells trail queries when to read the trails bucket.
   */
  INFLUX_RAW_RETENTION_DAYS: days(30),
  /** v1: the 1-minute downsampled trails (retention policy 'rtls_trails') are kept this many days; 0 = forever. */
  INFLUX_TRAILS_RETENTION_DAYS: days(730),
  /** One write or query request may take this long before it counts as failed, ms. */
  INFLUX_TIMEOUT_MS: z.preprocess(toNumber, z.number().int().min(100).max(600_000).default(30_000)),
});
export type InfluxEnv = z.output<typeof InfluxEnvSchema>;

/** Every environment name this module reads (for docker-compose checks and documentation). */
export const INFLUX_ENV_NAMES = Object.keys(InfluxEnvSchema.shape) as (keyof InfluxEnv)[];

/** Default retention policy names on 1.x. */
export const DEFAULT_RAW_RETENTION_POLICY = 'rtls_raw';
export const TRAILS_RETENTION_POLICY = 'rtls_trails';

interface InfluxCommonConfig {
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly timeoutMs: number;
  /** 0 = forever. */
  readonly rawRetentionMs: number;
}

export interface InfluxV2Config extends InfluxCommonConfig {
  readonly api: 'v2';
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  readonly trailsBucket: string | null;
}

export interface InfluxV1Config extends InfluxCommonConfig {
  readonly api: 'v1';
  readonly database: string;
  readonly retentionPolicy: string;
  readonly trailsRetentionPolicy: string;
  /** 0 = forever. */
  readonly trailsRetentionMs: number;
  readonly username: string | null;
  readonly password: string | null;
}

export type InfluxConfig = InfluxV1Config | InfluxV2Config;

const DAY_MS = 86_400_000;

/**
 * Validates the INFLUX_* part of an environment (raw strings or InfluxEnvSchema's output) and returns the frozen
 * configuration, or null when INFLUX_URL is unset. Throws an Error naming every offending variable.
 */
export function toInfluxConfig(env: Readonly<Record<string, unknown>>): InfluxConfig | null {
  const parsed = InfluxEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid InfluxDB configuration: ${describeZodError(parsed.error).join('; ')}`);
  const e = parsed.data;
  if (e.INFLUX_URL === undefined) return null;
  const url = e.INFLUX_URL.replace(/\/+$/, '');
  const common = { url, timeoutMs: e.INFLUX_TIMEOUT_MS, rawRetentionMs: Math.round(e.INFLUX_RAW_RETENTION_DAYS * DAY_MS) };
  const missing = (names: (keyof InfluxEnv)[]) => names.filter((n) => e[n] === undefined);
  if (e.INFLUX_API === 'v2') {
    const m = missing(['INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET']);
    if (m.length > 0) throw new Error(`invalid InfluxDB configuration: INFLUX_API=v2 needs ${m.join(', ')} (or set INFLUX_API=v1 with INFLUX_DATABASE)`);
    return Object.freeze({
      ...common, api: 'v2' as const, token: e.INFLUX_TOKEN!, org: e.INFLUX_ORG!, bucket: e.INFLUX_BUCKET!,
      trailsBucket: e.INFLUX_TRAILS_BUCKET ?? null,
    });
  }
  const m = missing(['INFLUX_DATABASE']);
  if (m.length > 0) throw new Error(`invalid InfluxDB configuration: INFLUX_API=v1 needs ${m.join(', ')}`);
  if ((e.INFLUX_USERNAME === undefined) !== (e.INFLUX_PASSWORD === undefined)) {
    throw new Error('invalid InfluxDB configuration: INFLUX_USERNAME and INFLUX_PASSWORD go together');
  }
  const retentionPolicy = e.INFLUX_RETENTION_POLICY ?? DEFAULT_RAW_RETENTION_POLICY;
  if (retentionPolicy === TRAILS_RETENTION_POLICY) {
    throw new Error(`invalid InfluxDB configuration: INFLUX_RETENTION_POLICY may not be '${TRAILS_RETENTION_POLICY}' (the downsampled trails' policy)`);
  }
  return Object.freeze({
    ...common, api: 'v1' as const, database: e.INFLUX_DATABASE!, retentionPolicy,
    trailsRetentionPolicy: TRAILS_RETENTION_POLICY, trailsRetentionMs: Math.round(e.INFLUX_TRAILS_RETENTION_DAYS * DAY_MS),
    username: e.INFLUX_USERNAME ?? null, password: e.INFLUX_PASSWORD ?? null,
  });
}
