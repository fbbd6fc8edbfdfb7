/**
 * The composed history answers of issue #5 item 4 — visits, dwell per day, contacts — as pure functions over what
 * every HistoryStore returns (zone events, fixes), so both stores give the same answers by construction.
 */
import type { Contact, DwellRow, Fix, Visit, ZoneEvent } from '@rtls/protocol';

/**
 * A sample stands for the bins after its own for at most this many (a tag's fixes come about once a second but pause
 * when it is still or briefly unheard; holding longer would count contact for a tag that has left).
 */
export const CONTACT_HOLD_BINS = 2;

const DAY_MS = 86_400_000;

/**
 * Stays per (tag, zone) from zone events, oldest first (then tag, zone).
 * `before`: the last event before `fromMs` of each (tag, zone) that was an 'enter' (the tag was inside when the range
 * began): its stay starts at fromMs and is not complete. `events`: the events in [fromMs, toMs], oldest first.
 * An exit pairs with the open enter of its (tag, zone); an exit with none (its enter is older than the data kept)
 * makes a stay from fromMs, not complete. A stay still open at the end runs to min(toMs, nowMs), not complete.
 * A repeated enter while inside continues the stay (the zone engine emits none, but a replayed log could).
 */
export function visitsFromEvents(before: readonly ZoneEvent[], events: readonly ZoneEvent[], fromMs: number, toMs: number, nowMs: number): Visit[] {
  const open = new Map<string, { from: number; floor: string; complete: boolean }>();
  const pairKey = (e: ZoneEvent) => `${e.tag}\u0000${e.zone}`;
  const visits: Visit[] = [];
  const push = (tag: string, zone: string, floor: string, from: number, to: number, complete: boolean) => {
    const end = Math.max(from, to);
    visits.push({ tag, zone, floor, from, to: end, dwellMs: end - from, complete });
  };
  for (const e of before) {
    if (e.kind === 'enter' && e.t < fromMs) open.set(pairKey(e), { from: fromMs, floor: e.floor, complete: false });
  }
  for (const e of events) {
    if (e.t < fromMs || e.t > toMs) continue;
    const k = pairKey(e);
    const stay = open.get(k);
    if (e.kind === 'enter') {
      if (!stay) open.set(k, { from: e.t, floor: e.floor, complete: true });
      continue;
    }
    if (stay) {
      push(e.tag, e.zone, stay.floor, stay.from, e.t, stay.complete);
      open.delete(k);
    } else {
      push(e.tag, e.zone, e.floor, fromMs, e.t, false);
    }
  }
  const end = Math.min(toMs, nowMs);
  for (const [k, stay] of open) {
    const [tag, zone] = k.split('\u0000') as [string, string];
    push(tag, zone, stay.floor, stay.from, end, false);
  }
  return visits.sort((a, b) => a.from - b.from || cmp(a.tag, b.tag) || cmp(a.zone, b.zone) || a.to - b.to);
}

/**
 * Time per (UTC day, zone): each visit is split at UTC midnights; `tags` counts distinct tags with time there that
 * day. Zero-length pieces (a visit ending exactly at midnight) add nothing. Ordered by day, then zone.
 */
export function dwellByDay(visits: readonly Visit[]): DwellRow[] {
  const rows = new Map<string, { day: string; zone: string; floor: string; dwellMs: number; tags: Set<string> }>();
  for (const v of visits) {
    for (let start = v.from; start < v.to;) {
      const dayStart = Math.floor(start / DAY_MS) * DAY_MS;
      const end = Math.min(v.to, dayStart + DAY_MS);
      const day = new Date(dayStart).toISOString().slice(0, 10);
      const k = `${day}\u0000${v.zone}\u0000${v.floor}`;
      let row = rows.get(k);
      if (!row) rows.set(k, (row = { day, zone: v.zone, floor: v.floor, dwellMs: 0, tags: new Set() }));
      row.dwellMs += end - start;
      row.tags.add(v.tag);
      start = end;
    }
  }
  return [...rows.values()]
    .sort((a, b) => cmp(a.day, b.day) || cmp(a.zone, b.zone) || cmp(a.floor, b.floor))
    .map((r) => ({ day: r.day, zone: r.zone, floor: r.floor, dwellMs: r.dwellMs, tags: r.tags.size }));
}

