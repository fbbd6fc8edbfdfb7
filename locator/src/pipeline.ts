/**
 * The locator's pure processing pipeline (DESIGN.md §1, §4), in the order a message travels:
 *
 *   1. decode    topic → route: native reads / status, else the vendor gateway whose topic filter matches (topic-index)
 *                or unknown-topic; gateway → its `format` → decoder: bytes → native reads (vendor: heartbeats skipped)
 *   2. validate  schema per envelope and per read, gateway in payload = gateway in topic, size and read-count limits
 *   3. filter    unknown gateway, duplicate batch, clock skew (counted, receive time used), stale read, tag technology
 *                the gateway cannot read; EVERY reason is counted in stats().dropped
 *   4. window    accepted reads join the tag's per-(tag, gateway) window (BLE) or RFID track; sink.tagSeen
 *   5. locate    on tick(): RFID cabinet/portal evidence while held, else BLE floor choice + robust WLS
 *   6. room      room and zone stamping of the position, then hysteresis (RFID certainty bypasses it)
 *   7. zones     diff of the reported room/zone set → enter/exit events with dwell
 *   8. sink      sink.fix, then sink.zoneEvent; the caller fans out to live state, history store and live feed
 *
 * Everything is synchronous and pure apart from the sink calls: no I/O, no timers, time only from the injected clock.
 * handle() is cheap (decode + append); the caller drives tick() (e.g. every 250 ms) to turn windows into fixes.
 *
 * Nothing malformed escapes handle(): every failure is a DropReason, counted, and reported through `onDrop`.
 * Counting unit: a whole message dropped counts once per reason; a single read dropped counts once per reason.
 *
 * Sharding (DESIGN.md §8): all per-tag state lives in one TagState object reached only by tag id, and depends on
 * nothing but that tag's reads plus read-only site/registry data, so tags can be partitioned across locators (or
 * workers) as long as all of a tag's reads reach the same one. The duplicate-batch memory is per gateway; each shard
 * keeps its own, which stays correct.
 */
import { DropReasonSchema, GATEWAY_SILENT_OFFLINE_MS, LIMITS, gatewayTopicFilters } from '@rtls/protocol';
import type { Clock, DropReason, Evidence, Fix, GatewayFormat, InboundMessage, OutlineFeature, Read, ReadBatch } from '@rtls/protocol';
import type { GatewayRecord, PipelineSink, PipelineStats, RegistryView } from './contracts.ts';
import { routeTopic } from './ingest/topic-router.ts';
import { decoderFor } from './ingest/decoders/index.ts';
import type { DecodeResult } from './ingest/decoders/index.ts';
import { decodeStatus } from './ingest/status.ts';
import { vendorDecoderFor } from './ingest/decoders/vendor-index.ts';
import type { VendorDecodeResult } from './ingest/decoders/vendor.ts';
import { TopicIndex } from './ingest/topic-index.ts';
import { GatewayDiagnostics } from './ingest/gateway-diagnostics.ts';
import { createReadFilter } from './ingest/read-filter.ts';
import type { BatchVerdict } from './ingest/read-filter.ts';
import { LinkWindow } from './positioning/link-window.ts';
import { locateBle } from './positioning/locate-ble.ts';
import type { BleLink, FloorBounds } from './positioning/locate-ble.ts';
import { DEFAULT_FLOOR_STATE_OPTIONS, floorScores, markVertical, stepFloor } from './positioning/floor-state.ts';
import type { FloorState, FloorStateOptions } from './positioning/floor-state.ts';
import { DEFAULT_TRACKER_OPTIONS, stepTrack } from './positioning/track-kalman.ts';
import type { TrackState, TrackerOptions } from './positioning/track-kalman.ts';
import { wallLossModelFor } from './positioning/wall-loss.ts';
import { CalibrationLearner, logDistancePredictor } from './positioning/calibration.ts';
import { createRoomHmmModel, stepRoomHmm } from './zones/room-hmm.ts';
import type { RoomHmmState } from './zones/room-hmm.ts';
import { RfidTrack } from './positioning/locate-rfid.ts';
import type { DoorLookup } from './positioning/locate-rfid.ts';
import { createRoomStamper } from './zones/room-stamp.ts';
import { stepRoom, stepZones } from './zones/room-hysteresis.ts';
import type { HysteresisState, Placement } from './zones/room-hysteresis.ts';
import { diffZones } from './zones/zone-diff.ts';
import type { Area, Membership } from './zones/zone-diff.ts';
import type { SiteLike } from './zones/site-model.ts';

