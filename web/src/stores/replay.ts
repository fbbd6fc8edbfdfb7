import { createSignal, type Accessor } from 'solid-js';
import {
  HISTORY_MAX_RANGE_MS, type Clock, type ContactsResponse, type Fix, type Floor, type ZoneType, type TagInfo, type TagKind, type TagVisitsResponse,
  type TrailResponse, type Visit, type ZoneVisitsResponse,
} from '@rtls/protocol';
import { ApiError, type RangeQuery } from '../api/client.ts';
import type { XY } from '../map/coords.ts';
import type { LoadState } from './floors.ts';

/**
 * The replay view (issue #5 item 5): "pick a tag (or a zone) and a time range, scrub a time slider, see the trail on
 * the floor plan with the rooms it passed through and how long; contact list for a patient with durations".
 * Everything here is data from the history API; the live feed is never read, so a replay shows what was stored.
 * Signals only (no memos): the tests run on Solid's server build, where memos do not recompute.
 */

// ── URL form (#/replay?tag=<id>&from=<ms>&to=<ms>) ─────────────────────────────────────────────────────────────────

export type ReplayTab = 'visits' | 'contacts';
/** Contact radii offered (metres): 1 m is touching distance, 2 m the usual droplet-transmission distance, 5 m the same room. */
export const CONTACT_RADII = [1, 2, 5] as const;
export const DEFAULT_RADIUS_M = 2;

export interface ReplayParams {
  /** The tag replayed; null in zone mode or before one is picked. */
  tag: string | null;
  /** The room or zone listed, when no tag is given. */
  zone: string | null;
  /** Range, epoch ms; null = the last hour. */
  from: number | null;
  to: number | null;
  /** Slider time to open at, epoch ms (a link to "this moment"); null = the first fix in the range. */
  t: number | null;
  tab: ReplayTab;
  radiusM: number;
}

export type ReplayRoute = { view: 'replay' } & ReplayParams;

export const REPLAY_HASH = '#/replay';

export const EMPTY_REPLAY: ReplayParams = { tag: null, zone: null, from: null, to: null, t: null, tab: 'visits', radiusM: DEFAULT_RADIUS_M };

function epochParam(v: string | null): number | null {
  if (v === null || !/^\d{1,15}$/.test(v)) return null;
  return Number(v);
}

/** "#/replay?…" → the replay's parameters; null for any other hash. Bad values fall back to defaults, never throw. */
export function parseReplayRoute(hash: string): ReplayRoute | null {
  const m = /^#\/replay\/?(?:\?(.*))?$/.exec(hash);
  if (!m) return null;
  const q = new URLSearchParams(m[1] ?? '');
  const text = (k: string) => {
    const v = q.get(k)?.trim();
    return v === undefined || v === '' ? null : v;
  };
  let from = epochParam(q.get('from'));
  let to = epochParam(q.get('to'));
  if (from !== null && to !== null && from > to) [from, to] = [to, from];
  const radius = Number(q.get('radius'));
  const tag = text('tag');
  return {
    view: 'replay',
    tag,
    zone: tag === null ? text('zone') : null,
    from,
    to,
    t: epochParam(q.get('t')),
    tab: q.get('tab') === 'contacts' ? 'contacts' : 'visits',
    radiusM: (CONTACT_RADII as readonly number[]).includes(radius) ? radius : DEFAULT_RADIUS_M,
  };
}

export function replayHash(p: Partial<ReplayParams>): string {
  const q = new URLSearchParams();
  if (p.tag) q.set('tag', p.tag);
  else if (p.zone) q.set('zone', p.zone);
  if (p.from !== null && p.from !== undefined) q.set('from', String(Math.round(p.from)));
  if (p.to !== null && p.to !== undefined) q.set('to', String(Math.round(p.to)));
  if (p.t !== null && p.t !== undefined) q.set('t', String(Math.round(p.t)));
  if (p.tab === 'contacts') q.set('tab', 'contacts');
  if (p.radiusM !== undefined && p.radiusM !== DEFAULT_RADIUS_M) q.set('radius', String(p.radiusM));
  const s = q.toString();
  return s === '' ? REPLAY_HASH : `${REPLAY_HASH}?${s}`;
}

// ── Ranges and resolution ──────────────────────────────────────────────────────────────────────────────────────────

