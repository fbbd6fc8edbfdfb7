/**
 * InfluxQL over the v1-compatible /query endpoint (issue #5 item 1: answered by 1.x, by 2.x through its DBRP mapping
 * and by 3.x). POST with a form body (statements may be long: an asset class names hundreds of tags), epoch=ms so
 * times come back as epoch ms, the same Authorization as writes.
 *
 * /query reports a bad statement as HTTP 200 with `results[i].error`, and a truncated answer (the server's
 * max-row-limit) as `partial: true`: both become an InfluxQueryError, never a silently short answer.
 */
import type { InfluxConfig } from './influx-config.ts';
import { authHeaders, queryForm, queryUrl, type QueryTarget } from './influx-endpoints.ts';

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
  partial?: boolean;
}

interface QueryBody {
  results?: { statement_id: number; error?: string; series?: InfluxSeries[]; partial?: boolean }[];
  error?: string;
}

export class InfluxQueryError extends Error {
  override readonly name = 'InfluxQueryError';
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One row as an object: the series' group-by tags merged with its columns. */
export type InfluxRow = Record<string, unknown>;

export function rowsOf(series: readonly InfluxSeries[] | undefined): InfluxRow[] {
  const out: InfluxRow[] = [];
  for (const s of series ?? []) {
    for (const values of s.values ?? []) {
      const row: InfluxRow = { ...s.tags };
      s.columns.forEach((c, i) => {
        // A column named like a group-by tag does not hide the tag (last("x") returns a column named "last").
        if (!(c in row) || values[i] !== null) row[c] = values[i];
      });
      out.push(row);
    }
  }
  return out;
}

export interface InfluxQueryClientOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class InfluxQueryClient {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(cfg: InfluxConfig, opts: InfluxQueryClientOptions = {}) {
    this.#url = queryUrl(cfg);
    this.#headers = { accept: 'application/json', ...authHeaders(cfg) };
    this.#timeoutMs = opts.timeoutMs ?? cfg.timeoutMs;
    this.#fetch = opts.fetch ?? fetch;
  }

  /** Runs one or more `;`-separated statements; returns each statement's rows, in order. */
  async query(statements: string, target: QueryTarget): Promise<InfluxRow[][]> {
    const results = await this.raw(statements, target);
    return results.map((series) => rowsOf(series));
  }

  /** As query(), the series of each statement. */
  async raw(statements: string, target: QueryTarget): Promise<InfluxSeries[][]> {
    let res: Response;
    try {
      res = await this.#fetch(this.#url, {
        method: 'POST', headers: this.#headers, body: queryForm(statements, target), signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string } };
      throw new InfluxQueryError(`InfluxDB query failed: ${e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? String(err))}`, undefined, { cause: err });
    }
    const text = await res.text();
    let body: QueryBody;
    try {
      body = JSON.parse(text) as QueryBody;
    } catch {
      throw new InfluxQueryError(`InfluxDB query failed: HTTP ${res.status}: ${text.slice(0, 500)}`, res.status);
    }
    if (!res.ok || body.error) throw new InfluxQueryError(`InfluxDB query failed: HTTP ${res.status}: ${body.error ?? text.slice(0, 500)}`, res.status);
    return (body.results ?? []).map((r) => {
      if (r.error) throw new InfluxQueryError(`InfluxQL error: ${r.error}`, res.status);
      if (r.partial || r.series?.some((s) => s.partial)) {
        throw new InfluxQueryError('InfluxDB truncated the answer (max-row-limit); narrow the range or raise the limit', res.status);
      }
      return r.series ?? [];
    });
  }
}
