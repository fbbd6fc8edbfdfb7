/**
 * MQTT hardening (issue #6 item 6) over real sockets with real clients (mqtt.js and Debian's mosquitto_pub /
 * mosquitto_sub): anonymous and wrong credentials refused, client ids bound to identities (no takeover),
 * subscriptions from gateways refused, revocation, lockout of repeated failed logins, a frozen subscriber.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_ANY_FILTER, gatewayReadsTopic } from '@rtls/protocol';
import { createBroker, loadBrokerConfig, type Authenticator, type CredentialPrincipal, type RtlsBroker } from '../src/index.ts';
import {
  Clients, Collector, USERS, closed, connectPacket, mapAuthenticator, rawExchange, rawSession, run, subscribePacket, text, until,
} from './helpers.ts';

const creds = (user: keyof typeof USERS) => ({ username: user, password: USERS[user]!.password });
const baseEnv = { RTLS_MQTT_HOST: '127.0.0.1', RTLS_MQTT_PORT: '0', RTLS_MQTT_WS_PORT: 'off' };
const clients = new Clients();
afterEach(() => clients.endAll());

/** The id a principal's revocation is keyed by in these tests (the usernames in USERS are the same). */
const idOf = (p: CredentialPrincipal) => (p.kind === 'gateway' ? p.gatewayId : p.name);

/**
 * A credential store the tests can revoke from or rotate: the authenticator stamps each principal with the
 * current credential version, and `revalidate` compares, as the locator's registry does.
 */
class RevocableStore {
  readonly revoked = new Set<string>();
  readonly version = new Map<string, string>();
  /** Ids whose revalidation throws (a registry outage). */
  readonly failing = new Set<string>();
  revalidateCalls = 0;

  readonly authenticate: Authenticator = async (username, password) => {
    const p = await mapAuthenticator(username, password);
    if (p === null || p.kind === 'anonymous' || this.revoked.has(idOf(p))) return null;
    return { ...p, credentialStamp: this.version.get(idOf(p)) ?? 'v1' };
  };

  readonly revalidate = async (p: CredentialPrincipal): Promise<boolean> => {
    this.revalidateCalls++;
    const id = idOf(p);
    if (this.failing.has(id)) throw new Error('registry unavailable');
    return !this.revoked.has(id) && p.credentialStamp === (this.version.get(id) ?? 'v1');
  };
}

