import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fix } from '@rtls/protocol';
import { HISTORY_DB_FILE, MAX_CHUNK_SPAN_MS, openSqliteHistoryStore, type SqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';
import { T0, bleTag, makeFix, rmDir, tmpDir } from './helpers.ts';

const dirs: string[] = [];
const stores: SqliteHistoryStore[] = [];
function open(dir: string): SqliteHistoryStore {
  const s = openSqliteHistoryStore(dir);
  stores.push(s);
  return s;
}
function newDir(): string {
  const d = tmpDir();
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmDir(d);
});

describe('SQLite history store', () => {
  it('retention deletes fixes and zone events older than the window, and keeps the rest and the last fixes', async () => {
    let now = T0;
    // Downsampling off: this checks the raw window alone (the downsampled copy has its own tests).
    const s = openSqliteHistoryStore(newDir(), { retentionMs: 60_000, downsampleRetentionMs: 0, clock: () => now });
    stores.push(s);
    const a = bleTag(1);
    s.appendFixes([makeFix(a, T0, 'L0', 1)]);
    s.appendZoneEvents([{ tag: a, t: T0, floor: 'L0', zone: 'icu', kind: 'enter' }]);
    await s.flush();
    s.appendFixes([makeFix(a, T0 + 2 * MAX_CHUNK_SPAN_MS, 'L0', 2)]);
    await s.flush();
    now = T0 + 2 * MAX_CHUNK_SPAN_MS + 30_000; // the first fix is now older than 60 s, the second is not
    expect(s.prune()).toBe(2);
    const trail = await s.trail(a, T0 - 1, now, 100);
    expect(trail.map((f) => f.x)).toEqual([2]);
    expect(await s.zoneEvents(a, T0 - 1, now, 100)).toEqual([]);
    expect((await s.lastFixes()).map((f) => f.x)).toEqual([2]);
    expect(s.stats().pruned).toBe(2);
    expect(s.prune()).toBe(0);
  });

  it('buffers appends until flush, then counts them written', async () => {
    const s = open(newDir());
    s.appendFixes([makeFix(bleTag(1), T0, 'L0'), makeFix(bleTag(2), T0, 'L0')]);
    s.appendZoneEvents([{ tag: bleTag(1), t: T0, floor: 'L0', zone: 'icu', kind: 'enter' }]);
    expect(s.stats()).toMatchObject({ kind: 'sqlite', pending: 3, fixesWritten: 0 });
    await s.flush();
    expect(s.stats()).toMatchObject({ pending: 0, fixesWritten: 2, zoneEventsWritten: 1, writeErrors: 0 });
  });

  it('trail returns a tag’s fixes in range, oldest first, limited to the most recent', async () => {
    const s = open(newDir());
    const a = bleTag(1);
    // Two flushes and a long gap, so the trail spans several chunk rows.
    s.appendFixes(Array.from({ length: 10 }, (_, i) => makeFix(a, T0 + i * 1000, 'L0', i)));
    s.appendFixes([makeFix(bleTag(2), T0 + 500, 'L1')]);
    await s.flush();
    s.appendFixes(Array.from({ length: 10 }, (_, i) => makeFix(a, T0 + 10_000 + i * 1000 + 2 * MAX_CHUNK_SPAN_MS, 'L0', 10 + i)));
    await s.flush();

    const all = await s.trail(a, T0, T0 + 10 * MAX_CHUNK_SPAN_MS, 1000);
    expect(all).toHaveLength(20);
    expect(all.every((f) => f.tag === a)).toBe(true);
    expect(all.map((f) => f.x)).toEqual(Array.from({ length: 20 }, (_, i) => i));

    const window = await s.trail(a, T0 + 2000, T0 + 5000, 1000);
    expect(window.map((f) => f.x)).toEqual([2, 3, 4, 5]);

    const last3 = await s.trail(a, T0, T0 + 10 * MAX_CHUNK_SPAN_MS, 3);
    expect(last3.map((f) => f.x)).toEqual([17, 18, 19]);

    expect(await s.trail(bleTag(99), T0, T0 + 1e6, 10)).toEqual([]);
  });

  it('splits a long burst into chunks without losing or reordering fixes', async () => {
    const s = open(newDir());
    const a = bleTag(3);
    const fixes = Array.from({ length: 1500 }, (_, i) => makeFix(a, T0 + i * 100, 'L0', i));
    s.appendFixes([...fixes].reverse()); // arrival order must not matter
    await s.flush();
    const got = await s.trail(a, T0, T0 + 1e7, 5000);
    expect(got.map((f) => f.x)).toEqual(fixes.map((f) => f.x));
  });

  it('trail includes fixes still pending in the buffer', async () => {
    const s = open(newDir());
    s.appendFixes([makeFix(bleTag(1), T0, 'L0')]);
    expect(await s.trail(bleTag(1), T0 - 1, T0 + 1, 10)).toHaveLength(1);
  });

  it('lastFixes and trail survive close and reopen; the newest fix per tag wins', async () => {
    const dir = newDir();
    const s1 = open(dir);
    s1.appendFixes([makeFix(bleTag(1), T0 + 2000, 'L1', 9), makeFix(bleTag(2), T0, 'L0', 1)]);
    await s1.flush();
    s1.appendFixes([makeFix(bleTag(1), T0 + 1000, 'L0', 3)]); // late, older fix
    s1.appendZoneEvents([{ tag: bleTag(2), t: T0, floor: 'L0', zone: 'icu', kind: 'enter' }]);
    await s1.close(); // close flushes

    const s2 = open(dir);
    const last = await s2.lastFixes();
    const byTag = new Map(last.map((f) => [f.tag, f]));
    expect(last).toHaveLength(2);
    expect(byTag.get(bleTag(1))).toMatchObject({ t: T0 + 2000, floor: 'L1', x: 9 });
    expect(byTag.get(bleTag(2))).toEqual(makeFix(bleTag(2), T0, 'L0', 1));
    expect((await s2.trail(bleTag(1), T0, T0 + 5000, 10)).map((f) => f.t)).toEqual([T0 + 1000, T0 + 2000]);
    expect(await s2.zoneEvents(bleTag(2), T0, T0, 10)).toEqual([{ tag: bleTag(2), t: T0, floor: 'L0', zone: 'icu', kind: 'enter' }]);

    s2.appendFixes([makeFix(bleTag(2), T0 + 5000, 'L0', 2)]);
    await s2.flush();
    expect((await s2.lastFixes()).find((f) => f.tag === bleTag(2))!.x).toBe(2);
  });

  it('appends 50k fixes across 2,000 tags without error', async () => {
    const s = open(newDir());
    const fixes: Fix[] = [];
    for (let i = 0; i < 50_000; i++) fixes.push(makeFix(bleTag(i % 2000), T0 + i, 'L0', i % 40));
    s.appendFixes(fixes.slice(0, 25_000));
    await s.flush();
    s.appendFixes(fixes.slice(25_000));
    await s.flush();
    expect(s.stats()).toMatchObject({ fixesWritten: 50_000, pending: 0, writeErrors: 0 });
    expect(await s.lastFixes()).toHaveLength(2000);
    expect(await s.trail(bleTag(7), T0, T0 + 50_000, 1000)).toHaveLength(25);
  });
});

