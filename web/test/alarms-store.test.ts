import { describe, expect, it } from 'vitest';
import { AlarmSchema, LiveServerMessageSchema, type Alarm, type Fix, type Severity, type TrailResponse } from '@rtls/protocol';
import { alarmQueryString, createApiClient, type AlarmQuery, type RangeQuery } from '../src/api/client.ts';
import { createAlarmSound, MUTED_KEY, type AudioContextLike } from '../src/alerts/alarm-sound.ts';
import { createAlarmNotifier, notificationText, type NotificationPort, type NotifyPermission } from '../src/alerts/alarm-notifications.ts';
import { createDispatcher } from '../src/live/dispatch.ts';
import { ACTIVE_LIMIT, compareAlarms, createAlarmsSlice, HISTORY_PAGE, RECENT_TRAIL_MS, subjectName, type AlarmsApi } from '../src/stores/alarms.ts';
import { createStores } from '../src/stores/index.ts';
import { alarmConsoleHash, parseAppRoute } from '../src/stores/routes.ts';
import { fix, T0, tagId } from './fixtures.ts';

const MIN = 60_000;

/** A protocol-valid alarm (parsed with AlarmSchema, so the fakes cannot drift from the contract). */
function alarm(id: number, over: Partial<Alarm> = {}): Alarm {
  return AlarmSchema.parse({
    id, ruleId: 'infant-exit', ruleName: 'Infant near an exit', kind: 'exit-approach', severity: 'high',
    subject: { type: 'tag', id: tagId(id), label: `Infant band ${id}`, kind: 'patient' },
    where: 'L1-zone-exit-maternity', state: 'open', active: true, openedAt: T0, updatedAt: T0, assignee: null, escalationLevel: 0,
    occurrences: 1,
    evidence: {
      t: T0, floor: 'L1', x: 12, y: 30, room: 'r-corridor', zones: ['L1-zone-exit-maternity'], accuracyM: 1.8, confidence: 0.82,
      method: 'ble-wls', gateways: [{ gw: 'gw-1', rssi: -64, n: 5 }], detail: 'in the maternity exit zone',
    },
    history: [{ t: T0, by: 'system', action: 'opened', note: null }],
    ...over,
  });
}

/** A newer version of an alarm: `dt` ms later, with one more history entry. */
function later(a: Alarm, dt: number, over: Partial<Alarm>, action: Alarm['history'][number]['action'] = 'note'): Alarm {
  return AlarmSchema.parse({ ...a, ...over, updatedAt: a.updatedAt + dt, history: [...a.history, { t: a.updatedAt + dt, by: 'sam', action, note: null }] });
}

interface Call {
  q: AlarmQuery;
  resolve(list: Alarm[]): void;
  reject(e: unknown): void;
}

