/**
 * Runs a Simulation against an MQTT broker the way real gateways would: ONE connection per gateway, with that
 * gateway's own credentials (clientId = gateway id), a retained last will `{gw, state:'offline'}` on its status
 * topic, a retained birth `{gw, state:'online', t, fw}` on connect, a heartbeat every 30 s, and each batch on the
 * gateway's reads topic at QoS 0 (DESIGN.md §3, §7).
 *
 * Vendor formats (issue #4 item 4): a gateway may instead speak a vendor's payload format (vendor/index.ts) on its
 * vendor topic. Such a gateway keeps its own connection and credentials but has no native birth, heartbeat or last
 * will (a real Minew has none); it sends its vendor's heartbeat where the format has one (Zebra, MOKO) and its
 * vendor's own birth/will where the firmware has one on its topic (Ruuvi's gw_status). Faults (faults.ts) are
 * applied per gateway per publish round; an offline span drops the connection without DISCONNECT, so the broker
 * publishes a native gateway's last will, and reconnects when the span ends.
 *
 * Reconnects are ours, not mqtt.js's (reconnectPeriod 0): each attempt asks `credentials()` again, because the
 * broker side may have rotated a gateway's password, and the delay backs off exponentially. A failure is logged
 * once per gateway until it connects again, so a dead broker does not flood the log with one line per gateway
 * per second.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  gatewayStatusTopic, topicFilterProblem, type Clock, type GatewayFormat, type GatewayStatus, type GatewayTech,
} from '@rtls/protocol';
import { FaultInjector, type FaultPlan, type FaultStats } from './faults.ts';
import type { Simulation } from './simulation.ts';
import {
  canEncode, createEncoderState, encodeBatch, encodeHeartbeat, vendorGateway, vendorSession,
  type EncoderState, type VendorGateway, type VendorMessage,
} from './vendor/index.ts';

/** The logging the runner needs; a pino Logger satisfies it. */
export interface SimLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SimRunnerOptions {
  simulation: Simulation;
  /** mqtt://host:port (or mqtts://, ws://). */
  brokerUrl: string;
  /** A gateway's MQTT credentials; undefined connects without (brokers that allow anonymous gateways). */
  credentials: (gatewayId: string) => { username: string; password: string } | undefined;
  clock: Clock;
  logger?: SimLogger;
  /** Append ground truth as JSONL ({t, tag, floor, x, y, room}) here, once per batch interval. */
  truthFile?: string;
  /** Simulated seconds per wall second (1 = real time). */
  speed?: number;
  /** Firmware string in the birth message. */
  firmware?: string;
  /** Status heartbeat period, ms. */
  heartbeatMs?: number;
  /** First and largest reconnect delay, ms (doubling in between). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Called when the broker refuses a gateway's credentials (CONNACK 4 or 5). */
  onAuthError?: (gatewayId: string) => void;
  /** Only run these gateways (default: all the simulation's gateways). */
  gatewayIds?: readonly string[];
  /**
   * Payload format per gateway id (vendor/index.ts; assignFormats builds this from a spec). A gateway not listed
   * speaks the format of its site record.
   */
  formats?: Readonly<Record<string, GatewayFormat>>;
  /** A vendor-format gateway's MQTT topic filter by id; default suggestedTopicFilter(format, id, mac). */
  topics?: Readonly<Record<string, string>>;
  /** A gateway's own MAC by id (12 hex, separators allowed); default simGatewayMac(id), derived from the id. */
  macs?: Readonly<Record<string, string>>;
  /** Faults to inject (faults.ts); spans are simulated ms since the simulation's start. */
  faults?: FaultPlan;
  /** Seed of the faults' random choices (duplicate/truncate probabilities, cut positions). */
  faultSeed?: number | string;
}

export interface SimRunnerStats {
  gateways: number;
  connected: number;
  batchesPublished: number;
  readsPublished: number;
  /** Batches of gateways that were not connected at the time (QoS 0: a real gateway drops them too). */
  batchesDropped: number;
  connectErrors: number;
  authErrors: number;
  truthLines: number;
  /** Simulated time reached. */
  simTime: number;
  /** Messages lost because their gateway was not connected at the time (a burst released while disconnected). */
  messagesDropped: number;
  /** Reads left out because the gateway's format cannot carry the tag (e.g. an iBeacon on a Ruuvi gateway). */
  readsUnencodable: number;
}

/** What stats() returns: the counters above (all numbers, so callers can diff them) and the per-format detail. */
export interface SimRunnerReport extends SimRunnerStats {
  /** MQTT messages published, by payload format (vendor formats send several per batch; duplicates count). */
  messagesByFormat: Partial<Record<GatewayFormat, number>>;
  /** Faults applied (faults.ts), plus the offline spans begun (each a dropped connection). */
  faults: FaultStats & { offlineSpans: number };
}

