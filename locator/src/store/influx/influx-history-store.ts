/**
 * HistoryStore on InfluxDB (issue #5 item 1): writes line protocol through InfluxWriter, reads with InfluxQL over
 * /query. Both API flavours (INFLUX_API=v1 | v2) — they differ only in endpoints and auth (influx-endpoints.ts).
 *
 * Writes here are the direct path: appends are encoded at once (so a retry sends the same bytes, and kindOf is asked
 * when the fix is fresh) and buffered; flush() sends them. A failed flush keeps the batch for the next one, except
 * when InfluxDB rejected the data itself (a permanent 'rejected' failure: retrying cannot help), which is dropped and
 * counted. This buffer is memory: in production the durable outbox forwards to InfluxWriter directly (issue #5 item 3)
 * and this store serves the reads.
 *
 * Reads: trail() for a range older than the raw retention (INFLUX_RAW_RETENTION_DAYS, measured from the injected
 * clock) reads the 1-minute trails (1.x: the rtls_trails policy; v2: INFLUX_TRAILS_BUCKET), and the raw points for the
 * rest of the range. Everything else reads raw points.
 */
import type { Fix, ZoneEvent } from '@rtls/protocol';
import type { Box, EventSelection, HistoryStore, HistoryStoreStats } from '../history-store.ts';
import type { InfluxConfig } from './influx-config.ts';
import { rawTarget, trailsTarget, type QueryTarget } from './influx-endpoints.ts';
import { InfluxQueryClient, type InfluxRow } from './influx-query.ts';
import { ensureInfluxRetention, downsampleTrailsStatement, TRAILS_RESOLUTION_MS, type RetentionSetup } from './influx-retention.ts';
import { compareFixesByTimeThenTag, compareZoneEvents, fixFromRow, zoneEventFromRow } from './influx-rows.ts';
import { InfluxWriteError, InfluxWriter } from './influx-writer.ts';
import {
  floorFixesStatement, lastEventsBeforeStatement, lastFixesStatement, positionAtStatement, selectionConditions,
  trailStatement, zoneEventsAtStatement, zoneEventsStatement,
} from './influxql.ts';
import { encodeFix, encodeZoneEvent, type KindOf } from './line-protocol.ts';

export interface InfluxHistoryStoreOptions {
  /** Asset kind per tag, written as the `kind` tag. */
  kindOf?: KindOf;
  /** Write-behind interval, ms; 0 (default) = no timer, the caller flushes. */
  flushMs?: number;
  /** Pending points above which an append starts a flush (default 20,000). */
  flushAtPending?: number;
  /** Pending points kept while writes fail; the oldest beyond it are dropped and counted (default 1,000,000). */
  maxPending?: number;
  onError?: (err: Error) => void;
  /** Epoch ms, for the raw-retention cut-off of trail queries. */
  clock?: () => number;
  /** Injected HTTP client (tests). */
  fetch?: typeof fetch;
  /** Injected writer (default: one built from the configuration, kindOf and fetch). */
  writer?: InfluxWriter;
}

export interface InfluxHistoryStoreStats extends HistoryStoreStats {
  kind: 'influxdb';
  /** Points dropped because writes kept failing and the buffer hit maxPending. */
  droppedOnOverflow: number;
  /** Points InfluxDB refused as data (permanent 'rejected' failures), or that could not be encoded. */
  droppedRejected: number;
  lastError: string | null;
}

export class InfluxHistoryStore implements HistoryStore {
  readonly kind = 'influxdb' as const;
  readonly config: InfluxConfig;
  readonly writer: InfluxWriter;
  readonly #query: InfluxQueryClient;
  readonly #kindOf: KindOf | undefined;
  readonly #flushAtPending: number;
  readonly #maxPending: number;
  readonly #onError: (err: Error) => void;
  readonly #clock: () => number;
  #fixLines: string[] = [];
  #eventLines: string[] = [];
  #chain: Promise<void> = Promise.resolve();
  #flushQueued = false;
  #timer: NodeJS.Timeout | null = null;
  #trailsReady: boolean;
  #closed = false;
  readonly #stats = { fixesWritten: 0, zoneEventsWritten: 0, writeErrors: 0, droppedOnOverflow: 0, droppedRejected: 0 };
  #lastError: string | null = null;

