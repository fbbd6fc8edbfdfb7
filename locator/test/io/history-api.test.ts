/**
 * History routes (issue #5 item 4) through Fastify inject over a real SQLite store with hand-made history: the
 * answers are the hand-derived ones, CSV exports are well-formed, de-identification replaces patients consistently
 * within one export, and bad ranges get coded 400s.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ContactsResponseSchema, DwellResponseSchema, ErrorBodySchema, PositionAtResponseSchema, TagVisitsResponseSchema,
  TrailResponseSchema, ZoneVisitsResponseSchema, type ZoneEvent,
} from '@rtls/protocol';
import { buildApi } from '../../src/api/build-api.ts';
import { loadLocatorConfig } from '../../src/config.ts';
import { openRegistry, type Registry } from '../../src/registry/sqlite-registry.ts';
import { createLiveState } from '../../src/state/live-state.ts';
import { openSqliteHistoryStore, type SqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';
import { fixtureSite } from './fixture-site.ts';
import { T0, bleTag, capturingLogger, fakeHealthParts, makeFix, rmDir, tmpDir } from './helpers.ts';
import { openTestAccess, type TestAccess, type TestUser } from './auth-fixture.ts';

const NURSE = bleTag(0x5e0001);
const PATIENT = bleTag(0x5e0002);
const PATIENT2 = bleTag(0x5e0003);
const PUMP = bleTag(0x5e0004);
let dir: string;
let registry: Registry;
let store: SqliteHistoryStore;
let app: FastifyInstance;
let auth: TestAccess;
const log = capturingLogger();

const ev = (tag: string, t: number, zone: string, kind: 'enter' | 'exit', dwellMs?: number): ZoneEvent =>
  ({ tag, t, floor: 'L0', zone, kind, ...(dwellMs !== undefined ? { dwellMs } : {}) });

beforeAll(async () => {
  dir = tmpDir();
  registry = openRegistry(path.join(dir, 'data'));
  registry.syncGatewaysFromSite(fixtureSite());
  registry.upsertTags([
    { id: PATIENT, kind: 'patient', label: 'Patient 031', category: null },
    { id: PATIENT2, kind: 'patient', label: 'Patient 032', category: null },
    { id: PUMP, kind: 'equipment', label: 'Pump 12', category: 'infusion-pump' },
  ]);
  store = openSqliteHistoryStore(path.join(dir, 'data'));
  // 10 minutes at 1 fix per 10 s: the nurse walks along y = 4 from x = 0 to x = 30; the patient stays at x = 10,
  // so they are within 2 m while the nurse is in x ∈ [8, 12]; the pump is parked at x = 30.
  for (let i = 0; i <= 60; i++) {
    const t = T0 + i * 10_000;
    store.appendFixes([
      makeFix(NURSE, t, 'L0', i * 0.5, 4),
      makeFix(PATIENT, t, 'L0', 10, 4, { room: 'L0-ward' }),
      makeFix(PATIENT2, t, 'L0', 10.5, 4.5, { room: 'L0-ward' }),
      makeFix(PUMP, t, 'L0', 30, 4, { room: 'L0-store' }),
    ]);
  }
  // The pump entered the store before the range, stays; the nurse passes ward → store.
  store.appendZoneEvents([
    ev(PUMP, T0 - 3_600_000, 'L0-store', 'enter'),
    ev(NURSE, T0, 'L0-ward', 'enter'), ev(NURSE, T0 + 400_000, 'L0-ward', 'exit', 400_000), ev(NURSE, T0 + 400_000, 'L0-store', 'enter'),
  ]);
  await store.flush();
  const state = createLiveState(registry.view(), await store.lastFixes());
  // Patients are enrolled before the fixture history (a patient tag's history starts at its enrolment).
  auth = await openTestAccess(path.join(dir, 'data'), { clock: () => T0 - 3_600_000 });
  // The two patients are on different units: each unit's nurse sees only their own (issue #6).
  auth.opened.patients.enrol({ tag: PATIENT, unit: 'icu', pseudonym: 'Patient 031', category: null, identity: { mrn: 'MRN-H-31', name: 'Hal Testpatient', birthDate: null } }, 'test');
  auth.opened.patients.enrol({ tag: PATIENT2, unit: 'maternity', pseudonym: 'Patient 032', category: null, identity: { mrn: 'MRN-H-32', name: 'Mia Testpatient', birthDate: null } }, 'test');
  app = buildApi({
    site: fixtureSite(), registry, state, store, stats: () => fakeHealthParts(true), logger: log.logger, clock: () => T0 + 600_000,
    config: loadLocatorConfig({ RTLS_DATA_DIR: path.join(dir, 'data'), RTLS_WEB_DIST: path.join(dir, 'nope') }),
    access: auth.opened.access, patients: auth.opened.patients,
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  registry?.close();
  auth?.close();
  rmDir(dir);
});

/** As admin: every patient, pseudonymous; history:view (issue #6). */
const get = (url: string) => auth.inject(app, 'admin', url);
const getAs = (user: TestUser, url: string) => auth.inject(app, user, url);
const range = `from=${T0}&to=${T0 + 600_000}`;