export interface PipelineOptions {
  /** Link window while the tag moves, and the age beyond which an arriving read is stale, ms. */
  windowMs: number;
  /** Link window while the tag is parked (issue #3 item 1: adaptive window), ms. */
  parkedWindowMs: number;
  /** A link with no read for this long no longer takes part in positioning, ms. */
  linkStaleMs: number;
  /** At most one fix per tag per this interval, ms. */
  minFixIntervalMs: number;
  /** How long a portal read keeps overriding BLE, ms. */
  portalHoldMs: number;
  /** How long a cabinet read keeps overriding BLE, ms. */
  cabinetHoldMs: number;
  /** Reads held per tag before the oldest are dropped as 'queue-full'. */
  maxQueuePerTag: number;
  /** Gateway clock further than this from receive time is not trusted, ms. */
  maxClockSkewMs: number;
  /** Log-distance model: RSSI at 1 m (dBm) and path-loss exponent. */
  pathLoss: { rssiAt1mDbm: number; exponent: number };
  /** A new room must hold this long before it is reported, ms. */
  roomHysteresisMs: number;
  /**
   * At most this many tags are located per tick; the rest stay due for the next tick, oldest first. Gateways batch in
   * step, so without a cap every tag falls due in the same tick and one tick blocked the event loop for ~270 ms at
   * 2,000 tags (bench). At ~0.17 ms per locate, 200 per tick keeps a tick near 35 ms.
   */
  maxLocatesPerTick: number;
  /** Floor state machine (floor-state.ts); defaults there. */
  floor?: FloorStateOptions;
  /** Tracker (track-kalman.ts); defaults there. */
  tracker?: TrackerOptions;
  /** Estimate a tag's own power offset when it has at least this many links (0: never). */
  tagOffsetMinLinks?: number;
}

export const DEFAULT_PIPELINE_OPTIONS: Readonly<PipelineOptions> = Object.freeze({
  windowMs: 2000,
  parkedWindowMs: 6000,
  linkStaleMs: 8000,
  minFixIntervalMs: 500,
  portalHoldMs: 10_000,
  cabinetHoldMs: 30_000,
  maxQueuePerTag: 512,
  maxClockSkewMs: 300_000,
  pathLoss: Object.freeze({ rssiAt1mDbm: -59, exponent: 2.2 }),
  roomHysteresisMs: 3000,
  maxLocatesPerTick: 200,
});

/** A tag with no accepted read for this long is forgotten (memory bound); no exit events are emitted for it. */
export const TAG_IDLE_EVICT_MS = 15 * 60_000;
/** A tag-advertised `tx` at or below this is a measured RSSI at 1 m, not a transmit power, dBm. */
export const MEASURED_POWER_MAX_DBM = -45;
/**
 * A BLE gateway with no message at all (no reads, no heartbeat) for this long is taken as down by the room filter,
 * ms. A live gateway that hears nothing still heartbeats every 30 s, and its silence about a tag is evidence the tag
 * is not in its room; a dead one's silence is not, so it must not be mistaken for the other.
 */
export const GATEWAY_SILENT_MS = GATEWAY_SILENT_OFFLINE_MS;
/** A vendor message seen again within this long is a duplicate, ms (redeliveries come within seconds). */
const VENDOR_DUPLICATE_MEMORY_MS = 60_000;
const VENDOR_DUPLICATE_MEMORY_MAX = 256;
/** Formats whose messages carry their own read times, so an identical message really is the same one again. */
const TIMESTAMPED_FORMATS: ReadonlySet<GatewayFormat> = new Set(['zebra-iotc', 'impinj-iot', 'minew-jsonlong', 'moko-mkgw', 'ruuvi']);
/** How often tick() re-derives the silent rooms, ms. */
const SILENT_SCAN_MS = 1000;
/** How often tick() looks for idle tags, ms. */
const EVICT_SCAN_MS = 10_000;

export interface DropInfo {
  topic: string;
  gatewayId?: string;
  tag?: string;
  errors: string[];
}

export interface CreatePipelineOptions {
  site: SiteLike;
  registry: RegistryView;
  sink: PipelineSink;
  clock: Clock;
  options: PipelineOptions;
  /** Called for every counted drop (for rate-limited logging on the caller's side). Must not throw. */
  onDrop?: (reason: DropReason, info: DropInfo) => void;
}

export interface Pipeline {
  /** Decode, validate, filter and window one message. Never throws on bad input. */
  handle(msg: InboundMessage): void;
  /** Locate every tag whose window changed and whose last fix is older than minFixIntervalMs; emit fixes/events. */
  tick(): void;
  /** Counters since creation. `reads` = reads accepted into windows; `queued` = accepted reads not yet located. */
  stats(): PipelineStats;
  /** The calibration learner fed by reference tags and tag offsets (the service persists it). */
  readonly calibration?: CalibrationLearner;
  /** Per-gateway diagnostics (issue #4 item 3): state, rates, rejections, recent reads, failed payloads. */
  readonly diagnostics?: GatewayDiagnostics;
}

