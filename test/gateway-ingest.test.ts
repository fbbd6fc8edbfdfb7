/**
 * A plain MQTT client (mqtt.js) acting as a real gateway: its own credentials, its own topics, native batches.
 * Also the failure paths: wrong password, another gateway's topic, malformed payloads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { gatewayReadsTopic, type GatewayCredentials, type Health, type TagInfo } from '@rtls/protocol';
import { loadSampleSite } from '@rtls/floorplans';
import { startDemo, type Demo } from '../scripts/demo.ts';
import { demoEnv, eventually, getJson, loginAdmin, tempDir } from './helpers.ts';

const site = loadSampleSite();
const bleGateways = site.floors.flatMap((f) => f.gateways).filter((g) => g.properties.tech === 'ble');
const gwA = bleGateways[0]!.properties.id;
const gwB = bleGateways[1]!.properties.id;

function connect(url: string, creds: { username: string; password: string }, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { ...creds, clientId, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => { c.end(true); reject(err); });
  });
}

function publish(c: MqttClient, topic: string, payload: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => c.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
}

describe('a real MQTT client as a gateway', () => {
  const tmp = tempDir();
  let demo: Demo;
  let creds: GatewayCredentials;
  let url: string;
  /** admin's bearer token (issue #6): every API call below but health needs one. */
  let token: string;
  let seq = 0;
  const batch = (reads: unknown[]) => JSON.stringify({ gw: gwA, seq: seq++, t: Date.now(), reads });

  beforeAll(async () => {
    demo = await startDemo({ env: demoEnv(tmp.dir) });
    url = `mqtt://127.0.0.1:${demo.mqttPort}`;
    creds = await demo.registry.issueGatewayCredentials(gwA);
    token = await loginAdmin(demo.url);
  });
  afterAll(async () => {
    await demo?.close();
    tmp.cleanup();
  });

  it('the credentials name the gateway and its topic', () => {
    expect(creds.username).toBe(gwA);
    expect(creds.topic).toBe(gatewayReadsTopic(gwA));
  });

  it('a batch with an unregistered tag appears in /api/tags/:id as unregistered, with a fix', async () => {
    const c = await connect(url, creds, gwA);
    try {
      for (let i = 0; i < 3; i++) await publish(c, creds.topic, batch([{ tag: 'ble:0A0B0C0D0E0F', rssi: -58 }]));
      const tag = await eventually(async () => {
        const r = await getJson<TagInfo>(`${demo.url}api/tags/${encodeURIComponent('ble:0A0B0C0D0E0F')}`, token);
        return r.status === 200 && r.body.lastFix ? r.body : null;
      });
      expect(tag.registered).toBe(false);
      expect(tag.kind).toBe('unknown');
      expect(tag.lastFix!.evidence.map((e) => e.gw)).toContain(gwA);
      const gw = bleGateways[0]!;
      // One gateway heard it: the fix is at (or very near) that gateway, on its floor.
      expect(Math.hypot(tag.lastFix!.x - gw.geometry.coordinates[0], tag.lastFix!.y - gw.geometry.coordinates[1])).toBeLessThan(5);
    } finally {
      c.end(true);
    }
  });

  it('a wrong password is refused and nothing is ingested', async () => {
    await expect(connect(url, { username: gwA, password: 'not-the-password' }, 'intruder')).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(connect(url, { username: 'nobody', password: 'x' }, 'intruder2')).rejects.toThrow();
  });

  it("publishing on another gateway's topic is refused and nothing is ingested", async () => {
    // A gateway may connect only under its own id as client id (issue #6 item 6: no session takeover).
    const c = await connect(url, creds, gwA);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish(gatewayReadsTopic(gwB), JSON.stringify({ gw: gwB, seq: 1, t: Date.now(), reads: [{ tag: 'ble:BADBADBADBAD', rssi: -50 }] }), { qos: 1 });
    await closed; // MQTT 3.1.1 has no PUBACK error code: the broker disconnects the offender.
    c.end(true);
    await new Promise((r) => setTimeout(r, 1500));
    const r = await getJson(`${demo.url}api/tags/${encodeURIComponent('ble:BADBADBADBAD')}`, token);
    expect(r.status).toBe(404);
  });

  it('malformed payloads are counted by reason, nothing crashes, the next valid batch is accepted', async () => {
    const before = (await getJson<Health>(`${demo.url}api/health`)).body.ingest.dropped;
    const c = await connect(url, creds, gwA);
    try {
      await publish(c, creds.topic, 'this is not json {');
      await publish(c, creds.topic, Buffer.from([0xff, 0xfe, 0x00, 0x01]));
      await publish(c, creds.topic, JSON.stringify({ gw: gwA, seq: 'one', t: 'now', reads: 'many' }));
      await publish(c, creds.topic, JSON.stringify({ gw: gwA, seq: seq++, t: Date.now(), reads: [{ tag: 'ble:0A0B0C0D0E01', rssi: -9999 }] }));
      await publish(c, creds.topic, JSON.stringify({ gw: gwA, seq: seq++, t: Date.now(), reads: Array.from({ length: 1500 }, () => ({ tag: 'ble:0A0B0C0D0E02', rssi: -60 })) }));
      await publish(c, creds.topic, JSON.stringify({ gw: gwB, seq: seq++, t: Date.now(), reads: [] }));
      const after = await eventually(async () => {
        const h = (await getJson<Health>(`${demo.url}api/health`)).body.ingest.dropped;
        return h['not-json'] >= before['not-json'] + 2 && h['gateway-mismatch'] > before['gateway-mismatch'] ? h : null;
      });
      expect(after.schema).toBeGreaterThanOrEqual(before.schema + 2);
      expect(after['too-many-reads'] + after.schema).toBeGreaterThan(before['too-many-reads'] + before.schema + 2);
      // The broker and locator are still up and accept the next valid batch.
      await publish(c, creds.topic, batch([{ tag: 'ble:0A0B0C0D0E03', rssi: -61 }]));
      await eventually(async () => (await getJson(`${demo.url}api/tags/${encodeURIComponent('ble:0A0B0C0D0E03')}`, token)).status === 200);
    } finally {
      c.end(true);
    }
  });

  it('rejects bad tag ids in the API with a coded 400 and unknown tags with a coded 404', async () => {
    const bad = await getJson<{ code: string }>(`${demo.url}api/tags/not-a-tag`, token);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('RTLS_ERR_BAD_TAG_ID');
    const missing = await getJson<{ code: string }>(`${demo.url}api/tags/${encodeURIComponent('ble:FFFFFFFFFFFF')}`, token);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('RTLS_ERR_TAG_NOT_FOUND');
  });
});
