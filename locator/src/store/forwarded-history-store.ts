/**
 * History with InfluxDB configured (issue #5 item 3): every fix and zone event is written first to the embedded SQLite
 * store, whose write log is the durable outbox, and forwarded to InfluxDB in batches by the OutboxForwarder; a batch
 * leaves the outbox only when InfluxDB accepted it. Reads go to InfluxDB (the history of record), so the newest
 * few seconds — those not forwarded yet — may be missing from an answer until the next pump.
 *
 * A `kill -9` loses at most what the SQLite store had not flushed (RTLS_STORE_FLUSH_MS, 500 ms); everything flushed is
 * forwarded after the restart, because the cursor is committed in the same database.
 */
import type { Fix, ZoneEvent } from '@rtls/protocol';
import type { Box, EventSelection, HistoryStore, HistoryStoreStats } from './history-store.ts';
import type { InfluxHistoryStore } from './influx/influx-history-store.ts';
import { OutboxForwarder, type ForwarderStats } from './outbox-forwarder.ts';
import type { OutboxCursor, SqliteHistoryStore } from './sqlite-history-store.ts';

export interface ForwardedHistoryStoreStats extends HistoryStoreStats {
  outbox: ForwarderStats & { lost: number };
}

export class ForwardedHistoryStore implements HistoryStore {
  readonly kind = 'influxdb' as const;
  readonly #local: SqliteHistoryStore;
  readonly #influx: InfluxHistoryStore;
  readonly #forwarder: OutboxForwarder<OutboxCursor>;
  #timer: NodeJS.Timeout | null = null;
  #pumping: Promise<number> | null = null;

  constructor(local: SqliteHistoryStore, influx: InfluxHistoryStore, clock: () => number, opts: { pumpMs?: number; batchItems?: number } = {}) {
    this.#local = local;
    this.#influx = influx;
    this.#forwarder = new OutboxForwarder<OutboxCursor>(local, influx.writer, clock, opts.batchItems ? { batchItems: opts.batchItems } : {});
    if (opts.pumpMs && opts.pumpMs > 0) {
      this.#timer = setInterval(() => void this.pump(), opts.pumpMs);
      this.#timer.unref();
    }
  }

  /** Forwards what the outbox holds (one pump at a time). */
  pump(): Promise<number> {
    this.#pumping ??= this.#forwarder.pump().finally(() => {
      this.#pumping = null;
    });
    return this.#pumping;
  }

  appendFixes(fixes: readonly Fix[]): void {
    this.#local.appendFixes(fixes);
  }

  appendZoneEvents(events: readonly ZoneEvent[]): void {
    this.#local.appendZoneEvents(events);
  }

  /** Flushes the outbox to disk and forwards what it can now (a failing InfluxDB leaves it for the next pump). */
  async flush(): Promise<void> {
    await this.#local.flush();
    await this.pump();
  }

  trail(tag: string, fromMs: number, toMs: number, limit: number, resolutionMs?: number): Promise<Fix[]> {
    return this.#influx.trail(tag, fromMs, toMs, limit, resolutionMs);
  }

  positionAt(tag: string, t: number, maxAgeMs: number): Promise<Fix | null> {
    return this.#influx.positionAt(tag, t, maxAgeMs);
  }

  zoneEvents(tag: string, fromMs: number, toMs: number, limit: number): Promise<ZoneEvent[]> {
    return this.#influx.zoneEvents(tag, fromMs, toMs, limit);
  }

  zoneEventsBetween(selection: EventSelection, fromMs: number, toMs: number, limit: number) {
    return this.#influx.zoneEventsBetween(selection, fromMs, toMs, limit);
  }

  floorFixes(floor: string, fromMs: number, toMs: number, binMs: number, box?: Box): Promise<Fix[]> {
    return this.#influx.floorFixes(floor, fromMs, toMs, binMs, box);
  }

  /** Live state is rebuilt from the local store: it has every flushed fix, forwarded or not. */
  lastFixes(): Promise<Fix[]> {
    return this.#local.lastFixes();
  }

  stats(): ForwardedHistoryStoreStats {
    const l = this.#local.stats();
    return {
      kind: 'influxdb',
      fixesWritten: l.fixesWritten,
      zoneEventsWritten: l.zoneEventsWritten,
      pending: l.pending,
      writeErrors: l.writeErrors,
      outbox: { ...this.#forwarder.stats(), lost: l.outboxLost },
    };
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#local.flush();
    await this.pump().catch(() => 0);
    await this.#local.close();
    await this.#influx.close();
  }
}
