import { createSignal, type Accessor } from 'solid-js';
import { SEVERITY_RANK, type Alarm, type Clock, type Fix, type Severity, type TrailResponse } from '@rtls/protocol';
import type { AlarmQuery, RangeQuery } from '../api/client.ts';
import type { LoadState } from './floors.ts';
import { chooseResolution, toLoadError, trailLimit, type Load, type LoadError } from './replay.ts';

/**
 * The alarm console's data (issue #7 item 5): the open and acknowledged alarms from GET /api/alarms merged with the
 * live `alarm` messages (one entry per id, the newer version wins), the filters, the resolved history paged backwards,
 * and the alarm being looked at with its subject's recent trail. Signals only (no memos): the unit tests run on Solid's
 * server build, where memos do not recompute; readers wrap `visible()` and friends in their own memos.
 */

export type AlarmStateFilter = 'all' | 'open' | 'acknowledged';
export type SeverityFilter = 'all' | Severity;
export interface AlarmFilters {
  state: AlarmStateFilter;
  severity: SeverityFilter;
}
export const DEFAULT_FILTERS: AlarmFilters = Object.freeze({ state: 'all', severity: 'all' });

/** Per state asked of GET /api/alarms on (re)load; an answer this long may be cut short, so nothing is dropped then. */
export const ACTIVE_LIMIT = 500;
export const HISTORY_PAGE = 50;
/** Resolved alarms kept from the live feed (so a late REST answer cannot bring one back as open). */
const MAX_RESOLVED_KEPT = 500;
/** "Its recent trail" (issue #7 item 5): the last ten minutes. */
export const RECENT_TRAIL_MS = 10 * 60_000;

/** Most severe first; within a severity the longest waiting first (issue #7: "sorted by severity and age"). */
export function compareAlarms(a: Alarm, b: Alarm): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.openedAt - b.openedAt || a.id - b.id;
}

/** Is `a` a later version of the same alarm than `b`? Ties keep what is there (same version twice). */
export function isNewer(a: Alarm, b: Alarm): boolean {
  return a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && a.history.length > b.history.length);
}

export function matchesFilters(a: Alarm, f: AlarmFilters): boolean {
  if (a.state === 'resolved') return false;
  if (f.state !== 'all' && a.state !== f.state) return false;
  return f.severity === 'all' || a.severity === f.severity;
}

/** The patient's name when the server sent it for this viewer's scope, else the tag's or gateway's label. */
export function subjectName(a: Pick<Alarm, 'subject'>): string {
  return a.subject.patient?.identity?.name ?? a.subject.label;
}

export type AlertReason = 'new' | 'escalated';
/**
 * Whether a live update is worth a sound and a notification: an alarm first seen open, or one that escalated while
 * still unacknowledged. Updates nobody needs to be woken for (acknowledged by a colleague, cleared) are silent.
 */
export function alertFor(prev: Alarm | undefined, next: Alarm): AlertReason | null {
  if (next.state !== 'open') return null;
  if (!prev) return 'new';
  if (prev.state === 'resolved') return 'new';
  return next.escalationLevel > prev.escalationLevel ? 'escalated' : null;
}

export interface AlarmAlert {
  /** Bumped per alert, so the same alarm escalating twice alerts twice. */
  seq: number;
  alarm: Alarm;
  reason: AlertReason;
}

/** Where the map should look for the focused alarm's subject: the trail of its last minutes, oldest first. */
export interface AlarmTrail {
  tag: string;
  range: RangeQuery;
  fixes: readonly Fix[];
}

/** The calls the console makes (the app's ApiClient satisfies it; tests pass fakes). */
export interface AlarmsApi {
  alarms(q: AlarmQuery, signal?: AbortSignal): Promise<Alarm[]>;
  alarm(id: number, signal?: AbortSignal): Promise<Alarm>;
  trail(tag: string, q: RangeQuery & { limit?: number; resolutionMs?: number }, signal?: AbortSignal): Promise<TrailResponse>;
}

export interface AlarmsDeps {
  clock: Clock;
  api: AlarmsApi;
  /** Trails come from the history API (history:view); without it the map shows where the alarm fired only. */
  canViewHistory(): boolean;
}

