/**
 * Section 2 — the whole stack in real time, composed as the demo composes it (scripts/demo.ts): registry → embedded
 * Aedes broker (gateways authenticate against the registry) → locator subscribed in-process → HTTP API → simulated
 * gateways publishing over real MQTT/TCP, one connection per gateway with its own credentials, in this one process.
 *
 * The composition is repeated here rather than calling startDemo() because the bench wraps the real pipeline
 * (createLocatorService's `createPipeline` seam) to time every fix and every handle()/tick() call; startDemo does not
 * expose that seam. Everything else is the demo's: same config loaders, same env names, same parts.
 *
 *   npx tsx bench/end-to-end.ts <tags> [measureS] [warmupS]      (prints one JSON result line)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { systemClock, type GatewayCredentials, type Fix } from '@rtls/protocol';
import { loadSite } from '@rtls/floorplans';
import { createBroker, loadBrokerConfig, type BrokerStats } from '@rtls/broker';
import {
  createLocatorService, createPipeline, loadLocatorConfig, openRegistry,
  type CreatePipelineOptions, type Pipeline, type PipelineSink, type PipelineStats,
} from '@rtls/locator';
import { Simulation, SimRunner, loadSimConfig, type SimRunnerStats } from '@rtls/gateway-firmware-sim';
import { cpuMs, deltaCounts, mb, percentile, perSecond, round, total } from './lib/stats.ts';
import { report } from './lib/child.ts';

export interface EndToEndResult {
  tags: number;
  gateways: number;
  startupS: number;
  warmupS: number;
  measuredS: number;
  /** Reads accepted by the pipeline per second (ingest). */
  readsPerS: number;
  /** Reads the simulated gateways published per second. */
  readsPublishedPerS: number;
  messagesPerS: number;
  fixesPerS: number;
  zoneEventsPerS: number;
  /** Fix emission (wall clock) − fix.t (time of the newest read used): includes the gateways' 1 s batching. */
  readToFixMs: { p50: number; p99: number; max: number };
  /** Fix emission − receive time of the newest message that brought a read for that tag. */
  receiveToFixMs: { p50: number; p99: number; max: number };
  /** Receive time − the batch's own `t` (when the gateway closed it): the simulator's publish lag plus MQTT transit. */
  batchToReceiveMs: { p50: number; p99: number; max: number };
  /** Event-loop delay beyond the sampling interval (perf_hooks.monitorEventLoopDelay), ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Share of one core spent inside pipeline.handle() and pipeline.tick(), %. */
  pipelineBusyPct: number;
  tickP99Ms: number;
  /** Whole process CPU (simulator, MQTT clients, broker, locator, store) as a share of one core, %. */
  processCpuPct: number;
  rssMB: number;
  heapUsedMB: number;
  drops: {
    /** Pipeline drops during the measured window, by reason (all reasons; should be none). */
    pipeline: Record<string, number>;
    pipelineTotalSinceStart: number;
    /** Batches the simulator could not publish because its gateway was not connected. */
    simBatchesDropped: number;
    simConnectErrors: number;
    liveSkippedDeltas: number;
    storeWriteErrors: number;
  };
  store: { fixesWritten: number; pending: number };
  broker: BrokerStats;
  gatewaysConnected: number;
}

interface Probe {
  recording: boolean;
  readToFix: number[];
  receiveToFix: number[];
  batchToReceive: number[];
  fixes: number;
  zoneEvents: number;
  busyMs: number;
  tickMs: number[];
}

/**
 * The real pipeline behind a thin wrapper: the fix timestamps are taken where the service's sink receives them, and
 * the newest receive time per tag is remembered from tagSeen (which the pipeline calls synchronously inside handle()).
 */
