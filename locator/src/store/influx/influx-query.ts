/**
 * InfluxQL over the v1-compatible /query endpoint (issue #5 item 1: answered by 1.x, by 2.x through its DBRP mapping
 * and by 3.x). POST with a form body (statements may be long: an asset class names hundreds of tags), epoch=ms so
 * times come back as epoch ms, the same Authorization as writes.
 *
 * /query reports a bad statement as HTTP 200 with `results[i].error`. Answers are requested chunked (chunk_size
 * 10,000): influxd 1.x flags any one-series answer over 10,000 rows as `partial` when not chunked, even with
 * max-row-limit 0 (influxdata/influxdb#10114), which made a 24 h contact query fail. With chunking the server streams
 * newline-separated JSON objects, `partial: true` meaning "more follows"; the chunks are merged per statement and
 * series, and an answer whose last chunk still says partial is an InfluxQueryError, never a silently short answer.
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
    const bodies: QueryBody[] = [];
    try {
      for (const line of text.split('\n')) if (line.trim()) bodies.push(JSON.parse(line) as QueryBody);
    } catch {
      throw new InfluxQueryError(`InfluxDB query failed: HTTP ${res.status}: ${text.slice(0, 500)}`, res.status);
    }
    const failed = bodies.find((b) => b.error);
    if (!res.ok || failed || bodies.length === 0) {
      throw new InfluxQueryError(`InfluxDB query failed: HTTP ${res.status}: ${failed?.error ?? text.slice(0, 500)}`, res.status);
    }
    // Merge the chunks: per statement, series with the same name and tags are one series split across chunks.
    const merged = new Map<number, { series: Map<string, InfluxSeries>; partial: boolean }>();
    for (const b of bodies) {
      for (const r of b.results ?? []) {
        if (r.error) throw new InfluxQueryError(`InfluxQL error: ${r.error}`, res.status);
        let st = merged.get(r.statement_id);
        if (!st) merged.set(r.statement_id, (st = { series: new Map(), partial: false }));
        st.partial = r.partial === true;
        for (const sr of r.series ?? []) {
          const key = `${sr.name}\u0000${JSON.stringify(sr.tags ?? {})}`;
          const have = st.series.get(key);
          if (have) for (const v of sr.values ?? []) have.values.push(v);
          else st.series.set(key, { name: sr.name, ...(sr.tags ? { tags: sr.tags } : {}), columns: sr.columns, values: [...(sr.values ?? [])] });
        }
      }
    }
    return [...merged.entries()].sort((a, b) => a[0] - b[0]).map(([, st]) => {
      if (st.partial) throw new InfluxQueryError('InfluxDB ended the answer early (partial); narrow the range', res.status);
      return [...st.series.values()];
    });
  }
}
