import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import mqtt, { type MqttClient } from 'mqtt';
import { LoginResponseSchema, type LiveServerMessage } from '@rtls/protocol';

export function tempDir(prefix = 'rtls-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Passwords of the demo's users (issue #6): `admin` from RTLS_ADMIN_PASSWORD, the role users (security, icu-nurse,
 * maternity-nurse, materials, biomed) from RTLS_DEMO_PASSWORD. Test-only values, ≥ 12 characters as required.
 */
export const DEMO_ADMIN_PASSWORD = 'test-demo-admin-pw-1';
export const DEMO_USER_PASSWORD = 'test-demo-user-pw-1';

/** Environment for a demo on random loopback ports with its own data dir. */
export function demoEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    RTLS_ADMIN_PASSWORD: DEMO_ADMIN_PASSWORD,
    RTLS_DEMO_PASSWORD: DEMO_USER_PASSWORD,
    RTLS_HTTP_HOST: '127.0.0.1',
    RTLS_HTTP_PORT: '0',
    RTLS_MQTT_HOST: '127.0.0.1',
    RTLS_MQTT_PORT: '0',
    RTLS_MQTT_WS_PORT: 'off',
    RTLS_DATA_DIR: dataDir,
    RTLS_WEB_DIST: join(dataDir, 'no-web-build'),
    RTLS_SIM_TAGS: '0',
    RTLS_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Poll `fn` until it returns a truthy value or the deadline passes (behaviour, not timing, is asserted). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** The service root (`http://host:port/`, trailing slash or not) → the URL of `path` under it. */
function under(baseUrl: string, path: string): string {
  return new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
}

/** Logs in through POST /api/auth/login and returns the bearer token; throws with the answer when refused. */
export async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(under(baseUrl, 'api/auth/login'), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`login as ${username}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return LoginResponseSchema.parse(JSON.parse(text)).token;
}

/** `admin` of a demo started with demoEnv. */
export function loginAdmin(baseUrl: string): Promise<string> {
  return login(baseUrl, 'admin', DEMO_ADMIN_PASSWORD);
}

const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/**
 * A live-feed client that records every message. The token travels as the subprotocol pair the browser uses
 * (['rtls.v1', 'rtls.bearer.<token>']); without one the upgrade is refused (401).
 */
export function liveClient(url: string, token?: string): { ws: WebSocket; messages: LiveServerMessage[]; opened: Promise<void> } {
  const ws = new WebSocket(url, token ? ['rtls.v1', `rtls.bearer.${token}`] : []);
  const messages: LiveServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as LiveServerMessage));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, opened };
}

/** GET as the token's user (no token: anonymous, which only /api/health allows). */
export async function getJson<T = unknown>(url: string, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: bearer(token) });
  return { status: res.status, body: (await res.json()) as T };
}

export async function postJson<T = unknown>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

/** An mqtt.js client connected as a gateway (no automatic reconnect, so a refusal stays visible). */
export function connectMqtt(url: string, creds: { username: string; password: string }, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { ...creds, clientId, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

/** Publishes at QoS 1 and resolves on PUBACK (the broker has taken the message). */
export function publishQos1(c: MqttClient, topic: string, payload: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => c.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
}