describe('SQLite history store: last fixes after a crash', () => {
  it('replays chunks written after the last checkpoint, so lastFixes is complete after an unclean stop', async () => {
    const dir = newDir();
    const s1 = open(dir);
    s1.appendFixes([makeFix(bleTag(1), T0, 'L0', 1)]);
    await s1.lastFixes(); // forces a checkpoint: last_fix now holds x=1
    s1.appendFixes([makeFix(bleTag(1), T0 + 1000, 'L1', 2), makeFix(bleTag(5), T0 + 1000, 'L0', 5)]);
    await s1.flush(); // chunks written, last_fix not yet checkpointed
    // Simulate a crash: a second connection reads the file while s1 never closes cleanly.
    const s2 = open(dir);
    const last = new Map((await s2.lastFixes()).map((f) => [f.tag, f]));
    expect(last.get(bleTag(1))).toMatchObject({ floor: 'L1', x: 2 });
    expect(last.get(bleTag(5))).toMatchObject({ x: 5 });
  });
});

describe('SQLite history store: restart', () => {
  it('fixes flushed but not yet compacted into chunks are read back from the log after an unclean stop', async () => {
    const dir = newDir();
    const s1 = open(dir);
    const fixes = Array.from({ length: 5 }, (_, i) => makeFix(bleTag(1), T0 + i * 1000, 'L0', i));
    s1.appendFixes(fixes);
    await s1.flush();
    expect(s1.stats().tail).toBe(5); // in the log and in memory, not in chunks yet
    const s2 = open(dir); // s1 never closes: as after kill -9
    expect(await s2.trail(bleTag(1), T0, T0 + 10_000, 100)).toEqual(fixes);
    expect(await s2.floorFixes('L0', T0, T0 + 10_000, 1000)).toEqual(fixes);
    expect(s2.stats().tail).toBe(5);
  });
});

