/**
 * HTTPS by configuration (issue #6 item 7): with RTLS_HTTPS_CERT_FILE/KEY_FILE the service speaks TLS only — a
 * client trusting the certificate logs in and reads over HTTPS, a plain-HTTP request to the port gets no answer, and
 * the live WebSocket works over wss. The certificate is made at test time with Debian's openssl.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadLocatorConfig } from '../../src/config.ts';
import { openRegistry, type Registry } from '../../src/registry/sqlite-registry.ts';
import { createLocatorService, type LocatorService } from '../../src/service.ts';
import { fixtureSite } from '../io/fixture-site.ts';
import { MemorySource, rmDir, silentLogger, tmpDir } from '../io/helpers.ts';

const ADMIN_PASSWORD = 'https-admin-password-1';
let dir: string;
let registry: Registry;
let svc: LocatorService;
let port: number;
let ca: Buffer;

function request(opts: https.RequestOptions & { body?: string }, mod: typeof https | typeof http = https): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = mod.request({ host: '127.0.0.1', port, ...opts }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error('timeout')));
    req.end(opts.body);
  });
}

beforeAll(async () => {
  dir = tmpDir('rtls-https-');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  ca = fs.readFileSync(path.join(dir, 'cert.pem'));
  registry = openRegistry(path.join(dir, 'data'));
  const config = loadLocatorConfig({
    RTLS_DATA_DIR: path.join(dir, 'data'), RTLS_WEB_DIST: path.join(dir, 'none'), RTLS_HTTP_HOST: '127.0.0.1', RTLS_HTTP_PORT: '0',
    RTLS_HTTPS_CERT_FILE: path.join(dir, 'cert.pem'), RTLS_HTTPS_KEY_FILE: path.join(dir, 'key.pem'), RTLS_ADMIN_PASSWORD: ADMIN_PASSWORD,
  });
  svc = await createLocatorService({ config, site: fixtureSite(), registry, messageSource: new MemorySource(), clock: Date.now, logger: silentLogger() });
  const l = await svc.listen();
  port = l.port;
  expect(l.url.startsWith('https://')).toBe(true);
});

afterAll(async () => {
  await svc?.close();
  registry?.close();
  rmDir(dir);
});

describe('HTTPS by configuration', () => {
  it('logs in and reads over TLS with a client that trusts the certificate', async () => {
    const login = await request({ method: 'POST', path: '/api/auth/login', ca, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    expect(login.status).toBe(200);
    const token = (JSON.parse(login.body) as { token: string }).token;
    const floors = await request({ method: 'GET', path: '/api/floors', ca, headers: { authorization: `Bearer ${token}` } });
    expect(floors.status).toBe(200);
    expect((JSON.parse(floors.body) as { floors: unknown[] }).floors.length).toBeGreaterThan(0);

    const ws = new WebSocket(`wss://127.0.0.1:${port}/api/live`, ['rtls.v1', `rtls.bearer.${token}`], { ca });
    const first = await new Promise<{ type: string }>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d)) as { type: string }));
      ws.once('error', reject);
    });
    expect(first.type).toBe('snapshot');
    expect(ws.protocol).toBe('rtls.v1'); // the token is never echoed back
    ws.close();
  });

  it('refuses a client that does not trust the certificate, and plain HTTP gets no HTTP answer', async () => {
    await expect(request({ method: 'GET', path: '/api/health' })).rejects.toThrow(/self[- ]signed|certificate/i);
    await expect(request({ method: 'GET', path: '/api/health' }, http)).rejects.toThrow();
  });
});