export interface AlarmsSlice {
  /** Moves on every change to the alarms held; read it in a memo around `visible()`, `openCount()`, `get()`. */
  version: Accessor<number>;
  get(id: number): Alarm | undefined;
  /** Open and acknowledged alarms matching the filters, most severe and oldest first. */
  visible(): Alarm[];
  /** Alarms nobody has acknowledged yet (the header badge). */
  openCount(): number;
  /** Open and acknowledged alarms, whatever the filters. */
  activeCount(): number;
  filters: Accessor<AlarmFilters>;
  setFilters(f: Partial<AlarmFilters>): void;

  state: Accessor<LoadState>;
  error: Accessor<LoadError | null>;
  /** GET the open and acknowledged alarms (console opened, live feed back after an outage). */
  load(): Promise<void>;
  /** A live `alarm` message; returns why it alerts, if it does (also published on `alert`). */
  receive(alarm: Alarm): AlertReason | null;
  /**
   * Forget every alarm held (the patient scope changed: names were sent for the old scope); a `load` follows. The
   * focus stays, its alarm comes back with the load.
   */
  clear(): void;
  /** An action's answer (acknowledge, assign, resolve): merged like a live update, never alerting. */
  upsert(alarm: Alarm): void;
  alert: Accessor<AlarmAlert | null>;

  /** Resolved alarms, newest opened first; filtered by the severity filter on the server. */
  history: Accessor<readonly Alarm[]>;
  historyState: Accessor<LoadState>;
  historyError: Accessor<LoadError | null>;
  /** The last page came back full: older ones may exist. */
  historyMore: Accessor<boolean>;
  /** First page (`reset`) or the next older one (paged by `to`: the oldest opening time shown). */
  loadHistory(reset: boolean): Promise<void>;

  /** The alarm looked at (centred on the map with its trail); null = none. */
  focused: Accessor<number | null>;
  /** Bumped per focus request, so clicking the same alarm again re-centres. */
  focusSeq: Accessor<number>;
  focus(id: number | null): void;
  /** The focused alarm, from the list, the history or its own GET. */
  focusedAlarm(): Alarm | undefined;
  trail: Accessor<Load<AlarmTrail>>;
  /** Live fixes: the focused subject's are appended to its trail, so the line follows it. */
  addLiveFixes(fixes: readonly Fix[]): void;
  dispose(): void;
}

const IDLE: Load<never> = Object.freeze({ state: 'idle', data: null, error: null });