describe('SQLite history store: a database of the earlier layout', () => {
  // The schema and rows the store wrote before issue #5: keyed JSON chunks without floor, zone events without zone.
  const OLD_SCHEMA = `
    CREATE TABLE tag_keys (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
    CREATE TABLE fix_chunks (tag_key INTEGER NOT NULL, t0 INTEGER NOT NULL, t1 INTEGER NOT NULL, n INTEGER NOT NULL, fixes TEXT NOT NULL);
    CREATE INDEX fix_chunks_tag_t0 ON fix_chunks (tag_key, t0);
    CREATE TABLE last_fix (tag_key INTEGER PRIMARY KEY, t INTEGER NOT NULL, fix TEXT NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE zone_events (tag_key INTEGER NOT NULL, t INTEGER NOT NULL, event TEXT NOT NULL);
    CREATE INDEX zone_events_tag_t ON zone_events (tag_key, t);`;

  it('is migrated on open: old chunks and events stay readable by every query, new writes join them', async () => {
    const dir = newDir();
    const a = bleTag(1);
    const old = [makeFix(a, T0, 'L0', 1), makeFix(a, T0 + 1000, 'L1', 2)];
    const events = [{ tag: a, t: T0 - 5000, floor: 'L0', zone: 'icu', kind: 'enter' as const }, { tag: a, t: T0 + 500, floor: 'L0', zone: 'icu', kind: 'exit' as const, dwellMs: 5500 }];
    const db = new Database(path.join(dir, HISTORY_DB_FILE));
    db.exec(OLD_SCHEMA);
    db.prepare('INSERT INTO tag_keys (key, id) VALUES (1, ?)').run(a);
    db.prepare('INSERT INTO fix_chunks VALUES (1, ?, ?, 2, ?)').run(T0, T0 + 1000, JSON.stringify(old.map(({ tag: _t, ...rest }) => rest)));
    for (const e of events) db.prepare('INSERT INTO zone_events VALUES (1, ?, ?)').run(e.t, JSON.stringify(e));
    db.close();

    const s = open(dir);
    expect(await s.trail(a, T0, T0 + 5000, 100)).toEqual(old);
    expect(await s.floorFixes('L1', T0, T0 + 5000, 1000)).toEqual([old[1]]);
    expect(await s.lastFixes()).toEqual([old[1]]); // replayed from the chunk: the old store had not checkpointed it
    expect(await s.zoneEventsBetween({ zone: 'icu' }, T0, T0 + 5000, 100)).toEqual({ before: [events[0]], events: [events[1]] });
    const next = makeFix(a, T0 + 2000, 'L1', 3);
    s.appendFixes([next]);
    await s.close();
    const s2 = open(dir);
    expect(await s2.trail(a, T0, T0 + 5000, 100)).toEqual([...old, next]);
    expect(await s2.floorFixes('L1', T0, T0 + 5000, 1000)).toEqual([old[1], next]);
  });
});

