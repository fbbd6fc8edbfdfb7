/**
 * Real third-party MQTT parts: Debian's Mosquitto as an external broker, and mosquitto_pub as a gateway using
 * credentials printed by the admin command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GatewayCredentialsSchema, type TagInfo, type TagListResponse, type Health } from '@rtls/protocol';
import { loadSampleSite } from '@rtls/floorplans';
import { startDemo, type Demo } from '../scripts/demo.ts';
import { demoEnv, eventually, getJson, loginAdmin, tempDir } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const haveMosquitto = spawnSync('sh', ['-c', 'command -v mosquitto && command -v mosquitto_pub']).status === 0;
// On CI the tools are installed by .ci/run; a developer machine without them skips, but CI never does.
const skip = !haveMosquitto && !process.env.CI;

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

describe.skipIf(skip)('Debian Mosquitto as the external broker', () => {
  const tmp = tempDir();
  let mosq: ChildProcess;
  let demo: Demo;
  let token: string;

  beforeAll(async () => {
    const port = await freePort();
    const conf = join(tmp.dir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    mosq = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    await eventually(async () => {
      const p = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'probe', '-m', 'x']);
      return p.status === 0;
    }, 10_000, 200);
    demo = await startDemo({ env: demoEnv(tmp.dir, { RTLS_MQTT_URL: `mqtt://127.0.0.1:${port}`, RTLS_SIM_TAGS: '30' }) });
    token = await loginAdmin(demo.url);
  });
  afterAll(async () => {
    await demo?.close();
    mosq?.kill('SIGTERM');
    tmp.cleanup();
  });

  it('locator and simulator work through Mosquitto', async () => {
    expect(demo.broker).toBeNull();
    const health = await getJson<Health>(`${demo.url}api/health`);
    expect(health.body.mqtt.mode).toBe('external');
    await eventually(async () => {
      const r = await getJson<TagListResponse>(`${demo.url}api/tags`, token);
      return r.body.tags.filter((t) => t.lastFix).length >= 10;
    }, 20_000);
    expect((await getJson<Health>(`${demo.url}api/health`)).body.mqtt.connected).toBe(true);
  });
});

describe.skipIf(skip)('mosquitto_pub with credentials from the admin command', () => {
  const tmp = tempDir();
  let demo: Demo;
  let token: string;
  const gw = loadSampleSite().floors[0]!.gateways.find((g) => g.properties.tech === 'ble')!.properties.id;

  beforeAll(async () => {
    demo = await startDemo({ env: demoEnv(tmp.dir) });
    token = await loginAdmin(demo.url);
  });
  afterAll(async () => {
    await demo?.close();
    tmp.cleanup();
  });

  function adminCredentials(): { username: string; password: string; topic: string } {
    const r = spawnSync('npx', ['tsx', 'locator/src/cli/rtls.ts', 'gateway', 'credentials', gw], {
      cwd: ROOT, env: { ...process.env, RTLS_DATA_DIR: tmp.dir, RTLS_LOG_LEVEL: 'warn' }, encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    return GatewayCredentialsSchema.parse(JSON.parse(r.stdout.trim()));
  }

  // Asynchronous on purpose: the broker runs in this process, so a synchronous spawn would block it.
  function pub(creds: { username: string; password: string; topic: string }, message: string): Promise<{ status: number; stderr: string }> {
    return new Promise((resolve) => {
      execFile('mosquitto_pub', [
        '-h', '127.0.0.1', '-p', String(demo.mqttPort), '-u', creds.username, '-P', creds.password,
        // The gateway's own id as client id: the broker binds client ids to identities (issue #6 item 6).
        '-i', creds.username, '-q', '1', '-t', creds.topic, '-m', message,
      ], { encoding: 'utf8', timeout: 10_000 }, (err, _stdout, stderr) => {
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
      });
    });
  }

  it('publishes a native batch that shows up in the API', async () => {
    const creds = adminCredentials();
    const batch = { gw, seq: 1, t: Date.now(), reads: [{ tag: 'ble:C0FFEE000001', rssi: -63 }] };
    const r = await pub(creds, JSON.stringify(batch));
    expect(r.status, r.stderr).toBe(0);
    const tag = await eventually(async () => {
      const t = await getJson<TagInfo>(`${demo.url}api/tags/${encodeURIComponent('ble:C0FFEE000001')}`, token);
      return t.status === 200 ? t.body : null;
    }, 5_000);
    expect(tag.registered).toBe(false);
  });

  it('refuses bad credentials, and the old password after a rotation', async () => {
    const first = adminCredentials();
    const second = adminCredentials();
    const batch = JSON.stringify({ gw, seq: 2, t: Date.now(), reads: [{ tag: 'ble:C0FFEE000002', rssi: -63 }] });
    const old = await pub(first, batch);
    expect(old.status).not.toBe(0);
    expect(old.stderr).toMatch(/not authori[sz]ed|bad user ?name or password|refused/i);
    expect((await pub({ ...second, password: 'wrong' }, batch)).status).not.toBe(0);
    expect((await pub(second, batch)).status).toBe(0);
  });
});
