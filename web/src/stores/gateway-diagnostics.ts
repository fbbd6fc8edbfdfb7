import { createSignal, type Accessor } from 'solid-js';
import { GATEWAY_SILENT_OFFLINE_MS, type Clock, type DropReason, type GatewayDiagnostics, type GatewayInfo } from '@rtls/protocol';
import type { LoadState } from './floors.ts';

/**
 * The installer's gateway page (issue #4 item 3): every registered gateway from GET /api/gateways, and the
 * diagnostics of the one that is open from GET /api/gateways/:id. Separate from the `gateways` slice, which holds
 * what the live feed says about the shown floor's gateways for the map.
 */

/** The open gateway is re-fetched this often while its page is shown (issue #4 item 3: "refreshed every 2 s"). */
export const DETAIL_REFRESH_MS = 2000;
/** The list is coarser: its "last seen" column ticks locally in between, only state changes need the server. */
export const LIST_REFRESH_MS = 5000;
/**
 * Native gateways send a heartbeat every 30 s (gateway-firmware-sim mqtt-runner, DESIGN.md); nothing heard for half a
 * period longer than that means at least one heartbeat was missed, which is what an installer needs to see.
 */
export const SILENT_AFTER_MS = 45_000;
/**
 * A gateway clock this far off misplaces reads in time: at walking pace (~1.4 m/s) 5 s is ~7 m of travel, more than a
 * room, and more than the 2 s link window of a moving tag. (The locator only stops trusting it at LIMITS.maxClockSkewMs.)
 */
export const SKEW_WARN_MS = 5000;

// ── Sorting and filtering the list ──────────────────────────────────────────────────────────────────────────────

export type GatewaySortKey = 'state' | 'lastSeen' | 'id' | 'floor';
export interface GatewaySort {
  key: GatewaySortKey;
  dir: 'asc' | 'desc';
}
/** Ascending means "problems first" for state (offline, never heard, online) and for last seen (stalest first). */
export const DEFAULT_SORT: GatewaySort = { key: 'state', dir: 'asc' };

const STATE_RANK = { offline: 0, unknown: 1, online: 2 } as const;
const stateRank = (g: GatewayInfo) => STATE_RANK[g.state ?? 'unknown'];
const byId = (a: GatewayInfo, b: GatewayInfo) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Never heard from sorts as the stalest possible. */
const byLastSeen = (a: GatewayInfo, b: GatewayInfo) => {
  if (a.lastSeen === b.lastSeen) return 0;
  if (a.lastSeen === null) return -1;
  if (b.lastSeen === null) return 1;
  return a.lastSeen - b.lastSeen;
};

export function compareGateways(a: GatewayInfo, b: GatewayInfo, sort: GatewaySort): number {
  let c: number;
  switch (sort.key) {
    case 'state':
      // Offline ones stalest first (their times stand still); online ones by id, as their times move every refresh
      // and rows that swap places every 5 s cannot be read.
      c = stateRank(a) - stateRank(b) || (a.state === 'offline' ? byLastSeen(a, b) : 0);
      break;
    case 'lastSeen':
      c = byLastSeen(a, b);
      break;
    case 'floor':
      c = a.floor < b.floor ? -1 : a.floor > b.floor ? 1 : 0;
      break;
    case 'id':
      c = 0;
      break;
  }
  if (sort.dir === 'desc') c = -c;
  // Ties always by id ascending, so rows do not shuffle between refreshes.
  return c || (sort.key === 'id' && sort.dir === 'desc' ? -byId(a, b) : byId(a, b));
}

export function sortGateways(list: readonly GatewayInfo[], sort: GatewaySort): GatewayInfo[] {
  return [...list].sort((a, b) => compareGateways(a, b, sort));
}

/** Same key again flips the direction; a new key starts ascending ("problems first"). */
export function nextSort(current: GatewaySort, key: GatewaySortKey): GatewaySort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: 'asc' };
}

export const STATE_LABEL = { online: 'Online', offline: 'Offline', unknown: 'No status' } as const;
export const stateOf = (g: GatewayInfo): keyof typeof STATE_LABEL => g.state ?? 'unknown';

