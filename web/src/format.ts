import type { FixMethod, Role, TagKind } from '@rtls/protocol';

/** "3 s ago", "4 min ago", "2 h ago" — coarse on purpose: staff need freshness, not precision. */
export function ago(thenMs: number | null, nowMs: number): string {
  if (thenMs === null) return 'never';
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

export const METHOD_LABEL: Readonly<Record<FixMethod, string>> = Object.freeze({
  'rfid-cabinet': 'RFID cabinet',
  'rfid-portal': 'RFID portal',
  'ble-wls': 'BLE multilateration',
  'ble-centroid': 'BLE centroid',
  'ble-nearest': 'BLE nearest gateway',
});

export const KIND_LABEL: Readonly<Record<TagKind, string>> = Object.freeze({
  equipment: 'Equipment',
  consumable: 'Consumable',
  patient: 'Patient',
  unknown: 'Unregistered',
});

/** "infusion-pump" → "Infusion pump". */
export function humanise(slug: string | null): string {
  if (!slug) return '—';
  const s = slug.replace(/[-_]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function clockTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const ROLE_LABEL: Readonly<Record<Role, string>> = Object.freeze({
  security: 'Security',
  clinical: 'Clinical',
  materials: 'Materials',
  biomed: 'Biomedical engineering',
  admin: 'Administrator',
});

/** "Clinical · icu, maternity": the role with the units a clinical user is scoped to. */
export function roleWithUnits(role: Role, units: readonly string[]): string {
  return units.length > 0 ? `${ROLE_LABEL[role]} · ${units.join(', ')}` : ROLE_LABEL[role];
}

/** "14:05" (break-glass end, issue #6: "Break-glass access until HH:MM"). */
export function hhmm(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
