import type { Severity, TagKind, ZoneType } from '@rtls/protocol';

/**
 * Room shading by zone type. Zone types are grouped into a few families with soft, distinct fills so the plan
 * reads at a glance without competing with the tag markers drawn on top; the key shows the families present.
 */
export interface ZoneFamily {
  id: string;
  label: string;
  fill: string;
  stroke: string;
}

const F = {
  patient: { id: 'patient', label: 'Patient rooms', fill: '#dbe8f5', stroke: '#8aa6c4' },
  critical: { id: 'critical', label: 'ICU / emergency', fill: '#f5dcdc', stroke: '#c49191' },
  surgical: { id: 'surgical', label: 'OR / delivery', fill: '#d3ece7', stroke: '#7fb0a5' },
  nursery: { id: 'nursery', label: 'Nursery / maternity', fill: '#f8edc6', stroke: '#c9b26a' },
  storage: { id: 'storage', label: 'Storage / pharmacy', fill: '#ebe3d3', stroke: '#b3a17e' },
  utility: { id: 'utility', label: 'Utility / workshop', fill: '#e4e0f1', stroke: '#9e95c4' },
  staff: { id: 'staff', label: 'Staff / offices', fill: '#e1eedb', stroke: '#93b383' },
  circulation: { id: 'circulation', label: 'Corridor / waiting', fill: '#f4f5f7', stroke: '#c3c8cf' },
  vertical: { id: 'vertical', label: 'Stairs / lift', fill: '#d6dae0', stroke: '#8c949e' },
  exit: { id: 'exit', label: 'Exit / entrance', fill: '#d9efdf', stroke: '#3c8b56' },
  restricted: { id: 'restricted', label: 'Restricted', fill: '#ecd9e6', stroke: '#a87898' },
  other: { id: 'other', label: 'Other', fill: '#eeeeee', stroke: '#b0b0b0' },
} as const satisfies Record<string, ZoneFamily>;

export const ZONE_FAMILY: Readonly<Record<ZoneType, ZoneFamily>> = Object.freeze({
  'patient-room': F.patient,
  'maternity-room': F.nursery,
  'nursery': F.nursery,
  'icu-bay': F.critical,
  'emergency': F.critical,
  'operating-room': F.surgical,
  'delivery-room': F.surgical,
  'sterile-store': F.storage,
  'equipment-storage': F.storage,
  'pharmacy': F.storage,
  'receiving-dock': F.storage,
  'clean-utility': F.utility,
  'soiled-utility': F.utility,
  'biomed-workshop': F.utility,
  'nurse-station': F.staff,
  'office': F.staff,
  'corridor': F.circulation,
  'waiting': F.circulation,
  'entrance': F.exit,
  'exit': F.exit,
  'stairs': F.vertical,
  'elevator': F.vertical,
  'restricted': F.restricted,
  'other': F.other,
});

/** Families present on a floor, in palette order, for the colour key. */
export function familiesFor(types: Iterable<ZoneType>): ZoneFamily[] {
  const seen = new Set<string>();
  for (const t of types) seen.add(ZONE_FAMILY[t].id);
  return Object.values(F).filter((f) => seen.has(f.id));
}

/**
 * Tag marker styles. Shape and colour both differ per kind so the legend works for colour-blind staff too.
 * The map's canvas layer and the legend swatches both read this table.
 */
export interface KindStyle {
  label: string;
  shape: 'circle' | 'square' | 'diamond' | 'ring';
  fill: string;
  stroke: string;
  /** Marker radius, CSS px. */
  r: number;
}

export const KIND_STYLE: Readonly<Record<TagKind, KindStyle>> = Object.freeze({
  equipment: { label: 'Equipment', shape: 'circle', fill: '#1d64c8', stroke: '#ffffff', r: 5 },
  consumable: { label: 'Consumables', shape: 'square', fill: '#c46f00', stroke: '#ffffff', r: 4 },
  patient: { label: 'Patients', shape: 'diamond', fill: '#a21caf', stroke: '#ffffff', r: 6 },
  unknown: { label: 'Unregistered', shape: 'ring', fill: '#ffffff', stroke: '#5f6b7a', r: 4 },
});

export const SELECTED_COLOUR = '#0f766e';
/**
 * Alarm severities (issue #7 item 5), as the console's stripes and the map's alarm trail draw them: red, orange, amber
 * and blue, each also named in words beside it, so colour is never the only cue.
 */
export const SEVERITY_COLOUR: Readonly<Record<Severity, string>> = Object.freeze({
  critical: '#b42318', high: '#c2410c', medium: '#a16207', low: '#2563eb',
});
export const MONITORED_ZONE_COLOUR = '#c62828';

/** Marker size factor by zoom: 0.65 when the whole hospital is in view, 1.1 when zoomed into a ward. */
export function markerScale(zoom: number): number {
  return Math.min(1.1, Math.max(0.65, 0.65 + 0.15 * (zoom - 1)));
}
