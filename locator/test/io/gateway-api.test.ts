/**
 * GET /api/gateways/:id and POST /api/gateways (issue #4 items 2–3) through Fastify inject, over a real SQLite
 * registry: validation answers with coded 4xx errors, creation issues credentials that authenticate, diagnostics match
 * the contract.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorBodySchema, GatewayCreateResponseSchema, GatewayDiagnosticsSchema, GatewayListResponseSchema,
} from '@rtls/protocol';
import { buildApi } from '../../src/api/build-api.ts';
import { loadLocatorConfig } from '../../src/config.ts';
import { GatewayDiagnostics } from '../../src/ingest/gateway-diagnostics.ts';
import { openRegistry, type Registry } from '../../src/registry/sqlite-registry.ts';
import { createLiveState } from '../../src/state/live-state.ts';
import { openSqliteHistoryStore, type SqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';
import { fixtureSite } from './fixture-site.ts';
import { T0, capturingLogger, fakeHealthParts, rmDir, tmpDir } from './helpers.ts';
import { openTestAccess, type TestAccess } from './auth-fixture.ts';

let dir: string;
let registry: Registry;
let store: SqliteHistoryStore;
let app: FastifyInstance;
let now = T0;
let auth: TestAccess;
const diagnostics = new GatewayDiagnostics(() => now);

beforeAll(async () => {
  dir = tmpDir();
  const site = fixtureSite();
  registry = openRegistry(path.join(dir, 'data'), { clock: () => now });
  registry.syncGatewaysFromSite(site);
  store = openSqliteHistoryStore(path.join(dir, 'data'));
  const state = createLiveState(registry.view());
  auth = await openTestAccess(path.join(dir, 'data'), { clock: () => now });
  app = buildApi({
    site, registry, state, store, stats: () => fakeHealthParts(true), logger: capturingLogger().logger, clock: () => now,
    config: loadLocatorConfig({ RTLS_DATA_DIR: path.join(dir, 'data'), RTLS_WEB_DIST: path.join(dir, 'nope') }), diagnostics,
    access: auth.opened.access, patients: auth.opened.patients,
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  store?.close();
  registry?.close();
  auth?.close();
  rmDir(dir);
});

/** Creating gateways needs `registry:write` (admin); diagnostics need `map:view` (issue #6). */
const post = (body: unknown) => auth.inject(app, 'admin', { method: 'POST', url: '/api/gateways', payload: body as object });
const get = (url: string) => auth.inject(app, 'admin', url);
const base = { id: 'minew-ward', tech: 'ble', format: 'minew-jsonlong', mac: 'AC:23:3F:C0:01:EA', floor: 'L0', x: 6, y: 4 };

