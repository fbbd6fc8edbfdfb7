/**
 * The embedded broker over real sockets on random ports, with real mqtt.js clients: authentication, topic ACL,
 * no retained messages and no subscriptions from gateways, the packet-size limit, MQTT over WebSocket, the
 * connection cap, listen errors. (Client ids, revocation, lockout, a frozen subscriber: hardening.test.ts.)
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  GATEWAY_ANY_FILTER, GATEWAY_STATUS_FILTER, ReadBatchSchema, gatewayReadsTopic, gatewayStatusTopic,
} from '@rtls/protocol';
import { createBroker, loadBrokerConfig, type RtlsBroker } from '../src/index.ts';
import {
  Clients, Collector, USERS, closed, connectPacket, mapAuthenticator, publishPacket, rawExchange, remainingLength, text, until,
} from './helpers.ts';

const NOW = 1_760_000_000_000;
const MAX_PACKET_BYTES = 4096;
const testConfig = (extra: Record<string, string> = {}) =>
  loadBrokerConfig({
    RTLS_MQTT_HOST: '127.0.0.1',
    RTLS_MQTT_PORT: '0',
    RTLS_MQTT_WS_PORT: '0',
    RTLS_MQTT_MAX_PACKET_BYTES: String(MAX_PACKET_BYTES),
    // The lockout has its own tests (hardening.test.ts); here a few deliberate failures must not lock anyone out.
    RTLS_MQTT_LOCKOUT_FAILURES: '1000',
    RTLS_MQTT_LOCKOUT_ADDRESS_FAILURES: '1000',
    ...extra,
  });

const creds = (user: keyof typeof USERS) => ({ username: user, password: USERS[user]!.password });
const batch = (gw: string, seq: number) =>
  JSON.stringify(ReadBatchSchema.parse({ gw, seq, t: NOW, reads: [{ tag: 'ble:AABBCCDDEEFF', rssi: -61.5 }] }));

let broker: RtlsBroker;
let port: number;
let url: string;
let all: Collector; // every gateway topic, via the in-process source
const clients = new Clients();

beforeAll(async () => {
  broker = await createBroker({ config: testConfig(), authenticate: mapAuthenticator, clock: () => NOW });
  port = broker.tcpPort!;
  url = `mqtt://127.0.0.1:${port}`;
  all = await Collector.on(broker.messageSource(), GATEWAY_ANY_FILTER);
});
afterEach(() => clients.endAll());
afterAll(() => broker.close());

/**
 * Publishes a marker from gateway B and waits until the source has it. Messages published before the marker by a
 * client that has since been disconnected would have reached the source by then, so their absence is meaningful.
 */
async function flush(): Promise<void> {
  const b = await clients.connect(url, { clientId: 'gw-marker', ...creds('gw-marker') });
  const payload = `marker-${Math.random()}`;
  await b.publishAsync(gatewayReadsTopic('gw-marker'), payload, { qos: 1 });
  await all.next((m) => text(m) === payload);
  await b.endAsync();
}

