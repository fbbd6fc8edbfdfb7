/**
 * The end-to-end tests' shared harness: builds the web app, starts the real demo (broker + simulated gateways + locator +
 * history + API, scripts/start-demo.ts) in its own process group, launches Debian's chromium through playwright-core,
 * and logs in (issue #6: every route and the live feed need a session).
 *
 * Passwords: the demo reads RTLS_ADMIN_PASSWORD (user `admin`) and RTLS_DEMO_PASSWORD (the role users in DEMO_USERS).
 * A fresh random pair is made per run, so no password is written down anywhere. With RTLS_E2E_BASE_URL=http://host:port
 * the tests run against an already running locator instead, with the passwords taken from those same variables.
 *
 * Skips only when /usr/bin/chromium is missing and CI is not set; in CI a missing browser fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ErrorBodySchema, LoginResponseSchema } from '@rtls/protocol';

export const CHROMIUM = '/usr/bin/chromium';
export const webDir = fileURLToPath(new URL('..', import.meta.url));
export const repoRoot = path.resolve(webDir, '..');
export const artifacts = path.join(webDir, 'artifacts');
export const hasChromium = fs.existsSync(CHROMIUM);
const inCi = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
export const externalUrl = process.env.RTLS_E2E_BASE_URL;

/** Whether an e2e suite skips (no browser outside CI); says why once. */
export function skipE2e(label: string): boolean {
  const skip = !hasChromium && !inCi;
  if (skip) console.warn(`[${label}] SKIPPED: ${CHROMIUM} not found (install it with: apt-get install -y chromium). Set CI=true to make this a failure.`);
  return skip;
}

/** The demo's role users (scripts/demo-people.ts DEMO_USERS), all with RTLS_DEMO_PASSWORD. */
export const DEMO_USERS = ['security', 'icu-nurse', 'maternity-nurse', 'materials', 'biomed'] as const;
export type DemoUser = 'admin' | (typeof DEMO_USERS)[number];

const newPassword = () => `e2e-${randomBytes(12).toString('base64url')}`;
const ADMIN_PASSWORD = externalUrl ? (process.env.RTLS_ADMIN_PASSWORD ?? '') : newPassword();
const DEMO_PASSWORD = externalUrl ? (process.env.RTLS_DEMO_PASSWORD ?? '') : newPassword();
export const passwordOf = (user: DemoUser): string => (user === 'admin' ? ADMIN_PASSWORD : DEMO_PASSWORD);

const READY_RE = /RTLS demo running at (http:\/\/\S+)/;
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface DemoProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Start the demo in its own process group and resolve with its URL once it says it is running. */
export function startDemo(env: NodeJS.ProcessEnv): Promise<DemoProcess> {
  const script = path.join(repoRoot, 'scripts', 'start-demo.ts');
  if (!fs.existsSync(script)) throw new Error(`${script} does not exist: the e2e test needs the demo composition root`);
  const child = spawn('npx', ['tsx', 'scripts/start-demo.ts'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const output = () => out.slice(-4000);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not report ready within 90 s:\n${output()}`)), 90_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = READY_RE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!.replace(/\/$/, ''), output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`demo exited early (code ${code}, signal ${signal}):\n${output()}`));
    });
  });
}

/** SIGTERM the demo's whole process group (npx → tsx → node), wait until every member is gone, SIGKILL if not. */
export async function stopGroup(child: ChildProcess): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // Group already gone.
    }
  };
  signal('SIGTERM');
  // npx may exit at once while the demo itself is still closing: watch the group, not the direct child.
  for (let waited = 0; alive() && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  if (alive()) signal('SIGKILL');
}

/** REST as one user: the bearer header on every call, and failures that name the route and the server's error code. */
export class ApiSession {
  constructor(readonly base: string, readonly token: string) {}

  /** `pathOrUrl`: "/api/…" or a full URL on the same server. */
  fetch(pathOrUrl: string, init: RequestInit = {}): Promise<Response> {
    const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.token}`);
    // The test's own reads are not a person at a screen (locator auth-guard BACKGROUND_HEADER).
    headers.set('x-rtls-background', '1');
    return fetch(url, { ...init, headers });
  }

  async get<T>(pathOrUrl: string, schema: { parse(x: unknown): T }): Promise<T> {
    const res = await this.fetch(pathOrUrl);
    const body: unknown = await res.json().catch(() => null);
    if (res.status !== 200) {
      const err = ErrorBodySchema.safeParse(body);
      throw new Error(`${new URL(res.url).pathname} answered ${res.status} ${err.success ? `${err.data.code}: ${err.data.message}` : ''}`);
    }
    return schema.parse(body);
  }
}

