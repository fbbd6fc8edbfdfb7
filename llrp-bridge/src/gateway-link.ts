/**
 * The bridge's MQTT side, behaving as one native gateway (DESIGN.md §3, §7; as gateway-firmware-sim/src/mqtt-runner.ts
 * does per simulated gateway): ONE connection with the gateway's own credentials (clientId = gateway id), a retained
 * last will `{gw, state:'offline'}` on its status topic, its state published retained on every connect and on every
 * change, a heartbeat, batches on its reads topic at QoS 0, and our own reconnect with backoff (mqtt.js's is off).
 *
 * The state it publishes is the READER's: a bridge connected to the broker but not to its reader has nothing to
 * report, and publishing `offline` is what makes the diagnostics (GET /api/gateways, the live feed) show it.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { gatewayReadsTopic, gatewayStatusTopic, type Clock, type GatewayState, type GatewayStatus, type ReadBatch } from '@rtls/protocol';
import { backoffDelayMs } from './backoff.ts';

/** The logging the bridge needs; a pino Logger satisfies it. */
export interface BridgeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface GatewayLinkOptions {
  /** mqtt://host:port (or mqtts://, ws://). */
  url: string;
  gatewayId: string;
  username?: string;
  password?: string;
  clock: Clock;
  logger?: BridgeLogger;
  heartbeatMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Firmware string in status messages. */
  firmware: string;
}

export interface GatewayLinkStats {
  connected: boolean;
  connects: number;
  connectErrors: number;
  authErrors: number;
  statusPublished: number;
}

/** CONNACK return codes for bad credentials / not authorised (MQTT 3.1.1). */
const NOT_AUTHORISED = new Set([4, 5]);
/** Bound on waits during stop(): a broker that stopped answering must not hold up shutdown. */
const STOP_WAIT_MS = 3000;

export class GatewayLink {
  private client: MqttClient | null = null;
  private isConnected = false;
  private running = false;
  private state: GatewayState = 'offline';
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private failureLogged = false;
  private settleFirst: (() => void) | null = null;
  private readonly counters = { connects: 0, connectErrors: 0, authErrors: 0, statusPublished: 0 };

  constructor(private readonly opts: GatewayLinkOptions) {}

  /** Connects; resolves once the first attempt has an outcome (connected or failed — retries continue). */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.heartbeatTimer = setInterval(() => this.publishState(), this.opts.heartbeatMs);
    return new Promise((resolve) => {
      this.settleFirst = resolve;
      this.connect();
    });
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Records the reader's state; publishes it (retained) when it changed and the broker is reachable. */
  setState(state: GatewayState): void {
    if (state === this.state) return;
    this.state = state;
    this.publishState();
  }

  /** Publishes a batch at QoS 0; false when not connected (the batch is lost, as with a native gateway). */
  publishBatch(batch: ReadBatch): boolean {
    if (!this.isConnected || !this.client) return false;
    this.client.publish(gatewayReadsTopic(this.opts.gatewayId), JSON.stringify(batch), { qos: 0 });
    return true;
  }

  /** Publishes `offline` (a clean disconnect suppresses the will) and disconnects. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.retryTimer = this.heartbeatTimer = null;
    this.settle();
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (this.isConnected) {
      this.state = 'offline';
      await withTimeout(new Promise<void>((resolve) => {
        client.publish(gatewayStatusTopic(this.opts.gatewayId), this.statusPayload(), { qos: 1, retain: true }, () => resolve());
      }), STOP_WAIT_MS);
      this.isConnected = false;
      const ended = await withTimeout(new Promise<void>((resolve) => client.end(false, {}, () => resolve())), STOP_WAIT_MS);
      if (!ended) client.end(true);
    } else {
      client.end(true);
    }
  }

  stats(): GatewayLinkStats {
    return { connected: this.isConnected, ...this.counters };
  }

  private statusPayload(): string {
    const status: GatewayStatus = { gw: this.opts.gatewayId, state: this.state, t: this.opts.clock(), fw: this.opts.firmware };
    return JSON.stringify(status);
  }

  private publishState(): void {
    if (!this.isConnected || !this.client) return;
    this.client.publish(gatewayStatusTopic(this.opts.gatewayId), this.statusPayload(), { qos: 1, retain: true }, (err) => {
      if (err) this.opts.logger?.warn({ gw: this.opts.gatewayId, reason: err.message }, 'status publish failed');
    });
    this.counters.statusPublished++;
  }

  private settle(): void {
    this.settleFirst?.();
    this.settleFirst = null;
  }

  private connect(): void {
    if (!this.running) return;
    const gw = this.opts.gatewayId;
    const will: GatewayStatus = { gw, state: 'offline' };
    // Gateway credentials are issued with the gateway id as user name, so a password alone implies it.
    const username = this.opts.username ?? (this.opts.password !== undefined ? gw : undefined);
    const client = mqtt.connect(this.opts.url, {
      clientId: gw,
      ...(username !== undefined ? { username } : {}),
      ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      connectTimeout: 10_000,
      reconnectPeriod: 0,
      queueQoSZero: false,
      will: { topic: gatewayStatusTopic(gw), payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      this.isConnected = true;
      this.attempt = 0;
      this.counters.connects++;
      if (this.failureLogged) this.opts.logger?.info({ gw }, 'reconnected to the broker');
      this.failureLogged = false;
      // The retained will may say offline from an earlier session; the current state replaces it either way.
      this.publishState();
      this.settle();
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      this.counters.connectErrors++;
      const auth = typeof err.code === 'number' && NOT_AUTHORISED.has(err.code);
      if (auth) this.counters.authErrors++;
      if (!this.failureLogged) {
        // Never log the credentials; the gateway id and the reason are enough to act on.
        this.opts.logger?.warn({ gw, reason: err.message, auth }, 'cannot connect to the broker; retrying with backoff');
        this.failureLogged = true;
      }
    });
    client.on('close', () => {
      if (client !== this.client) return; // an earlier attempt's client, already replaced
      const was = this.isConnected;
      this.isConnected = false;
      if (was && !this.failureLogged && this.running) {
        this.opts.logger?.warn({ gw }, 'lost the broker connection; retrying with backoff');
        this.failureLogged = true;
      }
      this.settle();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (!this.running || this.retryTimer) return;
    const old = this.client;
    this.client = null;
    old?.end(true);
    const delay = backoffDelayMs(this.attempt++, this.opts.reconnectMinMs, this.opts.reconnectMaxMs, `${this.opts.gatewayId}/mqtt`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
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
