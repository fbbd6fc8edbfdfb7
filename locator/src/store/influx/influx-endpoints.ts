/**
 * Where and how to talk to InfluxDB for each API flavour (issue #5 item 1), pure:
 *   v2 write  POST <url>/api/v2/write?org=&bucket=&precision=ms   Authorization: Token <token>
 *   v1 write  POST <url>/write?db=&rp=&precision=ms               Authorization: Basic <user:password> (when set)
 *   query     POST <url>/query  (form: q, db, rp?, epoch=ms)      same authorization as the writes
 * Credentials go in headers, never in the URL, so they do not end up in proxy or server access logs.
 */
import type { InfluxConfig } from './influx-config.ts';

export function writeUrl(cfg: InfluxConfig): string {
  if (cfg.api === 'v2') {
    const q = new URLSearchParams({ org: cfg.org, bucket: cfg.bucket, precision: 'ms' });
    return `${cfg.url}/api/v2/write?${q}`;
  }
  const q = new URLSearchParams({ db: cfg.database, rp: cfg.retentionPolicy, precision: 'ms' });
  return `${cfg.url}/write?${q}`;
}

export function queryUrl(cfg: InfluxConfig): string {
  return `${cfg.url}/query`;
}

/** Authorization header for this configuration, or none (an unauthenticated 1.x). */
export function authHeaders(cfg: InfluxConfig): Record<string, string> {
  if (cfg.api === 'v2') return { authorization: `Token ${cfg.token}` };
  if (cfg.username !== null && cfg.password !== null) {
    return { authorization: `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`, 'utf8').toString('base64')}` };
  }
  return {};
}

/** Which database and retention policy InfluxQL reads: 1.x names both; v2 names the bucket (its DBRP mapping). */
export interface QueryTarget {
  db: string;
  rp?: string;
}

export function rawTarget(cfg: InfluxConfig): QueryTarget {
  return cfg.api === 'v2' ? { db: cfg.bucket } : { db: cfg.database, rp: cfg.retentionPolicy };
}

/** Where the 1-minute downsampled trails are, or null when this configuration has none. */
export function trailsTarget(cfg: InfluxConfig): QueryTarget | null {
  if (cfg.api === 'v2') return cfg.trailsBucket === null ? null : { db: cfg.trailsBucket };
  return { db: cfg.database, rp: cfg.trailsRetentionPolicy };
}

/** The form body of a /query request. */
export function queryForm(q: string, target: QueryTarget): URLSearchParams {
  // Chunked: see influx-query.ts (1.x flags unchunked answers over 10,000 rows as partial).
  const form = new URLSearchParams({ q, db: target.db, epoch: 'ms', chunked: 'true', chunk_size: '10000' });
  if (target.rp !== undefined) form.set('rp', target.rp);
  return form;
}
