/**
 * The whole data path on real parts: simulated gateways → MQTT/TCP (own credentials) → embedded Aedes →
 * in-process locator → SQLite → REST API and WebSocket live feed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixSchema, LiveServerMessageSchema, type Health, type TagInfo, type TagListResponse } from '@rtls/protocol';
import { startDemo, type Demo } from '../scripts/demo.ts';
import { demoEnv, eventually, getJson, liveClient, tempDir } from './helpers.ts';

describe('demo: broker + simulator + locator + API', () => {
  const tmp = tempDir();
  let demo: Demo;

  beforeAll(async () => {
    demo = await startDemo({ env: demoEnv(tmp.dir, { RTLS_SIM_TAGS: '60' }) });
  });
  afterAll(async () => {
    await demo?.close();
    tmp.cleanup();
  });

  it('serves health, floors and gateways', async () => {
    const health = await getJson<Health>(`${demo.url}api/health`);
    expect(health.status).toBe(200);
    expect(health.body.mqtt.mode).toBe('embedded');
    const floors = await getJson<{ floors: Array<{ id: string }> }>(`${demo.url}api/floors`);
    expect(floors.body.floors.length).toBeGreaterThanOrEqual(2);
    const floor = await getJson<{ plan: { features: unknown[] } }>(`${demo.url}api/floors/${floors.body.floors[0]!.id}`);
    expect(floor.status).toBe(200);
    expect(floor.body.plan.features.length).toBeGreaterThan(20);
    const gws = await getJson<{ gateways: Array<{ id: string; state: string | null }> }>(`${demo.url}api/gateways`);
    expect(gws.body.gateways.length).toBeGreaterThan(20);
    // Simulated gateways published retained birth messages with their own credentials.
    await eventually(async () => {
      const g = await getJson<{ gateways: Array<{ state: string | null }> }>(`${demo.url}api/gateways`);
      return g.body.gateways.filter((x) => x.state === 'online').length > 10;
    });
  });

  it('simulated tags get fixes, listed by the API', async () => {
    const list = await eventually(async () => {
      const r = await getJson<TagListResponse>(`${demo.url}api/tags`);
      const fixed = r.body.tags.filter((t) => t.lastFix);
      return fixed.length >= 30 ? r.body : null;
    }, 20_000);
    const kinds = new Set(list.tags.map((t) => t.kind));
    expect(kinds.has('equipment')).toBe(true);
    expect(kinds.has('patient')).toBe(true);
    const one = list.tags.find((t) => t.lastFix)!;
    expect(FixSchema.safeParse(one.lastFix).success).toBe(true);
    const detail = await getJson<TagInfo>(`${demo.url}api/tags/${encodeURIComponent(one.id)}`);
    expect(detail.status).toBe(200);
    expect(detail.body.id).toBe(one.id);
    expect(detail.body.lastFix?.floor).toBeTruthy();
  });

  it('streams a snapshot then fix deltas over the WebSocket, filtered by floor', async () => {
    const wsUrl = `${demo.url.replace('http', 'ws')}api/live?floor=L1`;
    const c = liveClient(wsUrl);
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
});