describe('history API', () => {
  it('trail at a resolution, and position at a time', async () => {
    const all = TrailResponseSchema.parse((await get(`/api/tags/${NURSE}/trail?${range}`)).json());
    expect(all.fixes).toHaveLength(61);
    const coarse = TrailResponseSchema.parse((await get(`/api/tags/${NURSE}/trail?${range}&resolutionMs=60000`)).json());
    expect(coarse.fixes.length).toBe(11); // 10 full minutes + the fix at T0 + 600 s in its own bucket
    const at = PositionAtResponseSchema.parse((await get(`/api/tags/${NURSE}/at?t=${T0 + 125_000}`)).json());
    expect(at.fix).toMatchObject({ t: T0 + 120_000, x: 6 });
    expect(PositionAtResponseSchema.parse((await get(`/api/tags/${NURSE}/at?t=${T0 - 1}`)).json()).fix).toBeNull();
  });

  it('visits of a tag and of a zone, including a stay that began before the range', async () => {
    const v = TagVisitsResponseSchema.parse((await get(`/api/tags/${NURSE}/visits?${range}`)).json());
    expect(v.visits.map((x) => [x.zone, x.dwellMs, x.complete])).toEqual([['L0-ward', 400_000, true], ['L0-store', 200_000, false]]);
    const z = ZoneVisitsResponseSchema.parse((await get(`/api/zones/L0-store/visits?${range}`)).json());
    expect(z.visits.map((x) => [x.tag, x.from, x.dwellMs]).sort()).toEqual([[NURSE, T0 + 400_000, 200_000], [PUMP, T0, 600_000]].sort());
    expect((await get(`/api/zones/nope/visits?${range}`)).statusCode).toBe(404);
  });

  it('contacts within 2 m, with overlap and closest distance', async () => {
    const raw = await get(`/api/tags/${PATIENT}/contacts?${range}&radiusM=2&binMs=10000`);
    expect(raw.statusCode, log.lines.filter((l) => l.includes('"level":50')).join('\n').slice(0, 1500)).toBe(200);
    const c = ContactsResponseSchema.parse(raw.json());
    const nurse = c.contacts.find((x) => x.tag === NURSE)!;
    // Nurse at x = 0.5·i is within 2 m of x = 10 for i = 16..24: 9 bins of 10 s.
    expect(nurse.overlapMs).toBe(90_000);
    expect(nurse.minDistanceM).toBe(0);
    expect(nurse.kind).toBe('unknown'); // a staff badge not enrolled: seen, not registered
    expect(c.contacts.find((x) => x.tag === PATIENT2)!.overlapMs).toBe(610_000);
    expect(c.contacts.some((x) => x.tag === PUMP)).toBe(false);
  });

  it('dwell per day for a category', async () => {
    const d = DwellResponseSchema.parse((await get(`/api/dwell?category=infusion-pump&${range}`)).json());
    expect(d.rows).toEqual([{ day: new Date(T0).toISOString().slice(0, 10), zone: 'L0-store', floor: 'L0', dwellMs: 600_000, tags: 1 }]);
    const bad = await get(`/api/dwell?${range}`);
    expect(bad.statusCode).toBe(400);
    expect(ErrorBodySchema.parse(bad.json()).code).toBe('RTLS_ERR_VALIDATION');
  });

  it('CSV export; de-identified patients get per-export pseudonyms', async () => {
    const res = await get(`/api/tags/${PATIENT}/contacts?${range}&format=csv&deidentify=true`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe('index_tag,contact_tag,kind,overlap_ms,first,last,min_distance_m,rooms');
    expect(res.body).not.toContain(PATIENT);
    expect(res.body).not.toContain(PATIENT2);
    expect(lines[1]!.startsWith('patient-0001,')).toBe(true); // the index patient is numbered first
    expect(res.body).toContain('patient-0002');
    expect(res.body).toContain(NURSE); // not a patient: not pseudonymised
    const plain = await get(`/api/tags/${PATIENT}/trail?${range}&format=csv`);
    expect(plain.body.split('\r\n')[1]!.startsWith(`${PATIENT},`)).toBe(true);
    expect((await get(`/api/tags/${PATIENT}/trail?${range}&format=xml`)).statusCode).toBe(400);
    // The de-identified export is still audited as an export naming both patients it held (issue #6 item 4).
    const exported = auth.opened.access.deps.audit.query({ actor: 'admin', action: 'export', patient: PATIENT2 });
    expect(exported.some((r) => r.object === `tag:${PATIENT}` && r.patients.includes(PATIENT))).toBe(true);
  });

  it('a clinician sees only the patients of their unit in history: others are left out of contacts, or not found', async () => {
    const c = ContactsResponseSchema.parse((await getAs('icu-nurse', `/api/tags/${PATIENT}/contacts?${range}&radiusM=2&binMs=10000`)).json());
    expect(c.contacts.map((x) => x.tag)).toContain(NURSE);
    expect(c.contacts.map((x) => x.tag)).not.toContain(PATIENT2);
    const other = await getAs('maternity-nurse', `/api/tags/${PATIENT}/trail?${range}`);
    expect(other.statusCode).toBe(404);
    expect(ErrorBodySchema.parse(other.json()).code).toBe('RTLS_ERR_TAG_NOT_FOUND');
    expect(TrailResponseSchema.parse((await getAs('maternity-nurse', `/api/tags/${PATIENT2}/trail?${range}`)).json()).fixes).toHaveLength(61);
  });

  it('refuses reversed or over-long ranges with coded errors', async () => {
    for (const url of [`/api/tags/${NURSE}/visits?from=${T0 + 1}&to=${T0}`, `/api/tags/${NURSE}/contacts?from=0&to=${T0}`]) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(400);
      expect(ErrorBodySchema.parse(r.json()).code).toBe('RTLS_ERR_VALIDATION');
    }
    expect(ErrorBodySchema.parse((await get(`/api/tags/ble:000000000000/trail`)).json()).code).toBe('RTLS_ERR_TAG_NOT_FOUND');
  });
});
