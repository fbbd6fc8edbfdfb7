/**
 * `npm run bench`: what one machine sustains, in three parts (see bench/README.md for what each figure means):
 *   1. pipeline capacity without I/O (simulated time, one core) for 400, 2,000 and 5,000 tags
 *   2. the whole stack in real time (embedded broker, simulated gateways over MQTT/TCP) for 400 and 2,000 tags
 *   3. broker delivery to an in-process vs a TCP subscriber under 1 and 50 flooding publishers (and a limit probe)
 *   4. the embedded SQLite history store: write rate at 10,000 tags, 24 h trail, 1 h floor query, outbox read rate
 *   5. InfluxDB (a real influxd 1.x, INFLUX_API=v1): write rate at 10,000 tags, outbox forward rate, 24 h trail
 * Prints tables and writes the same figures to bench/results/latest.json. No pass/fail: figures only.
 *
 *   npm run bench [-- --quick] [-- --only capacity,e2e,broker,history,influx]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startChild } from './lib/child.ts';
import { renderTable, type Cell } from './lib/table.ts';
import { round, total } from './lib/stats.ts';
import { measureBrokerModes, type FloodResult, type FloodScenario } from './broker-modes.ts';
import type { CapacityResult } from './pipeline-capacity.ts';
import type { EndToEndResult } from './end-to-end.ts';
import type { HistoryBenchResult } from './history-store.ts';
import type { InfluxBenchResult } from './history-influx.ts';

const SECTIONS = ['capacity', 'e2e', 'broker', 'history', 'influx'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  strict: true,
});
const only = new Set<Section>((values.only?.split(',').map((s) => s.trim()) ?? SECTIONS).filter((s): s is Section => (SECTIONS as readonly string[]).includes(s)));
const quick = values.quick;

/** Sizes and durations. `--quick` is for checking the bench itself; its figures are noisier. */
const PLAN = {
  capacity: { tags: quick ? [400, 2000] : [400, 2000, 5000], measuredSimS: quick ? 10 : 30, warmupSimS: 5 },
  e2e: { tags: [400, 2000], measureS: quick ? 8 : 20, warmupS: 5 },
  broker: {
    durationMs: quick ? 2000 : 5000,
    publishers: [1, 50],
    payloads: ['batch', 'small'] as const,
    /** Bounds on messages per run, so a fast machine cannot flood memory. */
    maxMessages: { batch: 500_000, small: 3_000_000 },
  },
  /** Sizes are in bench/history-store.ts; --quick shortens every part (60 s of writes, a 6 h trail, a 15 min floor query). */
  history: { quick },
  /** Sizes are in bench/history-influx.ts; --quick: 8 s of writes, a 100,000-fix backlog, a 6 h trail. */
  influx: { quick },
};

const log = (line: string) => process.stderr.write(`${line}\n`);
type ResultMsg<T> = { type: 'result'; data: T };
const isResult = <T>(m: ResultMsg<T> | { type: string }): m is ResultMsg<T> => m.type === 'result';

async function inChild<T>(file: string, args: (string | number)[], timeoutMs: number): Promise<T> {
  const child = startChild<ResultMsg<T> | { type: string }>(new URL(file, import.meta.url), args.map(String), { exposeGc: true });
  try {
    return (await child.next(isResult<T>, timeoutMs)).data;
  } finally {
    await child.stop(10_000);
  }
}

const began = performance.now();
const results: {
  capacity: CapacityResult[]; endToEnd: EndToEndResult[]; broker: FloodResult[]; history: HistoryBenchResult | null; influx: InfluxBenchResult | null;
} = {
  capacity: [], endToEnd: [], broker: [], history: null, influx: null,
};
const failures: string[] = [];

if (only.has('capacity')) {
  for (const tags of PLAN.capacity.tags) {
    log(`capacity: ${tags} tags…`);
    try {
      results.capacity.push(await inChild<CapacityResult>('./pipeline-capacity.ts', [tags, PLAN.capacity.measuredSimS, PLAN.capacity.warmupSimS], 300_000));
    } catch (err) {
      failures.push(`capacity ${tags} tags: ${(err as Error).message}`);
    }
  }
}

if (only.has('e2e')) {
  for (const tags of PLAN.e2e.tags) {
    log(`end to end: ${tags} tags (${PLAN.e2e.warmupS} s warm-up + ${PLAN.e2e.measureS} s)…`);
    try {
      results.endToEnd.push(await inChild<EndToEndResult>('./end-to-end.ts', [tags, PLAN.e2e.measureS, PLAN.e2e.warmupS], 180_000));
    } catch (err) {
      failures.push(`end to end ${tags} tags: ${(err as Error).message}`);
    }
  }
}