describe('broker hardening', () => {
  const store = new RevocableStore();
  let broker: RtlsBroker;
  let port: number;
  let url: string;
  let all: Collector;

  beforeAll(async () => {
    broker = await createBroker({
      // The periodic check is 60 s here so that only revalidateNow() disconnects during these tests; the timer
      // has its own test below.
      config: loadBrokerConfig({ ...baseEnv, RTLS_MQTT_REVALIDATE_S: '60', RTLS_MQTT_LOCKOUT_FAILURES: '1000', RTLS_MQTT_LOCKOUT_ADDRESS_FAILURES: '1000' }),
      authenticate: store.authenticate,
      revalidate: store.revalidate,
    });
    port = broker.tcpPort!;
    url = `mqtt://127.0.0.1:${port}`;
    all = await Collector.on(broker.messageSource(), GATEWAY_ANY_FILTER);
  });
  afterAll(() => broker.close());

  const pub = (...args: string[]) =>
    run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', gatewayReadsTopic('gw-a'), ...args]);

  it('refuses mosquitto_pub without credentials (exit code = CONNACK 5) and with a wrong password (4)', async () => {
    const before = broker.stats().authFailures;
    const anonymous = await pub('-i', 'gw-a', '-m', 'anonymous');
    expect(anonymous.code).toBe(5);
    expect(anonymous.stderr).toMatch(/not authori[sz]ed/i);
    const wrong = await pub('-i', 'gw-a', '-u', 'gw-a', '-P', 'not-the-password', '-m', 'wrong');
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/bad user name or password/i);
    expect(broker.stats().authFailures).toBe(before + 2);
    // The right credentials and the gateway's own client id get through, and only that message arrives.
    expect((await pub('-i', 'gw-a', '-u', 'gw-a', '-P', 'secret-a', '-m', 'from-mosquitto')).code).toBe(0);
    await all.next((m) => text(m) === 'from-mosquitto');
    expect(all.messages.map(text).filter((t) => t === 'anonymous' || t === 'wrong')).toEqual([]);
  });

  it('binds client ids to identities: a gateway as its id or declared firmware ids, a service as <name> or <name>-*', async () => {
    const before = broker.stats().clientIdRejected;
    // Accepted.
    await clients.connect(url, { clientId: 'gw-b', ...creds('gw-b') });
    await clients.connect(url, { clientId: 'AC233FC001EA', ...creds('gw-c') });
    await clients.connect(url, { clientId: 'gw-c', ...creds('gw-c') });
    await clients.connect(url, { clientId: 'locator', ...creds('locator') });
    await clients.connect(url, { clientId: 'locator-3fa2', ...creds('locator') });
    // Refused with CONNACK 2, identifier rejected.
    expect(await clients.refused(url, { clientId: 'gw-b-2', ...creds('gw-b') })).toBe(2);
    expect(await clients.refused(url, { clientId: 'AC233FC001EB', ...creds('gw-c') })).toBe(2);
    expect(await clients.refused(url, { clientId: 'locatorx', ...creds('locator') })).toBe(2);
    expect(await clients.refused(url, { clientId: 'gw-b', ...creds('locator') })).toBe(2);
    expect((await pub('-i', 'someone-else', '-u', 'gw-a', '-P', 'secret-a', '-m', 'x')).code).toBe(2);
    // A gateway with an empty client id (clean session, so MQTT itself would allow it) is refused too.
    const reply = await rawExchange(port, connectPacket('', 'gw-a', 'secret-a'));
    expect([...reply.subarray(0, 4)]).toEqual([0x20, 2, 0, 2]);
    expect(broker.stats().clientIdRejected).toBe(before + 6);
  });

  it('refuses a takeover of a client id by another identity and keeps the holder connected', async () => {
    const before = broker.stats().clientIdRejected;
    const a = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
    let aClosed = false;
    a.on('close', () => (aClosed = true));
    // Gateway B's valid credentials with gateway A's client id; the service with it too.
    expect(await clients.refused(url, { clientId: 'gw-a', ...creds('gw-b') })).toBe(2);
    expect(await clients.refused(url, { clientId: 'gw-a', ...creds('locator') })).toBe(2);
    expect((await pub('-i', 'gw-a', '-u', 'gw-b', '-P', 'secret-b', '-m', 'x')).code).toBe(2);
    expect(broker.stats().clientIdRejected).toBe(before + 3);
    // A is still connected and its messages still flow.
    await a.publishAsync(gatewayReadsTopic('gw-a'), 'a-after-takeover-attempts', { qos: 1 });
    await all.next((m) => text(m) === 'a-after-takeover-attempts');
    expect(aClosed).toBe(false);

    // The same identity may take its own session over (MQTT-3.1.4-2): a gateway back after a half-open connection.
    const again = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
    await closed(a);
    await again.publishAsync(gatewayReadsTopic('gw-a'), 'a-second-session', { qos: 1 });
    await all.next((m) => text(m) === 'a-second-session');
  });

  it('refuses a client id that another identity holds right now, even one both may use', async () => {
    const before = broker.stats().clientIdRejected;
    // 'locator-gw' is both gateway locator-gw's id and inside the locator service's `locator-*` ids.
    const gw = await clients.connect(url, { clientId: 'locator-gw', ...creds('locator-gw') });
    expect(await clients.refused(url, { clientId: 'locator-gw', ...creds('locator') })).toBe(2);
    expect(broker.stats().clientIdRejected).toBe(before + 1);
    expect(gw.connected).toBe(true);
    await gw.endAsync();
    // Released on disconnect: now the service may use it, and holds it against the gateway.
    const svc = await clients.connect(url, { clientId: 'locator-gw', ...creds('locator') });
    expect(await clients.refused(url, { clientId: 'locator-gw', ...creds('locator-gw') })).toBe(2);
    expect(svc.connected).toBe(true);
  });

  it('refuses subscriptions from a gateway made with mosquitto_sub', async () => {
    const before = broker.stats().aclDenials.subscribe;
    const sub = await run('mosquitto_sub', [
      '-h', '127.0.0.1', '-p', String(port), '-i', 'gw-a', '-u', 'gw-a', '-P', 'secret-a', '-t', '#', '-t', 'rtls/v1/gw/gw-a/#', '-C', '1',
    ]);
    expect(sub.stderr).toMatch(/All subscription requests were denied/);
    expect(broker.stats().aclDenials.subscribe).toBe(before + 2);
  });

  it('disconnects clients whose credentials were revoked or rotated when revalidateNow() runs, and only those', async () => {
    const before = broker.stats().revoked;
    const gwB = await clients.connect(url, { clientId: 'gw-b', ...creds('gw-b') });
    const gwC = await clients.connect(url, { clientId: 'gw-c', ...creds('gw-c') });
    const svc = await clients.connect(url, { clientId: 'locator-rv', ...creds('locator') });
    // Nothing revoked yet: nobody is disconnected.
    expect(await broker.revalidateNow()).toBe(0);

    store.revoked.add('gw-b');
    store.version.set('gw-c', 'v2'); // password rotated: the session opened with v1 must go too
    expect(await broker.revalidateNow()).toBe(2);
    await closed(gwB);
    await closed(gwC);
    expect(svc.connected).toBe(true);
    expect(broker.stats().revoked).toBe(before + 2);
    // Revoked credentials do not get back in (the authenticator's part), rotated ones do with the new version.
    expect(await clients.refused(url, { clientId: 'gw-b', ...creds('gw-b') })).toBe(4);
    const c2 = await clients.connect(url, { clientId: 'gw-c', ...creds('gw-c') });
    expect(await broker.revalidateNow()).toBe(0);
    expect(c2.connected).toBe(true);
    store.revoked.delete('gw-b');
  });

  it('keeps a client whose revalidation throws (a registry outage is not a revocation)', async () => {
    const svc = await clients.connect(url, { clientId: 'locator-outage', ...creds('locator') });
    store.failing.add('locator');
    try {
      const calls = store.revalidateCalls;
      expect(await broker.revalidateNow()).toBe(0);
      expect(store.revalidateCalls).toBeGreaterThan(calls);
      expect(svc.connected).toBe(true);
    } finally {
      store.failing.delete('locator');
    }
  });
});

