/**
 * Live state (DESIGN.md §1, §6): the latest of everything, in memory, answering the API and the live feed.
 * It is a PipelineSink, so the pipeline's output lands here directly; on start it is rebuilt from the history
 * store's last fixes. Unregistered tags are tracked too and listed as kind 'unknown' (DESIGN.md §3: installers
 * must see new tags).
 */
import type {
  Fix, GatewayInfo, GatewayState, GatewayStatus, TagInfo, TagListQuery, TagListResponse, TagSummary, ZoneEvent,
} from '@rtls/protocol';
import { gatewayReadsTopic } from '@rtls/protocol';
import type { GatewayRecord, PipelineSink } from '../contracts.ts';

/** What live state needs from the registry: lookups plus listings (CachedRegistryView satisfies it). */
export interface LiveStateRegistry {
  tag(id: string): TagSummary | undefined;
  gateway(id: string): GatewayRecord | undefined;
  tags(): TagSummary[];
  gateways(): GatewayRecord[];
}

interface TagEntry {
  lastFix: Fix | null;
  lastSeen: number | null;
  battery: number | null;
}

interface GatewayEntry {
  state: GatewayState;
  lastSeen: number;
}

export interface LiveStateCounts {
  /** Tags listed: registered plus seen-but-unregistered. */
  tags: number;
  registeredTags: number;
  unregisteredSeen: number;
  tagsWithFix: number;
  fixes: number;
  zoneEvents: number;
  gatewaysOnline: number;
}

export function unregisteredSummary(id: string): TagSummary {
  return { id, kind: 'unknown', label: id, registered: false, category: null };
}

/** A gateway's state as the ingest sees it (GatewayDiagnostics.state), or undefined to use the native status. */
export type GatewayActivity = (gatewayId: string) => { state: GatewayState | null; lastSeen: number | null } | undefined;

export class LiveState implements PipelineSink {
  readonly #registry: LiveStateRegistry;
  readonly #tags = new Map<string, TagEntry>();
  readonly #gateways = new Map<string, GatewayEntry>();
  #fixes = 0;
  #zoneEvents = 0;

  #activity: GatewayActivity | null = null;

  constructor(registry: LiveStateRegistry) {
    this.#registry = registry;
  }

  /**
   * Where a gateway's state comes from when it has no native status: the pipeline's diagnostics (issue #4: vendor
   * gateways have no birth or last will of ours, so their traffic and heartbeats say whether they are online).
   */
  useGatewayActivity(activity: GatewayActivity): void {
    this.#activity = activity;
  }

  /** Restores last fixes after a restart; newer state already present wins. */
  rebuild(lastFixes: readonly Fix[]): void {
    for (const f of lastFixes) {
      const e = this.#entry(f.tag);
      if (!e.lastFix || e.lastFix.t <= f.t) e.lastFix = f;
      if (e.lastSeen === null || e.lastSeen < f.t) e.lastSeen = f.t;
    }
  }

  // --- PipelineSink ---

  tagSeen(tag: string, t: number, battery: number | undefined): void {
    const e = this.#entry(tag);
    if (e.lastSeen === null || t > e.lastSeen) e.lastSeen = t;
    if (battery !== undefined) e.battery = battery;
  }

  fix(fix: Fix): void {
    const e = this.#entry(fix.tag);
    // A late fix (older than the one held) is history, not the current position.
    if (!e.lastFix || fix.t >= e.lastFix.t) e.lastFix = fix;
    if (e.lastSeen === null || fix.t > e.lastSeen) e.lastSeen = fix.t;
    this.#fixes++;
  }

  zoneEvent(_event: ZoneEvent): void {
    this.#zoneEvents++;
  }

  gatewayStatus(status: GatewayStatus, receivedAt: number): void {
    this.#gateways.set(status.gw, { state: status.state, lastSeen: receivedAt });
  }

  // --- queries ---

  summary(id: string): TagSummary {
    return this.#registry.tag(id) ?? unregisteredSummary(id);
  }