export const HOUR_MS = 3_600_000;
export const RANGE_PRESETS = [
  { id: '15m', label: '15 min', ms: 15 * 60_000 },
  { id: '1h', label: '1 h', ms: HOUR_MS },
  { id: '8h', label: '8 h', ms: 8 * HOUR_MS },
  { id: '24h', label: '24 h', ms: 24 * HOUR_MS },
] as const;
export const DEFAULT_RANGE_MS = HOUR_MS;

/** The range a replay shows: as given, else the last hour; never longer than one history query may span. */
export function resolveRange(p: Pick<ReplayParams, 'from' | 'to'>, now: number): RangeQuery {
  let to = p.to ?? (p.from !== null ? p.from + DEFAULT_RANGE_MS : now);
  let from = p.from ?? to - DEFAULT_RANGE_MS;
  if (from > to) [from, to] = [to, from];
  if (to - from > HISTORY_MAX_RANGE_MS) from = to - HISTORY_MAX_RANGE_MS;
  return { from: Math.max(0, from), to };
}

/** The trail is drawn from at most this many fixes: enough for a smooth line, few enough to fetch and draw at once. */
export const MAX_TRAIL_POINTS = 2000;
/**
 * Bucket widths offered to the trail query. The smallest is 1 s because the locator emits at most about one fix per
 * tag per second (DESIGN.md §3): a finer bucket returns the same fixes.
 */
export const RESOLUTION_STEPS_MS = [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000] as const;

/** The smallest step that keeps a range at or under `maxPoints` buckets (15 min → 1 s, 1 h → 2 s, 8 h → 15 s, 24 h → 1 min). */
export function chooseResolution(rangeMs: number, maxPoints = MAX_TRAIL_POINTS): number {
  const need = rangeMs / maxPoints;
  return RESOLUTION_STEPS_MS.find((s) => s >= need) ?? HOUR_MS;
}

/** Enough rows for every bucket of the range (+1 for a bucket cut by the range start), within the API's cap. */
export function trailLimit(rangeMs: number, resolutionMs: number): number {
  return Math.min(10_000, Math.max(1, Math.ceil(rangeMs / resolutionMs) + 1));
}

/**
 * Two fixes further apart than this are not joined: the tag was not located in between, and a straight line across
 * the gap would draw a path through walls that nobody walked. Three empty buckets, and never under 30 s (many fix
 * intervals of a tag reporting every second; a parked tag's 6 s link window fits several times).
 */
export function gapMs(resolutionMs: number): number {
  return Math.max(3 * resolutionMs, 30_000);
}

// ── The trail: lines per floor and the position at the slider time ────────────────────────────────────────────────

export interface TrailPath {
  floor: string;
  points: XY[];
  from: number;
  to: number;
}

/** Runs of fixes on one floor without a gap; each is one polyline on that floor's plan. */
export function splitTrail(fixes: readonly Fix[], gap: number): TrailPath[] {
  const out: TrailPath[] = [];
  let cur: TrailPath | null = null;
  let prevT = -Infinity;
  for (const f of fixes) {
    if (!cur || cur.floor !== f.floor || f.t - prevT > gap) {
      cur = { floor: f.floor, points: [], from: f.t, to: f.t };
      out.push(cur);
    }
    cur.points.push([f.x, f.y]);
    cur.to = f.t;
    prevT = f.t;
  }
  return out;
}