function probedPipeline(probe: Probe): (opts: CreatePipelineOptions) => Pipeline {
  return (opts) => {
    let receivedAt = 0;
    const lastReceived = new Map<string, number>();
    const sink: PipelineSink = {
      tagSeen(tag, t, battery) {
        lastReceived.set(tag, receivedAt);
        opts.sink.tagSeen(tag, t, battery);
      },
      fix(fix: Fix) {
        if (probe.recording) {
          const now = Date.now();
          probe.fixes++;
          probe.readToFix.push(now - fix.t);
          const r = lastReceived.get(fix.tag);
          if (r !== undefined) probe.receiveToFix.push(now - r);
        }
        opts.sink.fix(fix);
      },
      zoneEvent(event) {
        if (probe.recording) probe.zoneEvents++;
        opts.sink.zoneEvent(event);
      },
      gatewayStatus: (status, at) => opts.sink.gatewayStatus(status, at),
    };
    const real = createPipeline({ ...opts, sink });
    return {
      handle(msg) {
        receivedAt = msg.receivedAt;
        if (probe.recording) {
          const sent = batchTime(msg.payload);
          if (sent !== null) probe.batchToReceive.push(msg.receivedAt - sent);
        }
        const t0 = performance.now();
        real.handle(msg);
        if (probe.recording) probe.busyMs += performance.now() - t0;
      },
      tick() {
        const t0 = performance.now();
        real.tick();
        const d = performance.now() - t0;
        if (probe.recording) {
          probe.busyMs += d;
          probe.tickMs.push(d);
        }
      },
      stats: () => real.stats(),
    };
  };
}

/**
 * The envelope `t` of a native batch, read from the payload's head without parsing the reads: the simulator writes
 * `{"gw":…,"seq":…,"t":…,"reads":[…]}`, so `t` comes before the first read. Null for anything else (status).
 */
function batchTime(payload: Uint8Array): number | null {
  const head = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, 160)).toString('latin1');
  const m = /^\{"gw":"[^"]*","seq":\d+,"t":(\d+),"reads":/.exec(head);
  return m ? Number(m[1]) : null;
}

/** monitorEventLoopDelay's sampling timer interval, ms; its histogram includes the interval itself. */
const LOOP_RESOLUTION_MS = 10;
const loopDelay = (ns: number) => round(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS), 1);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pcts = (v: number[]) => ({ p50: round(percentile(v, 50)), p99: round(percentile(v, 99)), max: round(v.length ? Math.max(...v) : NaN) });

