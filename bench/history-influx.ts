/**
 * Section 5 — history in InfluxDB (issue #5 "Measure": "sustained write rate into InfluxDB …, and the outbox's
 * forward rate"), against a real influxd 1.x (Debian's 1.6) started by the tests' helper (locator/test/store/influxd.ts:
 * its own temp directory, random ports, default storage settings — WAL fsync on every write, inmem index) and spoken to
 * in INFLUX_API=v1 mode with the production retention setup (raw policy 30 days, trails policy and continuous query).
 * Three parts, each in its own database, dropped after it so its compactions do not run under the next part:
 *
 *   write:   InfluxWriter alone, as the forwarder drives it: one write() at a time of 5,000 fixes (one request,
 *            gzip level 1 above 64 KiB — the writer's defaults), 10,000 tags on 10 floors at 1 fix/s (half the tags per
 *            500 ms of data time, as history-store.ts writes). Runs until ≥ 20 s of timed writing and ≥ 500,000 fixes
 *            (40 s at most). Timed: encode + request; generating the fixes is not. Then 10 s with two write() calls in
 *            flight (not what the forwarder does), to tell the server's limit from the one-at-a-time client's.
 *   outbox:  an SQLite store with `outbox: true` pre-filled with 300,000 fixes (10,000 tags, 30 s of data — a backlog
 *            as after an outage), then a ForwardedHistoryStore over it and openInfluxHistoryStore(): pump() until the
 *            backlog is 0 (batches of 5,000, DEFAULT_FORWARDER_OPTIONS). Timed: the drain. Then count("x") in InfluxDB
 *            must equal what was pre-filled.
 *   trail:   one tag at 1 fix/s for 24 h (86,400 fixes) among 1,000 other tags on the same floor at one fix per 60 s
 *            (1,440,000 fixes), written in time order, 5,000 lines per request. Not written: the other tags' remaining
 *            59 fixes a minute (85M points: hours of writing). A fix is its tag's own series, so the trail query reads
 *            that series' blocks; the others make the index and the TSM files, not the rows read. influxd is restarted
 *            before the queries (its cache rebuilt from the WAL; the OS file cache stays warm), then the queries of
 *            history-store.ts's trail part go through InfluxHistoryStore. A query that fails is recorded with its error
 *            (influxd 1.x flags any one-series answer over 10,000 rows `partial` even when it is complete —
 *            influxdata/influxdb#10114, wontfix — and InfluxQueryClient refuses partial answers).
 *
 * Data time: InfluxDB refuses points older than the retention policy's duration ("points beyond retention policy"),
 * so the data epoch follows the wall clock, read once at the entry point: the trail ends 3 h before it — outside the
 * continuous query's 2 h resample window, so the CQ does not run over the data during the bench.
 *
 *   npx tsx bench/history-influx.ts [--quick]      (prints one JSON result line; `skipped` when influxd is missing)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { systemClock, type Fix } from '@rtls/protocol';
import { openSqliteHistoryStore } from '@rtls/locator';
import { ForwardedHistoryStore } from '../locator/src/store/forwarded-history-store.ts';
import { InfluxWriter, openInfluxHistoryStore, toInfluxConfig, type InfluxV1Config } from '../locator/src/store/influx/index.ts';
import { influxdAvailable, startInfluxd, type Influxd } from '../locator/test/store/influxd.ts';
import type { TimedQuery } from './history-store.ts';
import { percentile, perSecond, round } from './lib/stats.ts';
import { onParentMessage, report } from './lib/child.ts';

export interface InfluxBenchFigures {
  skipped?: undefined;
  /** X-Influxdb-Version of the server measured. */
  serverVersion: string;
  write: {
    tags: number; fixesPerRequest: number; requests: number; fixes: number; timedMs: number; fixesPerS: number;
    encodeP50Ms: number; requestP50Ms: number; requestP99Ms: number; requestMaxMs: number;
    /** Body bytes sent (gzip level 1) ÷ fixes, and the line protocol before compression ÷ fixes. */
    wireBytesPerFix: number; lineBytesPerFix: number; failedRequests: number;
    /** CPU time per 1,000 fixes written, of this process (generating + encoding + gzip + HTTP) and of influxd. */
    clientCpuMsPer1000: number; influxdCpuMsPer1000: number | null;
    /**
     * Not the forwarder's way (it sends one batch at a time): two write() calls in flight, to tell the server's limit
     * from the one-at-a-time client's. Rate over wall time, generating the fixes included.
     */
    twoInFlight: { fixes: number; wallMs: number; fixesPerS: number; requestP50Ms: number; requestP99Ms: number; failedRequests: number };
  };
  outbox: {
    fixes: number; batchItems: number; prefillMs: number; drainMs: number; fixesPerS: number;
    /** count("x") of the fixes in InfluxDB after the drain; equal to `fixes` when nothing was lost or duplicated. */
    countedInInflux: number; failures: number; rejected: number;
  };
  trail: {
    fixesOfTag: number; otherTags: number; otherEveryS: number; otherFixes: number; writeFixesPerS: number;
    restartMs: number; queries: InfluxTimedQuery[];
  };
  durationS: number;
}

