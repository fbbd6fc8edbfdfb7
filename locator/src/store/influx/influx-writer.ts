/**
 * Writes fixes and zone events to InfluxDB and says precisely whether the server took them (issue #5 item 3: "a
 * forward is marked done only when InfluxDB accepted it"). write() resolves only after every request of the batch got
 * 204 and otherwise rejects with an InfluxWriteError; it keeps nothing — durability and retries belong to the caller
 * (the outbox forwarder, or InfluxHistoryStore's write-behind buffer).
 *
 * A direct POST rather than @influxdata/influxdb-client's WriteApi, for four reasons found in its source (1.35):
 *   - WriteApi splits a call into batchSize chunks and sends all but the last in the background with their errors
 *     swallowed (`.catch(() => {})` in WriteBuffer.add), so flush() can resolve while part of the call failed;
 *   - it counts 201 as success, which InfluxDB 3 used for partial writes;
 *   - HttpError.retryAfter() is the Retry-After header read as milliseconds, where HTTP says seconds;
 *   - its retry buffer lives in memory (32,000 lines by default) and it logs to the console by itself.
 * One request path then serves v1 and v2 (they differ only in URL and Authorization, influx-endpoints.ts), so the
 * path exercised against the real influxd 1.6 in the tests is the one that talks to 2.x in production.
 *
 * A batch is sent as requests of at most maxLinesPerRequest lines, one after another (InfluxData recommends ~5,000
 * lines per write). When a later request fails, earlier ones were written: retrying the whole batch is still
 * correct, because points are idempotent (line-protocol.ts) — the retry overwrites, it does not duplicate.
 */
import { gzip as gzipCb } from 'node:zlib';
import { promisify } from 'node:util';
import type { Fix, ZoneEvent } from '@rtls/protocol';
import type { InfluxConfig } from './influx-config.ts';
import { authHeaders, writeUrl } from './influx-endpoints.ts';
import { encodeBatch, type KindOf } from './line-protocol.ts';

const gzip = promisify(gzipCb);

/**
 * Why a write failed:
 *   network    no HTTP response (refused, reset, DNS, timeout) — retry
 *   throttled  429, or 503 with Retry-After — retry after retryAfterMs
 *   server     5xx, 408 — retry
 *   auth       401, 403 — permanent for these bytes, but an operator can fix it: hold, alarm, do not drop
 *   not-found  404: database, bucket or org missing — as auth
 *   rejected   400, 413, 422 and other 4xx: the server refused the data (partial write, field type conflict, points
 *              beyond the retention policy); retrying the same bytes cannot succeed
 *   unexpected a status other than 204 outside those (a 2xx that is not 204, a redirect): not accepted
 */
export type InfluxWriteFailure = 'network' | 'throttled' | 'server' | 'auth' | 'not-found' | 'rejected' | 'unexpected';

export class InfluxWriteError extends Error {
  override readonly name = 'InfluxWriteError';
  /** HTTP status; undefined when no response arrived. */
  readonly status?: number;
  /** The server's Retry-After, converted from seconds (or an HTTP date, against the response's Date) to ms. */
  readonly retryAfterMs?: number;
  /** 4xx other than 429 and 408: sending the same bytes again will fail again. */
  readonly permanent: boolean;
  readonly reason: InfluxWriteFailure;
  /** The server's error text (JSON `error`/`message`, or the body). */
  readonly serverMessage?: string;
  /** Points the server reports it dropped ("partial write: … dropped=N"); the rest of that request was written. */
  readonly droppedPoints?: number;
  /** Lines of this batch accepted by earlier requests before this one failed. */
  readonly acceptedLines: number;

  constructor(message: string, init: {
    status?: number; retryAfterMs?: number; permanent: boolean; reason: InfluxWriteFailure; serverMessage?: string;
    droppedPoints?: number; acceptedLines?: number; cause?: unknown;
  }) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.permanent = init.permanent;
    this.reason = init.reason;
    this.serverMessage = init.serverMessage;
    this.droppedPoints = init.droppedPoints;
    this.acceptedLines = init.acceptedLines ?? 0;
  }
}

