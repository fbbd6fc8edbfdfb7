import { beforeEach, describe, expect, it } from 'vitest';
import type { LiveServerMessage } from '@rtls/protocol';
import { createDispatcher } from '../src/live/dispatch.ts';
import { bearerProtocols, LiveFeed, liveUrl, WS_FORBIDDEN, WS_SESSION_ENDED, type LiveFeedOptions, type SocketLike } from '../src/live/feed.ts';
import { createStores, type Stores } from '../src/stores/index.ts';
import { FakeTime } from './fake-time.ts';
import { fix, gateway, T0, tagId, tagInfo } from './fixtures.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closed: { code?: number; reason?: string } | null = null;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  constructor(readonly url: string, readonly protocols: string[] = []) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
    this.readyState = 3;
  }
  // Server side of the fake:
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(data: unknown) {
    this.onmessage?.({ data } as MessageEvent);
  }
  msg(m: LiveServerMessage) {
    this.receive(JSON.stringify(m));
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onerror?.(new Event('error'));
    this.onclose?.({ code } as CloseEvent);
  }
}

describe('live feed', () => {
  let time: FakeTime;
  let stores: Stores;
  let sockets: FakeSocket[];
  let feed: LiveFeed;
  const last = () => sockets[sockets.length - 1]!;

  const options = (over: Partial<LiveFeedOptions> = {}): LiveFeedOptions => ({
      url: (floor) => liveUrl({ protocol: 'http:', host: 'rtls.local' }, floor),
      createSocket: (url, protocols) => {
        const s = new FakeSocket(url, protocols);
        sockets.push(s);
        return s;
      },
      clock: time.clock,
      random: () => 0.5,
      timers: time.timersApi,
      dispatch: createDispatcher(stores),
      connection: stores.connection,
      backoff: { baseMs: 1000, maxMs: 8000, factor: 2, jitter: 0 },
      heartbeatMs: 10_000,
      staleMs: 25_000,
      ...over,
  });

  beforeEach(() => {
    time = new FakeTime();
    stores = createStores(time.clock);
    sockets = [];
    feed = new LiveFeed(options());
  });

  it('applies a snapshot, then fix batches, to the tags and gateways slices', () => {
    feed.start('L0');
    expect(last().url).toBe('ws://rtls.local/api/live?floor=L0');
    expect(stores.connection.status().state).toBe('connecting');
    last().open();
    expect(stores.connection.status().state).toBe('live');
    last().msg({
      type: 'snapshot', t: T0, floors: ['L0'],
      tags: [tagInfo(1, 'equipment'), tagInfo(2, 'patient'), tagInfo(3, 'consumable', { lastFix: fix(3, { floor: 'L1' }) })],
      gateways: [gateway('gw-1', 'L0', 'online'), gateway('gw-2', 'L0', 'offline')],
    });
    expect(stores.tags.size()).toBe(3);
    expect(stores.tags.onFloor('L0').map((t) => t.summary.id).sort()).toEqual([tagId(1), tagId(2)]);
    expect(stores.gateways.onlineCount('L0')).toEqual({ online: 1, total: 2 });

    const v = stores.tags.version();
    last().msg({ type: 'tags', tags: [{ id: tagId(4), kind: 'equipment', label: 'Pump 4', registered: true, category: 'infusion-pump' }] });
    last().msg({
      type: 'fixes', t: T0 + 1000,
      fixes: [fix(1, { t: T0 + 1000, x: 11, y: 21, room: 'r-102' }), fix(4, { t: T0 + 1000, x: 3, y: 4 }), fix(2, { t: T0 + 1000, floor: 'L1' })],
    });
    // One version bump per message, not per tag.
    expect(stores.tags.version()).toBe(v + 2);
    expect(stores.tags.get(tagId(1))?.fix).toMatchObject({ x: 11, y: 21, room: 'r-102' });
    expect(stores.tags.get(tagId(4))?.summary.label).toBe('Pump 4');
    expect(stores.tags.get(tagId(4))?.fix).toMatchObject({ x: 3, y: 4 });
    // Tag 2 went upstairs: it leaves this floor's view and counts.
    expect(stores.tags.onFloor('L0').map((t) => t.summary.id).sort()).toEqual([tagId(1), tagId(4)]);
    expect(stores.tags.countsByKind('L0')).toEqual({ equipment: 2, consumable: 0, patient: 0, unknown: 0 });
    expect(stores.tags.countsByKind('L1')).toEqual({ equipment: 0, consumable: 1, patient: 1, unknown: 0 });

    last().msg({ type: 'gateway', gateway: gateway('gw-2', 'L0', 'online') });
    expect(stores.gateways.onlineCount('L0')).toEqual({ online: 2, total: 2 });
    expect(stores.connection.badTotal()).toBe(0);
  });

  it('counts malformed messages by reason and never applies them', () => {
    feed.start('L0');
    last().open();
    last().msg({ type: 'snapshot', t: T0, floors: ['L0'], tags: [tagInfo(1, 'equipment')], gateways: [] });
    const before = structuredClone(stores.tags.get(tagId(1)));
    last().receive('{not json');
    last().receive(new ArrayBuffer(4));
    last().receive(JSON.stringify({ type: 'fixes', t: T0, fixes: [{ ...fix(1), x: 'east' }] }));
    last().receive(JSON.stringify({ type: 'fixes', t: 12, fixes: [fix(1, { x: 99 })] })); // t in seconds, not ms
    last().receive(JSON.stringify({ type: 'teleport', tag: tagId(1) }));
    last().receive(JSON.stringify({ type: 'fixes', t: T0, fixes: [fix(1, { x: 99 })], extra: true })); // strict object
    expect(stores.connection.bad()).toEqual({ 'not-json': 1, 'not-text': 1, schema: 4 });
    expect(stores.tags.get(tagId(1))).toEqual(before);
    // The feed keeps working after bad input.
    last().msg({ type: 'fixes', t: T0 + 1, fixes: [fix(1, { t: T0 + 1, x: 42 })] });
    expect(stores.tags.get(tagId(1))?.fix?.x).toBe(42);
  });

  it('keeps the newest fix when a late batch arrives out of order, and shows fixes of unannounced tags', () => {
    feed.start('L0');
    last().open();
    last().msg({ type: 'fixes', t: T0 + 2000, fixes: [fix(7, { t: T0 + 2000, x: 5 })] });
    last().msg({ type: 'fixes', t: T0 + 1000, fixes: [fix(7, { t: T0 + 1000, x: 1 })] });
    const t = stores.tags.get(tagId(7));
    expect(t?.fix?.x).toBe(5);
    expect(t?.summary).toMatchObject({ kind: 'unknown', registered: false, label: tagId(7) });
  });

  it('reconnects with growing backoff, marks the outage, and re-subscribes to the floor chosen meanwhile', () => {
    feed.start('L0');
    last().open();
    last().msg({ type: 'snapshot', t: T0, floors: ['L0'], tags: [], gateways: [] });
    time.advance(5000);
    last().drop();
    const lostAt = time.now;
    expect(stores.connection.status()).toMatchObject({ state: 'disconnected', since: lostAt, nextRetryAt: lostAt + 1000 });
    feed.setFloor('L1'); // user switches floor while offline
    time.advance(999);
    expect(sockets).toHaveLength(1);
    time.advance(1);
    expect(sockets).toHaveLength(2);
    expect(last().url).toBe('ws://rtls.local/api/live?floor=L1');
    last().drop(); // refused again: the next wait doubles
    expect(time.pending()).toEqual([2000]);
    time.advance(2000);
    last().drop();
    expect(time.pending()).toEqual([4000]);
    // The banner's "since" stays at the first loss across retries.
    expect(stores.connection.status()).toMatchObject({ state: 'disconnected', since: lostAt, attempts: 3 });
    time.advance(4000);
    last().open();
    expect(stores.connection.status().state).toBe('live');
    // The URL already carried L1, so no extra subscribe is needed.
    expect(last().sent.filter((m) => (m as { type: string }).type === 'subscribe')).toEqual([]);
    last().msg({ type: 'snapshot', t: T0, floors: ['L1'], tags: [], gateways: [] });
    last().drop();
    // A valid message after reconnecting resets the schedule to the first step.
    expect(time.pending()).toEqual([1000]);
  });

  it('keeps backing off when the server accepts and drops connections without sending anything', () => {
    feed.start('L0');
    last().open();
    last().drop();
    time.advance(1000);
    last().open();
    last().drop();
    expect(time.pending()).toEqual([2000]);
  });

  it('sends subscribe when the floor changes on an open socket, and when it changed during connecting', () => {
    feed.start('L0');
    last().open();
    feed.setFloor('L1');
    expect(last().sent).toEqual([{ type: 'subscribe', floors: ['L1'] }]);
    feed.setFloor('L1');
    expect(last().sent).toHaveLength(1);
    last().drop();
    time.advance(1000);
    feed.setFloor('L2'); // socket for L1 is still connecting
    last().open();
    expect(last().url).toContain('floor=L1');
    expect(last().sent).toEqual([{ type: 'subscribe', floors: ['L2'] }]);
  });

  it('pings on a heartbeat and drops a socket that has gone silent', () => {
    feed.start('L0');
    last().open();
    time.advance(10_000);
    expect(last().sent).toEqual([{ type: 'ping' }]);
    last().msg({ type: 'pong', t: T0 + 10_000 });
    time.advance(10_000);
    expect(last().sent).toHaveLength(2);
    // Silence from here on: after staleMs without any message the feed gives up on this socket.
    time.advance(20_000);
    const dead = sockets[0]!;
    expect(dead.closed?.code).toBe(4000);
    expect(stores.connection.status().state).toBe('disconnected');
    time.advance(1000);
    expect(sockets).toHaveLength(2);
  });

  it('stops cleanly: no reconnect after stop', () => {
    feed.start('L0');
    last().open();
    feed.stop();
    expect(sockets[0]!.closed?.code).toBe(1000);
    time.advance(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('connects to all floors without a floor filter, over wss on https pages', () => {
    expect(liveUrl({ protocol: 'https:', host: 'h:8443' }, null)).toBe('wss://h:8443/api/live');
    expect(liveUrl({ protocol: 'http:', host: 'h' }, 'L 1')).toBe('ws://h/api/live?floor=L%201');
  });

  // Issue #6: the browser cannot set an Authorization header on a WebSocket, so the token rides in a subprotocol.
  it('offers the current token as a subprotocol on every (re)connect', () => {
    let token: string | null = 'tok-1';
    feed = new LiveFeed(options({ protocols: () => bearerProtocols(token) }));
    feed.start('L0');
    expect(last().protocols).toEqual(['rtls.v1', 'rtls.bearer.tok-1']);
    last().open();
    token = 'tok-2';
    last().drop();
    time.advance(1000);
    expect(sockets).toHaveLength(2);
    expect(last().protocols).toEqual(['rtls.v1', 'rtls.bearer.tok-2']);
  });

  it('a 4401 close (session ended) stops the feed for good and reports it: no reconnect loop', () => {
    const closes: number[] = [];
    feed = new LiveFeed(options({ onAuthClose: (c) => closes.push(c) }));
    feed.start('L0');
    last().open();
    last().drop(WS_SESSION_ENDED);
    expect(closes).toEqual([WS_SESSION_ENDED]);
    expect(time.pending()).toEqual([]);
    time.advance(120_000);
    expect(sockets).toHaveLength(1);
  });

  it('a 4403 close (role may not see the feed) is shown as refused and not retried', () => {
    const closes: number[] = [];
    feed = new LiveFeed(options({ onAuthClose: (c) => closes.push(c) }));
    feed.start('L0');
    last().open();
    last().drop(WS_FORBIDDEN);
    expect(closes).toEqual([WS_FORBIDDEN]);
    expect(stores.connection.status().state).toBe('refused');
    time.advance(120_000);
    expect(sockets).toHaveLength(1);
  });

  it('a socket that never opened is reported (a refused upgrade looks like that), one that was live is not', () => {
    let reports = 0;
    feed = new LiveFeed(options({ onClosedBeforeOpen: () => reports++ }));
    feed.start('L0');
    last().drop();
    expect(reports).toBe(1);
    time.advance(1000);
    last().open();
    last().drop();
    expect(reports).toBe(1);
    // Still an outage to the feed: it keeps retrying (backed off: no message proved the server was serving).
    time.advance(8000);
    expect(sockets).toHaveLength(3);
  });

  it('restart reconnects at once on the same floor (a changed patient scope needs a fresh snapshot)', () => {
    feed.start('L1');
    last().open();
    feed.restart();
    expect(sockets[0]!.closed?.code).toBe(1000);
    expect(sockets).toHaveLength(2);
    expect(last().url).toBe('ws://rtls.local/api/live?floor=L1');
  });

  it('routes security-alarm messages to their slice, once per alarm id', () => {
    feed.start(null);
    last().open();
    const alarm = { id: 7, t: T0, kind: 'many-patients' as const, actor: 'alice', message: 'alice viewed 31 patients in 10 min' };
    last().msg({ type: 'security-alarm', alarm });
    last().msg({ type: 'security-alarm', alarm });
    expect(stores.securityAlarms.list()).toEqual([alarm]);
    expect(stores.securityAlarms.toasts()).toEqual([alarm]);
    expect(stores.securityAlarms.unseen()).toBe(1);
    expect(stores.connection.badTotal()).toBe(0);
    // Opening the list counts as having seen them.
    stores.securityAlarms.markSeen();
    expect(stores.securityAlarms.toasts()).toEqual([]);
    expect(stores.securityAlarms.unseen()).toBe(0);
    expect(stores.securityAlarms.list()).toEqual([alarm]);
  });
});
