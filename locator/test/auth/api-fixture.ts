/**
 * The real HTTP app (buildApi) over the real access service (issue #6), for app.inject tests of authentication,
 * roles, patient scope and audit: fixture site, SQLite registry and history, one user per role (auth-fixture.ts),
 * and four tags — an infusion pump, an ICU patient, a maternity patient and a patient band nobody enrolled — each
 * with a fix and some history. The clock is a mutable value the test moves (idle expiry, break-glass end).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Site } from '@rtls/floorplans';
import type { PatientIdentity } from '@rtls/protocol';
import { buildApi } from '../../src/api/build-api.ts';
import { loadLocatorConfig } from '../../src/config.ts';
import { openRegistry, type Registry } from '../../src/registry/sqlite-registry.ts';
import { createLiveState, type LiveState } from '../../src/state/live-state.ts';
import { openSqliteHistoryStore, type SqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';
import { openTestAccess, TEST_ADMIN_PASSWORD, type TestAccess } from '../io/auth-fixture.ts';
import { fixtureSite } from '../io/fixture-site.ts';
import { T0, bleTag, capturingLogger, fakeHealthParts, makeFix, rmDir, tmpDir } from '../io/helpers.ts';

export const PUMP = bleTag(0xa0000000001);
export const ICU_PATIENT = bleTag(0xa0000000002);
export const MAT_PATIENT = bleTag(0xa0000000003);
/** A patient band in the registry with no enrolment (no unit, no identity). */
export const LOOSE_BAND = bleTag(0xa0000000004);

export const ICU_IDENTITY: PatientIdentity = { mrn: 'MRN-ICU-440021', name: 'Orla Quenby-Test', birthDate: '1950-02-03' };
export const MAT_IDENTITY: PatientIdentity = { mrn: 'MRN-MAT-550032', name: 'Baby Pellinore-Test', birthDate: null };

export interface AuthApi {
  app: FastifyInstance;
  t: TestAccess;
  site: Site;
  registry: Registry;
  state: LiveState;
  store: SqliteHistoryStore;
  dataDir: string;
  /** What the app and the access service read as "now"; tests move it. */
  clock: { now: number };
  /** Every log line the app and the access service wrote. */
  logLines: string[];
  close(): Promise<void>;
}

/** `web`: serve a (tiny) built web app too, as production does — its wildcard route sits next to /api. */
export async function openAuthApi(env: Record<string, string> = {}, opts: { web?: boolean } = {}): Promise<AuthApi> {
  const dir = tmpDir('rtls-auth-');
  const webDist = path.join(dir, opts.web ? 'web' : 'no-web');
  if (opts.web) {
    fs.mkdirSync(webDist, { recursive: true });
    fs.writeFileSync(path.join(webDist, 'index.html'), '<!doctype html><title>RTLS</title><div id="app"></div>');
  }
  const dataDir = path.join(dir, 'data');
  const clock = { now: T0 + 60_000 };
  const now = () => clock.now;
  const site = fixtureSite();
  const registry = openRegistry(dataDir, { clock: now });
  registry.syncGatewaysFromSite(site);
  registry.upsertTags([
    { id: PUMP, kind: 'equipment', label: 'Pump 12', category: 'infusion-pump' },
    { id: ICU_PATIENT, kind: 'patient', label: 'Bed 4', category: null },
    { id: MAT_PATIENT, kind: 'patient', label: 'Infant 07', category: 'infant' },
    { id: LOOSE_BAND, kind: 'patient', label: 'Band 99', category: null },
  ]);
  const store = openSqliteHistoryStore(dataDir);
  const state = createLiveState(registry.view());
  const floor = site.floors[0]!.summary.id;
  for (const [i, tag] of [PUMP, ICU_PATIENT, MAT_PATIENT, LOOSE_BAND].entries()) {
    for (const dt of [0, 10_000, 20_000]) {
      const fix = makeFix(tag, T0 + dt, floor, 2 + i + dt / 10_000, 4);
      state.fix(fix);
      store.appendFixes([fix]);
    }
  }
  await store.flush();

  const t = await openTestAccess(dataDir, { clock: now, env });
  // Enrolled before the fixture history: a patient tag's history starts at its enrolment (history-routes.ts).
  clock.now = T0 - 60_000;
  t.opened.patients.enrol({ tag: ICU_PATIENT, unit: 'icu', pseudonym: 'Bed 4', category: null, identity: ICU_IDENTITY }, 'test');
  t.opened.patients.enrol({ tag: MAT_PATIENT, unit: 'maternity', pseudonym: 'Infant 07', category: 'infant', identity: MAT_IDENTITY }, 'test');
  clock.now = T0 + 60_000;

  const log = capturingLogger();
  const config = loadLocatorConfig({
    RTLS_DATA_DIR: dataDir, RTLS_WEB_DIST: webDist, RTLS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ...env,
  });
  const app = buildApi({
    config, site, registry, state, store, stats: () => fakeHealthParts(true), logger: log.logger, clock: now,
    access: t.opened.access, patients: t.opened.patients,
  });
  await app.ready();
  return {
    app, t, site, registry, state, store, dataDir, clock, logLines: log.lines,
    async close() {
      await app.close();
      await store.close();
      t.close();
      registry.close();
      rmDir(dir);
    },
  };
}
