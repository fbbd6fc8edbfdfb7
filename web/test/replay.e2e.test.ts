/**
 * End to end, the replay view (issue #5 item 5; done when "the replay view works in headless Chromium with a
 * screenshot"): the built web app against the real demo (broker + simulated gateways + locator + history + API),
 * driven in Debian's chromium through playwright-core, as e2e.test.ts does. A simulated tag that has moved is
 * replayed: its trail is drawn on the plan, its visits are listed, the slider moves the marker to the position the
 * stored trail gives for that time, and a screenshot goes to /tmp/replay.png and web/artifacts/07-replay.png.
 *
 * Skips only when /usr/bin/chromium is missing and CI is not set; in CI a missing browser fails.
 * RTLS_E2E_BASE_URL=http://host:port runs the same checks against an already running locator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  ContactsResponseSchema, TagListResponseSchema, TagVisitsResponseSchema, TrailResponseSchema, ZoneVisitsResponseSchema,
  type Fix, type TagVisitsResponse,
} from '@rtls/protocol';
import { chooseResolution, gapMs, positionAt, trailLimit } from '../src/stores/replay.ts';
import { apiLogin, artifacts, login, setUpDemo, skipE2e, type ApiSession, type Harness } from './demo-harness.ts';

const skip = skipE2e('replay e2e');

/**
 * A tag counts as having moved when its stored trail spans at least this much: more than a parked tag's fix scatter
 * (a few metres with BLE), a walk across a room or two.
 */
const MOVED_M = 8;
/** Fixes stored before the replay is looked at: some 20–30 s of history at one fix a second. */
const MIN_FIXES = 20;

interface ReplayDebugMap {
  floor(): string | null;
  replayMarker(): { x: number; y: number; screenX: number; screenY: number } | null;
}
const mapDebug = (page: Page) => page.evaluate(() => {
  const m = (window as unknown as { __rtls: { map?: ReplayDebugMap } }).__rtls.map;
  return m ? { floor: m.floor(), marker: m.replayMarker() } : null;
});

const spread = (fixes: readonly Fix[]) => {
  let best = 0;
  for (const f of fixes) best = Math.max(best, Math.hypot(f.x - fixes[0]!.x, f.y - fixes[0]!.y));
  return best;
};