if (only.has('broker')) {
  const scenarios: FloodScenario[] = [];
  for (const payload of PLAN.broker.payloads) {
    for (const publishers of PLAN.broker.publishers) {
      for (const mode of ['in-process', 'tcp'] as const) {
        scenarios.push({
          mode, publishers, payload, durationMs: PLAN.broker.durationMs, maxMessages: PLAN.broker.maxMessages[payload],
          // The flood that leaves a backlog behind a TCP subscriber is allowed to drain longer, to see how it ends.
          ...(mode === 'tcp' && publishers > 1 && payload === 'small' && !quick ? { drainMaxMs: 25_000 } : {}),
        });
      }
    }
  }
  // Limit probe: the demo's in-process path under 200 flooding publishers (issue note: Aedes 1.2 was seen to crash).
  if (!quick) scenarios.push({ mode: 'in-process', publishers: 200, payload: 'small', durationMs: PLAN.broker.durationMs, maxMessages: PLAN.broker.maxMessages.small });
  results.broker = await measureBrokerModes(scenarios, log);
}

if (only.has('history')) {
  log(`history store: write rate at 10,000 tags, outbox, trail, floor query${quick ? ' (quick)' : ''}…`);
  try {
    results.history = await inChild<HistoryBenchResult>('./history-store.ts', quick ? ['--quick'] : [], 900_000);
  } catch (err) {
    failures.push(`history store: ${(err as Error).message}`);
  }
}

if (only.has('influx')) {
  log(`InfluxDB history: write rate at 10,000 tags, outbox forward rate, trail${quick ? ' (quick)' : ''}…`);
  try {
    results.influx = await inChild<InfluxBenchResult>('./history-influx.ts', quick ? ['--quick'] : [], 300_000);
  } catch (err) {
    failures.push(`InfluxDB history: ${(err as Error).message}`);
  }
}

const durationS = Math.round((performance.now() - began) / 1000);
const cpu = os.cpus();
const machine = {
  cpu: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length, memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};

// ── Tables ──────────────────────────────────────────────────────────────────────────────────────────────────────
const out: string[] = [
  `RTLS bench — ${new Date().toISOString()} — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, Node ${machine.node}${quick ? ' — QUICK RUN' : ''}`,
  '',
];

if (results.capacity.length) {
  out.push(renderTable(
    `1. Pipeline capacity, no I/O (one core, simulated time, ${PLAN.capacity.measuredSimS} simulated s after ${PLAN.capacity.warmupSimS} s warm-up)`,
    ['tags', 'offered reads/sim s', 'reads/s', 'fixes/s', 'msgs/s', 'x real time', 'tick p99 ms', 'tick max ms', 'heap after MB', 'drops'],
    results.capacity.map((r) => [r.tags, r.offeredReadsPerSimS, r.readsPerS, r.fixesPerS, r.messagesPerS, r.realtimeFactor, r.tickP99Ms, r.tickMaxMs, r.heapUsedAfterMB, r.dropped]),
    [
      'reads/s, fixes/s, msgs/s: per second of wall time of the feed loop (≈ CPU time, one core).',
      'x real time: simulated seconds processed per wall second; the tag count one core sustains ≈ tags × this factor.',
      'tick: one pipeline.tick() (locate every due tag); it runs on the event loop, so its length is a loop stall.',
    ],
  ));
}