/**
 * Every whitespace-separated word of the query must occur (case-insensitively) in the gateway's id, tech, format,
 * floor, room id, room name, topic or state, so "L1 offline" narrows to the first floor's offline gateways.
 */
export function matchesFilter(g: GatewayInfo, query: string, roomName: string | null = null): boolean {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return true;
  const hay = [g.id, g.tech, g.format, g.floor, g.room ?? '', roomName ?? '', g.topic, STATE_LABEL[stateOf(g)]].join('\n').toLowerCase();
  return words.every((w) => hay.includes(w));
}

export function filterGateways(
  list: readonly GatewayInfo[],
  query: string,
  roomName: (g: GatewayInfo) => string | null = () => null,
): GatewayInfo[] {
  return list.filter((g) => matchesFilter(g, query, roomName(g)));
}

export interface StateCounts {
  online: number;
  offline: number;
  unknown: number;
  total: number;
}

export function countStates(list: readonly GatewayInfo[]): StateCounts {
  const c: StateCounts = { online: 0, offline: 0, unknown: 0, total: list.length };
  for (const g of list) c[stateOf(g)]++;
  return c;
}

// ── Reading the diagnostics ─────────────────────────────────────────────────────────────────────────────────────

/** "45 s", "3 min", "5 h", "2 d": seconds up to two minutes, because that is the range heartbeats live in. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/**
 * How long nothing at all has been heard from the gateway, ms: the server-measured heartbeat age, or the age of its
 * last message by the browser clock when that is newer (vendor gateways may send reads but no heartbeat).
 * null when it never said anything.
 */
export function silenceMs(d: Pick<GatewayDiagnostics, 'heartbeatAgeMs' | 'lastMessageAt'>, now: number): number | null {
  const ages: number[] = [];
  if (d.heartbeatAgeMs !== null) ages.push(d.heartbeatAgeMs);
  if (d.lastMessageAt !== null) ages.push(Math.max(0, now - d.lastMessageAt));
  return ages.length === 0 ? null : Math.min(...ages);
}

/** "Silent for 95 s" once a heartbeat has been missed; null while the gateway is heard or when it never was. */
export function silentLabel(d: Pick<GatewayDiagnostics, 'heartbeatAgeMs' | 'lastMessageAt'>, now: number): string | null {
  const s = silenceMs(d, now);
  return s !== null && s > SILENT_AFTER_MS ? `Silent for ${formatDuration(s)}` : null;
}

export interface SkewView {
  /** "+6.2 s" (gateway clock ahead of the server) or "−0.4 s" (behind); "—" when its reads carry no time. */
  text: string;
  warn: boolean;
  detail: string;
}

export function skewView(skewMs: number | null): SkewView {
  if (skewMs === null) return { text: '—', warn: false, detail: 'Its reads carry no timestamp; receive time is used.' };
  const abs = Math.abs(skewMs);
  const text = `${skewMs < 0 ? '−' : '+'}${(abs / 1000).toFixed(1)} s`;
  const warn = abs > SKEW_WARN_MS;
  const side = skewMs < 0 ? 'behind' : 'ahead of';
  return {
    text,
    warn,
    detail: warn ? `The gateway clock is ${(abs / 1000).toFixed(1)} s ${side} the server: check its NTP setting.` : 'Within 5 s of the server.',
  };
}

export const STATE_SOURCE_LABEL: Readonly<Record<GatewayDiagnostics['stateSource'], string>> = Object.freeze({
  birth: 'from its birth message',
  'last-will': 'its last will arrived (connection lost)',
  heartbeat: 'from its heartbeat',
  traffic: 'from recent messages',
  silent: `nothing heard for ${GATEWAY_SILENT_OFFLINE_MS / 1000} s`,
  never: 'never heard from',
});

/**
 * What each drop reason means on site (drop-reasons.ts), phrased as the thing to check. Partial so a reason added to
 * the protocol still shows (by its code) before it has words here; a unit test asks for every reason.
 */
