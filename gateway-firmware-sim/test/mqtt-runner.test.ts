import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aedes, type Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import {
  GATEWAY_READS_FILTER, GATEWAY_STATUS_FILTER, GatewayStatusSchema, ReadBatchSchema, parseGatewayTopic, systemClock, topicMatchesFilter,
  type GatewayFormat, type GatewayStatus,
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

describe('SimRunner with vendor formats and faults against a real Aedes broker', () => {
  // One gateway per vendor format, two native ones (one of which goes offline for a while), on the fixture site.
  const FORMATS: Record<string, GatewayFormat> = {
    'gw-store-0': 'minew-jsonlong',
    'gw-pr-101': 'moko-mkgw',
    'gw-corr-0-4': 'espresense',
    'gw-corr-0-12': 'openmqttgateway',
    'gw-corr-0-20': 'ruuvi',
    'cab-sterile-0': 'zebra-iotc',
    'cab-or-1': 'impinj-iot',
    'gw-icu-1': 'native',
    'gw-corr-0-28': 'native',
  };
  const OFFLINE_GW = 'gw-icu-1';
  const DUPLICATING_GW = 'gw-corr-0-12';
  let broker: Aedes;
  let server: Server;
  let url: string;
  let sim: Simulation;
  let runner: SimRunner;
  let filters: Map<string, { format: GatewayFormat; topic: string; mac: string }>;
  const denied: string[] = [];
  const checked = new Set<string>();
  const seen: Array<{ topic: string; payload: Buffer; retain: boolean }> = [];
  let observer: MqttClient;

  /** Which gateway a topic belongs to (by its filter), or undefined. */
  const owner = (topic: string) => [...filters].find(([id, f]) => (f.format === 'native' ? parseGatewayTopic(topic)?.gatewayId === id : topicMatchesFilter(f.topic, topic)))?.[0];
  const from = (gw: string) => seen.filter((m) => owner(m.topic) === gw);

  beforeAll(async () => {
    broker = await Aedes.createBroker();
    broker.authenticate = (client, username, pw, done) => {
      const given = pw?.toString('utf8');
      done(null, (username === OBSERVER.username && given === OBSERVER.password) || (username === client.id && given === password(client.id)));
    };
    // The real broker's ACL: a gateway publishes only where its topic filter matches (native: its rtls/v1 topics).
    broker.authorizePublish = (client, packet, done) => {
      const f = client ? filters.get(client.id) : undefined;
      const ok = !client || (f?.format === 'native' ? parseGatewayTopic(packet.topic)?.gatewayId === client.id : f !== undefined && topicMatchesFilter(f.topic, packet.topic));
      if (client) checked.add(client.id);
      if (!ok) denied.push(`${client?.id} → ${packet.topic}`);
      done(ok ? null : new Error('not your topic'));
    };
    server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;

    sim = new Simulation({ site: fixtureSite(), seed: 42, tagCount: 40, startTime: Date.now() });
    runner = new SimRunner({
      simulation: sim,
      brokerUrl: url,
      clock: systemClock,
      speed: 10,
      heartbeatMs: 200,
      reconnectMinMs: 100,
      gatewayIds: Object.keys(FORMATS),
      formats: FORMATS,
      credentials: (gw) => ({ username: gw, password: password(gw) }),
      faults: [
        { gatewayId: OFFLINE_GW, kind: 'offline', fromMs: 4000, toMs: 9000 },
        { gatewayId: DUPLICATING_GW, kind: 'duplicate', fromMs: 0, toMs: 3_600_000 },
      ],
      faultSeed: 42,
    });
    filters = runner.gatewayFormats();

    observer = await mqtt.connectAsync(url, { ...OBSERVER, clientId: `obs-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
    observer.on('message', (topic, payload, packet) => seen.push({ topic, payload, retain: packet.retain }));
    await observer.subscribeAsync([...new Set([...filters.values()].filter((f) => f.format !== 'native').map((f) => f.topic)), GATEWAY_STATUS_FILTER, GATEWAY_READS_FILTER], { qos: 1 });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop();
    await observer?.endAsync();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('every vendor gateway publishes its format on its own vendor topic, with its own credentials, and nothing is refused', async () => {
    const vendor = Object.keys(FORMATS).filter((id) => FORMATS[id] !== 'native');
    await waitFor(() => vendor.every((id) => from(id).some((m) => !m.retain)), 'a message from every vendor gateway', 20_000);
    expect(denied).toEqual([]);
    for (const id of vendor) expect(checked.has(id)).toBe(true); // the ACL above did see each gateway's publishes
    const tags = new Set(sim.tags().map((t) => t.id));
    const mac = (id: string) => filters.get(id)!.mac;
    const body = (m: { payload: Buffer }) => JSON.parse(m.payload.toString('utf8')) as Record<string, unknown> & unknown[];

    // Each message decodes to the vendor's shape and names simulated tags in the vendor's spelling.
    const minew = from('gw-store-0').map(body);
    for (const arr of minew) {
      expect(arr[0]).toMatchObject({ type: 'Gateway', mac: mac('gw-store-0') });
      for (const r of arr.slice(1) as Array<{ mac: string; timestamp: string }>) {
        expect(tags.has(`ble:${r.mac}`)).toBe(true);
        expect(r.timestamp).toMatch(/Z$/);
      }
    }
    for (const m of from('gw-pr-101').map(body)) {
      expect(m.device_info).toEqual({ mac: mac('gw-pr-101').toLowerCase() });
      if (m.msg_id === 3070) for (const r of m.data as Array<{ mac: string }>) expect(tags.has(`ble:${r.mac.toUpperCase()}`)).toBe(true);
    }
    for (const m of from('gw-corr-0-4')) {
      expect(m.topic).toMatch(/^espresense\/devices\/[0-9a-f]{12}\/gw-corr-0-4$/);
      expect(tags.has(`ble:${(body(m).id as string).toUpperCase()}`)).toBe(true);
    }
    for (const m of from('gw-corr-0-12')) expect(tags.has(`ble:${(body(m).id as string).replace(/:/g, '')}`)).toBe(true);
    for (const m of from('gw-corr-0-20').filter((x) => !x.topic.endsWith('/gw_status'))) {
      const b = body(m);
      expect(b.ts).toMatch(/^\d{10}$/);
      expect(tags.has(`ble:${(b.data as string).slice(-12)}`)).toBe(true);
    }
    // Tag events come in arrays (data batching); the management heartbeat is a single object on the same topic.
    for (const m of from('cab-sterile-0').map(body)) {
      const events = [m].flat() as Array<{ type: string; data: { idHex?: string } }>;
      for (const e of events) if (e.type !== 'heartbeat') expect(tags.has(`epc:${e.data.idHex!.toUpperCase()}`)).toBe(true);
    }
    for (const m of from('cab-or-1').map(body)) {
      expect(m.eventType).toBe('tagInventory');
      expect(tags.has(`epc:${(m.tagInventoryEvent as { epcHex: string }).epcHex}`)).toBe(true);
    }
    const byFormat = runner.stats().messagesByFormat;
    for (const f of new Set(Object.values(FORMATS))) expect(byFormat[f]).toBeGreaterThan(0);
  });

  it('vendor gateways publish no rtls/v1 status; Zebra and MOKO send their own heartbeats; Ruuvi its retained gw_status', async () => {
    await waitFor(() => from('cab-sterile-0').some((m) => m.payload.includes('"heartbeat"')), 'a Zebra heartbeat');
    await waitFor(() => from('gw-pr-101').some((m) => m.payload.includes('"msg_id":3004')), 'a MOKO heartbeat');
    const statusFrom = new Set(seen.map((m) => parseGatewayTopic(m.topic)).filter((p) => p?.kind === 'status').map((p) => p!.gatewayId));
    expect([...statusFrom].sort()).toEqual(['gw-corr-0-28', 'gw-icu-1']);
    const gwStatus = from('gw-corr-0-20').filter((m) => m.topic.endsWith('/gw_status'));
    expect(gwStatus.map((m) => JSON.parse(m.payload.toString()))).toContainEqual({ state: 'online' });
  });

  it('an offline span drops the connection (the broker publishes the native last will) and the gateway comes back', async () => {
    const status = () => seen.filter((m) => parseGatewayTopic(m.topic)?.gatewayId === OFFLINE_GW && parseGatewayTopic(m.topic)?.kind === 'status').map((m) => JSON.parse(m.payload.toString()) as GatewayStatus);
    await waitFor(() => status().some((s) => s.state === 'offline'), 'the last will');
    const willAt = status().findIndex((s) => s.state === 'offline');
    expect(status()[willAt]).toEqual({ gw: OFFLINE_GW, state: 'offline' }); // the will, not a clean shutdown's status
    await waitFor(() => status().slice(willAt).some((s) => s.state === 'online'), 'back online');
    const f = runner.stats().faults;
    expect(f.offlineSpans).toBe(1);
    expect(f.offlineDropped).toBeGreaterThan(0);
  });

  it('a duplicating gateway publishes each message twice in a row', async () => {
    await waitFor(() => from(DUPLICATING_GW).length >= 10, 'messages from the duplicating gateway');
    const ms = from(DUPLICATING_GW);
    expect(ms.length % 2).toBe(0);
    for (let i = 0; i + 1 < ms.length; i += 2) expect(ms[i]!.payload.equals(ms[i + 1]!.payload)).toBe(true);
    expect(runner.stats().faults.duplicated).toBeGreaterThanOrEqual(ms.length / 2);
  });
});
