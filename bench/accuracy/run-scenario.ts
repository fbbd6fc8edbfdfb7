/**
 * Runs one scenario: the simulator on the sample hospital feeds the locator's real pipeline (createPipeline, the
 * default options, a virtual clock) exactly as the service does — every step, the batches due are serialised to
 * MQTT payloads, handed to `handle()`, and `tick()` runs — while the ground truth of every BLE tag is sampled at
 * every step. Returns the truth tracks, the fixes as emitted, and the wall time the pipeline took per fix.
 *
 * Simulated time only, seeded: the run is deterministic given the code. The one wall-clock reading (processing
 * time) is injected and never influences the run.
 */
import { type Site } from '@rtls/floorplans';
import { Simulation, type SimulationOptions, receiveProbability } from '@rtls/gateway-firmware-sim';
import { createPipeline, DEFAULT_PIPELINE_OPTIONS, type GatewayRecord, type PipelineSink, type RegistryView } from '@rtls/locator';
import { gatewayReadsTopic, gatewayStatusTopic, type GatewayStatus, type TagSummary } from '@rtls/protocol';
import type { ReportedFix, Span, TagRun } from './metrics.ts';
import { type BoundOutage, ScenarioBound } from './scenario-bound.ts';
import type { ScenarioSpec } from './scenarios.ts';
import { TruthTrackBuilder } from './truth-track.ts';

/** 2025-01-01T00:00:00Z: a realistic epoch, so fixes pass the protocol's time checks. */
export const T0 = 1_735_689_600_000;
/** One step = one pipeline tick, as the service's default RTLS_TICK_MS (locator/src/config.ts). */
export const STEP_MS = 100;
/** Gateway status heartbeat period (SimRunner's default), ms. */
const HEARTBEAT_MS = 30_000;
/** Mean of the BLE advDelay (0–10 ms uniform) the simulator adds to each advertising interval. */
const MEAN_ADV_DELAY_MS = 5;

export interface ScoredTag extends TagRun {
  id: string;
  /** The simulator's transmit offset of the tag (for the bound), dB. */
  txOffsetDb: number;
}

export interface ScenarioRun {
  spec: ScenarioSpec;
  /** What is scored: simulated time span, and the BLE tags (all but those the scenario leaves out). */
  span: Span;
  tags: ScoredTag[];
  /** Wall time of handle() + tick() of the step that emitted each scored-span fix, divided by the step's fixes, ms. */
  perFixMs: number[];
  bound: ScenarioBound;
  roomsWithGateway: ReadonlySet<string>;
  outages: BoundOutage[];
  /** Reads and messages the pipeline dropped, by reason (non-zero counts only). */
  dropped: Record<string, number>;
  fixes: number;
  /** Wall time of the whole run (simulation included), s. */
  wallS: number;
}