/**
 * Contact tracing (ContactsQuerySchema): both tracks are sampled on epoch-aligned bins of `binMs` — a tag's sample in
 * a bin is its last fix in that bin, or else its last sample of up to CONTACT_HOLD_BINS bins before. A bin is contact
 * when the target and the other tag both have a sample there, on the same floor, at most `radiusM` apart.
 * Per other tag: overlapMs = contact bins × binMs; firstAt = start of the first contact bin, lastAt = end of the last;
 * minDistanceM over contact bins; rooms = the rooms of both samples in contact bins, most bins first (then by id).
 * `floorFixes` may include the target's own fixes (ignored). Ordered by overlap (longest first), firstAt, tag.
 */
export function contactsFrom(
  targetFixes: readonly Fix[], floorFixes: readonly Fix[], radiusM: number, binMs: number, range?: { fromMs: number; toMs: number },
): Omit<Contact, 'kind'>[] {
  if (!(binMs > 0) || targetFixes.length === 0) return [];
  // Held samples must not carry a contact past the queried range (a last fix held two bins beyond its end).
  const firstBin = range ? Math.floor(range.fromMs / binMs) : -Infinity;
  const lastBin = range ? Math.floor(range.toMs / binMs) : Infinity;
  const targetTag = targetFixes[0]!.tag;
  const target = sampleBins(targetFixes, binMs);
  const byTag = new Map<string, Fix[]>();
  for (const f of floorFixes) {
    if (f.tag === targetTag) continue;
    const list = byTag.get(f.tag);
    if (list) list.push(f);
    else byTag.set(f.tag, [f]);
  }
  const r2 = radiusM * radiusM;
  const out: Omit<Contact, 'kind'>[] = [];
  for (const [tag, fixes] of byTag) {
    const other = sampleBins(fixes, binMs);
    let bins = 0;
    let first = Infinity;
    let last = -Infinity;
    let min2 = Infinity;
    const rooms = new Map<string, number>();
    for (const [bin, a] of target) {
      if (bin < firstBin || bin > lastBin) continue;
      const b = other.get(bin);
      if (!b || a.floor !== b.floor) continue;
      const d2 = (a.x - b.x) ** 2 + (a.y - b.y) ** 2;
      if (d2 > r2) continue;
      bins++;
      first = Math.min(first, bin);
      last = Math.max(last, bin);
      min2 = Math.min(min2, d2);
      for (const room of new Set([a.room, b.room])) if (room !== null) rooms.set(room, (rooms.get(room) ?? 0) + 1);
    }
    if (bins === 0) continue;
    out.push({
      tag,
      overlapMs: bins * binMs,
      firstAt: first * binMs,
      lastAt: (last + 1) * binMs,
      minDistanceM: Math.sqrt(min2),
      rooms: [...rooms].sort((p, q) => q[1] - p[1] || cmp(p[0], q[0])).map(([room]) => room),
    });
  }
  return out.sort((a, b) => b.overlapMs - a.overlapMs || a.firstAt - b.firstAt || cmp(a.tag, b.tag));
}

/** bin index → the tag's sample there: its last fix in the bin, else held from up to CONTACT_HOLD_BINS bins before. */
function sampleBins(fixes: readonly Fix[], binMs: number): Map<number, Fix> {
  const last = new Map<number, Fix>();
  for (const f of fixes) {
    const bin = Math.floor(f.t / binMs);
    const held = last.get(bin);
    if (!held || f.t >= held.t) last.set(bin, f);
  }
  const out = new Map(last);
  for (const [bin, f] of last) {
    for (let k = 1; k <= CONTACT_HOLD_BINS && !last.has(bin + k); k++) out.set(bin + k, f);
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