interface Link {
  id: string;
  format: GatewayFormat;
  tech: GatewayTech;
  gw: VendorGateway;
  encoder: EncoderState;
  /** Inside an offline fault span: disconnected on purpose, not reconnecting. */
  faultOffline: boolean;
  client: MqttClient | null;
  connected: boolean;
  connectedAt: number;
  backoffMs: number;
  retryTimer: NodeJS.Timeout | null;
  failureLogged: boolean;
  /** Resolves the first connection outcome (for start()). */
  settle: (() => void) | null;
}

const NOT_AUTHORISED = new Set([4, 5]);

/** Publish this long after a batch boundary, so the interval is surely closed when the simulation steps. */
const TICK_SLACK_MS = 5;

export class SimRunner {
  private readonly opts: SimRunnerOptions;
  private readonly sim: Simulation;
  private readonly links = new Map<string, Link>();
  private readonly speed: number;
  private readonly fw: string;
  private tickTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private truth: WriteStream | null = null;
  private truthFailed = false;
  private running = false;
  private wallStart = 0;
  private simStart = 0;
  private readonly counters = {
    batchesPublished: 0, readsPublished: 0, batchesDropped: 0, connectErrors: 0, authErrors: 0, truthLines: 0,
    messagesDropped: 0, readsUnencodable: 0, offlineSpans: 0,
  };
  private readonly messagesByFormat: Partial<Record<GatewayFormat, number>> = {};
  private readonly faults: FaultInjector;

  constructor(opts: SimRunnerOptions) {
    this.opts = opts;
    this.sim = opts.simulation;
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError('speed must be > 0');
    this.fw = opts.firmware ?? 'rtls-sim/0.1.0';
    this.faults = new FaultInjector(opts.faults ?? [], { seed: opts.faultSeed ?? 0, startTime: this.sim.startTime });
    const site = new Map(this.sim.gateways().map((g) => [g.id, g]));
    const ids = opts.gatewayIds ?? [...site.keys()];
    for (const id of ids) {
      const g = site.get(id);
      if (!g) throw new RangeError(`unknown gateway ${id}`);
      const format = opts.formats?.[id] ?? g.format;
      const gw = vendorGateway(id, format, opts.topics?.[id], opts.macs?.[id]);
      const problem = format === 'native' ? null : topicFilterProblem(gw.topic);
      if (problem) throw new RangeError(`gateway ${id}: ${problem}`);
      this.messagesByFormat[format] ??= 0;
      this.links.set(id, {
        id, format, tech: g.tech, gw, encoder: createEncoderState(), faultOffline: false,
        client: null, connected: false, connectedAt: 0, backoffMs: opts.reconnectMinMs ?? 1000, retryTimer: null, failureLogged: false, settle: null,
      });
    }
  }

  /** Each running gateway's format and MQTT topic filter (native: its reads topic's filter is fixed). */
  gatewayFormats(): Map<string, { format: GatewayFormat; topic: string; mac: string }> {
    return new Map([...this.links.values()].map((l) => [l.id, { format: l.format, topic: l.gw.topic, mac: l.gw.mac }]));
  }

