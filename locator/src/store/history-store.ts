import type { Fix, ZoneEvent } from '@rtls/protocol';

/**
 * Fix and zone-event history (DESIGN.md §6). The embedded SQLite store implements it now; InfluxDB joins behind
 * the same interface in issue #5, so callers never assume SQLite (hence the async reads).
 * Appends are buffered (write-behind) and never throw on the hot path; flush() writes what is pending.
 */
export interface HistoryStore {
  readonly kind: 'sqlite' | 'influxdb';
  appendFixes(fixes: readonly Fix[]): void;
  appendZoneEvents(events: readonly ZoneEvent[]): void;
  /** Writes everything pending. */
  flush(): Promise<void>;
  /**
   * The tag's fixes with fromMs <= t <= toMs, oldest first; when more than `limit` match, the most recent `limit`
   * (a trail shows where the tag went last). Includes fixes still pending in the buffer.
   */
  trail(tag: string, fromMs: number, toMs: number, limit: number): Promise<Fix[]>;
  /** Zone events of a tag in [fromMs, toMs], oldest first, at most `limit` (the most recent ones). */
  zoneEvents(tag: string, fromMs: number, toMs: number, limit: number): Promise<ZoneEvent[]>;
  /** The last fix of every tag, to rebuild live state on restart. */
  lastFixes(): Promise<Fix[]>;
  stats(): HistoryStoreStats;
  /** Flushes, then releases the store. */
  close(): Promise<void>;
}

export interface HistoryStoreStats {
  kind: 'sqlite' | 'influxdb';
  fixesWritten: number;
  zoneEventsWritten: number;
  /** Fixes and zone events buffered, not yet written. */
  pending: number;
  /** Flushes that failed (the batch is kept and retried on the next flush). */
  writeErrors: number;
}
