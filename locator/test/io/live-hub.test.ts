import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '@rtls/floorplans';
import { fixtureSite } from './fixture-site.ts';
import { LiveServerMessageSchema, type LiveServerMessage } from '@rtls/protocol';
import { buildApi } from '../../src/api/build-api.ts';
import { loadLocatorConfig } from '../../src/config.ts';
import { createLiveHub, type LiveHub } from '../../src/live/live-hub.ts';
import { openRegistry, type Registry } from '../../src/registry/sqlite-registry.ts';
import { createLiveState, type LiveState } from '../../src/state/live-state.ts';
import { openSqliteHistoryStore, type SqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';
import { T0, bleTag, fakeHealthParts, makeFix, rmDir, silentLogger, tmpDir, waitFor } from './helpers.ts';
import { openTestAccess, type TestAccess } from './auth-fixture.ts';

let dir: string;
let site: Site;
let registry: Registry;
let store: SqliteHistoryStore;
let state: LiveState;
let hub: LiveHub;
let app: FastifyInstance;
let base: string;
let L0: string;
let L1: string;
const sockets: WebSocket[] = [];
let auth: TestAccess;

/**
 * The live feed takes the token as a WebSocket subprotocol next to rtls.v1, as the browser sends it (issue #6).
 * No viewerFor is given to these hubs, so once authenticated a client sees everything (the service wires the
 * per-role view; see service.test.ts).
 */
const liveProtocols = () => ['rtls.v1', `rtls.bearer.${auth.tokens.admin}`];

const PARKED = bleTag(0x100);

/** A real ws client that records every server message, validated against the protocol schema. */
class Client {
  readonly msgs: LiveServerMessage[] = [];
  readonly ws: WebSocket;
  #read = 0;
  constructor(query = '') {
    this.ws = new WebSocket(`${base}/api/live${query}`, liveProtocols());
    this.ws.on('error', () => {});
    sockets.push(this.ws);
    this.ws.on('message', (data) => this.msgs.push(LiveServerMessageSchema.parse(JSON.parse(String(data)))));
  }
  /** Next unread message of `type` (earlier unread messages of other types are skipped). */
  async next<T extends LiveServerMessage['type']>(type: T): Promise<Extract<LiveServerMessage, { type: T }>> {
    let found: LiveServerMessage | undefined;
    await waitFor(() => {
      while (this.#read < this.msgs.length) {
        const m = this.msgs[this.#read++]!;
        if (m.type === type) {
          found = m;
          return true;
        }
      }
      return false;
    }, `a '${type}' message`);
    return found as Extract<LiveServerMessage, { type: T }>;
  }
  send(v: unknown) {
    this.ws.send(typeof v === 'string' ? v : JSON.stringify(v));
  }
  unread(): LiveServerMessage[] {
    return this.msgs.slice(this.#read);
  }
}

beforeAll(async () => {
  dir = tmpDir();
  site = fixtureSite();
  const ids = [...site.floors].sort((a, b) => a.summary.level - b.summary.level).map((f) => f.summary.id);
  expect(ids.length).toBeGreaterThanOrEqual(2);
  [L0, L1] = [ids[0]!, ids[1]!];
  registry = openRegistry(path.join(dir, 'data'));
  registry.syncGatewaysFromSite(site);
  registry.upsertTags([{ id: PARKED, kind: 'equipment', label: 'Ventilator 3', category: 'ventilator' }]);
  store = openSqliteHistoryStore(path.join(dir, 'data'));
  state = createLiveState(registry.view(), [makeFix(PARKED, T0, L0, 7, 7)]);
  auth = await openTestAccess(path.join(dir, 'data'));
  // flushMs 0: the test runs hub.flush() itself, so what a delta holds is deterministic.
  hub = createLiveHub({ state, clock: () => T0 + 10_000, flushMs: 0, logger: silentLogger() });
  app = buildApi({
    config: loadLocatorConfig({ RTLS_DATA_DIR: path.join(dir, 'data'), RTLS_WEB_DIST: path.join(dir, 'none') }),
    site, registry, state, store, stats: fakeHealthParts, logger: silentLogger(), clock: () => T0, live: hub,
    access: auth.opened.access, patients: auth.opened.patients,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `ws://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.terminate();
});

afterAll(async () => {
  hub?.close();
  await app?.close();
  await store?.close();
  registry?.close();
  auth?.close();
  rmDir(dir);
});

function emit(fix: ReturnType<typeof makeFix>) {
  state.fix(fix);
  hub.fix(fix);
}

describe('live hub over a real WebSocket', () => {
  it('pings clients: one that answers stays, one that stopped reading is terminated and counted', async () => {
    const ok = new Client();
    const gone = new Client();
    await ok.next('snapshot');
    await gone.next('snapshot');
    const closed = new Promise<void>((resolve) => gone.ws.once('close', () => resolve()));
    gone.ws.pause(); // like a tablet that went to sleep: nothing is read, so no pong is sent
    const dead0 = hub.stats().deadClients;
    const pinged = new Promise<void>((resolve) => ok.ws.once('ping', () => resolve()));
    hub.checkLiveness();
    await pinged;
    // ws answers a ping at once; a round trip of our own on the same socket proves the server has read that pong.
    ok.send({ type: 'ping' });
    await ok.next('pong');
    hub.checkLiveness();
    gone.ws.resume();
    await closed;
    expect(hub.stats().deadClients).toBe(dead0 + 1);
    expect(ok.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('sends a snapshot on connect with tags and gateways, and counts clients', async () => {
    const c = new Client();
    const snap = await c.next('snapshot');
    expect(snap.floors).toBeNull();
    expect(snap.tags.map((t) => t.id)).toContain(PARKED);
    expect(snap.tags.find((t) => t.id === PARKED)!.lastFix!.floor).toBe(L0);
    expect(snap.gateways).toHaveLength(registry.listGateways().length);
    expect(hub.stats().clients).toBe(1);
    c.ws.close();
    await waitFor(() => hub.stats().clients === 0, 'the client to be uncounted');
  });

  it('after fixes: a tags delta for a new tag, then one fixes delta with only the latest fix per tag', async () => {
    const c = new Client();
    await c.next('snapshot');
    const fresh = bleTag(0x200);
    emit(makeFix(fresh, T0 + 1, L0, 1, 1));
    emit(makeFix(fresh, T0 + 2, L0, 2, 2));
    emit(makeFix(PARKED, T0 + 3, L0, 8, 8));
    hub.flush();
    const tags = await c.next('tags');
    expect(tags.tags).toEqual([{ id: fresh, kind: 'unknown', label: fresh, registered: false, category: null }]);
    const fixes = await c.next('fixes');
    expect(fixes.fixes.map((f) => [f.tag, f.x])).toEqual([[fresh, 2], [PARKED, 8]]);
    // The tags message came before the fixes message.
    expect(c.msgs.findIndex((m) => m.type === 'tags')).toBeLessThan(c.msgs.findIndex((m) => m.type === 'fixes'));

    emit(makeFix(fresh, T0 + 4, L0, 3, 3));
    hub.flush();
    const again = await c.next('fixes');
    expect(again.fixes.map((f) => f.x)).toEqual([3]);
    expect(c.unread().filter((m) => m.type === 'tags')).toEqual([]); // already known: no second summary
  });

  it('a floor filter (?floor=) excludes other floors from snapshot and deltas', async () => {
    const upstairs = bleTag(0x300);
    emit(makeFix(upstairs, T0 + 5, L1, 4, 4));
    const c = new Client(`?floor=${L0}`);
    const snap = await c.next('snapshot');
    expect(snap.floors).toEqual([L0]);
    expect(snap.tags.every((t) => t.lastFix?.floor === L0)).toBe(true);
    expect(snap.gateways.every((g) => g.floor === L0)).toBe(true);
    expect(snap.tags.map((t) => t.id)).not.toContain(upstairs);

    emit(makeFix(upstairs, T0 + 6, L1, 5, 5));
    emit(makeFix(PARKED, T0 + 7, L0, 9, 9));
    hub.flush();
    const fixes = await c.next('fixes');
    expect(fixes.fixes.map((f) => f.tag)).toEqual([PARKED]);
  });

  it('subscribe → a new snapshot for the new floors; ping → pong', async () => {
    const c = new Client(`?floor=${L0}`);
    await c.next('snapshot');
    c.send({ type: 'subscribe', floors: [L1] });
    const snap = await c.next('snapshot');
    expect(snap.floors).toEqual([L1]);
    expect(snap.tags.every((t) => t.lastFix?.floor === L1)).toBe(true);
    c.send({ type: 'ping' });
    expect((await c.next('pong')).t).toBe(T0 + 10_000);
    c.send({ type: 'subscribe', floors: null });
    expect((await c.next('snapshot')).floors).toBeNull();
  });

  it('malformed client messages → error RTLS_ERR_VALIDATION, and the socket stays open', async () => {
    const c = new Client();
    await c.next('snapshot');
    c.send('not json {');
    expect((await c.next('error')).code).toBe('RTLS_ERR_VALIDATION');
    c.send({ type: 'subscribe', floors: 'L0' });
    const err = await c.next('error');
    expect(err.message).toContain('floors');
    c.send({ type: 'dance' });
    await c.next('error');
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.send({ type: 'ping' });
    await c.next('pong');
  });

  /** The HTTP status of an upgrade request: 101 when the socket opened. */
  const upgradeStatus = (ws: WebSocket) => {
    ws.on('error', () => {});
    sockets.push(ws);
    return new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
  };

  it('an invalid ?floor= is refused before the upgrade', async () => {
    expect(await upgradeStatus(new WebSocket(`${base}/api/live?floor=${encodeURIComponent('bad floor!')}`, liveProtocols()))).toBe(400);
  });

  it('without a token (or with one that is not a session) the upgrade is refused with 401; the server answers rtls.v1 only', async () => {
    expect(await upgradeStatus(new WebSocket(`${base}/api/live`))).toBe(401);
    expect(await upgradeStatus(new WebSocket(`${base}/api/live`, ['rtls.v1']))).toBe(401);
    expect(await upgradeStatus(new WebSocket(`${base}/api/live`, ['rtls.v1', 'rtls.bearer.not-a-session']))).toBe(401);
    const ok = new WebSocket(`${base}/api/live`, liveProtocols());
    expect(await upgradeStatus(ok)).toBe(101);
    // The token is never echoed back as the chosen subprotocol.
    expect(ok.protocol).toBe('rtls.v1');
    // The Authorization header works too (non-browser clients).
    expect(await upgradeStatus(new WebSocket(`${base}/api/live`, { headers: auth.as('admin') }))).toBe(101);
  });

  it('a tag leaving the client’s floors is sent once, so its marker can be removed', async () => {
    const mover = bleTag(0x400);
    emit(makeFix(mover, T0 + 10, L0, 1, 1));
    const c = new Client(`?floor=${L0}`);
    await c.next('snapshot');
    emit(makeFix(mover, T0 + 11, L1, 1, 1));
    hub.flush();
    expect((await c.next('fixes')).fixes.map((f) => [f.tag, f.floor])).toEqual([[mover, L1]]);
    emit(makeFix(mover, T0 + 12, L1, 2, 2));
    emit(makeFix(PARKED, T0 + 13, L0, 9, 9));
    hub.flush();
    expect((await c.next('fixes')).fixes.map((f) => f.tag)).toEqual([PARKED]);
  });
});

describe('live hub back-pressure', () => {
  it('skips deltas for a client whose socket buffer is over the bound, then catches it up with the latest fixes', async () => {
    const slowHub = createLiveHub({ state, clock: () => T0, flushMs: 0, logger: silentLogger(), maxBufferedBytes: 64 * 1024 });
    const slowApp = buildApi({
      config: loadLocatorConfig({ RTLS_DATA_DIR: path.join(dir, 'data'), RTLS_WEB_DIST: path.join(dir, 'none') }),
      site, registry, state, store, stats: fakeHealthParts, logger: silentLogger(), clock: () => T0, live: slowHub,
      access: auth.opened.access, patients: auth.opened.patients,
    });
    await slowApp.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (slowApp.server.address() as { port: number }).port;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/live`, liveProtocols());
      ws.on('error', () => {});
      sockets.push(ws);
      const got: LiveServerMessage[] = [];
      ws.on('message', (d) => got.push(LiveServerMessageSchema.parse(JSON.parse(String(d)))));
      await waitFor(() => got.some((m) => m.type === 'snapshot'), 'snapshot');
      ws.pause(); // the client stops reading: TCP buffers fill, then the server's ws buffer grows

      const tags = Array.from({ length: 500 }, (_, i) => bleTag(0x10000 + i));
      let round = 0;
      while (slowHub.stats().skippedDeltas === 0 && round < 400) {
        round++;
        for (const tag of tags) {
          const f = makeFix(tag, T0 + round, L0, round, 1, { evidence: Array.from({ length: 8 }, (_, k) => ({ gw: `gw-${k}`, rssi: -60 - k, n: 5 })) });
          state.fix(f);
          slowHub.fix(f);
        }
        slowHub.flush();
        await new Promise((r) => setImmediate(r));
      }
      expect(slowHub.stats().skippedDeltas).toBeGreaterThan(0);
      const lastRound = round;

      ws.resume();
      // Keep flushing: pending (coalesced) fixes go out once the buffer drains.
      await waitFor(() => {
        slowHub.flush();
        const fixes = got.filter((m): m is Extract<LiveServerMessage, { type: 'fixes' }> => m.type === 'fixes');
        return fixes.some((m) => m.fixes.some((f) => f.tag === tags[0] && f.x === lastRound));
      }, 'the latest fix after catching up', 15_000);
    } finally {
      slowHub.close();
      await slowApp.close();
    }
  });
});
