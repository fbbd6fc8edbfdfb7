/**
 * Embedded SQLite history store (DESIGN.md §6, issue #5), RTLS_DATA_DIR/history.db, WAL, synchronous=NORMAL.
 *
 * Layout, chosen for write rate. One row per fix with a (tag, time) index ran at 37k rows/s (issue #5): every insert
 * touches a random index page, and a WAL commit writes each touched page whole. Chunks (one row per tag per flush,
 * indexed by (tag_key, t0)) fixed that for a few fixes per tag per flush (195k fixes/s at 2,000 tags), but at 10,000
 * tags flushed every 500 ms a chunk holds one fix, each still touching its own index page: measured here 62k fixes/s
 * after 600k fixes falling to 37k after 3M, at ~320 bytes per fix. So writes now go in two steps:
 *   1. flush(): the pending fixes are appended to `fix_log` — rows in write order, up to LOG_ROW_FIXES fixes of all
 *      tags each, no secondary index: sequential pages only. This is what makes a flush durable. Flushed fixes are
 *      also held in memory (the tail) per tag.
 *   2. compaction, a little on every flush (#compact): the oldest tails, until the tail is back under
 *      `compactFixes`, are written as per-tag chunks to `fix_chunks` — one floor each, split at epoch-minute
 *      boundaries, with their bounding box and the last fix of each 10 s bin (SUMMARY_BIN_MS) — together with the
 *      tag's last fix and the log row it is compacted to; the log is trimmed behind the oldest tail still held.
 *      A restart replays the log rows after that into the tail, skipping what each tag had compacted.
 * Measured (bench/README.md §4, `npm run bench -- --only history`): 197k fixes/s at 10,000 tags flushed every
 * 500 ms, flushes 23 ms p50 / 69 ms p99, ~190 bytes per fix on disk.
 * Reads see chunks plus the tail. A chunk never spans more than MAX_CHUNK_SPAN_MS, so a trail query bounds its index
 * range. floorFixes (contact tracing) reads one floor's chunks in a time range through a (floor, t0, t1, bbox)
 * index, so other floors and chunks outside its box are never read; binned reads take whole chunks from their bin
 * summary and parse only the fixes they keep.
 * The log doubles as the InfluxDB forwarder's durable outbox (`outbox: true`): it is then trimmed only behind the
 * committed outbox cursor, within a disk budget; what retention or the budget removes before forwarding is counted.
 * Retention prunes whole chunks per tag; with downsampling on, a downsampled copy (last fix per tag per
 * `downsampleMs`) goes to `ds_chunks` first, and trail() answers ranges older than the raw window from it.
 * Fixes are stored as compact JSON arrays (no keys; the floor once per chunk). Rows of the earlier layout (keyed
 * objects, no floor) are still read by every query; they age out with retention.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Evidence, Fix, FixMethod, ZoneEvent } from '@rtls/protocol';
import type { Box, EventSelection, HistoryStore, HistoryStoreStats } from './history-store.ts';

export const HISTORY_DB_FILE = 'history.db';
/** Longest time range one chunk row may cover, ms (bounds trail queries' index scan). Chunks are split at epoch multiples of it. */
export const MAX_CHUNK_SPAN_MS = 60_000;
/** Most fixes in one chunk row. */
const MAX_CHUNK_FIXES = 512;
/** Most fixes in one log row: the outbox reads whole rows, so this bounds the parse behind one small outbox read. */
const LOG_ROW_FIXES = 2048;
/** A downsampled chunk covers at most this many downsample buckets (epoch-aligned), so 1 h at one fix a minute. */
const DS_CHUNK_BUCKETS = 60;
const DS_CHUNK_MAX_FIXES = 512;
/** Retention work per slice (chunk rows read): the timer-driven prune yields to the event loop between slices. */
const PRUNE_SLICE_ROWS = 2000;
/**
 * Chunk rows in the compact encoding: bodies one per line (JSON never contains a raw newline), so a reader can take
 * a fix's t, x and y from the start of its line and parse only the fixes it keeps (the last per bin). NULL = the
 * earlier layout's JSON array of keyed objects.
 */
const FMT_LINES = 1;
/**
 * Each chunk row also carries `lasts`: the last fix of every epoch-aligned bin of this width in the chunk. A binned
 * read (floorFixes, a trail with a resolution) of a multiple of it takes a chunk that lies inside the range (and the
 * box) from there: ~1–2 fixes instead of ~10 at 10,000 tags, so ~5× fewer bytes out of SQLite and nothing to skip.
 * 10 s is the contact query's default bin; ~15 % more bytes written.
 */
const SUMMARY_BIN_MS = 10_000;

export interface SqliteHistoryStoreOptions {
  /** Write-behind interval, ms (RTLS_STORE_FLUSH_MS); 0 = no timer (the caller flushes). */
  flushMs?: number;
  /** Pending items above which append flushes at once, bounding memory between timer flushes. */
  flushAtPending?: number;
  /** Pending items kept while writes fail (disk full); older ones are dropped and counted beyond it. */
  maxPending?: number;
  onError?: (err: Error) => void;
  /**
   * Raw fixes and zone events older than this are deleted, ms; 0 keeps everything. Measured: ~600 bytes per stored
   * fix in the earlier layout, so the demo's 400 tags (~325 fixes/s) wrote ~17 GB a day — without a bound a demo left
   * running fills the disk. With downsampling on, raw chunks go in whole downsampled-chunk spans (1 h by default),
   * so raw fixes are kept between retentionMs and retentionMs + that span; zone events (small) are kept as long as
   * the downsampled trails.
   */
  retentionMs?: number;
  /** How often old rows are pruned, ms. */
  pruneIntervalMs?: number;
  /** Time source for the retention cut-off (epoch ms). */
  clock?: () => number;
  /** Width of a downsampling bucket, ms: one fix (the last) per tag per bucket outlives raw retention. Default 60,000. */
  downsampleMs?: number;
  /** How long downsampled fixes are kept, ms; 0 = no downsampled copy. Default 30 days. Only with retentionMs > 0. */
  downsampleRetentionMs?: number;
  /**
   * Flushed fixes held in memory (and in the log) before the oldest are compacted into per-tag chunks. Default
   * 100,000 (~25 MB): at 10,000 tags at 1 fix/s that makes chunks of ~10 fixes. 0 = compact on every flush.
   */
  compactFixes?: number;
  /** Keep the write log until commitOutbox() passes it: the durable outbox of the InfluxDB forwarder. Default off. */
  outbox?: boolean;
  /** Disk budget of the outbox backlog, bytes of encoded fixes; beyond it the oldest are dropped and counted. Default 2 GiB. */
  outboxMaxBytes?: number;
}

export interface SqliteHistoryStoreStats extends HistoryStoreStats {
  /** Items dropped because writes kept failing and the buffer hit maxPending. */
  droppedOnOverflow: number;
  /** Raw fix chunks and zone events deleted by retention. */
  pruned: number;
  /** Downsampled fixes written (copies kept when raw chunks were pruned). */
  downsampled: number;
  /** Flushed fixes in memory awaiting compaction into chunks (they are in the log already). */
  tail: number;
  /** Fixes and zone events removed (by retention or the outbox budget) before they were forwarded; persisted. */
  outboxLost: number;
}

/** Position in the outbox: fixes of log rows before `fixRow` and the first `fixIndex` of row `fixRow`, events up to `eventRow`, are done. */
export interface OutboxCursor {
  fixRow: number;
  fixIndex: number;
  eventRow: number;
}

export interface OutboxBatch {
  fixes: Fix[];
  events: ZoneEvent[];
  /** Commit this once the batch is accepted downstream. */
  cursor: OutboxCursor;
}

/** Compact fix, without tag and floor: [t, x, y, accuracyM, confidence, room, zones, method, [gw, rssi, n, …]]. */
type Body = [number, number, number, number, number, string | null, string[], FixMethod, (string | number)[]];
/** Log entry: [tag key, floor, body]. */
type LogEntry = [number, string, Body];
/** A flushed fix awaiting compaction: what compaction needs without decoding, plus its encoded body. */
interface TailEntry {
  t: number;
  floor: string;
  x: number;
  y: number;
  body: string;
  /** The log row holding it. */
  row: number;
}
interface ChunkRow {
  rowid: number;
  tag_key: number;
  t0: number;
  t1: number;
  fmt: number | null;
  floor: string | null;
  /** NULL when the query left it out (read by rowid if needed). */
  fixes: string | null;
  lasts: string | null;
  min_x?: number | null;
  min_y?: number | null;
  max_x?: number | null;
  max_y?: number | null;
}
type FullChunkRow = ChunkRow & { fixes: string };
type ChunkInsert = Database.Statement<[number, number, number, number, string, string, number, number, number, number, number, string]>;
type ChunkSelect = Database.Statement<[number, number, number, number], ChunkRow>;
/** Fixes sorted by t, unique t; `prio` orders overlapping runs (a later write wins on equal t). */
interface Run {
  prio: number;
  fixes: Fix[];
}

