/**
 * Per-gateway diagnostics (issue #4 item 3): what an installer needs to see whether a gateway works — online or not
 * and why, traffic rates, rejections by reason, clock skew, tags heard, the last decoded reads and the last payloads
 * that failed, kept verbatim (bounded) so they can see exactly what came in.
 *
 * Fed by the pipeline as messages pass; no timers, time only from the arguments and the injected clock. Memory is
 * bounded per gateway (GATEWAY_RECENT_READS reads, GATEWAY_FAILED_PAYLOADS payloads of at most
 * GATEWAY_FAILED_PAYLOAD_BYTES, 60 one-second rate buckets, at most TAGS_HEARD_MAX tag ids) and per locator (at most
 * MAX_TRACKED gateways: entries are created for registered gateways only).
 */
import {
  GATEWAY_FAILED_PAYLOAD_BYTES, GATEWAY_FAILED_PAYLOADS, GATEWAY_RECENT_READS, GATEWAY_SILENT_OFFLINE_MS,
} from '@rtls/protocol';
import type {
  Clock, DropReason, GatewayDiagnostics as GatewayDiagnosticsView, GatewayFailedPayload, GatewayInfo, GatewayRecentRead,
  GatewayState, Read,
} from '@rtls/protocol';

/** Rates are averaged over this many seconds. */
export const RATE_WINDOW_S = 60;
/** "Tags heard" counts distinct tags within this span, ms. */
export const TAGS_HEARD_MS = 5 * 60_000;
const TAGS_HEARD_MAX = 10_000;
const MAX_TRACKED = 10_000;

type StateSource = GatewayDiagnosticsView['stateSource'];

interface Entry {
  lastMessageAt: number | null;
  lastHeartbeatAt: number | null;
  /** Native status (birth / last will), when the gateway speaks it. */
  status: { state: GatewayState; at: number } | null;
  /** Per-second buckets: [second, messages, reads]. */
  buckets: Float64Array;
  totals: GatewayDiagnosticsView['totals'];
  rejections: Map<string, number>;
  clockSkewMs: number | null;
  tags: Map<string, number>;
  recent: GatewayRecentRead[];
  failed: GatewayFailedPayload[];
}

