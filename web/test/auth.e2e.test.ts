/**
 * End to end, people and privacy in the web app (issue #6: "the web app has a login page and hides what a role may not
 * see"): the built app against the real demo — which enrols its simulated patient bands with synthetic identities and
 * creates one user per role — driven in Debian's chromium through playwright-core.
 *
 * Screenshots of the login, users and audit pages go to a temp dir (printed) and web/artifacts/08…11-*.png.
 * Skips only when /usr/bin/chromium is missing and CI is not set; in CI a missing browser fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { AuditListResponseSchema, SecurityAlarmListResponseSchema, TagListResponseSchema, UserListResponseSchema, type TagInfo } from '@rtls/protocol';
import { apiLogin, artifacts, DEMO_USERS, login, setUpDemo, skipE2e, type ApiSession, type DemoUser, type Harness } from './demo-harness.ts';

const skip = skipE2e('auth e2e');
const TOKEN_KEY = 'rtls.session-token';

describe.skipIf(skip)('login, roles and patient privacy end to end (chromium)', () => {
  let h: Harness | null = null;
  let base = '';
  let security: ApiSession;
  let admin: ApiSession;
  const pageErrors: string[] = [];
  const pages: Page[] = [];
  let shots = '';
  /** Patient tags as security sees them: each with its synthetic identity. */
  let patients: TagInfo[] = [];

  const shot = async (page: Page, name: string) => {
    await page.waitForTimeout(200); // the last paint
    await page.screenshot({ path: path.join(shots, name) });
    await page.screenshot({ path: path.join(artifacts, name) });
  };
  const newPage = async () => {
    const p = await h!.newPage();
    pages.push(p);
    return p;
  };
  const openAs = async (user: DemoUser, hash = '') => {
    const p = await newPage();
    await p.goto(`${base}/${hash}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await login(p, user);
    return p;
  };
  const navIds = (p: Page) => p.$$eval('.view-nav a', (as) => as.map((a) => (a as HTMLElement).dataset.testid ?? ''));

  beforeAll(async () => {
    h = await setUpDemo({ name: 'auth-e2e', simTags: 120, pageErrors });
    base = h.base;
    shots = fs.mkdtempSync(path.join(os.tmpdir(), 'rtls-auth-shots-'));
    console.info(`[auth e2e] screenshots in ${shots}`);
    security = await apiLogin(base, 'security');
    admin = await apiLogin(base, 'admin');
    // The demo's patients, as a role that sees identity sees them.
    for (let waited = 0; patients.length === 0 && waited < 30_000; waited += 1000) {
      const list = await security.get(`${base}/api/tags?kind=patient&limit=1000`, TagListResponseSchema);
      patients = list.tags.filter((t) => t.patient?.identity);
      if (patients.length === 0) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(patients.length, 'the demo enrols its simulated patient bands').toBeGreaterThan(0);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  }, 30_000);

  it('shows only the login page without a session: no map, no data', async () => {
    const page = await newPage();
    const apiCalls: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) apiCalls.push(u.pathname);
    });
    await page.goto(base, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('[data-testid=login-page]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid=floor-map]').count()).toBe(0);
    expect(await page.locator('[data-testid=user-menu]').count()).toBe(0);
    expect(await page.getAttribute('[data-testid=login-password]', 'type')).toBe('password');
    expect(apiCalls).toEqual([]);
    await shot(page, '08-login.png');
  });

  it('a wrong password says so and starts no session', async () => {
    const page = pages[0]!;
    await page.fill('[data-testid=login-username]', 'admin');
    await page.fill('[data-testid=login-password]', 'not-the-password-at-all');
    await page.click('[data-testid=login-submit]');
    await page.locator('[data-testid=login-error]').waitFor({ timeout: 20_000 });
    expect(await page.textContent('[data-testid=login-error]')).toMatch(/unknown username or wrong password/i);
    expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBeNull();
    expect(await page.inputValue('[data-testid=login-password]')).toBe('');
    await shot(page, '08-login-error.png');
    // The same page then logs in fine.
    await login(page, 'admin');
    expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).not.toBeNull();
    expect(await page.evaluate((k) => localStorage.getItem(k), TOKEN_KEY)).toBeNull();
  }, 60_000);

  it('too many wrong passwords: the page says how long to wait and holds the button', async () => {
    const page = await newPage();
    await page.goto(base, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('[data-testid=login-page]').waitFor({ timeout: 20_000 });
    const limited = page.locator('[data-testid=login-error][data-code=RTLS_ERR_RATE_LIMITED]');
    // The locator locks an account after RTLS_LOGIN_MAX_FAILURES (5 by default) failures; a user no other test uses.
    for (let i = 0; i < 10 && (await limited.count()) === 0; i++) {
      await page.fill('[data-testid=login-username]', 'maternity-nurse');
      await page.fill('[data-testid=login-password]', `wrong-password-${i}`);
      await page.click('[data-testid=login-submit]');
      await page.locator('[data-testid=login-error]').waitFor({ timeout: 20_000 });
      await expect.poll(() => page.isEnabled('[data-testid=login-submit]').then((e) => e || limited.count().then((n) => n > 0)), { timeout: 20_000 }).toBe(true);
    }
    expect(await limited.textContent()).toMatch(/^Too many attempts, try again in \d+ s$/);
    expect(await page.isDisabled('[data-testid=login-submit]')).toBe(true);
    await shot(page, '08-login-rate-limited.png');
    await page.close();
  }, 90_000);

  it('security sees the patient’s name and MRN: found by name, shown in the tag panel', async () => {
    const target = patients.find((t) => t.lastFix !== null) ?? patients[0]!;
    const id = target.patient!.identity!;
    const page = await openAs('security');
    expect(await page.textContent('[data-testid=user-role]')).toMatch(/Security/);
    // A reload keeps the session (the token is in this tab's sessionStorage) and asks for no new login.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('[data-testid=user-menu]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid=login-page]').count()).toBe(0);
    await page.fill('[data-testid=search-input]', id.name);
    const hit = page.locator(`[data-testid=patient-result][data-tag-id="${target.id}"]`);
    await hit.waitFor({ timeout: 20_000 });
    await hit.click();
    await expect.poll(() => page.textContent('[data-testid=detail-patient-name]', { timeout: 10_000 }).catch(() => null), { timeout: 20_000 }).toBe(id.name);
    expect(await page.textContent('[data-testid=detail-patient-mrn]')).toBe(id.mrn);
    expect(await page.textContent('[data-testid=detail-label]')).toBe(target.label);
    expect(await page.textContent('[data-testid=detail-patient-unit]')).toBe(target.patient!.unit);
  }, 60_000);

  it('biomed never sees a patient name: not on screen, not in any API answer or live frame it receives', async () => {
    const page = await newPage();
    const received: string[] = [];
    page.on('response', async (r) => {
      if (!new URL(r.url()).pathname.startsWith('/api/')) return;
      received.push(await r.text().catch(() => ''));
    });
    page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString())));
    await page.goto(base, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await login(page, 'biomed');
    await expect.poll(() => page.getAttribute('[data-testid=connection-status]', 'data-state'), { timeout: 20_000 }).toBe('live');
    // No patient search for this role; the patient tag shows its pseudonymous label and unit only.
    expect(await page.getAttribute('[data-testid=search-input]', 'placeholder')).not.toMatch(/patient/i);
    const target = patients[0]!;
    await page.fill('[data-testid=search-input]', target.label);
    await page.locator(`[data-testid=search-result][data-tag-id="${target.id}"]`).click({ timeout: 20_000 });
    await expect.poll(() => page.textContent('[data-testid=detail-label]', { timeout: 5000 }).catch(() => null), { timeout: 20_000 }).toBe(target.label);
    expect(await page.textContent('[data-testid=detail-patient-unit]')).toBe(target.patient!.unit);
    expect(await page.locator('[data-testid=detail-patient-name]').count()).toBe(0);
    // Every floor's live snapshot passes through the page.
    const floors = await page.$$eval('[data-testid^=floor-button-]', (bs) => bs.map((b) => (b as HTMLElement).dataset.testid!.slice('floor-button-'.length)));
    for (const f of floors) {
      await page.click(`[data-testid=floor-button-${f}]`);
      await expect.poll(() => page.getAttribute('[data-testid=floor-map]', 'data-floor'), { timeout: 10_000 }).toBe(f);
      await page.waitForTimeout(1500);
    }
    const screen = await page.evaluate(() => `${document.body.innerText}\n${[...document.querySelectorAll('[title],[aria-label]')].map((e) => `${e.getAttribute('title')} ${e.getAttribute('aria-label')}`).join('\n')}`);
    expect(received.length).toBeGreaterThan(floors.length);
    const names = [...new Set(patients.map((t) => t.patient!.identity!.name))];
    const mrns = [...new Set(patients.map((t) => t.patient!.identity!.mrn))];
    const seen = [...names, ...mrns].filter((s) => screen.includes(s) || received.some((r) => r.includes(s)));
    expect(seen, `${names.length} names and ${mrns.length} MRNs checked`).toEqual([]);
    // And biomed is offered neither user management nor the audit log.
    const nav = await navIds(page);
    expect(nav).toContain('nav-map');
    expect(nav).not.toContain('nav-users');
    expect(nav).not.toContain('nav-audit');
    await page.goto(`${base}/#/admin/users`);
    await page.locator('[data-testid=not-allowed]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=users-page]').count()).toBe(0);
  }, 120_000);

  it('admin manages users: the list, and a new user’s one-time password shown once', async () => {
    const page = pages[0]!; // logged in as admin by the wrong-password test
    const nav = await navIds(page);
    expect(nav).toEqual(expect.arrayContaining(['nav-users', 'nav-audit', 'nav-alarms']));
    await page.click('[data-testid=nav-users]');
    await page.locator('[data-testid=users-page]').waitFor({ timeout: 10_000 });
    const api = (await admin.get(`${base}/api/users`, UserListResponseSchema)).users;
    await expect.poll(() => page.locator('[data-testid=user-row]').count(), { timeout: 10_000 }).toBe(api.length);
    const shown = await page.$$eval('[data-testid=user-row]', (rows) => rows.map((r) => (r as HTMLElement).dataset.username ?? ''));
    expect(new Set(shown)).toEqual(new Set(['admin', ...DEMO_USERS]));
    await shot(page, '09-users.png');

    await page.click('[data-testid=user-new]');
    await page.fill('[data-testid=user-form-username]', 'ward-clerk');
    await page.fill('[data-testid=user-form-name]', 'Ward Clerk');
    await page.selectOption('[data-testid=user-form-role]', 'clinical');
    await page.fill('[data-testid=user-form-units]', 'icu');
    await page.click('[data-testid=user-form-submit]');
    const otp = page.locator('[data-testid=one-time-password]');
    await otp.waitFor({ timeout: 10_000 });
    const password = (await otp.textContent()) ?? '';
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(await page.textContent('[data-testid=one-time-password-box]')).toMatch(/shown only now/);
    await expect.poll(() => page.locator('[data-testid=user-row][data-username="ward-clerk"]').count()).toBe(1);
    await shot(page, '10-users-one-time-password.png');
    // The one-time password works once, for the password change only.
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ward-clerk', password }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { mustChangePassword: boolean } }).user.mustChangePassword).toBe(true);
    await page.click('[data-testid=one-time-password-done]');
    expect(await page.locator('[data-testid=one-time-password]').count()).toBe(0);
  }, 60_000);

  it('admin searches and verifies the audit log', async () => {
    const page = pages[0]!;
    await page.click('[data-testid=nav-audit]');
    await page.locator('[data-testid=audit-page]').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('[data-testid=audit-row]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    // Filtered by user: security's accesses only, among them the patient views of the test above.
    await page.fill('[data-testid=audit-actor]', 'security');
    await page.click('[data-testid=audit-search]');
    await expect.poll(() => new URL(page.url()).hash).toBe('#/admin/audit?actor=security');
    const api = (await admin.get(`${base}/api/audit?actor=security&limit=200`, AuditListResponseSchema)).records;
    expect(api.some((r) => r.patients.length > 0), 'security’s patient views are in the log').toBe(true);
    await expect.poll(async () => {
      const actors = await page.$$eval('[data-testid=audit-row]', (rows) => rows.map((r) => (r as HTMLElement).dataset.actor ?? ''));
      return actors.length > 0 && actors.every((a) => a === 'security');
    }, { timeout: 10_000 }).toBe(true);
    // The rows shown are the server's records (the newest may have moved on since).
    const seqs = await page.$$eval('[data-testid=audit-row]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.seq)));
    const known = new Set(api.map((r) => r.seq));
    expect(seqs.filter((q) => q <= Math.max(...known)).every((q) => known.has(q))).toBe(true);
    await page.click('[data-testid=audit-verify]');
    const result = page.locator('[data-testid=audit-verify-result]');
    await result.waitFor({ timeout: 20_000 });
    expect(await result.getAttribute('data-ok')).toBe('true');
    expect(await result.textContent()).toMatch(/Chain intact — \d+ records verified/);
    await shot(page, '11-audit.png');
  }, 60_000);

  it('break-glass: reason required, red banner while active, identity shown, and security and admin alerted live', async () => {
    const adminPage = pages[0]!;
    const page = await openAs('materials');
    const target = patients[0]!;
    await page.click('[data-testid=user-menu]');
    await page.click('[data-testid=menu-break-glass]');
    await page.fill('[data-testid=break-glass-reason]', 'too short');
    await page.click('[data-testid=break-glass-submit]');
    expect(await page.textContent('[data-testid=break-glass-error]')).toMatch(/at least 10/);
    await page.fill('[data-testid=break-glass-reason]', 'Infant security alarm in maternity: locating the band');
    await page.fill('[data-testid=break-glass-minutes]', '5');
    await page.click('[data-testid=break-glass-submit]');
    const banner = page.locator('[data-testid=break-glass-banner]');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toMatch(/Break-glass access until \d\d:\d\d — every view is audited/);
    // Now the patient search by name works for this role.
    await page.fill('[data-testid=search-input]', target.patient!.identity!.name);
    await page.locator(`[data-testid=patient-result][data-tag-id="${target.id}"]`).click({ timeout: 20_000 });
    await expect.poll(() => page.textContent('[data-testid=detail-patient-name]', { timeout: 5000 }).catch(() => null), { timeout: 20_000 }).toBe(target.patient!.identity!.name);
    await shot(page, '12-break-glass.png');
    // The admin's open screen gets the security alarm as it happens.
    const alarms = (await admin.get(`${base}/api/security/alarms`, SecurityAlarmListResponseSchema)).alarms;
    const alarm = alarms.find((a) => a.kind === 'break-glass' && a.actor === 'materials');
    expect(alarm, 'the server raised a break-glass security alarm').toBeDefined();
    await adminPage.locator(`[data-testid=security-toast][data-alarm-id="${alarm!.id}"]`).waitFor({ timeout: 10_000 });
    await adminPage.click('[data-testid=nav-alarms]');
    await adminPage.locator(`[data-testid=security-alarm-row][data-alarm-id="${alarm!.id}"]`).waitFor({ timeout: 10_000 });
    await shot(adminPage, '14-security-alarms.png');
    // Ending it takes the identity off the screen again.
    await page.click('[data-testid=break-glass-end]');
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => page.locator('[data-testid=detail-patient-name]').count(), { timeout: 20_000 }).toBe(0);
  }, 90_000);

  it('logout returns to the login page, forgets the token, and the server refuses the old one', async () => {
    const page = pages[0]!;
    const token = await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY);
    expect(token).not.toBeNull();
    const before = await fetch(`${base}/api/floors`, { headers: { authorization: `Bearer ${token}`, 'x-rtls-background': '1' } });
    expect(before.status).toBe(200);
    await page.click('[data-testid=user-menu]');
    await page.click('[data-testid=menu-logout]');
    await page.locator('[data-testid=login-page]').waitFor({ timeout: 10_000 });
    expect(await page.getAttribute('[data-testid=login-reason]', 'data-reason')).toBe('logout');
    expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBeNull();
    expect(new URL(page.url()).hash).toBe('');
    await expect.poll(async () => (await fetch(`${base}/api/floors`, { headers: { authorization: `Bearer ${token}` } })).status, { timeout: 5000 }).toBe(401);
  });

  it('raised no uncaught errors in the pages', () => {
    expect(pageErrors).toEqual([]);
  });
});