export function runScenario(site: Site, spec: ScenarioSpec, wallMs: () => number): ScenarioRun {
  const started = wallMs();
  const rooms = spec.wardPrefix
    ? site.floors.flatMap((f) => f.rooms.map((r) => r.properties.id)).filter((id) => id.startsWith(spec.wardPrefix!))
    : undefined;
  const base: SimulationOptions = {
    site, seed: spec.seed, tagCount: spec.tags, startTime: T0,
    radio: spec.baseLossProb === undefined ? {} : { baseLossProb: spec.baseLossProb },
    scenario: { behaviour: spec.behaviour, ...(rooms ? { rooms } : {}) },
  };

  // A gateway failing: find the strongest gateway of the first few BLE tags on a probe of the same run (tags are
  // parked, and a scenario's outages change no random stream), then fail those gateways in the real run.
  let outages: BoundOutage[] = [];
  let affected: ReadonlySet<string> = new Set();
  let probePositions = new Map<string, string>();
  if (spec.failure) {
    const probe = new Simulation(base);
    const probeBound = boundFor(probe, []);
    const bleTruth = probe.truth().filter((t) => t.tag.startsWith('ble:'));
    const strongest = (t: (typeof bleTruth)[number]) =>
      probeBound.strongest({ t: T0, floor: t.floor, x: t.x, y: t.y, txOffsetDb: probe.tagTxOffsetDb(t.tag), stillForS: 0 });
    const failing = new Set(bleTruth.slice(0, spec.failure.tags).map(strongest).filter((g): g is string => g !== null));
    outages = [...failing].map((gateway) => ({ gateway, from: T0 + spec.failure!.atS * 1000 }));
    affected = new Set(bleTruth.filter((t) => failing.has(strongest(t) ?? '')).map((t) => t.tag));
    probePositions = new Map(bleTruth.map((t) => [t.tag, `${t.floor} ${t.x} ${t.y}`]));
  }

  const sim = new Simulation({ ...base, scenario: { ...base.scenario, gatewayOutages: outages } });
  for (const t of sim.truth()) {
    const probed = probePositions.get(t.tag);
    if (probed !== undefined && probed !== `${t.floor} ${t.x} ${t.y}`) {
      throw new Error(`${spec.id}: the probe run placed ${t.tag} elsewhere; outages must not change the simulator's streams`);
    }
  }
  const gateways: GatewayRecord[] = sim.gateways().map((g) => ({ ...g }));
  const gatewayById = new Map(gateways.map((g) => [g.id, g]));
  const tagById = new Map<string, TagSummary>(sim.tags().map((t) => [t.id, { id: t.id, kind: t.kind, label: t.label, registered: true, category: t.category ?? null }]));
  const registry: RegistryView = { gateway: (id) => gatewayById.get(id), tag: (id) => tagById.get(id), gateways: () => gateways };

  const span: Span = spec.failure
    ? { from: T0 + spec.failure.atS * 1000, to: T0 + spec.durationS * 1000 }
    : { from: T0 + spec.warmupS * 1000, to: T0 + spec.durationS * 1000 };
  const scored = (id: string) => id.startsWith('ble:') && (!spec.failure || affected.has(id));
  const builders = new Map<string, TruthTrackBuilder>();
  const fixes = new Map<string, ReportedFix[]>();
  for (const t of sim.tags()) {
    if (!scored(t.id)) continue;
    builders.set(t.id, new TruthTrackBuilder());
    fixes.set(t.id, []);
  }

  let now = T0;
  let stepFixes = 0;
  let allFixes = 0;
  const sink: PipelineSink = {
    tagSeen: () => {},
    zoneEvent: () => {},
    gatewayStatus: () => {},
    fix: (f) => {
      stepFixes++;
      allFixes++;
      fixes.get(f.tag)?.push({ t: f.t, emittedAt: now, floor: f.floor, x: f.x, y: f.y, room: f.room, ble: f.method.startsWith('ble') });
    },
  };
  const pipeline = createPipeline({ site, registry, sink, clock: () => now, options: DEFAULT_PIPELINE_OPTIONS });
  const sampleTruth = () => {
    for (const tr of sim.truth()) builders.get(tr.tag)?.push({ t: tr.t, floor: tr.floor, x: tr.x, y: tr.y, room: tr.room, moving: tr.moving });
  };

  const encoder = new TextEncoder();
  const perFixMs: number[] = [];
  const end = T0 + spec.durationS * 1000;
  sampleTruth();
  for (now = T0 + STEP_MS; now <= end; now += STEP_MS) {
    // Serialised before the clock starts: the pipeline's cost, not the simulator's, is what is timed.
    const msgs = sim.step(now).map((b) => ({ topic: gatewayReadsTopic(b.gw), payload: encoder.encode(JSON.stringify(b)), receivedAt: now }));
    // Status heartbeats as SimRunner sends them (every 30 s per gateway, staggered): a gateway that hears no tag still
    // says it is alive, and a failed one falls silent — which is all the locator can know of a failure.
    for (let g = 0; g < gateways.length; g++) {
      if ((now - T0 + g * 97 * STEP_MS) % HEARTBEAT_MS !== 0) continue;
      const id = gateways[g]!.id;
      if (outages.some((o) => o.gateway === id && now >= o.from && (o.to === undefined || now < o.to))) continue;
      const status: GatewayStatus = { gw: id, state: 'online', t: now, fw: 'sim' };
      msgs.push({ topic: gatewayStatusTopic(id), payload: encoder.encode(JSON.stringify(status)), receivedAt: now });
    }
    stepFixes = 0;
    const w0 = wallMs();
    for (const m of msgs) pipeline.handle(m);
    pipeline.tick();
    const dt = wallMs() - w0;
    if (now >= span.from) for (let i = 0; i < stepFixes; i++) perFixMs.push(dt / stepFixes);
    sampleTruth();
  }

  const st = pipeline.stats();
  const tags: ScoredTag[] = [...builders].map(([id, b]) => ({ id, track: b.finish(), fixes: fixes.get(id)!, txOffsetDb: sim.tagTxOffsetDb(id) }));
  const roomsWithGateway = new Set(gateways.filter((g) => g.tech === 'ble' && g.room !== null).map((g) => g.room!));
  return {
    spec, span, tags, perFixMs, bound: boundFor(sim, outages), roomsWithGateway, outages,
    dropped: Object.fromEntries(Object.entries(st.dropped).filter(([, n]) => n > 0)), fixes: allFixes, wallS: (wallMs() - started) / 1000,
  };
}

/** The scenario's bound model from the simulator's own geometry, walls, offsets and radio parameters. */
function boundFor(sim: Simulation, outages: readonly BoundOutage[]): ScenarioBound {
  const offsets = sim.gatewayOffsetsDb();
  return new ScenarioBound({
    radio: sim.radio,
    receiveProbability: (rssi) => receiveProbability(sim.radio, rssi),
    advIntervalS: (sim.advIntervalMs + MEAN_ADV_DELAY_MS) / 1000,
    gateways: sim.gateways().filter((g) => g.tech === 'ble'),
    wallLossDb: (floor, ax, ay, bx, by) => sim.index.floor(floor).walls.lossBetween(ax, ay, bx, by),
    gatewayOffsetDb: (id) => offsets.get(id) ?? 0,
    calibrated: false,
    outages,
  });
}