/** Index of the last fix at or before t, or -1 (fixes oldest first). */
export function lastIndexAtOrBefore(fixes: readonly Fix[], t: number): number {
  let lo = 0;
  let hi = fixes.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fixes[mid]!.t <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

export interface ReplayPosition {
  x: number;
  y: number;
  floor: string;
  room: string | null;
  /** Time of the fix at or before the slider time. */
  fixT: number;
  /** Slider time minus fixT, ms. */
  ageMs: number;
  /** Between two fixes close enough in time to be joined (the marker glides along the drawn line). */
  interpolated: boolean;
  /** Held from a fix older than the gap: the tag was not located at the slider time. */
  stale: boolean;
}

/**
 * Where the marker is at time t: linear between the fixes either side when they are on one floor and not a gap apart
 * (the same segments the line is drawn from), otherwise at the last fix before t. Null before the first fix.
 */
export function positionAt(fixes: readonly Fix[], t: number, gap: number): ReplayPosition | null {
  const i = lastIndexAtOrBefore(fixes, t);
  if (i < 0) return null;
  const a = fixes[i]!;
  const b = fixes[i + 1];
  if (b && b.floor === a.floor && b.t - a.t <= gap && b.t > a.t) {
    const k = (t - a.t) / (b.t - a.t);
    return {
      x: a.x + (b.x - a.x) * k, y: a.y + (b.y - a.y) * k, floor: a.floor, room: k < 0.5 ? a.room : b.room,
      fixT: a.t, ageMs: t - a.t, interpolated: t > a.t, stale: false,
    };
  }
  return { x: a.x, y: a.y, floor: a.floor, room: a.room, fixT: a.t, ageMs: t - a.t, interpolated: false, stale: t - a.t > gap };
}

/** The floor to show at t: the tag's floor then, or before its first fix the floor it first appears on. */
export function floorAt(fixes: readonly Fix[], t: number): string | null {
  const i = lastIndexAtOrBefore(fixes, t);
  return (fixes[Math.max(0, i)] ?? null)?.floor ?? null;
}

// ── Visits ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** A visit contains t from its entry up to (not including) its exit; at the range end the stays still open count too. */
export function visitContains(v: Pick<Visit, 'from' | 'to'>, t: number, rangeTo: number): boolean {
  return v.from <= t && (t < v.to || (t === v.to && (v.to === rangeTo || v.from === v.to)));
}

export interface ZoneDwell {
  zone: string;
  floor: string;
  dwellMs: number;
  visits: number;
  firstFrom: number;
}

/** Total time per room or zone over the range, in order of first entry: the "how long" drawn on the plan. */
export function dwellByZone(visits: readonly Visit[]): ZoneDwell[] {
  const by = new Map<string, ZoneDwell>();
  for (const v of visits) {
    const key = `${v.floor}\n${v.zone}`;
    const d = by.get(key);
    if (d) {
      d.dwellMs += v.dwellMs;
      d.visits++;
      d.firstFrom = Math.min(d.firstFrom, v.from);
    } else by.set(key, { zone: v.zone, floor: v.floor, dwellMs: v.dwellMs, visits: 1, firstFrom: v.from });
  }
  return [...by.values()].sort((a, b) => a.firstFrom - b.firstFrom);
}

export interface StripSegment {
  index: number;
  leftPct: number;
  widthPct: number;
}

/** Visits as bands along the slider (percent of the range), so the rooms passed through line up with the time. */
export function visitStrip(visits: readonly Visit[], range: RangeQuery, include: (v: Visit) => boolean = () => true): StripSegment[] {
  const span = Math.max(1, range.to - range.from);
  const out: StripSegment[] = [];
  visits.forEach((v, index) => {
    if (!include(v)) return;
    const a = Math.max(range.from, Math.min(range.to, v.from));
    const b = Math.max(range.from, Math.min(range.to, v.to));
    out.push({ index, leftPct: ((a - range.from) / span) * 100, widthPct: ((b - a) / span) * 100 });
  });
  return out;
}

export interface ZoneEntry {
  floor: string;
  id: string;
  name: string;
  /** A room of the plan, or a zone (geofence, possibly spanning rooms). */
  kind: 'room' | 'zone';
  zoneType: ZoneType;
}

/** Every room and zone of the loaded plans, by floor level then name: the zone picker's list and the name lookup. */
export function indexZones(floors: readonly { id: string; level: number }[], plans: ReadonlyMap<string, Floor>): ZoneEntry[] {
  const out: ZoneEntry[] = [];
  const order = [...floors].sort((a, b) => a.level - b.level);
  for (const f of order) {
    const plan = plans.get(f.id);
    if (!plan) continue;
    const rows: ZoneEntry[] = [];
    for (const x of plan.plan.features) {
      const p = x.properties;
      if (p.kind === 'room' || p.kind === 'zone') rows.push({ floor: f.id, id: p.id, name: p.name, kind: p.kind, zoneType: p.zoneType });
    }
    rows.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    out.push(...rows);
  }
  return out;
}

/** Every word of the query occurs in the entry's name, id, floor or type ("L1 icu" finds the first floor's ICU bays). */
export function filterZones(list: readonly ZoneEntry[], query: string, limit = 50): ZoneEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const out: ZoneEntry[] = [];
  for (const z of list) {
    const hay = `${z.name}\n${z.id}\n${z.floor}\n${z.zoneType}`.toLowerCase();
    if (words.every((w) => hay.includes(w))) out.push(z);
    if (out.length >= limit) break;
  }
  return out;
}

// ── Words and times ────────────────────────────────────────────────────────────────────────────────────────────────

