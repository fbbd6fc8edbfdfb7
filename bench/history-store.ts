/**
 * Section 4 — the embedded SQLite history store (issue #5 "Measure"): sustained write rate at 10,000 tags, a 24 h
 * trail of one tag, a 1 h floorFixes (contact-tracing) query, and the outbox read rate. Only store calls are timed;
 * generating the fixes is not. Fixes look like the pipeline's (3 gateways of evidence, a room, one zone); tags walk
 * circles of 4 m around a home spot (seeded) on 100 × 60 m floors. Data time is simulated; nothing waits.
 *
 *   write:   10,000 tags on 10 floors, 1 fix/s each, a flush every 500 ms of data time (RTLS_STORE_FLUSH_MS) — so
 *            5,000 fixes of 5,000 tags per flush, the production shape — default options (compaction every 100,000
 *            fixes). Timed: appendFixes + flush, over all flushes (compactions included).
 *   outbox:  the same with `outbox: true` (InfluxDB configured: the log is kept), then readOutbox + commitOutbox in
 *            batches of 5,000 until empty.
 *   trail:   one tag at 1 fix/s for 24 h (86,400 fixes) among 99 other tags at one fix per 10 s, compacted every 10 s
 *            of data time as the default does at 10,000 tags — so the tag's chunks hold 10 fixes each (8,640 chunk
 *            rows), each on its own pages, as at 10,000 tags. The other 9,900 tags are not written: the (tag, t0)
 *            index is smaller than a real day's, and the file (and so the OS page cache) too. Queried after a reopen.
 *   floor:   1,000 tags on the queried floor at 1 fix/s for 1 h (3.6M fixes) plus 1,000 tags on another floor at one
 *            fix per 10 s, compacted every 10 s of data; floorFixes with 10 s bins over the hour, whole floor and a
 *            20 × 20 m box (a contact query's area around a target).
 *
 *   npx tsx bench/history-store.ts [--quick]      (prints one JSON result line)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Fix } from '@rtls/protocol';
import { openSqliteHistoryStore, type SqliteHistoryStore } from '@rtls/locator';
import { mb, percentile, perSecond, round } from './lib/stats.ts';
import { onParentMessage, report } from './lib/child.ts';

export interface HistoryBenchResult {
  write: {
    tags: number; fixes: number; flushes: number; fixesPerFlush: number; storeMs: number; fixesPerS: number;
    /** The last third of the run (largest file). */
    fixesPerSLastThird: number; flushP50Ms: number; flushP99Ms: number; flushMaxMs: number; bytesPerFix: number;
  };
  outbox: { fixes: number; writeFixesPerS: number; backlogBefore: number; readMs: number; readFixesPerS: number; batch: number };
  trail: { fixesOfTag: number; chunkRowsOfTag: number; otherFixes: number; dbMB: number; queries: TimedQuery[] };
  floor: { fixesOnFloor: number; tagsOnFloor: number; otherFixes: number; dbMB: number; queries: TimedQuery[] };
  durationS: number;
}

export interface TimedQuery {
  query: string;
  returned: number;
  /** The first run after reopening the store (SQLite page cache empty; the OS file cache is not dropped). */
  firstMs: number;
  medianMs: number;
  runs: number;
}

const T0 = Date.UTC(2026, 10, 20);
const FLOOR_W = 100;
const FLOOR_H = 60;