describe('embedded broker', () => {
  it('delivers a gateway batch to the in-process message source with topic, bytes and clock time intact', async () => {
    const source = broker.messageSource();
    expect(source.mode).toBe('embedded');
    const reads = await Collector.on(source, gatewayReadsTopic('gw-a'));
    const gw = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
    const payload = Buffer.from(batch('gw-a', 1));
    await gw.publishAsync(gatewayReadsTopic('gw-a'), payload, { qos: 1 });

    const msg = await reads.next(() => true);
    expect(msg.topic).toBe('rtls/v1/gw/gw-a/reads');
    expect(msg.payload).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(msg.payload).equals(payload)).toBe(true);
    expect(msg.receivedAt).toBe(NOW);
    expect(source.isConnected()).toBe(true);
    await source.close();
    expect(source.isConnected()).toBe(false);
  });

  it('keeps delivering to others when an in-process subscriber throws', async () => {
    const throwing = broker.messageSource();
    await throwing.subscribe(gatewayReadsTopic('gw-a'), () => {
      throw new Error('subscriber bug');
    });
    const gw = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
    await gw.publishAsync(gatewayReadsTopic('gw-a'), 'after-throw', { qos: 1 });
    await all.next((m) => text(m) === 'after-throw');
    await gw.publishAsync(gatewayReadsTopic('gw-a'), 'after-throw-2', { qos: 1 });
    await all.next((m) => text(m) === 'after-throw-2');
    expect(gw.connected).toBe(true);
    await throwing.close();
  });

  it('refuses a wrong password, an unknown user and a client without credentials', async () => {
    const before = broker.stats().authFailures;
    expect(await clients.refused(url, { username: 'gw-a', password: 'wrong' })).toBe(4);
    expect(await clients.refused(url, { username: 'nobody', password: 'secret-a' })).toBe(4);
    expect(await clients.refused(url, {})).toBe(5);
    expect(await clients.refused(url, { username: 'gw-a' })).toBe(5);
    expect(broker.stats().authFailures).toBe(before + 4);
  });

  it('does not deliver a PUBLISH pipelined behind a refused CONNECT', async () => {
    const payload = Buffer.from('sneaked-in');
    const reply = await rawExchange(
      port,
      Buffer.concat([connectPacket('raw', 'gw-a', 'wrong'), publishPacket(gatewayReadsTopic('gw-a'), payload)]),
    );
    expect([...reply.subarray(0, 4)]).toEqual([0x20, 2, 0, 4]); // CONNACK, bad user name or password
    await flush();
    expect(all.messages.some((m) => text(m) === 'sneaked-in')).toBe(false);
  });

  it('disconnects a gateway publishing on another gateway topic, and delivers nothing', async () => {
    const before = broker.stats().aclDenials.publish;
    const gw = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
    gw.publish(gatewayReadsTopic('gw-b'), batch('gw-b', 7), { qos: 0 });
    gw.publish('anything/else', 'x', { qos: 0 });
    await closed(gw);
    await flush();
    expect(all.messages.some((m) => text(m).includes('"seq":7'))).toBe(false);
    expect(broker.stats().aclDenials.publish).toBe(before + 1);
  });

  it('refuses every subscription from a gateway, its own topics included (SUBACK 0x80), and keeps the connection', async () => {
    const before = broker.stats().aclDenials.subscribe;
    const gw = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
    // mqtt.js rejects a SUBACK containing 0x80 and attaches the packet.
    const err = await gw.subscribeAsync(['rtls/v1/gw/gw-a/#', gatewayReadsTopic('gw-b'), 'rtls/v1/gw/+/reads', '#']).then(
      () => null,
      (e: { packet?: { granted?: number[] } }) => e,
    );
    expect(err?.packet?.granted).toEqual([128, 128, 128, 128]);
    expect(broker.stats().aclDenials.subscribe).toBe(before + 4);
    // Still connected and still publishing.
    await gw.publishAsync(gatewayReadsTopic('gw-a'), 'after-suback-0x80', { qos: 1 });
    await all.next((m) => text(m) === 'after-suback-0x80');
    expect(gw.connected).toBe(true);
  });

  it('lets a service subscribe to every gateway but not publish to $SYS', async () => {
    const svc = await clients.connect(url, { clientId: 'locator', ...creds('locator') });
    await svc.subscribeAsync(GATEWAY_ANY_FILTER);
    const got = new Promise<string>((resolve) => svc.on('message', (_t, p) => resolve(p.toString())));
    const gw = await clients.connect(url, { clientId: 'gw-b', ...creds('gw-b') });
    await gw.publishAsync(gatewayReadsTopic('gw-b'), 'via-tcp', { qos: 1 });
    expect(await got).toBe('via-tcp');

    const before = broker.stats().aclDenials.publish;
    svc.publish('$SYS/fake/heartbeat', 'forged');
    await closed(svc);
    expect(broker.stats().aclDenials.publish).toBe(before + 1);
  });

  it('never stores a retained PUBLISH or last will from a gateway, but delivers both live (issue #6 item 6)', async () => {
    const status = gatewayStatusTopic('gw-a');
    const online = JSON.stringify({ gw: 'gw-a', state: 'online', t: NOW });
    const offline = JSON.stringify({ gw: 'gw-a', state: 'offline' });
    const before = broker.stats().retainStripped;
    const early = await Collector.on(broker.messageSource(), GATEWAY_STATUS_FILTER);
    const svc = await clients.connect(url, { clientId: 'locator-early', ...creds('locator') });
    const overMqtt: Array<{ payload: string; retain: boolean }> = [];
    svc.on('message', (_t, p, packet) => overMqtt.push({ payload: p.toString(), retain: packet.retain }));
    await svc.subscribeAsync(status, { qos: 1 });

    const gw = await clients.connect(url, {
      clientId: 'gw-a',
      ...creds('gw-a'),
      will: { topic: status, payload: Buffer.from(offline), qos: 1, retain: true },
    });
    await gw.publishAsync(status, online, { qos: 1, retain: true });
    await early.next((m) => text(m) === online);

    // Delivered live, but a subscriber arriving later finds nothing retained (the in-process source reads the
    // broker's retained store before its subscribe() resolves).
    const late = await Collector.on(broker.messageSource(), GATEWAY_STATUS_FILTER);
    expect(late.onTopic(status)).toEqual([]);

    // No DISCONNECT: the socket just dies, as when a gateway loses power. The will goes out live, not retained.
    gw.stream.destroy();
    await early.next((m) => text(m) === offline);
    const later = await Collector.on(broker.messageSource(), GATEWAY_STATUS_FILTER);
    expect(later.onTopic(status)).toEqual([]);
    await until(() => overMqtt.length === 2);
    expect(overMqtt).toEqual([{ payload: online, retain: false }, { payload: offline, retain: false }]);
    expect(broker.stats().retainStripped).toBe(before + 2);

    // A service may still retain: the same late-subscriber check does see its message.
    await svc.publishAsync('site/notice', 'kept', { qos: 1, retain: true });
    const newcomer = await Collector.on(broker.messageSource(), 'site/notice');
    expect(newcomer.messages.map(text)).toEqual(['kept']);
    expect(broker.stats().retainStripped).toBe(before + 2);
  });

  it('refuses a gateway whose last will is not on its own status topic', async () => {
    const before = broker.stats().aclDenials.will;
    const code = await clients.refused(url, {
      clientId: 'gw-a',
      ...creds('gw-a'),
      will: { topic: gatewayStatusTopic('gw-b'), payload: Buffer.from('{}'), qos: 0, retain: true },
    });
    expect(code).toBe(5);
    expect(broker.stats().aclDenials.will).toBe(before + 1);
  });

  it('disconnects a client sending a packet over maxPacketBytes, counts it, and keeps serving others', async () => {
    const before = broker.stats().oversizePackets;
    const gw = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
    gw.publish(gatewayReadsTopic('gw-a'), Buffer.alloc(MAX_PACKET_BYTES + 1, 0x41));
    await closed(gw);
    expect(broker.stats().oversizePackets).toBe(before + 1);

    // A header announcing ~100 MB is cut off at once, before any of the body is buffered.
    const header = Buffer.concat([Buffer.from([0x30]), remainingLength(100_000_000)]);
    await rawExchange(port, Buffer.concat([connectPacket('gw-a', 'gw-a', 'secret-a'), header]));
    expect(broker.stats().oversizePackets).toBe(before + 2);

    await flush(); // others are still served
    expect(all.messages.some((m) => m.payload.length > MAX_PACKET_BYTES)).toBe(false);
  });

  it('speaks MQTT over WebSocket with the same authentication and ACL', async () => {
    expect(broker.wsPort).toBeGreaterThan(0);
    const wsUrl = `ws://127.0.0.1:${broker.wsPort}/mqtt`;
    expect(await clients.refused(wsUrl, { username: 'gw-a', password: 'wrong' })).toBe(4);
    const gw = await clients.connect(wsUrl, { clientId: 'gw-a', ...creds('gw-a') });
    await gw.publishAsync(gatewayReadsTopic('gw-a'), 'over-websocket', { qos: 1 });
    expect((await all.next((m) => text(m) === 'over-websocket')).topic).toBe(gatewayReadsTopic('gw-a'));
    gw.publish(gatewayReadsTopic('gw-b'), 'not-mine');
    await closed(gw);
  });

  it('counts sockets and reports client errors by kind instead of crashing', async () => {
    // A socket that sends garbage: mqtt-packet rejects the header flags.
    const before = broker.stats().clientErrors['malformed-packet'] ?? 0;
    await rawExchange(port, Buffer.from([0x12, 0x00]));
    // A remaining length whose 4th byte still has the continuation bit set (MQTT 3.1.1 §2.2.3 allows 4 bytes).
    await rawExchange(port, Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]));
    const s = broker.stats();
    expect(s.clientErrors['malformed-packet']).toBe(before + 2);
    expect(s.connections.total).toBeGreaterThan(0);
    await flush();
  });
});