  /** Connects every gateway and starts publishing; resolves once each gateway's first attempt has an outcome. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.wallStart = this.opts.clock();
    this.simStart = this.sim.now();
    if (this.opts.truthFile) {
      this.truth = createWriteStream(this.opts.truthFile, { flags: 'a' });
      this.truth.on('error', (err) => {
        if (!this.truthFailed) this.opts.logger?.error({ err, file: this.opts.truthFile }, 'cannot write ground truth file');
        this.truthFailed = true;
      });
    }
    const first = [...this.links.values()].map((l) => new Promise<void>((resolve) => {
      l.settle = resolve;
      this.connect(l);
    }));
    await Promise.all(first);
    if (!this.running) return; // stopped while connecting
    // Ticking starts once every gateway has had its first try, so the first batches are not dropped for want of a
    // connection; the first tick catches up on the simulated time spent connecting.
    this.tick();
    this.scheduleTick();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.opts.heartbeatMs ?? 30_000);
    this.opts.logger?.info({ gateways: this.links.size, connected: this.stats().connected, url: redactUrl(this.opts.brokerUrl) }, 'simulated gateways started');
  }

  /** Publishes each gateway's offline status, disconnects cleanly and closes the truth file. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.tickTimer = this.heartbeatTimer = null;
    await Promise.all([...this.links.values()].map((l) => this.disconnect(l)));
    const truth = this.truth;
    this.truth = null;
    if (truth) await new Promise<void>((resolve) => truth.end(() => resolve()));
  }

  stats(): SimRunnerReport {
    let connected = 0;
    for (const l of this.links.values()) if (l.connected) connected++;
    const { offlineSpans, ...counters } = this.counters;
    return {
      gateways: this.links.size, connected, ...counters, simTime: this.sim.now(),
      messagesByFormat: { ...this.messagesByFormat },
      faults: { ...this.faults.stats(), offlineSpans },
    };
  }

  private connect(l: Link): void {
    if (!this.running || l.faultOffline) return;
    const creds = this.opts.credentials(l.id);
    const session = vendorSession(l.format, l.gw);
    let will: IClientOptions['will'];
    if (l.format === 'native') {
      const payload = JSON.stringify({ gw: l.id, state: 'offline' } satisfies GatewayStatus);
      will = { topic: gatewayStatusTopic(l.id), payload: Buffer.from(payload), qos: 1, retain: true };
    } else if (session) {
      will = { topic: session.will.topic, payload: session.will.payload, qos: 1, retain: true };
    }
    const client = mqtt.connect(this.opts.brokerUrl, {
      clientId: l.id,
      ...(creds ? { username: creds.username, password: creds.password } : {}),
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: 0,
      queueQoSZero: false,
      ...(will ? { will } : {}),
    });
    l.client = client;
    client.on('connect', () => {
      l.connected = true;
      l.connectedAt = this.opts.clock();
      l.backoffMs = this.opts.reconnectMinMs ?? 1000;
      if (l.failureLogged) this.opts.logger?.info({ gw: l.id }, 'gateway reconnected');
      l.failureLogged = false;
      if (l.format === 'native') this.publishStatus(l, 'online');
      else if (session) client.publish(session.birth.topic, session.birth.payload, { qos: 1, retain: true });
      l.settle?.();
      l.settle = null;
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      this.counters.connectErrors++;
      const auth = typeof err.code === 'number' && NOT_AUTHORISED.has(err.code);
      if (auth) {
        this.counters.authErrors++;
        this.opts.onAuthError?.(l.id);
      }
      if (!l.failureLogged) {
        // Never log the credentials themselves; the gateway id and the reason are enough to act on.
        this.opts.logger?.warn({ gw: l.id, reason: err.message, auth }, 'gateway cannot connect to broker; retrying with backoff');
        l.failureLogged = true;
      }
    });
    client.on('close', () => {
      if (client !== l.client) return; // an earlier attempt's client, already replaced
      const wasConnected = l.connected;
      l.connected = false;
      if (wasConnected && !l.failureLogged && this.running) {
        this.opts.logger?.warn({ gw: l.id }, 'gateway lost its broker connection; retrying with backoff');
        l.failureLogged = true;
      }
      l.settle?.();
      l.settle = null;
      this.scheduleReconnect(l);
    });
  }

  private scheduleReconnect(l: Link): void {
    if (!this.running || l.retryTimer || l.faultOffline) return;
    const old = l.client;
    l.client = null;
    old?.end(true);
    // ±20 % jitter so a fleet of gateways does not reconnect in lock-step after a broker restart.
    const delay = l.backoffMs * (0.8 + 0.4 * Math.random());
    l.backoffMs = Math.min(l.backoffMs * 2, this.opts.reconnectMaxMs ?? 30_000);
    l.retryTimer = setTimeout(() => {
      l.retryTimer = null;
      this.connect(l);
    }, delay);
  }

  private async disconnect(l: Link): Promise<void> {
    if (l.retryTimer) clearTimeout(l.retryTimer);
    l.retryTimer = null;
    const client = l.client;
    l.client = null;
    l.settle?.();
    l.settle = null;
    if (!client) return;
    if (l.connected) {
      // A clean disconnect suppresses the will, so the offline status is published explicitly first.
      // Bounded waits: a broker that stopped answering must not hold up shutdown.
      const session = vendorSession(l.format, l.gw);
      const last = l.format === 'native'
        ? { topic: gatewayStatusTopic(l.id), payload: JSON.stringify({ gw: l.id, state: 'offline', t: this.opts.clock() } satisfies GatewayStatus) }
        : session?.will;
      if (last) {
        await withTimeout(new Promise<void>((resolve) => {
          client.publish(last.topic, last.payload, { qos: 1, retain: true }, () => resolve());
        }), 3000);
      }
      l.connected = false;
      const ended = await withTimeout(new Promise<void>((resolve) => client.end(false, {}, () => resolve())), 3000);
      if (!ended) client.end(true);
    } else {
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    }
  }

  private publishStatus(l: Link, state: 'online'): void {
    const now = this.opts.clock();
    const status: GatewayStatus = { gw: l.id, state, t: now, fw: this.fw, uptimeS: Math.max(0, Math.round((now - l.connectedAt) / 1000)) };
    l.client?.publish(gatewayStatusTopic(l.id), JSON.stringify(status), { qos: 1, retain: true });
  }

  private heartbeat(): void {
    const t = this.sim.now();
    for (const l of this.links.values()) {
      if (!l.connected) continue;
      if (l.format === 'native') {
        this.publishStatus(l, 'online');
        continue;
      }
      // The vendor heartbeat carries the gateway's own (possibly skewed) clock, in simulated time like its reads.
      const beat = encodeHeartbeat(l.format, l.gw, t + this.faults.skewMs(l.id, t), { state: l.encoder });
      if (beat.length > 0) this.send(l, this.faults.process(l.id, t, beat));
    }
  }

  /** Publishes what a gateway sends in one round, at QoS 0 like its batches; counted per format. */
  private send(l: Link, messages: readonly VendorMessage[]): void {
    for (const m of messages) {
      if (!l.connected || !l.client) {
        this.counters.messagesDropped++;
        continue;
      }
      l.client.publish(m.topic, m.payload, { qos: 0, retain: m.retain ?? false });
      this.messagesByFormat[l.format] = (this.messagesByFormat[l.format] ?? 0) + 1;
    }
  }