  constructor(cfg: InfluxConfig, opts: InfluxHistoryStoreOptions = {}) {
    this.config = cfg;
    this.#kindOf = opts.kindOf;
    this.writer = opts.writer ?? new InfluxWriter(cfg, { kindOf: opts.kindOf, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
    this.#query = new InfluxQueryClient(cfg, opts.fetch ? { fetch: opts.fetch } : {});
    this.#flushAtPending = opts.flushAtPending ?? 20_000;
    this.#maxPending = opts.maxPending ?? 1_000_000;
    this.#onError = opts.onError ?? (() => {});
    this.#clock = opts.clock ?? Date.now;
    // v2: the trails bucket is the operator's (a task fills it); 1.x: known once ensureRetention() has run.
    this.#trailsReady = cfg.api === 'v2' && cfg.trailsBucket !== null;
    if (opts.flushMs && opts.flushMs > 0) {
      this.#timer = setInterval(() => void this.flush(), opts.flushMs);
      this.#timer.unref();
    }
  }

  /**
   * 1.x: creates the database if missing, the raw and trails retention policies and the downsampling continuous query
   * (influx-retention.ts). v2: nothing to do here (bucket retention and a task, see README). Never throws.
   */
  async ensureRetention(): Promise<RetentionSetup> {
    if (this.config.api === 'v2') return { applied: [], errors: [], trailsReady: this.#trailsReady };
    const r = await ensureInfluxRetention(this.#query, this.config);
    this.#trailsReady = r.trailsReady;
    return r;
  }

  /** 1.x: downsamples raw fixes in [fromMs, toMs) into the trails policy now (a backlog the continuous query missed). */
  async downsampleTrails(fromMs: number, toMs: number): Promise<void> {
    if (this.config.api !== 'v1') throw new Error('downsampleTrails: InfluxDB 2.x/3.x downsample with a task (README)');
    await this.#query.query(downsampleTrailsStatement(this.config, { fromMs, toMs }), { db: this.config.database });
  }

  appendFixes(fixes: readonly Fix[]): void {
    for (const f of fixes) {
      try {
        this.#fixLines.push(encodeFix(f, this.#kindOf));
      } catch (err) {
        this.#reject(1, err as Error);
      }
    }
    this.#afterAppend();
  }

  appendZoneEvents(events: readonly ZoneEvent[]): void {
    for (const e of events) {
      try {
        this.#eventLines.push(encodeZoneEvent(e, this.#kindOf));
      } catch (err) {
        this.#reject(1, err as Error);
      }
    }
    this.#afterAppend();
  }

  #reject(n: number, err: Error): void {
    this.#stats.droppedRejected += n;
    this.#lastError = err.message;
    this.#onError(err);
  }

  #afterAppend(): void {
    if (!this.#flushQueued && this.#fixLines.length + this.#eventLines.length >= this.#flushAtPending) void this.flush();
  }

  /** Writes everything pending; never rejects (failures are counted, reported to onError and retried next time). */
  flush(): Promise<void> {
    if (this.#flushQueued) return this.#chain;
    this.#flushQueued = true;
    this.#chain = this.#chain.then(() => {
      this.#flushQueued = false;
      return this.#flushOnce();
    });
    return this.#chain;
  }

  async #flushOnce(): Promise<void> {
    const fixes = this.#fixLines;
    const events = this.#eventLines;
    if (fixes.length === 0 && events.length === 0) return;
    this.#fixLines = [];
    this.#eventLines = [];
    try {
      await this.writer.writeLines(fixes.length === 0 ? events : events.length === 0 ? fixes : fixes.concat(events));
      this.#stats.fixesWritten += fixes.length;
      this.#stats.zoneEventsWritten += events.length;
    } catch (err) {
      this.#stats.writeErrors++;
      this.#lastError = (err as Error).message;
      if (err instanceof InfluxWriteError && err.permanent && (err.reason === 'rejected' || err.reason === 'unexpected')) {
        // The server refused the data; the same bytes will be refused again. Counted, never silent.
        this.#stats.droppedRejected += fixes.length + events.length;
      } else {
        this.#fixLines = fixes.concat(this.#fixLines);
        this.#eventLines = events.concat(this.#eventLines);
        const over = this.#fixLines.length + this.#eventLines.length - this.#maxPending;
        if (over > 0) {
          const fromFixes = Math.min(over, this.#fixLines.length);
          this.#fixLines.splice(0, fromFixes);
          this.#eventLines.splice(0, over - fromFixes);
          this.#stats.droppedOnOverflow += over;
        }
      }
      this.#onError(err as Error);
    }
  }

  async #rows(statement: string, target: QueryTarget): Promise<InfluxRow[]> {
    const [rows] = await this.#query.query(statement, target);
    return rows ?? [];
  }

  /** Start of the raw points still kept (aligned up to `step`), or null when every range reads raw points. */
  #trailsBoundary(step: number): number | null {
    if (!this.#trailsReady || this.config.rawRetentionMs <= 0 || trailsTarget(this.config) === null) return null;
    const cutoff = this.#clock() - this.config.rawRetentionMs;
    return Math.ceil(cutoff / step) * step;
  }

  async trail(tag: string, fromMs: number, toMs: number, limit: number, resolutionMs = 0): Promise<Fix[]> {
    if (limit <= 0 || toMs < fromMs) return [];
    const res = resolutionMs > 0 ? Math.round(resolutionMs) : 0;
    // Aligned to the resolution, so no bucket is split between the two parts.
    const boundary = this.#trailsBoundary(res > 0 ? res : TRAILS_RESOLUTION_MS);
    const out: Fix[] = [];
    // Newest first: the raw part (at or after the boundary), then the trails part for what the limit leaves.
    if (boundary === null || toMs >= boundary) {
      const from = boundary === null ? fromMs : Math.max(fromMs, boundary);
      for (const r of await this.#rows(trailStatement(tag, from, toMs, limit, res), rawTarget(this.config))) out.push(fixFromRow({ tag, ...r }));
    }
    if (boundary !== null && fromMs < boundary && out.length < limit) {
      const to = Math.min(toMs, boundary - 1);
      const rows = await this.#rows(trailStatement(tag, fromMs, to, limit - out.length, res), trailsTarget(this.config)!);
      // A trails point is stamped with its minute's start; its fix (t_ms) may lie past the boundary, where raw points answer.
      for (const r of rows) {
        const f = fixFromRow({ tag, ...r });
        if (f.t <= to) out.push(f);
      }
    }
    return out.sort((a, b) => a.t - b.t);
  }

  async positionAt(tag: string, t: number, maxAgeMs: number): Promise<Fix | null> {
    const [row] = await this.#rows(positionAtStatement(tag, t, maxAgeMs), rawTarget(this.config));
    if (row) return fixFromRow({ tag, ...row });
    const boundary = this.#trailsBoundary(TRAILS_RESOLUTION_MS);
    if (boundary === null || t - maxAgeMs >= boundary) return null;
    // Trails points are stamped with their minute's start: ask for the window widened by a minute, then keep the newest
    // fix whose own time is in [t − maxAge, t].
    const until = Math.min(t, boundary - 1);
    const rows = await this.#rows(positionAtStatement(tag, until, until - (t - maxAgeMs) + TRAILS_RESOLUTION_MS, 3), trailsTarget(this.config)!);
    const hit = rows.map((r) => fixFromRow({ tag, ...r })).find((f) => f.t <= t && f.t >= t - maxAgeMs);
    return hit ?? null;
  }

  async zoneEvents(tag: string, fromMs: number, toMs: number, limit: number): Promise<ZoneEvent[]> {
    if (limit <= 0 || toMs < fromMs) return [];
    return this.#eventsPage(selectionConditions({ tag })[0]!, fromMs, toMs, limit, 'DESC');
  }

  /**
   * One condition's events in range, the newest (DESC) or oldest (ASC) `limit`, in HistoryStore order. InfluxDB's
   * LIMIT may cut between events of equal time, which HistoryStore orders enter-before-exit: when the page is full,
   * every event at the boundary time is fetched and the page re-cut after sorting.
   */
  async #eventsPage(condition: string, fromMs: number, toMs: number, limit: number, order: 'ASC' | 'DESC'): Promise<ZoneEvent[]> {
    const target = rawTarget(this.config);
    let events = (await this.#rows(zoneEventsStatement(condition, fromMs, toMs, order, limit), target)).map(zoneEventFromRow);
    if (events.length >= limit) {
      const edge = events[events.length - 1]!.t;
      const atEdge = (await this.#rows(zoneEventsAtStatement(condition, edge), target)).map(zoneEventFromRow);
      events = events.filter((e) => e.t !== edge).concat(atEdge);
    }
    events.sort(compareZoneEvents);
    return order === 'DESC' ? events.slice(Math.max(0, events.length - limit)) : events.slice(0, limit);
  }

  async zoneEventsBetween(selection: EventSelection, fromMs: number, toMs: number, limit: number): Promise<{ before: ZoneEvent[]; events: ZoneEvent[] }> {
    const conditions = selectionConditions(selection);
    if (conditions.length === 0 || toMs < fromMs) return { before: [], events: [] };
    const target = rawTarget(this.config);
    const parts = await Promise.all(conditions.map(async (c) => {
      const [events, lastBefore] = await Promise.all([
        limit > 0 ? this.#eventsPage(c, fromMs, toMs, limit, 'ASC') : Promise.resolve([]),
        this.#rows(lastEventsBeforeStatement(c, fromMs), target),
      ]);
      return { events, before: lastBefore.map(zoneEventFromRow).filter((e) => e.kind === 'enter') };
    }));
    const events = parts.flatMap((p) => p.events).sort(compareZoneEvents).slice(0, Math.max(0, limit));
    const before = parts.flatMap((p) => p.before).sort(compareZoneEvents);
    return { before, events };
  }

  async floorFixes(floor: string, fromMs: number, toMs: number, binMs: number, box?: Box): Promise<Fix[]> {
    if (toMs < fromMs) return [];
    const rows = await this.#rows(floorFixesStatement(floor, fromMs, toMs, Math.max(1, Math.round(binMs)), box), rawTarget(this.config));
    return rows.map(fixFromRow).sort(compareFixesByTimeThenTag);
  }

  async lastFixes(): Promise<Fix[]> {
    const rows = await this.#rows(lastFixesStatement(), rawTarget(this.config));
    return rows.map(fixFromRow);
  }

  stats(): InfluxHistoryStoreStats {
    return { kind: 'influxdb', ...this.#stats, pending: this.#fixLines.length + this.#eventLines.length, lastError: this.#lastError };
  }

  /** Flushes, then stops the timer. Points still pending after a failed last flush are reported in stats().pending. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
  }
}

/** Builds the store and runs its retention setup (1.x); the setup's errors are returned, not thrown. */
export async function openInfluxHistoryStore(cfg: InfluxConfig, opts: InfluxHistoryStoreOptions = {}): Promise<{ store: InfluxHistoryStore; retention: RetentionSetup }> {
  const store = new InfluxHistoryStore(cfg, opts);
  const retention = await store.ensureRetention();
  return { store, retention };
}