describe('periodic revalidation', () => {
  it('disconnects a revoked gateway on its own, without revalidateNow()', async () => {
    const store = new RevocableStore();
    const broker = await createBroker({
      config: loadBrokerConfig({ ...baseEnv, RTLS_MQTT_REVALIDATE_S: '1' }),
      authenticate: store.authenticate,
      revalidate: store.revalidate,
    });
    try {
      const url = `mqtt://127.0.0.1:${broker.tcpPort}`;
      const gw = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
      const svc = await clients.connect(url, { clientId: 'locator', ...creds('locator') });
      store.revoked.add('gw-a');
      await closed(gw); // the test timeout bounds this; the interval is 1 s
      expect(broker.stats().revoked).toBe(1);
      expect(svc.connected).toBe(true);
    } finally {
      await clients.endAll();
      await broker.close();
    }
  });
});

describe('lockout of repeated failed logins', () => {
  let now = 1_760_000_000_000;
  let authCalls = 0;
  let broker: RtlsBroker;
  let url: string;

  beforeAll(async () => {
    broker = await createBroker({
      config: loadBrokerConfig({
        ...baseEnv,
        RTLS_MQTT_LOCKOUT_FAILURES: '3',
        RTLS_MQTT_LOCKOUT_ADDRESS_FAILURES: '6',
        RTLS_MQTT_LOCKOUT_WINDOW_S: '60',
        RTLS_MQTT_LOCKOUT_S: '120',
      }),
      authenticate: async (u, p) => {
        authCalls++;
        return mapAuthenticator(u, p);
      },
      clock: () => now,
    });
    url = `mqtt://127.0.0.1:${broker.tcpPort}`;
  });
  afterAll(() => broker.close());

  it('locks a username after N failures: even the right password is refused, without a password check, until the lock ends', async () => {
    for (let i = 0; i < 3; i++) expect(await clients.refused(url, { clientId: 'gw-a', username: 'gw-a', password: `guess-${i}` })).toBe(4);
    expect(authCalls).toBe(3);

    expect(await clients.refused(url, { clientId: 'gw-a', ...creds('gw-a') })).toBe(5);
    const mosquitto = await run('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', String(broker.tcpPort), '-i', 'gw-a', '-u', 'gw-a', '-P', 'secret-a', '-t', gatewayReadsTopic('gw-a'), '-m', 'x',
    ]);
    expect(mosquitto.code).toBe(5);
    expect(authCalls).toBe(3); // no scrypt work for a locked username
    expect(broker.stats().lockedOut).toBe(2);

    // Another username from the same address is not affected (3 failures are under the address threshold of 6).
    await clients.connect(url, { clientId: 'gw-b', ...creds('gw-b') });

    now += 119_000;
    expect(await clients.refused(url, { clientId: 'gw-a', ...creds('gw-a') })).toBe(5);
    now += 2_000; // the 120 s lock is over
    await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
  });

  it('locks an address spraying usernames, and counts failures in a sliding window', async () => {
    await clients.endAll();
    now += 61_000; // earlier failures slide out of the 60 s window
    const lockedBefore = broker.stats().lockedOut;
    for (let i = 0; i < 5; i++) expect(await clients.refused(url, { username: `nobody-${i}`, password: 'x' })).toBe(4);
    // Five recent failures: still under 6, the right password works.
    await clients.connect(url, { clientId: 'gw-b', ...creds('gw-b') });
    expect(await clients.refused(url, { username: 'nobody-5', password: 'x' })).toBe(4);
    const calls = authCalls;
    expect(await clients.refused(url, { clientId: 'gw-c', ...creds('gw-c') })).toBe(5);
    expect(authCalls).toBe(calls);
    expect(broker.stats().lockedOut).toBe(lockedBefore + 1);
    now += 121_000;
    await clients.connect(url, { clientId: 'gw-c', ...creds('gw-c') });
  });
});

