import { createMemo, type Accessor } from 'solid-js';
import { findPlace } from '../alarm-format.ts';
import type { AlarmFocusData, AlarmOverlay, FloorPoint } from '../map/alarm-overlay.ts';
import type { AlarmsSlice } from '../stores/alarms.ts';
import type { FloorsSlice } from '../stores/floors.ts';
import type { GatewaysSlice } from '../stores/gateways.ts';
import { splitTrail } from '../stores/replay.ts';
import type { TagsSlice } from '../stores/tags.ts';

/**
 * Two fixes of the trail further apart than this are not joined (as in the replay, stores/replay.ts gapMs): the tag
 * was not located in between. The recent trail is fetched at 1 s resolution, so 30 s.
 */
const TRAIL_GAP_MS = 30_000;

/** The alarm slice's focused alarm as the floor map's overlay (map/alarm-overlay.ts), while `active`. */
export function createAlarmOverlay(
  s: { alarms: AlarmsSlice; tags: TagsSlice; gateways: GatewaysSlice; floors: FloorsSlice },
  active: Accessor<boolean>,
): AlarmOverlay {
  const { alarms, tags, gateways, floors } = s;
  const focus = createMemo<AlarmFocusData | null>(() => {
    if (!active()) return null;
    const a = alarms.focusedAlarm();
    if (!a) return null;
    const trail = alarms.trail();
    const fixes = trail.data?.fixes ?? [];
    const paths = splitTrail(fixes, TRAIL_GAP_MS).map((p) => ({ floor: p.floor, points: p.points }));
    const e = a.evidence;
    const firedAt: FloorPoint | null = e.floor !== null && e.x !== null && e.y !== null ? { floor: e.floor, x: e.x, y: e.y } : null;
    const plans = floors.plans();
    const p = findPlace(a.where, e.floor, plans);
    const place = p && p.kind !== 'gateway' ? { floor: p.floor, id: p.id } : null;
    let live: FloorPoint | null = null;
    if (a.state !== 'resolved') {
      if (a.subject.type === 'tag') {
        tags.version();
        const f = tags.get(a.subject.id)?.fix;
        if (f) live = { floor: f.floor, x: f.x, y: f.y };
      } else {
        gateways.version();
        const g = gateways.get(a.subject.id);
        if (g) live = { floor: g.floor, x: g.x, y: g.y };
      }
    }
    const last = fixes[fixes.length - 1];
    const lastFix: FloorPoint | null = last ? { floor: last.floor, x: last.x, y: last.y } : null;
    const centre = a.state === 'resolved' ? (firedAt ?? lastFix) : (live ?? lastFix ?? firedAt);
    return {
      seq: alarms.focusSeq(),
      alarmId: a.id,
      severity: a.severity,
      paths,
      firedAt,
      place,
      centre,
      ready: trail.state !== 'loading' || live !== null,
    };
  });
  return { focus };
}
