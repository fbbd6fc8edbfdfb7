import type { Alarm, AlarmState, Floor, Severity } from '@rtls/protocol';
import { humanise } from './format.ts';

/** Words and places for the alarm console (issue #7 item 5). */

export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = Object.freeze({ critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' });
export const STATE_LABEL: Readonly<Record<AlarmState, string>> = Object.freeze({ open: 'Open', acknowledged: 'Acknowledged', resolved: 'Resolved' });

export type PlaceKind = 'room' | 'zone' | 'door' | 'gateway';
export interface Place {
  floor: string;
  kind: PlaceKind;
  id: string;
  name: string;
}

/**
 * The plan feature an alarm's `where` names (a room or zone, a door, a gateway), searched on the evidence's floor first,
 * then on every loaded plan; null when no loaded plan has it.
 */
export function findPlace(where: string | null, preferFloor: string | null, plans: ReadonlyMap<string, Floor>): Place | null {
  if (where === null) return null;
  const floors = [...plans.values()].sort((a, b) => (a.id === preferFloor ? -1 : b.id === preferFloor ? 1 : 0));
  for (const floor of floors) {
    const names = new Map<string, string>();
    for (const f of floor.plan.features) if (f.properties.kind === 'room' || f.properties.kind === 'zone') names.set(f.properties.id, f.properties.name);
    for (const f of floor.plan.features) {
      const p = f.properties;
      if (p.kind === 'outline' || p.kind === 'wall' || p.id !== where) continue;
      switch (p.kind) {
        case 'room':
        case 'zone':
          return { floor: floor.id, kind: p.kind, id: p.id, name: p.name };
        case 'door': {
          const side = (r: string) => (r === 'outside' ? 'outside' : (names.get(r) ?? r));
          return { floor: floor.id, kind: 'door', id: p.id, name: `${p.exit ? 'Exit door' : 'Door'} ${side(p.connects[0])} ↔ ${side(p.connects[1])}` };
        }
        case 'gateway':
          return { floor: floor.id, kind: 'gateway', id: p.id, name: `Gateway ${p.id}` };
      }
    }
  }
  return null;
}

/** What to call the place: its plan name, else the id made readable; "—" for tag-wide conditions (battery, flags). */
export function placeName(a: Pick<Alarm, 'where' | 'evidence'>, plans: ReadonlyMap<string, Floor>): string {
  if (a.where === null) return '—';
  return findPlace(a.where, a.evidence.floor, plans)?.name ?? humanise(a.where);
}

/** "± 1.8 m", "—". */
export const accuracyText = (m: number | null) => (m === null ? '—' : `± ${m.toFixed(1)} m`);
/** "82 %", "—". */
export const confidenceText = (c: number | null) => (c === null ? '—' : `${Math.round(c * 100)} %`);

/** "zone-enter" → "Zone enter": the rule kind, for people. */
export const ruleKindLabel = (kind: string) => humanise(kind);
