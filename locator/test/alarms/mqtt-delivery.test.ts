/**
 * Alarm notifications on the MQTT alarms topic through a real embedded broker (@rtls/broker on a random port, service
 * principals), received by an mqtt.js subscriber: topic rtls/v1/alarms/<severity>/<id>, the webhook payload without
 * identity, QoS 1, never retained; publishes logged and retried. Both transports the service can wire are used: an
 * MQTT client (external broker) and the embedded broker's in-process publish.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBroker, loadBrokerConfig, type Principal, type RtlsBroker } from '@rtls/broker';
import { AlarmNotificationSchema, alarmTopic, type Alarm, type AlarmNotification } from '@rtls/protocol';
import { openDeliveryStore, type DeliveryStore } from '../../src/alarms/delivery-store.ts';
import { createMqttAlarmPublisher, type AlarmPublish, type MqttAlarmPublisher } from '../../src/alarms/mqtt-delivery.ts';
import { rmDir, silentLogger, tmpDir, waitFor } from '../io/helpers.ts';
import { INFANT, PUMP, T0, evidence } from './alarm-fixtures.ts';

const USERS: Record<string, { password: string; principal: Principal }> = {
  locator: { password: 'locator-secret-1', principal: { kind: 'service', name: 'locator' } },
  pager: { password: 'pager-secret-1', principal: { kind: 'service', name: 'pager' } },
};

let broker: RtlsBroker;
let url: string;
let dir: string;
let store: DeliveryStore;
const clients: MqttClient[] = [];
const publishers: MqttAlarmPublisher[] = [];

async function connect(user: keyof typeof USERS, clientId: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { username: user, password: USERS[user]!.password, clientId, reconnectPeriod: 0 });
  clients.push(c);
  return c;
}

/** Every message the subscriber gets, in order. */
async function subscriber(clientId: string): Promise<{ got: { topic: string; payload: string; retain: boolean; qos: number }[] }> {
  const c = await connect('pager', clientId);
  const got: { topic: string; payload: string; retain: boolean; qos: number }[] = [];
  c.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString('utf8'), retain: packet.retain, qos: packet.qos }));
  await c.subscribeAsync('rtls/v1/alarms/#', { qos: 1 });
  await c.subscribeAsync('test/marker', { qos: 1 });
  return { got };
}

function alarm(id: number, severity: Alarm['severity'], tag: string, withIdentity: boolean): Alarm {
  return {
    id, ruleId: 'exit', ruleName: 'Exit', kind: 'exit-cross', severity,
    subject: tag === INFANT
      ? { type: 'tag', id: tag, label: 'Infant 07', kind: 'patient', patient: { unit: 'maternity', identity: withIdentity ? { mrn: 'MRN-HIDDEN-9', name: 'Baby Hiddenname', birthDate: null } : null } }
      : { type: 'tag', id: tag, label: 'Pump 12', kind: 'equipment' },
    where: 'L0-entry', state: 'open', active: true, openedAt: T0, updatedAt: T0, assignee: null, escalationLevel: 0, occurrences: 1,
    evidence: evidence(T0), history: [{ t: T0, by: 'system', action: 'opened', note: null }],
  };
}

function publisher(publish: AlarmPublish, retryImmediately = true): MqttAlarmPublisher {
  const p = createMqttAlarmPublisher(publish, {
    store, clock: () => T0, logger: silentLogger(),
    ...(retryImmediately ? { schedule: (fn: () => void) => {
      const t = setImmediate(fn);
      return () => clearImmediate(t);
    } } : {}),
  });
  publishers.push(p);
  return p;
}

beforeAll(async () => {
  broker = await createBroker({
    config: loadBrokerConfig({ RTLS_MQTT_HOST: '127.0.0.1', RTLS_MQTT_PORT: '0', RTLS_MQTT_WS_PORT: 'off' }),
    authenticate: async (username, password) => (USERS[username]?.password === password ? USERS[username]!.principal : null),
    clock: () => T0,
  });
  url = `mqtt://127.0.0.1:${broker.tcpPort}`;
});
afterAll(() => broker.close());
beforeEach(() => {
  dir = tmpDir('rtls-mqtt-alarms-');
  store = openDeliveryStore(dir, () => T0);
});
afterEach(async () => {
  for (const p of publishers.splice(0)) await p.close();
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  store.close();
  rmDir(dir);
});

