import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '@rtls/floorplans';
import { fixtureSite } from './fixture-site.ts';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import {
  CalibrationResponseSchema, ErrorBodySchema, FloorListResponseSchema, FloorSchema, GatewayCalibrationSchema,
  GatewayListResponseSchema, HealthSchema, PathLossInfoSchema, ReferenceTagSchema, TagInfoSchema, TagListResponseSchema,
} from '@rtls/protocol';
import { buildApi } from '../../src/api/build-api.ts';
import { apiErrorHandler } from '../../src/api/error-handler.ts';
import { apiRoutes } from '../../src/api/routes.ts';
import { installAuthGuard } from '../../src/api/auth-guard.ts';
import { loadLocatorConfig } from '../../src/config.ts';
import { openRegistry, type Registry } from '../../src/registry/sqlite-registry.ts';
import { createLiveState } from '../../src/state/live-state.ts';
import { openSqliteHistoryStore, type SqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';
import { T0, bleTag, capturingLogger, fakeHealthParts, makeFix, rmDir, tmpDir } from './helpers.ts';
import { openTestAccess, type TestAccess, type TestUser } from './auth-fixture.ts';

let dir: string;
let site: Site;
let registry: Registry;
let store: SqliteHistoryStore;
let app: FastifyInstance;
let appNoWeb: FastifyInstance;
let floors: string[];
let connected = true;
let auth: TestAccess;
const log = capturingLogger();
/** Requests as admin: sees every tag (patients pseudonymous), may change the registry (issue #6). */
const get = (o: Parameters<TestAccess['inject']>[2]) => auth.inject(app, 'admin', o);
const getAs = (user: TestUser, o: Parameters<TestAccess['inject']>[2]) => auth.inject(app, user, o);

const PUMP = bleTag(0xaabbccddee01);
const INFANT = bleTag(0xaabbccddee02);
const STRANGER = bleTag(0xaabbccddee03);

beforeAll(async () => {
  dir = tmpDir();
  site = fixtureSite();
  floors = [...site.floors].sort((a, b) => a.summary.level - b.summary.level).map((f) => f.summary.id);
  registry = openRegistry(path.join(dir, 'data'));
  registry.syncGatewaysFromSite(site);
  registry.upsertTags([
    { id: PUMP, kind: 'equipment', label: 'Pump 12', category: 'infusion-pump' },
    { id: INFANT, kind: 'patient', label: 'Infant 07', category: 'infant' },
  ]);
  store = openSqliteHistoryStore(path.join(dir, 'data'));
  auth = await openTestAccess(path.join(dir, 'data'));
  // The infant is enrolled on the maternity unit: its nurse sees who it is, the ICU nurse does not see it at all.
  auth.opened.patients.enrol({ tag: INFANT, unit: 'maternity', pseudonym: 'Infant 07', category: 'infant', identity: { mrn: 'MRN-TEST-1', name: 'Baby Testperson', birthDate: null } }, 'test');
  const state = createLiveState(registry.view());
  const f0 = floors[0]!;
  const f1 = floors[1] ?? floors[0]!;
  for (const [tag, t, floor, x] of [[PUMP, T0, f0, 1], [PUMP, T0 + 1000, f0, 2], [INFANT, T0, f1, 3], [STRANGER, T0, f0, 4]] as const) {
    const fix = makeFix(tag, t, floor, x);
    state.fix(fix);
    store.appendFixes([fix]);
  }
  state.tagSeen(PUMP, T0 + 1500, 80);
  const firstGw = registry.listGateways()[0]!;
  state.gatewayStatus({ gw: firstGw.id, state: 'online' }, T0 + 42);

  const web = path.join(dir, 'web');
  fs.mkdirSync(path.join(web, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>RTLS</title><div id="app"></div>');
  fs.writeFileSync(path.join(web, 'assets', 'app.js'), 'console.log("rtls")');

  const common = {
    site, registry, state, store, stats: () => fakeHealthParts(connected), logger: log.logger, clock: () => T0 + 5000,
    access: auth.opened.access, patients: auth.opened.patients,
  };
  app = buildApi({ ...common, config: loadLocatorConfig({ RTLS_DATA_DIR: path.join(dir, 'data'), RTLS_WEB_DIST: web }) });
  appNoWeb = buildApi({ ...common, config: loadLocatorConfig({ RTLS_DATA_DIR: path.join(dir, 'data'), RTLS_WEB_DIST: path.join(dir, 'nope') }) });
  // Test-only routes, to drive the one error handler through body parsing and an unexpected throw.
  // The echo route is open (no token needed) so body parsing is reached with any Authorization header.
  app.post('/api/test-echo', { config: { auth: 'open' } }, async () => ({ ok: true }));
  app.get('/api/test-boom', { config: { auth: 'session' } }, async () => {
    throw new Error('internal detail that must not leak');
  });
  await app.ready();
  await appNoWeb.ready();
});

afterAll(async () => {
  await app?.close();
  await appNoWeb?.close();
  await store?.close();
  registry?.close();
  auth?.close();
  rmDir(dir);
});

function expectError(res: { statusCode: number; json: () => unknown }, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  const body = ErrorBodySchema.parse(res.json());
  expect(body.code).toBe(code);
  return body;
}

describe('REST API', () => {
  it('GET /api/health matches HealthSchema; degraded while MQTT is down', async () => {
    const ok = await app.inject('/api/health');
    expect(ok.statusCode).toBe(200);
    expect(HealthSchema.parse(ok.json())).toMatchObject({ status: 'ok', ingest: { messages: 3 }, store: { kind: 'sqlite' } });
    connected = false;
    const bad = await app.inject('/api/health');
    connected = true;
    expect(bad.json().status).toBe('degraded');
  });

  it('GET /api/floors lists floors ordered by level', async () => {
    const res = await get('/api/floors');
    const body = FloorListResponseSchema.parse(res.json());
    expect(body.floors.map((f) => f.id)).toEqual(floors);
    const levels = body.floors.map((f) => f.level);
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
  });

  it('GET /api/floors/:id returns the floor with its plan; unknown → 404 RTLS_ERR_FLOOR_NOT_FOUND', async () => {
    const res = await get(`/api/floors/${floors[0]}`);
    expect(res.statusCode).toBe(200);
    const floor = FloorSchema.parse(res.json());
    expect(floor.id).toBe(floors[0]);
    expect(floor.plan.features.length).toBeGreaterThan(0);
    expectError(await get('/api/floors/no-such-floor'), 404, 'RTLS_ERR_FLOOR_NOT_FOUND');
  });

  it('GET /api/tags lists registered and unregistered tags in stable id order', async () => {
    const body = TagListResponseSchema.parse((await get('/api/tags')).json());
    expect(body.total).toBe(3);
    expect(body.tags.map((t) => t.id)).toEqual([PUMP, INFANT, STRANGER]);
    const stranger = body.tags[2]!;
    expect(stranger).toMatchObject({ kind: 'unknown', registered: false, label: STRANGER, category: null });
    expect(body.tags[0]).toMatchObject({ kind: 'equipment', label: 'Pump 12', battery: 80, lastSeen: T0 + 1500 });
    expect(body.tags[0]!.lastFix!.x).toBe(2);
  });

  it('GET /api/tags shows patients as the role may see them: pseudonymous, with identity on their unit, hidden elsewhere', async () => {
    const listAs = async (user: TestUser) => TagListResponseSchema.parse((await getAs(user, '/api/tags')).json());
    // Admin: the enrolled infant is listed with its unit and no identity.
    expect((await listAs('admin')).tags.find((x) => x.id === INFANT)).toMatchObject({ label: 'Infant 07', patient: { unit: 'maternity', identity: null } });
    // The maternity nurse sees who it is.
    expect((await listAs('maternity-nurse')).tags.find((x) => x.id === INFANT)?.patient?.identity).toMatchObject({ mrn: 'MRN-TEST-1', name: 'Baby Testperson' });
    // The ICU nurse does not see it at all: not in the list or the total, and its page answers like an unknown tag.
    const icu = await listAs('icu-nurse');
    expect(icu.total).toBe(2);
    expect(icu.tags.map((x) => x.id)).toEqual([PUMP, STRANGER]);
    expectError(await getAs('icu-nurse', `/api/tags/${encodeURIComponent(INFANT)}`), 404, 'RTLS_ERR_TAG_NOT_FOUND');
    expect(TagInfoSchema.parse((await getAs('maternity-nurse', `/api/tags/${encodeURIComponent(INFANT)}`)).json()).patient?.identity?.name).toBe('Baby Testperson');
  });

  it('every /api route but health needs a bearer token (401 RTLS_ERR_UNAUTHORIZED)', async () => {
    for (const url of ['/api/floors', '/api/tags', `/api/tags/${encodeURIComponent(PUMP)}`, '/api/gateways', '/api/docs/json']) {
      expectError(await app.inject(url), 401, 'RTLS_ERR_UNAUTHORIZED');
    }
    expectError(await app.inject({ url: '/api/floors', headers: { authorization: 'Bearer not-a-session' } }), 401, 'RTLS_ERR_UNAUTHORIZED');
    expect((await app.inject('/api/health')).statusCode).toBe(200);
  });

  it('GET /api/tags filters by floor, kind and q, and pages', async () => {
    const list = async (qs: string) => TagListResponseSchema.parse((await get(`/api/tags?${qs}`)).json());
    expect((await list('kind=patient')).tags.map((t) => t.id)).toEqual([INFANT]);
    expect((await list('kind=unknown')).tags.map((t) => t.id)).toEqual([STRANGER]);
    expect((await list('q=pump')).tags.map((t) => t.id)).toEqual([PUMP]);
    expect((await list(`q=${STRANGER.slice(-4).toLowerCase()}`)).tags.map((t) => t.id)).toEqual([STRANGER]);
    expect((await list(`floor=${floors[0]}`)).tags.map((t) => t.id)).toContain(PUMP);
    if (floors.length > 1) expect((await list(`floor=${floors[1]}`)).tags.map((t) => t.id)).toEqual([INFANT]);
    const page = await list('limit=1&offset=1');
    expect(page).toMatchObject({ total: 3 });
    expect(page.tags.map((t) => t.id)).toEqual([INFANT]);
  });

  it('GET /api/tags with bad query → 400 RTLS_ERR_VALIDATION naming the field', async () => {
    const limit = expectError(await get('/api/tags?limit=999999'), 400, 'RTLS_ERR_VALIDATION');
    expect(limit.details!.some((d) => d.startsWith('limit:'))).toBe(true);
    const kind = expectError(await get('/api/tags?kind=robot'), 400, 'RTLS_ERR_VALIDATION');
    expect(kind.details!.some((d) => d.startsWith('kind:'))).toBe(true);
    const extra = expectError(await get('/api/tags?colour=red'), 400, 'RTLS_ERR_VALIDATION');
    expect(extra.details!.join(' ')).toContain('colour');
  });

  it('GET /api/tags/:id normalises the id; URL-encoded ids work', async () => {
    const loose = `ble:${PUMP.slice(4).toLowerCase().match(/../g)!.join('-')}`; // ble:aa-bb-cc-dd-ee-01
    for (const raw of [PUMP, encodeURIComponent(PUMP), encodeURIComponent(loose)]) {
      const res = await get(`/api/tags/${raw}`);
      expect(res.statusCode).toBe(200);
      expect(TagInfoSchema.parse(res.json()).id).toBe(PUMP);
    }
  });

  it('GET /api/tags/:id: invalid id → 400 RTLS_ERR_BAD_TAG_ID, unknown → 404 RTLS_ERR_TAG_NOT_FOUND', async () => {
    const bad = expectError(await get('/api/tags/not-a-tag'), 400, 'RTLS_ERR_BAD_TAG_ID');
    expect(bad.details![0]).toMatch(/^id:/);
    expectError(await get(`/api/tags/${encodeURIComponent(bleTag(0xfff))}`), 404, 'RTLS_ERR_TAG_NOT_FOUND');
  });

  it('GET /api/tags/:id/trail returns stored fixes oldest first', async () => {
    const res = await get(`/api/tags/${encodeURIComponent(PUMP)}/trail?from=${T0}&to=${T0 + 2000}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().fixes.map((f: { x: number }) => f.x)).toEqual([1, 2]);
    expectError(await get(`/api/tags/${encodeURIComponent(PUMP)}/trail?limit=0`), 400, 'RTLS_ERR_VALIDATION');
  });

  it('GET /api/gateways lists registry gateways with their last status', async () => {
    const body = GatewayListResponseSchema.parse((await get('/api/gateways')).json());
    expect(body.gateways).toHaveLength(registry.listGateways().length);
    const online = body.gateways.filter((g) => g.state === 'online');
    expect(online).toHaveLength(1);
    expect(online[0]!.lastSeen).toBe(T0 + 42);
    expect(body.gateways.filter((g) => g.state === null)).toHaveLength(body.gateways.length - 1);
  });

  it('unknown /api path → 404 RTLS_ERR_NOT_FOUND JSON, also with a web app present; 401 without a token', async () => {
    // Without a token an unknown path answers like a known one: no route enumeration (auth-guard.ts).
    expectError(await app.inject('/api/nope'), 401, 'RTLS_ERR_UNAUTHORIZED');
    expectError(await get('/api/nope'), 404, 'RTLS_ERR_NOT_FOUND');
    expectError(await get({ method: 'POST', url: '/api/tags' }), 404, 'RTLS_ERR_NOT_FOUND');
    expectError(await appNoWeb.inject('/somewhere'), 404, 'RTLS_ERR_NOT_FOUND');
  });

  it('serves the web app at / with SPA fallback to index.html', async () => {
    const root = await app.inject('/');
    expect(root.statusCode).toBe(200);
    expect(root.body).toContain('<div id="app">');
    const js = await app.inject('/assets/app.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    const deep = await app.inject('/floors/L1/tags');
    expect(deep.statusCode).toBe(200);
    expect(deep.headers['content-type']).toContain('text/html');
    expect(deep.body).toContain('<div id="app">');
  });

  it('OpenAPI JSON at /api/docs/json lists the routes', async () => {
    const res = await get('/api/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/api/health', '/api/floors', '/api/floors/{id}', '/api/tags', '/api/tags/{id}', '/api/gateways']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect((await get('/api/docs')).statusCode).toBeLessThan(400);
  });

  it('never logs request bodies or authorization headers', async () => {
    const marker = 'PATIENT-NAME-MARKER-31337';
    const res = await app.inject({ method: 'POST', url: '/api/test-echo', payload: { name: marker }, headers: { authorization: `Bearer ${marker}` } });
    expect(res.statusCode).toBe(200);
    await get({ method: 'POST', url: '/api/tags', payload: { name: marker } });
    // A token that is not a session is refused without being logged either.
    expect((await app.inject({ url: '/api/tags', headers: { authorization: `Bearer ${marker}` } })).statusCode).toBe(401);
    expect(log.lines.length).toBeGreaterThan(0);
    expect(log.lines.join('\n')).not.toContain(marker);
  });

  it('oversized bodies → 413 RTLS_ERR_PAYLOAD_TOO_LARGE', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/test-echo', payload: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    expectError(res, 413, 'RTLS_ERR_PAYLOAD_TOO_LARGE');
  });

  it('malformed JSON body → 400 RTLS_ERR_VALIDATION; unexpected throw → 500 RTLS_ERR_INTERNAL without detail', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/test-echo', payload: '{"a":', headers: { 'content-type': 'application/json' } });
    expectError(bad, 400, 'RTLS_ERR_VALIDATION');
    const boom = expectError(await get('/api/test-boom'), 500, 'RTLS_ERR_INTERNAL');
    expect(JSON.stringify(boom)).not.toContain('internal detail');
  });
});

describe('REST API: calibration (issue #3 item 2)', () => {
  // The routes with a registry, behind the same compilers, error handler and auth guard as buildApi.
  let cal: FastifyInstance;
  /** As admin: the calibration writes need `registry:write` (issue #6). */
  const calAs = (o: Parameters<TestAccess['inject']>[2]) => auth.inject(cal, 'admin', o);
  const REF = bleTag(0xaabbccddee10);

  beforeAll(async () => {
    cal = Fastify({ logger: false });
    cal.setValidatorCompiler(validatorCompiler);
    cal.setSerializerCompiler(serializerCompiler);
    cal.setErrorHandler(apiErrorHandler);
    installAuthGuard(cal, auth.opened.access, []);
    cal.register(apiRoutes({
      site, state: createLiveState(registry.view()), store, stats: () => fakeHealthParts(true), clock: () => T0 + 5000,
      version: 'test', startedAt: T0, registry, access: auth.opened.access,
    }));
    await cal.ready();
  });

  afterAll(async () => {
    await cal?.close();
  });

  const bleGatewayIds = () => registry.listGateways().filter((g) => g.tech === 'ble').map((g) => g.id);

  it('GET /api/calibration: default path loss and every BLE gateway uncalibrated', async () => {
    const body = CalibrationResponseSchema.parse((await calAs('/api/calibration')).json());
    expect(body.pathLoss).toEqual({ rssiAt1mDbm: -59, exponent: 2.2, source: 'default', updatedAt: null });
    expect(body.gateways.map((g) => g.id)).toEqual(bleGatewayIds());
    expect(body.gateways.every((g) => g.source === 'none' && g.offsetDb === 0 && g.samples === 0)).toBe(true);
    expect(body.referenceTags).toEqual([]);
  });

  it('reference tags: PUT validates against the site, GET shows them, DELETE removes them', async () => {
    const loose = `ble:${REF.slice(4).toLowerCase()}`;
    const put = await calAs({ method: 'PUT', url: `/api/calibration/reference-tags/${encodeURIComponent(loose)}`, payload: { floor: 'L1', x: 12, y: 4, note: 'ward' } });
    expect(put.statusCode).toBe(200);
    expect(ReferenceTagSchema.parse(put.json())).toMatchObject({ tag: REF, floor: 'L1', x: 12, y: 4, note: 'ward' });
    expect(registry.view().referenceTag(REF)).toEqual({ floor: 'L1', x: 12, y: 4 });

    const url = `/api/calibration/reference-tags/${encodeURIComponent(REF)}`;
    const floor = expectError(await calAs({ method: 'PUT', url, payload: { floor: 'L9', x: 1, y: 1 } }), 400, 'RTLS_ERR_VALIDATION');
    expect(floor.details![0]).toMatch(/^floor:/);
    const outside = expectError(await calAs({ method: 'PUT', url, payload: { floor: 'L1', x: 41, y: 1 } }), 400, 'RTLS_ERR_VALIDATION');
    expect(outside.details![0]).toContain('outside');
    expectError(await calAs({ method: 'PUT', url, payload: { floor: 'L1', x: 1 } }), 400, 'RTLS_ERR_VALIDATION');
    expectError(await calAs({ method: 'PUT', url: '/api/calibration/reference-tags/not-a-tag', payload: { floor: 'L1', x: 1, y: 1 } }), 400, 'RTLS_ERR_BAD_TAG_ID');
    expectError(await calAs({ method: 'PUT', url: '/api/calibration/reference-tags/epc:3034257BF7194E4000000001', payload: { floor: 'L1', x: 1, y: 1 } }), 400, 'RTLS_ERR_VALIDATION');
    // Refused writes left the stored position alone.
    const listed = CalibrationResponseSchema.parse((await calAs('/api/calibration')).json()).referenceTags;
    expect(listed).toEqual([expect.objectContaining({ tag: REF, floor: 'L1', x: 12, y: 4 })]);

    expect((await calAs({ method: 'DELETE', url })).statusCode).toBe(204);
    expect(registry.view().referenceTag(REF)).toBeUndefined();
    expectError(await calAs({ method: 'DELETE', url }), 404, 'RTLS_ERR_TAG_NOT_FOUND');
  });

  it('gateway offsets: PUT sets a bounded manual override that learning cannot replace; DELETE drops it', async () => {
    const id = bleGatewayIds()[0]!;
    const url = `/api/calibration/gateways/${id}`;
    const put = await calAs({ method: 'PUT', url, payload: { offsetDb: -4.5 } });
    expect(put.statusCode).toBe(200);
    expect(GatewayCalibrationSchema.parse(put.json())).toMatchObject({ id, offsetDb: -4.5, source: 'manual' });
    expect(registry.view().gatewayOffsetDb(id)).toBe(-4.5);
    registry.recordLearnedCalibration({ gateways: [{ id, offsetDb: 1, samples: 80, updatedAt: T0 }], tagModels: [] });
    const row = CalibrationResponseSchema.parse((await calAs('/api/calibration')).json()).gateways.find((g) => g.id === id);
    expect(row).toMatchObject({ offsetDb: -4.5, source: 'manual' });

    expectError(await calAs({ method: 'PUT', url, payload: { offsetDb: 25 } }), 400, 'RTLS_ERR_VALIDATION');
    expectError(await calAs({ method: 'PUT', url, payload: { offsetDb: '3' } }), 400, 'RTLS_ERR_VALIDATION');
    expectError(await calAs({ method: 'PUT', url: '/api/calibration/gateways/no-such-gw', payload: { offsetDb: 1 } }), 404, 'RTLS_ERR_GATEWAY_NOT_FOUND');
    const portal = registry.listGateways().find((g) => g.tech !== 'ble')!.id;
    expectError(await calAs({ method: 'PUT', url: `/api/calibration/gateways/${portal}`, payload: { offsetDb: 1 } }), 400, 'RTLS_ERR_VALIDATION');

    expect((await calAs({ method: 'DELETE', url })).statusCode).toBe(204);
    expect(registry.view().gatewayOffsetDb(id)).toBe(0);
    registry.recordLearnedCalibration({ gateways: [{ id, offsetDb: 1, samples: 80, updatedAt: T0 }], tagModels: [] });
    const learned = CalibrationResponseSchema.parse((await calAs('/api/calibration')).json()).gateways.find((g) => g.id === id);
    expect(learned).toEqual({ id, offsetDb: 1, samples: 80, updatedAt: T0, source: 'reference-tags' });
  });

  it('path loss: PUT stores the site parameters (bounded), DELETE goes back to the defaults', async () => {
    // Only roles with registry:write change positioning for every tag; materials may read the calibration.
    expectError(await auth.inject(cal, 'materials', { method: 'PUT', url: '/api/calibration/path-loss', payload: { rssiAt1mDbm: -62, exponent: 2.6 } }), 403, 'RTLS_ERR_FORBIDDEN');
    expect(registry.view().pathLoss()).toEqual({ rssiAt1mDbm: -59, exponent: 2.2 });
    expect((await auth.inject(cal, 'materials', '/api/calibration')).statusCode).toBe(200);
    const put = await calAs({ method: 'PUT', url: '/api/calibration/path-loss', payload: { rssiAt1mDbm: -62, exponent: 2.6 } });
    expect(put.statusCode).toBe(200);
    expect(PathLossInfoSchema.parse(put.json())).toMatchObject({ rssiAt1mDbm: -62, exponent: 2.6, source: 'site' });
    expect(registry.view().pathLoss()).toEqual({ rssiAt1mDbm: -62, exponent: 2.6 });
    expectError(await calAs({ method: 'PUT', url: '/api/calibration/path-loss', payload: { rssiAt1mDbm: -62, exponent: 9 } }), 400, 'RTLS_ERR_VALIDATION');
    const del = await calAs({ method: 'DELETE', url: '/api/calibration/path-loss' });
    expect(PathLossInfoSchema.parse(del.json())).toMatchObject({ rssiAt1mDbm: -59, exponent: 2.2, source: 'default' });
  });

  it('GET /api/calibration shows learned tag models', async () => {
    registry.recordLearnedCalibration({ gateways: [], tagModels: [{ model: 'infant', offsetDb: -3.9, samples: 120, updatedAt: T0 }] });
    const body = CalibrationResponseSchema.parse((await calAs('/api/calibration')).json());
    expect(body.tagModels).toEqual([{ model: 'infant', offsetDb: -3.9, samples: 120, updatedAt: T0 }]);
  });
});
