/**
 * The demo's people (issue #6): one user per role, and synthetic patients enrolled on the simulated patient bands.
 * Names are made up from short fixed lists, picked by a seeded generator: repeatable, and plainly not real people.
 * Real deployments create users through the admin page and enrol patients from the admission workflow.
 */
import type { Site } from '@rtls/floorplans';
import type { Role, TagRegistration } from '@rtls/protocol';
import type { LocatorService } from '@rtls/locator';

export interface DemoUser {
  username: string;
  role: Role;
  units: string[];
  displayName: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'security', role: 'security', units: [], displayName: 'Security desk' },
  { username: 'icu-nurse', role: 'clinical', units: ['icu'], displayName: 'ICU nurse' },
  { username: 'maternity-nurse', role: 'clinical', units: ['maternity'], displayName: 'Maternity nurse' },
  { username: 'materials', role: 'materials', units: [], displayName: 'Materials manager' },
  { username: 'biomed', role: 'biomed', units: [], displayName: 'Biomedical engineer' },
];

const GIVEN = ['Ada', 'Bram', 'Cleo', 'Dario', 'Edda', 'Fenna', 'Gus', 'Hedda', 'Ivo', 'Juno', 'Kai', 'Lotte', 'Milo', 'Nell', 'Otto', 'Pia'];
const FAMILY = ['Quillfeather', 'Rowanberry', 'Starling', 'Thornbury', 'Underhill', 'Vantwest', 'Whitlock', 'Yarrowby', 'Zephyrine', 'Ashgrove'];

/** mulberry32: a tiny seeded generator, so the demo's patients are the same on every start with the same seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Creates the role users that do not exist yet; returns them, with the one-time password when none was given. */
export async function ensureDemoUsers(service: LocatorService, password: string | null): Promise<{ username: string; oneTimePassword: string | null }[]> {
  const { users } = service.access.access.deps;
  const created: { username: string; oneTimePassword: string | null }[] = [];
  for (const u of DEMO_USERS) {
    if (users.get(u.username)) continue;
    const r = await users.create({ ...u, password });
    created.push({ username: u.username, oneTimePassword: r.oneTimePassword });
  }
  return created;
}

/** Enrols every simulated patient band not yet enrolled: unit from its home room, a synthetic identity. */
export function enrolDemoPatients(service: LocatorService, site: Site, tags: readonly TagRegistration[], homeOf: (tag: string) => string | null, seed: number): number {
  const patients = service.access.patients;
  const unitOfZoneType = new Map(site.units.flatMap((u) => u.zoneTypes.map((z) => [z, u.id] as const)));
  const next = rng(seed);
  let n = 0;
  for (const t of tags) {
    if (t.kind !== 'patient') continue;
    const given = GIVEN[Math.floor(next() * GIVEN.length)]!;
    const family = FAMILY[Math.floor(next() * FAMILY.length)]!;
    const mrn = `MRN-${String(100000 + Math.floor(next() * 900000))}`;
    if (patients.binding(t.id)) continue;
    const home = homeOf(t.id);
    const zoneType = home ? site.room(home)?.room.properties.zoneType : undefined;
    const unit = (zoneType && unitOfZoneType.get(zoneType)) ?? (t.category === 'infant' ? 'maternity' : 'ward');
    const name = t.category === 'infant' ? `Baby ${family}` : `${given} ${family}`;
    patients.enrol({ tag: t.id, unit, pseudonym: t.label, category: t.category, identity: { mrn, name, birthDate: null } }, 'demo');
    n++;
  }
  return n;
}
