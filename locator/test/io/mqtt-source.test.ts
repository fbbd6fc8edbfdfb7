import net from 'node:net';
import { Aedes, type Client as AedesClient } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_READS_FILTER, GATEWAY_STATUS_FILTER, gatewayReadsTopic, gatewayStatusTopic, type InboundMessage } from '@rtls/protocol';
import { createMqttSource, redactUrl, topicMatches, type MqttMessageSource } from '../../src/sources/mqtt-source.ts';
import { T0, capturingLogger, waitFor } from './helpers.ts';

let broker: Aedes;
let server: net.Server;
let url: string;
const clients = new Map<string, AedesClient>();
const sources: MqttMessageSource[] = [];
const pubs: mqtt.MqttClient[] = [];

const USER = 'locator';
const PASS = 'locator-secret-pw';

beforeAll(async () => {
  broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      const ok = username === USER && password?.toString() === PASS;
      if (ok) return done(null, true);
      const err = Object.assign(new Error('bad credentials'), { returnCode: 4 });
      done(err as never, false);
    },
  });
  broker.on('client', (c) => clients.set(c.id, c));
  broker.on('clientDisconnect', (c) => clients.delete(c.id));
  server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterEach(async () => {
  for (const s of sources.splice(0)) await s.close();
  for (const p of pubs.splice(0)) await p.endAsync();
});

afterAll(async () => {
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
});

function source(over: Partial<Parameters<typeof createMqttSource>[0]> = {}) {
  const s = createMqttSource({ url, username: USER, password: PASS, clock: () => T0, reconnectPeriodMs: 100, ...over });
  sources.push(s);
  return s;
}

async function publisher(): Promise<mqtt.MqttClient> {
  const p = await mqtt.connectAsync(url, { username: USER, password: PASS, reconnectPeriod: 0 });
  pubs.push(p);
  return p;
}

describe('mqtt source against a real Aedes broker', () => {
  it('delivers matching messages with receivedAt from the injected clock', async () => {
    const s = source({ clientId: 'loc-1' });
    const got: InboundMessage[] = [];
    await s.subscribe(GATEWAY_READS_FILTER, (m) => got.push(m));
    expect(s.isConnected()).toBe(true);
    expect(s.mode).toBe('external');
    const p = await publisher();
    await p.publishAsync(gatewayReadsTopic('gw-7'), '{"hello":1}', { qos: 1 });
    await p.publishAsync(gatewayStatusTopic('gw-7'), '{"ignored":true}', { qos: 1 });
    await waitFor(() => got.length >= 1, 'the reads message');
    expect(got).toHaveLength(1);
    expect(got[0]!.topic).toBe(gatewayReadsTopic('gw-7'));
    expect(Buffer.from(got[0]!.payload).toString()).toBe('{"hello":1}');
    expect(got[0]!.receivedAt).toBe(T0);
  });

  it('a subscribe made before the connection completes resolves once it is active', async () => {
    const s = source();
    expect(s.isConnected()).toBe(false);
    const got: string[] = [];
    await s.subscribe(GATEWAY_STATUS_FILTER, (m) => got.push(m.topic));
    const p = await publisher();
    await p.publishAsync(gatewayStatusTopic('gw-1'), '{}', { qos: 1 });
    await waitFor(() => got.length === 1, 'the status message');
  });

  it('resubscribes after the broker drops the connection', async () => {
    const s = source({ clientId: 'loc-reconnect' });
    const got: string[] = [];
    await s.subscribe(GATEWAY_READS_FILTER, (m) => got.push(Buffer.from(m.payload).toString()));
    expect(s.connects()).toBe(1);
    clients.get('loc-reconnect')!.close(); // broker side: clean session, so its subscriptions are gone
    await waitFor(() => s.connects() === 2 && s.isConnected(), 'the reconnect');
    const p = await publisher();
    // The resubscription completes asynchronously after CONNACK: publish until one arrives.
    await waitFor(() => {
      void p.publishAsync(gatewayReadsTopic('gw-2'), 'after', { qos: 0 });
      return got.includes('after');
    }, 'a message after reconnect');
  });

  it('wrong credentials: never connected, and neither password nor URL userinfo is logged', async () => {
    const { logger, lines } = capturingLogger();
    const s = source({ password: 'wrong-password-xyz', logger, url: url.replace('mqtt://', 'mqtt://someone:urlsecret@') });
    await waitFor(() => lines.some((l) => l.includes('mqtt source error')), 'a logged connection error');
    expect(s.isConnected()).toBe(false);
    const text = lines.join('\n');
    expect(text).not.toContain('wrong-password-xyz');
    expect(text).not.toContain('urlsecret');
  });
});

describe('topic filters', () => {
  it('match like an MQTT broker', () => {
    expect(topicMatches('rtls/v1/gw/+/reads', 'rtls/v1/gw/a/reads')).toBe(true);
    expect(topicMatches('rtls/v1/gw/+/reads', 'rtls/v1/gw/a/status')).toBe(false);
    expect(topicMatches('rtls/v1/gw/+/reads', 'rtls/v1/gw/a/b/reads')).toBe(false);
    expect(topicMatches('rtls/#', 'rtls/v1/gw/a/reads')).toBe(true);
    expect(topicMatches('rtls/v1/gw/+', 'rtls/v1/gw')).toBe(false);
    expect(topicMatches('a/b', 'a/b/c')).toBe(false);
  });

  it('redactUrl drops userinfo', () => {
    expect(redactUrl('mqtt://u:p@host:1883')).toBe('mqtt://host:1883');
  });
});