export type InfluxBenchResult = { skipped: string } | InfluxBenchFigures;

const FLOOR_W = 100;
const FLOOR_H = 60;
const HOUR = 3_600_000;

/** Deterministic 32-bit PRNG (mulberry32): homes of the tags. Bench data only (the same as history-store.ts's). */
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

/** Fixes shaped as the pipeline's (3 gateways of evidence, a room, a zone): the fixes history-store.ts writes. */
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

/**
 * CPU time (user + system, ms) of the influxd child of this process, from /proc (Linux); null elsewhere. The test
 * helper does not expose the pid, and influxd is spawned directly (no shell), so it is the child named influxd.
 */
function influxdCpuMs(): number | null {
  const tick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
  let dirs: string[];
  try {
    dirs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const d of dirs) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid … utime stime …": fields after the comm's closing parenthesis, utime = 14th field overall.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    if (comm === 'influxd' && Number(f[1]) === process.pid) return ((Number(f[11]) + Number(f[12])) * 1000) / tick;
  }
  return null;
}

/** A timed query, or the error it failed with (the bench goes on: a failing query is a finding, not a crash). */
export type InfluxTimedQuery = TimedQuery & { error?: string };

async function timeQuery(query: string, runs: number, fn: () => Promise<unknown[]>): Promise<InfluxTimedQuery> {
  const ms: number[] = [];
  let returned = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    try {
      returned = (await fn()).length;
    } catch (err) {
      return { query, returned: 0, firstMs: NaN, medianMs: NaN, runs: r, error: (err as Error).message.slice(0, 200) };
    }
    ms.push(performance.now() - t);
  }
  return { query, returned, firstMs: round(ms[0]!, 1), medianMs: round(percentile(ms, 50), 1), runs };
}

async function countFixes(influxd: Influxd, cfg: InfluxV1Config): Promise<number> {
  const body = await influxd.query(`SELECT count("x") FROM "${cfg.retentionPolicy}"."fixes"`, cfg.database);
  const r = body.results?.[0];
  if (body.error || r?.error) throw new Error(`count query failed: ${body.error ?? r?.error}`);
  return Number(r?.series?.[0]?.values?.[0]?.[1] ?? 0);
}

/** The production retention setup (raw 30 days, trails, CQ) on a database of its own. */
function configFor(influxd: Influxd, database: string): InfluxV1Config {
  return toInfluxConfig({ INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: database }) as InfluxV1Config;
}

async function dropDatabase(influxd: Influxd, database: string): Promise<void> {
  await influxd.query(`DROP DATABASE "${database}"`);
}

