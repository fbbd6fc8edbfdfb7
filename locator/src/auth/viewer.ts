/**
 * Who is looking, and what they may see (issue #6 items 2–3). Pure: the auth guard builds a Viewer per request (and
 * per live WebSocket) from the stored user and the session; routes and the live hub ask it, so the rules are stated
 * once. Object-level scope: a clinical user sees only the patients of their units; patients with identity are shown
 * as their pseudonym to roles without it; equipment and consumables are visible to every role with `map:view`.
 */
import {
  PATIENT_SCOPE, ROLE_PERMISSIONS,
  type Permission, type PatientIdentity, type PatientScope, type Role, type SessionUser, type TagSummary,
} from '@rtls/protocol';

export interface Viewer {
  readonly username: string;
  readonly role: Role;
  readonly units: readonly string[];
  readonly permissions: ReadonlySet<Permission>;
  /** Effective scope: break-glass lifts it to identity-all. */
  readonly patientScope: PatientScope;
  readonly breakGlass: { until: number; reason: string } | null;
  readonly source: string | null;
}

/** What the viewer needs to know about a patient tag: its binding (unit) and, if allowed, its identity. */
export interface PatientLookup {
  binding(tag: string): { unit: string } | undefined;
  identity(tag: string): PatientIdentity | undefined;
}

export function makeViewer(u: { username: string; role: Role; units: readonly string[] }, breakGlass: { until: number; reason: string } | null, now: number, source: string | null): Viewer {
  const glass = breakGlass && breakGlass.until > now ? breakGlass : null;
  return {
    username: u.username, role: u.role, units: u.units, permissions: new Set(ROLE_PERMISSIONS[u.role]),
    patientScope: glass ? 'identity-all' : PATIENT_SCOPE[u.role], breakGlass: glass, source,
  };
}

export function sessionUser(v: Viewer, mustChangePassword: boolean, displayName: string): SessionUser {
  return {
    username: v.username, displayName, role: v.role, units: [...v.units], permissions: [...v.permissions],
    patientScope: v.patientScope, breakGlass: v.breakGlass, mustChangePassword,
  };
}

export function can(v: Viewer, p: Permission): boolean {
  return v.permissions.has(p);
}

/**
 * May the viewer see this tag at all? Only patient tags bound to a unit outside a clinical user's units are hidden.
 * A patient band not (yet) enrolled has no unit and no identity: it shows as its pseudonymous label to everyone.
 */
export function seesTag(v: Viewer, kind: TagSummary['kind'], unit: string | undefined): boolean {
  if (kind !== 'patient' || unit === undefined) return true;
  return v.patientScope !== 'identity-units' || v.units.includes(unit);
}

export function seesIdentity(v: Viewer, unit: string | undefined): boolean {
  if (unit === undefined) return false;
  if (v.patientScope === 'identity-all') return true;
  return v.patientScope === 'identity-units' && v.units.includes(unit);
}

/**
 * A tag summary (or TagInfo) as this viewer may see it, or null when hidden. The label of a patient tag is already
 * its pseudonym (the registry never holds names); identity is added only where the scope allows.
 */
export function projectTag<T extends TagSummary>(v: Viewer, t: T, patients: PatientLookup): T | null {
  if (t.kind !== 'patient') return t;
  const binding = patients.binding(t.id);
  if (!seesTag(v, t.kind, binding?.unit)) return null;
  if (!binding) return t;
  const identity = seesIdentity(v, binding.unit) ? patients.identity(t.id) ?? null : null;
  return { ...t, patient: { unit: binding.unit, identity } };
}