describe('a frozen subscriber', () => {
  it('is disconnected after the drain timeout while other subscribers keep receiving', async () => {
    const broker = await createBroker({
      config: loadBrokerConfig({
        ...baseEnv,
        RTLS_MQTT_MAX_PACKET_BYTES: '300000',
        RTLS_MQTT_DRAIN_TIMEOUT_MS: '200',
        // Few delivery slots, so messages waiting on the frozen socket would stall everyone quickly without the
        // drain timeout (the failure this test guards against).
        RTLS_MQTT_CONCURRENCY: '4',
      }),
      authenticate: mapAuthenticator,
    });
    try {
      const port = broker.tcpPort!;
      const url = `mqtt://127.0.0.1:${port}`;
      const topic = gatewayReadsTopic('gw-a');
      // A service that subscribes, then stops reading its socket (paused: the kernel buffers fill, then the
      // broker's writes to it stop draining).
      const frozen = await rawSession(port, Buffer.concat([connectPacket('locator-frozen', 'locator', 'secret-l'), subscribePacket(1, topic)]), 9);
      expect([...frozen.received.subarray(0, 9)]).toEqual([0x20, 2, 0, 0, 0x90, 3, 0, 1, 0]);
      let frozenClosed = false;
      frozen.socket.on('close', () => (frozenClosed = true));

      const healthy = await clients.connect(url, { clientId: 'locator-healthy', ...creds('locator') });
      await healthy.subscribeAsync(topic, { qos: 0 });
      let received = 0;
      healthy.on('message', () => received++);

      // 150 × 200 kB = 30 MB: far more than loopback socket buffers hold for the frozen client.
      const gw = await clients.connect(url, { clientId: 'gw-a', ...creds('gw-a') });
      const payload = Buffer.alloc(200_000, 0x61);
      const N = 150;
      for (let i = 0; i < N; i++) gw.publish(topic, payload, { qos: 0 });

      await until(() => received === N);
      await until(() => (broker.stats().clientErrors['drain-timeout'] ?? 0) >= 1);
      const registered = (broker.aedes as unknown as { clients: Record<string, unknown> }).clients;
      await until(() => registered['locator-frozen'] === undefined);
      expect(healthy.connected).toBe(true);
      expect(gw.connected).toBe(true);
      // Reading again, the frozen client finds its connection closed by the broker.
      frozen.socket.resume();
      await until(() => frozenClosed);
    } finally {
      await clients.endAll();
      await broker.close();
    }
  });
});
