import { createSignal, type Accessor } from 'solid-js';
import type { Fix, TagInfo, TagKind, TagSummary } from '@rtls/protocol';

/** What the app knows about one tag. Kept in a plain Map: 2,000 tags × one fix a second must not mean
 *  2,000 reactive signals firing; readers subscribe to `version`, which moves once per batch. */
export interface TagView {
  summary: TagSummary;
  fix: Fix | null;
  lastSeen: number | null;
  battery: number | null;
}

export type TagsChange =
  | { kind: 'reset' }
  | { kind: 'fixes'; fixes: readonly Fix[] };

export const TAG_KINDS: readonly TagKind[] = ['equipment', 'consumable', 'patient', 'unknown'];

export interface TagsSlice {
  /** Bumped once per applied snapshot or batch; read it in a memo to re-derive lists and counts. */
  version: Accessor<number>;
  get(id: string): TagView | undefined;
  size(): number;
  all(): IterableIterator<TagView>;
  /** Snapshot: the server's full view for the subscribed floors replaces ours. */
  replaceAll(tags: readonly TagInfo[]): void;
  upsertSummaries(summaries: readonly TagSummary[]): void;
  /** A tag fetched over REST (search result): merged so the detail panel can show it immediately. */
  upsertInfo(info: TagInfo): void;
  applyFixes(fixes: readonly Fix[]): void;
  onFloor(floor: string | null): TagView[];
  countsByKind(floor: string | null): Record<TagKind, number>;
  /** Non-reactive listener for the map's animator, which needs each batch, not just "something changed". */
  subscribe(listener: (change: TagsChange) => void): () => void;
}

function unknownSummary(id: string): TagSummary {
  return { id, kind: 'unknown', label: id, registered: false, category: null };
}

export function createTagsSlice(): TagsSlice {
  const byId = new Map<string, TagView>();
  const listeners = new Set<(change: TagsChange) => void>();
  const [version, setVersion] = createSignal(0);
  const bump = (change: TagsChange) => {
    setVersion((v) => v + 1);
    for (const l of listeners) l(change);
  };
  const fromInfo = (t: TagInfo): TagView => {
    const { lastFix, lastSeen, battery, ...summary } = t;
    return { summary, fix: lastFix, lastSeen, battery };
  };
  /** Keep the newest fix: a REST response can be older than what the live feed already delivered. */
  const newer = (a: Fix | null, b: Fix | null): Fix | null => (!a ? b : !b ? a : b.t >= a.t ? b : a);

  return {
    version,
    get: (id) => byId.get(id),
    size: () => byId.size,
    all: () => byId.values(),
    replaceAll(tags) {
      byId.clear();
      for (const t of tags) byId.set(t.id, fromInfo(t));
      bump({ kind: 'reset' });
    },
    upsertSummaries(summaries) {
      for (const s of summaries) {
        const cur = byId.get(s.id);
        if (cur) cur.summary = s;
        else byId.set(s.id, { summary: s, fix: null, lastSeen: null, battery: null });
      }
      bump({ kind: 'fixes', fixes: [] });
    },
    upsertInfo(info) {
      const cur = byId.get(info.id);
      const next = fromInfo(info);
      if (cur) {
        cur.summary = next.summary;
        cur.fix = newer(cur.fix, next.fix);
        cur.lastSeen = Math.max(cur.lastSeen ?? 0, next.lastSeen ?? 0) || null;
        cur.battery = next.battery ?? cur.battery;
      } else byId.set(info.id, next);
      bump({ kind: 'fixes', fixes: next.fix ? [next.fix] : [] });
    },
    applyFixes(fixes) {
      const applied: Fix[] = [];
      for (const f of fixes) {
        let cur = byId.get(f.tag);
        if (!cur) {
          // The server announces tags before their first fix (ws.ts LiveTagsSchema); if that message was lost
          // or rejected, still show the tag rather than drop its position.
          cur = { summary: unknownSummary(f.tag), fix: null, lastSeen: null, battery: null };
          byId.set(f.tag, cur);
        }
        if (cur.fix && f.t < cur.fix.t) continue;
        cur.fix = f;
        if (cur.lastSeen === null || f.t > cur.lastSeen) cur.lastSeen = f.t;
        applied.push(f);
      }
      if (applied.length > 0) bump({ kind: 'fixes', fixes: applied });
    },
    onFloor(floor) {
      const out: TagView[] = [];
      if (floor === null) return out;
      for (const t of byId.values()) if (t.fix?.floor === floor) out.push(t);
      return out;
    },
    countsByKind(floor) {
      const counts: Record<TagKind, number> = { equipment: 0, consumable: 0, patient: 0, unknown: 0 };
      if (floor === null) return counts;
      for (const t of byId.values()) if (t.fix?.floor === floor) counts[t.summary.kind]++;
      return counts;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
