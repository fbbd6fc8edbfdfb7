import { describe, expect, it } from 'vitest';
import { DropReasonSchema, GatewayDiagnosticsSchema, type GatewayDiagnostics, type GatewayInfo } from '@rtls/protocol';
import {
  countStates, createGatewayDiagnosticsSlice, createPoller, DEFAULT_SORT, detailErrorText, filterGateways, formatDuration,
  gatewayHash, nextSort, parseRoute, REJECTION_LABEL, rejectionRows, silenceMs, silentLabel, SILENT_AFTER_MS, skewView,
  SKEW_WARN_MS, sortGateways, type PollTimers,
} from '../src/stores/gateway-diagnostics.ts';
import { T0 } from './fixtures.ts';

function gw(id: string, over: Partial<GatewayInfo> = {}): GatewayInfo {
  return {
    id, tech: 'ble', format: 'native', floor: 'L0', x: 1, y: 2, room: null, topic: `rtls/v1/gw/${id}/`,
    state: 'online', lastSeen: T0, ...over,
  };
}

function diagnostics(id: string, over: Partial<GatewayDiagnostics> = {}): GatewayDiagnostics {
  const d: GatewayDiagnostics = {
    gateway: gw(id), stateSource: 'heartbeat', lastMessageAt: T0, lastHeartbeatAt: T0, heartbeatAgeMs: 0,
    messagesPerS: 1, readsPerS: 12, tagsHeard: 3, clockSkewMs: 120,
    totals: { messages: 10, reads: 120, heartbeats: 1, rejectedMessages: 0, rejectedReads: 0, duplicates: 0, clockSkewed: 0 },
    rejections: {}, recentReads: [], failedPayloads: [], ...over,
  };
  // Fixtures must be what the API may really send.
  return GatewayDiagnosticsSchema.parse(d);
}

