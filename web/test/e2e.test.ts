/**
 * End to end: the built web app against the real demo (broker + simulator + locator + API, scripts/start-demo.ts),
 * driven in Debian's chromium through playwright-core. Screenshots go to web/artifacts/ (gitignored).
 *
 * Skips only when /usr/bin/chromium is missing and CI is not set; in CI a missing browser fails.
 * RTLS_E2E_BASE_URL=http://host:port runs the same checks against an already running locator instead of
 * building the app and starting the demo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { FloorListResponseSchema, FloorSchema, TagListResponseSchema, type FloorSummary, type TagInfo } from '@rtls/protocol';
import { apiLogin, artifacts, externalUrl, login, setUpDemo, skipE2e, type ApiSession, type Harness } from './demo-harness.ts';

const skip = skipE2e('web e2e');

interface MapDebug {
  markerCount(): number;
  position(id: string): { x: number; y: number } | null;
  visibleTags(): string[];
  floor(): string | null;
  center(): { x: number; y: number };
}
declare global {
  interface Window {
    __rtls: { map?: MapDebug };
  }
}

describe.skipIf(skip)('web app end to end (chromium)', () => {
  let h: Harness | null = null;
  let base = '';
  let admin: ApiSession;
  let page: Page;
  let floors: FloorSummary[] = [];
  const pageErrors: string[] = [];
  const getJson = <T>(url: string, schema: { parse(x: unknown): T }) => admin.get(url, schema);
  const markersPerFloor = new Map<string, number>();

  const shot = (name: string) => page.screenshot({ path: path.join(artifacts, name) });
  const markerCount = () => page.evaluate(() => window.__rtls.map?.markerCount() ?? 0);
  const legendTotal = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('[data-testid^="legend-count-"]')].reduce((a, e) => a + Number(e.textContent), 0),
    );
  const roomLabels = () => page.evaluate(() => [...document.querySelectorAll('.room-label span')].map((e) => e.textContent ?? ''));

  beforeAll(async () => {
    h = await setUpDemo({ name: 'e2e', simTags: 300, pageErrors });
    base = h.base;
    admin = await apiLogin(base, 'admin');
    floors = (await getJson(`${base}/api/floors`, FloorListResponseSchema)).floors;
    expect(floors.length).toBeGreaterThanOrEqual(2);
    page = await h.newPage();
    await page.goto(base, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await login(page, 'admin');
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  }, 30_000);

  it('renders the floor plan: room polygons and labels of the ground floor', async () => {
    await page.waitForSelector('path.room', { timeout: 20_000 });
    const shown = await page.getAttribute('[data-testid=floor-map]', 'data-floor');
    const floor = await getJson(`${base}/api/floors/${shown}`, FloorSchema);
    const rooms = floor.plan.features.filter((f) => f.properties.kind === 'room').length;
    expect(await page.locator('path.room').count()).toBe(rooms);
    expect(rooms).toBeGreaterThan(0);
    await expect.poll(() => page.getAttribute('[data-testid=connection-status]', 'data-state'), { timeout: 15_000 }).toBe('live');
    expect(await page.locator('[data-testid=connection-banner]').count()).toBe(0);
  });

  it('draws live markers on the canvas, as many as the legend counts', async () => {
    try {
      await expect.poll(markerCount, { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    } catch (err) {
      // Name the likely culprit: no fixes from the locator at all, or fixes the page did not draw.
      const health = await admin.fetch(`${base}/api/health`).then((r) => r.text(), (e: unknown) => String(e));
      throw new Error(`no markers drawn; locator health: ${health.slice(0, 1500)}`, { cause: err });
    }
    await expect.poll(async () => (await markerCount()) === (await legendTotal()), { timeout: 10_000 }).toBe(true);
    await shot('01-live-map.png');
  });

  it('moves markers as new fixes arrive', async () => {
    const ids = (await page.evaluate(() => window.__rtls.map!.visibleTags())).slice(0, 60);
    expect(ids.length).toBeGreaterThan(0);
    const before = await page.evaluate((list) => list.map((id) => window.__rtls.map!.position(id)), ids);
    await expect.poll(
      () => page.evaluate(
        ({ list, prev }) => list.some((id, i) => {
          const p = window.__rtls.map!.position(id);
          const q = prev[i];
          return p !== null && q !== null && q !== undefined && Math.hypot(p.x - q.x, p.y - q.y) > 0.05;
        }),
        { list: ids, prev: before },
      ),
      { timeout: 20_000, interval: 500 },
    ).toBe(true);
  });

  it('finds a tag by label: switches to its floor, centres it and shows room and accuracy', async () => {
    const list = await getJson(`${base}/api/tags?limit=500`, TagListResponseSchema);
    const target = list.tags.find((t: TagInfo) => t.registered && t.lastFix && t.lastFix.room !== null && t.kind === 'equipment')
      ?? list.tags.find((t: TagInfo) => t.lastFix && t.lastFix.room !== null);
    expect(target, 'a located tag to search for').toBeDefined();
    await page.fill('[data-testid=search-input]', target!.label);
    const result = page.locator(`[data-testid=search-result][data-tag-id="${target!.id}"]`);
    await result.waitFor({ timeout: 10_000 });
    await result.click();
    const detail = page.locator('[data-testid=tag-detail]');
    await detail.waitFor();
    await expect.poll(() => page.textContent('[data-testid=detail-label]')).toBe(target!.label);
    // The room is shown by its name from the floor plan (never the raw room id).
    const tagFloor = target!.lastFix!.floor;
    const plan = await getJson(`${base}/api/floors/${tagFloor}`, FloorSchema);
    const roomNames = new Set(plan.plan.features.flatMap((x) => (x.properties.kind === 'room' ? [x.properties.name] : [])));
    await expect.poll(async () => {
      const text = (await page.textContent('[data-testid=detail-room]'))?.trim() ?? '';
      return roomNames.has(text) || text === 'Between rooms' ? 'a room name' : text;
    }, { timeout: 10_000 }).toBe('a room name');
    expect(await page.textContent('[data-testid=detail-accuracy]')).toMatch(/^± \d+\.\d m$/);
    const floorNow = (await getJson(`${base}/api/tags/${encodeURIComponent(target!.id)}`, { parse: (x) => x as TagInfo })).lastFix?.floor;
    await expect.poll(() => page.getAttribute('[data-testid=floor-map]', 'data-floor'), { timeout: 10_000 }).toBe(floorNow);
    // Centred: the map centre is near the tag (it may have walked on a little since).
    await expect.poll(
      () => page.evaluate((id) => {
        const p = window.__rtls.map!.position(id);
        const c = window.__rtls.map!.center();
        return p === null ? Infinity : Math.hypot(p.x - c.x, p.y - c.y);
      }, target!.id),
      { timeout: 10_000 },
    ).toBeLessThan(10);
    // Screenshot the settled view, not a frame of the zoom animation.
    await page.waitForFunction(() => !document.querySelector('.leaflet-zoom-anim') && (document.querySelector('.tag-canvas') as HTMLElement).style.transform === '');
    await shot('02-search-detail.png');
  });

  it('switches floors and draws each floor’s own rooms', async () => {
    for (const f of floors) {
      await page.click(`[data-testid=floor-button-${f.id}]`);
      await expect.poll(() => page.getAttribute('[data-testid=floor-map]', 'data-floor'), { timeout: 10_000 }).toBe(f.id);
      const plan = await getJson(`${base}/api/floors/${f.id}`, FloorSchema);
      const names = plan.plan.features.flatMap((x) => (x.properties.kind === 'room' ? [x.properties.name] : []));
      expect(await page.locator('path.room').count()).toBe(names.length);
      expect((await roomLabels()).sort()).toEqual([...names].sort());
      // Let the new floor's snapshot arrive, then record what the legend says is here.
      await expect.poll(async () => (await markerCount()) === (await legendTotal()), { timeout: 10_000 }).toBe(true);
      markersPerFloor.set(f.id, await legendTotal());
      await shot(`03-floor-${f.id}.png`);
    }
    const total = [...markersPerFloor.values()].reduce((a, b) => a + b, 0);
    expect(total, `markers per floor: ${JSON.stringify(Object.fromEntries(markersPerFloor))}`).toBeGreaterThan(100);
  });

  it('stacks map and panels on a portrait tablet', async () => {
    await page.setViewportSize({ width: 820, height: 1180 });
    const map = await page.locator('[data-testid=floor-map]').boundingBox();
    const side = await page.locator('[data-testid=search]').boundingBox();
    expect(map && side).toBeTruthy();
    expect(side!.y).toBeGreaterThanOrEqual(map!.y + map!.height);
    expect(map!.width).toBeGreaterThan(700);
    await expect.poll(markerCount, { timeout: 10_000 }).toBeGreaterThan(0);
    await shot('04-tablet-portrait.png');
  });

  // Issue #2: the app shows when the live feed is down and reconnects by itself. The server really goes away (the
  // demo's process group is stopped) and comes back on the same port with the same data directory. Sessions live in
  // the locator's memory (issue #6: a restart logs everyone out, the safe failure), so the app must notice that its
  // session is gone — the refused WebSocket upgrade, checked over REST — and show the login page instead of retrying
  // the feed forever; after logging in it is live again on the same floor.
  it.skipIf(externalUrl !== undefined)('shows the outage, then asks to log in again when the restarted server has forgotten the session', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const floorBefore = await page.getAttribute('[data-testid=floor-map]', 'data-floor');
    await h!.stopDemo();
    await page.locator('[data-testid=connection-banner]').waitFor({ timeout: 20_000 });
    expect(await page.textContent('[data-testid=connection-banner]')).toMatch(/disconnected/i);
    await shot('05-feed-disconnected.png');
    await h!.restartDemo();
    await page.locator('[data-testid=login-page]').waitFor({ timeout: 45_000 });
    expect(await page.getAttribute('[data-testid=login-reason]', 'data-reason')).toBe('unauthorized');
    await login(page, 'admin');
    await expect.poll(() => page.getAttribute('[data-testid=connection-status]', 'data-state'), { timeout: 45_000, interval: 250 }).toBe('live');
    expect(await page.locator('[data-testid=connection-banner]').count()).toBe(0);
    expect(await page.getAttribute('[data-testid=floor-map]', 'data-floor')).toBe(floorBefore);
    await expect.poll(markerCount, { timeout: 20_000 }).toBeGreaterThan(0);
  }, 120_000);

  it('raised no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