const newEntry = (): Entry => ({
  lastMessageAt: null, lastHeartbeatAt: null, status: null,
  buckets: new Float64Array(RATE_WINDOW_S * 3).fill(-1),
  totals: { messages: 0, reads: 0, heartbeats: 0, rejectedMessages: 0, rejectedReads: 0, duplicates: 0, clockSkewed: 0 },
  rejections: new Map(), clockSkewMs: null, tags: new Map(), recent: [], failed: [],
});

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class GatewayDiagnostics {
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  #entry(id: string): Entry | null {
    let e = this.#entries.get(id);
    if (!e) {
      if (this.#entries.size >= MAX_TRACKED) return null;
      e = newEntry();
      this.#entries.set(id, e);
    }
    return e;
  }

  #bucket(e: Entry, at: number, messages: number, reads: number): void {
    const sec = Math.floor(at / 1000);
    const i = (((sec % RATE_WINDOW_S) + RATE_WINDOW_S) % RATE_WINDOW_S) * 3;
    if (e.buckets[i] !== sec) {
      e.buckets[i] = sec;
      e.buckets[i + 1] = 0;
      e.buckets[i + 2] = 0;
    }
    e.buckets[i + 1]! += messages;
    e.buckets[i + 2]! += reads;
  }

  /** A message arrived on the gateway's topic (whatever became of it). */
  message(id: string, at: number): void {
    const e = this.#entry(id);
    if (!e) return;
    e.lastMessageAt = Math.max(e.lastMessageAt ?? at, at);
    e.totals.messages++;
    this.#bucket(e, at, 1, 0);
  }

  /** A vendor heartbeat (recognised and skipped) or a native status heartbeat. */
  heartbeat(id: string, at: number): void {
    const e = this.#entry(id);
    if (!e) return;
    e.lastHeartbeatAt = Math.max(e.lastHeartbeatAt ?? at, at);
    e.totals.heartbeats++;
    // Proof of life after a last will, even within the same millisecond: the will no longer holds.
    if (e.status?.state === 'offline') e.status = null;
  }

  /** Native birth / heartbeat / last will. */
  status(id: string, state: GatewayState, at: number): void {
    const e = this.#entry(id);
    if (!e) return;
    if (state === 'online') this.heartbeat(id, at);
    e.status = { state, at };
  }

  /** Reads accepted into the pipeline, with the gateway's clock error when its reads carried their own time. */
  reads(id: string, reads: readonly Read[], at: number, clockSkewMs?: number): void {
    const e = this.#entry(id);
    if (!e || reads.length === 0) return;
    e.totals.reads += reads.length;
    if (e.status?.state === 'offline') e.status = null;
    this.#bucket(e, at, 0, reads.length);
    if (clockSkewMs !== undefined) e.clockSkewMs = Math.round(clockSkewMs);
    for (const r of reads) {
      e.tags.delete(r.tag);
      e.tags.set(r.tag, r.t ?? at);
      e.recent.push({ tag: r.tag, rssi: r.rssi, t: r.t ?? at, ...(r.ant !== undefined ? { antenna: r.ant } : {}) });
    }
    if (e.tags.size > TAGS_HEARD_MAX) for (const k of [...e.tags.keys()].slice(0, e.tags.size - TAGS_HEARD_MAX)) e.tags.delete(k);
    if (e.recent.length > GATEWAY_RECENT_READS) e.recent.splice(0, e.recent.length - GATEWAY_RECENT_READS);
  }

  /** Reads whose gateway time was out of bounds (receive time used). */
  clockSkewed(id: string, n: number): void {
    const e = this.#entry(id);
    if (e) e.totals.clockSkewed += n;
  }

  /** Records repeated inside one message, or whole messages repeated. */
  duplicates(id: string, n: number): void {
    const e = this.#entry(id);
    if (e) e.totals.duplicates += n;
  }

  /** A drop counted against this gateway; `whole`: the whole message was dropped, else one read/record. */
  rejected(id: string, reason: DropReason, whole: boolean): void {
    const e = this.#entry(id);
    if (!e) return;
    if (whole) e.totals.rejectedMessages++;
    else e.totals.rejectedReads++;
    e.rejections.set(reason, (e.rejections.get(reason) ?? 0) + 1);
  }

  /** Keeps a payload that failed (whole or in part), verbatim up to GATEWAY_FAILED_PAYLOAD_BYTES. */
  failedPayload(id: string, topic: string, reason: DropReason, errors: readonly string[], payload: Uint8Array, at: number): void {
    const e = this.#entry(id);
    if (!e) return;
    const truncated = payload.byteLength > GATEWAY_FAILED_PAYLOAD_BYTES;
    e.failed.push({
      receivedAt: at, topic, reason, errors: errors.slice(0, 10).map((s) => s.slice(0, 300)),
      payload: utf8.decode(truncated ? payload.subarray(0, GATEWAY_FAILED_PAYLOAD_BYTES) : payload),
      payloadBytes: payload.byteLength, truncated,
    });
    if (e.failed.length > GATEWAY_FAILED_PAYLOADS) e.failed.splice(0, e.failed.length - GATEWAY_FAILED_PAYLOADS);
  }

  /**
   * Online state: a native status message says it outright (a last will means offline until the gateway speaks
   * again); otherwise a gateway is online while its last message or heartbeat is within GATEWAY_SILENT_OFFLINE_MS.
   */
  state(id: string, now: number = this.#clock()): { state: GatewayState | null; source: StateSource; lastSeen: number | null } {
    const e = this.#entries.get(id);
    if (!e) return { state: null, source: 'never', lastSeen: null };
    const last = Math.max(e.lastMessageAt ?? -Infinity, e.lastHeartbeatAt ?? -Infinity, e.status?.at ?? -Infinity);
    const lastSeen = Number.isFinite(last) ? last : null;
    if (e.status && e.status.at >= last) {
      if (e.status.state === 'offline') return { state: 'offline', source: 'last-will', lastSeen };
    }
    if (lastSeen === null) return { state: null, source: 'never', lastSeen };
    if (now - lastSeen > GATEWAY_SILENT_OFFLINE_MS) return { state: 'offline', source: 'silent', lastSeen };
    if (e.status && e.status.state === 'online' && e.status.at === lastSeen) return { state: 'online', source: 'birth', lastSeen };
    const source: StateSource = e.lastHeartbeatAt !== null && e.lastHeartbeatAt === lastSeen ? 'heartbeat' : 'traffic';
    return { state: 'online', source, lastSeen };
  }

  /** The whole picture for GET /api/gateways/:id. `info` is the registry's part (position, format, topic). */
  view(info: Omit<GatewayInfo, 'state' | 'lastSeen'>, now: number = this.#clock()): GatewayDiagnosticsView {
    const e = this.#entries.get(info.id) ?? newEntry();
    const st = this.state(info.id, now);
    const nowSec = Math.floor(now / 1000);
    let messages = 0;
    let reads = 0;
    for (let i = 0; i < e.buckets.length; i += 3) {
      const sec = e.buckets[i]!;
      if (sec >= 0 && sec > nowSec - RATE_WINDOW_S && sec <= nowSec) {
        messages += e.buckets[i + 1]!;
        reads += e.buckets[i + 2]!;
      }
    }
    let tagsHeard = 0;
    for (const t of e.tags.values()) if (now - t <= TAGS_HEARD_MS) tagsHeard++;
    return {
      gateway: { ...info, state: st.state, lastSeen: st.lastSeen },
      stateSource: st.source,
      lastMessageAt: e.lastMessageAt,
      lastHeartbeatAt: e.lastHeartbeatAt,
      heartbeatAgeMs: e.lastHeartbeatAt === null ? null : Math.max(0, now - e.lastHeartbeatAt),
      messagesPerS: round2(messages / RATE_WINDOW_S),
      readsPerS: round2(reads / RATE_WINDOW_S),
      totals: { ...e.totals },
      rejections: Object.fromEntries(e.rejections),
      clockSkewMs: e.clockSkewMs,
      tagsHeard,
      recentReads: [...e.recent].reverse(),
      failedPayloads: [...e.failed].reverse(),
    };
  }
}

const round2 = (v: number) => Math.round(v * 100) / 100;