const TABLES = `
CREATE TABLE IF NOT EXISTS tag_keys (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
-- AUTOINCREMENT: rowids must never be reused once the log is trimmed empty, or rows written next would sort
-- before compacted_log and the outbox cursor (and be skipped by the restart replay and the forwarder).
CREATE TABLE IF NOT EXISTS fix_log (
  id    INTEGER PRIMARY KEY AUTOINCREMENT,
  n     INTEGER NOT NULL,  -- fixes in the row
  t1    INTEGER NOT NULL,  -- newest fix time in the row
  bytes INTEGER NOT NULL,  -- length of fixes
  fixes TEXT NOT NULL      -- JSON array of [tag key, floor, body]
);
CREATE TABLE IF NOT EXISTS fix_chunks (
  tag_key INTEGER NOT NULL,
  t0      INTEGER NOT NULL,  -- first fix time in the chunk, epoch ms
  t1      INTEGER NOT NULL,  -- last fix time in the chunk, epoch ms
  n       INTEGER NOT NULL,
  fixes   TEXT NOT NULL,     -- JSON array, oldest first: bodies (fmt 1) or fixes without their tag (fmt NULL)
  floor   TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL, fmt INTEGER,
  lasts   TEXT               -- fmt 1: the last fix of each SUMMARY_BIN_MS bin, as in fixes
);
CREATE TABLE IF NOT EXISTS ds_chunks (
  tag_key INTEGER NOT NULL, t0 INTEGER NOT NULL, t1 INTEGER NOT NULL, n INTEGER NOT NULL, fixes TEXT NOT NULL,
  floor TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL, fmt INTEGER, lasts TEXT
);
CREATE TABLE IF NOT EXISTS last_fix (tag_key INTEGER PRIMARY KEY, t INTEGER NOT NULL, fix TEXT NOT NULL, log_row INTEGER);
-- last_fix_rowid: the fix_chunks rowid up to which last_fix is complete (earlier layout; later chunks are replayed);
-- compacted_log: the fix_log rowid up to which the log is in chunks; outbox_*: the forwarder's committed cursor.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS zone_events (tag_key INTEGER NOT NULL, t INTEGER NOT NULL, event TEXT NOT NULL, zone TEXT, kind TEXT);
`;
const INDEXES = `
CREATE INDEX IF NOT EXISTS fix_chunks_tag_t0 ON fix_chunks (tag_key, t0);
-- Covering the box test, so a floor query rejects chunks outside its box from the index alone (2.3× faster for a
-- 20 × 20 m box than a (floor, t0) index, which had to read every chunk row of the floor in the range).
CREATE INDEX IF NOT EXISTS fix_chunks_floor ON fix_chunks (floor, t0, t1, min_x, max_x, min_y, max_y);
CREATE INDEX IF NOT EXISTS ds_chunks_tag_t0 ON ds_chunks (tag_key, t0);
CREATE INDEX IF NOT EXISTS ds_chunks_floor ON ds_chunks (floor, t0, t1, min_x, max_x, min_y, max_y);
CREATE INDEX IF NOT EXISTS zone_events_tag_t ON zone_events (tag_key, t);
CREATE INDEX IF NOT EXISTS zone_events_zone_t ON zone_events (zone, t);
`;

export class SqliteHistoryStore implements HistoryStore {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  readonly #db: Database.Database;
  readonly #tagKeys = new Map<string, number>();
  readonly #keyTags = new Map<number, string>();
  #fixes: Fix[] = [];
  #events: ZoneEvent[] = [];
  /**
   * Flushed fixes per tag key not yet compacted, in flush order. The map's order is that of each tag's first entry
   * (a compacted tag leaves it and re-enters at the end), so its front holds the oldest tails and the lowest log rows.
   */
  #tail = new Map<number, TailEntry[]>();
  #tailCount = 0;
  #tailMaxT = -Infinity;
  /** The newest log rowid whose fixes are in the tail (or compacted). */
  #tailLogRow = 0;
  #fixesWritten = 0;
  #zoneEventsWritten = 0;
  #writeErrors = 0;
  #dropped = 0;
  #pruned = 0;
  #downsampled = 0;
  #outboxLost: number;
  #cursor: OutboxCursor | null;
  /**
   * Zone events get explicit rowids from this counter: SQLite would reuse rowids once retention empties the table
   * (it predates this store's AUTOINCREMENT log), and the outbox cursor needs them to only grow.
   */
  #nextEventRow: number;
  #timer: NodeJS.Timeout | null = null;
  #pruneTimer: NodeJS.Timeout | null = null;
  #pruneStep: NodeJS.Timeout | null = null;
  /** The raw cut-off the last complete prune reached: per-tag pruning is skipped until it moves. */
  #prunedRawCut = -Infinity;
  /** Compactions that wrote fixes older than #prunedRawCut (a prune running in slices then must not skip them). */
  #lateWrites = 0;
  readonly #retentionMs: number;
  readonly #dsMs: number;
  readonly #dsRetentionMs: number;
  readonly #compactFixes: number;
  readonly #outbox: boolean;
  readonly #outboxMaxBytes: number;
  readonly #clock: () => number;
  readonly #flushAtPending: number;
  readonly #maxPending: number;
  readonly #onError: (err: Error) => void;
  readonly #q;
  readonly #flushTx: (fixes: readonly Fix[], events: readonly ZoneEvent[]) => { entries: [number, TailEntry][]; lastRow: number };
  readonly #compactTx: (due: readonly number[], compactedLog: number) => void;

  constructor(dataDir: string, opts: SqliteHistoryStoreOptions = {}) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.path = path.join(dataDir, HISTORY_DB_FILE);
    this.#flushAtPending = opts.flushAtPending ?? 100_000;
    this.#maxPending = opts.maxPending ?? 1_000_000;
    this.#onError = opts.onError ?? (() => {});
    this.#retentionMs = opts.retentionMs ?? 0;
    this.#dsMs = opts.downsampleMs ?? 60_000;
    this.#dsRetentionMs = this.#retentionMs > 0 && this.#dsMs > 0 ? (opts.downsampleRetentionMs ?? 30 * 86_400_000) : 0;
    this.#compactFixes = Math.max(0, opts.compactFixes ?? 100_000);
    this.#outbox = opts.outbox ?? false;
    this.#outboxMaxBytes = opts.outboxMaxBytes ?? 2 * 2 ** 30;
    this.#clock = opts.clock ?? Date.now;
    const db = new Database(this.path);
    this.#db = db;
    // A chunk row is ~2 KB at 10,000 tags, so 4 KB pages held one each, half empty: 8 KB pages made the file 20 %
    // smaller (measured over 3M fixes). Only takes effect on a new file.
    db.pragma('page_size = 8192');
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut may lose the last transactions but never corrupts the file.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(TABLES);
    migrate(db);
    db.exec(INDEXES);
    this.#loadKeys();

