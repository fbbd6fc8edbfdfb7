import type { Fix, ZoneEvent } from '@rtls/protocol';

/**
 * Fix and zone-event history (DESIGN.md §6, issue #5). Two implementations behind this one interface — the embedded
 * SQLite store (default) and InfluxDB — checked by one contract test suite (locator/test/store/history-contract.ts),
 * so callers never assume either (hence the async reads).
 *
 * The stores answer raw questions only (a tag's fixes, events in a range, fixes on a floor); the composed answers —
 * visits, dwell per day, contacts — are pure functions over those (history-queries.ts), so both stores give the same
 * answers by construction and the composition is tested once.
 *
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
   * (a trail shows where the tag went last). With `resolutionMs` > 0, only the last fix of each bucket
   * [k·resolutionMs, (k+1)·resolutionMs) is kept (buckets aligned to the epoch, so pages and stores agree).
   */
  trail(tag: string, fromMs: number, toMs: number, limit: number, resolutionMs?: number): Promise<Fix[]>;
  /** The tag's last fix at or before t, if it is not older than t − maxAgeMs; else null. */
  positionAt(tag: string, t: number, maxAgeMs: number): Promise<Fix | null>;
  /** Zone events of a tag in [fromMs, toMs], oldest first, at most `limit` (the most recent ones). */
  zoneEvents(tag: string, fromMs: number, toMs: number, limit: number): Promise<ZoneEvent[]>;
  /**
   * Zone events in [fromMs, toMs] for the selected tags or zone, oldest first (ties: enter before exit), at most
   * `limit` (the oldest ones — callers page forward); and `before`: for every (tag, zone) pair of the selection, its
   * last event before fromMs, when that was an 'enter' (the tag was inside when the range began).
   */
  zoneEventsBetween(selection: EventSelection, fromMs: number, toMs: number, limit: number): Promise<{ before: ZoneEvent[]; events: ZoneEvent[] }>;
  /**
   * Fixes of every tag on `floor` with fromMs <= t <= toMs, reduced per tag to the last fix of each `binMs` bucket
   * (aligned to the epoch), ordered by (t, tag). For contact tracing; `box` (floor metres) limits them to an area.
   */
  floorFixes(floor: string, fromMs: number, toMs: number, binMs: number, box?: Box): Promise<Fix[]>;
  /** The last fix of every tag, to rebuild live state on restart. */
  lastFixes(): Promise<Fix[]>;
  stats(): HistoryStoreStats;
  /** Flushes, then releases the store. */
  close(): Promise<void>;
}

/** Which zone events: one tag's, several tags' (an asset class), or one zone's (room or geofence). */
export type EventSelection = { tag: string } | { tags: readonly string[] } | { zone: string };

export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
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