/** "42 s", "4 min 12 s", "38 min", "2 h 05 min", "1 d 3 h": seconds only while they still matter. */
export function formatDwell(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** Local "YYYY-MM-DDTHH:MM" for a datetime-local input. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}`;
}

/** A datetime-local value back to epoch ms (local time); null when empty or not a date. */
export function fromLocalInput(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

/** "14:05:09", with the date in front ("2025-03-12 14:05:09") when the range spans more than one calendar day. */
export function timeLabel(ms: number, withDate: boolean): string {
  const d = new Date(ms);
  const time = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  return withDate ? `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${time}` : time;
}

export function spansDays(range: RangeQuery): boolean {
  const a = new Date(range.from);
  const b = new Date(range.to);
  return a.getFullYear() !== b.getFullYear() || a.getMonth() !== b.getMonth() || a.getDate() !== b.getDate();
}

// ── Loading ────────────────────────────────────────────────────────────────────────────────────────────────────────

export interface LoadError {
  /** HTTP status; 0 when the locator could not be reached. */
  status: number;
  code: string;
  message: string;
}

export interface Load<T> {
  state: LoadState;
  data: T | null;
  error: LoadError | null;
}

const IDLE: Load<never> = Object.freeze({ state: 'idle', data: null, error: null });
const LOADING: Load<never> = Object.freeze({ state: 'loading', data: null, error: null });

export function toLoadError(e: unknown): LoadError {
  if (e instanceof ApiError) return { status: e.status, code: e.code, message: e.message };
  return { status: 0, code: 'RTLS_ERR_UNAVAILABLE', message: e instanceof Error ? e.message : String(e) };
}

/** What to tell the user; a 404 for the route itself means the locator predates the history API. */
export function loadErrorText(e: LoadError, what: string): string {
  if (e.code === 'RTLS_ERR_TAG_NOT_FOUND') return e.message;
  if (e.status === 404 && e.code === 'RTLS_ERR_NOT_FOUND') return `This locator does not serve ${what} (404 ${e.code}).`;
  if (e.status === 0) return `Could not reach the locator for ${what}: ${e.message}`;
  return `Could not load ${what}: ${e.message}`;
}

/** The API calls the replay makes (the app's ApiClient satisfies it; tests pass fakes). */
export interface ReplayApi {
  tag(id: string, signal?: AbortSignal): Promise<TagInfo>;
  trail(tag: string, q: RangeQuery & { limit?: number; resolutionMs?: number }, signal?: AbortSignal): Promise<TrailResponse>;
  tagVisits(tag: string, q: RangeQuery, signal?: AbortSignal): Promise<TagVisitsResponse>;
  zoneVisits(zone: string, q: RangeQuery, signal?: AbortSignal): Promise<ZoneVisitsResponse>;
  contacts(tag: string, q: RangeQuery & { radiusM?: number; binMs?: number }, signal?: AbortSignal): Promise<ContactsResponse>;
}

export interface TrailData {
  fixes: readonly Fix[];
  paths: readonly TrailPath[];
  resolutionMs: number;
  gapMs: number;
  /** The API returned as many fixes as asked for: the end of the range may be missing. */
  truncated: boolean;
}

export interface TagLabel {
  label: string;
  kind: TagKind;
}

/** Tag labels are looked up one GET /api/tags/:id each; a zone busy with hundreds of tags shows ids past this many. */
export const MAX_LABEL_LOOKUPS = 200;
const LABEL_CONCURRENCY = 6;

export const SPEEDS = [1, 10, 60] as const;
export type Speed = (typeof SPEEDS)[number];

export interface ReplaySlice {
  /** What is open, with the range resolved to epoch ms; null before the view was opened. */
  params: Accessor<(ReplayParams & RangeQuery) | null>;
  tagInfo: Accessor<Load<TagInfo>>;
  trail: Accessor<Load<TrailData>>;
  visits: Accessor<Load<TagVisitsResponse>>;
  zoneVisits: Accessor<Load<ZoneVisitsResponse>>;
  contacts: Accessor<Load<ContactsResponse>>;
  labels: Accessor<ReadonlyMap<string, TagLabel>>;
  /** Bumped when a new tag, zone or range is loaded (the map re-fits, the floor follows the marker again). */
  loadSeq: Accessor<number>;

  /** Open (or update) the view; reloads only when the subject or the range changed, contacts when the radius did. */
  open(p: ReplayParams): void;
  /** Leave the view: cancels requests and playback. */
  close(): void;
  /** Same subject and range again, fetched anew. */
  reload(): void;
  requestLabels(ids: Iterable<string>): void;

  t: Accessor<number>;
  playing: Accessor<boolean>;
  speed: Accessor<Speed>;
  seek(t: number): void;
  play(): void;
  pause(): void;
  setSpeed(s: Speed): void;
  /** Advance the slider by the clock time since the last tick × speed; stops at the range end. */
  tick(): void;

  position(): ReplayPosition | null;
  floorAt(): string | null;
  /** Indexes (into visits().data.visits) of the stays containing the slider time. */
  activeVisits(): number[];
}

export function createReplaySlice(clock: Clock, api: ReplayApi): ReplaySlice {
  const [params, setParams] = createSignal<(ReplayParams & RangeQuery) | null>(null);
  const [tagInfo, setTagInfo] = createSignal<Load<TagInfo>>(IDLE);
  const [trail, setTrail] = createSignal<Load<TrailData>>(IDLE);
  const [visits, setVisits] = createSignal<Load<TagVisitsResponse>>(IDLE);
  const [zoneVisits, setZoneVisits] = createSignal<Load<ZoneVisitsResponse>>(IDLE);
  const [contacts, setContacts] = createSignal<Load<ContactsResponse>>(IDLE);
  const [labels, setLabels] = createSignal<ReadonlyMap<string, TagLabel>>(new Map());
  const [loadSeq, setLoadSeq] = createSignal(0);
  const [t, setT] = createSignal(0);
  const [playing, setPlaying] = createSignal(false);
  const [speed, setSpeedSig] = createSignal<Speed>(1);

  let main: AbortController | null = null;
  let contactsAc: AbortController | null = null;
  let contactsKey = '';
  let lastTick = 0;
  /** The user moved the slider: a trail arriving later must not jump it to the first fix. */
  let touched = false;
  const pendingLabels = new Set<string>();

  const subjectKey = (p: ReplayParams & RangeQuery) => `${p.tag ?? ''}\n${p.zone ?? ''}\n${p.from}\n${p.to}`;
  const clampT = (v: number) => {
    const p = params();
    return p ? Math.min(p.to, Math.max(p.from, v)) : v;
  };

  /** Run a request for the current open; its result is dropped when another open (or close) came meanwhile. */
  function run<T>(ac: AbortController, set: (l: Load<T>) => void, call: (signal: AbortSignal) => Promise<T>, then?: (d: T) => void): void {
    set(LOADING);
    call(ac.signal).then(
      (data) => {
        if (ac.signal.aborted) return;
        set({ state: 'ready', data, error: null });
        then?.(data);
      },
      (e: unknown) => {
        if (!ac.signal.aborted) set({ state: 'error', data: null, error: toLoadError(e) });
      },
    );
  }

  function loadContacts(p: ReplayParams & RangeQuery): void {
    if (p.tag === null) return;
    const key = `${subjectKey(p)}\n${p.radiusM}`;
    if (key === contactsKey) return;
    contactsKey = key;
    contactsAc?.abort();
    const ac = new AbortController();
    contactsAc = ac;
    const tag = p.tag;
    run(ac, setContacts, (signal) => api.contacts(tag, { from: p.from, to: p.to, radiusM: p.radiusM }, signal), (c) => {
      slice.requestLabels(c.contacts.map((x) => x.tag));
    });
  }

  function load(p: ReplayParams & RangeQuery): void {
    main?.abort();
    contactsAc?.abort();
    contactsKey = '';
    const ac = new AbortController();
    main = ac;
    setPlaying(false);
    touched = p.t !== null;
    setT(p.t !== null ? Math.min(p.to, Math.max(p.from, p.t)) : p.from);
    setTagInfo(IDLE);
    setTrail(IDLE);
    setVisits(IDLE);
    setZoneVisits(IDLE);
    setContacts(IDLE);
    setLoadSeq((n) => n + 1);
    const range = { from: p.from, to: p.to };
    if (p.tag !== null) {
      const tag = p.tag;
      run(ac, setTagInfo, (signal) => api.tag(tag, signal), (info) => {
        setLabels((m) => new Map(m).set(info.id, { label: info.label, kind: info.kind }));
      });
      const resolutionMs = chooseResolution(p.to - p.from);
      const limit = trailLimit(p.to - p.from, resolutionMs);
      run(ac, setTrail, async (signal): Promise<TrailData> => {
        const r = await api.trail(tag, { ...range, limit, resolutionMs }, signal);
        // The contract says oldest first; sorting a sorted array is cheap insurance against a store that is not.
        const fixes = r.fixes.every((f, i, a) => i === 0 || a[i - 1]!.t <= f.t) ? r.fixes : [...r.fixes].sort((a, b) => a.t - b.t);
        const gap = gapMs(resolutionMs);
        return { fixes, paths: splitTrail(fixes, gap), resolutionMs, gapMs: gap, truncated: fixes.length >= limit };
      }, (d) => {
        const first = d.fixes[0];
        if (!touched && first) setT(clampT(first.t));
      });
      run(ac, setVisits, (signal) => api.tagVisits(tag, range, signal));
      if (p.tab === 'contacts') loadContacts(p);
    } else if (p.zone !== null) {
      const zone = p.zone;
      run(ac, setZoneVisits, (signal) => api.zoneVisits(zone, range, signal), (z) => {
        slice.requestLabels(z.visits.map((v) => v.tag));
      });
    }
  }

  const slice: ReplaySlice = {
    params,
    tagInfo,
    trail,
    visits,
    zoneVisits,
    contacts,
    labels,
    loadSeq,

    open(raw) {
      const cur = params();
      // A link without a range means "the last hour" once: re-reading the same link must not slide the window.
      const sameSubject = cur !== null && cur.tag === raw.tag && cur.zone === raw.zone;
      const range = raw.from === null && raw.to === null && sameSubject ? { from: cur.from, to: cur.to } : resolveRange(raw, clock());
      const next = { ...raw, ...range };
      setParams(next);
      if (cur === null || subjectKey(cur) !== subjectKey(next)) load(next);
      else if (raw.t !== null && raw.t !== cur.t) slice.seek(raw.t);
      if (next.tab === 'contacts') loadContacts(next);
    },
    close() {
      main?.abort();
      contactsAc?.abort();
      main = null;
      contactsAc = null;
      contactsKey = '';
      setPlaying(false);
      setParams(null);
    },
    reload() {
      const p = params();
      if (p) load(p);
    },
    requestLabels(ids) {
      const known = labels();
      const todo: string[] = [];
      for (const id of ids) {
        if (known.has(id) || pendingLabels.has(id) || todo.includes(id)) continue;
        if (pendingLabels.size + todo.length >= MAX_LABEL_LOOKUPS) break;
        todo.push(id);
      }
      for (const id of todo) pendingLabels.add(id);
      let next = 0;
      const worker = async () => {
        while (next < todo.length) {
          const id = todo[next++]!;
          let entry: TagLabel | null;
          try {
            const info = await api.tag(id);
            entry = { label: info.label, kind: info.kind };
          } catch (e) {
            // A tag the registry no longer knows is still a row: it shows by id. Other failures may be retried later.
            entry = e instanceof ApiError && e.code === 'RTLS_ERR_TAG_NOT_FOUND' ? { label: id, kind: 'unknown' } : null;
          }
          pendingLabels.delete(id);
          if (entry) {
            const e = entry;
            setLabels((m) => new Map(m).set(id, e));
          }
        }
      };
      for (let i = 0; i < Math.min(LABEL_CONCURRENCY, todo.length); i++) void worker();
    },

    t,
    playing,
    speed,
    seek(v) {
      touched = true;
      setT(clampT(v));
      lastTick = clock();
    },
    play() {
      const p = params();
      if (!p) return;
      touched = true;
      // Play at the end starts over, as a media player does.
      if (t() >= p.to) setT(p.from);
      lastTick = clock();
      setPlaying(true);
    },
    pause() {
      if (playing()) slice.tick();
      setPlaying(false);
    },
    setSpeed(s) {
      // Time played so far counts at the old speed.
      if (playing()) slice.tick();
      setSpeedSig(s);
    },
    tick() {
      if (!playing()) return;
      const now = clock();
      const dt = Math.max(0, now - lastTick);
      lastTick = now;
      const p = params();
      if (!p) return;
      const next = t() + dt * speed();
      if (next >= p.to) {
        setT(p.to);
        setPlaying(false);
      } else setT(next);
    },

    position() {
      const d = trail().data;
      return d ? positionAt(d.fixes, t(), d.gapMs) : null;
    },
    floorAt() {
      const d = trail().data;
      return d ? floorAt(d.fixes, t()) : null;
    },
    activeVisits() {
      const v = visits().data;
      const p = params();
      if (!v || !p) return [];
      const now = t();
      const out: number[] = [];
      v.visits.forEach((x, i) => {
        if (visitContains(x, now, p.to)) out.push(i);
      });
      return out;
    },
  };
  return slice;
}
