/**
 * Zone events (DESIGN.md §5): the pure difference between what a tag was in and what it is in now. Rooms and zones
 * are both "zones" for events (ZoneEvent.zone is a room or zone id). Exits come before enters, so a consumer
 * replaying events never sees a tag in two rooms at once; exits carry how long the tag was inside.
 */
import type { ZoneEvent } from '@rtls/protocol';

export interface Membership {
  floor: string;
  since: number;
}

export interface Area {
  id: string;
  floor: string;
}

export function diffZones(
  tag: string,
  prev: ReadonlyMap<string, Membership>,
  current: readonly Area[],
  t: number,
): { events: ZoneEvent[]; next: ReadonlyMap<string, Membership> } {
  // Nothing changed is by far the common case (one fix per tag per second): no allocation then.
  if (current.length === prev.size && current.every((a) => prev.get(a.id)?.floor === a.floor)) return { events: [], next: prev };
  const events: ZoneEvent[] = [];
  const next = new Map<string, Membership>();
  const now = new Map(current.map((a) => [a.id, a.floor]));
  for (const [id, m] of prev) {
    const floor = now.get(id);
    if (floor === m.floor) next.set(id, m);
    else events.push({ tag, t, floor: m.floor, zone: id, kind: 'exit', dwellMs: Math.max(0, Math.round(t - m.since)) });
  }
  for (const [id, floor] of now) {
    if (next.has(id)) continue;
    next.set(id, { floor, since: t });
    events.push({ tag, t, floor, zone: id, kind: 'enter' });
  }
  return { events, next };
}