    this.#q = {
      insertKey: db.prepare<[string]>('INSERT INTO tag_keys (id) VALUES (?)'),
      insertLog: db.prepare<[number, number, number, string]>('INSERT INTO fix_log (n, t1, bytes, fixes) VALUES (?, ?, ?, ?)'),
      insertChunk: db.prepare<[number, number, number, number, string, string, number, number, number, number, number, string]>(
        'INSERT INTO fix_chunks (tag_key, t0, t1, n, fixes, floor, min_x, min_y, max_x, max_y, fmt, lasts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      insertDs: db.prepare<[number, number, number, number, string, string, number, number, number, number, number, string]>(
        'INSERT INTO ds_chunks (tag_key, t0, t1, n, fixes, floor, min_x, min_y, max_x, max_y, fmt, lasts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      // The newest fix wins; log_row (the log row up to which the tag's fixes are in chunks) only grows.
      upsertLast: db.prepare<[number, number, string, number]>(`INSERT INTO last_fix (tag_key, t, fix, log_row) VALUES (?, ?, ?, ?)
        ON CONFLICT(tag_key) DO UPDATE SET t = CASE WHEN excluded.t >= t THEN excluded.t ELSE t END,
        fix = CASE WHEN excluded.t >= t THEN excluded.fix ELSE fix END, log_row = max(coalesce(log_row, 0), excluded.log_row)`),
      compactedRows: db.prepare<[], { key: number; row: number }>('SELECT tag_key AS key, log_row AS row FROM last_fix WHERE log_row IS NOT NULL'),
      insertEvent: db.prepare<[number, number, number, string, string, string]>('INSERT INTO zone_events (rowid, tag_key, t, event, zone, kind) VALUES (?, ?, ?, ?, ?, ?)'),
      // Chunk selections: `…Full` with the fixes, the others with the bin summary only (fixes read by rowid if needed).
      trailFull: db.prepare<[number, number, number, number], ChunkRow>(`SELECT rowid, tag_key, t0, t1, fmt, floor, fixes, NULL AS lasts
        FROM fix_chunks WHERE tag_key = ? AND t0 >= ? AND t0 <= ? AND t1 >= ? ORDER BY t0 DESC`),
      trailLasts: db.prepare<[number, number, number, number], ChunkRow>(`SELECT rowid, tag_key, t0, t1, fmt, floor, NULL AS fixes, lasts
        FROM fix_chunks WHERE tag_key = ? AND t0 >= ? AND t0 <= ? AND t1 >= ? ORDER BY t0 DESC`),
      dsTrailFull: db.prepare<[number, number, number, number], ChunkRow>(`SELECT rowid, tag_key, t0, t1, fmt, floor, fixes, NULL AS lasts
        FROM ds_chunks WHERE tag_key = ? AND t0 >= ? AND t0 <= ? AND t1 >= ? ORDER BY t0 DESC`),
      dsTrailLasts: db.prepare<[number, number, number, number], ChunkRow>(`SELECT rowid, tag_key, t0, t1, fmt, floor, NULL AS fixes, lasts
        FROM ds_chunks WHERE tag_key = ? AND t0 >= ? AND t0 <= ? AND t1 >= ? ORDER BY t0 DESC`),
      floorChunks: db.prepare<[string, number, number, number, number, number, number, number], ChunkRow>(`SELECT rowid, tag_key, t0, t1, fmt, floor,
        NULL AS fixes, lasts, min_x, min_y, max_x, max_y FROM fix_chunks
        WHERE floor = ? AND t0 >= ? AND t0 <= ? AND t1 >= ? AND max_x >= ? AND min_x <= ? AND max_y >= ? AND min_y <= ? ORDER BY t0 DESC`),
      floorDs: db.prepare<[string, number, number, number, number, number, number, number], ChunkRow>(`SELECT rowid, tag_key, t0, t1, fmt, floor,
        NULL AS fixes, lasts, min_x, min_y, max_x, max_y FROM ds_chunks
        WHERE floor = ? AND t0 >= ? AND t0 <= ? AND t1 >= ? AND max_x >= ? AND min_x <= ? AND max_y >= ? AND min_y <= ? ORDER BY t0 DESC`),
      // Rows of the earlier layout carry no floor (NULL sorts first in the floor index, so this is an index range too).
      floorUnknown: db.prepare<[number, number, number], ChunkRow>(`SELECT rowid, tag_key, t0, t1, fmt, floor, fixes, NULL AS lasts FROM fix_chunks
        WHERE floor IS NULL AND t0 >= ? AND t0 <= ? AND t1 >= ? ORDER BY t0 DESC`),
      chunkFixes: db.prepare<[number], { fixes: string }>('SELECT fixes FROM fix_chunks WHERE rowid = ?'),
      dsFixes: db.prepare<[number], { fixes: string }>('SELECT fixes FROM ds_chunks WHERE rowid = ?'),
      expiredChunks: db.prepare<[number, number], FullChunkRow>(`SELECT rowid, tag_key, t0, t1, fmt, floor, fixes, NULL AS lasts FROM fix_chunks
        WHERE tag_key = ? AND t0 < ? ORDER BY t0`),
      deleteChunk: db.prepare<[number]>('DELETE FROM fix_chunks WHERE rowid = ?'),
      dsPrefix: db.prepare<[number, number], { rowid: number; t0: number; t1: number }>('SELECT rowid, t0, t1 FROM ds_chunks WHERE rowid > ? ORDER BY rowid LIMIT ?'),
      deleteDs: db.prepare<[number]>('DELETE FROM ds_chunks WHERE rowid = ?'),
      eventPrefix: db.prepare<[number, number], { rowid: number; t: number }>('SELECT rowid, t FROM zone_events WHERE rowid > ? ORDER BY rowid LIMIT ?'),
      deleteEvent: db.prepare<[number]>('DELETE FROM zone_events WHERE rowid = ?'),
      logPrefix: db.prepare<[number, number, number], { rowid: number; n: number; t1: number }>(
        'SELECT id AS rowid, n, t1 FROM fix_log WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?'),
      deleteLog: db.prepare<[number]>('DELETE FROM fix_log WHERE rowid = ?'),
      logSizes: db.prepare<[number, number], { rowid: number; n: number; bytes: number }>(
        'SELECT id AS rowid, n, bytes FROM fix_log WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT 256'),
      trimLog: db.prepare<[number]>('DELETE FROM fix_log WHERE rowid <= ?'),
      logAfter: db.prepare<[number], { rowid: number; n: number; fixes: string }>('SELECT id AS rowid, n, fixes FROM fix_log WHERE rowid > ? ORDER BY rowid'),
      outboxLog: db.prepare<[number], { rowid: number; n: number; fixes: string }>('SELECT id AS rowid, n, fixes FROM fix_log WHERE rowid >= ? ORDER BY rowid'),
      logBytesFrom: db.prepare<[number], { b: number | null }>('SELECT sum(bytes) AS b FROM fix_log WHERE rowid >= ?'),
      logFixesFrom: db.prepare<[number], { n: number | null }>('SELECT sum(n) AS n FROM fix_log WHERE rowid >= ?'),
      logRowN: db.prepare<[number], { n: number }>('SELECT n FROM fix_log WHERE rowid = ?'),
      outboxEvents: db.prepare<[number, number], { rowid: number; event: string }>('SELECT rowid, event FROM zone_events WHERE rowid > ? ORDER BY rowid LIMIT ?'),
      eventsAfter: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM zone_events WHERE rowid > ?'),
      maxEventRow: db.prepare<[], { m: number | null }>('SELECT max(rowid) AS m FROM zone_events'),
      events: db.prepare<[number, number, number, number], { event: string }>(
        'SELECT event FROM zone_events WHERE tag_key = ? AND t >= ? AND t <= ? ORDER BY t DESC, rowid DESC LIMIT ?'),
      eventsOfTag: db.prepare<[number, number, number, number], { event: string }>(
        'SELECT event FROM zone_events WHERE tag_key = ? AND t >= ? AND t <= ? ORDER BY t, kind, rowid LIMIT ?'),
      eventsOfTags: db.prepare<[string, number, number, number], { event: string }>(`SELECT event FROM zone_events
        WHERE tag_key IN (SELECT value FROM json_each(?)) AND t >= ? AND t <= ? ORDER BY t, kind, rowid LIMIT ?`),
      eventsOfZone: db.prepare<[string, number, number, number], { event: string }>(
        'SELECT event FROM zone_events WHERE zone = ? AND t >= ? AND t <= ? ORDER BY t, kind, rowid LIMIT ?'),
      // The last event before the range per (tag, zone); callers keep the 'enter's. Ties at one t: exit is the later.
      beforeOfTag: db.prepare<[number, number], { event: string; kind: string }>(`SELECT event, kind FROM (SELECT event, kind,
        row_number() OVER (PARTITION BY zone ORDER BY t DESC, kind DESC, rowid DESC) AS rn FROM zone_events WHERE tag_key = ? AND t < ?) WHERE rn = 1`),
      beforeOfTags: db.prepare<[string, number], { event: string; kind: string }>(`SELECT event, kind FROM (SELECT event, kind,
        row_number() OVER (PARTITION BY tag_key, zone ORDER BY t DESC, kind DESC, rowid DESC) AS rn FROM zone_events
        WHERE tag_key IN (SELECT value FROM json_each(?)) AND t < ?) WHERE rn = 1`),
      beforeOfZone: db.prepare<[string, number], { event: string; kind: string }>(`SELECT event, kind FROM (SELECT event, kind,
        row_number() OVER (PARTITION BY tag_key ORDER BY t DESC, kind DESC, rowid DESC) AS rn FROM zone_events WHERE zone = ? AND t < ?) WHERE rn = 1`),
      lastFixes: db.prepare<[], { key: number; fix: string }>('SELECT tag_key AS key, fix FROM last_fix'),
      getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare<[string, number]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      maxChunkRowid: db.prepare<[], { m: number | null }>('SELECT max(rowid) AS m FROM fix_chunks'),
      chunksAfter: db.prepare<[number], FullChunkRow>('SELECT rowid, tag_key, t0, t1, fmt, floor, fixes, NULL AS lasts FROM fix_chunks WHERE rowid > ?'),
    };
    this.#flushTx = db.transaction((fixes: readonly Fix[], events: readonly ZoneEvent[]) => this.#writeLog(fixes, events));
    this.#compactTx = db.transaction((due: readonly number[], compactedLog: number) => this.#compactInTx(due, compactedLog));
    this.#outboxLost = this.#meta('outbox_lost') ?? 0;
    const fixRow = this.#meta('outbox_fix_row');
    this.#cursor = fixRow === undefined ? null
      : { fixRow, fixIndex: this.#meta('outbox_fix_index') ?? 0, eventRow: this.#meta('outbox_event_row') ?? 0 };
    this.#nextEventRow = Math.max(this.#q.maxEventRow.get()?.m ?? 0, this.#cursor?.eventRow ?? 0) + 1;
    // A store of the earlier layout may have chunks newer than its last_fix checkpoint: fold them in.
    this.#replayChunksAfterCheckpoint();
    // Fixes flushed after the last compaction are in the log only: back into the tail.
    this.#replayLog();

    if (opts.flushMs && opts.flushMs > 0) {
      this.#timer = setInterval(() => void this.flush(), opts.flushMs);
      this.#timer.unref();
    }
    if (this.#retentionMs > 0) {
      this.#schedulePrune();
      this.#pruneTimer = setInterval(() => this.#schedulePrune(), opts.pruneIntervalMs ?? 10 * 60_000);
      this.#pruneTimer.unref();
    }
  }

  // ── Writing ──────────────────────────────────────────────────────────────────────────────────────────────────────

  appendFixes(fixes: readonly Fix[]): void {
    for (const f of fixes) this.#fixes.push(f);
    this.#afterAppend();
  }

  appendZoneEvents(events: readonly ZoneEvent[]): void {
    for (const e of events) this.#events.push(e);
    this.#afterAppend();
  }

  #afterAppend(): void {
    if (this.#fixes.length + this.#events.length >= this.#flushAtPending) this.#flushSync();
  }

  async flush(): Promise<void> {
    this.#flushSync();
  }

  #flushSync(): void {
    if (!this.#db.open) return;
    if (this.#fixes.length > 0 || this.#events.length > 0) {
      const fixes = this.#fixes;
      const events = this.#events;
      this.#fixes = [];
      this.#events = [];
      try {
        const { entries, lastRow } = this.#flushTx(fixes, events);
        // In-memory bookkeeping only after the commit, so a failed flush leaves it as it was.
        for (const [key, e] of entries) this.#toTail(key, e);
        if (lastRow > this.#tailLogRow) this.#tailLogRow = lastRow;
        this.#fixesWritten += fixes.length;
        this.#zoneEventsWritten += events.length;
      } catch (err) {
        // Keep the batch for the next flush (disk full, locked); bound what is kept so memory cannot run away.
        this.#writeErrors++;
        this.#loadKeys(); // keys inserted by the rolled-back transaction do not exist
        this.#fixes = fixes.concat(this.#fixes);
        this.#events = events.concat(this.#events);
        const over = this.#fixes.length + this.#events.length - this.#maxPending;
        if (over > 0) {
          const fromFixes = Math.min(over, this.#fixes.length);
          this.#fixes.splice(0, fromFixes);
          this.#events.splice(0, over - fromFixes);
          this.#dropped += over;
        }
        this.#onError(err as Error);
        return;
      }
    }
    this.#compact(false);
  }

  #toTail(key: number, e: TailEntry): void {
    const list = this.#tail.get(key);
    if (list) list.push(e);
    else this.#tail.set(key, [e]);
    this.#tailCount++;
    if (e.t > this.#tailMaxT) this.#tailMaxT = e.t;
  }

  #key(tag: string): number {
    let k = this.#tagKeys.get(tag);
    if (k === undefined) {
      k = Number(this.#q.insertKey.run(tag).lastInsertRowid);
      this.#tagKeys.set(tag, k);
      this.#keyTags.set(k, tag);
    }
    return k;
  }

  #loadKeys(): void {
    this.#tagKeys.clear();
    this.#keyTags.clear();
    for (const r of this.#db.prepare<[], { key: number; id: string }>('SELECT key, id FROM tag_keys').all()) {
      this.#tagKeys.set(r.id, r.key);
      this.#keyTags.set(r.key, r.id);
    }
  }

  /** Appends fixes to the log (LOG_ROW_FIXES per row) and events to their table; returns the tail entries. */
  #writeLog(fixes: readonly Fix[], events: readonly ZoneEvent[]): { entries: [number, TailEntry][]; lastRow: number } {
    const entries: [number, TailEntry][] = [];
    let lastRow = 0;
    const floors = new Map<string, string>();
    for (let i = 0; i < fixes.length; i += LOG_ROW_FIXES) {
      const end = Math.min(fixes.length, i + LOG_ROW_FIXES);
      const parts: string[] = [];
      let t1 = -Infinity;
      const first = entries.length;
      for (let j = i; j < end; j++) {
        const f = fixes[j]!;
        const key = this.#key(f.tag);
        const body = encodeBody(f);
        let fl = floors.get(f.floor);
        if (fl === undefined) floors.set(f.floor, (fl = JSON.stringify(f.floor)));
        parts.push(`[${key},${fl},${body}]`);
        entries.push([key, { t: f.t, floor: f.floor, x: f.x, y: f.y, body, row: 0 }]);
        if (f.t > t1) t1 = f.t;
      }
      const text = `[${parts.join(',')}]`;
      lastRow = Number(this.#q.insertLog.run(end - i, t1, text.length, text).lastInsertRowid);
      for (let k = first; k < entries.length; k++) entries[k]![1].row = lastRow;
    }
    for (const e of events) this.#q.insertEvent.run(this.#nextEventRow++, this.#key(e.tag), e.t, JSON.stringify(e), e.zone, e.kind);
    return { entries, lastRow };
  }

  /**
   * Writes tails as chunks (see the header): with `all`, every tail; else the oldest tails until the tail is back
   * under `compactFixes`, and every tail that began MAX_CHUNK_SPAN_MS (of fix time) before the newest fix. Doing a
   * little on every flush instead of all at once keeps each flush short: at 10,000 tags one compaction of the whole
   * tail held the event loop ~300 ms. On failure the tails stay for the next try (they are in the log).
   */
  #compact(all = true): void {
    if (this.#tailCount === 0 || !this.#db.open) return;
    const due: number[] = [];
    let freed = 0;
    const over = this.#tailCount - this.#compactFixes;
    const spanEdge = this.#tailMaxT - MAX_CHUNK_SPAN_MS;
    let nextRow = this.#tailLogRow + 1;
    for (const [key, list] of this.#tail) {
      if (!all && freed >= over && list[0]!.t > spanEdge) {
        nextRow = list[0]!.row;
        break;
      }
      due.push(key);
      freed += list.length;
    }
    if (due.length === 0) return;
    try {
      this.#compactTx(due, nextRow - 1);
      for (const key of due) this.#tail.delete(key);
      this.#tailCount -= freed;
      if (this.#tailCount === 0) this.#tailMaxT = -Infinity;
    } catch (err) {
      this.#writeErrors++;
      this.#onError(err as Error);
    }
  }

  /** `compactedLog`: the log row up to which every fix is in chunks once `due` are. */
  #compactInTx(due: readonly number[], compactedLog: number): void {
    for (const key of due) {
      const list = this.#tail.get(key)!;
      const sorted = dedupeByT(list.slice().sort((a, b) => a.t - b.t));
      // Fixes older than what retention has already reached (a late batch, an import): the next prune must look again.
      if (sorted[0]!.t < this.#prunedRawCut) {
        this.#prunedRawCut = -Infinity;
        this.#lateWrites++;
      }
      let start = 0;
      for (let i = 1; i <= sorted.length; i++) {
        const s = sorted[start]!;
        const e = sorted[i];
        if (e && i - start < MAX_CHUNK_FIXES && e.floor === s.floor && Math.floor(e.t / MAX_CHUNK_SPAN_MS) === Math.floor(s.t / MAX_CHUNK_SPAN_MS)) continue;
        this.#insertChunk(this.#q.insertChunk, key, sorted, start, i);
        start = i;
      }
      const last = sorted[sorted.length - 1]!;
      const lastRow = list[list.length - 1]!.row;
      this.#q.upsertLast.run(key, last.t, JSON.stringify(fromBody(this.#keyTags.get(key)!, last.floor, JSON.parse(last.body) as Body)), lastRow);
    }
    this.#setMeta('compacted_log', Math.max(compactedLog, this.#meta('compacted_log') ?? 0));
    this.#setMeta('last_fix_rowid', this.#q.maxChunkRowid.get()?.m ?? 0);
    this.#trimLog();
  }

  #insertChunk(stmt: ChunkInsert, key: number, entries: readonly TailEntry[], from: number, to: number): void {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    const bodies: string[] = [];
    const lasts: string[] = [];
    for (let k = from; k < to; k++) {
      const e = entries[k]!;
      bodies.push(e.body);
      if (k + 1 === to || Math.floor(entries[k + 1]!.t / SUMMARY_BIN_MS) !== Math.floor(e.t / SUMMARY_BIN_MS)) lasts.push(e.body);
      if (e.x < minX) minX = e.x;
      if (e.x > maxX) maxX = e.x;
      if (e.y < minY) minY = e.y;
      if (e.y > maxY) maxY = e.y;
    }
    stmt.run(key, entries[from]!.t, entries[to - 1]!.t, to - from, bodies.join('\n'), entries[from]!.floor, minX, minY, maxX, maxY, FMT_LINES, lasts.join('\n'));
  }

  /** Deletes log rows no longer needed: compacted, and (with the outbox) forwarded; then holds the outbox to its budget. */
  #trimLog(): void {
    const compacted = this.#meta('compacted_log') ?? 0;
    const cursor = this.#cursor ?? { fixRow: 0, fixIndex: 0, eventRow: 0 };
    this.#q.trimLog.run(this.#outbox ? Math.min(compacted, cursor.fixRow - 1) : compacted);
    if (!this.#outbox) return;
    let backlog = this.#q.logBytesFrom.get(cursor.fixRow)?.b ?? 0;
    if (backlog <= this.#outboxMaxBytes) return;
    // Over budget: drop the oldest unforwarded rows (only compacted ones — the rest is not in chunks yet), counted.
    let after = cursor.fixRow - 1;
    let lost = 0;
    while (backlog > this.#outboxMaxBytes) {
      const rows = this.#q.logSizes.all(after, compacted);
      if (rows.length === 0) break;
      for (const r of rows) {
        if (backlog <= this.#outboxMaxBytes) break;
        lost += r.n - (r.rowid === cursor.fixRow ? Math.min(cursor.fixIndex, r.n) : 0);
        backlog -= r.bytes;
        this.#q.deleteLog.run(r.rowid);
        after = r.rowid;
      }
    }
    if (lost > 0) {
      this.#outboxLost += lost;
      this.#setMeta('outbox_lost', this.#outboxLost);
      this.#setCursor({ ...cursor, fixRow: after + 1, fixIndex: 0 });
    }
  }

  // ── Restart ──────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Log rows after compacted_log back into the tail, except fixes of tags compacted past them (see #compact). */
  #replayLog(): void {
    const from = this.#meta('compacted_log') ?? 0;
    this.#tailLogRow = from;
    const compactedTo = new Map(this.#q.compactedRows.all().map((r) => [r.key, r.row]));
    for (const row of this.#q.logAfter.iterate(from)) {
      for (const [key, floor, body] of JSON.parse(row.fixes) as LogEntry[]) {
        if ((compactedTo.get(key) ?? 0) >= row.rowid) continue;
        this.#toTail(key, { t: body[0], floor, x: body[1], y: body[2], body: JSON.stringify(body), row: row.rowid });
      }
      this.#tailLogRow = row.rowid;
    }
  }

  /** Earlier layout: last_fix was checkpointed every few flushes; chunks after the checkpoint are folded in. */
  #replayChunksAfterCheckpoint(): void {
    const from = this.#meta('last_fix_rowid') ?? 0;
    const lasts = new Map<number, Fix>();
    for (const row of this.#q.chunksAfter.iterate(from)) {
      const tag = this.#keyTags.get(row.tag_key);
      if (tag === undefined) continue;
      const fixes = decodeChunk(tag, row);
      const last = fixes[fixes.length - 1];
      const held = lasts.get(row.tag_key);
      if (last && (!held || last.t >= held.t)) lasts.set(row.tag_key, last);
    }
    this.#db.transaction(() => {
      for (const [key, f] of lasts) this.#q.upsertLast.run(key, f.t, JSON.stringify(f), 0);
      this.#setMeta('last_fix_rowid', this.#q.maxChunkRowid.get()?.m ?? 0);
    })();
  }

  // ── Retention and downsampling ───────────────────────────────────────────────────────────────────────────────────

  /** Raw fixes at or after this time are all present; older ones are answered from the downsampled copy. */
  #rawCutoff(): number {
    if (this.#dsRetentionMs <= 0) return -Infinity;
    const span = this.#dsMs * DS_CHUNK_BUCKETS;
    return Math.floor((this.#clock() - this.#retentionMs) / span) * span;
  }

  /**
   * Deletes raw fix chunks and zone events older than the retention window (keeping a downsampled copy of the fixes
   * when downsampling is on), expired downsampled chunks, and (with the outbox) expired log rows. SQLite reuses the
   * freed pages, so the file stops growing once it holds one window. Returns the raw chunks and events deleted.
   */
  prune(): number {
    const steps = this.pruneSteps();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /** Timer-driven prune: one slice per event-loop turn, so a large backlog does not stall ingest. */
  #schedulePrune(): void {
    if (this.#pruneStep) return;
    const steps = this.pruneSteps();
    const step = () => {
      this.#pruneStep = null;
      if (!this.#db.open) return;
      if (!steps.next().done) {
        this.#pruneStep = setTimeout(step, 0);
        this.#pruneStep.unref();
      }
    };
    step();
  }

  private *pruneSteps(): Generator<void, number> {
    if (this.#retentionMs <= 0 || !this.#db.open) return 0;
    let deleted = 0;
    try {
      this.#flushSync();
      this.#compact(); // so that everything older than the cut-off is in chunks
      const now = this.#clock();
      const ds = this.#dsRetentionMs > 0;
      const rawCut = ds ? this.#rawCutoff() : now - this.#retentionMs;
      if (rawCut > this.#prunedRawCut) {
        const late = this.#lateWrites;
        const keys = [...this.#keyTags.keys()].sort((a, b) => a - b);
        let i = 0;
        while (i < keys.length) {
          let rows = 0;
          this.#db.transaction(() => {
            for (; i < keys.length && rows < PRUNE_SLICE_ROWS; i++) {
              const r = this.#pruneTag(keys[i]!, rawCut, ds);
              rows += r;
              deleted += r;
            }
          })();
          yield;
        }
        if (late === this.#lateWrites) this.#prunedRawCut = rawCut;
      }
      const eventCut = now - Math.max(this.#retentionMs, this.#dsRetentionMs);
      deleted += yield* this.prunePrefix(this.#q.eventPrefix, this.#q.deleteEvent, (r) => r.t < eventCut, (r) => r.t >= eventCut,
        (r) => (this.#outbox && r.rowid > (this.#cursor?.eventRow ?? 0) ? 1 : 0));
      if (ds) {
        const dsCut = now - this.#dsRetentionMs;
        yield* this.prunePrefix(this.#q.dsPrefix, this.#q.deleteDs, (r) => r.t1 < dsCut, (r) => r.t0 >= dsCut, () => 0);
      }
      if (this.#outbox) this.#pruneLog(now - this.#retentionMs);
      this.#pruned += deleted;
    } catch (err) {
      this.#onError(err as Error);
    }
    return deleted;
  }

  /** One tag's expired raw chunks: downsampled copy first (when on), then deleted. Returns the chunks deleted. */
  #pruneTag(key: number, rawCut: number, ds: boolean): number {
    const tag = this.#keyTags.get(key)!;
    const expired = this.#q.expiredChunks.all(key, rawCut).filter((r) => r.t1 < rawCut);
    if (expired.length === 0) return 0;
    if (ds) {
      // Last fix per downsampling bucket, over all expired chunks of the tag (a late chunk may overlap an earlier one).
      const byBucket = new Map<number, Fix>();
      for (const row of expired) {
        for (const f of decodeChunk(tag, row)) {
          const b = Math.floor(f.t / this.#dsMs);
          const held = byBucket.get(b);
          if (!held || f.t >= held.t) byBucket.set(b, f);
        }
      }
      const kept = [...byBucket.values()].sort((a, b) => a.t - b.t);
      const entries: TailEntry[] = kept.map((f) => ({ t: f.t, floor: f.floor, x: f.x, y: f.y, body: encodeBody(f), row: 0 }));
      const span = this.#dsMs * DS_CHUNK_BUCKETS;
      let start = 0;
      for (let i = 1; i <= entries.length; i++) {
        const s = entries[start]!;
        const e = entries[i];
        if (e && i - start < DS_CHUNK_MAX_FIXES && e.floor === s.floor && Math.floor(e.t / span) === Math.floor(s.t / span)) continue;
        this.#insertChunk(this.#q.insertDs, key, entries, start, i);
        start = i;
      }
      this.#downsampled += entries.length;
    }
    for (const row of expired) this.#q.deleteChunk.run(row.rowid);
    return expired.length;
  }

  /**
   * Deletes rows from the start of a table in rowid (write) order while they are expired, stopping at the first row
   * entirely newer than the cut-off (a late row behind it waits for the next pass). Returns the rows deleted.
   */
  private *prunePrefix<R extends { rowid: number }>(
    select: Database.Statement<[number, number], R>, del: Database.Statement<[number]>,
    expired: (r: R) => boolean, newer: (r: R) => boolean, lostIfDeleted: (r: R) => number,
  ): Generator<void, number> {
    let after = 0;
    let deleted = 0;
    for (;;) {
      const rows = select.all(after, PRUNE_SLICE_ROWS);
      if (rows.length === 0) return deleted;
      let stop = false;
      let lost = 0;
      this.#db.transaction(() => {
        for (const r of rows) {
          if (newer(r)) {
            stop = true;
            break;
          }
          after = r.rowid;
          if (!expired(r)) continue;
          lost += lostIfDeleted(r);
          del.run(r.rowid);
          deleted++;
        }
        if (lost > 0) this.#addLost(lost);
      })();
      if (stop) return deleted;
      yield;
    }
  }

  /** Outbox log rows (compacted, so their fixes are in chunks) older than the raw window: deleted, unforwarded ones counted. */
  #pruneLog(cutoff: number): void {
    const compacted = this.#meta('compacted_log') ?? 0;
    const cursor = this.#cursor ?? { fixRow: 0, fixIndex: 0, eventRow: 0 };
    let after = 0;
    let last = -1;
    for (;;) {
      const rows = this.#q.logPrefix.all(after, compacted, PRUNE_SLICE_ROWS);
      if (rows.length === 0) break;
      let stop = false;
      this.#db.transaction(() => {
        let lost = 0;
        for (const r of rows) {
          if (r.t1 >= cutoff) {
            stop = true;
            break;
          }
          after = r.rowid;
          if (r.rowid >= cursor.fixRow) {
            lost += r.n - (r.rowid === cursor.fixRow ? Math.min(cursor.fixIndex, r.n) : 0);
            last = r.rowid;
          }
          this.#q.deleteLog.run(r.rowid);
        }
        if (lost > 0) this.#addLost(lost);
        if (last >= cursor.fixRow) this.#setCursor({ ...cursor, fixRow: last + 1, fixIndex: 0 });
      })();
      if (stop) break;
    }
  }

  #addLost(n: number): void {
    this.#outboxLost += n;
    this.#setMeta('outbox_lost', this.#outboxLost);
  }

  // ── Reading ──────────────────────────────────────────────────────────────────────────────────────────────────────

  async trail(tag: string, fromMs: number, toMs: number, limit: number, resolutionMs = 0): Promise<Fix[]> {
    this.#flushSync();
    const key = this.#tagKeys.get(tag);
    if (key === undefined || limit <= 0 || toMs < fromMs) return [];
    const res = resolutionMs > 0 ? resolutionMs : 0;
    const bucketOf = res > 0 ? (t: number) => Math.floor(t / res) : (t: number) => t;
    const rawCut = this.#rawCutoff();
    let fixes: Fix[] = [];
    if (toMs >= rawCut) {
      fixes = this.#readTag(key, tag, Math.max(fromMs, rawCut), toMs, limit, res, false);
    }
    if (fromMs < rawCut && new Set(fixes.map((f) => bucketOf(f.t))).size < limit) {
      // Older than the raw window: the downsampled copy, plus raw chunks retention has not reached yet, reduced alike.
      const older = this.#readTag(key, tag, fromMs, Math.min(toMs, rawCut - 1), Infinity, this.#dsMs, true);
      fixes = lastPerBucket(older, this.#dsMs).concat(fixes);
    }
    if (res > 0) fixes = lastPerBucket(fixes, res);
    return fixes.length > limit ? fixes.slice(fixes.length - limit) : fixes;
  }

  /**
   * One tag's fixes in [from, to] from the tail and raw chunks (and downsampled chunks when `withDs`), sorted, one per t.
   * Chunks are read newest first and reading stops once `limit` distinct buckets are held that no older chunk can
   * beat; with `skipFilled`, a chunk inside one bucket that already holds a newer fix is not parsed.
   */
  #readTag(key: number, tag: string, from: number, to: number, limit: number, width: number, withDs: boolean): Fix[] {
    const skipFilled = width > 0;
    const bucketOf = skipFilled ? (t: number) => Math.floor(t / width) : (t: number) => t;
    const summary = skipFilled && width % SUMMARY_BIN_MS === 0;
    const runs: Run[] = [];
    const newest = new Map<number, number>(); // bucket → newest t held
    // Until `limit` fixes are held, counting them is enough; from then on the distinct buckets held decide `cutoff`.
    let count = 0;
    const lim: { held: Set<number> | null; cutoff: number } = { held: null, cutoff: -Infinity };
    const note = (fixes: readonly Fix[]) => {
      if (skipFilled) {
        for (const f of fixes) {
          const b = bucketOf(f.t);
          if ((newest.get(b) ?? -Infinity) < f.t) newest.set(b, f.t);
        }
      }
      count += fixes.length;
      if (count < limit) return;
      if (lim.held) for (const f of fixes) lim.held.add(bucketOf(f.t));
      else lim.held = new Set(runs.flatMap((r) => r.fixes.map((f) => bucketOf(f.t))));
      if (lim.held.size >= limit) {
        const ks = [...lim.held].sort((a, b) => b - a).slice(0, limit);
        lim.cutoff = ks[limit - 1]!;
        lim.held = new Set(ks);
      }
    };
    const tail = this.#tail.get(key);
    if (tail) {
      const fixes = dedupeByT(tail.filter((e) => e.t >= from && e.t <= to).sort((a, b) => a.t - b.t))
        .map((e) => fromBody(tag, e.floor, JSON.parse(e.body) as Body));
      if (fixes.length) runs.push({ prio: Infinity, fixes });
      note(fixes);
    }
    const sources: [ChunkSelect, number, number, boolean][] = [[summary ? this.#q.trailLasts : this.#q.trailFull, MAX_CHUNK_SPAN_MS, 0, false]];
    if (withDs) sources.push([summary ? this.#q.dsTrailLasts : this.#q.dsTrailFull, this.#dsMs * DS_CHUNK_BUCKETS, -1e15, true]);
    for (const [stmt, span, prioBase, ds] of sources) {
      for (const row of stmt.iterate(key, from - span, to, from)) {
        if (lim.held && lim.held.size >= limit && bucketOf(row.t0 + span) < lim.cutoff) break;
        let fixes: Fix[] = [];
        if (skipFilled) {
          const b = bucketOf(row.t0);
          if (b === bucketOf(row.t1) && (newest.get(b) ?? -Infinity) >= row.t1) continue;
          const v = new ChunkView(tag, row, this.#chunkText(row, ds, summary && row.t0 >= from && row.t1 <= to));
          // Newest first: the first fix met in a bucket is its last; older ones in it are not parsed.
          for (let i = v.n - 1; i >= 0; i--) {
            v.peek(i);
            if (v.t < from || v.t > to) continue;
            const k = bucketOf(v.t);
            if ((newest.get(k) ?? -Infinity) > v.t) continue;
            newest.set(k, v.t);
            fixes.push(v.fix(i));
          }
          fixes.reverse();
        } else {
          const v = new ChunkView(tag, row, this.#chunkText(row, ds, false));
          if (row.t0 >= from && row.t1 <= to) {
            fixes = v.all();
          } else {
            for (let i = 0; i < v.n; i++) {
              v.peek(i);
              if (v.t >= from && v.t <= to) fixes.push(v.fix(i));
            }
          }
        }
        if (fixes.length === 0) continue;
        runs.push({ prio: prioBase + row.rowid, fixes });
        note(fixes);
      }
    }
    return mergeRuns(runs);
  }

  /** A chunk's encoded fixes: its bin summary when `summary` and it has one, else all of them (read now if not selected). */
  #chunkText(row: ChunkRow, ds: boolean, summary: boolean): string {
    if (summary && row.lasts !== null) return row.lasts;
    return row.fixes ?? (ds ? this.#q.dsFixes : this.#q.chunkFixes).get(row.rowid)!.fixes;
  }

  async positionAt(tag: string, t: number, maxAgeMs: number): Promise<Fix | null> {
    const [fix] = await this.trail(tag, t - Math.max(0, maxAgeMs), t, 1);
    return fix ?? null;
  }

  async zoneEvents(tag: string, fromMs: number, toMs: number, limit: number): Promise<ZoneEvent[]> {
    this.#flushSync();
    const key = this.#tagKeys.get(tag);
    if (key === undefined || limit <= 0) return [];
    return this.#q.events.all(key, fromMs, toMs, limit).map((r) => JSON.parse(r.event) as ZoneEvent).reverse();
  }

  async zoneEventsBetween(selection: EventSelection, fromMs: number, toMs: number, limit: number): Promise<{ before: ZoneEvent[]; events: ZoneEvent[] }> {
    this.#flushSync();
    const none = { before: [], events: [] };
    if (toMs < fromMs) return none;
    let rows: { event: string }[];
    let before: { event: string; kind: string }[];
    if ('zone' in selection) {
      rows = limit > 0 ? this.#q.eventsOfZone.all(selection.zone, fromMs, toMs, limit) : [];
      before = this.#q.beforeOfZone.all(selection.zone, fromMs);
    } else if ('tag' in selection) {
      const key = this.#tagKeys.get(selection.tag);
      if (key === undefined) return none;
      rows = limit > 0 ? this.#q.eventsOfTag.all(key, fromMs, toMs, limit) : [];
      before = this.#q.beforeOfTag.all(key, fromMs);
    } else {
      const keys = selection.tags.map((t) => this.#tagKeys.get(t)).filter((k): k is number => k !== undefined);
      if (keys.length === 0) return none;
      const list = JSON.stringify(keys);
      rows = limit > 0 ? this.#q.eventsOfTags.all(list, fromMs, toMs, limit) : [];
      before = this.#q.beforeOfTags.all(list, fromMs);
    }
    return {
      before: before.filter((r) => r.kind === 'enter').map((r) => JSON.parse(r.event) as ZoneEvent)
        .sort((a, b) => a.t - b.t || cmp(a.tag, b.tag) || cmp(a.zone, b.zone)),
      events: rows.map((r) => JSON.parse(r.event) as ZoneEvent),
    };
  }

  async floorFixes(floor: string, fromMs: number, toMs: number, binMs: number, box?: Box): Promise<Fix[]> {
    this.#flushSync();
    if (toMs < fromMs || !(binMs > 0)) return [];
    const b = box ?? { minX: -Number.MAX_VALUE, minY: -Number.MAX_VALUE, maxX: Number.MAX_VALUE, maxY: Number.MAX_VALUE };
    const binOf = (t: number) => Math.floor(t / binMs);
    // Per tag key: bin → [fix, priority of the row it came from]; the newest t wins, then the later write.
    const bins = new Map<number, Map<number, [Fix, number]>>();
    /** Whether a fix at (t, x, y) on `fl` would be kept; the caller then parses it and calls keep(). */
    const wanted = (m: Map<number, [Fix, number]>, t: number, fl: string, x: number, y: number, prio: number) => {
      if (t < fromMs || t > toMs || fl !== floor || x < b.minX || x > b.maxX || y < b.minY || y > b.maxY) return false;
      const held = m.get(binOf(t));
      return !held || t > held[0].t || (t === held[0].t && prio >= held[1]);
    };
    const binsOf = (key: number) => {
      let m = bins.get(key);
      if (!m) bins.set(key, (m = new Map()));
      return m;
    };
    const summary = binMs % SUMMARY_BIN_MS === 0;
    const readRows = (rows: Iterable<ChunkRow>, prioBase: number, ds: boolean) => {
      for (const row of rows) {
        const tag = this.#keyTags.get(row.tag_key);
        if (tag === undefined) continue;
        const m = binsOf(row.tag_key);
        const bin = binOf(row.t0);
        if (bin === binOf(row.t1)) {
          const held = m.get(bin);
          if (held && held[0].t >= row.t1) continue; // this bin holds a newer fix: nothing here can replace it
        }
        // Newest first, so within a chunk only the last fix of each bin (inside the box) is parsed.
        // The bin summary answers for a chunk inside the range when each of its bin-lasts is inside the box: the last
        // fix of a bin is then also its last fix in the box. Else the chunk's fixes are read.
        let v: ChunkView | null = null;
        if (summary && row.lasts !== null && row.t0 >= fromMs && row.t1 <= toMs) {
          v = new ChunkView(tag, row, row.lasts);
          const whole = row.min_x! >= b.minX && row.max_x! <= b.maxX && row.min_y! >= b.minY && row.max_y! <= b.maxY;
          for (let i = 0; i < v.n && !whole; i++) {
            v.peek(i);
            if (v.x < b.minX || v.x > b.maxX || v.y < b.minY || v.y > b.maxY) {
              v = null;
              break;
            }
          }
        }
        v ??= new ChunkView(tag, row, this.#chunkText(row, ds, false));
        const prio = prioBase + row.rowid;
        for (let i = v.n - 1; i >= 0; i--) {
          v.peek(i);
          if (wanted(m, v.t, v.floor, v.x, v.y, prio)) m.set(binOf(v.t), [v.fix(i), prio]);
        }
      }
    };
    for (const [key, list] of this.#tail) {
      const tag = this.#keyTags.get(key)!;
      const m = binsOf(key);
      for (const e of list) {
        if (wanted(m, e.t, e.floor, e.x, e.y, Infinity)) m.set(binOf(e.t), [fromBody(tag, e.floor, JSON.parse(e.body) as Body), Infinity]);
      }
    }
    const boxArgs = [b.minX, b.maxX, b.minY, b.maxY] as const;
    readRows(this.#q.floorChunks.iterate(floor, fromMs - MAX_CHUNK_SPAN_MS, toMs, fromMs, ...boxArgs), 0, false);
    readRows(this.#q.floorUnknown.iterate(fromMs - MAX_CHUNK_SPAN_MS, toMs, fromMs), 0, false);
    const rawCut = this.#rawCutoff();
    if (fromMs < rawCut) readRows(this.#q.floorDs.iterate(floor, fromMs - this.#dsMs * DS_CHUNK_BUCKETS, Math.min(toMs, rawCut - 1), fromMs, ...boxArgs), -1e15, true);
    const out: Fix[] = [];
    for (const m of bins.values()) for (const [f] of m.values()) out.push(f);
    return out.sort((p, q) => p.t - q.t || cmp(p.tag, q.tag));
  }

  async lastFixes(): Promise<Fix[]> {
    this.#flushSync();
    const byKey = new Map<number, Fix>();
    for (const r of this.#q.lastFixes.all()) byKey.set(r.key, JSON.parse(r.fix) as Fix);
    for (const [key, list] of this.#tail) {
      let newest = list[0]!;
      for (const e of list) if (e.t >= newest.t) newest = e;
      const held = byKey.get(key);
      if (!held || newest.t >= held.t) byKey.set(key, fromBody(this.#keyTags.get(key)!, newest.floor, JSON.parse(newest.body) as Body));
    }
    return [...byKey.values()].sort((a, b) => cmp(a.tag, b.tag));
  }

  // ── Outbox (the InfluxDB forwarder's source) ─────────────────────────────────────────────────────────────────────

  /**
   * Fixes and zone events written (flushed) after `cursor`, in write order, at most `maxItems` in all (events first:
   * they are few). Commit the returned cursor once they are accepted downstream; until then they are read again.
   */
  readOutbox(cursor: OutboxCursor | null, maxItems: number): OutboxBatch {
    this.#flushSync();
    const at = cursor ?? { fixRow: 0, fixIndex: 0, eventRow: 0 };
    const next = { ...at };
    const events: ZoneEvent[] = [];
    const fixes: Fix[] = [];
    if (maxItems <= 0) return { fixes, events, cursor: next };
    for (const r of this.#q.outboxEvents.all(at.eventRow, maxItems)) {
      events.push(JSON.parse(r.event) as ZoneEvent);
      next.eventRow = r.rowid;
    }
    let room = maxItems - events.length;
    for (const row of this.#q.outboxLog.iterate(at.fixRow)) {
      if (room <= 0) break;
      const skip = row.rowid === at.fixRow ? at.fixIndex : 0;
      if (skip >= row.n) continue;
      const entries = JSON.parse(row.fixes) as LogEntry[];
      const end = Math.min(entries.length, skip + room);
      for (let i = skip; i < end; i++) {
        const [key, floor, body] = entries[i]!;
        fixes.push(fromBody(this.#keyTags.get(key)!, floor, body));
      }
      room -= end - skip;
      next.fixRow = row.rowid;
      next.fixIndex = end;
    }
    return { fixes, events, cursor: next };
  }

  /** Marks everything up to `cursor` as forwarded, durably; log rows behind it that are compacted are deleted. */
  commitOutbox(cursor: OutboxCursor): void {
    if (!this.#db.open) return;
    const held = this.#cursor;
    const c = held && compareCursor(cursor, held) < 0 ? held : cursor;
    this.#db.transaction(() => {
      this.#setCursor({ ...c, eventRow: Math.max(c.eventRow, held?.eventRow ?? 0) });
      if (this.#outbox) this.#trimLog();
    })();
  }

  /** The committed outbox cursor; null before the first commit (the outbox then starts at the oldest row kept). */
  outboxCursor(): OutboxCursor | null {
    return this.#cursor ? { ...this.#cursor } : null;
  }

  /** Fixes and zone events flushed but not yet committed as forwarded (appends still pending are in stats().pending). */
  outboxBacklog(): { fixes: number; events: number } {
    const at = this.#cursor ?? { fixRow: 0, fixIndex: 0, eventRow: 0 };
    if (!this.#db.open) return { fixes: 0, events: 0 };
    const first = this.#q.logRowN.get(at.fixRow);
    const fixes = (this.#q.logFixesFrom.get(at.fixRow)?.n ?? 0) - (first ? Math.min(at.fixIndex, first.n) : 0);
    return { fixes, events: this.#q.eventsAfter.get(at.eventRow)?.n ?? 0 };
  }

  #setCursor(c: OutboxCursor): void {
    this.#setMeta('outbox_fix_row', c.fixRow);
    this.#setMeta('outbox_fix_index', c.fixIndex);
    this.#setMeta('outbox_event_row', c.eventRow);
    this.#cursor = { ...c };
  }

  // ── Misc ─────────────────────────────────────────────────────────────────────────────────────────────────────────

  #meta(key: string): number | undefined {
    return this.#q.getMeta.get(key)?.value;
  }

  #setMeta(key: string, value: number): void {
    this.#q.setMeta.run(key, value);
  }

  stats(): SqliteHistoryStoreStats {
    return {
      kind: 'sqlite',
      fixesWritten: this.#fixesWritten,
      zoneEventsWritten: this.#zoneEventsWritten,
      pending: this.#fixes.length + this.#events.length,
      writeErrors: this.#writeErrors,
      droppedOnOverflow: this.#dropped,
      pruned: this.#pruned,
      downsampled: this.#downsampled,
      tail: this.#tailCount,
      outboxLost: this.#outboxLost,
    };
  }

  async close(): Promise<void> {
    for (const t of [this.#timer, this.#pruneStep]) if (t) clearTimeout(t);
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    this.#timer = this.#pruneTimer = this.#pruneStep = null;
    if (!this.#db.open) return;
    this.#flushSync();
    this.#compact();
    this.#db.close();
  }
}

/** Adds the columns of this layout to a store created by the earlier one (their rows keep NULLs there). */
function migrate(db: Database.Database): void {
  const columns = (table: string) => new Set(db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all().map((c) => c.name));
  const chunkCols = columns('fix_chunks');
  db.transaction(() => {
    for (const [name, type] of [['floor', 'TEXT'], ['min_x', 'REAL'], ['min_y', 'REAL'], ['max_x', 'REAL'], ['max_y', 'REAL'], ['fmt', 'INTEGER'], ['lasts', 'TEXT']]) {
      if (!chunkCols.has(name!)) db.exec(`ALTER TABLE fix_chunks ADD COLUMN ${name} ${type}`);
    }
    if (!columns('last_fix').has('log_row')) db.exec('ALTER TABLE last_fix ADD COLUMN log_row INTEGER');
    const eventCols = columns('zone_events');
    if (!eventCols.has('zone')) db.exec('ALTER TABLE zone_events ADD COLUMN zone TEXT');
    if (!eventCols.has('kind')) db.exec('ALTER TABLE zone_events ADD COLUMN kind TEXT');
    // Zone events are few (one per room change), so filling the columns of existing rows is one quick statement.
    db.exec(`UPDATE zone_events SET zone = json_extract(event, '$.zone'), kind = json_extract(event, '$.kind') WHERE zone IS NULL OR kind IS NULL`);
  })();
}

function encodeBody(f: Fix): string {
  const ev: (string | number)[] = [];
  for (const e of f.evidence) ev.push(e.gw, e.rssi, e.n);
  return JSON.stringify([f.t, f.x, f.y, f.accuracyM, f.confidence, f.room, f.zones, f.method, ev]);
}

function fromBody(tag: string, floor: string, a: Body): Fix {
  const flat = a[8];
  const evidence: Evidence[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) evidence.push({ gw: flat[i] as string, rssi: flat[i + 1] as number, n: flat[i + 2] as number });
  return { tag, t: a[0], floor, x: a[1], y: a[2], accuracyM: a[3], confidence: a[4], room: a[5], zones: a[6], method: a[7], evidence };
}

/**
 * A chunk's fixes (sorted by t, one per t), decoded only as far as asked: peek(i) reads fix i's t, x, y (and floor)
 * from the start of its line; fix(i) parses it whole. Rows of the earlier layout are parsed at once.
 */
class ChunkView {
  readonly n: number;
  t = 0;
  x = 0;
  y = 0;
  floor = '';
  readonly #tag: string;
  readonly #lines: string[] | null = null;
  readonly #fixes: Fix[] | null = null;

  constructor(tag: string, row: ChunkRow, text: string) {
    this.#tag = tag;
    if (row.fmt === FMT_LINES) {
      this.#lines = text.split('\n');
      this.floor = row.floor!;
      this.n = this.#lines.length;
    } else {
      this.#fixes = dedupeByT((JSON.parse(text) as Omit<Fix, 'tag'>[]).map((s) => ({ tag, ...s })));
      this.n = this.#fixes.length;
    }
  }

  peek(i: number): void {
    if (this.#lines) {
      // A body starts "[t,x,y,": numbers, so the first three commas delimit them.
      const l = this.#lines[i]!;
      const c1 = l.indexOf(',');
      const c2 = l.indexOf(',', c1 + 1);
      const c3 = l.indexOf(',', c2 + 1);
      this.t = Number(l.slice(1, c1));
      this.x = Number(l.slice(c1 + 1, c2));
      this.y = Number(l.slice(c2 + 1, c3));
    } else {
      const f = this.#fixes![i]!;
      this.t = f.t;
      this.x = f.x;
      this.y = f.y;
      this.floor = f.floor;
    }
  }

  fix(i: number): Fix {
    return this.#lines ? fromBody(this.#tag, this.floor, JSON.parse(this.#lines[i]!) as Body) : this.#fixes![i]!;
  }

  /** Every fix: one JSON.parse for the chunk, cheaper than one per line. */
  all(): Fix[] {
    if (!this.#lines) return this.#fixes!;
    return (JSON.parse(`[${this.#lines.join(',')}]`) as Body[]).map((a) => fromBody(this.#tag, this.floor, a));
  }
}

/** A chunk's fixes, sorted by t, one per t. */
function decodeChunk(tag: string, row: FullChunkRow): Fix[] {
  return new ChunkView(tag, row, row.fixes).all();
}

/** Keeps the last of each run of equal t (input sorted by t, stable). */
function dedupeByT<T extends { t: number }>(sorted: T[]): T[] {
  let dup = false;
  for (let i = 1; i < sorted.length && !dup; i++) dup = sorted[i]!.t === sorted[i - 1]!.t;
  if (!dup) return sorted;
  return sorted.filter((e, i) => i + 1 === sorted.length || sorted[i + 1]!.t !== e.t);
}

/** Sorted fixes with one per t from runs; where runs overlap, the higher priority (later write) wins on equal t. */
function mergeRuns(runs: Run[]): Fix[] {
  if (runs.length === 0) return [];
  runs.sort((a, b) => a.fixes[0]!.t - b.fixes[0]!.t || a.prio - b.prio);
  let overlap = false;
  for (let i = 1; i < runs.length && !overlap; i++) overlap = runs[i]!.fixes[0]!.t <= runs[i - 1]!.fixes[runs[i - 1]!.fixes.length - 1]!.t;
  if (!overlap) return runs.length === 1 ? runs[0]!.fixes : runs.flatMap((r) => r.fixes);
  const all: [Fix, number][] = [];
  for (const r of runs) for (const f of r.fixes) all.push([f, r.prio]);
  all.sort((a, b) => a[0].t - b[0].t || a[1] - b[1]);
  return dedupeByT(all.map(([f]) => f));
}

/** The last fix of each epoch-aligned bucket of `width` ms (input sorted by t). */
function lastPerBucket(sorted: readonly Fix[], width: number): Fix[] {
  const out: Fix[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const f = sorted[i]!;
    const next = sorted[i + 1];
    if (!next || Math.floor(next.t / width) !== Math.floor(f.t / width)) out.push(f);
  }
  return out;
}

function compareCursor(a: OutboxCursor, b: OutboxCursor): number {
  return a.fixRow - b.fixRow || a.fixIndex - b.fixIndex;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function openSqliteHistoryStore(dataDir: string, opts: SqliteHistoryStoreOptions = {}): SqliteHistoryStore {
  return new SqliteHistoryStore(dataDir, opts);
}
