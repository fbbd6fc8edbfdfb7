/**
 * The whole data path on real parts: simulated gateways → MQTT/TCP (own credentials) → embedded Aedes →
 * in-process locator → SQLite → REST API and WebSocket live feed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixSchema, LiveServerMessageSchema, type Health, type TagInfo, type TagListResponse } from '@rtls/protocol';
import { startDemo, type Demo } from '../scripts/demo.ts';
import { DEMO_USER_PASSWORD, demoEnv, eventually, getJson, liveClient, login, loginAdmin, tempDir } from './helpers.ts';

describe('demo: broker + simulator + locator + API', () => {
  const tmp = tempDir();
  let demo: Demo;
  /** admin: sees every tag, patients by their pseudonym only (issue #6). */
  let token: string;

  beforeAll(async () => {
    demo = await startDemo({ env: demoEnv(tmp.dir, { RTLS_SIM_TAGS: '60' }) });
    token = await loginAdmin(demo.url);
  });
  afterAll(async () => {
    await demo?.close();
    tmp.cleanup();
  });

  it('creates the demo users and says how to log in; the API needs a token except for health', async () => {
    expect(demo.logins.map((l) => l.username).sort()).toEqual(['admin', 'biomed', 'icu-nurse', 'materials', 'maternity-nurse', 'security']);
    expect(demo.logins.find((l) => l.username === 'admin')).toMatchObject({ password: null, note: 'password from RTLS_ADMIN_PASSWORD' });
    expect((await getJson(`${demo.url}api/floors`)).status).toBe(401);
    expect((await getJson(`${demo.url}api/tags`)).status).toBe(401);
  });

  it('serves health, floors and gateways', async () => {
    const health = await getJson<Health>(`${demo.url}api/health`);
    expect(health.status).toBe(200);
    expect(health.body.mqtt.mode).toBe('embedded');
    const floors = await getJson<{ floors: Array<{ id: string }> }>(`${demo.url}api/floors`, token);
    expect(floors.body.floors.length).toBeGreaterThanOrEqual(2);
    const floor = await getJson<{ plan: { features: unknown[] } }>(`${demo.url}api/floors/${floors.body.floors[0]!.id}`, token);
    expect(floor.status).toBe(200);
    expect(floor.body.plan.features.length).toBeGreaterThan(20);
    const gws = await getJson<{ gateways: Array<{ id: string; state: string | null }> }>(`${demo.url}api/gateways`, token);
    expect(gws.body.gateways.length).toBeGreaterThan(20);
    // Simulated gateways published retained birth messages with their own credentials.
    await eventually(async () => {
      const g = await getJson<{ gateways: Array<{ state: string | null }> }>(`${demo.url}api/gateways`, token);
      return g.body.gateways.filter((x) => x.state === 'online').length > 10;
    });
  });

  it('simulated tags get fixes, listed by the API', async () => {
    const list = await eventually(async () => {
      const r = await getJson<TagListResponse>(`${demo.url}api/tags`, token);
      const fixed = r.body.tags.filter((t) => t.lastFix);
      return fixed.length >= 30 ? r.body : null;
    }, 20_000);
    const kinds = new Set(list.tags.map((t) => t.kind));
    expect(kinds.has('equipment')).toBe(true);
    expect(kinds.has('patient')).toBe(true);
    const one = list.tags.find((t) => t.lastFix)!;
    expect(FixSchema.safeParse(one.lastFix).success).toBe(true);
    const detail = await getJson<TagInfo>(`${demo.url}api/tags/${encodeURIComponent(one.id)}`, token);
    expect(detail.status).toBe(200);
    expect(detail.body.id).toBe(one.id);
    expect(detail.body.lastFix?.floor).toBeTruthy();
  });

  it('streams a snapshot then fix deltas over the WebSocket, filtered by floor', async () => {
    const wsUrl = `${demo.url.replace('http', 'ws')}api/live?floor=L1`;
    const c = liveClient(wsUrl, token);
    await c.opened;
    try {
      await eventually(() => c.messages.some((m) => m.type === 'fixes' && m.fixes.length > 0), 15_000);
      expect(c.messages[0]!.type).toBe('snapshot');
      for (const m of c.messages) expect(LiveServerMessageSchema.safeParse(m).success).toBe(true);
      const fixes = c.messages.flatMap((m) => (m.type === 'fixes' ? m.fixes : []));
      expect(fixes.every((f) => f.floor === 'L1')).toBe(true);
    } finally {
      c.ws.close();
    }
  });

  it('the demo patients are enrolled: admin sees pseudonyms, security their synthetic identity, a clinician only their unit', async () => {
    const listAs = async (t: string) => (await getJson<TagListResponse>(`${demo.url}api/tags?kind=patient&limit=500`, t)).body;
    const asAdmin = await listAs(token);
    expect(asAdmin.tags.length).toBeGreaterThan(0);
    expect(asAdmin.tags.every((t) => t.patient !== undefined && t.patient.identity === null)).toBe(true);
    const asSecurity = await listAs(await login(demo.url, 'security', DEMO_USER_PASSWORD));
    expect(asSecurity.total).toBe(asAdmin.total);
    expect(asSecurity.tags.every((t) => (t.patient?.identity?.name.length ?? 0) > 0)).toBe(true);
    const asIcu = await listAs(await login(demo.url, 'icu-nurse', DEMO_USER_PASSWORD));
    expect(asIcu.tags.every((t) => t.patient?.unit === 'icu')).toBe(true);
    expect(asIcu.total).toBe(asAdmin.tags.filter((t) => t.patient?.unit === 'icu').length);
    expect(asIcu.total).toBeLessThan(asAdmin.total);
  });
});