/** POST /api/auth/login as a demo user. */
export async function apiLogin(base: string, user: DemoUser, password = passwordOf(user)): Promise<ApiSession> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password }),
  });
  const body: unknown = await res.json().catch(() => null);
  if (res.status !== 200) throw new Error(`login as ${user} answered ${res.status}: ${JSON.stringify(body)}`);
  return new ApiSession(base, LoginResponseSchema.parse(body).token);
}

/**
 * Log in through the page's login form (the page must show it: a fresh page, or after a logout or expiry), then wait
 * for the app's header. The hash the page was opened with is kept: the app opens that view after login.
 */
export async function login(page: Page, user: DemoUser, password = passwordOf(user)): Promise<void> {
  await page.locator('[data-testid=login-page]').waitFor({ timeout: 30_000 });
  await page.fill('[data-testid=login-username]', user);
  await page.fill('[data-testid=login-password]', password);
  await page.click('[data-testid=login-submit]');
  const done = await Promise.race([
    page.locator('[data-testid=user-menu]').waitFor({ timeout: 20_000 }).then(() => 'app'),
    page.locator('[data-testid=login-error]').waitFor({ timeout: 20_000 }).then(() => 'error'),
    page.locator('[data-testid=change-password]').waitFor({ timeout: 20_000 }).then(() => 'password'),
  ]);
  if (done === 'error') throw new Error(`login as ${user} failed: ${await page.textContent('[data-testid=login-error]')}`);
  if (done === 'password') throw new Error(`login as ${user} asks for a password change (one-time password): the demo did not take the harness's password`);
}

export interface Harness {
  base: string;
  browser: Browser;
  /** The running demo (null against RTLS_E2E_BASE_URL). */
  demo: DemoProcess | null;
  /** The environment the demo was started with (reuse it to start it again on the same data). */
  demoEnv: NodeJS.ProcessEnv;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Stop the demo (a real outage). */
  stopDemo(): Promise<void>;
  /** Start it again on the same port and data directory. */
  restartDemo(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Build the app into a temp dir, start the demo on free ports with a fresh data dir and this run's passwords, and launch
 * chromium. `pageErrors` collects uncaught errors of every page made through `newPage`.
 */
export async function setUpDemo(o: { name: string; simTags: number; pageErrors: string[]; env?: NodeJS.ProcessEnv }): Promise<Harness> {
  if (!hasChromium) throw new Error(`${CHROMIUM} is required in CI (apt-get install -y chromium)`);
  fs.mkdirSync(artifacts, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `rtls-web-${o.name}-`));
  let demo: DemoProcess | null = null;
  let base: string;
  let demoEnv: NodeJS.ProcessEnv = {};
  const cleanUp = async () => {
    if (demo) await stopGroup(demo.child);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  if (externalUrl) {
    base = externalUrl.replace(/\/$/, '');
  } else {
    const outDir = path.join(tmp, 'dist');
    await build({ root: webDir, configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true, sourcemap: false } });
    const dataDir = path.join(tmp, 'data');
    fs.mkdirSync(dataDir);
    demoEnv = {
      ...process.env,
      RTLS_HTTP_PORT: '0', RTLS_MQTT_PORT: '0', RTLS_MQTT_WS_PORT: 'off',
      RTLS_DATA_DIR: dataDir, RTLS_WEB_DIST: outDir, RTLS_SIM_TAGS: String(o.simTags),
      RTLS_ADMIN_PASSWORD: ADMIN_PASSWORD, RTLS_DEMO_PASSWORD: DEMO_PASSWORD,
      ...o.env,
    };
    try {
      demo = await startDemo(demoEnv);
    } catch (e) {
      await cleanUp();
      throw e;
    }
    base = demo.url;
  }
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
  } catch (e) {
    await cleanUp();
    throw e;
  }
  const h: Harness = {
    base,
    browser,
    demo,
    demoEnv,
    async newPage(viewport = { width: 1440, height: 900 }) {
      const page = await browser.newPage({ viewport });
      page.on('pageerror', (e) => o.pageErrors.push(e.message));
      return page;
    },
    async stopDemo() {
      if (h.demo) await stopGroup(h.demo.child);
    },
    async restartDemo() {
      h.demo = await startDemo({ ...demoEnv, RTLS_HTTP_PORT: new URL(base).port });
    },
    async close() {
      await browser.close();
      if (h.demo) await stopGroup(h.demo.child);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  return h;
}