describe('SQLite history store: downsampled trails beyond raw retention', () => {
  const H = 3_600_000;
  const T = Date.UTC(2026, 10, 20); // an hour boundary, so the raw window's edge (whole hours) is easy to reason about
  const tag = bleTag(7);
  // One fix every 10 s for 3 h; x counts them.
  const fixes = Array.from({ length: 1080 }, (_, i) => makeFix(tag, T + i * 10_000, 'L0', i));

  it('keeps the last fix per tag per minute when raw chunks go, answers older ranges from it, and expires it in turn', async () => {
    let now = T + 3 * H;
    const s = openSqliteHistoryStore(newDir(), { retentionMs: H, downsampleMs: 60_000, downsampleRetentionMs: 2.5 * H, clock: () => now, compactFixes: 100 });
    stores.push(s);
    s.appendFixes(fixes);
    await s.flush();
    s.prune();
    // Raw window: from T + 2 h (now − 1 h, at a whole hour). Before it: one fix a minute, the minute's last (:50 s).
    const minuteLasts = fixes.filter((f) => f.t < T + 2 * H && (f.t - T) % 60_000 === 50_000);
    const raw = fixes.filter((f) => f.t >= T + 2 * H);
    expect(s.stats().downsampled).toBe(120);
    expect(minuteLasts).toHaveLength(120);
    expect(await s.trail(tag, T, T + 3 * H, 10_000)).toEqual([...minuteLasts, ...raw]);
    expect(await s.trail(tag, T, T + 3 * H, 5)).toEqual(raw.slice(-5));
    // Coarser than the downsampling: still the last per bucket.
    expect((await s.trail(tag, T, T + H - 1, 100, 300_000)).map((f) => f.t - T)).toEqual(Array.from({ length: 12 }, (_, k) => k * 300_000 + 290_000));
    expect(await s.positionAt(tag, T + 30 * 60_000 + 5000, 60_000)).toEqual(fixes[179]); // 29 min 50 s
    expect(await s.positionAt(tag, T + 30 * 60_000 + 5000, 10_000)).toBeNull(); // its 10 s neighbours are gone
    expect(await s.floorFixes('L0', T, T + 10 * 60_000 - 1, 60_000)).toEqual(minuteLasts.slice(0, 10));

    // 1.5 h later: hour 2 is downsampled too; the downsampled hours 0 and 1 (ending before now − 2.5 h) expire.
    now = T + 4.5 * H;
    s.prune();
    expect(await s.trail(tag, T, T + 5 * H, 10_000)).toEqual(fixes.filter((f) => f.t >= T + 2 * H && (f.t - T) % 60_000 === 50_000));
  });

  it('keeps zone events as long as the downsampled trails', async () => {
    let now = T;
    const s = openSqliteHistoryStore(newDir(), { retentionMs: H, downsampleRetentionMs: 2 * H, clock: () => now });
    stores.push(s);
    const e = { tag, t: T, floor: 'L0', zone: 'icu', kind: 'enter' as const };
    s.appendZoneEvents([e]);
    await s.flush();
    now = T + 1.5 * H;
    s.prune();
    expect(await s.zoneEvents(tag, T, now, 10)).toEqual([e]);
    now = T + 2.5 * H;
    s.prune();
    expect(await s.zoneEvents(tag, T, now, 10)).toEqual([]);
  });
});