describe.skipIf(skip)('replay view end to end (chromium)', () => {
  let h: Harness | null = null;
  let base = '';
  let admin: ApiSession;
  let page: Page;
  const pageErrors: string[] = [];
  /** GET and parse as admin; a failure names the route and the server's code (a route not landed reads as that). */
  const getJson = <T>(url: string, schema: { parse(x: unknown): T }) => admin.get(url, schema);
  /** The replayed tag, the range and what the API says about it (the UI must show exactly that). */
  let tag = '';
  let from = 0;
  let to = 0;
  let fixes: Fix[] = [];
  let visits: TagVisitsResponse | null = null;

  const trailUrl = (id: string, a: number, b: number) => {
    const res = chooseResolution(b - a);
    return `${base}/api/tags/${encodeURIComponent(id)}/trail?from=${a}&to=${b}&resolutionMs=${res}&limit=${trailLimit(b - a, res)}`;
  };
  const sliderT = async () => Number(await page.getAttribute('[data-testid=replay-time]', 'data-t'));

  beforeAll(async () => {
    h = await setUpDemo({ name: 'replay-e2e', simTags: 60, pageErrors });
    base = h.base;
    admin = await apiLogin(base, 'admin');
    page = await h.newPage();
    await page.goto(base, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await login(page, 'admin');
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  }, 30_000);

  it('finds a simulated BLE tag whose stored trail shows it moving', async () => {
    const started = Date.now();
    from = started - 10 * 60_000;
    // History builds up at about one fix per tag per second; wait until some tag has walked a few metres.
    await expect.poll(async () => {
      to = Date.now();
      const list = await getJson(`${base}/api/tags?limit=200`, TagListResponseSchema);
      // Reference tags sit at surveyed spots (calibration): they never walk.
      const located = list.tags.filter((t) => t.lastFix !== null && t.lastFix.method.startsWith('ble') && t.kind !== 'unknown' && t.category !== 'reference-tag');
      let best: { id: string; fixes: Fix[]; spread: number; patient: boolean } | null = null;
      for (const t of located.slice(0, 60)) {
        const tr = await getJson(trailUrl(t.id, from, to), TrailResponseSchema);
        const s = tr.fixes.length >= MIN_FIXES ? spread(tr.fixes) : 0;
        if (s < MOVED_M) continue;
        // A patient if one walked (contact tracing is asked for patients), else the longest walk.
        const patient = t.kind === 'patient';
        if (!best || (patient && !best.patient) || (patient === best.patient && s > best.spread)) best = { id: t.id, fixes: tr.fixes, spread: s, patient };
      }
      if (best) {
        tag = best.id;
        fixes = best.fixes;
      }
      return tag;
    }, { timeout: 90_000, interval: 3000 }).not.toBe('');
    // Fixes near the range end may still be on their way into the store: wait until the answer for the range is
    // settled (two reads a second apart agree), so the page and the test compare the same history.
    let last = '';
    await expect.poll(async () => {
      const now = JSON.stringify((await getJson(trailUrl(tag, from, to), TrailResponseSchema)).fixes);
      const settled = now === last;
      last = now;
      return settled;
    }, { timeout: 20_000, interval: 1000 }).toBe(true);
    fixes = JSON.parse(last) as Fix[];
    // Oldest first, as the contract says; the UI interpolates on that order.
    expect(fixes.map((f) => f.t)).toEqual([...fixes.map((f) => f.t)].sort((a, b) => a - b));
    visits = await getJson(`${base}/api/tags/${encodeURIComponent(tag)}/visits?from=${from}&to=${to}`, TagVisitsResponseSchema);
  }, 120_000);

  it('opens #/replay for the tag: the trail is drawn as an SVG path on the plan and the visits are listed', async () => {
    expect(tag, 'set by the previous test').not.toBe('');
    await page.goto(`${base}/#/replay?tag=${encodeURIComponent(tag)}&from=${from}&to=${to}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('[data-testid=replay-panel]').waitFor({ timeout: 20_000 });
    expect(await page.getAttribute('[data-testid=nav-replay]', 'aria-current')).toBe('page');
    expect(await page.getAttribute('[data-testid=replay-subject]', 'data-tag')).toBe(tag);

    // The UI fetched the same trail (same range, same resolution) as the test did.
    await expect.poll(() => page.getAttribute('[data-testid=replay-trail-summary]', 'data-fixes', { timeout: 500 }).catch(() => null), { timeout: 20_000 }).toBe(String(fixes.length));
    // The trail line: an SVG path inside Leaflet's overlay pane, with as many vertices as fixes of its run.
    const trail = page.locator('.leaflet-overlay-pane path.replay-trail');
    await expect.poll(() => trail.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    const d = (await trail.first().getAttribute('d')) ?? '';
    expect(d.split(/[ML]/).filter((s) => s.trim() !== '').length, `path d="${d.slice(0, 80)}…"`).toBeGreaterThan(1);

    expect(visits).not.toBeNull();
    const rows = page.locator('[data-testid=replay-visit-row]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(visits!.visits.length);
    expect(visits!.visits.length, 'a walking tag passes through at least one room').toBeGreaterThan(0);
    const zones = await rows.evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.zone));
    expect(zones).toEqual(visits!.visits.map((v) => v.zone));
    // The rooms it passed through are labelled on the plan with their time.
    await expect.poll(() => page.locator('.replay-room-label').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('.replay-room-label span').first().textContent()).toMatch(/ · \d+ (s|min)/);
  }, 60_000);

  it('scrubbing the slider moves the marker to the trail position at that time, on that time\'s floor', async () => {
    // Two fixes far enough apart that the marker visibly moves between them.
    // The farthest-apart pair (earlier, later): the walk may have happened anywhere in the range, so a fixed starting
    // fix (it was the one at 20 %) could sit after the walk (CI saw 0.8 m).
    let a = fixes[0]!;
    let b = a;
    for (let i = 0; i < fixes.length; i++) {
      for (let j = i + 1; j < fixes.length; j++) {
        if (Math.hypot(fixes[j]!.x - fixes[i]!.x, fixes[j]!.y - fixes[i]!.y) > Math.hypot(b.x - a.x, b.y - a.y)) [a, b] = [fixes[i]!, fixes[j]!];
      }
    }
    expect(Math.hypot(b.x - a.x, b.y - a.y)).toBeGreaterThanOrEqual(MOVED_M / 2);
    const res = chooseResolution(to - from);
    const gap = gapMs(res);

    const slider = page.locator('[data-testid=replay-slider]');
    const seekTo = async (t: number) => {
      await slider.fill(String(t));
      // The range input snaps to its 1 s step: expect the position for the time the view actually shows.
      const shown = await sliderT();
      expect(Math.abs(shown - t)).toBeLessThanOrEqual(1000);
      const want = positionAt(fixes, shown, gap)!;
      await expect.poll(async () => (await mapDebug(page))?.floor, { timeout: 10_000 }).toBe(want.floor);
      await expect.poll(async () => {
        const m = (await mapDebug(page))?.marker;
        return m ? Math.hypot(m.x - want.x, m.y - want.y) : Infinity;
      }, { timeout: 10_000 }).toBeLessThan(0.05);
      return (await mapDebug(page))!.marker!;
    };
    const m1 = await seekTo(a.t);
    const m2 = await seekTo(b.t);
    expect(Math.hypot(m2.screenX - m1.screenX, m2.screenY - m1.screenY), 'marker moved on screen').toBeGreaterThan(3);

    // The stays containing the slider time are the highlighted rows.
    const active = await page.locator('[data-testid=replay-visit-row][aria-current=true]').evaluateAll((rs) => rs.map((r) => Number((r as HTMLElement).dataset.from)));
    const shown = await sliderT();
    const expected = visits!.visits.filter((v) => v.from <= shown && (shown < v.to || (shown === v.to && v.to === to))).map((v) => v.from);
    expect(active).toEqual(expected);

    // Clicking a visit moves the slider to its entry.
    const row = page.locator('[data-testid=replay-visit-row]').last();
    const entry = Number(await row.getAttribute('data-from'));
    await row.click();
    await expect.poll(sliderT, { timeout: 5000 }).toBe(Math.max(from, entry));
    expect(await row.getAttribute('aria-current')).toBe('true');

    // Back to a moment in the middle of the walk for the screenshot.
    await seekTo(Math.round((a.t + b.t) / 2));
    await page.waitForTimeout(300);
    await page.screenshot({ path: '/tmp/replay.png' });
    await page.screenshot({ path: path.join(artifacts, '07-replay.png') });
  }, 60_000);

  it('plays at 60×: the slider advances by itself and pause stops it', async () => {
    const slider = page.locator('[data-testid=replay-slider]');
    await slider.fill(String(from));
    const start = await sliderT();
    await page.click('[data-testid=replay-speed-60]');
    await page.click('[data-testid=replay-play]');
    // 60× plays a minute of history per second of wall time.
    await expect.poll(sliderT, { timeout: 10_000, interval: 200 }).toBeGreaterThan(start + 30_000);
    await page.click('[data-testid=replay-play]');
    const paused = await sliderT();
    await page.waitForTimeout(600);
    expect(await sliderT()).toBe(paused);
  });

  it('lists the tag\'s contacts with durations, at the radius chosen', async () => {
    await page.click('[data-testid=replay-tab-contacts]');
    await page.click('[data-testid=replay-radius-5]');
    expect(new URL(page.url()).hash).toMatch(/tab=contacts/);
    expect(new URL(page.url()).hash).toMatch(/radius=5/);
    const api = await getJson(`${base}/api/tags/${encodeURIComponent(tag)}/contacts?from=${from}&to=${to}&radiusM=5`, ContactsResponseSchema);
    await page.locator('[data-testid=replay-contacts-summary]').waitFor({ timeout: 20_000 });
    const rows = await page.locator('[data-testid=replay-contact-row]').evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.tag));
    expect(rows).toEqual(api.contacts.map((c) => c.tag));
    const href = await page.getAttribute('[data-testid=replay-csv-contacts]', 'href');
    expect(href).toContain(`/api/tags/${encodeURIComponent(tag)}/contacts?`);
    expect(href).toContain('format=csv');
    const csv = await admin.fetch(new URL(href!, base).toString());
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type') ?? '').toMatch(/text\/csv/);
    const expected = await csv.text();
    // A plain link cannot carry the bearer header (issue #6): the click fetches the export with it and saves the file.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.click('[data-testid=replay-csv-contacts]')]);
    expect(download.suggestedFilename()).toMatch(/^contacts-.*\.csv$/);
    const saved = fs.readFileSync((await download.path())!, 'utf8');
    // Same header row as the server's export (the rows may have moved on by a fix or two in between).
    expect(saved.split('\n')[0]).toBe(expected.split('\n')[0]);
    await page.click('[data-testid=replay-tab-visits]');
  }, 60_000);

  it('zone mode lists the tags that were in a room the tag visited', async () => {
    const v = visits!.visits[0]!;
    const api = await getJson(`${base}/api/zones/${encodeURIComponent(v.zone)}/visits?from=${from}&to=${to}`, ZoneVisitsResponseSchema);
    expect(api.visits.some((x) => x.tag === tag)).toBe(true);
    await page.goto(`${base}/#/replay?zone=${encodeURIComponent(v.zone)}&from=${from}&to=${to}`, { waitUntil: 'domcontentloaded' });
    const rows = page.locator('[data-testid=replay-zone-visit-row]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(new Set(api.visits.map((x) => x.tag)).size);
    // The zone is outlined on its floor.
    await expect.poll(async () => (await mapDebug(page))?.floor, { timeout: 10_000 }).toBe(v.floor);
    await expect.poll(() => page.locator('.leaflet-overlay-pane path.replay-room').count(), { timeout: 10_000 }).toBe(1);
    // A tag row opens that tag's replay.
    await page.click(`[data-testid=replay-zone-visit-row][data-tag="${tag}"]`);
    await expect.poll(() => new URL(page.url()).hash).toMatch(new RegExp(`^#/replay\\?tag=${encodeURIComponent(tag).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}&`));
  }, 60_000);

  it('a tag\'s detail panel on the live map offers "Replay last hour"', async () => {
    await page.goto(`${base}/#floor=L0`, { waitUntil: 'domcontentloaded' });
    await page.fill('[data-testid=search-input]', tag);
    await page.locator(`[data-testid=search-result][data-tag-id="${tag}"]`).click({ timeout: 20_000 });
    await page.click('[data-testid=detail-replay]');
    await expect.poll(() => new URL(page.url()).hash, { timeout: 5000 }).toMatch(/^#\/replay\?tag=/);
    await page.locator('[data-testid=replay-subject]').waitFor({ timeout: 10_000 });
    expect(await page.getAttribute('[data-testid=replay-subject]', 'data-tag')).toBe(tag);
    // Back to the live map: the live markers return.
    await page.click('[data-testid=nav-map]');
    await page.locator('[data-testid=replay-panel]').waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('.leaflet-overlay-pane path.replay-trail').count()).toBe(0);
  }, 60_000);

  it('raised no uncaught errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