interface TagState {
  id: string;
  links: Map<string, LinkWindow>;
  /** BLE samples held across all links. */
  samples: number;
  /** Accepted reads since the last locate. */
  pending: number;
  rfid: RfidTrack | null;
  lastReadAt: number;
  /** lastReadAt when the last fix was made: the rate limit counts data time, not emission time (see tick). */
  lastFixReadAt: number;
  room: HysteresisState<Placement> | undefined;
  zoneState: ReadonlyMap<string, HysteresisState<boolean>>;
  membership: ReadonlyMap<string, Membership>;
  floor: FloorState | undefined;
  track: TrackState | undefined;
  /** When the tracker last switched to parked (for the honest accuracy of a long average), or NaN while moving. */
  parkedSince: number;
  roomHmm: RoomHmmState | undefined;
}

export function createPipeline(opts: CreatePipelineOptions): Pipeline {
  const { site, registry, sink, clock, options: o, onDrop } = opts;
  const stamper = createRoomStamper(site);

  const bounds = new Map<string, FloorBounds>();
  const doors = new Map<string, { connects: [string, string] }>();
  const zoneFloor = new Map<string, string>();
  for (const f of site.floors) {
    bounds.set(f.summary.id, outlineBounds(f.outline) ?? { minX: 0, minY: 0, maxX: f.summary.widthM, maxY: f.summary.depthM });
    for (const d of f.doors) doors.set(d.properties.id, { connects: d.properties.connects });
    for (const z of f.zones) zoneFloor.set(z.properties.id, f.summary.id);
  }
  const boundsOf = (floor: string) => bounds.get(floor);
  const keepMs = Math.max(o.windowMs, o.parkedWindowMs);
  // A read older than the longest window at arrival could only ever be trimmed again: it is dropped as stale.
  const filter = createReadFilter({ windowMs: keepMs, maxClockSkewMs: o.maxClockSkewMs });
  const floorOpts = o.floor ?? DEFAULT_FLOOR_STATE_OPTIONS;
  const trackOpts = o.tracker ?? DEFAULT_TRACKER_OPTIONS;
  const walls = wallLossModelFor(site, site.floors.map((f) => ({ id: f.summary.id, walls: f.walls ?? [] })));
  const wallsOf = (g: GatewayRecord) => walls.grid(g.id, g.floor, g.x, g.y);
  const verticalRooms = new Set((site.verticals ?? []).flatMap((v) => v.rooms));
  const pathLoss = () => registry.pathLoss?.() ?? o.pathLoss;
  const wallDb = (id: string, floor: string, x: number, y: number) => {
    const g = registry.gateway(id);
    const grid = g && g.floor === floor ? wallsOf(g) : null;
    return grid ? grid.at(x, y) : 0;
  };
  const calibration = new CalibrationLearner({ predict: logDistancePredictor((id) => registry.gateway(id), pathLoss, wallDb), planWallLossDb: wallDb });
  const roomModel = createRoomHmmModel(site, {
    stamper,
    // Link windows overlap from fix to fix; evidence is counted per window, not per fix.
    params: { evidenceTimeS: o.windowMs / 2000 },
  });
  const doorOf: DoorLookup = (id) => doors.get(id);

  // Gateway liveness for the room filter: a room whose BLE gateways are all silent gives no "not heard" evidence.
  const gatewayHeardAt = new Map<string, number>();
  const gatewayOffline = new Set<string>();
  const startedAt = clock();
  const allRooms = site.floors.flatMap((f) => f.rooms.map((r) => r.properties.id));
  let silentRooms: ReadonlySet<string> = new Set();
  let silentKey = '';
  let lastSilentScan = -Infinity;

  function heard(gatewayId: string, t: number): void {
    gatewayHeardAt.set(gatewayId, t);
  }

  /** Rooms with no BLE gateway that is up (heard within GATEWAY_SILENT_MS, not offline); a new Set only on change. */
  function scanSilentRooms(now: number): void {
    const list = registry.gateways?.();
    if (!list) return;
    const alive = new Set<string>();
    for (const g of list) {
      if (g.tech !== 'ble' || g.room === null || gatewayOffline.has(g.id)) continue;
      if (now - (gatewayHeardAt.get(g.id) ?? startedAt) <= GATEWAY_SILENT_MS) alive.add(g.room);
    }
    const silent = allRooms.filter((r) => !alive.has(r));
    const key = silent.join('|');
    if (key !== silentKey) {
      silentKey = key;
      silentRooms = new Set(silent);
    }
  }

  const tags = new Map<string, TagState>();
  const dirty = new Set<string>();
  const dropped = Object.fromEntries(DropReasonSchema.options.map((r) => [r, 0])) as Record<DropReason, number>;
  const counters = { messages: 0, batches: 0, reads: 0, fixes: 0, queued: 0 };
  let lastEvictScan = -Infinity;

  const diagnostics = new GatewayDiagnostics(clock);

  function drop(reason: DropReason, info: DropInfo): void {
    dropped[reason]++;
    onDrop?.(reason, info);
  }

  /** A drop that belongs to a known gateway: also counted in its diagnostics (and the payload kept when whole). */
  function gatewayDrop(reason: DropReason, info: DropInfo & { gatewayId: string }, whole: boolean, msg?: InboundMessage): void {
    drop(reason, info);
    diagnostics.rejected(info.gatewayId, reason, whole);
    if (msg) diagnostics.failedPayload(info.gatewayId, msg.topic, reason, info.errors, msg.payload, msg.receivedAt);
  }

  // ── Vendor topics (issue #4 item 2): filter → gateway, rebuilt when the registry's gateway list changes. ──────────
  let topicIndex = new TopicIndex<string>();
  let topicRevision = Number.NaN;
  function vendorRoute(topic: string): { kind: 'one'; gatewayId: string } | { kind: 'none' } | { kind: 'ambiguous'; owners: string[] } {
    const rev = registry.revision?.() ?? 0;
    if (rev !== topicRevision) {
      topicRevision = rev;
      topicIndex = new TopicIndex<string>();
      for (const g of registry.gateways?.() ?? []) {
        if (g.format !== 'native' && g.topic) for (const f of gatewayTopicFilters(g.format, g.topic)) topicIndex.add(f, g.id);
      }
    }
    const r = topicIndex.lookup(topic);
    return r.kind === 'one' ? { kind: 'one', gatewayId: r.owner } : r;
  }

  /**
   * Vendor messages with their own timestamps (all but ESPresense / OpenMQTTGateway, whose identical payloads recur
   * legitimately) are remembered briefly by content, so a QoS 1 redelivery or a duplicating gateway counts once.
   */
  const recentPayloads = new Map<string, Map<number, number>>();
  function repeatedPayload(gatewayId: string, msg: InboundMessage): boolean {
    let h = 0x811c9dc5;
    for (let i = 0; i < msg.payload.length; i++) h = Math.imul(h ^ msg.payload[i]!, 0x01000193);
    for (let i = 0; i < msg.topic.length; i++) h = Math.imul(h ^ msg.topic.charCodeAt(i), 0x01000193);
    let m = recentPayloads.get(gatewayId);
    if (!m) recentPayloads.set(gatewayId, (m = new Map()));
    const seen = m.get(h);
    if (seen !== undefined && msg.receivedAt - seen <= VENDOR_DUPLICATE_MEMORY_MS) return true;
    m.delete(h);
    m.set(h, msg.receivedAt);
    if (m.size > VENDOR_DUPLICATE_MEMORY_MAX) m.delete(m.keys().next().value!);
    return false;
  }

  // ── 1–4: decode, validate, filter, window ────────────────────────────────────────────────────────────────────
  function handle(msg: InboundMessage): void {
    counters.messages++;
    const route = routeTopic(msg.topic);
    if (route.kind === 'unknown-topic') {
      const v = vendorRoute(msg.topic);
      if (v.kind === 'one') handleVendor(msg, v.gatewayId);
      else if (v.kind === 'ambiguous') {
        drop('unknown-topic', { topic: msg.topic, errors: [`topic matches several gateways' filters (${v.owners.join(', ')}); not guessing`] });
      } else drop('unknown-topic', { topic: msg.topic, errors: ["no gateway's topic filter matches"] });
      return;
    }
    if (route.kind === 'status') {
      // Status is forwarded even for gateways missing from the registry: an installer needs to see them come online.
      const r = decodeStatus(msg.payload, route.gatewayId);
      if (!r.ok) drop(r.reason, { topic: msg.topic, gatewayId: route.gatewayId, errors: r.errors });
      else {
        diagnostics.status(route.gatewayId, r.status.state, msg.receivedAt);
        if (r.status.state === 'offline') gatewayOffline.add(route.gatewayId);
        else {
          gatewayOffline.delete(route.gatewayId);
          heard(route.gatewayId, msg.receivedAt);
        }
        sink.gatewayStatus(r.status, msg.receivedAt);
      }
      return;
    }
    handleReads(msg, route.gatewayId);
  }

  function handleReads(msg: InboundMessage, gatewayId: string): void {
    const info = { topic: msg.topic, gatewayId };
    const gateway = registry.gateway(gatewayId);
    // Without a registry record we know neither the payload format nor where the gateway is; decoding is pointless.
    if (!gateway) {
      drop('unknown-gateway', { ...info, errors: [`gateway ${gatewayId} is not registered`] });
      return;
    }
    heard(gatewayId, msg.receivedAt);
    gatewayOffline.delete(gatewayId);
    diagnostics.message(gatewayId, msg.receivedAt);
    const decoder = decoderFor(gateway.format);
    if (!decoder) {
      // A vendor gateway publishing on the native topic: its payload is not a native batch.
      gatewayDrop('schema', { ...info, errors: [`gateway ${gatewayId} is registered as ${gateway.format}; publish on its topic ${gateway.topic ?? '?'}`] }, true, msg);
      return;
    }
    let result: DecodeResult;
    try {
      result = decoder(msg.payload, { topicGatewayId: gatewayId, receivedAt: msg.receivedAt });
    } catch (err) {
      // Decoders must not throw; if one does, the message is still just a counted bad message.
      result = { ok: false, reason: 'schema', errors: [`decoder failed: ${(err as Error).message}`] };
    }
    if (!result.ok) {
      gatewayDrop(result.reason, { ...info, errors: result.errors }, true, msg);
      return;
    }
    counters.batches++;
    const batch = result.batch;
    for (const rej of result.rejected) gatewayDrop(rej.reason, { ...info, errors: rej.errors }, false);
    if (result.rejected.length > 0) diagnostics.failedPayload(gatewayId, msg.topic, result.rejected[0]!.reason, result.rejected.flatMap((r) => r.errors), msg.payload, msg.receivedAt);

    const verdict = filter.checkBatch(batch, gateway, msg.receivedAt);
    for (const reason of verdict.reasons) {
      if (reason === 'clock-skew') {
        drop(reason, { ...info, errors: [`batch seq ${batch.seq} t ${batch.t}: ${reason}`] });
        diagnostics.clockSkewed(gatewayId, batch.reads.length);
      } else gatewayDrop(reason, { ...info, errors: [`batch seq ${batch.seq} t ${batch.t}: ${reason}`] }, true);
      if (reason === 'duplicate-batch') diagnostics.duplicates(gatewayId, 1);
    }
    if (verdict.drop) return;
    acceptReads(batch.reads, batch, gateway, verdict, msg, info, batch.t - msg.receivedAt);
  }

  /** Filter each read (technology, clock, staleness), window the good ones, and tell the diagnostics. */
  function acceptReads(
    reads: readonly Read[], batch: ReadBatch, gateway: GatewayRecord, verdict: BatchVerdict, msg: InboundMessage,
    info: { topic: string; gatewayId: string }, clockSkewMs: number | undefined,
  ): void {
    const accepted: Read[] = [];
    for (const read of reads) {
      const rv = filter.checkRead(read, batch, gateway, verdict, msg.receivedAt);
      for (const reason of rv.reasons) {
        const errors = [`${read.tag}: ${reason === 'schema' ? `a ${gateway.tech} gateway cannot read this tag` : reason}`];
        if (reason === 'clock-skew') {
          drop(reason, { ...info, tag: read.tag, errors });
          diagnostics.clockSkewed(gateway.id, 1);
        } else gatewayDrop(reason, { ...info, tag: read.tag, errors }, false);
      }
      if (!rv.drop) {
        accept(read, gateway, rv.t, msg.receivedAt, info);
        accepted.push(rv.t === read.t ? read : { ...read, t: rv.t });
      }
    }
    diagnostics.reads(gateway.id, accepted, msg.receivedAt, verdict.skewed ? undefined : clockSkewMs);
  }

  /** 1–3 for a vendor gateway: its format's decoder, then the same per-read filter and windows as native reads. */
  function handleVendor(msg: InboundMessage, gatewayId: string): void {
    const info = { topic: msg.topic, gatewayId };
    const gateway = registry.gateway(gatewayId);
    if (!gateway) {
      drop('unknown-gateway', { ...info, errors: [`gateway ${gatewayId} is not registered`] });
      return;
    }
    heard(gatewayId, msg.receivedAt);
    gatewayOffline.delete(gatewayId);
    diagnostics.message(gatewayId, msg.receivedAt);
    if (msg.payload.byteLength > LIMITS.maxPacketBytes) {
      gatewayDrop('payload-too-large', { ...info, errors: [`${msg.payload.byteLength} bytes > ${LIMITS.maxPacketBytes}`] }, true, msg);
      return;
    }
    const decode = vendorDecoderFor(gateway.format);
    if (!decode) {
      gatewayDrop('schema', { ...info, errors: [`no decoder for format ${gateway.format}`] }, true, msg);
      return;
    }
    let result: VendorDecodeResult;
    try {
      result = decode(msg.payload, { topic: msg.topic, receivedAt: msg.receivedAt, maxClockSkewMs: o.maxClockSkewMs });
    } catch (err) {
      result = { kind: 'rejected', reason: 'schema', errors: [`decoder failed: ${(err as Error).message}`] };
    }
    if (result.kind === 'skip') {
      // Heartbeats and management events share the topic with reads: recognised, never counted as rejections. A
      // vendor last will ("offline" on the gateway's status topic) takes it offline like a native one.
      if (result.what === 'heartbeat') diagnostics.heartbeat(gatewayId, msg.receivedAt);
      else if (result.what === 'offline') {
        diagnostics.status(gatewayId, 'offline', msg.receivedAt);
        gatewayOffline.add(gatewayId);
      }
      return;
    }
    if (result.kind === 'rejected') {
      gatewayDrop(result.reason, { ...info, errors: result.errors }, true, msg);
      return;
    }
    if (TIMESTAMPED_FORMATS.has(gateway.format) && repeatedPayload(gatewayId, msg)) {
      gatewayDrop('duplicate-batch', { ...info, errors: ['the same message again (redelivery or a duplicating gateway)'] }, true);
      diagnostics.duplicates(gatewayId, 1);
      return;
    }
    counters.batches++;
    for (const rej of result.rejected) gatewayDrop(rej.reason, { ...info, errors: rej.errors }, false);
    if (result.rejected.length > 0) diagnostics.failedPayload(gatewayId, msg.topic, result.rejected[0]!.reason, result.rejected.flatMap((r) => r.errors), msg.payload, msg.receivedAt);
    for (let i = 0; i < (result.duplicates ?? 0); i++) {
      drop('duplicate-read', { ...info, errors: ['a record repeated within one message'] });
    }
    if (result.duplicates) diagnostics.duplicates(gatewayId, result.duplicates);
    if (result.clockSkewed > 0) {
      for (let i = 0; i < result.clockSkewed; i++) drop('clock-skew', { ...info, errors: ['gateway time out of bounds: receive time used'] });
      diagnostics.clockSkewed(gatewayId, result.clockSkewed);
    }
    if (result.reads.length === 0) return;
    // Vendor reads carry their time (receive time where the gateway's was missing or untrusted), so the batch is a
    // frame for the shared read filter only: its time is the receive time and it is never "skewed".
    const batch: ReadBatch = { gw: gatewayId, seq: 0, t: msg.receivedAt, reads: result.reads };
    // The gateway's clock error, only when this message's reads carried the gateway's own time (a Ruuvi message
    // without ts, an ESPresense message: none to measure).
    const newest = result.clockSkewed === 0 && (result.timedReads ?? 0) > 0
      ? Math.max(...result.reads.map((r) => r.t ?? msg.receivedAt)) - msg.receivedAt : undefined;
    acceptReads(result.reads, batch, gateway, { reasons: [], drop: false, skewed: false }, msg, info, newest);
  }

  function accept(read: Read, gateway: GatewayRecord, t: number, receivedAt: number, info: { topic: string; gatewayId: string }): void {
    counters.reads++;
    sink.tagSeen(read.tag, t, read.bat, read.flags);
    let st = tags.get(read.tag);
    if (!st) {
      st = {
        id: read.tag, links: new Map(), samples: 0, pending: 0, rfid: null,
        lastReadAt: receivedAt, lastFixReadAt: -Infinity, room: undefined, zoneState: new Map(), membership: new Map(),
        floor: undefined, track: undefined, parkedSince: Number.NaN, roomHmm: undefined,
      };
      tags.set(read.tag, st);
    }
    st.lastReadAt = Math.max(st.lastReadAt, receivedAt);
    st.pending++;
    counters.queued++;
    dirty.add(st.id);

    if (gateway.tech !== 'ble') {
      (st.rfid ??= new RfidTrack()).add(gateway, t, read.rssi, read.ant);
      return;
    }
    let link = st.links.get(gateway.id);
    if (!link) {
      link = new LinkWindow(gateway.id);
      st.links.set(gateway.id, link);
    }
    link.add(t, read.rssi, read.tx);
    st.samples++;
    if (st.samples > o.maxQueuePerTag) {
      for (const l of st.links.values()) st.samples -= l.trim(keepMs);
      while (st.samples > o.maxQueuePerTag) {
        let oldest: LinkWindow | null = null;
        for (const l of st.links.values()) if (l.samples.length && (!oldest || l.oldestT < oldest.oldestT)) oldest = l;
        if (!oldest) break;
        oldest.dropOldest();
        st.samples--;
        drop('queue-full', { ...info, tag: st.id, errors: [`${st.id}: more than ${o.maxQueuePerTag} reads held`] });
      }
    }
  }

  // ── 5–8: locate, room, zones, sink ───────────────────────────────────────────────────────────────────────────
  function tick(): void {
    const now = clock();
    filter.prune(now);
    if (now - lastSilentScan >= SILENT_SCAN_MS) {
      lastSilentScan = now;
      scanSilentRooms(now);
    }
    let budget = o.maxLocatesPerTick;
    for (const id of dirty) {
      if (budget <= 0) break;
      const st = tags.get(id);
      if (!st) {
        dirty.delete(id);
        continue;
      }
      // Rate-limit on the data, not on when the last fix was emitted: limiting on emission time phase-locks with
      // gateways that batch once a second, so every fix waited for the next batch (bench: receive→fix p50 850 ms).
      if (st.lastReadAt - st.lastFixReadAt < o.minFixIntervalMs) continue;
      dirty.delete(id);
      counters.queued -= st.pending;
      st.pending = 0;
      budget--;
      locateTag(st, now);
    }
    if (now - lastEvictScan >= EVICT_SCAN_MS) {
      lastEvictScan = now;
      for (const [id, st] of tags) if (!dirty.has(id) && now - st.lastReadAt > TAG_IDLE_EVICT_MS) tags.delete(id);
    }
  }

  function liveLinks(st: TagState, now: number): BleLink[] {
    const out: BleLink[] = [];
    const span = st.track?.parked ? o.parkedWindowMs : o.windowMs;
    const pl = pathLoss();
    const tag = registry.tag(st.id);
    const modelOffset = tag ? registry.tagModelOffsetDb?.(tag.category ?? tag.kind) ?? 0 : 0;
    for (const [gwId, link] of st.links) {
      st.samples -= link.trim(keepMs);
      const gateway = registry.gateway(gwId);
      const est = link.estimate(span);
      if (!gateway || !est || link.isStale(now, o.linkStaleMs)) {
        st.samples -= link.samples.length;
        st.links.delete(gwId);
        continue;
      }
      // `tx` is either a calibrated RSSI at 1 m (iBeacon measured power, Eddystone-style tags: about −50…−75 dBm) or a
      // radio transmit power (−40…+20 dBm). Only the former is a path-loss reference; below −45 dBm it cannot be a
      // transmit power setting in practice, so it is taken as the tag's own RSSI at 1 m.
      const at1m = (link.txDbm !== undefined && link.txDbm <= MEASURED_POWER_MAX_DBM ? link.txDbm : pl.rssiAt1mDbm) + modelOffset;
      // Calibration (issue #3 item 2): the gateway's learned receive offset comes off its raw RSSI.
      out.push({ gateway, rssi: est.rssi - (registry.gatewayOffsetDb?.(gwId) ?? 0), n: est.n, spreadDb: est.spreadDb, rssiAt1mDbm: at1m });
    }
    return out;
  }

  function locateTag(st: TagState, now: number): void {
    let floor: string, x: number, y: number, accuracyM: number, confidence: number, t: number;
    let method: Fix['method'];
    let evidence: Evidence[];
    let observedRoom: string | null;
    let certain = false;
    let trackCov: readonly [number, number, number] = [1, 0, 1];

    const links = liveLinks(st, now);
    const rfid = st.rfid?.locate(now, o, doorOf) ?? null;
    if (rfid) {
      ({ floor, x, y, accuracyM, confidence, method, t } = rfid);
      evidence = [rfid.evidence];
      observedRoom = rfid.room;
      certain = rfid.certain;
      // RFID is certain about the floor and the place: floor and track restart there.
      st.floor = stepFloor(st.floor, { t, scores: new Map(), certainFloor: floor }, floorOpts)?.state;
      st.track = stepTrack(st.track, { t, x, y, cov: [accuracyM * accuracyM, 0, accuracyM * accuracyM] }, trackOpts, true).state;
    } else {
      t = -Infinity;
      for (const l of links) t = Math.max(t, st.links.get(l.gateway.id)?.lastT ?? -Infinity);
      if (!Number.isFinite(t)) return;
      const scores = floorScores(links.map((l) => ({ floor: l.gateway.floor, rssi: l.rssi })));
      const fd = stepFloor(st.floor, {
        t, scores,
        candidateAtVertical: (f) => {
          let best: BleLink | null = null;
          for (const l of links) if (l.gateway.floor === f && (!best || l.rssi > best.rssi)) best = l;
          return best?.gateway.room != null && verticalRooms.has(best.gateway.room);
        },
      }, floorOpts);
      if (!fd) return;
      st.floor = fd.state;
      const ref = registry.referenceTag?.(st.id);
      if (ref) {
        // Raw RSSI and the uncorrected power at 1 m: the learner estimates offsets, it must not see them applied.
        calibration.observeReference(st.id, ref, links.map((l) => ({
          gatewayId: l.gateway.id, rssi: l.rssi + (registry.gatewayOffsetDb?.(l.gateway.id) ?? 0), n: l.n, rssiAt1mDbm: l.rssiAt1mDbm,
        })), t);
      }
      const loc = locateBle(links, boundsOf, pathLoss(), { floor: fd.state.floor, walls: wallsOf, tagOffsetMinLinks: o.tagOffsetMinLinks ?? 0 });
      if (!loc) return;
      floor = loc.floor;
      confidence = loc.confidence;
      method = loc.method;
      evidence = loc.used.map((l) => ({ gw: l.gateway.id, rssi: round1(l.rssi), n: l.n }));
      const tr = stepTrack(st.track, { t, x: loc.x, y: loc.y, cov: loc.cov }, trackOpts, fd.changed);
      st.track = tr.state;
      if (tr.out.parked && Number.isNaN(st.parkedSince)) st.parkedSince = t;
      if (!tr.out.parked) st.parkedSince = Number.NaN;
      ({ x, y } = tr.out);
      trackCov = tr.out.cov;
      accuracyM = honestAccuracy(tr.out.cov, loc.cov, tr.out.parked ? t - st.parkedSince : 0);
      observedRoom = null;
    }
    t = Math.min(Math.round(t), now);

    const stamp = stamper.stamp(floor, x, y);
    if (st.floor && stamp.room !== null && verticalRooms.has(stamp.room)) st.floor = markVertical(st.floor, t);
    // Room (issue #3 item 6): a filter over the door graph fed by the tracked position, the rooms of the strongest
    // gateways and certain RFID evidence. It already resists flapping, so no extra hold is added on top of it for
    // BLE; an RFID portal read on one antenna keeps the hold.
    let roomCertain = certain;
    if (!rfid || certain) {
      const gatewayRooms: { room: string; rssi: number }[] = [];
      for (const l of [...links].sort((a, b) => b.rssi - a.rssi)) {
        if (gatewayRooms.length >= 4) break;
        if (l.gateway.floor === floor && l.gateway.room) gatewayRooms.push({ room: l.gateway.room, rssi: l.rssi });
      }
      // Once a tag has been parked for two shadowing correlation times (its room settled with the fast evidence of
      // arrival), its evidence counts once per half correlation time rather than once per window: consecutive parked
      // averages share almost all their error, and counting each as new let a minute of shadowing flip a parked
      // tag's room (accuracy harness, quick profile: flips 7.5 → 2.8 per parked tag-hour with the room filter's
      // reporting hysteresis). Handing the filter the honest (inflated) covariance instead cost 3–5 points of room
      // correctness in the same runs, so the tracker's covariance is kept.
      const parked = st.track?.parked ?? false;
      const cov = st.track ? trackCov : ([accuracyM * accuracyM, 0, accuracyM * accuracyM] as const);
      const r = stepRoomHmm(st.roomHmm, {
        t, floor, x, y, cov, gatewayRooms, parked,
        ...(parked && t - st.parkedSince >= 2 * SHADOW_CORRELATION_S * 1000 ? { evidenceTimeS: SHADOW_CORRELATION_S / 2 } : {}),
        silentRooms,
        ...(certain && observedRoom ? { certainRoom: observedRoom } : {}),
      }, roomModel);
      st.roomHmm = r.state;
      observedRoom = r.room;
      roomCertain = true;
    }
    // A tag's first fix has nothing to flap from: its room and zones are reported at once.
    const first = st.room === undefined;
    st.room = stepRoom(st.room, { floor, room: observedRoom }, t, o.roomHysteresisMs, roomCertain);
    const stable = st.room.stable;
    const zs = stepZones(st.zoneState, new Set(stamp.zones), t, o.roomHysteresisMs, certain || first);
    st.zoneState = zs.state;

    const fix: Fix = {
      tag: st.id, t, floor, x: round2(x), y: round2(y), accuracyM: round2(Math.max(1, accuracyM)),
      confidence: round2(Math.min(1, Math.max(0, confidence))),
      // During a pending floor change the held room belongs to the old floor; the fix says "unknown" rather than lie.
      room: stable.floor === floor ? stable.room : null,
      zones: zs.zones.filter((z) => zoneFloor.get(z) === floor),
      method,
      evidence: evidence.slice(0, 8),
    };

    const areas: Area[] = [];
    if (stable.room !== null) areas.push({ id: stable.room, floor: stable.floor });
    for (const z of zs.zones) areas.push({ id: z, floor: zoneFloor.get(z) ?? floor });
    const diff = diffZones(st.id, st.membership, areas, t);
    st.membership = diff.next;
    st.lastFixReadAt = st.lastReadAt;
    counters.fixes++;
    sink.fix(fix);
    for (const ev of diff.events) sink.zoneEvent(ev);
  }

  return {
    handle,
    tick,
    stats: () => ({ ...counters, dropped: { ...dropped }, tags: tags.size }),
    calibration,
    diagnostics,
  };
}