// HIPAA automatic logoff (45 CFR 164.312(a)(2)(iii)), as issue #6 asks of the app: a screen left open logs out even
// though the live feed keeps streaming to it. The demo runs with the shortest idle window the locator allows (1 min),
// so the warning shows from the start and the logoff comes a minute after the last activity.
describe.skipIf(skip)('automatic logoff of an idle screen (chromium)', () => {
  let h: Harness | null = null;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    h = await setUpDemo({ name: 'idle-e2e', simTags: 60, pageErrors, env: { RTLS_SESSION_IDLE_MIN: '1' } });
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  }, 30_000);

  it('warns, keeps the session on “Stay logged in”, and logs out a minute after the last activity despite the live feed', async () => {
    const page = await h!.newPage();
    const frames: number[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', () => frames.push(Date.now())));
    await page.goto(h!.base, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await login(page, 'biomed');
    await expect.poll(() => page.getAttribute('[data-testid=connection-status]', 'data-state'), { timeout: 20_000 }).toBe('live');
    const token = await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY);
    const warning = page.locator('[data-testid=session-warning]');
    await warning.waitFor({ timeout: 10_000 });
    expect(await warning.textContent()).toMatch(/logged out in \d+ s/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(artifacts, '13-idle-warning.png') });
    const endsAt = Number(await warning.getAttribute('data-ends-at'));
    await page.click('[data-testid=session-stay]');
    // The click is activity: the keepalive (at most one per half window here) moves the end on.
    await expect.poll(async () => Number(await warning.getAttribute('data-ends-at')), { timeout: 45_000, interval: 500 }).toBeGreaterThan(endsAt);
    const newEnd = Number(await warning.getAttribute('data-ends-at'));
    // From here nobody touches the page; fixes keep arriving over the live feed.
    const idleFrom = Date.now();
    await page.locator('[data-testid=login-page]').waitFor({ timeout: newEnd - Date.now() + 15_000 });
    expect(frames.filter((t) => t > idleFrom + 10_000).length, 'live frames while the screen sat idle').toBeGreaterThan(0);
    expect(await page.getAttribute('[data-testid=login-reason]', 'data-reason')).toBe('idle');
    expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBeNull();
    const res = await fetch(`${h!.base}/api/floors`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
