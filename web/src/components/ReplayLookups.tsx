import { createMemo, type Accessor } from 'solid-js';
import type { TagKind } from '@rtls/protocol';
import type { FloorsSlice } from '../stores/floors.ts';
import { indexZones, type ReplaySlice, type TagLabel, type ZoneEntry } from '../stores/replay.ts';
import type { TagsSlice } from '../stores/tags.ts';

/** Rooms and zones of every loaded plan, keyed "floor\nid", for names and for telling rooms from zones. */
export function createZoneLookup(floors: FloorsSlice): Accessor<ReadonlyMap<string, ZoneEntry>> {
  return createMemo(() => new Map(indexZones(floors.list(), floors.plans()).map((z) => [`${z.floor}\n${z.id}`, z])));
}

/** A room or zone by name, falling back to its id while the plan loads (or when the plan no longer has it). */
export function zoneName(lookup: ReadonlyMap<string, ZoneEntry>, floor: string, zone: string): string {
  return lookup.get(`${floor}\n${zone}`)?.name ?? zone;
}

/**
 * A tag's label and kind as the API gives them (patients are pseudonymous there; identity is issue #6's): from the
 * replay's lookups, else from the live feed, else the id while the lookup is under way.
 */
export function createTagLabel(replay: ReplaySlice, tags: TagsSlice): (id: string, kind?: TagKind) => TagLabel & { known: boolean } {
  return (id, kind) => {
    const r = replay.labels().get(id);
    if (r) return { ...r, known: true };
    tags.version();
    const live = tags.get(id)?.summary;
    if (live && live.registered) return { label: live.label, kind: live.kind, known: true };
    return { label: id, kind: kind ?? 'unknown', known: false };
  };
}
