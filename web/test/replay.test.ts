import { describe, expect, it } from 'vitest';
import {
  ContactsResponseSchema, HISTORY_MAX_RANGE_MS, TagVisitsResponseSchema, TrailResponseSchema, ZoneVisitsResponseSchema,
  type ContactsResponse, type Fix, type TagInfo, type TagVisitsResponse, type TrailResponse, type Visit, type ZoneVisitsResponse,
} from '@rtls/protocol';
import { ApiError, createApiClient, historyPath } from '../src/api/client.ts';
import {
  chooseResolution, createReplaySlice, DEFAULT_RADIUS_M, dwellByZone, EMPTY_REPLAY, filterZones, floorAt, formatDwell,
  fromLocalInput, gapMs, loadErrorText, MAX_TRAIL_POINTS, parseReplayRoute, positionAt, replayHash,
  RESOLUTION_STEPS_MS, resolveRange, splitTrail, toLocalInput, trailLimit, visitContains, visitStrip, type ReplayApi,
  type ReplayParams, type ZoneEntry,
} from '../src/stores/replay.ts';
import { parseAppRoute } from '../src/stores/routes.ts';
import { fix, T0, tagId, tagInfo } from './fixtures.ts';

const TAG = tagId(1);

/** A straight walk along x on one floor, one fix every `stepMs`. */
function walk(n: number, stepMs: number, over: (i: number) => Partial<Fix> = () => ({})): Fix[] {
  return Array.from({ length: n }, (_, i) => fix(1, { t: T0 + i * stepMs, x: i, y: 5, ...over(i) }));
}

function visit(zone: string, from: number, to: number, over: Partial<Visit> = {}): Visit {
  return { tag: TAG, zone, floor: 'L0', from, to, dwellMs: to - from, complete: true, ...over };
}

describe('replay URL', () => {
  it('round-trips every parameter through the hash', () => {
    const p: ReplayParams = { tag: TAG, zone: null, from: T0, to: T0 + 3_600_000, t: T0 + 60_000, tab: 'contacts', radiusM: 5 };
    const r = parseReplayRoute(replayHash(p));
    expect(r).toEqual({ view: 'replay', ...p });
  });

  it('a zone link, a bare link, defaults and bad values', () => {
    expect(parseReplayRoute(replayHash({ zone: 'r-101', from: T0, to: T0 + 1000 }))).toMatchObject({ tag: null, zone: 'r-101', tab: 'visits', radiusM: DEFAULT_RADIUS_M });
    expect(parseReplayRoute('#/replay')).toEqual({ view: 'replay', ...EMPTY_REPLAY });
    // Swapped ends are put in order; junk numbers and radii not offered fall back instead of failing.
    expect(parseReplayRoute(`#/replay?tag=x&from=${T0 + 10}&to=${T0}`)).toMatchObject({ from: T0, to: T0 + 10 });
    expect(parseReplayRoute('#/replay?tag=x&from=-5&to=abc&t=1e9&radius=3')).toMatchObject({ from: null, to: null, t: null, radiusM: DEFAULT_RADIUS_M });
    // A tag wins over a zone: one subject at a time.
    expect(parseReplayRoute('#/replay?tag=a&zone=b')).toMatchObject({ tag: 'a', zone: null });
  });

  it('other hashes still route to the map and the gateway pages', () => {
    expect(parseReplayRoute('#/gateways')).toBeNull();
    expect(parseAppRoute('#/gateways/gw-1')).toEqual({ view: 'gateways', gateway: 'gw-1' });
    expect(parseAppRoute('#floor=L1')).toEqual({ view: 'map', floor: 'L1' });
    expect(parseAppRoute(replayHash({ tag: TAG })).view).toBe('replay');
  });
});