export async function measureEndToEnd(tags: number, measureS = 20, warmupS = 5): Promise<EndToEndResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rtls-bench-e2e-'));
  const env: Record<string, string> = {
    RTLS_HTTP_HOST: '127.0.0.1',
    RTLS_HTTP_PORT: '0',
    RTLS_MQTT_HOST: '127.0.0.1',
    RTLS_MQTT_PORT: '0',
    RTLS_MQTT_WS_PORT: 'off',
    RTLS_DATA_DIR: dataDir,
    RTLS_WEB_DIST: join(dataDir, 'no-web-build'),
    RTLS_SIM_TAGS: String(tags),
    RTLS_LOG_LEVEL: 'warn',
  };
  const clock = systemClock;
  const locatorConfig = loadLocatorConfig(env);
  const brokerConfig = loadBrokerConfig(env);
  const simConfig = loadSimConfig(env);
  const logger = pino({ level: locatorConfig.logLevel });
  const probe: Probe = { recording: false, readToFix: [], receiveToFix: [], batchToReceive: [], fixes: 0, zoneEvents: 0, busyMs: 0, tickMs: [] };
  const closers: Array<() => Promise<void> | void> = [() => rmSync(dataDir, { recursive: true, force: true })];

  try {
    const t0 = performance.now();
    const site = loadSite(locatorConfig.siteDir);
    const registry = openRegistry(locatorConfig.dataDir);
    closers.push(() => registry.close());
    registry.syncGatewaysFromSite(site);
    const broker = await createBroker({
      config: brokerConfig, clock, logger: logger.child({ svc: 'broker' }),
      authenticate: async (username, password) => {
        const gatewayId = await registry.authenticateGateway(username, password);
        return gatewayId ? { kind: 'gateway', gatewayId } : null;
      },
    });
    closers.push(() => broker.close());
    const service = await createLocatorService({
      config: locatorConfig, site, registry, messageSource: broker.messageSource(), clock,
      logger: logger.child({ svc: 'locator' }), createPipeline: probedPipeline(probe),
    });
    closers.push(() => service.close());
    await service.listen();

    const gatewayIds = site.floors.flatMap((f) => f.gateways.map((g) => g.properties.id));
    const issued = await Promise.all(gatewayIds.map((id) => registry.issueGatewayCredentials(id)));
    const creds = new Map<string, GatewayCredentials>(issued.map((c) => [c.username, c]));
    const simulation = new Simulation({
      site, seed: simConfig.seed, tagCount: simConfig.tags, startTime: clock(),
      advIntervalMs: simConfig.advIntervalMs, batchIntervalMs: simConfig.batchMs,
    });
    registry.upsertTags(simulation.tags());
    const runner = new SimRunner({ simulation, brokerUrl: `mqtt://127.0.0.1:${broker.tcpPort}`, clock, logger: logger.child({ svc: 'sim' }), credentials: (id) => creds.get(id) });
    await runner.start();
    closers.push(() => runner.stop());
    const startupS = (performance.now() - t0) / 1000;

    await sleep(warmupS * 1000);

    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    const s0 = { p: service.stats().pipeline, sim: runner.stats(), cpu: process.cpuUsage(), at: performance.now() };
    probe.recording = true;
    loop.enable();
    await sleep(measureS * 1000);
    loop.disable();
    probe.recording = false;
    const s1 = { p: service.stats().pipeline, sim: runner.stats(), cpu: process.cpuUsage(s0.cpu), at: performance.now() };
    const mem = process.memoryUsage();
    const stats = service.stats();
    const ms = s1.at - s0.at;
    const d = (k: keyof Omit<PipelineStats, 'dropped'>) => s1.p[k] - s0.p[k];
    const simDelta = (k: keyof SimRunnerStats) => s1.sim[k] - s0.sim[k];

    return {
      tags,
      gateways: gatewayIds.length,
      startupS: round(startupS, 1),
      warmupS,
      measuredS: round(ms / 1000, 1),
      readsPerS: round(perSecond(d('reads'), ms)),
      readsPublishedPerS: round(perSecond(simDelta('readsPublished'), ms)),
      messagesPerS: round(perSecond(d('messages'), ms)),
      fixesPerS: round(perSecond(probe.fixes, ms)),
      zoneEventsPerS: round(perSecond(probe.zoneEvents, ms), 1),
      readToFixMs: pcts(probe.readToFix),
      receiveToFixMs: pcts(probe.receiveToFix),
      batchToReceiveMs: pcts(probe.batchToReceive),
      eventLoopDelayMs: {
        p50: loopDelay(loop.percentile(50)), p99: loopDelay(loop.percentile(99)), max: loopDelay(loop.max),
      },
      pipelineBusyPct: round((probe.busyMs / ms) * 100, 1),
      tickP99Ms: round(percentile(probe.tickMs, 99), 1),
      processCpuPct: round((cpuMs(s1.cpu) / ms) * 100),
      rssMB: mb(mem.rss),
      heapUsedMB: mb(mem.heapUsed),
      drops: {
        pipeline: deltaCounts(s0.p.dropped, s1.p.dropped),
        pipelineTotalSinceStart: total(s1.p.dropped),
        simBatchesDropped: s1.sim.batchesDropped,
        simConnectErrors: s1.sim.connectErrors,
        liveSkippedDeltas: stats.live.skippedDeltas,
        storeWriteErrors: stats.store.writeErrors,
      },
      store: { fixesWritten: stats.store.fixesWritten, pending: stats.store.pending },
      broker: broker.stats(),
      gatewaysConnected: s1.sim.connected,
    };
  } finally {
    for (const c of closers.reverse()) {
      try { await c(); } catch (err) { logger.warn({ err }, 'error while shutting down the bench stack'); }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [tags, measureS, warmupS] = process.argv.slice(2).map(Number);
  if (!tags || !(tags > 0)) {
    process.stderr.write('usage: end-to-end.ts <tags> [measureS] [warmupS]\n');
    process.exit(2);
  }
  report({ type: 'result', data: await measureEndToEnd(tags, measureS || 20, warmupS ?? 5) });
  // Sockets of the stack are closed; anything left (e.g. a pino transport) must not keep the child alive.
  process.exit(0);
}