/** A manual clock and timer queue: the tests decide when time passes. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: PollTimers = {
    setTimeout(fn, ms) {
      const h = next++;
      pending.set(h, { at: now + ms, fn });
      return h;
    },
    clearTimeout(h) {
      pending.delete(h as number);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [h, t] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > now) continue;
      pending.delete(h);
      t.fn();
    }
  };
  return { timers, advance, pending: () => pending.size };
}

const settle = () => new Promise<void>((r) => setTimeout(r, 0));

describe('gateway list: sorting, filtering, counts', () => {
  const list = [
    gw('gw-c', { state: 'online', lastSeen: T0 - 1000 }),
    gw('gw-a', { state: 'offline', lastSeen: T0 - 600_000 }),
    gw('gw-d', { state: null, lastSeen: null }),
    gw('gw-b', { state: 'offline', lastSeen: T0 - 60_000 }),
    gw('gw-e', { state: 'online', lastSeen: T0 - 1000 }),
  ];

  it('state: online rows keep id order however their last-seen times move', () => {
    const online = [gw('gw-b', { lastSeen: T0 }), gw('gw-a', { lastSeen: T0 - 4000 }), gw('gw-c', { lastSeen: T0 - 2000 })];
    expect(sortGateways(online, DEFAULT_SORT).map((g) => g.id)).toEqual(['gw-a', 'gw-b', 'gw-c']);
  });

  it('state ascending puts problems first: offline (stalest first), never heard, then online by id', () => {
    expect(sortGateways(list, DEFAULT_SORT).map((g) => g.id)).toEqual(['gw-a', 'gw-b', 'gw-d', 'gw-c', 'gw-e']);
    expect(sortGateways(list, { key: 'state', dir: 'desc' }).map((g) => g.id)).toEqual(['gw-c', 'gw-e', 'gw-d', 'gw-b', 'gw-a']);
  });

  it('last seen ascending: never heard first, then stalest; equal times stay in id order either way', () => {
    expect(sortGateways(list, { key: 'lastSeen', dir: 'asc' }).map((g) => g.id)).toEqual(['gw-d', 'gw-a', 'gw-b', 'gw-c', 'gw-e']);
    expect(sortGateways(list, { key: 'lastSeen', dir: 'desc' }).map((g) => g.id)).toEqual(['gw-c', 'gw-e', 'gw-b', 'gw-a', 'gw-d']);
  });

  it('sorting does not mutate the input; the same key flips direction, a new key starts ascending', () => {
    const before = list.map((g) => g.id);
    sortGateways(list, { key: 'id', dir: 'desc' });
    expect(list.map((g) => g.id)).toEqual(before);
    expect(sortGateways(list, { key: 'id', dir: 'desc' }).map((g) => g.id)).toEqual(['gw-e', 'gw-d', 'gw-c', 'gw-b', 'gw-a']);
    expect(nextSort({ key: 'state', dir: 'asc' }, 'state')).toEqual({ key: 'state', dir: 'desc' });
    expect(nextSort({ key: 'state', dir: 'desc' }, 'lastSeen')).toEqual({ key: 'lastSeen', dir: 'asc' });
  });

  it('filter: every word must match id, floor, room (id or name), format, topic or state, case-insensitively', () => {
    const many = [
      gw('L0-ble-1', { room: 'L0-icu-1' }),
      gw('L1-ble-2', { floor: 'L1', state: 'offline' }),
      gw('L1-mnw-3', { floor: 'L1', format: 'minew-jsonlong', topic: 'gw/minew/AC233F000001' }),
      gw('L1-ble-4', { floor: 'L1', state: null }),
    ];
    const ids = (q: string, name?: (g: GatewayInfo) => string | null) => filterGateways(many, q, name).map((g) => g.id);
    expect(ids('')).toEqual(many.map((g) => g.id));
    expect(ids('   ')).toEqual(many.map((g) => g.id));
    expect(ids('l1 OFFLINE')).toEqual(['L1-ble-2']);
    expect(ids('minew')).toEqual(['L1-mnw-3']);
    expect(ids('ac233f')).toEqual(['L1-mnw-3']);
    expect(ids('no status')).toEqual(['L1-ble-4']);
    expect(ids('intensive')).toEqual([]);
    expect(ids('intensive', (g) => (g.room === 'L0-icu-1' ? 'Intensive care 1' : null))).toEqual(['L0-ble-1']);
    expect(ids('L0 offline')).toEqual([]);
  });

  it('counts by state over the whole list', () => {
    expect(countStates(list)).toEqual({ online: 2, offline: 2, unknown: 1, total: 5 });
    expect(countStates([])).toEqual({ online: 0, offline: 0, unknown: 0, total: 0 });
  });
});

describe('gateway diagnostics: reading the numbers', () => {
  it('formats durations coarsely: seconds up to two minutes, then minutes, hours, days', () => {
    expect(formatDuration(-500)).toBe('0 s');
    expect(formatDuration(95_000)).toBe('95 s');
    expect(formatDuration(119_400)).toBe('119 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(3 * 3600_000)).toBe('3 h');
    expect(formatDuration(72 * 3600_000)).toBe('3 d');
  });

  it('silence: the newer of heartbeat and message, judged against the injected clock', () => {
    const now = T0 + 200_000;
    const quietHb = { heartbeatAgeMs: 200_000, lastMessageAt: now - 3000 };
    expect(silenceMs(quietHb, now)).toBe(3000);
    expect(silentLabel(quietHb, now)).toBeNull();
    const silent = { heartbeatAgeMs: 95_000, lastMessageAt: now - 120_000 };
    expect(silenceMs(silent, now)).toBe(95_000);
    expect(silentLabel(silent, now)).toBe('Silent for 95 s');
    // A vendor gateway without heartbeats: its messages alone.
    expect(silentLabel({ heartbeatAgeMs: null, lastMessageAt: now - SILENT_AFTER_MS - 1000 }, now)).toBe(`Silent for ${Math.round((SILENT_AFTER_MS + 1000) / 1000)} s`);
    expect(silentLabel({ heartbeatAgeMs: SILENT_AFTER_MS, lastMessageAt: null }, now)).toBeNull();
    expect(silenceMs({ heartbeatAgeMs: null, lastMessageAt: null }, now)).toBeNull();
    expect(silentLabel({ heartbeatAgeMs: null, lastMessageAt: null }, now)).toBeNull();
  });

  it('clock skew in seconds with its sign, warning only beyond 5 s', () => {
    expect(skewView(null)).toMatchObject({ text: '—', warn: false });
    expect(skewView(1234)).toMatchObject({ text: '+1.2 s', warn: false });
    expect(skewView(SKEW_WARN_MS)).toMatchObject({ warn: false });
    const ahead = skewView(6200);
    expect(ahead).toMatchObject({ text: '+6.2 s', warn: true });
    expect(ahead.detail).toMatch(/6\.2 s ahead of/);
    const behind = skewView(-7000);
    expect(behind).toMatchObject({ text: '−7.0 s', warn: true });
    expect(behind.detail).toMatch(/7\.0 s behind/);
  });

  it('rejections: non-zero reasons only, most frequent first, each explained', () => {
    const rows = rejectionRows({ schema: 3, 'not-json': 0, 'clock-skew': 9, 'duplicate-batch': 3, 'brand-new-reason': 1 });
    expect(rows.map((r) => [r.reason, r.count])).toEqual([['clock-skew', 9], ['duplicate-batch', 3], ['schema', 3], ['brand-new-reason', 1]]);
    expect(rows[0]!.label).toBe(REJECTION_LABEL['clock-skew']);
    expect(rows[3]!.label).toBe('brand-new-reason');
  });

  it('every protocol drop reason has words for the installer', () => {
    const missing = DropReasonSchema.options.filter((r) => !REJECTION_LABEL[r]);
    expect(missing).toEqual([]);
  });

  it('error texts tell a missing gateway from a locator without the endpoint', () => {
    expect(detailErrorText({ status: 404, code: 'RTLS_ERR_GATEWAY_NOT_FOUND', message: 'Gateway not found' }, 'gw-x')).toMatch(/No gateway “gw-x” is registered/);
    expect(detailErrorText({ status: 404, code: 'RTLS_ERR_NOT_FOUND', message: 'No such route' }, 'gw-x')).toMatch(/does not serve gateway diagnostics/);
    expect(detailErrorText({ status: 0, code: 'RTLS_ERR_UNAVAILABLE', message: 'Failed to fetch' }, 'gw-x')).toMatch(/Failed to fetch/);
  });
});

describe('gateway routes (shareable links)', () => {
  it('parses the list, one gateway, and leaves the map with its floor', () => {
    expect(parseRoute('#/gateways')).toEqual({ view: 'gateways', gateway: null });
    expect(parseRoute('#/gateways/')).toEqual({ view: 'gateways', gateway: null });
    expect(parseRoute('#/gateways/L0-ble-12')).toEqual({ view: 'gateways', gateway: 'L0-ble-12' });
    expect(parseRoute('#floor=L1')).toEqual({ view: 'map', floor: 'L1' });
    expect(parseRoute('')).toEqual({ view: 'map', floor: null });
    expect(parseRoute('#/gatewaysX')).toEqual({ view: 'map', floor: null });
    expect(parseRoute('#/gateways/%E0%A4%A')).toEqual({ view: 'gateways', gateway: '%E0%A4%A' });
  });

  it('gatewayHash and parseRoute round-trip any id', () => {
    for (const id of ['gw-1', 'L0.ble_2', 'a b/c?d#e']) expect(parseRoute(gatewayHash(id))).toEqual({ view: 'gateways', gateway: id });
  });
});

describe('gateway diagnostics slice', () => {
  it('list: filter and sort feed visible(); a failed refresh keeps the last list', () => {
    let now = T0;
    const s = createGatewayDiagnosticsSlice(() => now);
    expect(s.listState()).toBe('idle');
    s.setList([gw('b', { state: 'offline' }), gw('a')]);
    expect(s.listUpdatedAt()).toBe(T0);
    expect(s.visible().map((g) => g.id)).toEqual(['b', 'a']);
    s.toggleSort('state');
    expect(s.visible().map((g) => g.id)).toEqual(['a', 'b']);
    s.setFilter('offline');
    expect(s.visible().map((g) => g.id)).toEqual(['b']);
    expect(s.counts()).toEqual({ online: 1, offline: 1, unknown: 0, total: 2 });
    now += 5000;
    s.listFailed('Could not load the gateway list: HTTP 500');
    expect(s.listState()).toBe('error');
    expect(s.list()).toHaveLength(2);
    s.setList([gw('a')]);
    expect([s.listState(), s.listError(), s.listUpdatedAt()]).toEqual(['ready', null, T0 + 5000]);
  });

  it('detail: a late answer for the previously open gateway is ignored; errors keep the last good view', () => {
    let now = T0;
    const s = createGatewayDiagnosticsSlice(() => now);
    s.open('gw-1');
    expect(s.detailState()).toBe('loading');
    expect(s.setDetail('gw-1', diagnostics('gw-1'))).toBe(true);
    expect(s.detailUpdatedAt()).toBe(T0);
    s.open('gw-2');
    expect(s.detail()).toBeNull();
    expect(s.setDetail('gw-1', diagnostics('gw-1'))).toBe(false);
    expect(s.detailFailed('gw-1', { status: 500, code: 'RTLS_ERR_INTERNAL', message: 'x' })).toBe(false);
    expect(s.detail()).toBeNull();
    now += 2000;
    s.setDetail('gw-2', diagnostics('gw-2'));
    s.detailFailed('gw-2', { status: 0, code: 'RTLS_ERR_UNAVAILABLE', message: 'Failed to fetch' });
    expect(s.detail()?.gateway.id).toBe('gw-2');
    expect(s.detailState()).toBe('error');
    // Opening the same gateway again (a hashchange to the same link) keeps what is shown.
    s.open('gw-2');
    expect(s.detail()?.gateway.id).toBe('gw-2');
    s.detailFailed('gw-2', { status: 404, code: 'RTLS_ERR_GATEWAY_NOT_FOUND', message: 'Gateway not found' });
    expect(s.detail()).toBeNull();
    s.close();
    expect([s.openId(), s.detail(), s.detailState(), s.detailError()]).toEqual([null, null, 'idle', null]);
    expect(s.setDetail('gw-2', diagnostics('gw-2'))).toBe(false);
  });
});

describe('poller', () => {
  it('runs at once, then one interval after each run settles, never two at a time', async () => {
    const t = fakeTimers();
    const resolvers: (() => void)[] = [];
    let runs = 0;
    const p = createPoller(t.timers, 2000, () => {
      runs++;
      return new Promise<void>((r) => resolvers.push(r));
    });
    p.start();
    p.start();
    expect(runs).toBe(1);
    t.advance(10_000);
    expect(runs).toBe(1); // the first request is still in flight
    resolvers[0]!();
    await settle();
    t.advance(1999);
    expect(runs).toBe(1);
    t.advance(1);
    expect(runs).toBe(2);
  });

  it('keeps polling after a failed run', async () => {
    const t = fakeTimers();
    let runs = 0;
    const p = createPoller(t.timers, 2000, () => {
      runs++;
      return Promise.reject(new Error('HTTP 500'));
    });
    p.start();
    await settle();
    t.advance(2000);
    await settle();
    expect(runs).toBe(2);
    p.stop();
  });

  it('stop aborts the request in flight and schedules nothing more; start again resumes', async () => {
    const t = fakeTimers();
    const signals: AbortSignal[] = [];
    const resolvers: (() => void)[] = [];
    const p = createPoller(t.timers, 2000, (signal) => {
      signals.push(signal);
      return new Promise<void>((r) => resolvers.push(r));
    });
    p.start();
    p.stop();
    expect(signals[0]!.aborted).toBe(true);
    expect(p.running()).toBe(false);
    resolvers[0]!(); // a server that answers anyway
    await settle();
    expect(t.pending()).toBe(0);
    t.advance(60_000);
    expect(signals).toHaveLength(1);
    p.start();
    expect(signals).toHaveLength(2);
    expect(signals[1]!.aborted).toBe(false);
    resolvers[1]!();
    await settle();
    expect(t.pending()).toBe(1);
    p.stop();
    expect(t.pending()).toBe(0);
  });
});