describe('gateway API', () => {
  it('POST creates a vendor gateway with its suggested topic and credentials that authenticate', async () => {
    const res = await post(base);
    expect(res.statusCode).toBe(201);
    const body = GatewayCreateResponseSchema.parse(res.json());
    expect(body.gateway).toMatchObject({ id: 'minew-ward', format: 'minew-jsonlong', topic: '/gw/ac233fc001ea/status', state: null });
    expect(body.credentials).toMatchObject({ username: 'minew-ward', topic: '/gw/ac233fc001ea/status' });
    expect(await registry.authenticateGateway('minew-ward', body.credentials.password)).toBe('minew-ward');
    expect(await registry.authenticateGateway('minew-ward', 'wrong')).toBeNull();
    // Listed with its topic; the pipeline's view sees it too.
    const list = GatewayListResponseSchema.parse((await get('/api/gateways')).json());
    expect(list.gateways.find((g) => g.id === 'minew-ward')?.topic).toBe('/gw/ac233fc001ea/status');
    expect(registry.view().gateway('minew-ward')?.topic).toBe('/gw/ac233fc001ea/status');
  });

  it('POST refuses duplicates, overlapping topics, unusable filters, wrong tech and places off the site with coded errors', async () => {
    const cases: [unknown, number, string, RegExp?][] = [
      [base, 409, 'RTLS_ERR_CONFLICT', /already exists/],
      [{ ...base, id: 'minew-2' }, 409, 'RTLS_ERR_CONFLICT', /overlaps gateway minew-ward/],
      [{ ...base, id: 'esp-1', format: 'espresense', topic: '#' }, 400, 'RTLS_ERR_VALIDATION', /literal level/],
      [{ ...base, id: 'esp-1', format: 'espresense', topic: 'rtls/v1/gw/x/reads' }, 400, 'RTLS_ERR_VALIDATION', /native/],
      [{ ...base, id: 'zebra-1', format: 'zebra-iotc', tech: 'ble' }, 400, 'RTLS_ERR_VALIDATION', /zebra-iotc/],
      [{ ...base, id: 'esp-2', format: 'espresense', floor: 'L9' }, 400, 'RTLS_ERR_VALIDATION', /no floor/],
      [{ ...base, id: 'esp-3', format: 'espresense', x: 999 }, 400, 'RTLS_ERR_VALIDATION', /outside the outline/],
      [{ ...base, id: 'esp-4', format: 'espresense', room: 'nope' }, 400, 'RTLS_ERR_VALIDATION', /no room/],
      [{ ...base, id: 'bad id!' }, 400, 'RTLS_ERR_VALIDATION'],
      [{ ...base, id: 'esp-5', format: 'teapot' }, 400, 'RTLS_ERR_VALIDATION'],
      [{ ...base, id: 'esp-6', mac: 'zz' }, 400, 'RTLS_ERR_VALIDATION'],
    ];
    for (const [body, status, code, detail] of cases) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      const err = ErrorBodySchema.parse(res.json());
      expect(err.code).toBe(code);
      if (detail) expect(JSON.stringify(err), JSON.stringify(body)).toMatch(detail);
    }
    // Roles without registry:write cannot create gateways (issue #6): 403, and nothing was created.
    const denied = await auth.inject(app, 'biomed', { method: 'POST', url: '/api/gateways', payload: { ...base, id: 'esp-biomed', format: 'espresense', mac: undefined } });
    expect(denied.statusCode).toBe(403);
    expect(ErrorBodySchema.parse(denied.json()).code).toBe('RTLS_ERR_FORBIDDEN');
    expect(registry.listGateways().some((g) => g.id === 'esp-biomed')).toBe(false);
    // A non-overlapping ESPresense room node is fine next to the Minew.
    expect((await post({ ...base, id: 'esp-ok', format: 'espresense', mac: undefined })).statusCode).toBe(201);
  });

  it('GET /api/gateways/:id serves the diagnostics; unknown → 404 RTLS_ERR_GATEWAY_NOT_FOUND', async () => {
    diagnostics.message('minew-ward', now);
    diagnostics.reads('minew-ward', [{ tag: 'ble:AC233FA018E7', rssi: -40, t: now - 5 }], now, -5);
    diagnostics.rejected('minew-ward', 'schema', false);
    now += 1000;
    const res = await get('/api/gateways/minew-ward');
    expect(res.statusCode).toBe(200);
    const d = GatewayDiagnosticsSchema.parse(res.json());
    expect(d.gateway).toMatchObject({ id: 'minew-ward', state: 'online', topic: '/gw/ac233fc001ea/status' });
    expect(d.recentReads).toEqual([{ tag: 'ble:AC233FA018E7', rssi: -40, t: T0 - 5 }]);
    expect(d.rejections).toEqual({ schema: 1 });
    expect(d.clockSkewMs).toBe(-5);
    expect(d.tagsHeard).toBe(1);
    const missing = await get('/api/gateways/nope');
    expect(missing.statusCode).toBe(404);
    expect(ErrorBodySchema.parse(missing.json()).code).toBe('RTLS_ERR_GATEWAY_NOT_FOUND');
  });

  it('diagnostics leave out recent reads of patients the viewer may not see', async () => {
    const infant = 'ble:AC233FA018E8';
    registry.upsertTags([{ id: infant, kind: 'patient', label: 'Infant 09', category: 'infant' }]);
    auth.opened.patients.enrol({ tag: infant, unit: 'maternity', pseudonym: 'Infant 09', category: 'infant', identity: { mrn: 'MRN-GW-1', name: 'Baby Gatewaytest', birthDate: null } }, 'test');
    diagnostics.reads('esp-ok', [{ tag: infant, rssi: -50, t: now }, { tag: 'ble:AC233FA018E7', rssi: -60, t: now }], now, 0);
    const readsAs = async (user: 'biomed' | 'icu-nurse' | 'maternity-nurse') =>
      GatewayDiagnosticsSchema.parse((await auth.inject(app, user, '/api/gateways/esp-ok')).json()).recentReads.map((r) => r.tag).sort();
    expect(await readsAs('biomed')).toEqual(['ble:AC233FA018E7', infant].sort());
    expect(await readsAs('maternity-nurse')).toEqual(['ble:AC233FA018E7', infant].sort());
    expect(await readsAs('icu-nurse')).toEqual(['ble:AC233FA018E7']);
  });

  it('a native gateway from the plan keeps its rtls/v1 topic, and a restart sync keeps an API-set vendor format', async () => {
    const res = await get('/api/gateways/gw-l0-a');
    expect(GatewayDiagnosticsSchema.parse(res.json()).gateway).toMatchObject({ format: 'native', topic: 'rtls/v1/gw/gw-l0-a/reads', state: null });
    registry.setGatewayIngest('gw-l0-a', { format: 'openmqttgateway' });
    registry.syncGatewaysFromSite(fixtureSite());
    expect(registry.view().gateway('gw-l0-a')).toMatchObject({ format: 'openmqttgateway', topic: 'home/gw-l0-a/BTtoMQTT/+' });
  });
});
