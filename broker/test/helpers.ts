/**
 * Shared test helpers: a fast Authenticator over a plain map, message collectors, raw MQTT packet bytes, and a
 * runner for the Debian mosquitto clients.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { InboundMessage, MessageSource } from '@rtls/protocol';
import type { Authenticator, Principal } from '../src/index.ts';

export const USERS: Record<string, { password: string; principal: Principal }> = {
  'gw-a': { password: 'secret-a', principal: { kind: 'gateway', gatewayId: 'gw-a' } },
  'gw-b': { password: 'secret-b', principal: { kind: 'gateway', gatewayId: 'gw-b' } },
  /** A vendor gateway whose firmware insists on a MAC-based client id. */
  'gw-c': { password: 'secret-c', principal: { kind: 'gateway', gatewayId: 'gw-c', clientIds: ['AC233FC001EA'] } },
  /** Publishes the markers of flush(); used by no test otherwise, so its session is never taken over. */
  'gw-marker': { password: 'secret-m', principal: { kind: 'gateway', gatewayId: 'gw-marker' } },
  locator: { password: 'secret-l', principal: { kind: 'service', name: 'locator' } },
  /** A gateway whose id falls inside the service's `locator-*` client-id space: only one identity may hold it. */
  'locator-gw': { password: 'secret-lg', principal: { kind: 'gateway', gatewayId: 'locator-gw' } },
};

/** The hashing is tested in protocol; here credentials are a plain map so the suite stays fast. */
export const mapAuthenticator: Authenticator = async (username, password) => {
  const u = USERS[username];
  return u && u.password === password ? u.principal : null;
};

/** Collects a MessageSource's messages and lets a test await the first one matching a predicate. */
export class Collector {
  readonly messages: InboundMessage[] = [];
  private waiters: Array<{ pred: (m: InboundMessage) => boolean; resolve: (m: InboundMessage) => void }> = [];

  readonly onMessage = (m: InboundMessage) => {
    this.messages.push(m);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(m)) return true;
      w.resolve(m);
      return false;
    });
  };

  static async on(source: MessageSource, filter: string): Promise<Collector> {
    const c = new Collector();
    await source.subscribe(filter, c.onMessage);
    return c;
  }

  next(pred: (m: InboundMessage) => boolean): Promise<InboundMessage> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  onTopic(topic: string): InboundMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }
}

export const text = (m: InboundMessage) => Buffer.from(m.payload).toString('utf8');

/** mqtt.js clients opened by a test, ended in afterEach. */
export class Clients {
  private all: MqttClient[] = [];

  async connect(url: string, opts: IClientOptions): Promise<MqttClient> {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
    this.all.push(c);
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('error', reject);
      c.once('close', () => reject(new Error('closed before CONNACK')));
    });
    return c;
  }

  /** Connect expecting refusal; resolves the CONNACK return code mqtt.js reports. */
  async refused(url: string, opts: IClientOptions): Promise<number | undefined> {
    try {
      await this.connect(url, opts);
    } catch (err) {
      return (err as { code?: number }).code;
    }
    throw new Error('connection was accepted');
  }

  async endAll(): Promise<void> {
    await Promise.all(this.all.map((c) => c.endAsync(true).catch(() => {})));
    this.all = [];
  }
}

/** Resolves once the client's connection is closed (at once if it already is, e.g. while awaiting another one). */
export const closed = (c: MqttClient) =>
  new Promise<void>((resolve) => (c.disconnected || c.stream?.destroyed ? resolve() : c.once('close', () => resolve())));

// --- raw MQTT 3.1.1 packets, for what mqtt.js will not send (pipelined or malformed) ---

export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

const mqttString = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

export function connectPacket(clientId: string, username?: string, password?: string, opts: { clean?: boolean } = {}): Buffer {
  const flags = (opts.clean === false ? 0 : 0x02) | (username !== undefined ? 0x80 : 0) | (password !== undefined ? 0x40 : 0);
  const body = Buffer.concat([
    mqttString('MQTT'),
    Buffer.from([4, flags, 0, 60]),
    mqttString(clientId),
    ...(username !== undefined ? [mqttString(username)] : []),
    ...(password !== undefined ? [mqttString(password)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

export function publishPacket(topic: string, payload: Buffer): Buffer {
  const body = Buffer.concat([mqttString(topic), payload]);
  return Buffer.concat([Buffer.from([0x30]), remainingLength(body.length), body]);
}

export function subscribePacket(messageId: number, filter: string, qos: 0 | 1 = 0): Buffer {
  const body = Buffer.concat([Buffer.from([messageId >> 8, messageId & 0xff]), mqttString(filter), Buffer.from([qos])]);
  return Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]);
}

/** Opens a raw socket, writes `bytes`, resolves the socket once at least `expect` bytes have come back. */
export function rawSession(port: number, bytes: Buffer, expect: number): Promise<{ socket: net.Socket; received: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const onData = (d: Buffer) => {
      chunks.push(d);
      const received = Buffer.concat(chunks);
      if (received.length >= expect) {
        socket.off('data', onData);
        socket.pause();
        resolve({ socket, received });
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${Buffer.concat(chunks).length} bytes`)));
  });
}

/** Polls until `cond` holds; the test timeout bounds the wait (no timing is asserted). */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

/**
 * Runs a command without blocking the event loop (the broker under test lives in this process); resolves its exit
 * code and output whatever the code.
 */
export function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Opens a raw socket, writes `bytes`, resolves everything received once the broker closes the socket. */
export function rawExchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    s.on('data', (d) => chunks.push(d));
    s.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}