  getTag(id: string): TagInfo | undefined {
    const reg = this.#registry.tag(id);
    const e = this.#tags.get(id);
    if (!reg && !e) return undefined;
    return this.#info(reg ?? unregisteredSummary(id), e);
  }

  /**
   * Filtered and paged; ordered by tag id so paging is stable. `view` (the viewer's projection, issue #6) hides or
   * decorates tags before paging, so totals and pages count only what the viewer may see.
   */
  listTags(query: TagListQuery, view?: (t: TagInfo) => TagInfo | null): TagListResponse {
    const q = query.q?.trim().toLowerCase() ?? '';
    const all = this.#allTags();
    const matched: TagInfo[] = [];
    for (const raw of all) {
      const info = view ? view(raw) : raw;
      if (!info) continue;
      if (query.kind && info.kind !== query.kind) continue;
      if (query.floor && info.lastFix?.floor !== query.floor) continue;
      if (q && !info.id.toLowerCase().includes(q) && !info.label.toLowerCase().includes(q)) continue;
      matched.push(info);
    }
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 1000;
    return { total: matched.length, tags: matched.slice(offset, offset + limit) };
  }

  /** Tags with a last fix on one of `floors` (null = every tag, with or without a fix). */
  tagsOnFloors(floors: ReadonlySet<string> | null): TagInfo[] {
    const all = this.#allTags();
    return floors ? all.filter((t) => t.lastFix !== null && floors.has(t.lastFix.floor)) : all;
  }

  gateways(): GatewayInfo[] {
    return this.#registry.gateways().map((g) => this.#gatewayInfo(g));
  }

  gateway(id: string): GatewayInfo | undefined {
    const g = this.#registry.gateway(id);
    return g ? this.#gatewayInfo(g) : undefined;
  }

  counts(): LiveStateCounts {
    const registered = this.#registry.tags();
    let unregisteredSeen = 0;
    let tagsWithFix = 0;
    for (const [id, e] of this.#tags) {
      if (!this.#registry.tag(id)) unregisteredSeen++;
      if (e.lastFix) tagsWithFix++;
    }
    let gatewaysOnline = 0;
    if (this.#activity) {
      for (const g of this.#registry.gateways()) if (this.#gatewayInfo(g).state === 'online') gatewaysOnline++;
    } else for (const g of this.#gateways.values()) if (g.state === 'online') gatewaysOnline++;
    return {
      tags: registered.length + unregisteredSeen, registeredTags: registered.length, unregisteredSeen, tagsWithFix,
      fixes: this.#fixes, zoneEvents: this.#zoneEvents, gatewaysOnline,
    };
  }

  #entry(id: string): TagEntry {
    let e = this.#tags.get(id);
    if (!e) {
      e = { lastFix: null, lastSeen: null, battery: null };
      this.#tags.set(id, e);
    }
    return e;
  }

  #info(s: TagSummary, e: TagEntry | undefined): TagInfo {
    return { ...s, lastFix: e?.lastFix ?? null, lastSeen: e?.lastSeen ?? null, battery: e?.battery ?? null };
  }

  #allTags(): TagInfo[] {
    const out: TagInfo[] = [];
    for (const s of this.#registry.tags()) out.push(this.#info(s, this.#tags.get(s.id)));
    for (const [id, e] of this.#tags) {
      if (!this.#registry.tag(id)) out.push(this.#info(unregisteredSummary(id), e));
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  #gatewayInfo(g: GatewayRecord): GatewayInfo {
    const topic = g.topic ?? gatewayReadsTopic(g.id);
    const base = { id: g.id, tech: g.tech, format: g.format, floor: g.floor, x: g.x, y: g.y, room: g.room, topic };
    const a = this.#activity?.(g.id);
    if (a) return { ...base, state: a.state, lastSeen: a.lastSeen };
    const s = this.#gateways.get(g.id);
    return { ...base, state: s?.state ?? null, lastSeen: s?.lastSeen ?? null };
  }
}

export function createLiveState(registry: LiveStateRegistry, lastFixes: readonly Fix[] = []): LiveState {
  const s = new LiveState(registry);
  s.rebuild(lastFixes);
  return s;
}