/**
 * Retry-After in ms: delay-seconds × 1000, or an HTTP date minus the response's own Date header (no local clock —
 * the two come from the same server). Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null | undefined, responseDate?: string | null): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  const now = responseDate ? Date.parse(responseDate) : NaN;
  if (Number.isFinite(at) && Number.isFinite(now)) return Math.max(0, at - now);
  return undefined;
}

function serverMessageOf(body: string, headers: Headers): string | undefined {
  const fromHeader = headers.get('x-influxdb-error');
  if (fromHeader) return fromHeader;
  if (body === '') return undefined;
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: the body itself
  }
  return body.slice(0, 2000);
}

/** Classifies a response that is not 204 (pure; exported for tests). */
export function writeErrorFromResponse(status: number, headers: Headers, body: string, acceptedLines = 0): InfluxWriteError {
  const serverMessage = serverMessageOf(body, headers);
  const retryAfterMs = parseRetryAfterMs(headers.get('retry-after'), headers.get('date'));
  const dropped = serverMessage ? /dropped=(\d+)/.exec(serverMessage) : null;
  let reason: InfluxWriteFailure;
  if (status === 429 || (status === 503 && retryAfterMs !== undefined)) reason = 'throttled';
  else if (status === 408 || status >= 500) reason = 'server';
  else if (status === 401 || status === 403) reason = 'auth';
  else if (status === 404) reason = 'not-found';
  else if (status >= 400 && status < 500) reason = 'rejected';
  else reason = 'unexpected';
  const permanent = (status >= 400 && status < 500 && status !== 429 && status !== 408) || reason === 'unexpected';
  return new InfluxWriteError(`InfluxDB write failed: HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''}`, {
    status, retryAfterMs, permanent, reason, serverMessage, acceptedLines,
    ...(dropped ? { droppedPoints: Number(dropped[1]) } : {}),
  });
}

function networkError(err: unknown, acceptedLines: number): InfluxWriteError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const detail = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
  return new InfluxWriteError(`InfluxDB write failed: ${detail}`, { permanent: false, reason: 'network', acceptedLines, cause: err });
}

export interface InfluxWriterOptions {
  /** Asset kind per tag, as the `kind` tag (must answer the same for a tag across retries of a batch). */
  kindOf?: KindOf;
  /** Lines per HTTP request (default 5,000). */
  maxLinesPerRequest?: number;
  /** Bodies at least this large are sent gzip-compressed (default 64 KiB; Infinity = never). */
  gzipThresholdBytes?: number;
  /** Per-request timeout, ms (default: the configuration's timeoutMs). */
  timeoutMs?: number;
  /** HTTP client (default: global fetch); tests may record. */
  fetch?: typeof fetch;
}

export interface InfluxWriterStats {
  requests: number;
  linesWritten: number;
  /** Bytes on the wire (after compression). */
  bytesSent: number;
  failedRequests: number;
}

export class InfluxWriter {
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly #kindOf: KindOf | undefined;
  readonly #maxLines: number;
  readonly #gzipThreshold: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #stats: InfluxWriterStats = { requests: 0, linesWritten: 0, bytesSent: 0, failedRequests: 0 };

  constructor(cfg: InfluxConfig, opts: InfluxWriterOptions = {}) {
    this.url = writeUrl(cfg);
    this.#headers = { 'content-type': 'text/plain; charset=utf-8', ...authHeaders(cfg) };
    this.#kindOf = opts.kindOf;
    this.#maxLines = Math.max(1, Math.floor(opts.maxLinesPerRequest ?? 5000));
    this.#gzipThreshold = opts.gzipThresholdBytes ?? 64 * 1024;
    this.#timeoutMs = opts.timeoutMs ?? cfg.timeoutMs;
    this.#fetch = opts.fetch ?? fetch;
  }

  /** The batch as line protocol (what write() sends). */
  encode(fixes: readonly Fix[], events: readonly ZoneEvent[]): string[] {
    return encodeBatch(fixes, events, this.#kindOf);
  }

  /** Resolves when InfluxDB accepted every fix and event (204 for every request); else rejects with InfluxWriteError. */
  async write(fixes: readonly Fix[], events: readonly ZoneEvent[]): Promise<void> {
    await this.writeLines(this.encode(fixes, events));
  }

  /** As write(), for lines already encoded (a buffer that encoded at append time). */
  async writeLines(lines: readonly string[]): Promise<void> {
    for (let i = 0; i < lines.length; i += this.#maxLines) {
      await this.#post(lines.slice(i, i + this.#maxLines), i);
    }
  }

  async #post(lines: readonly string[], acceptedBefore: number): Promise<void> {
    const text = lines.join('\n');
    let body: Buffer = Buffer.from(text, 'utf8');
    const headers: Record<string, string> = { ...this.#headers };
    if (body.length >= this.#gzipThreshold) {
      // Level 1: line protocol is repetitive enough that the fastest level already shrinks it several-fold, and
      // zlib runs on the libuv pool, off the event loop.
      body = await gzip(body, { level: 1 });
      headers['content-encoding'] = 'gzip';
    }
    this.#stats.requests++;
    let res: Response;
    try {
      res = await this.#fetch(this.url, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      this.#stats.failedRequests++;
      throw networkError(err, acceptedBefore);
    }
    let resBody: string;
    try {
      resBody = await res.text();
    } catch (err) {
      this.#stats.failedRequests++;
      throw networkError(err, acceptedBefore);
    }
    if (res.status !== 204) {
      this.#stats.failedRequests++;
      throw writeErrorFromResponse(res.status, res.headers, resBody, acceptedBefore);
    }
    this.#stats.linesWritten += lines.length;
    this.#stats.bytesSent += body.length;
  }

  stats(): InfluxWriterStats {
    return { ...this.#stats };
  }
}
