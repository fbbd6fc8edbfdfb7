/**
 * MQTT over TLS (issue #6 item 7) with a self-signed certificate made by the openssl CLI at test time, reached with
 * mqtt.js and mosquitto_pub; configuration errors; and no secret (key, password) in any log line.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_ANY_FILTER, gatewayReadsTopic } from '@rtls/protocol';
import { createBroker, loadBrokerConfig, type RtlsBroker } from '../src/index.ts';
import { Clients, Collector, USERS, connectPacket, mapAuthenticator, rawExchange, run, text } from './helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtls-broker-tls-'));
const certFile = path.join(dir, 'cert.pem');
const keyFile = path.join(dir, 'key.pem');
const otherKeyFile = path.join(dir, 'other-key.pem');
const WRONG_PASSWORD = 'not-the-password-7f3a';

const creds = (user: keyof typeof USERS) => ({ username: user, password: USERS[user]!.password });
const clients = new Clients();
const logLines: string[] = [];
const tlsEnv = (extra: Record<string, string> = {}) => ({
  RTLS_MQTT_HOST: '127.0.0.1',
  RTLS_MQTT_PORT: 'off',
  RTLS_MQTT_WS_PORT: 'off',
  RTLS_MQTT_TLS_PORT: '0',
  RTLS_MQTT_TLS_CERT_FILE: certFile,
  RTLS_MQTT_TLS_KEY_FILE: keyFile,
  ...extra,
});

let broker: RtlsBroker;
let tlsPort: number;
let all: Collector;

async function openssl(args: string[]): Promise<void> {
  const r = await run('openssl', args);
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

beforeAll(async () => {
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ]);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKeyFile]);
  broker = await createBroker({
    config: loadBrokerConfig(tlsEnv()),
    authenticate: mapAuthenticator,
    logger: pino({ level: 'trace' }, { write: (line: string) => logLines.push(line) }),
  });
  tlsPort = broker.tlsPort!;
  all = await Collector.on(broker.messageSource(), GATEWAY_ANY_FILTER);
});
afterEach(() => clients.endAll());
afterAll(async () => {
  await broker?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('MQTT over TLS', () => {
  it('serves TLS only when the plain listeners are off: mqtt.js with the CA and mosquitto_pub --cafile get through', async () => {
    expect(broker.tcpPort).toBeNull();
    expect(broker.wsPort).toBeNull();
    expect(tlsPort).toBeGreaterThan(0);

    const ca = fs.readFileSync(certFile);
    const gw = await clients.connect(`mqtts://127.0.0.1:${tlsPort}`, { ca, clientId: 'gw-a', ...creds('gw-a') });
    await gw.publishAsync(gatewayReadsTopic('gw-a'), 'over-tls-mqttjs', { qos: 1 });
    await all.next((m) => text(m) === 'over-tls-mqttjs');

    const mosquitto = (...args: string[]) =>
      run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(tlsPort), '--cafile', certFile, '-q', '1', '-t', gatewayReadsTopic('gw-b'), ...args]);
    expect((await mosquitto('-i', 'gw-b', '-u', 'gw-b', '-P', 'secret-b', '-m', 'over-tls-mosquitto')).code).toBe(0);
    await all.next((m) => text(m) === 'over-tls-mosquitto');
    // The same authentication and rules as the plain listener.
    expect((await mosquitto('-i', 'gw-b', '-u', 'gw-b', '-P', WRONG_PASSWORD, '-m', 'x')).code).toBe(4);
    expect((await mosquitto('-i', 'gw-b', '-m', 'x')).code).toBe(5);
    expect((await mosquitto('-i', 'gw-a', '-u', 'gw-b', '-P', 'secret-b', '-m', 'x')).code).toBe(2);
  });

  it('is refused by a client that does not trust the certificate', async () => {
    await expect(clients.connect(`mqtts://127.0.0.1:${tlsPort}`, { clientId: 'gw-a', ...creds('gw-a') })).rejects.toThrow(/self[- ]signed/i);
  });

  it('gives a plain MQTT client no CONNACK on the TLS port', async () => {
    const before = broker.stats().clientErrors.tls ?? 0;
    await expect(clients.connect(`mqtt://127.0.0.1:${tlsPort}`, { clientId: 'gw-a', ...creds('gw-a'), connectTimeout: 2_000 })).rejects.toThrow();
    const reply = await rawExchange(tlsPort, connectPacket('gw-a', 'gw-a', 'secret-a'));
    expect(reply[0]).not.toBe(0x20); // whatever comes back (a TLS alert), it is not a CONNACK
    expect(broker.stats().clientErrors.tls ?? 0).toBeGreaterThan(before);
    expect(all.messages.some((m) => m.topic !== gatewayReadsTopic('gw-a') && m.topic !== gatewayReadsTopic('gw-b'))).toBe(false);
  });

  it('fails start-up with an error naming the variable: unreadable file, key not matching, port taken', async () => {
    const missing = path.join(dir, 'missing.pem');
    const err = (env: Record<string, string>) =>
      createBroker({ config: loadBrokerConfig(tlsEnv(env)), authenticate: mapAuthenticator }).then(
        async (b) => {
          await b.close();
          return null;
        },
        (e: Error) => e.message,
      );
    expect(await err({ RTLS_MQTT_TLS_CERT_FILE: missing })).toBe(`cannot read RTLS_MQTT_TLS_CERT_FILE ${missing} (ENOENT)`);
    expect(await err({ RTLS_MQTT_TLS_CA_FILE: missing })).toBe(`cannot read RTLS_MQTT_TLS_CA_FILE ${missing} (ENOENT)`);
    const mismatch = await err({ RTLS_MQTT_TLS_KEY_FILE: otherKeyFile });
    expect(mismatch).toMatch(/^TLS certificate or key unusable \(RTLS_MQTT_TLS_CERT_FILE=.*RTLS_MQTT_TLS_KEY_FILE=.*other-key\.pem\)/);
    expect(mismatch).not.toContain('PRIVATE KEY');

    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      expect(await err({ RTLS_MQTT_TLS_PORT: String(taken) })).toBe(`MQTT-over-TLS port ${taken} is already in use: set RTLS_MQTT_TLS_PORT to a free port`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('never logs the private key or a password (trace level, after all the above)', () => {
    expect(logLines.length).toBeGreaterThan(5);
    const keyBody = fs.readFileSync(keyFile, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----'));
    const logs = logLines.join('');
    for (const secret of ['secret-a', 'secret-b', WRONG_PASSWORD, ...keyBody]) expect(logs).not.toContain(secret);
    expect(logs).not.toContain('PRIVATE KEY');
  });
});