/** Deterministic 32-bit PRNG (mulberry32): homes of the tags. Bench data only. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tagId = (i: number) => `ble:${(0xac0000000000 + i).toString(16).toUpperCase()}`;

class Tags {
  readonly ids: string[];
  readonly homes: [number, number][];
  constructor(readonly n: number, readonly floorOf: (i: number) => string, seed: number) {
    const r = prng(seed);
    this.ids = Array.from({ length: n }, (_, i) => tagId(i));
    this.homes = Array.from({ length: n }, () => [5 + r() * (FLOOR_W - 10), 5 + r() * (FLOOR_H - 10)]);
  }
  fix(i: number, t: number): Fix {
    const [hx, hy] = this.homes[i]!;
    const phase = t / 20_000 + i; // one lap of a 4 m circle every ~2 min
    const x = round(hx + 4 * Math.cos(phase), 2);
    const y = round(hy + 4 * Math.sin(phase), 2);
    return {
      tag: this.ids[i]!, t, floor: this.floorOf(i), x, y, accuracyM: 1.8, confidence: 0.82,
      room: `r-${Math.floor(x / 10)}-${Math.floor(y / 10)}`, zones: ['ward-a'], method: 'ble-wls',
      evidence: [{ gw: `gw-${i % 358}`, rssi: -61.5, n: 6 }, { gw: `gw-${(i + 1) % 358}`, rssi: -70, n: 4 }, { gw: `gw-${(i + 7) % 358}`, rssi: -78.5, n: 2 }],
    };
  }
}

function dbBytes(store: SqliteHistoryStore): number {
  let n = 0;
  for (const f of [store.path, `${store.path}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // no WAL file right after a checkpoint
    }
  }
  return n;
}

async function timeQuery(query: string, runs: number, fn: () => Promise<unknown[]>): Promise<TimedQuery> {
  const ms: number[] = [];
  let returned = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    returned = (await fn()).length;
    ms.push(performance.now() - t);
  }
  return { query, returned, firstMs: round(ms[0]!, 1), medianMs: round(percentile(ms, 50), 1), runs };
}

/** 10,000 tags, 1 fix/s, a flush per 500 ms of data time: returns the timing of appendFixes + flush. */
async function writeRun(store: SqliteHistoryStore, tags: Tags, seconds: number): Promise<{ fixes: number; flushes: number; ms: number[] }> {
  const ms: number[] = [];
  let fixes = 0;
  for (let step = 0; step < seconds * 2; step++) {
    const t = T0 + step * 500;
    const batch: Fix[] = [];
    for (let i = step % 2; i < tags.n; i += 2) batch.push(tags.fix(i, t + (i % 500)));
    const began = performance.now();
    store.appendFixes(batch);
    await store.flush();
    ms.push(performance.now() - began);
    fixes += batch.length;
  }
  return { fixes, flushes: ms.length, ms };
}