describe('ranges and resolution', () => {
  it('no range means the last hour; a one-sided range gets an hour; never longer than the API allows', () => {
    const now = T0 + 10 * 3_600_000;
    expect(resolveRange({ from: null, to: null }, now)).toEqual({ from: now - 3_600_000, to: now });
    expect(resolveRange({ from: T0, to: null }, now)).toEqual({ from: T0, to: T0 + 3_600_000 });
    const long = resolveRange({ from: 0, to: now }, now);
    expect(long.to - long.from).toBe(HISTORY_MAX_RANGE_MS);
  });

  it('chooses the finest offered step that keeps a range within the point budget', () => {
    for (const minutes of [1, 15, 59, 60, 61, 480, 1440, 7 * 1440, 31 * 1440]) {
      const range = minutes * 60_000;
      const res = chooseResolution(range);
      expect(RESOLUTION_STEPS_MS).toContain(res);
      expect(range / res).toBeLessThanOrEqual(MAX_TRAIL_POINTS);
      const finer = RESOLUTION_STEPS_MS.filter((s) => s < res);
      // Either already at the finest step, or the next finer one would exceed the budget.
      if (finer.length > 0) expect(range / finer[finer.length - 1]!).toBeGreaterThan(MAX_TRAIL_POINTS);
      const limit = trailLimit(range, res);
      expect(limit).toBeGreaterThanOrEqual(Math.ceil(range / res));
      expect(limit).toBeLessThanOrEqual(10_000);
    }
  });
});

describe('trail geometry', () => {
  it('splits the line at floor changes and at gaps, never joining across them', () => {
    const gap = gapMs(1000);
    const fixes = [
      ...walk(5, 1000),
      fix(1, { t: T0 + 5000, floor: 'L1', x: 0, y: 0 }),
      fix(1, { t: T0 + 6000, floor: 'L1', x: 1, y: 0 }),
      fix(1, { t: T0 + 6000 + gap + 1, floor: 'L1', x: 9, y: 9 }),
    ];
    const paths = splitTrail(fixes, gap);
    expect(paths.map((p) => [p.floor, p.points.length])).toEqual([['L0', 5], ['L1', 2], ['L1', 1]]);
    expect(paths[0]!.points[4]).toEqual([4, 5]);
    expect(paths.reduce((n, p) => n + p.points.length, 0)).toBe(fixes.length);
  });

  it('interpolates between fixes of one run and holds (marked stale) across a gap', () => {
    const gap = gapMs(1000);
    const fixes = [...walk(3, 1000), fix(1, { t: T0 + 2000 + gap * 2, x: 50, y: 5, room: 'r-far' })];
    expect(positionAt(fixes, T0 - 1, gap)).toBeNull();
    const mid = positionAt(fixes, T0 + 1500, gap)!;
    expect(mid.x).toBeCloseTo(1.5);
    expect(mid.interpolated).toBe(true);
    expect(mid.stale).toBe(false);
    expect(positionAt(fixes, T0 + 1000, gap)).toMatchObject({ x: 1, interpolated: false, ageMs: 0 });
    // Inside the gap: the marker stays where the tag was last located, flagged once the gap is exceeded.
    const held = positionAt(fixes, T0 + 2000 + gap + 5, gap)!;
    expect(held).toMatchObject({ x: 2, interpolated: false, stale: true, fixT: T0 + 2000 });
    expect(positionAt(fixes, T0 + 2000 + gap * 2 + 10, gap)).toMatchObject({ x: 50, room: 'r-far' });
  });

  it('does not glide between floors: the marker changes floor at the next fix', () => {
    const fixes = [fix(1, { t: T0, floor: 'L0', x: 1 }), fix(1, { t: T0 + 1000, floor: 'L1', x: 30 })];
    expect(positionAt(fixes, T0 + 500, gapMs(1000))).toMatchObject({ floor: 'L0', x: 1 });
    expect(floorAt(fixes, T0 + 500)).toBe('L0');
    expect(floorAt(fixes, T0 + 1000)).toBe('L1');
    // Before the first fix, the floor it first appears on.
    expect(floorAt(fixes, T0 - 60_000)).toBe('L0');
    expect(floorAt([], T0)).toBeNull();
  });
});