/** `nowMs`: the wall clock at the entry point; the data is placed before it (see the header). */
export async function measureInflux(quick: boolean, nowMs: number): Promise<InfluxBenchResult> {
  if (!influxdAvailable()) return { skipped: 'influxd not found' };
  const began = performance.now();
  const T0 = Math.floor(nowMs / HOUR) * HOUR - 27 * HOUR; // the trail's day ends 3 h before now
  const influxd = await startInfluxd({ database: 'rtls_bench' });
  const dirs: string[] = [];
  try {
    const ping = await fetch(`${influxd.url}/ping`);
    const serverVersion = ping.headers.get('x-influxdb-version') ?? 'unknown';

    // ── Write rate: InfluxWriter alone ──
    const wcfg = configFor(influxd, 'rtls_write');
    const { retention: setup } = await openInfluxHistoryStore(wcfg);
    if (setup.errors.length) throw new Error(`retention setup: ${setup.errors.join('; ')}`);
    const writer = new InfluxWriter(wcfg);
    const tenK = new Tags(10_000, (i) => `L${i % 10}`, 1);
    const minMs = quick ? 8000 : 20_000;
    const minFixes = quick ? 100_000 : 500_000;
    const maxMs = quick ? 15_000 : 40_000;
    const encodeMs: number[] = [];
    const requestMs: number[] = [];
    let fixes = 0;
    let lineBytes = 0;
    let timedMs = 0;
    const cpu0 = process.cpuUsage();
    const icpu0 = influxdCpuMs();
    for (let step = 0; (timedMs < minMs || fixes < minFixes) && timedMs < maxMs; step++) {
      const t = T0 + step * 500;
      const batch: Fix[] = [];
      for (let i = step % 2; i < tenK.n; i += 2) batch.push(tenK.fix(i, t + (i % 500)));
      const e0 = performance.now();
      const lines = writer.encode(batch, []);
      const r0 = performance.now();
      await writer.writeLines(lines);
      const r1 = performance.now();
      encodeMs.push(r0 - e0);
      requestMs.push(r1 - r0);
      timedMs += r1 - e0;
      fixes += batch.length;
      for (const l of lines) lineBytes += Buffer.byteLength(l) + 1;
    }
    const cpu = process.cpuUsage(cpu0);
    const icpu1 = influxdCpuMs();
    const ws = writer.stats();

    // Two in flight: each loop takes the next 500 ms step of data (later than the run above) and writes it.
    const writer2 = new InfluxWriter(wcfg);
    const twoMs = quick ? 5000 : 10_000;
    const twoRequestMs: number[] = [];
    let nextStep = Math.ceil(fixes / 5000) + 1;
    let twoFixes = 0;
    const w0 = performance.now();
    const loop = async () => {
      while (performance.now() - w0 < twoMs) {
        const step = nextStep++;
        const batch: Fix[] = [];
        for (let i = step % 2; i < tenK.n; i += 2) batch.push(tenK.fix(i, T0 + step * 500 + (i % 500)));
        const r0 = performance.now();
        await writer2.write(batch, []);
        twoRequestMs.push(performance.now() - r0);
        twoFixes += batch.length;
      }
    };
    await Promise.all([loop(), loop()]);
    const twoWallMs = performance.now() - w0;
    const twoInFlight = {
      fixes: twoFixes, wallMs: round(twoWallMs), fixesPerS: round(perSecond(twoFixes, twoWallMs)),
      requestP50Ms: round(percentile(twoRequestMs, 50), 1), requestP99Ms: round(percentile(twoRequestMs, 99), 1),
      failedRequests: writer2.stats().failedRequests,
    };
    const write = {
      tags: tenK.n, fixesPerRequest: 5000, requests: ws.requests, fixes, timedMs: round(timedMs), fixesPerS: round(perSecond(fixes, timedMs)),
      encodeP50Ms: round(percentile(encodeMs, 50), 1), requestP50Ms: round(percentile(requestMs, 50), 1),
      requestP99Ms: round(percentile(requestMs, 99), 1), requestMaxMs: round(Math.max(...requestMs), 1),
      wireBytesPerFix: round(ws.bytesSent / fixes, 1), lineBytesPerFix: round(lineBytes / fixes, 1), failedRequests: ws.failedRequests,
      clientCpuMsPer1000: round(((cpu.user + cpu.system) / 1000 / fixes) * 1000, 2),
      influxdCpuMsPer1000: icpu0 !== null && icpu1 !== null ? round(((icpu1 - icpu0) / fixes) * 1000, 2) : null,
      twoInFlight,
    };
    await dropDatabase(influxd, wcfg.database);

    // ── Outbox forward rate: a pre-filled backlog drained by ForwardedHistoryStore ──
    const ocfg = configFor(influxd, 'rtls_outbox');
    const outboxFixes = quick ? 100_000 : 300_000;
    const dataDir = mkdtempSync(join(tmpdir(), 'rtls-bench-influx-'));
    dirs.push(dataDir);
    const local = openSqliteHistoryStore(dataDir, { outbox: true });
    const p0 = performance.now();
    for (let step = 0; step * 5000 < outboxFixes; step++) {
      const batch: Fix[] = [];
      for (let i = step % 2; i < tenK.n; i += 2) batch.push(tenK.fix(i, T0 + HOUR + step * 500 + (i % 500)));
      local.appendFixes(batch);
      await local.flush();
    }
    const prefillMs = performance.now() - p0;
    const backlog = local.outboxBacklog().fixes;
    if (backlog !== outboxFixes) throw new Error(`outbox pre-fill: backlog ${backlog}, expected ${outboxFixes}`);
    const { store: influx, retention } = await openInfluxHistoryStore(ocfg, { clock: () => nowMs });
    if (retention.errors.length) throw new Error(`retention setup: ${retention.errors.join('; ')}`);
    const fwd = new ForwardedHistoryStore(local, influx, systemClock);
    const d0 = performance.now();
    for (let idle = 0; fwd.stats().outbox.backlog > 0;) {
      // A failure makes the forwarder back off (≥ 1 s) and pump() return 0 at once: give up after ~10 s of that.
      if ((await fwd.pump()) > 0) idle = 0;
      else if (++idle > 100) throw new Error(`outbox drain stalled: ${fwd.stats().outbox.lastError}`);
      else await new Promise((r) => setTimeout(r, 100));
    }
    const drainMs = performance.now() - d0;
    const ostats = fwd.stats().outbox;
    await fwd.close();
    const outbox = {
      fixes: outboxFixes, batchItems: 5000, prefillMs: round(prefillMs), drainMs: round(drainMs), fixesPerS: round(perSecond(outboxFixes, drainMs)),
      countedInInflux: await countFixes(influxd, ocfg), failures: ostats.failures, rejected: ostats.rejected,
    };
    await dropDatabase(influxd, ocfg.database);

    // ── Trail: one tag's day at 1 Hz among 1,000 tags at one fix per 60 s ──
    const tcfg = configFor(influxd, 'rtls_trail');
    const hours = quick ? 6 : 24;
    const otherEveryS = 60;
    const pop = new Tags(1001, () => 'L1', 2);
    const tw = new InfluxWriter(tcfg);
    const { retention: tsetup } = await openInfluxHistoryStore(tcfg);
    if (tsetup.errors.length) throw new Error(`retention setup: ${tsetup.errors.join('; ')}`);
    let pending: Fix[] = [];
    let trailTimedMs = 0;
    let trailFixes = 0;
    const send = async () => {
      const t = performance.now();
      await tw.write(pending, []);
      trailTimedMs += performance.now() - t;
      trailFixes += pending.length;
      pending = [];
    };
    for (let min = 0; min < hours * 60; min++) {
      const t = T0 + min * 60_000;
      for (let s = 0; s < 60; s++) pending.push(pop.fix(0, t + s * 1000));
      for (let i = 1; i < pop.n; i++) pending.push(pop.fix(i, t + (i % 600) * 100));
      if (pending.length >= 5000) await send();
    }
    if (pending.length) await send();
    const r0 = performance.now();
    await influxd.stop();
    await influxd.start();
    const restartMs = performance.now() - r0;
    const { store: ts } = await openInfluxHistoryStore(tcfg, { clock: () => nowMs });
    const target = pop.ids[0]!;
    const end = T0 + hours * HOUR;
    const queries = [
      await timeQuery(`trail ${hours} h, every fix (limit 100,000)`, 3, () => ts.trail(target, T0, end, 100_000)),
      await timeQuery(`trail ${hours} h, limit 10,000 (the API's maximum): the newest`, 5, () => ts.trail(target, T0, end, 10_000)),
      await timeQuery(`trail ${hours} h, resolutionMs 10,000`, 5, () => ts.trail(target, T0, end, 10_000, 10_000)),
      await timeQuery(`trail ${hours} h, resolutionMs 60,000`, 5, () => ts.trail(target, T0, end, 10_000, 60_000)),
      await timeQuery('positionAt (mid-range, maxAge 5 min)', 5, async () => [await ts.positionAt(target, T0 + (hours * HOUR) / 2 + 500, 300_000)]),
    ];
    await ts.close();
    const trail = {
      fixesOfTag: hours * 3600, otherTags: pop.n - 1, otherEveryS, otherFixes: (pop.n - 1) * hours * 60,
      writeFixesPerS: round(perSecond(trailFixes, trailTimedMs)), restartMs: round(restartMs), queries,
    };

    return { serverVersion, write, outbox, trail, durationS: round((performance.now() - began) / 1000) };
  } finally {
    await influxd.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Under bench/run.ts: exit on its `stop`, not before (see history-store.ts: exiting first raised EPIPE in the
  // parent). Listening from the start, so a `stop` after run.ts's timeout also ends the run — and the test helper's
  // exit hook then kills influxd, which a SIGKILL of this process would orphan.
  if (process.send) onParentMessage((m) => m.type === 'stop' && process.exit(0));
  report({ type: 'result', data: await measureInflux(process.argv.includes('--quick'), Date.now()) });
}