describe('SQLite history store: outbox', () => {
  const fixAt = (i: number) => makeFix(bleTag(1 + (i % 3)), T0 + i * 1000, 'L0', i);
  const enter = (i: number) => ({ tag: bleTag(1), t: T0 + i * 1000, floor: 'L0', zone: `z${i}`, kind: 'enter' as const });

  it('returns what was flushed after the cursor in write order, in bounded batches, and keeps it until committed', async () => {
    const dir = newDir();
    const s = openSqliteHistoryStore(dir, { outbox: true, compactFixes: 4 });
    stores.push(s);
    const fixes = Array.from({ length: 10 }, (_, i) => fixAt(i));
    s.appendFixes(fixes.slice(0, 6));
    s.appendZoneEvents([enter(0)]);
    await s.flush(); // 6 ≥ compactFixes: compacted into chunks; the log stays for the outbox
    s.appendFixes(fixes.slice(6));
    s.appendZoneEvents([enter(1)]);
    await s.flush();
    expect(s.outboxCursor()).toBeNull();
    expect(s.outboxBacklog()).toEqual({ fixes: 10, events: 2 });

    const b1 = s.readOutbox(null, 5); // events first, then fixes
    expect(b1.events).toEqual([enter(0), enter(1)]);
    expect(b1.fixes).toEqual(fixes.slice(0, 3));
    expect(s.readOutbox(null, 5)).toEqual(b1); // nothing committed: the same again
    s.commitOutbox(b1.cursor);
    expect(s.outboxBacklog()).toEqual({ fixes: 7, events: 0 });
    const b2 = s.readOutbox(s.outboxCursor(), 4);
    expect(b2.fixes).toEqual(fixes.slice(3, 7));
    expect(b2.events).toEqual([]);
    await s.close();

    // The cursor is durable; what was read but not committed comes again.
    const s2 = openSqliteHistoryStore(dir, { outbox: true, compactFixes: 4 });
    stores.push(s2);
    expect(s2.outboxCursor()).toEqual(b1.cursor);
    const b3 = s2.readOutbox(s2.outboxCursor(), 100);
    expect(b3.fixes).toEqual(fixes.slice(3));
    s2.commitOutbox(b3.cursor);
    expect(s2.outboxBacklog()).toEqual({ fixes: 0, events: 0 });
    expect(s2.readOutbox(s2.outboxCursor(), 100).fixes).toEqual([]);
    s2.appendFixes([fixAt(10)]);
    expect(s2.readOutbox(s2.outboxCursor(), 100).fixes).toEqual([fixAt(10)]); // reading flushes first
    expect(s2.stats().outboxLost).toBe(0);
    expect(await s2.trail(bleTag(1), T0, T0 + 20_000, 100)).toEqual([0, 3, 6, 9].map(fixAt));
  });

  it('over its disk budget drops the oldest unforwarded fixes and counts them', async () => {
    const s = openSqliteHistoryStore(newDir(), { outbox: true, compactFixes: 0, outboxMaxBytes: 1 });
    stores.push(s);
    s.appendFixes([fixAt(0), fixAt(1)]);
    await s.flush();
    s.appendFixes([fixAt(2)]);
    await s.flush();
    // Each flush compacts, and the 1-byte budget then holds no row: every fix is dropped, none silently.
    expect(s.stats().outboxLost).toBe(3);
    expect(s.outboxBacklog().fixes).toBe(0);
    expect(s.readOutbox(s.outboxCursor(), 100).fixes).toEqual([]);
    expect(await s.trail(bleTag(1), T0, T0 + 10_000, 100)).toEqual([fixAt(0)]); // the history itself is intact
  });

  it('counts fixes and events that retention removed before they were forwarded', async () => {
    let now = T0;
    const s = openSqliteHistoryStore(newDir(), { outbox: true, retentionMs: 60_000, downsampleRetentionMs: 0, clock: () => now });
    stores.push(s);
    s.appendFixes([fixAt(0), fixAt(1), fixAt(2)]);
    s.appendZoneEvents([enter(0), enter(1)]);
    await s.flush();
    const b = s.readOutbox(null, 3); // two events and one fix forwarded
    s.commitOutbox(b.cursor);
    now = T0 + 10 * 60_000;
    s.prune();
    expect(s.stats().outboxLost).toBe(2); // the two fixes never forwarded; the events were
    expect(s.outboxBacklog()).toEqual({ fixes: 0, events: 0 });
  });
});

describe('SQLite history store: compaction a few tags at a time', () => {
  it('after an unclean stop, tags compacted since the last whole-log mark are not read back twice', async () => {
    const dir = newDir();
    const s1b = openSqliteHistoryStore(dir, { compactFixes: 2 });
    stores.push(s1b);
    // One flush: 3 fixes of tag 1, then 1 of tag 2. Over the 2-fix tail, the oldest tail (tag 1) is compacted;
    // tag 2 stays in memory, so the log row holding both must be replayed — for tag 2 only.
    const a = [0, 1, 2].map((i) => makeFix(bleTag(1), T0 + i * 1000, 'L0', i));
    const b = makeFix(bleTag(2), T0, 'L0', 9);
    s1b.appendFixes([...a, b]);
    await s1b.flush();
    expect(s1b.stats().tail).toBe(1);
    const s2 = open(dir); // as after kill -9 of s1b
    expect(s2.stats().tail).toBe(1);
    expect(await s2.trail(bleTag(1), T0, T0 + 10_000, 100)).toEqual(a);
    expect(await s2.trail(bleTag(2), T0, T0 + 10_000, 100)).toEqual([b]);
  });
});
