import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '@rtls/floorplans';
import { fixtureSite } from './fixture-site.ts';
import { RtlsError, gatewayReadsTopic } from '@rtls/protocol';
import { openRegistry, type Registry } from '../../src/registry/sqlite-registry.ts';
import { bleTag, rmDir, tmpDir } from './helpers.ts';

let site: Site;
const open: Registry[] = [];
const dirs: string[] = [];

function fresh(dir = tmpDir()): Registry {
  if (!dirs.includes(dir)) dirs.push(dir);
  const r = openRegistry(dir);
  open.push(r);
  return r;
}

beforeAll(async () => {
  site = fixtureSite();
});

afterEach(() => {
  for (const r of open.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmDir(d);
});

const siteGateways = () => site.floors.flatMap((f) => f.gateways.map((g) => ({ floor: f.summary.id, g })));

describe('registry: gateways from the site', () => {
  it('syncs every gateway feature with its floor, position and topic', () => {
    const reg = fresh();
    const res = reg.syncGatewaysFromSite(site);
    const expected = siteGateways();
    expect(expected.length).toBeGreaterThan(0);
    expect(res).toEqual({ added: expected.length, updated: 0, notInSite: [] });
    const listed = reg.listGateways();
    expect(listed.map((g) => g.id)).toEqual(expected.map((e) => e.g.properties.id).sort());
    const { floor, g } = expected[0]!;
    const rec = reg.view().gateway(g.properties.id)!;
    expect(rec).toMatchObject({
      id: g.properties.id, tech: g.properties.tech, format: g.properties.format, floor,
      x: g.geometry.coordinates[0], y: g.geometry.coordinates[1], mountHeightM: g.properties.mountHeightM,
    });
    expect(listed.find((x) => x.id === g.properties.id)!.topic).toBe(gatewayReadsTopic(g.properties.id));
    expect(reg.syncGatewaysFromSite(site)).toEqual({ added: 0, updated: expected.length, notInSite: [] });
  });
});

describe('registry: gateway credentials', () => {
  it('issues credentials that authenticate; rotation makes the old password fail', async () => {
    const reg = fresh();
    reg.syncGatewaysFromSite(site);
    const id = siteGateways()[0]!.g.properties.id;
    const c1 = await reg.issueGatewayCredentials(id);
    expect(c1.username).toBe(id);
    expect(c1.topic).toBe(gatewayReadsTopic(id));
    expect(c1.password.length).toBeGreaterThanOrEqual(24);
    expect(await reg.authenticateGateway(id, c1.password)).toBe(id);
    expect(await reg.authenticateGateway(id, `${c1.password}x`)).toBeNull();

    const c2 = await reg.issueGatewayCredentials(id);
    expect(c2.password).not.toBe(c1.password);
    expect(await reg.authenticateGateway(id, c1.password)).toBeNull();
    expect(await reg.authenticateGateway(id, c2.password)).toBe(id);
  });

  it('refuses gateways without credentials, other usernames and empty passwords', async () => {
    const reg = fresh();
    reg.syncGatewaysFromSite(site);
    const [a, b] = siteGateways().map((x) => x.g.properties.id);
    const ca = await reg.issueGatewayCredentials(a!);
    expect(await reg.authenticateGateway(b!, ca.password)).toBeNull();
    expect(await reg.authenticateGateway('no-such-gw', ca.password)).toBeNull();
    expect(await reg.authenticateGateway(a!, '')).toBeNull();
  });

  it('unknown gateway → RtlsError RTLS_ERR_GATEWAY_NOT_FOUND', async () => {
    const reg = fresh();
    reg.syncGatewaysFromSite(site);
    const err = await reg.issueGatewayCredentials('no-such-gw').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RtlsError);
    expect((err as RtlsError).code).toBe('RTLS_ERR_GATEWAY_NOT_FOUND');
  });

  it('keeps password hashes across a re-sync and stores only scrypt hashes', async () => {
    const dir = tmpDir();
    const reg = fresh(dir);
    reg.syncGatewaysFromSite(site);
    const id = siteGateways()[0]!.g.properties.id;
    const c = await reg.issueGatewayCredentials(id);
    reg.syncGatewaysFromSite(site);
    expect(await reg.authenticateGateway(id, c.password)).toBe(id);
    expect(reg.listGateways().find((g) => g.id === id)!.hasCredentials).toBe(true);
    const raw = new Database(path.join(dir, 'registry.db'), { readonly: true });
    const row = raw.prepare('SELECT password_hash FROM gateways WHERE id = ?').get(id) as { password_hash: string };
    raw.close();
    expect(row.password_hash.startsWith('scrypt$')).toBe(true);
    expect(row.password_hash).not.toContain(c.password);
  });

  it('a rotation by another process (second connection, like the CLI) takes effect at once', async () => {
    const dir = tmpDir();
    const service = fresh(dir);
    service.syncGatewaysFromSite(site);
    const id = siteGateways()[0]!.g.properties.id;
    const before = await service.issueGatewayCredentials(id);
    const cli = fresh(dir);
    const after = await cli.issueGatewayCredentials(id);
    expect(await service.authenticateGateway(id, before.password)).toBeNull();
    expect(await service.authenticateGateway(id, after.password)).toBe(id);
  });
});

describe('registry: tags and the cached view', () => {
  it('upserted tags appear in the view as registered summaries', () => {
    const reg = fresh();
    const view = reg.view();
    expect(view.tag(bleTag(1))).toBeUndefined();
    reg.upsertTags([{ id: bleTag(1), kind: 'equipment', label: 'Pump 1', category: 'infusion-pump' }]);
    expect(view.tag(bleTag(1))).toEqual({ id: bleTag(1), kind: 'equipment', label: 'Pump 1', registered: true, category: 'infusion-pump' });
    reg.upsertTags([{ id: bleTag(1), kind: 'equipment', label: 'Pump 1b', category: null }]);
    expect(view.tag(bleTag(1))!.label).toBe('Pump 1b');
    expect(reg.listTags()).toHaveLength(1);
  });

  it('refreshIfChanged reloads the view after another connection wrote', () => {
    const dir = tmpDir();
    const a = fresh(dir);
    const b = fresh(dir);
    expect(a.refreshIfChanged()).toBe(false);
    b.upsertTags([{ id: bleTag(2), kind: 'patient', label: 'Infant 07', category: 'infant' }]);
    expect(a.view().tag(bleTag(2))).toBeUndefined();
    expect(a.refreshIfChanged()).toBe(true);
    expect(a.view().tag(bleTag(2))!.label).toBe('Infant 07');
    expect(a.refreshIfChanged()).toBe(false);
  });
});
