import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aedes, type Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import {
  GATEWAY_READS_FILTER, GATEWAY_STATUS_FILTER, GatewayStatusSchema, ReadBatchSchema, parseGatewayTopic, systemClock, type GatewayStatus,
} from '@rtls/protocol';
import { SimRunner, Simulation } from '../src/index.ts';
import { fixtureSite } from './fixture-site.ts';

const password = (gw: string) => `secret-${gw}`;
const OBSERVER = { username: 'observer', password: 'observer-pw' };

async function waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Seen {
  status: Array<{ gw: string; status: GatewayStatus; retain: boolean }>;
  batches: Array<{ gw: string; payload: unknown }>;
}

async function observe(url: string): Promise<{ client: MqttClient; seen: Seen }> {
  const seen: Seen = { status: [], batches: [] };
  const client = await mqtt.connectAsync(url, { ...OBSERVER, clientId: `obs-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  client.on('message', (topic, payload, packet) => {
    const p = parseGatewayTopic(topic);
    if (!p) return;
    const body: unknown = JSON.parse(payload.toString('utf8'));
    if (p.kind === 'status') seen.status.push({ gw: p.gatewayId, status: GatewayStatusSchema.parse(body), retain: packet.retain });
    else seen.batches.push({ gw: p.gatewayId, payload: body });
  });
  await client.subscribeAsync([GATEWAY_STATUS_FILTER, GATEWAY_READS_FILTER], { qos: 1 });
  return { client, seen };
}

describe('SimRunner against a real Aedes broker', () => {
  let broker: Aedes;
  let server: Server;
  let url: string;
  const clients = new Map<string, Client>();
  const dir = mkdtempSync(join(tmpdir(), 'rtls-sim-'));
  /** Gateway whose password the broker "rotated": the runner holds a stale one until told the new one. */
  const ROTATED = 'gw-pr-102';
  let rotatedKnown = false;
  const authErrors: string[] = [];
  let sim: Simulation;
  let runner: SimRunner;
  let watcher: { client: MqttClient; seen: Seen };

  beforeAll(async () => {
    broker = await Aedes.createBroker();
    broker.authenticate = (client, username, pw, done) => {
      const given = pw?.toString('utf8');
      if (username === OBSERVER.username && given === OBSERVER.password) return done(null, true);
      const ok = username === client.id && given === password(client.id);
      done(null, ok);
    };
    broker.on('client', (c) => clients.set(c.id, c));
    server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    watcher = await observe(url);

    sim = new Simulation({ site: fixtureSite(), seed: 42, tagCount: 40, startTime: Date.now() });
    runner = new SimRunner({
      simulation: sim,
      brokerUrl: url,
      clock: systemClock,
      speed: 5,
      reconnectMinMs: 100,
      reconnectMaxMs: 400,
      truthFile: join(dir, 'truth.jsonl'),
      credentials: (gw) => ({ username: gw, password: gw === ROTATED && !rotatedKnown ? 'stale' : password(gw) }),
      onAuthError: (gw) => {
        authErrors.push(gw);
        rotatedKnown = true;
      },
    });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop();
    await watcher?.client.endAsync();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects one client per gateway, with the gateway id as client id, and publishes a retained birth', async () => {
    const ids = sim.gateways().map((g) => g.id);
    await waitFor(() => runner.stats().connected === ids.length, 'all gateways connected');
    for (const id of ids) expect(clients.has(id)).toBe(true);
    // A late subscriber sees each gateway's retained birth.
    const late = await observe(url);
    try {
      await waitFor(() => new Set(late.seen.status.filter((s) => s.retain).map((s) => s.gw)).size === ids.length, 'retained births');
      for (const s of late.seen.status) {
        expect(s.status).toMatchObject({ gw: s.gw, state: 'online' });
        expect(s.status.fw).toBeTruthy();
        expect(s.status.t).toBeGreaterThan(0);
      }
    } finally {
      await late.client.endAsync();
    }
  });

  it('reports refused credentials and connects once the rotated password is known', async () => {
    await waitFor(() => authErrors.length > 0, 'an auth error');
    expect(authErrors[0]).toBe(ROTATED);
    expect(runner.stats().authErrors).toBeGreaterThan(0);
    await waitFor(() => watcher.seen.status.some((s) => s.gw === ROTATED && s.status.state === 'online'), 'rotated gateway online');
  });

  it('publishes valid batches on each gateway’s own reads topic, for several gateways', async () => {
    await waitFor(() => new Set(watcher.seen.batches.map((b) => b.gw)).size >= 8, 'batches from 8 gateways');
    for (const b of watcher.seen.batches) {
      const r = ReadBatchSchema.safeParse(b.payload);
      expect(r.success).toBe(true);
      expect(r.data!.gw).toBe(b.gw);
    }
    expect(runner.stats().batchesPublished).toBeGreaterThan(0);
    expect(runner.stats().readsPublished).toBeGreaterThan(runner.stats().batchesPublished);
  });

  it('the broker publishes the last will when a gateway drops, and the gateway comes back online', async () => {
    const gw = 'gw-icu-1';
    const before = watcher.seen.status.length;
    clients.get(gw)!.conn.destroy();
    await waitFor(() => watcher.seen.status.slice(before).some((s) => s.gw === gw && s.status.state === 'offline'), 'last will');
    const will = watcher.seen.status.slice(before).find((s) => s.gw === gw && s.status.state === 'offline')!;
    expect(will.status).toEqual({ gw, state: 'offline' });
    await waitFor(() => watcher.seen.status.slice(before).some((s) => s.gw === gw && s.status.state === 'online'), 'reconnect');
  });

  it('stop() publishes every gateway’s offline status and the truth file holds ground truth', async () => {
    const ids = sim.gateways().map((g) => g.id);
    const before = watcher.seen.status.length;
    await runner.stop();
    await waitFor(() => new Set(watcher.seen.status.slice(before).filter((s) => s.status.state === 'offline').map((s) => s.gw)).size === ids.length, 'offline statuses');
    expect(runner.stats().connected).toBe(0);
    const lines = readFileSync(join(dir, 'truth.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(lines[0]!).sort()).toEqual(['floor', 'room', 't', 'tag', 'x', 'y']);
    expect(new Set(lines.map((l) => l.tag)).size).toBe(40);
  });
});

describe('SimRunner without a broker', () => {
  it('keeps retrying with backoff and logs the failure once per gateway', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const warnings: Array<Record<string, unknown>> = [];
    const logger = {
      warn: (obj: Record<string, unknown>) => void warnings.push(obj),
      info: () => {},
      error: () => {},
    };
    const sim = new Simulation({ site: fixtureSite(), seed: 1, tagCount: 5, startTime: Date.now() });
    const runner = new SimRunner({
      simulation: sim,
      brokerUrl: `mqtt://127.0.0.1:${port}`,
      clock: systemClock,
      credentials: () => undefined,
      logger,
      gatewayIds: ['gw-pr-101', 'gw-icu-1'],
      reconnectMinMs: 20,
      reconnectMaxMs: 80,
    });
    await runner.start();
    try {
      await waitFor(() => runner.stats().connectErrors >= 8, 'repeated connection attempts');
      expect(runner.stats().connected).toBe(0);
      expect(runner.stats().authErrors).toBe(0);
      expect(warnings.map((w) => w.gw).sort()).toEqual(['gw-icu-1', 'gw-pr-101']);
    } finally {
      await runner.stop();
    }
  });
});
