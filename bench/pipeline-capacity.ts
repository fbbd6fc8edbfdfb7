/**
 * Section 1 — pipeline capacity without I/O: how many reads and fixes per second one core turns through the real
 * locator pipeline (decode → validate → filter → window → locate → room/zones), with simulated time.
 *
 * The simulator's native batches for the sample hospital are generated and serialised to MQTT payloads first
 * (warm-up seconds + measured seconds), so neither simulation nor JSON.stringify is timed. Then a fake clock steps
 * through simulated time in 250 ms steps: each step hands the batches due by then to pipeline.handle() and calls
 * tick(), as the service does with RTLS_TICK_MS = 250. Only the measured seconds are timed.
 *
 *   npx tsx bench/pipeline-capacity.ts <tags> [measuredSimS] [warmupSimS]      (prints one JSON result line)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gatewayReadsTopic, type InboundMessage } from '@rtls/protocol';
import { loadSampleSite } from '@rtls/floorplans';
import { Simulation } from '@rtls/gateway-firmware-sim';
import { createPipeline, DEFAULT_PIPELINE_OPTIONS, openRegistry, type PipelineSink } from '@rtls/locator';
import { cpuMs, mb, percentile, perSecond, round, total } from './lib/stats.ts';
import { report } from './lib/child.ts';

export interface CapacityResult {
  tags: number;
  gateways: number;
  simulatedS: number;
  messages: number;
  payloadMB: number;
  /** Reads in the measured payloads (offered load), per simulated second. */
  offeredReadsPerSimS: number;
  readsAccepted: number;
  fixes: number;
  zoneEvents: number;
  wallMs: number;
  cpuMs: number;
  readsPerS: number;
  fixesPerS: number;
  messagesPerS: number;
  /** Simulated seconds processed per wall second (> 1: faster than real time on one core). */
  realtimeFactor: number;
  tickP99Ms: number;
  tickMaxMs: number;
  dropped: number;
  droppedByReason: Record<string, number>;
  /** Heap in use after a full GC with the input payloads released (pipeline state for this many tags + runtime). */
  heapUsedAfterMB: number;
  generateMs: number;
}

/** A fixed simulated start (a Monday morning), so every run sees the same tags and movements. */
const START = Date.UTC(2025, 2, 3, 8, 0, 0);
const STEP_MS = 250;

export function measureCapacity(tags: number, measuredS = 30, warmupS = 5): CapacityResult {
  const site = loadSampleSite();
  const dir = mkdtempSync(join(tmpdir(), 'rtls-bench-cap-'));
  const registry = openRegistry(dir);
  try {
    registry.syncGatewaysFromSite(site);
    const view = registry.view();

    const g0 = performance.now();
    const sim = new Simulation({ site, seed: 42, tagCount: tags, startTime: START });
    let steps: Array<{ t: number; msgs: InboundMessage[] }> | null = [];
    let payloadBytes = 0;
    let offeredReads = 0;
    const warmEnd = START + warmupS * 1000;
    for (let t = START + STEP_MS; t <= warmEnd + measuredS * 1000; t += STEP_MS) {
      const msgs = sim.step(t).map((b) => {
        const payload = Buffer.from(JSON.stringify(b));
        if (t > warmEnd) {
          payloadBytes += payload.length;
          offeredReads += b.reads.length;
        }
        return { topic: gatewayReadsTopic(b.gw), payload, receivedAt: t };
      });
      steps.push({ t, msgs });
    }
    const generateMs = performance.now() - g0;

    let now = START;
    const counts = { fixes: 0, zoneEvents: 0 };
    const sink: PipelineSink = {
      tagSeen: () => {},
      fix: () => { counts.fixes++; },
      zoneEvent: () => { counts.zoneEvents++; },
      gatewayStatus: () => {},
    };
    // Raw CPU capacity: no per-tick cap (the cap bounds event-loop stalls in the live service, not throughput).
    const options = { ...DEFAULT_PIPELINE_OPTIONS, maxLocatesPerTick: Number.MAX_SAFE_INTEGER };
    const pipeline = createPipeline({ site, registry: view, sink, clock: () => now, options });

    const warm = steps.filter((s) => s.t <= warmEnd);
    const measured = steps.filter((s) => s.t > warmEnd);
    for (const s of warm) {
      now = s.t;
      for (const m of s.msgs) pipeline.handle(m);
      pipeline.tick();
    }
    const before = pipeline.stats();
    const fixes0 = counts.fixes;
    const zone0 = counts.zoneEvents;
    const tickMs: number[] = [];
    let messages = 0;

    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    for (const s of measured) {
      now = s.t;
      for (const m of s.msgs) pipeline.handle(m);
      messages += s.msgs.length;
      const k0 = performance.now();
      pipeline.tick();
      tickMs.push(performance.now() - k0);
    }
    const wallMs = performance.now() - w0;
    const cpu = cpuMs(process.cpuUsage(cpu0));
    const after = pipeline.stats();

    // Released before measuring the heap, so what remains is the pipeline's own state (plus the runtime).
    steps = null;
    warm.length = 0;
    measured.length = 0;
    (globalThis as { gc?: () => void }).gc?.();
    const heapUsed = process.memoryUsage().heapUsed;

    const readsAccepted = after.reads - before.reads;
    const fixes = counts.fixes - fixes0;
    const droppedByReason: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.dropped)) if (v > 0) droppedByReason[k] = v;
    return {
      tags,
      gateways: sim.gateways().length,
      simulatedS: measuredS,
      messages,
      payloadMB: mb(payloadBytes),
      offeredReadsPerSimS: round(offeredReads / measuredS),
      readsAccepted,
      fixes,
      zoneEvents: counts.zoneEvents - zone0,
      wallMs: round(wallMs),
      cpuMs: round(cpu),
      readsPerS: round(perSecond(readsAccepted, wallMs)),
      fixesPerS: round(perSecond(fixes, wallMs)),
      messagesPerS: round(perSecond(messages, wallMs)),
      realtimeFactor: round((measuredS * 1000) / wallMs, 1),
      tickP99Ms: round(percentile(tickMs, 99), 1),
      tickMaxMs: round(Math.max(...tickMs), 1),
      dropped: total(after.dropped),
      droppedByReason,
      heapUsedAfterMB: (globalThis as { gc?: () => void }).gc ? mb(heapUsed) : NaN,
      generateMs: round(generateMs),
    };
  } finally {
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [tags, measuredS, warmupS] = process.argv.slice(2).map(Number);
  if (!tags || !(tags > 0)) {
    process.stderr.write('usage: pipeline-capacity.ts <tags> [measuredSimS] [warmupSimS]\n');
    process.exit(2);
  }
  report({ type: 'result', data: measureCapacity(tags, measuredS || 30, warmupS ?? 5) });
}