describe('broker limits and start-up errors', () => {
  it('closes sockets beyond maxConnections and counts them', async () => {
    const small = await createBroker({
      config: testConfig({ RTLS_MQTT_MAX_CONNECTIONS: '1', RTLS_MQTT_WS_PORT: 'off' }),
      authenticate: mapAuthenticator,
    });
    try {
      expect(small.wsPort).toBeNull();
      const u = `mqtt://127.0.0.1:${small.tcpPort}`;
      const first = await clients.connect(u, { clientId: 'gw-a', ...creds('gw-a') });
      await expect(clients.connect(u, { clientId: 'gw-b', ...creds('gw-b') })).rejects.toThrow();
      expect(small.stats().connections).toMatchObject({ current: 1, total: 1, refused: 1 });
      expect(small.stats().clients).toBe(1);
      // close() ends live sessions too.
      await small.close();
      await closed(first);
    } finally {
      await clients.endAll();
      await small.close();
    }
  });

  it('names RTLS_MQTT_PORT in a one-line error when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await createBroker({
        config: testConfig({ RTLS_MQTT_PORT: String(taken) }),
        authenticate: mapAuthenticator,
      }).then(() => null, (e: Error) => e);
      expect(err?.message).toBe(`MQTT port ${taken} is already in use: set RTLS_MQTT_PORT to a free port (or to off)`);

      const wsErr = await createBroker({
        config: testConfig({ RTLS_MQTT_WS_PORT: String(taken) }),
        authenticate: mapAuthenticator,
      }).then(() => null, (e: Error) => e);
      expect(wsErr?.message).toMatch(new RegExp(`^MQTT-over-WebSocket port ${taken} is already in use: set RTLS_MQTT_WS_PORT`));
      expect(wsErr?.message).not.toContain('\n');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
