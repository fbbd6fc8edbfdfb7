/**
 * RTLS_BROKER_PROFILE=conformance (issue #6 item 8): loopback only, anonymous clients, every other MQTT 3.1.1 rule
 * kept, so interoperability suites can run against the broker. Also MQTT-3.1.3-8 in the production profile.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayReadsTopic } from '@rtls/protocol';
import { createBroker, loadBrokerConfig, type RtlsBroker } from '../src/index.ts';
import { Clients, USERS, connectPacket, mapAuthenticator, rawExchange, run } from './helpers.ts';

const clients = new Clients();
afterEach(() => clients.endAll());
const creds = (user: keyof typeof USERS) => ({ username: user, password: USERS[user]!.password });
const env = { RTLS_BROKER_PROFILE: 'conformance', RTLS_MQTT_PORT: '0', RTLS_MQTT_WS_PORT: 'off' };

describe('conformance profile', () => {
  let broker: RtlsBroker;
  let port: number;
  let url: string;

  beforeAll(async () => {
    const config = loadBrokerConfig(env);
    expect(config.host).toBe('127.0.0.1');
    broker = await createBroker({ config, authenticate: mapAuthenticator, allowConformanceProfile: true });
    port = broker.tcpPort!;
    url = `mqtt://127.0.0.1:${port}`;
  });
  afterAll(() => broker.close());

  it('accepts anonymous clients on loopback that publish, subscribe and retain anywhere but $SYS', async () => {
    const sub = await clients.connect(url, { clientId: 'interop-sub' });
    await sub.subscribeAsync('interop/#', { qos: 1 });
    const got = new Promise<string>((resolve) => sub.on('message', (t, p) => t === 'interop/live' && resolve(p.toString())));
    const mosquitto = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', 'interop/live', '-m', 'hello']);
    expect(mosquitto.code).toBe(0);
    expect(await got).toBe('hello');

    const pub = await clients.connect(url, { clientId: 'interop-pub', keepalive: 0 }); // keepalive 0 is legal MQTT
    await pub.publishAsync('interop/retained', 'kept', { qos: 1, retain: true });
    const late = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'interop/retained', '-C', '1', '--retained-only']);
    expect(late).toMatchObject({ code: 0, stdout: 'kept\n' });

    const err = await sub.subscribeAsync('$SYS/#').then(
      () => null,
      (e: { packet?: { granted?: number[] } }) => e,
    );
    expect(err?.packet?.granted).toEqual([128]);
    pub.publish('$SYS/forged', 'x');
    await new Promise<void>((resolve) => pub.once('close', () => resolve()));
  });

  it('keeps MQTT-3.1.3-8: an empty client id with CleanSession=0 gets CONNACK 2, with CleanSession=1 it is accepted', async () => {
    const before = broker.stats().clientIdRejected;
    const persistent = await rawExchange(port, connectPacket('', undefined, undefined, { clean: false }));
    expect([...persistent.subarray(0, 4)]).toEqual([0x20, 2, 0, 2]);
    expect(broker.stats().clientIdRejected).toBe(before + 1);
    const clean = await clients.connect(url, { clientId: '', clean: true });
    expect(clean.connected).toBe(true);
    // It really went out empty: the broker assigned an id (MQTT-3.1.3-6).
    expect(Object.keys((broker.aedes as unknown as { clients: object }).clients).some((id) => id.startsWith('aedes_'))).toBe(true);
  });

  it('keeps the gateway rules for clients with credentials, and an anonymous client cannot take over their ids', async () => {
    const gw = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
    expect(await clients.refused(url, { clientId: 'gw-a' })).toBe(2);
    expect(await clients.refused(url, { username: 'gw-a', password: 'wrong' })).toBe(4);
    gw.publish(gatewayReadsTopic('gw-b'), 'not mine');
    await new Promise<void>((resolve) => gw.once('close', () => resolve()));
  });

  it('is refused by createBroker unless the caller opts in (the locator never does)', async () => {
    await expect(createBroker({ config: loadBrokerConfig(env), authenticate: mapAuthenticator })).rejects.toThrow(
      /RTLS_BROKER_PROFILE=conformance is only for the standalone broker/,
    );
  });
});

describe('production profile and MQTT-3.1.3-8', () => {
  it('refuses an empty client id with CleanSession=0 with CONNACK 2 before looking at credentials', async () => {
    const broker = await createBroker({
      config: loadBrokerConfig({ RTLS_MQTT_HOST: '127.0.0.1', RTLS_MQTT_PORT: '0', RTLS_MQTT_WS_PORT: 'off' }),
      authenticate: mapAuthenticator,
    });
    try {
      const reply = await rawExchange(broker.tcpPort!, connectPacket('', 'locator', 'secret-l', { clean: false }));
      expect([...reply.subarray(0, 4)]).toEqual([0x20, 2, 0, 2]);
      // Anonymous stays refused here.
      expect(await clients.refused(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: 'interop' })).toBe(5);
    } finally {
      await clients.endAll();
      await broker.close();
    }
  });
});
