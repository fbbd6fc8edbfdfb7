/**
 * Retention and downsampling on InfluxDB 1.x (issue #5 item 2: "raw fixes kept N days, downsampled trails longer"):
 *   - retention policy `rtls_raw` (or INFLUX_RETENTION_POLICY) for fixes and zone events, INFLUX_RAW_RETENTION_DAYS;
 *   - retention policy `rtls_trails`, INFLUX_TRAILS_RETENTION_DAYS, holding each tag's last fix per minute;
 *   - continuous query `rtls_fixes_trails_1m` filling it: every hour it recomputes the last two hours, so fixes the
 *     outbox forwards up to an hour late are still downsampled; downsampleTrailsStatement() is the same SELECT … INTO
 *     over an explicit range, for a backlog older than that (the forwarder runs it after a long outage).
 * The configuration is authoritative: an existing policy whose duration differs is altered. Nothing here throws —
 * a user without admin rights gets the errors back and the store keeps writing to whatever policies exist.
 * InfluxDB 2.x/3.x have no retention policies or continuous queries; there the bucket's retention and a task do it.
 */
import type { InfluxV1Config } from './influx-config.ts';
import { FIXES_MEASUREMENT } from './line-protocol.ts';
import { msLiteral, quoteIdent } from './influxql.ts';
import type { InfluxQueryClient } from './influx-query.ts';

export const TRAILS_CQ_NAME = 'rtls_fixes_trails_1m';
/** The trails' resolution: one fix per tag per minute. */
export const TRAILS_RESOLUTION_MS = 60_000;
/** Fields copied into the trails, each as last() over the minute (all are written together, so every last() is the same point). */
const TRAIL_FIELDS = ['x', 'y', 'accuracy_m', 'confidence', 'room', 'zones', 'method', 'evidence', 't_ms'] as const;

/** An InfluxQL retention duration: whole hours (the smallest a policy may have is 1h), or INF for 0 = forever. */
export function retentionDuration(ms: number): string {
  return ms <= 0 ? 'INF' : `${Math.max(1, Math.round(ms / 3_600_000))}h`;
}

/** Parses influxd's Go duration ("720h0m0s", "0s" = infinite) to ms. */
export function parseGoDuration(s: string): number {
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    const n = Number(m[1]);
    ms += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : m[2] === 'ms' ? n : 0;
  }
  return ms;
}

/** SELECT … INTO the trails policy from the raw one, one point per (series, minute); optionally over [from, to). */
export function downsampleTrailsStatement(cfg: InfluxV1Config, range?: { fromMs: number; toMs: number }): string {
  const db = quoteIdent(cfg.database);
  const m = quoteIdent(FIXES_MEASUREMENT);
  const fields = TRAIL_FIELDS.map((f) => `last(${quoteIdent(f)}) AS ${quoteIdent(f)}`).join(', ');
  const where = range ? ` WHERE time >= ${msLiteral(range.fromMs)} AND time < ${msLiteral(range.toMs)}` : '';
  return `SELECT ${fields} INTO ${db}.${quoteIdent(cfg.trailsRetentionPolicy)}.${m} FROM ${db}.${quoteIdent(cfg.retentionPolicy)}.${m}` +
    `${where} GROUP BY time(${msLiteral(TRAILS_RESOLUTION_MS)}), *`;
}

export function trailsContinuousQuery(cfg: InfluxV1Config): string {
  return `CREATE CONTINUOUS QUERY ${quoteIdent(TRAILS_CQ_NAME)} ON ${quoteIdent(cfg.database)} RESAMPLE EVERY 1h FOR 2h ` +
    `BEGIN ${downsampleTrailsStatement(cfg)} END`;
}

interface PolicyState {
  name: string;
  durationMs: number;
}

/**
 * The statements that bring the database's policies and continuous query to the configuration (pure). With
 * `ownDatabase` (this store created the database) the raw policy becomes the database's default, so a Grafana user's
 * unqualified `FROM "fixes"` finds the points; in a database someone else created, the default is left alone (other
 * writers' points would otherwise inherit the raw retention).
 */
export function retentionStatements(cfg: InfluxV1Config, existing: readonly PolicyState[], ownDatabase = false): string[] {
  const db = quoteIdent(cfg.database);
  const out: string[] = [];
  const policy = (name: string, ms: number, makeDefault: boolean) => {
    const want = retentionDuration(ms);
    const have = existing.find((p) => p.name === name);
    const dflt = makeDefault ? ' DEFAULT' : '';
    if (!have) out.push(`CREATE RETENTION POLICY ${quoteIdent(name)} ON ${db} DURATION ${want} REPLICATION 1${dflt}`);
    else if (have.durationMs !== (want === 'INF' ? 0 : parseGoDuration(want))) out.push(`ALTER RETENTION POLICY ${quoteIdent(name)} ON ${db} DURATION ${want}${dflt}`);
  };
  policy(cfg.retentionPolicy, cfg.rawRetentionMs, ownDatabase);
  // With raw points kept forever there is nothing to downsample for.
  if (cfg.rawRetentionMs > 0) {
    policy(cfg.trailsRetentionPolicy, cfg.trailsRetentionMs, false);
    // A continuous query cannot be altered: drop and create, so a changed policy name or definition takes effect.
    out.push(`DROP CONTINUOUS QUERY ${quoteIdent(TRAILS_CQ_NAME)} ON ${db}`);
    out.push(trailsContinuousQuery(cfg));
  }
  return out;
}

export interface RetentionSetup {
  /** Statements that succeeded. */
  applied: string[];
  /** What failed, with the server's message. */
  errors: string[];
  /** Whether the trails policy exists now (trail queries may read it). */
  trailsReady: boolean;
}

/** Creates the database if it is missing, then the policies and the continuous query. Never throws. */
export async function ensureInfluxRetention(client: InfluxQueryClient, cfg: InfluxV1Config): Promise<RetentionSetup> {
  const applied: string[] = [];
  const errors: string[] = [];
  const target = { db: cfg.database };
  const show = `SHOW RETENTION POLICIES ON ${quoteIdent(cfg.database)}`;
  const readPolicies = async (): Promise<PolicyState[]> => {
    const [rows] = await client.query(show, target);
    return (rows ?? []).map((r) => ({ name: String(r.name), durationMs: parseGoDuration(String(r.duration)) }));
  };
  let policies: PolicyState[];
  let ownDatabase = false;
  try {
    policies = await readPolicies();
  } catch (err) {
    if (!/database not found/i.test((err as Error).message)) return { applied, errors: [(err as Error).message], trailsReady: false };
    try {
      const create = `CREATE DATABASE ${quoteIdent(cfg.database)}`;
      await client.query(create, target);
      applied.push(create);
      ownDatabase = true;
      policies = await readPolicies();
    } catch (err2) {
      return { applied, errors: [(err2 as Error).message], trailsReady: false };
    }
  }
  for (const stmt of retentionStatements(cfg, policies, ownDatabase)) {
    try {
      await client.query(stmt, target);
      applied.push(stmt);
    } catch (err) {
      // DROP of a continuous query that does not exist yet is expected on first start.
      if (stmt.startsWith('DROP CONTINUOUS QUERY') && /continuous query not found/i.test((err as Error).message)) continue;
      errors.push(`${stmt}: ${(err as Error).message}`);
    }
  }
  let trailsReady = false;
  try {
    trailsReady = cfg.rawRetentionMs > 0 && (await readPolicies()).some((p) => p.name === cfg.trailsRetentionPolicy);
  } catch (err) {
    errors.push((err as Error).message);
  }
  return { applied, errors, trailsReady };
}