/** An API whose answers the test hands out one by one, in any order. */
class FakeApi implements AlarmsApi {
  calls: Call[] = [];
  trails: { tag: string; q: RangeQuery & { limit?: number; resolutionMs?: number } }[] = [];
  trailAnswer: Fix[] = [];
  single = new Map<number, Alarm>();
  alarms(q: AlarmQuery): Promise<Alarm[]> {
    return new Promise((resolve, reject) => this.calls.push({ q, resolve, reject }));
  }
  alarm(id: number): Promise<Alarm> {
    const a = this.single.get(id);
    return a ? Promise.resolve(a) : Promise.reject(new Error('not found'));
  }
  trail(tag: string, q: RangeQuery & { limit?: number; resolutionMs?: number }): Promise<TrailResponse> {
    this.trails.push({ tag, q });
    return Promise.resolve({ tag, fixes: this.trailAnswer });
  }
  /** Answer the pending open/acknowledged pair of a load. */
  answerLoad(open: Alarm[], acked: Alarm[]) {
    const o = this.calls.find((c) => c.q.state === 'open')!;
    const k = this.calls.find((c) => c.q.state === 'acknowledged')!;
    this.calls = this.calls.filter((c) => c !== o && c !== k);
    o.resolve(open);
    k.resolve(acked);
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function setup(canViewHistory = true) {
  const api = new FakeApi();
  let now = T0 + 5 * MIN;
  const slice = createAlarmsSlice({ clock: () => now, api, canViewHistory: () => canViewHistory });
  return { api, slice, setNow: (t: number) => (now = t) };
}

describe('alarm console store: order, dedup, filters', () => {
  it('sorts by severity, then the longest waiting first, then id', () => {
    const { slice } = setup();
    const list = [
      alarm(1, { severity: 'low', openedAt: T0 - 9 * MIN }),
      alarm(2, { severity: 'critical', openedAt: T0 }),
      alarm(3, { severity: 'critical', openedAt: T0 - 2 * MIN }),
      alarm(4, { severity: 'high', openedAt: T0 - 1 * MIN }),
      alarm(5, { severity: 'critical', openedAt: T0 }),
      alarm(6, { severity: 'medium', openedAt: T0 - 30 * MIN, state: 'acknowledged' }),
    ];
    for (const a of [...list].reverse()) slice.receive(a);
    expect(slice.visible().map((a) => a.id)).toEqual([3, 2, 5, 4, 6, 1]);
    // The comparator alone agrees (the list is not just insertion order).
    expect([...list].sort(compareAlarms).map((a) => a.id)).toEqual([3, 2, 5, 4, 6, 1]);
  });

  it('keeps one entry per id: a newer version replaces it, an older or repeated one is ignored', () => {
    const { slice } = setup();
    const a = alarm(7);
    const acked = later(a, 1000, { state: 'acknowledged', assignee: 'sam' }, 'acknowledged');
    slice.receive(a);
    slice.receive(acked);
    const v = slice.version();
    slice.receive(a); // a late copy of the first version
    expect(slice.get(7)).toMatchObject({ state: 'acknowledged', assignee: 'sam' });
    slice.receive(acked); // the same version twice
    expect(slice.version()).toBe(v);
    expect(slice.visible()).toHaveLength(1);
    expect(slice.get(7)).toMatchObject({ state: 'acknowledged', assignee: 'sam' });
    expect(slice.openCount()).toBe(0);
    expect(slice.activeCount()).toBe(1);
    // Resolved: gone from the live list, still known (a late REST answer cannot bring it back).
    slice.receive(later(acked, 1000, { state: 'resolved', active: false }, 'resolved'));
    expect(slice.visible()).toEqual([]);
    expect(slice.activeCount()).toBe(0);
  });

  it('filters by state and severity; the badge counts open alarms whatever the filters', () => {
    const { slice } = setup();
    slice.receive(alarm(1, { severity: 'critical' }));
    slice.receive(alarm(2, { severity: 'critical', state: 'acknowledged' }));
    slice.receive(alarm(3, { severity: 'low' }));
    slice.receive(alarm(4, { severity: 'low', state: 'resolved', active: false }));
    expect(slice.visible().map((a) => a.id)).toEqual([1, 2, 3]);
    slice.setFilters({ state: 'open' });
    expect(slice.visible().map((a) => a.id)).toEqual([1, 3]);
    slice.setFilters({ severity: 'critical' });
    expect(slice.visible().map((a) => a.id)).toEqual([1]);
    slice.setFilters({ state: 'acknowledged' });
    expect(slice.visible().map((a) => a.id)).toEqual([2]);
    slice.setFilters({ state: 'all', severity: 'low' });
    expect(slice.visible().map((a) => a.id)).toEqual([3]);
    expect(slice.openCount()).toBe(2);
  });

  it('alerts for a new open alarm and for an escalation, not for repeats, colleagues’ actions or the initial load', async () => {
    const { slice, api } = setup();
    const load = slice.load();
    api.answerLoad([alarm(1)], []);
    await load;
    expect(slice.alert()).toBeNull();
    const a = alarm(2, { severity: 'critical' });
    expect(slice.receive(a)).toBe('new');
    expect(slice.alert()).toMatchObject({ reason: 'new', alarm: { id: 2 } });
    const seq = slice.alert()!.seq;
    expect(slice.receive(a)).toBeNull();
    const up = later(a, 1000, { escalationLevel: 1 }, 'escalated');
    expect(slice.receive(up)).toBe('escalated');
    expect(slice.alert()!.seq).toBe(seq + 1);
    expect(slice.receive(later(up, 1000, { state: 'acknowledged' }, 'acknowledged'))).toBeNull();
    // Already acknowledged when first seen (the feed was away): nothing to wake anyone for.
    expect(slice.receive(alarm(3, { state: 'acknowledged' }))).toBeNull();
  });

  it('the live dispatcher feeds validated alarm messages to the slice', () => {
    const stores = createStores(() => T0);
    const dispatch = createDispatcher(stores);
    const msg = LiveServerMessageSchema.parse({ type: 'alarm', alarm: alarm(11) });
    dispatch(msg);
    expect(stores.alarms.visible().map((a) => a.id)).toEqual([11]);
    expect(stores.alarms.openCount()).toBe(1);
  });

  it('names the patient only when the server sent the identity', () => {
    const named = alarm(1, { subject: { type: 'tag', id: tagId(1), label: 'Infant band 1', kind: 'patient', patient: { unit: 'maternity', identity: { mrn: 'M-1', name: 'Baby Ada', birthDate: null } } } });
    const scoped = alarm(2, { subject: { type: 'tag', id: tagId(2), label: 'Infant band 2', kind: 'patient', patient: { unit: 'maternity', identity: null } } });
    expect(subjectName(named)).toBe('Baby Ada');
    expect(subjectName(scoped)).toBe('Infant band 2');
    // And a notification never carries the name (it outlives the session on the lock screen).
    const t = notificationText(named, 'Maternity entrance exit zone', 'new');
    expect(`${t.title} ${t.body}`).not.toContain('Baby Ada');
    expect(t.body).toBe('Infant band 1 · Maternity entrance exit zone');
  });
});

describe('alarm console store: loading', () => {
  it('asks for open and acknowledged alarms; a newer live version wins over an older REST answer', async () => {
    const { slice, api } = setup();
    const a = alarm(1);
    const load = slice.load();
    expect(api.calls.map((c) => c.q)).toEqual([{ state: 'open', limit: ACTIVE_LIMIT }, { state: 'acknowledged', limit: ACTIVE_LIMIT }]);
    slice.receive(later(a, 2000, { state: 'acknowledged' }, 'acknowledged'));
    api.answerLoad([a], []);
    await load;
    expect(slice.state()).toBe('ready');
    expect(slice.get(1)?.state).toBe('acknowledged');
  });

  it('a reload drops alarms the server no longer lists, unless the feed changed them after the request went out', async () => {
    const { slice, api } = setup();
    slice.receive(alarm(1));
    slice.receive(alarm(2));
    const load = slice.load();
    slice.receive(alarm(3)); // arrived live while the request was out: the answer may predate it
    api.answerLoad([alarm(2)], []);
    await load;
    expect(slice.visible().map((a) => a.id).sort()).toEqual([2, 3]);
  });

  it('a cut-short answer (as many as asked for) drops nothing', async () => {
    const { slice, api } = setup();
    slice.receive(alarm(100_000));
    const load = slice.load();
    api.answerLoad(Array.from({ length: ACTIVE_LIMIT }, (_, i) => alarm(i + 1)), []);
    await load;
    expect(slice.get(100_000)).toBeDefined();
  });

  it('a failed load says so and keeps what is held', async () => {
    const { slice, api } = setup();
    slice.receive(alarm(1));
    const load = slice.load();
    api.calls[0]!.reject(new Error('locator down'));
    api.calls[1]!.resolve([]);
    await load;
    expect(slice.state()).toBe('error');
    expect(slice.error()?.message).toBe('locator down');
    expect(slice.visible().map((a) => a.id)).toEqual([1]);
  });
});

describe('alarm console store: history', () => {
  const resolved = (id: number, openedAt: number, severity: Severity = 'high') =>
    alarm(id, { state: 'resolved', active: false, openedAt, updatedAt: openedAt + MIN, severity });

  it('pages backwards by `to` (the oldest opening shown), without duplicates, and stops at the end', async () => {
    const { slice, api } = setup();
    const first = slice.loadHistory(true);
    expect(api.calls[0]!.q).toEqual({ state: 'resolved', limit: HISTORY_PAGE });
    const page1 = Array.from({ length: HISTORY_PAGE }, (_, i) => resolved(1000 - i, T0 - i * MIN));
    api.calls.shift()!.resolve(page1);
    await first;
    expect(slice.historyMore()).toBe(true);
    const oldest = T0 - (HISTORY_PAGE - 1) * MIN;
    const second = slice.loadHistory(false);
    expect(api.calls[0]!.q).toEqual({ state: 'resolved', limit: HISTORY_PAGE, to: oldest });
    // The server's `to` includes the boundary: the oldest of page 1 comes again.
    const page2 = [page1[page1.length - 1]!, ...Array.from({ length: HISTORY_PAGE - 1 }, (_, i) => resolved(500 - i, oldest - (i + 1) * MIN))];
    api.calls.shift()!.resolve(page2);
    await second;
    const ids = slice.history().map((a) => a.id);
    expect(ids).toHaveLength(2 * HISTORY_PAGE - 1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(slice.history().map((a) => a.openedAt)).toEqual([...slice.history().map((a) => a.openedAt)].sort((a, b) => b - a));
    expect(slice.historyMore()).toBe(true);
    // A page of only known alarms is the end, even if full.
    const third = slice.loadHistory(false);
    api.calls.shift()!.resolve(slice.history().slice(-HISTORY_PAGE));
    await third;
    expect(slice.historyMore()).toBe(false);
    await expect(slice.loadHistory(false)).resolves.toBeUndefined();
    expect(api.calls).toHaveLength(0);
  });

  it('a severity filter asks the server again; live-resolved alarms join the history shown', async () => {
    const { slice, api } = setup();
    const first = slice.loadHistory(true);
    api.calls.shift()!.resolve([resolved(1, T0 - MIN)]);
    await first;
    slice.setFilters({ severity: 'critical' });
    expect(api.calls[0]!.q).toEqual({ state: 'resolved', limit: HISTORY_PAGE, severity: 'critical' });
    api.calls.shift()!.resolve([resolved(2, T0 - 2 * MIN, 'critical')]);
    await flush();
    expect(slice.history().map((a) => a.id)).toEqual([2]);
    const live = alarm(3, { severity: 'critical', openedAt: T0 });
    slice.receive(live);
    slice.receive(later(live, 1000, { state: 'resolved', active: false }, 'resolved'));
    slice.receive(later(alarm(4, { severity: 'low' }), 1000, { state: 'resolved', active: false }, 'resolved'));
    expect(slice.history().map((a) => a.id)).toEqual([3, 2]);
  });
});

describe('alarm console store: focus and trail', () => {
  it('fetches the subject’s last ten minutes and follows it with live fixes', async () => {
    const { slice, api } = setup();
    const a = alarm(1);
    slice.receive(a);
    api.trailAnswer = [fix(1, { t: T0 + 2 * MIN, x: 1 }), fix(1, { t: T0 + MIN, x: 0 })];
    const seq = slice.focusSeq();
    slice.focus(1);
    expect(slice.focusSeq()).toBe(seq + 1);
    expect(slice.focusedAlarm()?.id).toBe(1);
    expect(api.trails).toHaveLength(1);
    expect(api.trails[0]!.tag).toBe(tagId(1));
    expect(api.trails[0]!.q.to - api.trails[0]!.q.from).toBe(RECENT_TRAIL_MS);
    expect(api.trails[0]!.q.to).toBe(T0 + 5 * MIN);
    await flush();
    expect(slice.trail().data?.fixes.map((f) => f.x)).toEqual([0, 1]); // oldest first
    slice.addLiveFixes([fix(2, { t: T0 + 5 * MIN, x: 99 }), fix(1, { t: T0 + 2 * MIN, x: 50 }), fix(1, { t: T0 + 3 * MIN, x: 2 })]);
    expect(slice.trail().data?.fixes.map((f) => f.x)).toEqual([0, 1, 2]);
    slice.focus(null);
    expect(slice.trail().state).toBe('idle');
  });

  it('no trail without history:view; an alarm not held is fetched by id', async () => {
    const { slice, api } = setup(false);
    api.single.set(9, alarm(9, { state: 'resolved', active: false }));
    slice.focus(9);
    await flush();
    expect(slice.focusedAlarm()?.id).toBe(9);
    expect(api.trails).toHaveLength(0);
    expect(slice.trail().state).toBe('idle');
  });
});

describe('alarm console route, API and alerts', () => {
  it('round-trips the console routes through the URL', () => {
    expect(parseAppRoute('#/alarms')).toEqual({ view: 'alarms', tab: 'live', alarm: null });
    expect(parseAppRoute(alarmConsoleHash({ tab: 'history', alarm: 42 }))).toEqual({ view: 'alarms', tab: 'history', alarm: 42 });
    expect(parseAppRoute('#/alarms?alarm=drop')).toEqual({ view: 'alarms', tab: 'live', alarm: null });
    expect(parseAppRoute('#/security/alarms')).toEqual({ view: 'security-alarms' });
  });

  it('builds the alarm query and accepts an action answer as the alarm, wrapped, or empty', async () => {
    expect(alarmQueryString({ state: 'resolved', severity: 'critical', to: T0, limit: 50 })).toBe(`?state=resolved&severity=critical&to=${T0}&limit=50`);
    expect(alarmQueryString({})).toBe('');
    const a = alarm(5, { state: 'acknowledged' });
    const bodies: (string | null)[] = [JSON.stringify(a), JSON.stringify({ alarm: a }), null];
    const sent: { url: string; body: unknown }[] = [];
    const api = createApiClient(async (url, init) => {
      sent.push({ url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      const b = bodies.shift() ?? null;
      return new Response(b, { status: b === null ? 204 : 200, headers: { 'content-type': 'application/json' } });
    });
    expect((await api.acknowledgeAlarm(5))?.state).toBe('acknowledged');
    expect((await api.assignAlarm(5, 'sam'))?.id).toBe(5);
    expect(await api.resolveAlarm(5, 'returned to the nursery')).toBeNull();
    expect(sent).toEqual([
      { url: '/api/alarms/5/acknowledge', body: {} },
      { url: '/api/alarms/5/assign', body: { assignee: 'sam' } },
      { url: '/api/alarms/5/resolve', body: { note: 'returned to the nursery' } },
    ]);
  });

  it('sound: muted is remembered, a burst of alarms beeps once unless a more severe one comes', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    let oscillators = 0;
    const param = { value: 0, setValueAtTime: () => param, linearRampToValueAtTime: () => param };
    const node = { connect: (n: unknown) => n, start: () => {}, stop: () => {}, type: 'sine', frequency: param, gain: param };
    const ctx = {
      state: 'running', currentTime: 0, destination: {}, resume: () => Promise.resolve(),
      createOscillator: () => (oscillators++, node), createGain: () => node,
    } as unknown as AudioContextLike;
    let now = T0;
    const sound = createAlarmSound({ storage, createContext: () => ctx, clock: () => now });
    expect(sound.muted()).toBe(false);
    expect(sound.play('medium')).toBe(true);
    expect(oscillators).toBe(1);
    expect(sound.play('medium')).toBe(false); // same burst
    expect(sound.play('critical')).toBe(true); // more severe: heard at once
    expect(oscillators).toBe(4);
    now += 5000;
    sound.setMuted(true);
    expect(store.get(MUTED_KEY)).toBe('true');
    expect(sound.play('critical')).toBe(false);
    expect(createAlarmSound({ storage, createContext: () => ctx, clock: () => now }).muted()).toBe(true);
    expect(sound.played()).toBe(2);
  });

  it('notifications: shown only once permission is granted, asked only on request', async () => {
    let permission: NotifyPermission = 'default';
    let asked = 0;
    const shown: string[] = [];
    const port: NotificationPort = {
      permission: () => permission,
      request: async () => {
        asked++;
        permission = 'granted';
        return permission;
      },
      show: (title) => shown.push(title) > 0,
    };
    const n = createAlarmNotifier(port);
    expect(n.notify(alarm(1), null, 'new', () => {})).toBe(false);
    expect(asked).toBe(0);
    await n.ask();
    expect(n.permission()).toBe('granted');
    expect(n.notify(alarm(1, { severity: 'critical' }), null, 'new', () => {})).toBe(true);
    expect(shown).toEqual(['Critical alarm: Infant near an exit']);
  });
});
