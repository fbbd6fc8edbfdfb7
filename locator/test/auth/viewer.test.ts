/**
 * Who sees what (issue #6 items 2–3): projectTag for every role, clinical unit scope, break-glass lifting the scope
 * while it lasts, and the permission set each role gets.
 */
import { describe, expect, it } from 'vitest';
import { PATIENT_SCOPE, ROLE_PERMISSIONS, RoleSchema, type PatientIdentity, type Role, type TagSummary } from '@rtls/protocol';
import { can, makeViewer, projectTag, seesIdentity, seesTag, type PatientLookup } from '../../src/auth/viewer.ts';

const NOW = 1_760_000_000_000;
const EQUIPMENT: TagSummary = { id: 'ble:0000000000E1', kind: 'equipment', label: 'Pump 3', registered: true, category: 'infusion-pump' };
const ICU: TagSummary = { id: 'ble:0000000000P1', kind: 'patient', label: 'Bed 4', registered: true, category: null };
const MAT: TagSummary = { id: 'ble:0000000000P2', kind: 'patient', label: 'Infant 07', registered: true, category: 'infant' };
const LOOSE: TagSummary = { id: 'ble:0000000000P3', kind: 'patient', label: 'Band 9', registered: true, category: null };
const ids: Record<string, PatientIdentity> = {
  [ICU.id]: { mrn: 'M-1', name: 'Icu Person', birthDate: null },
  [MAT.id]: { mrn: 'M-2', name: 'Baby Person', birthDate: null },
};
const units: Record<string, string> = { [ICU.id]: 'icu', [MAT.id]: 'maternity' };
const lookup: PatientLookup = {
  binding: (tag) => (units[tag] ? { unit: units[tag] } : undefined),
  identity: (tag) => ids[tag],
};

const USERS: Record<string, { username: string; role: Role; units: string[] }> = {
  security: { username: 'sec', role: 'security', units: [] },
  icuNurse: { username: 'icu', role: 'clinical', units: ['icu'] },
  bothNurse: { username: 'both', role: 'clinical', units: ['icu', 'maternity'] },
  noUnitNurse: { username: 'none', role: 'clinical', units: [] },
  materials: { username: 'mat', role: 'materials', units: [] },
  biomed: { username: 'bio', role: 'biomed', units: [] },
  // Units on a non-clinical role give no identity: the scope is the role's.
  admin: { username: 'adm', role: 'admin', units: ['icu'] },
};

type Seen = 'hidden' | 'identity' | 'pseudonym';
function seen(user: keyof typeof USERS, tag: TagSummary, glass: { until: number; reason: string } | null = null): Seen | 'plain' {
  const v = makeViewer(USERS[user]!, glass, NOW, '10.0.0.1');
  const p = projectTag(v, tag, lookup);
  if (p === null) return 'hidden';
  if (p.kind !== 'patient' || !('patient' in p)) return 'plain';
  const patient = (p as TagSummary & { patient: { unit: string; identity: PatientIdentity | null } }).patient;
  expect(patient.unit).toBe(units[tag.id]);
  if (patient.identity) {
    expect(patient.identity).toEqual(ids[tag.id]);
    return 'identity';
  }
  return 'pseudonym';
}

describe('projectTag per role', () => {
  it('equipment is shown as is to everyone; an unenrolled patient band as its label only', () => {
    for (const u of Object.keys(USERS)) {
      expect(projectTag(makeViewer(USERS[u]!, null, NOW, null), EQUIPMENT, lookup)).toEqual(EQUIPMENT);
      expect(seen(u, LOOSE)).toBe('plain');
    }
  });

  it.each([
    ['security', 'identity', 'identity'],
    ['icuNurse', 'identity', 'hidden'],
    ['bothNurse', 'identity', 'identity'],
    ['noUnitNurse', 'hidden', 'hidden'],
    ['materials', 'pseudonym', 'pseudonym'],
    ['biomed', 'pseudonym', 'pseudonym'],
    ['admin', 'pseudonym', 'pseudonym'],
  ] as const)('%s: ICU patient → %s, maternity patient → %s', (user, icu, mat) => {
    expect(seen(user, ICU)).toBe(icu);
    expect(seen(user, MAT)).toBe(mat);
  });

  it('the label stays the pseudonym whatever the role (the registry never holds a name)', () => {
    for (const u of Object.keys(USERS)) {
      const p = projectTag(makeViewer(USERS[u]!, null, NOW, null), ICU, lookup);
      if (p) expect(p.label).toBe('Bed 4');
    }
  });

  it('break-glass lifts every role to identity-all while it lasts, and not a moment longer', () => {
    const glass = { until: NOW + 60_000, reason: 'infant abduction alarm, checking nursery' };
    for (const u of Object.keys(USERS)) {
      expect(seen(u, ICU, glass)).toBe('identity');
      expect(seen(u, MAT, glass)).toBe('identity');
      const v = makeViewer(USERS[u]!, glass, NOW, null);
      expect(v.patientScope).toBe('identity-all');
      expect(v.breakGlass).toEqual(glass);
    }
    const over = { until: NOW, reason: 'expired glass' };
    expect(seen('icuNurse', MAT, over)).toBe('hidden');
    expect(seen('materials', ICU, over)).toBe('pseudonym');
    expect(makeViewer(USERS.materials!, over, NOW, null).breakGlass).toBeNull();
  });
});

describe('viewer rules', () => {
  it('permissions and scope follow ROLE_PERMISSIONS and PATIENT_SCOPE for every role', () => {
    for (const role of RoleSchema.options) {
      const v = makeViewer({ username: 'x', role, units: [] }, null, NOW, null);
      expect([...v.permissions].sort()).toEqual([...ROLE_PERMISSIONS[role]].sort());
      expect(v.patientScope).toBe(PATIENT_SCOPE[role]);
      for (const p of ROLE_PERMISSIONS[role]) expect(can(v, p)).toBe(true);
    }
    expect(can(makeViewer(USERS.biomed!, null, NOW, null), 'users:manage')).toBe(false);
    expect(can(makeViewer(USERS.security!, null, NOW, null), 'registry:write')).toBe(false);
  });

  it('seesTag / seesIdentity: no unit → no identity for anyone; clinical only within their units', () => {
    const sec = makeViewer(USERS.security!, null, NOW, null);
    const icu = makeViewer(USERS.icuNurse!, null, NOW, null);
    expect(seesIdentity(sec, undefined)).toBe(false);
    expect(seesIdentity(sec, 'anything')).toBe(true);
    expect(seesIdentity(icu, 'icu')).toBe(true);
    expect(seesIdentity(icu, 'maternity')).toBe(false);
    expect(seesTag(icu, 'patient', 'maternity')).toBe(false);
    expect(seesTag(icu, 'patient', undefined)).toBe(true);
    expect(seesTag(icu, 'equipment', 'maternity')).toBe(true);
  });
});