if (results.endToEnd.length) {
  const cols = results.endToEnd;
  const row = (label: string, f: (r: EndToEndResult) => Cell): Cell[] => [label, ...cols.map(f)];
  const pair = (a: number, b: number) => `${a.toLocaleString('en-US')} / ${b.toLocaleString('en-US')}`;
  out.push(renderTable(
    `2. End to end, real time (embedded broker, ${cols[0]!.gateways} simulated gateways over MQTT/TCP, one process; ${PLAN.e2e.measureS} s after ${PLAN.e2e.warmupS} s warm-up)`,
    ['figure', ...cols.map((r) => `${r.tags.toLocaleString('en-US')} tags`)],
    [
      row('reads ingested /s', (r) => r.readsPerS),
      row('reads published /s (simulator)', (r) => r.readsPublishedPerS),
      row('MQTT messages /s', (r) => r.messagesPerS),
      row('fixes /s', (r) => r.fixesPerS),
      row('zone events /s', (r) => r.zoneEventsPerS),
      row('read→fix ms p50 / p99', (r) => pair(r.readToFixMs.p50, r.readToFixMs.p99)),
      row('  batch t→receive ms p50 / p99', (r) => pair(r.batchToReceiveMs.p50, r.batchToReceiveMs.p99)),
      row('  receive→fix ms p50 / p99', (r) => pair(r.receiveToFixMs.p50, r.receiveToFixMs.p99)),
      row('event-loop delay ms p50 / p99', (r) => pair(r.eventLoopDelayMs.p50, r.eventLoopDelayMs.p99)),
      row('event-loop delay max ms', (r) => r.eventLoopDelayMs.max),
      row('pipeline tick p99 ms', (r) => r.tickP99Ms),
      row('pipeline busy % of a core', (r) => r.pipelineBusyPct),
      row('process CPU % of a core', (r) => r.processCpuPct),
      row('RSS MB (end)', (r) => r.rssMB),
      row('heap used MB (end)', (r) => r.heapUsedMB),
      row('pipeline drops (window / since start)', (r) => `${total(r.drops.pipeline)} / ${r.drops.pipelineTotalSinceStart}`),
      row('simulator batches dropped', (r) => r.drops.simBatchesDropped),
      row('live-feed skipped deltas, store write errors', (r) => `${r.drops.liveSkippedDeltas}, ${r.drops.storeWriteErrors}`),
      row('fixes written to history', (r) => r.store.fixesWritten),
      row('gateways connected', (r) => `${r.gatewaysConnected}/${r.gateways}`),
      row('broker auth failures, ACL denials, client errors', (r) => `${r.broker.authFailures}, ${total(r.broker.aclDenials)}, ${total(r.broker.clientErrors)}`),
      row('startup s (registry, 358 credentials, connects)', (r) => r.startupS),
    ],
    [
      'read→fix: fix emission − fix.t (newest read used) = the read\'s age in its 1 s batch (by design) + batch t→receive + receive→fix.',
      'batch t→receive: arrival − the batch\'s t (the simulator publishes on a 1 s timer whose phase is arbitrary, + MQTT).',
      'receive→fix: fix emission − arrival of the newest message with a read of that tag (tick wait + 1 s minimum fix interval).',
      'event-loop delay: beyond the 10 ms sampling timer; the simulator, broker and locator share this one loop.',
    ],
  ));
}

if (results.broker.length) {
  out.push(renderTable(
    `3. Broker delivery under a publisher flood (QoS 0, ~${PLAN.broker.durationMs / 1000} s per run, production broker limits; broker, publishers, subscriber in separate processes)`,
    ['payload', 'publishers', 'subscriber', 'published msg/s', 'delivered msg/s', 'reads/s', 'MB/s', 'delivered %', 'tail s', 'broker CPU %', 'sub CPU %', 'broker max RSS MB', 'outcome'],
    results.broker.map((r) => [
      `${r.payload} (${(r.payloadBytes / 1024).toFixed(1)} kB)`, r.publishers, r.mode, r.publishedPerS, r.deliveredPerS, r.readsPerS, r.deliveredMBPerS,
      r.deliveredPct, r.tailS, r.brokerCpuPct, r.subscriberCpuPct, r.brokerMaxRssMB, r.outcome,
    ]),
    [
      'delivered msg/s: messages the subscriber received ÷ time from the first publish to the last delivery.',
      'tail s: how long deliveries went on after publishing stopped (messages the broker had queued).',
      'CPU %: of one core during the run (publishing + draining); sub = the TCP subscriber process (mqtt.js).',
    ],
  ));
}