export function createAlarmsSlice(deps: AlarmsDeps): AlarmsSlice {
  const { api, clock } = deps;
  /** Every alarm known, with the live-update counter at its last live change (see load). */
  const byId = new Map<number, { alarm: Alarm; touched: number }>();
  const [version, setVersion] = createSignal(0);
  const [filters, setFiltersSig] = createSignal<AlarmFilters>(DEFAULT_FILTERS);
  const [state, setState] = createSignal<LoadState>('idle');
  const [error, setError] = createSignal<LoadError | null>(null);
  const [alert, setAlert] = createSignal<AlarmAlert | null>(null);
  const [history, setHistory] = createSignal<readonly Alarm[]>([]);
  const [historyState, setHistoryState] = createSignal<LoadState>('idle');
  const [historyError, setHistoryError] = createSignal<LoadError | null>(null);
  const [historyMore, setHistoryMore] = createSignal(false);
  const [focused, setFocused] = createSignal<number | null>(null);
  const [focusSeq, setFocusSeq] = createSignal(0);
  const [fetchedFocus, setFetchedFocus] = createSignal<Alarm | null>(null);
  const [trail, setTrail] = createSignal<Load<AlarmTrail>>(IDLE);
  let liveSeq = 0;
  let alertSeq = 0;
  let loadAc: AbortController | null = null;
  let historyAc: AbortController | null = null;
  let focusAc: AbortController | null = null;
  let historyKey = '';

  const bump = () => setVersion((v) => v + 1);

  const pruneResolved = () => {
    const resolved = [...byId.values()].filter((e) => e.alarm.state === 'resolved');
    if (resolved.length <= MAX_RESOLVED_KEPT) return;
    resolved.sort((a, b) => a.alarm.updatedAt - b.alarm.updatedAt);
    for (const e of resolved.slice(0, resolved.length - MAX_RESOLVED_KEPT)) byId.delete(e.alarm.id);
  };

  /** A resolved alarm joins the history shown (if it is loaded); a newer version replaces the one there. */
  const mergeHistory = (alarms: readonly Alarm[]) => {
    if (alarms.length === 0) return;
    const sev = filters().severity;
    setHistory((cur) => {
      const m = new Map(cur.map((a) => [a.id, a]));
      for (const a of alarms) {
        if (a.state !== 'resolved' || (sev !== 'all' && a.severity !== sev)) continue;
        const old = m.get(a.id);
        if (!old || isNewer(a, old)) m.set(a.id, a);
      }
      return [...m.values()].sort((a, b) => b.openedAt - a.openedAt || b.id - a.id);
    });
  };

  /** Merge one version; true when it changed what is held. */
  const put = (a: Alarm, live: boolean): boolean => {
    const cur = byId.get(a.id);
    if (cur && !isNewer(a, cur.alarm)) return false;
    byId.set(a.id, { alarm: a, touched: live ? ++liveSeq : (cur?.touched ?? 0) });
    if (a.id === fetchedFocus()?.id) setFetchedFocus(a);
    return true;
  };

  const newerOnly = (a: Alarm) => {
    const changed = put(a, true);
    if (changed) {
      if (a.state === 'resolved') {
        pruneResolved();
        if (historyState() === 'ready') mergeHistory([a]);
      }
      bump();
    }
    return changed;
  };

  const focusedAlarm = () => {
    const id = focused();
    if (id === null) return undefined;
    version();
    return byId.get(id)?.alarm ?? history().find((a) => a.id === id) ?? (fetchedFocus()?.id === id ? fetchedFocus()! : undefined);
  };

  function loadTrail(a: Alarm): void {
    focusAc?.abort();
    if (a.subject.type !== 'tag' || !deps.canViewHistory()) {
      setTrail(IDLE);
      return;
    }
    const ac = new AbortController();
    focusAc = ac;
    // A live alarm: where the subject is now and how it got there. A resolved one: the minutes up to when it fired and
    // on until it was resolved (at most the recent-trail span past opening, beyond that it is a replay).
    const now = clock();
    const range = a.state === 'resolved'
      ? { from: a.openedAt - RECENT_TRAIL_MS, to: Math.min(now, Math.max(a.updatedAt, a.openedAt + 60_000), a.openedAt + RECENT_TRAIL_MS) }
      : { from: now - RECENT_TRAIL_MS, to: now };
    const resolutionMs = chooseResolution(range.to - range.from);
    const tag = a.subject.id;
    setTrail({ state: 'loading', data: null, error: null });
    api.trail(tag, { ...range, resolutionMs, limit: trailLimit(range.to - range.from, resolutionMs) }, ac.signal).then(
      (r) => {
        if (ac.signal.aborted) return;
        const fixes = [...r.fixes].sort((x, y) => x.t - y.t);
        setTrail({ state: 'ready', data: { tag, range, fixes }, error: null });
      },
      (e: unknown) => {
        if (!ac.signal.aborted) setTrail({ state: 'error', data: null, error: toLoadError(e) });
      },
    );
  }

  const slice: AlarmsSlice = {
    version,
    get: (id) => byId.get(id)?.alarm,
    visible() {
      version();
      const f = filters();
      const out: Alarm[] = [];
      for (const { alarm } of byId.values()) if (matchesFilters(alarm, f)) out.push(alarm);
      return out.sort(compareAlarms);
    },
    openCount() {
      version();
      let n = 0;
      for (const { alarm } of byId.values()) if (alarm.state === 'open') n++;
      return n;
    },
    activeCount() {
      version();
      let n = 0;
      for (const { alarm } of byId.values()) if (alarm.state !== 'resolved') n++;
      return n;
    },
    filters,
    setFilters(f) {
      const next = { ...filters(), ...f };
      const sevChanged = next.severity !== filters().severity;
      setFiltersSig(next);
      // The history is filtered by the server: a new severity is a new first page.
      if (sevChanged && historyState() !== 'idle') void slice.loadHistory(true);
    },

    state,
    error,
    async load() {
      loadAc?.abort();
      const ac = new AbortController();
      loadAc = ac;
      const started = liveSeq;
      if (state() !== 'ready') setState('loading');
      try {
        const [open, acked] = await Promise.all([
          api.alarms({ state: 'open', limit: ACTIVE_LIMIT }, ac.signal),
          api.alarms({ state: 'acknowledged', limit: ACTIVE_LIMIT }, ac.signal),
        ]);
        if (ac.signal.aborted) return;
        const seen = new Set<number>();
        for (const a of [...open, ...acked]) {
          seen.add(a.id);
          put(a, false);
        }
        // An alarm held as active that the server no longer lists was resolved while the feed was away (its message
        // never came), unless the feed changed it after the request went out. A cut-short answer proves nothing.
        const complete = open.length < ACTIVE_LIMIT && acked.length < ACTIVE_LIMIT;
        if (complete) {
          for (const [id, e] of byId) if (e.alarm.state !== 'resolved' && !seen.has(id) && e.touched <= started) byId.delete(id);
        }
        setState('ready');
        setError(null);
        bump();
      } catch (e) {
        if (ac.signal.aborted) return;
        setState('error');
        setError(toLoadError(e));
      }
    },
    receive(a) {
      const prev = byId.get(a.id)?.alarm;
      if (prev && !isNewer(a, prev)) return null;
      const reason = alertFor(prev, a);
      newerOnly(a);
      if (reason) setAlert({ seq: ++alertSeq, alarm: a, reason });
      return reason;
    },
    clear() {
      loadAc?.abort();
      historyAc?.abort();
      byId.clear();
      setFetchedFocus(null);
      setHistory([]);
      setHistoryMore(false);
      setHistoryState('idle');
      setState('idle');
      bump();
    },
    upsert(a) {
      newerOnly(a);
    },
    alert,

    history,
    historyState,
    historyError,
    historyMore,
    async loadHistory(reset) {
      const sev = filters().severity;
      const key = sev;
      if (!reset && (historyState() === 'loading' || !historyMore())) return;
      historyAc?.abort();
      const ac = new AbortController();
      historyAc = ac;
      if (reset) {
        historyKey = key;
        setHistory([]);
        setHistoryMore(false);
      }
      const shown = history();
      const oldest = shown.length > 0 ? Math.min(...shown.map((a) => a.openedAt)) : undefined;
      setHistoryState('loading');
      try {
        const page = await api.alarms({
          state: 'resolved', limit: HISTORY_PAGE, ...(sev === 'all' ? {} : { severity: sev }), ...(oldest === undefined ? {} : { to: oldest }),
        }, ac.signal);
        if (ac.signal.aborted || historyKey !== key) return;
        const known = new Set(shown.map((a) => a.id));
        const fresh = page.filter((a) => !known.has(a.id));
        mergeHistory(page);
        // `to` may include the boundary instant: a page of only alarms already shown means the end was reached.
        setHistoryMore(page.length >= HISTORY_PAGE && fresh.length > 0);
        setHistoryState('ready');
        setHistoryError(null);
      } catch (e) {
        if (ac.signal.aborted) return;
        setHistoryState('error');
        setHistoryError(toLoadError(e));
      }
    },

    focused,
    focusSeq,
    focusedAlarm,
    focus(id) {
      focusAc?.abort();
      focusAc = null;
      setFetchedFocus(null);
      setFocused(id);
      setFocusSeq((n) => n + 1);
      setTrail(IDLE);
      if (id === null) return;
      const known = focusedAlarm();
      if (known) {
        loadTrail(known);
        return;
      }
      // A link to an alarm that is neither active nor in the history page shown: ask for it.
      const ac = new AbortController();
      focusAc = ac;
      setTrail({ state: 'loading', data: null, error: null });
      api.alarm(id, ac.signal).then(
        (a) => {
          if (ac.signal.aborted || focused() !== id) return;
          setFetchedFocus(a);
          loadTrail(a);
        },
        (e: unknown) => {
          if (!ac.signal.aborted) setTrail({ state: 'error', data: null, error: toLoadError(e) });
        },
      );
    },
    trail,
    addLiveFixes(fixes) {
      const cur = trail();
      const d = cur.data;
      if (cur.state !== 'ready' || !d || focusedAlarm()?.state === 'resolved') return;
      const last = d.fixes[d.fixes.length - 1]?.t ?? -Infinity;
      const add = fixes.filter((f) => f.tag === d.tag && f.t > last).sort((a, b) => a.t - b.t);
      if (add.length === 0) return;
      setTrail({ state: 'ready', data: { ...d, fixes: [...d.fixes, ...add] }, error: null });
    },
    dispose() {
      loadAc?.abort();
      historyAc?.abort();
      focusAc?.abort();
    },
  };
  return slice;
}