export async function measureHistoryStore(quick: boolean): Promise<HistoryBenchResult> {
  const began = performance.now();
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'rtls-bench-history-'));
    dirs.push(d);
    return d;
  };
  try {
    // ── Write rate ──
    const tenK = new Tags(10_000, (i) => `L${i % 10}`, 1);
    const writeS = quick ? 60 : 300;
    const w = openSqliteHistoryStore(dir());
    const run = await writeRun(w, tenK, writeS);
    const storeMs = run.ms.reduce((a, b) => a + b, 0);
    const third = run.ms.slice(Math.floor((run.ms.length * 2) / 3));
    const thirdFixes = third.length * (run.fixes / run.flushes);
    await w.close();
    const write = {
      tags: tenK.n, fixes: run.fixes, flushes: run.flushes, fixesPerFlush: run.fixes / run.flushes, storeMs: round(storeMs),
      fixesPerS: round(perSecond(run.fixes, storeMs)), fixesPerSLastThird: round(perSecond(thirdFixes, third.reduce((a, b) => a + b, 0))),
      flushP50Ms: round(percentile(run.ms, 50), 1), flushP99Ms: round(percentile(run.ms, 99), 1), flushMaxMs: round(Math.max(...run.ms), 1),
      bytesPerFix: round(statSync(w.path).size / run.fixes),
    };

    // ── Outbox ──
    const o = openSqliteHistoryStore(dir(), { outbox: true });
    const orun = await writeRun(o, tenK, quick ? 30 : 100);
    const backlogBefore = o.outboxBacklog().fixes;
    const batch = 5000;
    let read = 0;
    const readBegan = performance.now();
    for (let cursor = o.outboxCursor(); ;) {
      const b = o.readOutbox(cursor, batch);
      if (b.fixes.length === 0 && b.events.length === 0) break;
      read += b.fixes.length;
      o.commitOutbox(b.cursor);
      cursor = b.cursor;
    }
    const readMs = performance.now() - readBegan;
    await o.close();
    const outbox = {
      fixes: orun.fixes, writeFixesPerS: round(perSecond(orun.fixes, orun.ms.reduce((a, b) => a + b, 0))),
      backlogBefore, readMs: round(readMs), readFixesPerS: round(perSecond(read, readMs)), batch,
    };

    // ── 24 h trail of one tag ──
    const hundred = new Tags(100, () => 'L1', 2);
    const trailDir = dir();
    const hours = quick ? 6 : 24;
    // 10 s of data per flush: 10 fixes of tag 0 + one of each other tag; compacted at once (every 10 s, as at 10k tags).
    let s = openSqliteHistoryStore(trailDir, { compactFixes: 0 });
    for (let t = T0; t < T0 + hours * 3_600_000; t += 10_000) {
      const fixes: Fix[] = [];
      for (let k = 0; k < 10; k++) fixes.push(hundred.fix(0, t + k * 1000));
      for (let i = 1; i < hundred.n; i++) fixes.push(hundred.fix(i, t + i * 50));
      s.appendFixes(fixes);
      await s.flush();
    }
    await s.close();
    s = openSqliteHistoryStore(trailDir);
    const target = hundred.ids[0]!;
    const end = T0 + hours * 3_600_000;
    const trailQueries = [
      await timeQuery(`trail ${hours} h, every fix (limit 100,000)`, 5, () => s.trail(target, T0, end, 100_000)),
      await timeQuery(`trail ${hours} h, limit 10,000 (the API's maximum): the newest`, 5, () => s.trail(target, T0, end, 10_000)),
      await timeQuery(`trail ${hours} h, resolutionMs 10,000`, 5, () => s.trail(target, T0, end, 10_000, 10_000)),
      await timeQuery(`trail ${hours} h, resolutionMs 60,000`, 5, () => s.trail(target, T0, end, 10_000, 60_000)),
      await timeQuery('positionAt (mid-range, maxAge 5 min)', 5, async () => [await s.positionAt(target, T0 + hours * 1_800_000 + 500, 300_000)]),
    ];
    const trail = { fixesOfTag: hours * 3600, chunkRowsOfTag: hours * 360, otherFixes: (hundred.n - 1) * hours * 360, dbMB: mb(dbBytes(s)), queries: trailQueries };
    await s.close();

    // ── floorFixes for a 1 h contact query ──
    const floorDir = dir();
    const pop = new Tags(2000, (i) => (i % 2 ? 'L4' : 'L3'), 3);
    const floorS = quick ? 900 : 3600;
    s = openSqliteHistoryStore(floorDir, { compactFixes: 11_000 }); // 10 s of data: 1,000 × 10 + 1,000 × 1
    for (let sec = 0; sec < floorS; sec++) {
      const fixes: Fix[] = [];
      for (let i = 0; i < pop.n; i += 2) fixes.push(pop.fix(i, T0 + sec * 1000 + (i % 1000)));
      if (sec % 10 === 0) for (let i = 1; i < pop.n; i += 2) fixes.push(pop.fix(i, T0 + sec * 1000 + (i % 1000)));
      s.appendFixes(fixes);
      if (sec % 2 === 1) await s.flush();
    }
    await s.close();
    s = openSqliteHistoryStore(floorDir);
    const fEnd = T0 + floorS * 1000;
    const box = { minX: 40, minY: 20, maxX: 60, maxY: 40 };
    const floorQueries = [
      await timeQuery(`floorFixes ${floorS / 60} min, 10 s bins, whole floor`, 3, () => s.floorFixes('L3', T0, fEnd, 10_000)),
      await timeQuery(`floorFixes ${floorS / 60} min, 10 s bins, 20 × 20 m box`, 3, () => s.floorFixes('L3', T0, fEnd, 10_000, box)),
      await timeQuery(`floorFixes ${floorS / 60} min, 60 s bins, 20 × 20 m box`, 3, () => s.floorFixes('L3', T0, fEnd, 60_000, box)),
    ];
    const floor = { fixesOnFloor: 1000 * floorS, tagsOnFloor: 1000, otherFixes: 1000 * Math.ceil(floorS / 10), dbMB: mb(dbBytes(s)), queries: floorQueries };
    await s.close();

    return { write, outbox, trail, floor, durationS: round((performance.now() - began) / 1000) };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  report({ type: 'result', data: await measureHistoryStore(process.argv.includes('--quick')) });
  // Under bench/run.ts: exit on its `stop`, not before — its stop() writes to the IPC channel, and writing to a child
  // that has just exited raised an unhandled EPIPE in the parent.
  if (process.send) onParentMessage((m) => m.type === 'stop' && process.exit(0));
}