describe('visits', () => {
  const range = { from: T0, to: T0 + 100_000 };
  const vs = [visit('a', T0, T0 + 30_000), visit('b', T0 + 30_000, T0 + 60_000), visit('a', T0 + 60_000, T0 + 100_000, { complete: false })];

  it('a stay contains t from entry up to its exit, and open stays at the range end', () => {
    const at = (t: number) => vs.flatMap((v, i) => (visitContains(v, t, range.to) ? [i] : []));
    expect(at(T0)).toEqual([0]);
    expect(at(T0 + 30_000)).toEqual([1]);
    expect(at(T0 + 59_999)).toEqual([1]);
    expect(at(range.to)).toEqual([2]);
    expect(at(T0 - 1)).toEqual([]);
  });

  it('totals per room in order of first entry, and bands along the range', () => {
    const d = dwellByZone(vs);
    expect(d.map((x) => [x.zone, x.dwellMs, x.visits])).toEqual([['a', 70_000, 2], ['b', 30_000, 1]]);
    const strip = visitStrip(vs, range, (v) => v.zone === 'a');
    expect(strip.map((s) => s.index)).toEqual([0, 2]);
    expect(strip[0]).toMatchObject({ leftPct: 0, widthPct: 30 });
    expect(strip[1]!.leftPct + strip[1]!.widthPct).toBeCloseTo(100);
    // A stay begun before the range is clipped to it.
    expect(visitStrip([visit('c', T0 - 50_000, T0 + 10_000)], range)[0]).toMatchObject({ leftPct: 0, widthPct: 10 });
  });

  it('finds rooms and zones by every word typed', () => {
    const list: ZoneEntry[] = [
      { floor: 'L0', id: 'r-icu-1', name: 'ICU bay 1', kind: 'room', zoneType: 'icu-bay' },
      { floor: 'L1', id: 'r-icu-2', name: 'ICU bay 2', kind: 'room', zoneType: 'icu-bay' },
      { floor: 'L1', id: 'z-exit', name: 'Exit area', kind: 'zone', zoneType: 'exit' },
    ];
    expect(filterZones(list, 'icu L1').map((z) => z.id)).toEqual(['r-icu-2']);
    expect(filterZones(list, 'bay', 1)).toHaveLength(1);
    expect(filterZones(list, 'nothing-like-this')).toEqual([]);
  });
});

