/**
 * The alarm path end to end over real sockets (issue #7 items 2 and 4): the running demo, a rule created through the
 * API that the simulated traffic satisfies, and the alarm arriving on the console's WebSocket, at a real local HTTP
 * webhook receiver (signed), and at a real MQTT subscriber on rtls/v1/alarms/# (a service from
 * RTLS_BROKER_CREDENTIALS_FILE, as a nurse-call bridge would connect). Then acknowledge and resolve through the API.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmNotificationSchema, AlarmSchema, TagListResponseSchema, type Alarm, type AlarmNotification } from '@rtls/protocol';
import { hashSecret } from '@rtls/protocol/node';
import { startDemo, type Demo } from '../scripts/demo.ts';
import { DEMO_USER_PASSWORD, demoEnv, eventually, getJson, liveClient, login, loginAdmin, postJson, tempDir } from './helpers.ts';

const tmp = tempDir('rtls-alarms-e2e-');
const SECRET = 'webhook-secret-for-the-test-1';
const BRIDGE_PASSWORD = 'nurse-call-bridge-password';
let demo: Demo;
let receiver: http.Server;
const received: { body: string; signature: string | undefined }[] = [];
let failFirst = 1;

beforeAll(async () => {
  receiver = http.createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      // The first delivery fails: the retry must bring it.
      if (failFirst-- > 0) {
        res.writeHead(503).end();
        return;
      }
      received.push({ body, signature: req.headers['x-rtls-signature'] as string | undefined });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const credFile = path.join(tmp.dir, 'broker-credentials.json');
  fs.writeFileSync(credFile, JSON.stringify([
    { username: 'nurse-call', passwordHash: await hashSecret(BRIDGE_PASSWORD, 'random-token'), principal: { kind: 'service', name: 'nurse-call' } },
  ]));
  demo = await startDemo({ env: demoEnv(tmp.dir, { RTLS_SIM_TAGS: '80', RTLS_BROKER_CREDENTIALS_FILE: credFile }) });
}, 120_000);

afterAll(async () => {
  await demo?.close();
  await new Promise<void>((r) => receiver?.close(() => r()));
  tmp.cleanup();
});

describe('alarms over real sockets', () => {
  it('a rule the traffic satisfies raises one alarm: on the WebSocket, at the webhook (signed, after a retry), on MQTT; then ack and resolve', async () => {
    const base = demo.url;
    const admin = await loginAdmin(base);
    const security = await login(base, 'security', DEMO_USER_PASSWORD);

    // Real subscribers first.
    const bridge = await mqtt.connectAsync(`mqtt://127.0.0.1:${demo.mqttPort}`, { clientId: 'nurse-call', username: 'nurse-call', password: BRIDGE_PASSWORD, reconnectPeriod: 0 });
    const mqttMessages: AlarmNotification[] = [];
    bridge.on('message', (_t, p) => mqttMessages.push(AlarmNotificationSchema.parse(JSON.parse(p.toString()))));
    await bridge.subscribeAsync('rtls/v1/alarms/#', { qos: 1 });
    const live = liveClient(`${base.replace(/^http/, 'ws')}api/live`, security);
    await live.opened;
    const hook = await postJson(`${base}api/webhooks`, { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alarms`, secret: SECRET, minSeverity: 'low' }, admin);
    expect(hook.status).toBe(201);

    // A room where a located equipment tag is now: a zone-enter rule on it fires at that tag's next fix.
    const located = await eventually(async () => {
      const r = TagListResponseSchema.parse((await getJson(`${base}api/tags?kind=equipment&limit=500`, admin)).body);
      return r.tags.find((t) => t.lastFix?.room && t.category !== 'reference-tag') ?? null;
    }, 60_000);
    const room = located.lastFix!.room!;
    const rule = await postJson(`${base}api/rules`, {
      name: `Test: equipment in ${room}`, severity: 'high', condition: { kind: 'zone-enter', zones: [room] },
      subjects: { kinds: ['equipment'], categories: [], tags: [] },
    }, admin);
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const ruleId = (rule.body as { id: string }).id;

    const onWs = await eventually(() => live.messages.find((m): m is { type: 'alarm'; alarm: Alarm } => m.type === 'alarm' && m.alarm.ruleId === ruleId) ?? null, 30_000);
    const alarm = AlarmSchema.parse(onWs.alarm);
    expect(alarm.state).toBe('open');
    expect(alarm.evidence.zones.concat(alarm.evidence.room ?? [])).toContain(room);
    expect(alarm.evidence.gateways.length + (alarm.evidence.method?.startsWith('rfid') ? 1 : 0)).toBeGreaterThan(0);

    const viaHook = await eventually(() => received.map((r) => ({ ...r, n: AlarmNotificationSchema.parse(JSON.parse(r.body)) })).find((r) => r.n.alarm.id === alarm.id) ?? null, 30_000);
    expect(viaHook.n.event).toBe('opened');
    expect(viaHook.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(viaHook.body).digest('hex')}`);
    await eventually(() => mqttMessages.find((n) => n.alarm.id === alarm.id && n.event === 'opened') ?? null, 30_000);

    // The failed first attempt and the successful retry are in the delivery log.
    const deliveries = await eventually(async () => {
      const d = (await getJson<{ deliveries: { alarmId: number; channel: string; ok: boolean }[] }>(`${base}api/deliveries`, admin)).body.deliveries.filter((x) => x.alarmId === alarm.id && x.channel === 'webhook');
      return d.some((x) => x.ok) && d.some((x) => !x.ok) ? d : null;
    }, 30_000);
    expect(deliveries.length).toBeGreaterThanOrEqual(2);

    // One alarm per ongoing condition: the tag keeps being located in the room, still one alarm for it.
    await new Promise((r) => setTimeout(r, 3000));
    const same = (await getJson<{ alarms: Alarm[] }>(`${base}api/alarms?rule=${ruleId}&limit=1000`, security)).body.alarms.filter((a) => a.subject.id === alarm.subject.id && a.where === alarm.where);
    expect(same).toHaveLength(1);

    const ack = await postJson(`${base}api/alarms/${alarm.id}/acknowledge`, { note: 'on my way' }, security);
    expect(ack.status).toBe(200);
    expect((ack.body as Alarm).state).toBe('acknowledged');
    const resolved = await postJson(`${base}api/alarms/${alarm.id}/resolve`, { note: 'expected: test rule' }, security);
    expect((resolved.body as Alarm).state).toBe('resolved');
    await eventually(() => live.messages.find((m) => m.type === 'alarm' && m.alarm.id === alarm.id && m.alarm.state === 'resolved') ?? null, 10_000);
    const audit = (await getJson<{ records: { action: string; object: string }[] }>(`${base}api/audit?limit=1000`, admin)).body.records;
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(['acknowledge-alarm', 'resolve-alarm', 'change-rules']));

    live.ws.close();
    await bridge.endAsync(true);
  }, 180_000);
});
