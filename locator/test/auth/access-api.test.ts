/**
 * What each role may do and see over HTTP (issue #6 items 2–4), through buildApi with app.inject: role permissions,
 * a clinician's unit scope on every patient route, break-glass, audit-or-refuse, the unusual-access alarm and the
 * audit chain (API verify and the `rtls audit verify` CLI) after many accesses and a tamper.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditListResponseSchema, AuditVerifyResponseSchema, ErrorBodySchema, PatientSchema, SecurityAlarmListResponseSchema,
  SessionResponseSchema, TagInfoSchema, TagListResponseSchema,
} from '@rtls/protocol';
import { AUDIT_DB_FILE } from '../../src/audit/audit-log.ts';
import type { TestUser } from '../io/auth-fixture.ts';
import { T0 } from '../io/helpers.ts';
import { ICU_IDENTITY, ICU_PATIENT, LOOSE_BAND, MAT_IDENTITY, MAT_PATIENT, PUMP, openAuthApi, type AuthApi } from './api-fixture.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const enc = encodeURIComponent;
const RANGE = `from=${T0 - 60_000}&to=${T0 + 60_000}`;

function errorOf(res: { statusCode: number; json: () => unknown }) {
  return { status: res.statusCode, ...ErrorBodySchema.parse(res.json()) };
}

describe('roles and object-level scope', () => {
  let api: AuthApi;
  beforeAll(async () => {
    api = await openAuthApi();
  });
  afterAll(async () => {
    await api?.close();
  });
  const get = (user: TestUser, url: string) => api.app.inject({ url, headers: api.t.as(user) });

  it('users:manage, audit:view, security-alarms:view and registry:write are refused (403) to roles without them', async () => {
    const cases: [string, string, TestUser[], object?][] = [
      ['GET', '/api/users', ['admin']],
      // Bodies that fail validation: the permission check comes first (403), an allowed caller gets 400, nothing changes.
      ['POST', '/api/users', ['admin'], {}],
      // Users that do not exist: the admin's call passes the guard and ends in 404, changing nobody.
      ['PATCH', '/api/users/no-such-user', ['admin'], { displayName: 'Nobody' }],
      ['POST', '/api/users/no-such-user/password-reset', ['admin']],
      ['GET', '/api/audit', ['admin', 'security']],
      ['GET', '/api/audit/verify', ['admin', 'security']],
      ['GET', '/api/security/alarms', ['admin', 'security']],
      ['PUT', '/api/calibration/path-loss', ['admin'], { txPowerDbm: -59, exponent: 2.2 }],
      ['POST', '/api/patients', ['admin', 'security', 'icu-nurse', 'maternity-nurse'], {}],
    ];
    for (const [method, url, allowed, payload] of cases) {
      for (const user of ['admin', 'security', 'icu-nurse', 'maternity-nurse', 'materials', 'biomed'] as TestUser[]) {
        if (allowed.includes(user)) continue;
        const r = await api.app.inject({ method: method as 'GET', url, headers: api.t.as(user), ...(payload ? { payload } : {}) });
        expect(errorOf(r), `${user} ${method} ${url}`).toMatchObject({ status: 403, code: 'RTLS_ERR_FORBIDDEN' });
      }
      for (const user of allowed) {
        const r = await api.app.inject({ method: method as 'GET', url, headers: api.t.as(user), ...(payload ? { payload } : {}) });
        expect([401, 403], `${user} ${method} ${url}: ${r.body}`).not.toContain(r.statusCode);
      }
    }
  });

  it('roles without identity scope see patient tags by pseudonym only and cannot read /api/patients', async () => {
    for (const user of ['admin', 'materials', 'biomed'] as TestUser[]) {
      const list = TagListResponseSchema.parse((await get(user, '/api/tags')).json());
      expect(list.tags.map((t) => t.id).sort()).toEqual([PUMP, ICU_PATIENT, MAT_PATIENT, LOOSE_BAND].sort());
      const body = JSON.stringify(list);
      for (const secret of [ICU_IDENTITY.name, ICU_IDENTITY.mrn, MAT_IDENTITY.name, MAT_IDENTITY.mrn]) expect(body).not.toContain(secret);
      expect(errorOf(await get(user, `/api/patients/${enc(ICU_PATIENT)}`))).toMatchObject({ status: 403, code: 'RTLS_ERR_FORBIDDEN' });
      expect(errorOf(await get(user, '/api/patients?q=quenby'))).toMatchObject({ status: 403 });
    }
  });

  it('an ICU nurse cannot see a maternity patient anywhere — tag, trail, visits, contacts, at, dwell, patient — and can see their own', async () => {
    const theirs = [
      `/api/tags/${enc(MAT_PATIENT)}`, `/api/tags/${enc(MAT_PATIENT)}/trail?${RANGE}`, `/api/tags/${enc(MAT_PATIENT)}/trail?${RANGE}&format=csv`,
      `/api/tags/${enc(MAT_PATIENT)}/visits?${RANGE}`, `/api/tags/${enc(MAT_PATIENT)}/contacts?${RANGE}`,
      `/api/tags/${enc(MAT_PATIENT)}/at?t=${T0 + 20_000}`, `/api/dwell?tag=${enc(MAT_PATIENT)}&${RANGE}`,
    ];
    for (const url of theirs) expect(errorOf(await get('icu-nurse', url)), url).toMatchObject({ status: 404, code: 'RTLS_ERR_TAG_NOT_FOUND' });
    // Same answer as a tag that does not exist at all (no existence oracle).
    const none = await get('icu-nurse', `/api/tags/${enc('ble:0FFFFFFFFFFF')}`);
    expect(errorOf(none)).toMatchObject({ status: 404, code: 'RTLS_ERR_TAG_NOT_FOUND' });
    expect(errorOf(await get('icu-nurse', `/api/patients/${enc(MAT_PATIENT)}`))).toMatchObject({ status: 404, code: 'RTLS_ERR_PATIENT_NOT_FOUND' });
    const search = await get('icu-nurse', '/api/patients?q=pellinore');
    expect(search.statusCode).toBe(200);
    expect(search.json()).toEqual({ patients: [] });
    const list = TagListResponseSchema.parse((await get('icu-nurse', '/api/tags')).json());
    expect(list.tags.map((t) => t.id)).not.toContain(MAT_PATIENT);
    expect(list.total).toBe(3);
    expect(JSON.stringify(list)).not.toContain(MAT_IDENTITY.name);

    // Their own unit's patient: with identity, everywhere.
    const own = TagInfoSchema.parse((await get('icu-nurse', `/api/tags/${enc(ICU_PATIENT)}`)).json());
    expect(own.patient).toEqual({ unit: 'icu', identity: ICU_IDENTITY });
    expect(PatientSchema.parse((await get('icu-nurse', `/api/patients/${enc(ICU_PATIENT)}`)).json()).identity).toEqual(ICU_IDENTITY);
    expect((await get('icu-nurse', `/api/tags/${enc(ICU_PATIENT)}/trail?${RANGE}`)).json().fixes).toHaveLength(3);
    expect((await get('icu-nurse', '/api/patients?q=quenby')).json().patients.map((p: { tag: string }) => p.tag)).toEqual([ICU_PATIENT]);
    // And the mirror image for the maternity nurse.
    expect((await get('maternity-nurse', `/api/tags/${enc(MAT_PATIENT)}`)).statusCode).toBe(200);
    expect((await get('maternity-nurse', `/api/tags/${enc(ICU_PATIENT)}`)).statusCode).toBe(404);
  });

  it('an ICU nurse cannot take over (re-enrol) or discharge a maternity patient\'s tag', async () => {
    const steal = await api.app.inject({
      method: 'POST', url: '/api/patients', headers: api.t.as('icu-nurse'),
      payload: { tag: MAT_PATIENT, unit: 'icu', pseudonym: 'Bed 12', identity: { mrn: 'MRN-FAKE-1', name: 'Fake Takeover' } },
    });
    expect(steal.statusCode, steal.body).toBe(403);
    expect(api.t.opened.patients.binding(MAT_PATIENT)?.unit).toBe('maternity');
    // The tag (and its history) stays hidden from the ICU nurse.
    expect((await get('icu-nurse', `/api/tags/${enc(MAT_PATIENT)}/trail?${RANGE}`)).statusCode).toBe(404);
    const discharge = await api.app.inject({ method: 'DELETE', url: `/api/patients/${enc(MAT_PATIENT)}`, headers: api.t.as('icu-nurse') });
    expect(errorOf(discharge)).toMatchObject({ status: 404, code: 'RTLS_ERR_PATIENT_NOT_FOUND' });
    expect(api.t.opened.patients.binding(MAT_PATIENT)?.unit).toBe('maternity');
    // Enrolling into another unit is refused too.
    const elsewhere = await api.app.inject({
      method: 'POST', url: '/api/patients', headers: api.t.as('icu-nurse'),
      payload: { tag: 'ble:0B0000000002', unit: 'maternity', pseudonym: 'Cot 2', identity: { mrn: 'MRN-ELSE-2', name: 'Else Where' } },
    });
    expect(errorOf(elsewhere)).toMatchObject({ status: 403, code: 'RTLS_ERR_FORBIDDEN' });
  });

  it('the guard judges the route the router matched, not the raw URL: percent-encoded /api paths are guarded too', async () => {
    await guardedWhateverTheSpelling(api);
    // Next to the web app's wildcard route (production), too.
    const withWeb = await openAuthApi({}, { web: true });
    try {
      await guardedWhateverTheSpelling(withWeb);
      expect((await withWeb.app.inject({ url: '/floors/L1' })).body).toContain('<div id="app">');
    } finally {
      await withWeb.close();
    }
  });

  it('refused enrolments and user creations leave no "ok" audit record, and the refusal does not echo the name', async () => {
    const audit = api.t.opened.access.deps.audit;
    const tag = 'ble:0B0000000003';
    const r = await api.app.inject({
      method: 'POST', url: '/api/patients', headers: api.t.as('security'),
      payload: { tag, unit: 'icu', pseudonym: 'Mr Hollowbrook bed 2', identity: { mrn: 'MRN-PSEUDO-1', name: 'Ansel Hollowbrook-Test' } },
    });
    expect(errorOf(r)).toMatchObject({ status: 400, code: 'RTLS_ERR_VALIDATION' });
    expect(r.body).not.toContain('Hollowbrook');
    expect(audit.query({ patient: tag })).toEqual([]);
    expect(api.t.opened.patients.binding(tag)).toBeUndefined();
    const dup = await api.app.inject({ method: 'POST', url: '/api/users', headers: api.t.as('admin'), payload: { username: 'biomed', displayName: 'Again', role: 'admin' } });
    expect(errorOf(dup)).toMatchObject({ status: 409, code: 'RTLS_ERR_CONFLICT' });
    expect(audit.query({ action: 'change-user' }).filter((x) => x.object === 'user:biomed')).toEqual([]);
    expect(api.t.opened.access.deps.users.get('biomed')!.role).toBe('biomed');
  });

  it('every patient view writes an audit record naming the patient, the viewer, the role and the source address', async () => {
    const before = api.t.opened.access.deps.audit.query({ patient: ICU_PATIENT, limit: 1000 }).length;
    const r = await api.app.inject({ url: `/api/tags/${enc(ICU_PATIENT)}`, headers: api.t.as('security'), remoteAddress: '10.9.9.9' });
    expect(r.statusCode).toBe(200);
    const recs = api.t.opened.access.deps.audit.query({ patient: ICU_PATIENT, limit: 1000 });
    expect(recs).toHaveLength(before + 1);
    expect(recs[0]).toMatchObject({ actor: 'security', role: 'security', action: 'view-location', object: `tag:${ICU_PATIENT}`, patients: [ICU_PATIENT], source: '10.9.9.9', outcome: 'ok', breakGlass: false });
    // An equipment tag is not a patient view.
    const n = api.t.opened.access.deps.audit.query({ limit: 1000 }).length;
    expect((await get('security', `/api/tags/${enc(PUMP)}`)).statusCode).toBe(200);
    expect(api.t.opened.access.deps.audit.query({ limit: 1000 })).toHaveLength(n);
  });
});

describe('break-glass', () => {
  let api: AuthApi;
  beforeAll(async () => {
    api = await openAuthApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('needs a reason; lifts the scope while it lasts; is audited as break-glass and raises a security alarm; ends by itself', async () => {
    const nurse = api.t.as('icu-nurse');
    for (const payload of [{}, { reason: 'because' }, { reason: '   short   ' }, { reason: 'a sufficiently long reason', minutes: 61 }]) {
      const r = await api.app.inject({ method: 'POST', url: '/api/auth/break-glass', headers: nurse, payload });
      expect(errorOf(r), JSON.stringify(payload)).toMatchObject({ status: 400, code: 'RTLS_ERR_VALIDATION' });
    }
    expect((await api.app.inject({ url: `/api/patients/${enc(MAT_PATIENT)}`, headers: nurse })).statusCode).toBe(404);

    const reason = 'infant abduction alarm at maternity exit';
    const glass = await api.app.inject({ method: 'POST', url: '/api/auth/break-glass', headers: nurse, payload: { reason, minutes: 5 } });
    expect(glass.statusCode).toBe(200);
    const s = SessionResponseSchema.parse(glass.json());
    expect(s.user.patientScope).toBe('identity-all');
    expect(s.user.breakGlass).toEqual({ until: api.clock.now + 5 * 60_000, reason });

    const seen = await api.app.inject({ url: `/api/patients/${enc(MAT_PATIENT)}`, headers: nurse });
    expect(seen.statusCode).toBe(200);
    expect(PatientSchema.parse(seen.json()).identity).toEqual(MAT_IDENTITY);
    const tag = TagInfoSchema.parse((await api.app.inject({ url: `/api/tags/${enc(MAT_PATIENT)}`, headers: nurse })).json());
    expect(tag.patient?.identity).toEqual(MAT_IDENTITY);

    const audit = api.t.opened.access.deps.audit;
    const views = audit.query({ actor: 'icu-nurse', patient: MAT_PATIENT });
    expect(views.length).toBeGreaterThanOrEqual(2);
    expect(views.every((v) => v.breakGlass)).toBe(true);
    const start = audit.query({ actor: 'icu-nurse', action: 'break-glass' });
    expect(start).toHaveLength(1);
    expect(start[0]!.detail).toContain(reason);
    // Flagged: searchable as break-glass, visible to security through the API.
    const flagged = AuditListResponseSchema.parse((await api.app.inject({ url: '/api/audit?breakGlass=true&actor=icu-nurse', headers: api.t.as('security') })).json());
    expect(flagged.records.map((r) => r.seq).sort()).toEqual(views.map((r) => r.seq).sort());
    const alarms = SecurityAlarmListResponseSchema.parse((await api.app.inject({ url: '/api/security/alarms', headers: api.t.as('security') })).json());
    const alarm = alarms.alarms.find((a) => a.kind === 'break-glass' && a.actor === 'icu-nurse');
    expect(alarm).toBeDefined();
    expect(alarm!.message).not.toContain('abduction'); // the reason stays in the audit log, not in alarm text

    // Five minutes later it is over without anyone ending it.
    api.clock.now += 5 * 60_000;
    expect(errorOf(await api.app.inject({ url: `/api/patients/${enc(MAT_PATIENT)}`, headers: nurse }))).toMatchObject({ status: 404 });
    expect((await api.app.inject({ url: `/api/tags/${enc(MAT_PATIENT)}`, headers: nurse })).statusCode).toBe(404);
    const after = SessionResponseSchema.parse((await api.app.inject({ url: '/api/auth/session', headers: nurse })).json());
    expect(after.user.breakGlass).toBeNull();
    expect(after.user.patientScope).toBe('identity-units');
  });

  it('a pseudonymous role breaks the glass the same way, and DELETE ends it early', async () => {
    const bio = api.t.as('biomed');
    expect((await api.app.inject({ url: `/api/patients/${enc(ICU_PATIENT)}`, headers: bio })).statusCode).toBe(403);
    expect((await api.app.inject({ method: 'POST', url: '/api/auth/break-glass', headers: bio, payload: { reason: 'patient missing from ICU bay 4' } })).statusCode).toBe(200);
    expect((await api.app.inject({ url: `/api/patients/${enc(ICU_PATIENT)}`, headers: bio })).statusCode).toBe(200);
    const end = await api.app.inject({ method: 'DELETE', url: '/api/auth/break-glass', headers: bio });
    expect(end.statusCode).toBe(200);
    expect(SessionResponseSchema.parse(end.json()).user.breakGlass).toBeNull();
    expect((await api.app.inject({ url: `/api/patients/${enc(ICU_PATIENT)}`, headers: bio })).statusCode).toBe(403);
    expect(api.t.opened.access.deps.audit.query({ actor: 'biomed', action: 'break-glass' }).map((r) => r.detail)).toContain('ended');
  });
});

describe('audit log unavailable → access refused', () => {
  let api: AuthApi;
  beforeAll(async () => {
    api = await openAuthApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('patient data answers 503 RTLS_ERR_AUDIT_UNAVAILABLE while equipment still works', async () => {
    const sec = api.t.as('security');
    const patientUrls = [
      `/api/tags/${enc(ICU_PATIENT)}`, `/api/patients/${enc(ICU_PATIENT)}`, '/api/tags', `/api/tags/${enc(ICU_PATIENT)}/trail?${RANGE}`,
      `/api/tags/${enc(PUMP)}/trail?${RANGE}&format=csv`, '/api/patients?q=quenby',
    ];
    for (const url of patientUrls) expect((await api.app.inject({ url, headers: sec })).statusCode, url).toBe(200);
    api.t.opened.access.deps.audit.close();
    for (const url of patientUrls) {
      const r = await api.app.inject({ url, headers: sec });
      expect(errorOf(r), url).toMatchObject({ status: 503, code: 'RTLS_ERR_AUDIT_UNAVAILABLE' });
      expect(r.body).not.toContain(ICU_IDENTITY.name);
    }
    expect((await api.app.inject({ url: `/api/tags/${enc(PUMP)}`, headers: sec })).statusCode).toBe(200);
    expect((await api.app.inject({ url: `/api/tags/${enc(PUMP)}/trail?${RANGE}`, headers: sec })).statusCode).toBe(200);
    expect((await api.app.inject({ url: '/api/floors', headers: sec })).statusCode).toBe(200);
    // No record, no elevated access either.
    const glass = await api.app.inject({ method: 'POST', url: '/api/auth/break-glass', headers: api.t.as('biomed'), payload: { reason: 'testing the audit outage' } });
    expect(errorOf(glass)).toMatchObject({ status: 503, code: 'RTLS_ERR_AUDIT_UNAVAILABLE' });
    expect((await api.app.inject({ url: `/api/patients/${enc(ICU_PATIENT)}`, headers: api.t.as('biomed') })).statusCode).toBe(403);
  });
});

describe('unusual access', () => {
  let api: AuthApi;
  beforeAll(async () => {
    api = await openAuthApi({ RTLS_AUDIT_MANY_PATIENTS: '2' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('one user looking up more than RTLS_AUDIT_MANY_PATIENTS different patients raises a many-patients security alarm', async () => {
    const alarms = async () => SecurityAlarmListResponseSchema.parse((await api.app.inject({ url: '/api/security/alarms', headers: api.t.as('admin') })).json())
      .alarms.filter((a) => a.kind === 'many-patients');
    const look = (user: TestUser, tag: string) => api.app.inject({ url: `/api/tags/${enc(tag)}`, headers: api.t.as(user) });
    // The same patients again and again: not many different ones.
    for (let i = 0; i < 5; i++) {
      expect((await look('security', ICU_PATIENT)).statusCode).toBe(200);
      expect((await look('security', MAT_PATIENT)).statusCode).toBe(200);
    }
    // Denied look-ups showed nothing and do not count; equipment is not a patient.
    await look('icu-nurse', MAT_PATIENT);
    await look('icu-nurse', LOOSE_BAND);
    await look('icu-nurse', PUMP);
    // The overview list is audited but is not a look-up of each patient.
    expect((await api.app.inject({ url: '/api/tags', headers: api.t.as('materials') })).statusCode).toBe(200);
    expect(await alarms()).toEqual([]);
    expect((await look('security', LOOSE_BAND)).statusCode).toBe(200);
    const raised = await alarms();
    expect(raised).toHaveLength(1);
    expect(raised[0]!.actor).toBe('security');
    // Names no patient (the console is seen by roles without identity).
    for (const tag of [ICU_PATIENT, MAT_PATIENT, LOOSE_BAND]) expect(raised[0]!.message).not.toContain(tag);
    expect(raised[0]!.message).not.toContain(ICU_IDENTITY.name);
  });
});

describe('audit chain after many accesses', () => {
  let api: AuthApi;
  beforeAll(async () => {
    api = await openAuthApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('verify is ok after 500+ accesses; an edited row is named by the API and by `rtls audit verify` (exit 3)', async () => {
    const users: TestUser[] = ['security', 'icu-nurse', 'maternity-nurse', 'materials', 'biomed', 'admin'];
    const urls = [`/api/tags/${enc(ICU_PATIENT)}`, `/api/tags/${enc(MAT_PATIENT)}/trail?${RANGE}`, '/api/tags', `/api/tags/${enc(LOOSE_BAND)}/at?t=${T0 + 15_000}`];
    const audit = api.t.opened.access.deps.audit;
    const head = () => audit.query({ limit: 1 })[0]?.seq ?? 0;
    const first = head();
    let ok = 0;
    for (let i = 0; head() - first < 520 && i < 2000; i++) {
      api.clock.now += 1000;
      const r = await api.app.inject({ url: urls[i % urls.length]!, headers: api.t.as(users[i % users.length]!), remoteAddress: `10.20.${i % 7}.${i % 250}` });
      if (r.statusCode === 200) ok++;
    }
    const total = head();
    expect(total - first).toBeGreaterThanOrEqual(520);
    // Every answer that showed a patient wrote exactly one record (the 404s of out-of-scope look-ups wrote none).
    expect(ok).toBe(total - first);

    const v = AuditVerifyResponseSchema.parse((await api.app.inject({ url: '/api/audit/verify', headers: api.t.as('security') })).json());
    expect(v).toMatchObject({ ok: true, brokenAt: null, problem: null });
    expect(v.records).toBeGreaterThanOrEqual(total);
    expect(cliVerify(api.dataDir)).toMatchObject({ code: 0, result: { ok: true } });

    // Someone with the database file drops the append-only trigger and rewrites who looked at a patient.
    const victim = audit.query({ patient: MAT_PATIENT, actor: 'maternity-nurse', limit: 1000 }).at(-10)!;
    const db = new Database(path.join(api.dataDir, AUDIT_DB_FILE));
    try {
      expect(() => db.prepare('UPDATE audit_records SET actor = ? WHERE seq = ?').run('someone-else', victim.seq)).toThrow(/append-only/);
      db.exec('DROP TRIGGER audit_records_no_update');
      db.prepare('UPDATE audit_records SET actor = ? WHERE seq = ?').run('someone-else', victim.seq);
    } finally {
      db.close();
    }
    const broken = AuditVerifyResponseSchema.parse((await api.app.inject({ url: '/api/audit/verify', headers: api.t.as('admin') })).json());
    expect(broken).toMatchObject({ ok: false, brokenAt: victim.seq });
    expect(broken.problem).toContain(String(victim.seq));
    const cli = cliVerify(api.dataDir);
    expect(cli.code).toBe(3);
    expect(cli.result).toMatchObject({ ok: false, brokenAt: victim.seq });
  });
});

/** `rtls audit verify` as an operator runs it (child process on the same data dir). */
function cliVerify(dataDir: string): { code: number | null; result: unknown } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'locator/src/cli/rtls.ts', 'audit', 'verify'], {
    cwd: ROOT, env: { ...process.env, RTLS_DATA_DIR: dataDir, RTLS_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000,
  });
  let result: unknown = null;
  try {
    result = AuditVerifyResponseSchema.parse(JSON.parse(r.stdout.trim()));
  } catch {
    result = { stdout: r.stdout, stderr: r.stderr };
  }
  return { code: r.status, result };
}

