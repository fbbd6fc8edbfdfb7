import { afterEach, describe, expect, it } from 'vitest';
import type { Fix } from '@rtls/protocol';
import { MAX_CHUNK_SPAN_MS, openSqliteHistoryStore, type SqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';
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
    const s = openSqliteHistoryStore(newDir(), { retentionMs: 60_000, clock: () => now });
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
