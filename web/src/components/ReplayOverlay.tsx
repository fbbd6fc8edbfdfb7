import { createMemo, type Accessor } from 'solid-js';
import type { TagKind } from '@rtls/protocol';
import type { ReplayMarkerData, ReplayOverlay, ReplayPathData, ReplayRoomData } from '../map/replay-overlay.ts';
import type { FloorsSlice } from '../stores/floors.ts';
import { dwellByZone, formatDwell, type ReplaySlice } from '../stores/replay.ts';
import { createZoneLookup } from './ReplayLookups.tsx';

const roomsKey = (rs: readonly ReplayRoomData[]) => rs.map((r) => `${r.floor}\n${r.zone}\n${r.text}\n${r.current}`).join('\n');

/**
 * The replay slice as the floor map's overlay (map/replay-overlay.ts): the trail, the marker at the slider time and
 * the rooms passed through with their total time, or in zone mode the zone itself with its tag count. Memos with
 * value equality, so scrubbing redraws the marker every frame but the rooms only when the current one changes.
 */
export function createReplayOverlay(slice: ReplaySlice, floors: FloorsSlice, active: Accessor<boolean>): ReplayOverlay {
  const zones = createZoneLookup(floors);
  const paths = createMemo<readonly ReplayPathData[]>(() => slice.trail().data?.paths ?? []);

  const marker = createMemo<ReplayMarkerData | null>(() => {
    const pos = slice.position();
    if (!pos) return null;
    const info = slice.tagInfo().data;
    const kind: TagKind = info?.kind ?? 'unknown';
    return { floor: pos.floor, x: pos.x, y: pos.y, kind, label: info?.label ?? slice.params()?.tag ?? '', stale: pos.stale };
  });

  const rooms = createMemo<readonly ReplayRoomData[]>(() => {
    const p = slice.params();
    if (!p) return [];
    const lookup = zones();
    if (p.tag !== null) {
      const v = slice.visits().data?.visits ?? [];
      const current = new Set(slice.activeVisits().map((i) => `${v[i]!.floor}\n${v[i]!.zone}`));
      // Rooms only: zones are geofences over rooms, and two outlines with two labels on one spot read as noise.
      return dwellByZone(v)
        .filter((d) => lookup.get(`${d.floor}\n${d.zone}`)?.kind !== 'zone')
        .map((d) => {
          const key = `${d.floor}\n${d.zone}`;
          const name = lookup.get(key)?.name ?? d.zone;
          return { floor: d.floor, zone: d.zone, text: `${name} · ${formatDwell(d.dwellMs)}`, current: current.has(key) };
        });
    }
    if (p.zone !== null) {
      const z = [...lookup.values()].find((e) => e.id === p.zone);
      if (!z) return [];
      const data = slice.zoneVisits().data;
      const n = data ? new Set(data.visits.map((v) => v.tag)).size : null;
      return [{ floor: z.floor, zone: z.id, text: n === null ? z.name : `${z.name} · ${n} tag${n === 1 ? '' : 's'}`, current: true }];
    }
    return [];
  }, [], { equals: (a, b) => roomsKey(a) === roomsKey(b) });

  const fitSeq = createMemo(() => slice.loadSeq());
  return { active, paths, marker, rooms, fitSeq };
}