if (results.history) {
  const h = results.history;
  const n = (v: number) => v.toLocaleString('en-US');
  out.push(renderTable(
    '4. Embedded SQLite history store (one process; only store calls timed)',
    ['figure', 'value'],
    [
      [`write: ${n(h.write.tags)} tags, 1 fix/s each, flush per 500 ms (${n(h.write.fixesPerFlush)} fixes), ${n(h.write.fixes)} fixes`, `${n(h.write.fixesPerS)} fixes/s`],
      ['  the last third of the run', `${n(h.write.fixesPerSLastThird)} fixes/s`],
      ['  one flush (incl. compaction) p50 / p99 / max ms', `${h.write.flushP50Ms} / ${h.write.flushP99Ms} / ${h.write.flushMaxMs}`],
      ['  file bytes per fix', h.write.bytesPerFix],
      [`outbox on: write (${n(h.outbox.fixes)} fixes)`, `${n(h.outbox.writeFixesPerS)} fixes/s`],
      [`outbox read + commit, batches of ${n(h.outbox.batch)}`, `${n(h.outbox.readFixesPerS)} fixes/s`],
      ...h.trail.queries.map((q) => [`${q.query} → ${n(q.returned)}: first / median ms`, `${q.firstMs} / ${q.medianMs}`]),
      ...h.floor.queries.map((q) => [`${q.query} → ${n(q.returned)}: first / median ms`, `${q.firstMs} / ${q.medianMs}`]),
    ],
    [
      `trail: one tag at 1 fix/s (${n(h.trail.fixesOfTag)} fixes in ${n(h.trail.chunkRowsOfTag)} chunk rows, as compacted at 10,000 tags) among 99 tags at 1 per 10 s; file ${h.trail.dbMB} MB.`,
      `floor: ${n(h.floor.tagsOnFloor)} tags at 1 fix/s on the floor (${n(h.floor.fixesOnFloor)} fixes) + ${n(h.floor.otherFixes)} fixes on another; file ${h.floor.dbMB} MB.`,
      'first: right after reopening the store (SQLite cache empty; the OS file cache is warm). See bench/README.md §4.',
    ],
  ));
}

if (results.influx?.skipped !== undefined) {
  out.push(`5. InfluxDB history: skipped: ${results.influx.skipped}\n`);
} else if (results.influx) {
  const x = results.influx;
  const n = (v: number) => v.toLocaleString('en-US');
  out.push(renderTable(
    `5. InfluxDB history (influxd ${x.serverVersion} on this machine, INFLUX_API=v1, production retention setup; only client calls timed)`,
    ['figure', 'value'],
    [
      [`write (InfluxWriter): ${n(x.write.tags)} tags, ${n(x.write.fixesPerRequest)} fixes per request, one at a time, ${n(x.write.fixes)} fixes`, `${n(x.write.fixesPerS)} fixes/s`],
      ['  request p50 / p99 / max ms (encode p50 ms)', `${x.write.requestP50Ms} / ${x.write.requestP99Ms} / ${x.write.requestMaxMs} (${x.write.encodeP50Ms})`],
      ['  bytes per fix on the wire (gzip) / as line protocol', `${x.write.wireBytesPerFix} / ${x.write.lineBytesPerFix}`],
      ['  CPU ms per 1,000 fixes: influxd / this process', `${x.write.influxdCpuMsPer1000 ?? 'n/a'} / ${x.write.clientCpuMsPer1000}`],
      ['  failed requests', x.write.failedRequests],
      [`  two requests in flight (not the forwarder's way), ${n(x.write.twoInFlight.fixes)} fixes`, `${n(x.write.twoInFlight.fixesPerS)} fixes/s (request p50 / p99 ${x.write.twoInFlight.requestP50Ms} / ${x.write.twoInFlight.requestP99Ms} ms, ${x.write.twoInFlight.failedRequests} failed)`],
      [`outbox drain: ${n(x.outbox.fixes)} fixes backlog → InfluxDB, batches of ${n(x.outbox.batchItems)}`, `${n(x.outbox.fixesPerS)} fixes/s (${round(x.outbox.drainMs / 1000, 1)} s)`],
      ['  fixes counted in InfluxDB afterwards (forward failures, rejected)', `${n(x.outbox.countedInInflux)}${x.outbox.countedInInflux === x.outbox.fixes ? ' = backlog' : ` ≠ ${n(x.outbox.fixes)} BACKLOG`} (${x.outbox.failures}, ${x.outbox.rejected})`],
      ...x.trail.queries.map((q) => (q.error ? [q.query, `FAILED: ${q.error}`] : [`${q.query} → ${n(q.returned)}: first / median ms`, `${q.firstMs} / ${q.medianMs}`])),
    ],
    [
      `trail: one tag at 1 fix/s (${n(x.trail.fixesOfTag)} fixes) among ${n(x.trail.otherTags)} tags at one fix per ${x.trail.otherEveryS} s (${n(x.trail.otherFixes)} fixes), written at ${n(x.trail.writeFixesPerS)} fixes/s; queried after an influxd restart (${n(x.trail.restartMs)} ms).`,
      'The influxd runs on the same machine as the bench (both share its cores). See bench/README.md §5.',
    ],
  ));
}

if (failures.length) out.push(`Parts that did not finish:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
out.push(`Bench took ${durationS} s.`);
process.stdout.write(`${out.join('\n')}\n`);

const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('latest.json', dir), `${JSON.stringify({ date: new Date().toISOString(), quick, machine, plan: PLAN, durationS, ...results, failures }, null, 2)}\n`);
log(`figures written to bench/results/latest.json`);
