/**
 * The locator's pure processing pipeline (DESIGN.md §1, §4), in the order a message travels:
 *
 *   1. decode    topic → route (reads / status / unknown-topic); gateway → its `format` → decoder: bytes → native batch
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
import { DropReasonSchema } from '@rtls/protocol';
import type { Clock, DropReason, Evidence, Fix, InboundMessage, OutlineFeature, Read } from '@rtls/protocol';
import type { GatewayRecord, PipelineSink, PipelineStats, RegistryView } from './contracts.ts';
import { routeTopic } from './ingest/topic-router.ts';
import { decoderFor } from './ingest/decoders/index.ts';
import type { DecodeResult } from './ingest/decoders/index.ts';
import { decodeStatus } from './ingest/status.ts';
import { createReadFilter } from './ingest/read-filter.ts';
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

  const tags = new Map<string, TagState>();
  const dirty = new Set<string>();
  const dropped = Object.fromEntries(DropReasonSchema.options.map((r) => [r, 0])) as Record<DropReason, number>;
  const counters = { messages: 0, batches: 0, reads: 0, fixes: 0, queued: 0 };
  let lastEvictScan = -Infinity;

  function drop(reason: DropReason, info: DropInfo): void {
    dropped[reason]++;
    onDrop?.(reason, info);
  }

  // ── 1–4: decode, validate, filter, window ────────────────────────────────────────────────────────────────────
  function handle(msg: InboundMessage): void {
    counters.messages++;
    const route = routeTopic(msg.topic);
    if (route.kind === 'unknown-topic') {
      drop('unknown-topic', { topic: msg.topic, errors: ['not a gateway reads/status topic'] });
      return;
    }
    if (route.kind === 'status') {
      // Status is forwarded even for gateways missing from the registry: an installer needs to see them come online.
      const r = decodeStatus(msg.payload, route.gatewayId);
      if (!r.ok) drop(r.reason, { topic: msg.topic, gatewayId: route.gatewayId, errors: r.errors });
      else sink.gatewayStatus(r.status, msg.receivedAt);
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
    const decoder = decoderFor(gateway.format);
    if (!decoder) {
      drop('schema', { ...info, errors: [`no decoder for format ${gateway.format} yet`] });
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
      drop(result.reason, { ...info, errors: result.errors });
      return;
    }
    counters.batches++;
    const batch = result.batch;
    for (const rej of result.rejected) drop(rej.reason, { ...info, errors: rej.errors });

    const verdict = filter.checkBatch(batch, gateway, msg.receivedAt);
    for (const reason of verdict.reasons) {
      drop(reason, { ...info, errors: [`batch seq ${batch.seq} t ${batch.t}: ${reason}`] });
    }
    if (verdict.drop) return;

    for (const read of batch.reads) {
      const rv = filter.checkRead(read, batch, gateway, verdict, msg.receivedAt);
      for (const reason of rv.reasons) {
        drop(reason, { ...info, tag: read.tag, errors: [`${read.tag}: ${reason === 'schema' ? `a ${gateway.tech} gateway cannot read this tag` : reason}`] });
      }
      if (!rv.drop) accept(read, gateway, rv.t, msg.receivedAt, info);
    }
  }

  function accept(read: Read, gateway: GatewayRecord, t: number, receivedAt: number, info: { topic: string; gatewayId: string }): void {
    counters.reads++;
    sink.tagSeen(read.tag, t, read.bat);
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
      const cov = st.track ? trackCov : ([accuracyM * accuracyM, 0, accuracyM * accuracyM] as const);
      const r = stepRoomHmm(st.roomHmm, {
        t, floor, x, y, cov, gatewayRooms, parked: st.track?.parked ?? false,
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