/**
 * Shadowing decorrelates over tens of seconds (indoor measurements: 10–60 s as people and trolleys move), so
 * consecutive fixes of a parked tag are not independent and the Kalman covariance of a long average is optimistic.
 * The reported accuracy is therefore at least the single-fix covariance shrunk by the number of independent looks
 * the average has had, about parkedFor / (2·SHADOW_CORRELATION_S) + 1.
 */
const SHADOW_CORRELATION_S = 30;

function honestAccuracy(track: readonly [number, number, number], single: readonly [number, number, number], parkedForMs: number): number {
  const looks = 1 + Math.max(0, parkedForMs) / 1000 / (2 * SHADOW_CORRELATION_S);
  const v = Math.max(track[0] + track[2], (single[0] + single[2]) / looks);
  return Math.sqrt(v);
}

function outlineBounds(outline: OutlineFeature | undefined): FloorBounds | null {
  const ring = outline?.geometry.coordinates[0];
  if (!ring?.length) return null;
  const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const [x, y] of ring) {
    b.minX = Math.min(b.minX, x);
    b.minY = Math.min(b.minY, y);
    b.maxX = Math.max(b.maxX, x);
    b.maxY = Math.max(b.maxY, y);
  }
  return b;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number) => Math.round(v * 100) / 100;
