import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  GATEWAY_READS_FILTER, GATEWAY_STATUS_FILTER, HealthSchema, LiveSnapshotSchema, gatewayReadsTopic, gatewayStatusTopic,
  type Fix, type InboundMessage,
} from '@rtls/protocol';
import { loadLocatorConfig } from '../../src/config.ts';
import type { CreatePipelineOptions, Pipeline } from '../../src/pipeline.ts';
import { openRegistry, type Registry } from '../../src/registry/sqlite-registry.ts';
import { createLocatorService } from '../../src/service.ts';
import { openSqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';
import { fixtureSite } from './fixture-site.ts';
import { MemorySource, T0, bleTag, makeFix, rmDir, silentLogger, tmpDir, waitFor, zeroDrops } from './helpers.ts';
import { TEST_ADMIN_PASSWORD, TEST_USER_PASSWORD, injectWith, loginThrough } from './auth-fixture.ts';

/**
 * A stand-in pipeline with the real signature: a reads message carries a Fix as JSON and is "located" on the next
 * tick; a status message is passed through. Lets the service's wiring be tested apart from positioning.
 */
function fakePipelineFactory(seen: { opts?: CreatePipelineOptions; handled: InboundMessage[]; ticks: number }) {
  return (opts: CreatePipelineOptions): Pipeline => {
    seen.opts = opts;
    const queued: Fix[] = [];
    let fixes = 0;
    return {
      handle(msg) {
        seen.handled.push(msg);
        const body = JSON.parse(Buffer.from(msg.payload).toString());
        if (msg.topic.endsWith('/status')) opts.sink.gatewayStatus(body, msg.receivedAt);
        else {
          opts.sink.tagSeen(body.tag, msg.receivedAt, 77);
          queued.push(body as Fix);
        }
      },
      tick() {
        seen.ticks++;
        for (const f of queued.splice(0)) {
          fixes++;
          opts.sink.fix(f);
        }
      },
      stats: () => ({ messages: seen.handled.length, batches: 0, reads: 0, dropped: zeroDrops(), tags: 0, fixes, queued: queued.length }),
    };
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(env: Record<string, string> = {}) {
  const dir = tmpDir();
  const registry = openRegistry(path.join(dir, 'data'));
  cleanups.push(() => rmDir(dir));
  cleanups.push(() => registry.close());
  const config = loadLocatorConfig({
    RTLS_DATA_DIR: path.join(dir, 'data'), RTLS_WEB_DIST: path.join(dir, 'none'), RTLS_HTTP_HOST: '127.0.0.1',
    RTLS_HTTP_PORT: '0', RTLS_TICK_MS: '20', RTLS_LIVE_FLUSH_MS: '20', RTLS_STORE_FLUSH_MS: '50',
    // The service creates `admin` with this password on its first start (issue #6).
    RTLS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ...env,
  });
  return { dir, registry, config };
}

async function start(registry: Registry, config: ReturnType<typeof loadLocatorConfig>, source = new MemorySource()) {
  const seen = { handled: [] as InboundMessage[], ticks: 0 } as { opts?: CreatePipelineOptions; handled: InboundMessage[]; ticks: number };
  const svc = await createLocatorService({
    config, site: fixtureSite(), registry, messageSource: source, clock: () => T0 + 60_000, logger: silentLogger(),
    createPipeline: fakePipelineFactory(seen),
  });
  cleanups.push(() => svc.close());
  return { svc, seen, source };
}

const payload = (v: unknown) => Buffer.from(JSON.stringify(v));

/** Logs in over HTTP (the real login route, scrypt and all) and returns the bearer token. */
async function httpLogin(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** A live client that records every message. */
function liveMessages(url: string, token: string, query = '') {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/live${query}`, ['rtls.v1', `rtls.bearer.${token}`]);
  ws.on('error', () => {});
  cleanups.push(() => ws.terminate());
  const msgs: { type: string; fixes?: Fix[]; tags?: { id: string }[] }[] = [];
  ws.on('message', (d) => msgs.push(JSON.parse(String(d))));
  return { ws, msgs };
}

describe('locator service wiring', () => {
  it('subscribes to every topic by default, so messages on topics no gateway owns are counted', async () => {
    const { registry, config } = setup();
    const { source } = await start(registry, config);
    expect(source.subscriptions.map((s) => s.filter)).toEqual(['#']);
  });

  it('syncs gateways, subscribes the reads and status filters and passes config.pipeline to the pipeline', async () => {
    const { registry, config } = setup({ RTLS_WINDOW_MS: '6000', RTLS_MQTT_SUBSCRIBE: 'gateways' });
    // A vendor gateway's topic filter is subscribed too (issue #4).
    await registry.createGateway({ id: 'gw-minew-1', tech: 'ble', format: 'minew-jsonlong', mac: 'AC233FA00001', floor: 'L0', x: 5, y: 5, mountHeightM: 2.5 });
    const { seen, source } = await start(registry, config);
    expect(source.subscriptions.map((s) => s.filter).sort()).toEqual([GATEWAY_READS_FILTER, GATEWAY_STATUS_FILTER, '/gw/ac233fa00001/status'].sort());
    expect(seen.opts!.options.windowMs).toBe(6000);
    expect(seen.opts!.registry.gateway('gw-l0-a')).toMatchObject({ floor: 'L0', x: 5, y: 4 });
    expect(registry.listGateways().length).toBe(fixtureSite().floors.flatMap((f) => f.gateways).length + 1);
  });

  it('fans pipeline output out to live state, history store and the live feed; health reports it', async () => {
    const { registry, config } = setup();
    const { svc, source, seen } = await start(registry, config);
    const { url } = await svc.listen();
    const token = await httpLogin(url, 'admin', TEST_ADMIN_PASSWORD);
    const auth = { authorization: `Bearer ${token}` };
    const { msgs } = liveMessages(url, token);
    await waitFor(() => msgs.length > 0, 'snapshot');
    expect(LiveSnapshotSchema.parse(msgs[0]).gateways.length).toBeGreaterThan(0);

    const tag = bleTag(0xabc);
    source.deliver({ topic: gatewayReadsTopic('gw-l0-a'), payload: payload(makeFix(tag, T0 + 1000, 'L0', 3, 4)), receivedAt: T0 + 1000 });
    source.deliver({ topic: gatewayStatusTopic('gw-l0-a'), payload: payload({ gw: 'gw-l0-a', state: 'online' }), receivedAt: T0 + 1001 });
    expect(seen.handled).toHaveLength(2);

    // Tick timer → fix → live state, store buffer, live hub; the flush timers deliver it.
    await waitFor(() => msgs.some((m) => m.type === 'fixes' && m.fixes!.some((f) => f.tag === tag)), 'a fixes delta');
    await waitFor(() => svc.stats().store.fixesWritten === 1, 'the store flush');

    const tagRes = await fetch(`${url}/api/tags/${encodeURIComponent(tag)}`, { headers: auth });
    expect(tagRes.status).toBe(200);
    expect(await tagRes.json()).toMatchObject({ id: tag, kind: 'unknown', battery: 77, lastFix: { x: 3, y: 4 } });
    const gws = (await (await fetch(`${url}/api/gateways`, { headers: auth })).json()) as { gateways: { id: string; state: string | null }[] };
    expect(gws.gateways.find((g) => g.id === 'gw-l0-a')!.state).toBe('online');

    const health = HealthSchema.parse(await (await fetch(`${url}/api/health`)).json());
    expect(health).toMatchObject({ status: 'ok', mqtt: { mode: 'embedded', connected: true }, ingest: { messages: 2 }, pipeline: { fixes: 1 }, store: { kind: 'sqlite', fixesWritten: 1 }, live: { clients: 1 } });
    source.connected = false;
    expect(HealthSchema.parse(await (await fetch(`${url}/api/health`)).json()).status).toBe('degraded');
  });

  it('the live feed shows each user what their role may see: a patient of another unit is never sent', async () => {
    const { registry, config } = setup();
    const infant = bleTag(0x1f1);
    const pump = bleTag(0x1f2);
    registry.upsertTags([{ id: infant, kind: 'patient', label: 'Infant 11', category: 'infant' }]);
    const { svc, source } = await start(registry, config);
    const { users } = svc.access.access.deps;
    await users.create({ username: 'icu-nurse', displayName: 'ICU nurse', role: 'clinical', units: ['icu'], password: TEST_USER_PASSWORD });
    await users.create({ username: 'maternity-nurse', displayName: 'Maternity nurse', role: 'clinical', units: ['maternity'], password: TEST_USER_PASSWORD });
    svc.access.patients.enrol({ tag: infant, unit: 'maternity', pseudonym: 'Infant 11', category: 'infant', identity: { mrn: 'MRN-SVC-1', name: 'Baby Servicetest', birthDate: null } }, 'test');
    const { url } = await svc.listen();
    const icu = liveMessages(url, await httpLogin(url, 'icu-nurse', TEST_USER_PASSWORD));
    const maternity = liveMessages(url, await httpLogin(url, 'maternity-nurse', TEST_USER_PASSWORD));
    await waitFor(() => icu.msgs.length > 0 && maternity.msgs.length > 0, 'both snapshots');

    // Both fixes are located on the same tick, so they reach the hub in the same flush.
    source.deliver({ topic: gatewayReadsTopic('gw-l0-a'), payload: payload(makeFix(infant, T0 + 1000, 'L0', 3, 4)), receivedAt: T0 + 1000 });
    source.deliver({ topic: gatewayReadsTopic('gw-l0-a'), payload: payload(makeFix(pump, T0 + 1000, 'L0', 6, 4)), receivedAt: T0 + 1000 });
    const fixedTags = (msgs: typeof icu.msgs) => msgs.flatMap((m) => (m.type === 'fixes' ? m.fixes!.map((f) => f.tag) : []));
    await waitFor(() => fixedTags(maternity.msgs).includes(infant) && fixedTags(icu.msgs).includes(pump), 'the fixes deltas');
    expect(fixedTags(maternity.msgs)).toContain(pump);
    expect(fixedTags(icu.msgs)).not.toContain(infant);
    expect(JSON.stringify(icu.msgs)).not.toContain(infant);
    expect(JSON.stringify(maternity.msgs)).toContain('Baby Servicetest'); // its own unit's patient, with identity
  });

  it('close() flushes the store; a restarted service rebuilds live state from it', async () => {
    const { registry, config } = setup({ RTLS_STORE_FLUSH_MS: '60000' });
    const first = await start(registry, config);
    const tag = bleTag(0xdef);
    first.source.deliver({ topic: gatewayReadsTopic('gw-l1-a'), payload: payload(makeFix(tag, T0 + 5, 'L1', 6, 7)), receivedAt: T0 + 5 });
    await first.svc.flushNow();
    expect(first.svc.stats().store.pending).toBe(0);
    await first.svc.close();

    const store = openSqliteHistoryStore(config.dataDir);
    expect((await store.lastFixes()).map((f) => f.tag)).toEqual([tag]);
    await store.close();

    const second = await start(registry, config);
    // admin was created by the first start and is still there (the data dir holds the users).
    expect(second.svc.access.adminOneTimePassword).toBeNull();
    const token = await loginThrough(second.svc.app, 'admin', TEST_ADMIN_PASSWORD);
    const res = await injectWith(second.svc.app, { authorization: `Bearer ${token}` }, `/api/tags/${encodeURIComponent(tag)}`);
    expect(res.json()).toMatchObject({ id: tag, lastFix: { floor: 'L1', x: 6, y: 7 } });
  });

  it('listen(): a port in use → one-line Error naming RTLS_HTTP_PORT', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as net.AddressInfo).port;
    const { registry, config } = setup({ RTLS_HTTP_PORT: String(port) });
    const { svc } = await start(registry, config);
    const err = await svc.listen().catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('RTLS_HTTP_PORT');
    expect((err as Error).message).not.toContain('\n');
  });

  it('an unconnected source does not block start-up; health is degraded', async () => {
    const { registry, config } = setup();
    const source = new MemorySource();
    source.connected = false;
    source.subscribe = () => new Promise<void>(() => {}); // a broker that never answers
    const { svc } = await start(registry, config, source);
    const health = HealthSchema.parse((await svc.app.inject('/api/health')).json());
    expect(health.status).toBe('degraded');
  });
});

describe('locator service with the real pipeline', () => {
  it('native read batches from the message source become a fix served by the API', async () => {
    const { registry, config } = setup();
    const source = new MemorySource();
    let now = T0;
    const svc = await createLocatorService({
      config, site: fixtureSite(), registry, messageSource: source, clock: () => now, logger: silentLogger(),
    });
    cleanups.push(() => svc.close());
    const tag = bleTag(0x5a5a);
    const gws: [string, number][] = [['gw-l0-a', -55], ['gw-l0-c1', -68], ['gw-l0-c2', -75], ['gw-l0-b', -85]];
    for (let seq = 0; seq < 6; seq++) {
      now = T0 + seq * 500;
      for (const [gw, rssi] of gws) {
        const batch = { gw, seq, t: now, reads: [{ tag, rssi }] };
        source.deliver({ topic: gatewayReadsTopic(gw), payload: payload(batch), receivedAt: now });
      }
      await svc.flushNow();
    }
    const token = await loginThrough(svc.app, 'admin', TEST_ADMIN_PASSWORD);
    const res = await injectWith(svc.app, { authorization: `Bearer ${token}` }, `/api/tags/${encodeURIComponent(tag)}`);
    expect(res.statusCode).toBe(200);
    const info = res.json() as { kind: string; lastFix: Fix | null };
    expect(info.kind).toBe('unknown');
    expect(info.lastFix).toMatchObject({ tag, floor: 'L0' });
    expect(svc.stats().pipeline.reads).toBeGreaterThanOrEqual(gws.length);
  });
});