  /**
   * Enters and leaves offline fault spans at simulated time `t`. Entering drops the connection without DISCONNECT
   * (a gateway losing power or network), so the broker publishes the last will; leaving reconnects at once.
   */
  private applyOffline(t: number): void {
    for (const l of this.links.values()) {
      if (this.faults.idle(l.id)) continue;
      const off = this.faults.offline(l.id, t);
      if (off && !l.faultOffline) {
        l.faultOffline = true;
        this.counters.offlineSpans++;
        if (l.retryTimer) clearTimeout(l.retryTimer);
        l.retryTimer = null;
        const client = l.client;
        l.client = null; // its 'close' now belongs to a replaced client and schedules no reconnect
        l.connected = false;
        client?.end(true);
        this.opts.logger?.info({ gw: l.id }, 'fault: gateway offline');
      } else if (!off && l.faultOffline) {
        l.faultOffline = false;
        l.backoffMs = this.opts.reconnectMinMs ?? 1000;
        this.opts.logger?.info({ gw: l.id }, 'fault: gateway back online');
        this.connect(l);
      }
    }
  }

  /**
   * Publish right after each batch interval closes, as a real gateway does. A free-running interval timer has an
   * arbitrary phase against the batch boundaries and made every batch up to one interval late (bench: ~850 ms).
   */
  private scheduleTick(): void {
    if (!this.running) return;
    const batch = this.sim.batchIntervalMs;
    const simNow = this.simStart + (this.opts.clock() - this.wallStart) * this.speed;
    const nextBoundary = this.sim.startTime + (Math.floor((simNow - this.sim.startTime) / batch) + 1) * batch;
    const delay = Math.max(10, (nextBoundary - simNow) / this.speed) + TICK_SLACK_MS;
    this.tickTimer = setTimeout(() => {
      this.tick();
      this.scheduleTick();
    }, delay);
  }

  private tick(): void {
    if (!this.running) return;
    const target = this.simStart + (this.opts.clock() - this.wallStart) * this.speed;
    const batches = this.sim.step(Math.floor(target));
    this.applyOffline(this.sim.now());
    for (const b of batches) {
      const l = this.links.get(b.gw);
      if (!l) continue;
      let encodable = b.reads.length;
      if (l.format !== 'native') for (const r of b.reads) if (!canEncode(l.format, r.tag)) encodable--;
      this.counters.readsUnencodable += b.reads.length - encodable;
      if (encodable === 0) continue;
      const offline = this.faults.offline(l.id, b.t);
      if (!offline && (!l.connected || !l.client)) {
        this.counters.batchesDropped++;
        continue;
      }
      const messages = encodeBatch(l.format, l.gw, this.faults.skewBatch(b), { state: l.encoder, tech: l.tech });
      // Held by a burst counts as published: the gateway has it queued and sends it when the burst ends.
      const out = this.faults.process(l.id, b.t, messages);
      if (offline) continue;
      this.send(l, out);
      this.counters.batchesPublished++;
      this.counters.readsPublished += encodable;
    }
    for (const l of this.links.values()) {
      if (!this.faults.idle(l.id)) this.send(l, this.faults.release(l.id, this.sim.now()));
    }
    if (this.truth && !this.truthFailed && batches.length > 0) {
      const lines = this.sim.truth().map((r) => JSON.stringify({ t: r.t, tag: r.tag, floor: r.floor, x: r.x, y: r.y, room: r.room }));
      this.truth.write(lines.join('\n') + '\n');
      this.counters.truthLines += lines.length;
    }
  }
}

/** Resolves true when `p` settles within `ms`, false otherwise. */
async function withTimeout(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The broker URL without any user:password part, for logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}
