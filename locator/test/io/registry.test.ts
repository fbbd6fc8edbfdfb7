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

describe('registry: calibration', () => {
  const REF = bleTag(0xc0ffee);
  const bleIds = () => siteGateways().filter((x) => x.g.properties.tech === 'ble').map((x) => x.g.properties.id);

  it('starts with defaults: no offsets, no reference tags, the configured path loss', () => {
    const reg = fresh();
    reg.syncGatewaysFromSite(site);
    const view = reg.view();
    expect(view.gatewayOffsetDb(bleIds()[0]!)).toBe(0);
    expect(view.tagModelOffsetDb('infant')).toBe(0);
    expect(view.referenceTag(REF)).toBeUndefined();
    expect(view.pathLoss()).toEqual({ rssiAt1mDbm: -59, exponent: 2.2 });
    expect(reg.pathLoss()).toEqual({ rssiAt1mDbm: -59, exponent: 2.2, source: 'default', updatedAt: null });
    const customDir = tmpDir();
    dirs.push(customDir);
    const custom = openRegistry(customDir, { defaultPathLoss: { rssiAt1mDbm: -62, exponent: 2.5 } });
    open.push(custom);
    expect(custom.view().pathLoss()).toEqual({ rssiAt1mDbm: -62, exponent: 2.5 });
  });

  it('reference tags, offsets, tag models and path loss persist across a reopen and reach the view', () => {
    const dir = tmpDir();
    const reg = fresh(dir);
    reg.syncGatewaysFromSite(site);
    const [a, b, c] = bleIds();
    expect(reg.putReferenceTag(REF, { floor: 'L0', x: 12.5, y: 4, note: 'ward wall, 1.2 m' })).toMatchObject({ tag: REF, floor: 'L0', x: 12.5, y: 4, note: 'ward wall, 1.2 m' });
    expect(reg.view().referenceTag(REF)).toEqual({ floor: 'L0', x: 12.5, y: 4 });
    reg.setGatewayOffset(a!, -3.5);
    const rec = reg.recordLearnedCalibration({
      gateways: [{ id: b!, offsetDb: 2.25, samples: 140, updatedAt: 1_760_000_000_000 }, { id: a!, offsetDb: 9, samples: 99, updatedAt: 1_760_000_000_000 }],
      tagModels: [{ model: 'infant', offsetDb: -4.1, samples: 300, updatedAt: 1_760_000_000_000 }],
      snapshot: { version: 1, gateways: { [b!]: [[2.25, 1, 1_760_000_000_000]] }, tagModels: {} },
    });
    // The learned value for `a` is refused: its manual override stands.
    expect(rec).toEqual({ gateways: 1, tagModels: 1 });
    reg.setPathLoss({ rssiAt1mDbm: -61, exponent: 2.4 });
    reg.close();

    const again = fresh(dir);
    const view = again.view();
    expect(view.gatewayOffsetDb(a!)).toBe(-3.5);
    expect(view.gatewayOffsetDb(b!)).toBe(2.25);
    expect(view.gatewayOffsetDb(c!)).toBe(0);
    expect(view.tagModelOffsetDb('infant')).toBe(-4.1);
    expect(view.referenceTag(REF)).toEqual({ floor: 'L0', x: 12.5, y: 4 });
    expect(view.pathLoss()).toEqual({ rssiAt1mDbm: -61, exponent: 2.4 });
    expect(again.listGatewayCalibration()).toEqual([
      { gateway: a, offsetDb: -3.5, samples: 0, updatedAt: expect.any(Number), source: 'manual' },
      { gateway: b, offsetDb: 2.25, samples: 140, updatedAt: 1_760_000_000_000, source: 'reference-tags' },
    ].sort((x, y) => (x.gateway! < y.gateway! ? -1 : 1)));
    expect(again.learnerSnapshot()).toEqual({ version: 1, gateways: { [b!]: [[2.25, 1, 1_760_000_000_000]] }, tagModels: {} });

    // Clearing the override lets learning fill the row again; clearing path loss goes back to the defaults.
    expect(again.clearGatewayOffset(a!)).toBe(true);
    expect(view.gatewayOffsetDb(a!)).toBe(0);
    again.recordLearnedCalibration({ gateways: [{ id: a!, offsetDb: 1.5, samples: 50, updatedAt: 1_760_000_100_000 }], tagModels: [] });
    expect(view.gatewayOffsetDb(a!)).toBe(1.5);
    expect(again.setPathLoss(null)).toEqual({ rssiAt1mDbm: -59, exponent: 2.2, source: 'default', updatedAt: null });
    expect(view.pathLoss()).toEqual({ rssiAt1mDbm: -59, exponent: 2.2 });
    expect(again.deleteReferenceTag(REF)).toBe(true);
    expect(again.deleteReferenceTag(REF)).toBe(false);
    expect(view.referenceTag(REF)).toBeUndefined();
  });

  it('manual offsets: unknown gateway → RTLS_ERR_GATEWAY_NOT_FOUND, RFID gateway → RTLS_ERR_VALIDATION', () => {
    const reg = fresh();
    reg.syncGatewaysFromSite(site);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as RtlsError).code;
      }
      return null;
    };
    expect(code(() => reg.setGatewayOffset('no-such-gw', 1))).toBe('RTLS_ERR_GATEWAY_NOT_FOUND');
    expect(code(() => reg.setGatewayOffset('gw-l0-portal', 1))).toBe('RTLS_ERR_VALIDATION');
  });

  it('calibration written by another connection reaches the view on refreshIfChanged', () => {
    const dir = tmpDir();
    const service = fresh(dir);
    service.syncGatewaysFromSite(site);
    const cli = fresh(dir);
    const id = bleIds()[0]!;
    cli.setGatewayOffset(id, 4);
    cli.putReferenceTag(REF, { floor: 'L1', x: 3, y: 3 });
    expect(service.view().gatewayOffsetDb(id)).toBe(0);
    expect(service.refreshIfChanged()).toBe(true);
    expect(service.view().gatewayOffsetDb(id)).toBe(4);
    expect(service.view().referenceTag(REF)).toEqual({ floor: 'L1', x: 3, y: 3 });
  });

  it('a registry.db from before calibration gains the tables and keeps its data', () => {
    const dir = tmpDir();
    dirs.push(dir);
    const old = new Database(path.join(dir, 'registry.db'));
    old.exec(`CREATE TABLE tags (id TEXT PRIMARY KEY, kind TEXT NOT NULL, label TEXT NOT NULL, category TEXT, created_at INTEGER NOT NULL);
      INSERT INTO tags VALUES ('${bleTag(7)}', 'equipment', 'Old pump', NULL, 1);`);
    old.close();
    const reg = fresh(dir);
    expect(reg.listTags().map((t) => t.label)).toEqual(['Old pump']);
    expect(reg.listReferenceTags()).toEqual([]);
    expect(reg.pathLoss().source).toBe('default');
  });
});
