/** Runs a gateway-firmware-sim Simulation through the pipeline and scores it against ground truth. */
import { Simulation } from '@rtls/gateway-firmware-sim';
import type { SimSite } from '@rtls/gateway-firmware-sim';
import { gatewayReadsTopic } from '@rtls/protocol';
import type { Fix } from '@rtls/protocol';
import type { GatewayRecord } from '../../src/contracts.ts';
import { DEFAULT_PIPELINE_OPTIONS, createPipeline } from '../../src/pipeline.ts';
import { robustRssi } from '../../src/positioning/link-window.ts';
import type { SiteLike } from '../../src/zones/site-model.ts';
import { RecordingSink, T0, bytes, fakeRegistry, median } from './helpers.ts';

export interface SimScore {
  fixes: number;
  bleFixes: number;
  medianErrorM: number;
  baselineMedianErrorM: number;
  floorHitRate: number;
  baselineFloorHitRate: number;
  roomHitRate: number;
  dropped: number;
}

export function runSimulation(site: SiteLike & SimSite, opts: { tags: number; seconds: number; seed: number; warmupS?: number }): SimScore {
  const sim = new Simulation({ site, seed: opts.seed, tagCount: opts.tags, startTime: T0 });
  const gateways: GatewayRecord[] = sim.gateways();
  const byId = new Map(gateways.map((g) => [g.id, g]));
  let now = T0;
  const sink = new RecordingSink();
  const p = createPipeline({ site, registry: fakeRegistry(gateways), sink, clock: () => now, options: DEFAULT_PIPELINE_OPTIONS });

  // Baseline: per tag, the gateway with the strongest median RSSI over the same window the pipeline uses.
  const recent = new Map<string, { gw: string; t: number; rssi: number }[]>();
  const err: number[] = [];
  const baseErr: number[] = [];
  let floorHits = 0, baseFloorHits = 0, roomHits = 0, roomChecks = 0, bleFixes = 0;

  for (let s = 1; s <= opts.seconds; s++) {
    now = T0 + s * 1000;
    for (const b of sim.step(now)) {
      p.handle({ topic: gatewayReadsTopic(b.gw), payload: bytes(b), receivedAt: now });
      if (byId.get(b.gw)?.tech !== 'ble') continue;
      for (const r of b.reads) {
        const a = recent.get(r.tag) ?? [];
        a.push({ gw: b.gw, t: r.t ?? b.t, rssi: r.rssi });
        recent.set(r.tag, a);
      }
    }
    const before = sink.fixes.length;
    p.tick();
    if (s < (opts.warmupS ?? 10)) continue;
    const truth = new Map(sim.truth().map((t) => [t.tag, t]));
    for (const f of sink.fixes.slice(before) as Fix[]) {
      if (!f.method.startsWith('ble')) continue;
      const tr = truth.get(f.tag);
      if (!tr) continue;
      bleFixes++;
      err.push(Math.hypot(f.x - tr.x, f.y - tr.y));
      if (f.floor === tr.floor) floorHits++;
      if (f.room !== null || tr.room) {
        roomChecks++;
        if (f.room === tr.room) roomHits++;
      }
      const window = (recent.get(f.tag) ?? []).filter((r) => r.t > now - DEFAULT_PIPELINE_OPTIONS.windowMs);
      recent.set(f.tag, window);
      const perGw = new Map<string, number[]>();
      for (const r of window) {
        const v = perGw.get(r.gw);
        if (v) v.push(r.rssi);
        else perGw.set(r.gw, [r.rssi]);
      }
      let best: string | null = null;
      let bestRssi = -Infinity;
      for (const [gw, v] of perGw) {
        const m = robustRssi(v).rssi;
        if (m > bestRssi) [best, bestRssi] = [gw, m];
      }
      const g = best ? byId.get(best)! : null;
      if (g) {
        baseErr.push(Math.hypot(g.x - tr.x, g.y - tr.y));
        if (g.floor === tr.floor) baseFloorHits++;
      }
    }
  }
  const st = p.stats();
  return {
    fixes: st.fixes,
    bleFixes,
    medianErrorM: median(err),
    baselineMedianErrorM: median(baseErr),
    floorHitRate: floorHits / bleFixes,
    baselineFloorHitRate: baseFloorHits / baseErr.length,
    roomHitRate: roomHits / roomChecks,
    dropped: Object.values(st.dropped).reduce((a, b) => a + b, 0),
  };
}