describe('words and times', () => {
  it('durations read at the precision that matters', () => {
    expect(formatDwell(42_400)).toBe('42 s');
    expect(formatDwell(4 * 60_000 + 12_000)).toBe('4 min 12 s');
    expect(formatDwell(38 * 60_000 + 5000)).toBe('38 min');
    expect(formatDwell(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 05 min');
    expect(formatDwell(27 * 3_600_000)).toBe('1 d 3 h');
  });

  it('datetime-local values round-trip to the minute; junk is rejected', () => {
    const t = T0 - (T0 % 60_000);
    expect(fromLocalInput(toLocalInput(t))).toBe(t);
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('yesterday')).toBeNull();
  });

  it('a missing route is told apart from a missing tag', () => {
    expect(loadErrorText({ status: 404, code: 'RTLS_ERR_NOT_FOUND', message: 'No such route' }, 'room visits')).toMatch(/does not serve room visits/);
    expect(loadErrorText({ status: 404, code: 'RTLS_ERR_TAG_NOT_FOUND', message: `Tag not found: ${TAG}` }, 'the trail')).toBe(`Tag not found: ${TAG}`);
    expect(loadErrorText({ status: 0, code: 'RTLS_ERR_UNAVAILABLE', message: 'Failed to fetch' }, 'contacts')).toMatch(/Could not reach/);
  });
});

// ── The slice, with a fake API and a manual clock ─────────────────────────────────────────────────────────────────

interface Pending<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

function fakeApi() {
  const calls: { kind: string; id: string; q: Record<string, unknown> }[] = [];
  const pending = new Map<string, Pending<unknown>[]>();
  const defer = <T>(kind: string, id: string, q: object, signal?: AbortSignal): Promise<T> => {
    calls.push({ kind, id, q: { ...q } });
    return new Promise<T>((resolve, reject) => {
      const list = pending.get(kind) ?? [];
      list.push({ resolve: resolve as (v: unknown) => void, reject });
      pending.set(kind, list);
      signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });
  };
  const api: ReplayApi = {
    tag: (id, signal) => defer<TagInfo>('tag', id, {}, signal),
    trail: (id, q, signal) => defer<TrailResponse>('trail', id, q, signal),
    tagVisits: (id, q, signal) => defer<TagVisitsResponse>('visits', id, q, signal),
    zoneVisits: (id, q, signal) => defer<ZoneVisitsResponse>('zone-visits', id, q, signal),
    contacts: (id, q, signal) => defer<ContactsResponse>('contacts', id, q, signal),
  };
  /** Settle the oldest pending call of a kind. */
  const answer = async (kind: string, value: unknown, fail = false) => {
    const p = pending.get(kind)?.shift();
    if (!p) throw new Error(`no pending ${kind} call`);
    if (fail) p.reject(value);
    else p.resolve(value);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { api, calls, answer, pendingCount: (kind: string) => pending.get(kind)?.length ?? 0 };
}

function manualClock(start: number) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

const open = (over: Partial<ReplayParams> = {}): ReplayParams => ({ ...EMPTY_REPLAY, tag: TAG, from: T0, to: T0 + 3_600_000, ...over });

describe('replay slice', () => {
  it('loads trail and visits for the range at a resolution within the point budget, then starts at the first fix', async () => {
    const { api, calls, answer } = fakeApi();
    const c = manualClock(T0 + 4_000_000);
    const s = createReplaySlice(c.clock, api);
    s.open(open());
    expect(s.t()).toBe(T0);
    const trailCall = calls.find((x) => x.kind === 'trail')!;
    expect(trailCall.q).toMatchObject({ from: T0, to: T0 + 3_600_000 });
    const res = trailCall.q.resolutionMs as number;
    expect(3_600_000 / res).toBeLessThanOrEqual(MAX_TRAIL_POINTS);
    expect(trailCall.q.limit as number).toBeGreaterThanOrEqual(3_600_000 / res);
    expect(calls.map((x) => x.kind).sort()).toEqual(['tag', 'trail', 'visits']);
    expect(s.trail().state).toBe('loading');

    const fixes = walk(10, 2000, (i) => ({ t: T0 + 600_000 + i * 2000 }));
    await answer('trail', TrailResponseSchema.parse({ tag: TAG, fixes }));
    expect(s.trail().data!.fixes).toHaveLength(10);
    expect(s.trail().data!.truncated).toBe(false);
    expect(s.t()).toBe(T0 + 600_000);
    expect(s.position()).toMatchObject({ x: 0, floor: 'L0' });
    s.seek(T0 + 600_000 + 3000);
    expect(s.position()!.x).toBeCloseTo(1.5);

    await answer('visits', TagVisitsResponseSchema.parse({ tag: TAG, from: T0, to: T0 + 3_600_000, visits: [visit('r-101', T0 + 600_000, T0 + 620_000)] }));
    expect(s.activeVisits()).toEqual([0]);
    s.seek(T0 + 700_000);
    expect(s.activeVisits()).toEqual([]);
    await answer('tag', tagInfo(1, 'patient', { label: 'Patient 07' }));
    expect(s.labels().get(TAG)).toEqual({ label: 'Patient 07', kind: 'patient' });
  });

  it('seeking clamps to the range; play advances by clock time × speed and stops at the end', async () => {
    const { api, answer } = fakeApi();
    const c = manualClock(T0);
    const s = createReplaySlice(c.clock, api);
    s.open(open({ to: T0 + 120_000 }));
    await answer('trail', { tag: TAG, fixes: walk(3, 1000) });
    s.seek(T0 - 5000);
    expect(s.t()).toBe(T0);
    s.seek(T0 + 10_000_000);
    expect(s.t()).toBe(T0 + 120_000);

    s.seek(T0);
    s.play();
    c.advance(1000);
    s.tick();
    expect(s.t()).toBe(T0 + 1000);
    s.setSpeed(10);
    c.advance(1000);
    s.tick();
    expect(s.t()).toBe(T0 + 11_000);
    // Changing speed mid-play counts the time so far at the old speed.
    c.advance(1000);
    s.setSpeed(60);
    expect(s.t()).toBe(T0 + 21_000);
    s.pause();
    c.advance(5000);
    s.tick();
    expect(s.t()).toBe(T0 + 21_000);
    s.play();
    c.advance(10_000);
    s.tick();
    expect(s.t()).toBe(T0 + 120_000);
    expect(s.playing()).toBe(false);
    // Play at the end starts over.
    s.play();
    expect(s.t()).toBe(T0);
  });

  it('a trail arriving after the user moved the slider leaves the slider where it is', async () => {
    const { api, answer } = fakeApi();
    const s = createReplaySlice(() => T0, api);
    s.open(open());
    s.seek(T0 + 1_000_000);
    await answer('trail', { tag: TAG, fixes: walk(3, 1000) });
    expect(s.t()).toBe(T0 + 1_000_000);
  });

  it('a link with t opens there; another range drops the answers still in flight for the old one', async () => {
    const { api, calls, answer } = fakeApi();
    const s = createReplaySlice(() => T0, api);
    s.open(open({ t: T0 + 5000 }));
    expect(s.t()).toBe(T0 + 5000);
    s.open(open({ from: T0 + 3_600_000, to: T0 + 7_200_000 }));
    expect(calls.filter((x) => x.kind === 'trail')).toHaveLength(2);
    // The first trail request was aborted: its rejection must not mark the new one as failed.
    await answer('trail', null, true);
    expect(s.trail().state).toBe('loading');
    await answer('trail', { tag: TAG, fixes: walk(2, 1000, (i) => ({ t: T0 + 3_600_000 + i * 1000 })) });
    expect(s.trail().data!.fixes[0]!.t).toBe(T0 + 3_600_000);
  });

  it('contacts load only on their tab, again when the radius changes, and never twice for the same radius', async () => {
    const { api, calls, answer } = fakeApi();
    const s = createReplaySlice(() => T0, api);
    s.open(open());
    expect(calls.some((x) => x.kind === 'contacts')).toBe(false);
    s.open(open({ tab: 'contacts' }));
    s.open(open({ tab: 'contacts' }));
    // Same subject and range: no second trail request for a tab change.
    expect(calls.filter((x) => x.kind === 'trail')).toHaveLength(1);
    expect(calls.filter((x) => x.kind === 'contacts').map((x) => x.q.radiusM)).toEqual([DEFAULT_RADIUS_M]);
    s.open(open({ tab: 'contacts', radiusM: 5 }));
    expect(calls.filter((x) => x.kind === 'contacts').map((x) => x.q.radiusM)).toEqual([DEFAULT_RADIUS_M, 5]);
    await answer('contacts', null, true); // the aborted 2 m request
    const other = tagId(2);
    await answer('contacts', ContactsResponseSchema.parse({
      tag: TAG, from: T0, to: T0 + 3_600_000, radiusM: 5, binMs: 10_000,
      contacts: [{ tag: other, kind: 'equipment', overlapMs: 60_000, firstAt: T0 + 1000, lastAt: T0 + 61_000, minDistanceM: 0.8, rooms: ['r-101'] }],
    }));
    expect(s.contacts().data!.contacts).toHaveLength(1);
    // The contact's label is looked up once.
    expect(calls.filter((x) => x.kind === 'tag' && x.id === other)).toHaveLength(1);
  });

  it('zone mode lists visits and looks up each tag label once; a removed tag shows by id', async () => {
    const { api, calls, answer } = fakeApi();
    const s = createReplaySlice(() => T0, api);
    s.open({ ...EMPTY_REPLAY, zone: 'r-101', from: T0, to: T0 + 60_000 });
    expect(calls.map((x) => x.kind)).toEqual(['zone-visits']);
    const a = tagId(3);
    const b = tagId(4);
    await answer('zone-visits', ZoneVisitsResponseSchema.parse({
      zone: 'r-101', from: T0, to: T0 + 60_000,
      visits: [visit('r-101', T0, T0 + 1000, { tag: a }), visit('r-101', T0 + 2000, T0 + 3000, { tag: a }), visit('r-101', T0, T0 + 5000, { tag: b })],
    }));
    expect(calls.filter((x) => x.kind === 'tag').map((x) => x.id).sort()).toEqual([a, b].sort());
    await answer('tag', tagInfo(3, 'equipment', { label: 'Pump 3' }));
    await answer('tag', new ApiError(404, 'RTLS_ERR_TAG_NOT_FOUND', 'Tag not found'), true);
    expect(s.labels().get(a)).toEqual({ label: 'Pump 3', kind: 'equipment' });
    expect(s.labels().get(b)).toEqual({ label: b, kind: 'unknown' });
    s.requestLabels([a, b]);
    expect(calls.filter((x) => x.kind === 'tag')).toHaveLength(2);
  });

  it('errors keep the server code; close cancels what is in flight', async () => {
    const { api, answer } = fakeApi();
    const s = createReplaySlice(() => T0, api);
    s.open(open());
    await answer('visits', new ApiError(404, 'RTLS_ERR_NOT_FOUND', 'No such route'), true);
    expect(s.visits()).toMatchObject({ state: 'error', error: { status: 404, code: 'RTLS_ERR_NOT_FOUND' } });
    await answer('tag', new TypeError('Failed to fetch'), true);
    expect(s.tagInfo().error).toMatchObject({ status: 0, code: 'RTLS_ERR_UNAVAILABLE' });
    s.close();
    await answer('trail', { tag: TAG, fixes: walk(2, 1000) });
    expect(s.trail().data).toBeNull();
    expect(s.params()).toBeNull();
  });
});

describe('history calls in the API client', () => {
  it('builds the documented paths; CSV links ask for format=csv and, when chosen, deidentify=true', () => {
    const q = { from: T0, to: T0 + 1000 };
    expect(historyPath({ kind: 'trail', tag: TAG, query: { ...q, resolutionMs: 2000 } })).toBe(`/tags/${encodeURIComponent(TAG)}/trail?from=${T0}&to=${T0 + 1000}&resolutionMs=2000`);
    expect(historyPath({ kind: 'zone-visits', zone: 'r-101', query: q })).toBe(`/zones/r-101/visits?from=${T0}&to=${T0 + 1000}`);
    const api = createApiClient(() => Promise.reject(new Error('unused')), '/api');
    const url = new URL(api.csvUrl({ kind: 'contacts', tag: TAG, query: { ...q, radiusM: 1 } }, true), 'http://x');
    expect(url.pathname).toBe(`/api/tags/${encodeURIComponent(TAG)}/contacts`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ from: String(T0), to: String(T0 + 1000), radiusM: '1', format: 'csv', deidentify: 'true' });
    expect(new URL(api.csvUrl({ kind: 'tag-visits', tag: TAG, query: q }, false), 'http://x').searchParams.has('deidentify')).toBe(false);
  });

  it('validates history answers with the protocol schemas and surfaces the error body', async () => {
    const bodies: [number, unknown][] = [
      [200, { tag: TAG, fixes: [{ nonsense: true }] }],
      [404, { code: 'RTLS_ERR_NOT_FOUND', message: 'No such route' }],
      [200, { tag: TAG, t: T0, fix: null }],
    ];
    const seen: string[] = [];
    const api = createApiClient(async (url) => {
      seen.push(url);
      const [status, body] = bodies.shift()!;
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    });
    await expect(api.trail(TAG, { from: T0, to: T0 + 1 })).rejects.toMatchObject({ code: 'RTLS_ERR_VALIDATION' });
    await expect(api.tagVisits(TAG, { from: T0, to: T0 + 1 })).rejects.toMatchObject({ status: 404, code: 'RTLS_ERR_NOT_FOUND' });
    await expect(api.positionAt(TAG, { t: T0, maxAgeMs: 1000 })).resolves.toEqual({ tag: TAG, t: T0, fix: null });
    expect(seen[2]).toBe(`/api/tags/${encodeURIComponent(TAG)}/at?t=${T0}&maxAgeMs=1000`);
  });
});