export const REJECTION_LABEL: Readonly<Partial<Record<DropReason, string>>> = Object.freeze({
  'payload-too-large': 'Message larger than the broker limit',
  'not-json': 'Payload is not UTF-8 JSON',
  schema: 'JSON that does not match the gateway’s format',
  'unknown-topic': 'Topic is not a reads or status topic',
  'gateway-mismatch': 'Gateway id in the payload differs from the topic',
  'unknown-gateway': 'Gateway not registered (no position)',
  'too-many-reads': 'More reads than one batch may carry',
  'duplicate-batch': 'Same batch received again (QoS 1 redelivery)',
  'duplicate-read': 'Same record twice within one message',
  'clock-skew': 'Gateway clock too far off; receive time used',
  'stale-read': 'Read older than the positioning window',
  'queue-full': 'Dropped under overload (tag queue full)',
});

export interface RejectionRow {
  reason: string;
  label: string;
  count: number;
}

/** Non-zero reasons, most frequent first. */
export function rejectionRows(rejections: Readonly<Record<string, number>>): RejectionRow[] {
  return Object.entries(rejections)
    .filter(([, n]) => n > 0)
    .map(([reason, count]) => ({ reason, count, label: (REJECTION_LABEL as Record<string, string>)[reason] ?? reason }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}

/** A failed call as the page shows it; `code` is the server's RTLS_ERR_* code when it sent one. */
export interface DetailError {
  status: number;
  code: string;
  message: string;
}

export function detailErrorText(err: DetailError, id: string): string {
  if (err.code === 'RTLS_ERR_GATEWAY_NOT_FOUND') return `No gateway “${id}” is registered with this locator.`;
  if (err.status === 404) return `This locator does not serve gateway diagnostics (GET /api/gateways/:id answered 404 ${err.code}).`;
  return `Could not load the diagnostics: ${err.message}`;
}

// ── URL form (deep links an installer can share) ────────────────────────────────────────────────────────────────

export type Route = { view: 'map'; floor: string | null } | { view: 'gateways'; gateway: string | null };

export const GATEWAYS_HASH = '#/gateways';
export const gatewayHash = (id: string) => `${GATEWAYS_HASH}/${encodeURIComponent(id)}`;

/** "#/gateways" → the list, "#/gateways/<id>" → that gateway, anything else (e.g. "#floor=L1") → the map. */
export function parseRoute(hash: string): Route {
  const m = /^#\/gateways(?:\/([^/?#]*))?\/?$/.exec(hash);
  if (!m) {
    const floor = /(?:^#|&)floor=([^&]+)/.exec(hash)?.[1];
    return { view: 'map', floor: floor === undefined ? null : safeDecode(floor) };
  }
  const raw = m[1];
  return { view: 'gateways', gateway: raw === undefined || raw === '' ? null : safeDecode(raw) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ── The slice ───────────────────────────────────────────────────────────────────────────────────────────────────

export interface GatewayDiagnosticsSlice {
  list: Accessor<readonly GatewayInfo[]>;
  listState: Accessor<LoadState>;
  listError: Accessor<string | null>;
  listUpdatedAt: Accessor<number | null>;
  setList(list: readonly GatewayInfo[]): void;
  /** Keeps the last list shown: a failed refresh must not blank the page an installer is reading. */
  listFailed(message: string): void;
  filter: Accessor<string>;
  setFilter(q: string): void;
  sort: Accessor<GatewaySort>;
  toggleSort(key: GatewaySortKey): void;
  /** The list filtered and sorted as asked; roomName resolves room ids to plan names for the filter. */
  visible(roomName?: (g: GatewayInfo) => string | null): GatewayInfo[];
  counts(): StateCounts;

  openId: Accessor<string | null>;
  detail: Accessor<GatewayDiagnostics | null>;
  detailState: Accessor<LoadState>;
  detailError: Accessor<DetailError | null>;
  detailUpdatedAt: Accessor<number | null>;
  open(id: string): void;
  close(): void;
  /** Applies a response for `id`; false (ignored) when another gateway was opened meanwhile. */
  setDetail(id: string, d: GatewayDiagnostics): boolean;
  detailFailed(id: string, err: DetailError): boolean;
}

export function createGatewayDiagnosticsSlice(clock: Clock): GatewayDiagnosticsSlice {
  const [list, setListSig] = createSignal<readonly GatewayInfo[]>([]);
  const [listState, setListState] = createSignal<LoadState>('idle');
  const [listError, setListError] = createSignal<string | null>(null);
  const [listUpdatedAt, setListUpdatedAt] = createSignal<number | null>(null);
  const [filter, setFilter] = createSignal('');
  const [sort, setSort] = createSignal<GatewaySort>(DEFAULT_SORT);
  const [openId, setOpenId] = createSignal<string | null>(null);
  const [detail, setDetailSig] = createSignal<GatewayDiagnostics | null>(null);
  const [detailState, setDetailState] = createSignal<LoadState>('idle');
  const [detailError, setDetailError] = createSignal<DetailError | null>(null);
  const [detailUpdatedAt, setDetailUpdatedAt] = createSignal<number | null>(null);

  return {
    list,
    listState,
    listError,
    listUpdatedAt,
    setList(l) {
      setListSig(l);
      setListState('ready');
      setListError(null);
      setListUpdatedAt(clock());
    },
    listFailed(message) {
      setListState('error');
      setListError(message);
    },
    filter,
    setFilter: (q) => setFilter(q),
    sort,
    toggleSort: (key) => setSort((s) => nextSort(s, key)),
    visible: (roomName) => sortGateways(filterGateways(list(), filter(), roomName), sort()),
    counts: () => countStates(list()),

    openId,
    detail,
    detailState,
    detailError,
    detailUpdatedAt,
    open(id) {
      if (openId() === id) return;
      setOpenId(id);
      // Never show one gateway's numbers under another's name while the new one loads.
      setDetailSig(null);
      setDetailState('loading');
      setDetailError(null);
      setDetailUpdatedAt(null);
    },
    close() {
      setOpenId(null);
      setDetailSig(null);
      setDetailState('idle');
      setDetailError(null);
      setDetailUpdatedAt(null);
    },
    setDetail(id, d) {
      if (openId() !== id) return false;
      setDetailSig(d);
      setDetailState('ready');
      setDetailError(null);
      setDetailUpdatedAt(clock());
      return true;
    },
    detailFailed(id, err) {
      if (openId() !== id) return false;
      setDetailState('error');
      setDetailError(err);
      // A removed gateway's old numbers would mislead; any other failure keeps the last good view on screen.
      if (err.code === 'RTLS_ERR_GATEWAY_NOT_FOUND') setDetailSig(null);
      return true;
    },
  };
}

// ── Polling ─────────────────────────────────────────────────────────────────────────────────────────────────────

export interface PollTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface Poller {
  start(): void;
  /** Cancels the pending run and aborts the one in flight (its result must not land after the page closed). */
  stop(): void;
  running(): boolean;
}

/**
 * Runs `run` at once, then `intervalMs` after each run settles: never two requests in flight for one view, and a slow
 * server is not flooded. Errors are the caller's to record; the poller keeps going.
 */
export function createPoller(timers: PollTimers, intervalMs: number, run: (signal: AbortSignal) => Promise<void>): Poller {
  let active = false;
  let handle: unknown = null;
  let inflight: AbortController | null = null;
  const tick = () => {
    handle = null;
    const ac = new AbortController();
    inflight = ac;
    const settle = () => {
      if (inflight === ac) inflight = null;
      if (active && !ac.signal.aborted) handle = timers.setTimeout(tick, intervalMs);
    };
    let p: Promise<void>;
    try {
      p = run(ac.signal);
    } catch {
      p = Promise.resolve();
    }
    p.then(settle, settle);
  };
  return {
    start() {
      if (active) return;
      active = true;
      tick();
    },
    stop() {
      active = false;
      if (handle !== null) timers.clearTimeout(handle);
      handle = null;
      inflight?.abort();
      inflight = null;
    },
    running: () => active,
  };
}