/** Without a token: 401 however an /api path is spelled; with one: the same answer as the plain path. */
async function guardedWhateverTheSpelling(api: AuthApi): Promise<void> {
  // The router percent-decodes the path: each of these reaches an /api route.
  for (const url of ['/%61pi/users', '/ap%69/security/alarms', '/%61%70%69/floors', '/api/%75sers', `/%61pi/patients/${enc(ICU_PATIENT)}`]) {
    const anon = await api.app.inject({ url });
    expect(errorOf(anon), url).toMatchObject({ status: 401, code: 'RTLS_ERR_UNAUTHORIZED' });
    expect(anon.body).not.toContain('admin');
    const bio = await api.app.inject({ url, headers: api.t.as('biomed') });
    expect(bio.statusCode, url).toBe(url.includes('floors') ? 200 : 403);
    const foreign = await api.app.inject({ url, headers: { ...api.t.as('admin'), origin: 'http://evil.example' } });
    expect(errorOf(foreign), url).toMatchObject({ status: 403, code: 'RTLS_ERR_ORIGIN_NOT_ALLOWED' });
  }
  // Unknown paths, encoded or not: 401 without a token (no route enumeration) …
  for (const url of ['/api/nothing', '/%61pi/nothing', '/api', '/api%2Fusers']) expect((await api.app.inject({ url })).statusCode, url).toBe(401);
  // … and 404 JSON with one (an encoded unknown path may get the web app's index.html instead: it is public).
  for (const url of ['/api/nothing', '/api', '/api/users/admin/nothing']) {
    const known = await api.app.inject({ url, headers: api.t.as('biomed') });
    expect(known.statusCode, url).toBe(404);
    expect(known.body, url).not.toContain('<div id="app">');
  }
  // Not under /api: no token needed (the web app's files, or a plain 404 without a build).
  expect([200, 404]).toContain((await api.app.inject({ url: '/login' })).statusCode);
}