describe('MQTT alarm delivery through the embedded broker', () => {
  it('publishes on rtls/v1/alarms/<severity>/<id> with QoS 1, not retained, without identity; logged', async () => {
    const sub = await subscriber('pager-1');
    const pub = await connect('locator', 'locator-alarms');
    const p = publisher((topic, payload, o) => pub.publishAsync(topic, payload, o).then(() => undefined));
    const n: AlarmNotification = { event: 'opened', alarm: alarm(21, 'critical', INFANT, true) };
    p.notify(n);
    p.notify({ event: 'acknowledged', alarm: { ...alarm(22, 'low', PUMP, false), state: 'acknowledged' } });
    await waitFor(() => sub.got.length >= 2, 'both notifications');
    expect(sub.got.map((g) => [g.topic, g.qos, g.retain])).toEqual([
      [alarmTopic('critical', 21), 1, false], ['rtls/v1/alarms/low/22', 1, false],
    ]);
    const got = AlarmNotificationSchema.parse(JSON.parse(sub.got[0]!.payload));
    expect(got.event).toBe('opened');
    expect(got.alarm.subject.patient).toEqual({ unit: 'maternity', identity: null });
    expect(sub.got[0]!.payload).not.toContain('Hiddenname');
    await p.idle();
    expect(store.deliveries({ limit: 10 }).map((d) => [d.alarmId, d.channel, d.target, d.attempt, d.ok]).sort()).toEqual([
      [21, 'mqtt', 'rtls/v1/alarms/critical/21', 1, true], [22, 'mqtt', 'rtls/v1/alarms/low/22', 1, true],
    ]);

    // Nothing was retained: a subscriber arriving later gets the marker published after it subscribed, and no alarm.
    const late = await subscriber('pager-late');
    await pub.publishAsync('test/marker', 'm', { qos: 1 });
    await waitFor(() => late.got.some((g) => g.topic === 'test/marker'), 'the marker');
    expect(late.got.filter((g) => g.topic.startsWith('rtls/v1/alarms/'))).toEqual([]);
  });

  it('a failed publish is retried and every attempt logged', async () => {
    const sub = await subscriber('pager-2');
    const pub = await connect('locator', 'locator-retry');
    let calls = 0;
    const p = publisher(async (topic, payload, o) => {
      if (++calls === 1) throw new Error('client disconnected');
      await pub.publishAsync(topic, payload, o);
    });
    p.notify({ event: 'escalated', alarm: { ...alarm(23, 'high', PUMP, false), escalationLevel: 1 } });
    await waitFor(() => sub.got.length === 1, 'the retried publish');
    await p.idle();
    expect(store.deliveries({ alarm: 23, limit: 5 }).reverse().map((d) => [d.attempt, d.ok, d.error])).toEqual([
      [1, false, 'client disconnected'], [2, true, null],
    ]);
    expect(JSON.parse(sub.got[0]!.payload)).toMatchObject({ event: 'escalated', alarm: { id: 23, escalationLevel: 1 } });
  });

  it("the embedded broker's in-process publish (what the demo wires) reaches MQTT subscribers", async () => {
    const sub = await subscriber('pager-3');
    const p = publisher((topic, payload, o) => new Promise<void>((resolve, reject) => {
      broker.aedes.publish({ cmd: 'publish', topic, payload, qos: o.qos, retain: o.retain, dup: false }, (err) => (err ? reject(err) : resolve()));
    }));
    p.notify({ event: 'resolved', alarm: { ...alarm(24, 'medium', PUMP, false), state: 'resolved' } });
    await waitFor(() => sub.got.length === 1, 'the notification');
    expect(sub.got[0]!.topic).toBe('rtls/v1/alarms/medium/24');
    await p.idle();
    expect(store.deliveries({ alarm: 24, limit: 5 }).map((d) => d.ok)).toEqual([true]);
  });
});
