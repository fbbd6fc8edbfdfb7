/**
 * The bridge end to end on real sockets: the LLRP reader emulator (llrpjs LLRPServer) on a random port, the embedded
 * Aedes broker with per-gateway credentials and topic ACL on a random port, and a real mqtt.js subscriber. Checks that
 * reads arrive as valid native batches on the gateway's own topics, that bad reports are counted without harm, that
 * a reader dropping out (or hanging, or refusing the ROSpec) shows as offline and is recovered, and a clean stop.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GatewayStatusSchema, ReadBatchSchema, gatewayReadsTopic, gatewayStatusTopic, systemClock, type GatewayStatus, type ReadBatch,
} from '@rtls/protocol';
import { createBroker, loadBrokerConfig, type Authenticator, type RtlsBroker } from '@rtls/broker';
import { LlrpBridge } from '../src/bridge.ts';
import { loadLlrpBridgeConfig } from '../src/config.ts';
import { LlrpReaderEmulator, rawLlrpMessage, reportWithoutEpc, type ReceivedMessage } from './llrp-emulator.ts';

const GW = 'portal-1';
const GW_PASSWORD = 'portal-secret';
const TAG_A = { epc: '300833B2DDD9014000000001', antenna: 1, rssi: -55, seenCount: 3 };
const TAG_B = { epc: 'E2801160600002054CC2', antenna: 2, rssi: -67 };
const TAG_C = { epc: '300833B2DDD90140000000C0', antenna: 4, rssi: -49 };
const TAG_D = { epc: '300833B2DDD90140000000D0', antenna: 3, rssi: -52 };
const id = (epc: string) => `epc:${epc.toUpperCase()}`;

const authenticate: Authenticator = async (username, password) => {
  if (username === GW && password === GW_PASSWORD) return { kind: 'gateway', gatewayId: GW };
  if (username === 'observer' && password === 'observer-secret') return { kind: 'service', name: 'observer' };
  return null;
};

/** Everything the subscriber received on the gateway's topics, parsed, in order. */
class Inbox {
  readonly batches: ReadBatch[] = [];
  readonly statuses: GatewayStatus[] = [];
  readonly invalid: string[] = [];

  onMessage = (topic: string, payload: Buffer) => {
    const json: unknown = JSON.parse(payload.toString('utf8'));
    if (topic === gatewayReadsTopic(GW)) {
      const r = ReadBatchSchema.safeParse(json);
      if (r.success) this.batches.push(r.data);
      else this.invalid.push(payload.toString('utf8'));
    } else if (topic === gatewayStatusTopic(GW)) {
      const r = GatewayStatusSchema.safeParse(json);
      if (r.success) this.statuses.push(r.data);
      else this.invalid.push(payload.toString('utf8'));
    }
  };

  reads() {
    return this.batches.flatMap((b) => b.reads);
  }
}

/** Polls until `cond` holds; the test timeout bounds the wait (no timing is asserted). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

/** Index of the first status with `state` at or after `from`, once there is one. */
async function statusAfter(inbox: Inbox, from: number, state: 'online' | 'offline'): Promise<number> {
  let i = -1;
  await until(() => (i = inbox.statuses.findIndex((s, k) => k >= from && s.state === state)) >= 0);
  return i;
}

const count = (msgs: ReceivedMessage[], type: string) => msgs.filter((m) => m.type === type).length;

let broker: RtlsBroker;
let emu: LlrpReaderEmulator;
let bridge: LlrpBridge;
let sub: MqttClient;
const inbox = new Inbox();

beforeAll(async () => {
  broker = await createBroker({
    config: loadBrokerConfig({ RTLS_MQTT_HOST: '127.0.0.1', RTLS_MQTT_PORT: '0', RTLS_MQTT_WS_PORT: 'off' }),
    authenticate,
  });
  const url = `mqtt://127.0.0.1:${broker.tcpPort}`;
  sub = mqtt.connect(url, { clientId: 'observer', username: 'observer', password: 'observer-secret', reconnectPeriod: 0 });
  sub.on('message', inbox.onMessage);
  await new Promise<void>((resolve, reject) => {
    sub.once('connect', () => resolve());
    sub.once('error', reject);
  });
  await sub.subscribeAsync([gatewayReadsTopic(GW), gatewayStatusTopic(GW)], { qos: 1 });

  emu = await LlrpReaderEmulator.start(systemClock);
  emu.setTags([TAG_A, TAG_B]);
  const config = loadLlrpBridgeConfig({
    RTLS_LLRP_READER_HOST: '127.0.0.1',
    RTLS_LLRP_READER_PORT: String(emu.port),
    RTLS_LLRP_GATEWAY_ID: GW,
    RTLS_MQTT_URL: url,
    RTLS_LLRP_MQTT_PASSWORD: GW_PASSWORD, // user name defaults to the gateway id
    RTLS_LLRP_BATCH_INTERVAL_MS: '100',
    RTLS_LLRP_REPORT_INTERVAL_MS: '100',
    RTLS_LLRP_KEEPALIVE_MS: '200',
    RTLS_LLRP_ROSPEC_ID: '7',
    RTLS_LLRP_RECONNECT_MIN_MS: '50',
    RTLS_LLRP_RECONNECT_MAX_MS: '400',
    RTLS_LLRP_RESPONSE_TIMEOUT_MS: '2000',
    RTLS_LLRP_CONNECT_TIMEOUT_MS: '2000',
  });
  bridge = new LlrpBridge({ config, clock: systemClock });
  await bridge.start();
});

afterAll(async () => {
  await bridge?.stop();
  await sub?.endAsync(true);
  await emu?.close();
  await broker?.close();
});

describe('LLRP bridge end to end', () => {
  it('configures the reader and republishes its reports as valid native batches on the gateway topics', async () => {
    await statusAfter(inbox, 0, 'online');
    await until(() => {
      const tags = new Set(inbox.reads().map((r) => r.tag));
      return tags.has(id(TAG_A.epc)) && tags.has(id(TAG_B.epc));
    });
    expect(inbox.invalid).toEqual([]);
    expect(inbox.statuses.find((s) => s.state === 'online')).toMatchObject({ gw: GW, fw: expect.stringContaining('llrp-bridge') });

    for (const b of inbox.batches) {
      expect(b.gw).toBe(GW);
      for (const r of b.reads) expect(r.t!).toBeLessThanOrEqual(b.t); // the reader saw it before the bridge sent it
    }
    const seqs = inbox.batches.map((b) => b.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    const a = inbox.reads().find((r) => r.tag === id(TAG_A.epc))!;
    expect(a).toMatchObject({ rssi: TAG_A.rssi, ant: TAG_A.antenna });
    expect(a.t).toEqual(expect.any(Number));
    expect(inbox.reads().find((r) => r.tag === id(TAG_B.epc))).toMatchObject({ rssi: TAG_B.rssi, ant: TAG_B.antenna });

    // The LLRP conversation: delete all ROSpecs, keepalive, add ours (reporting every 100 ms), enable, start.
    const types = emu.received.map((m) => m.type);
    expect(types.slice(0, 5)).toEqual(['DELETE_ROSPEC', 'SET_READER_CONFIG', 'ADD_ROSPEC', 'ENABLE_ROSPEC', 'START_ROSPEC']);
    expect(emu.received[0]!.data).toEqual({ ROSpecID: 0 });
    expect(emu.received[1]!.data['KeepaliveSpec']).toEqual({ KeepaliveTriggerType: 'Periodic', PeriodicTriggerValue: 200 });
    expect(emu.received[3]!.data).toEqual({ ROSpecID: 7 });
    await until(() => emu.keepaliveAcks >= 2);

    const s = bridge.stats();
    expect(s.reader).toMatchObject({ connected: true, sessions: 1, reconnects: 0 });
    expect(s.reads).toBeGreaterThanOrEqual(2);
    expect(s.batchesPublished).toBe(inbox.batches.length);
  });

  it('counts a bad report and an undecodable message by reason, and keeps going', async () => {
    emu.sendRaw(reportWithoutEpc(-60));
    emu.sendRaw(rawLlrpMessage(258, 4711));
    await emu.sendReport([
      { EPC_96: { EPC: TAG_C.epc }, PeakRSSI: { PeakRSSI: 100 }, AntennaID: { AntennaID: 1 } },
      { EPC_96: { EPC: TAG_D.epc }, PeakRSSI: { PeakRSSI: TAG_D.rssi }, AntennaID: { AntennaID: TAG_D.antenna } },
    ]);
    await until(() => inbox.reads().some((r) => r.tag === id(TAG_D.epc)));
    const s = bridge.stats();
    expect(s.rejected['no-epc']).toBe(1);
    expect(s.rejected['bad-rssi']).toBe(1);
    expect(s.reader.undecodableMessages).toBe(1);
    expect(s.reader).toMatchObject({ connected: true, sessions: 1 });
    expect(inbox.reads().some((r) => r.tag === id(TAG_C.epc))).toBe(false);
    expect(inbox.invalid).toEqual([]);
  });

  it('publishes offline when the reader drops, retries a refused reconnect, and resumes reads when it is back', async () => {
    const mark = inbox.statuses.length;
    const connectionsBefore = emu.connections;
    emu.refuseNextConnections(1);
    emu.dropConnection();
    emu.setTags([TAG_C]); // only reports after the reconnect can carry it
    const off = await statusAfter(inbox, mark, 'offline');
    await statusAfter(inbox, off + 1, 'online');
    await until(() => inbox.reads().some((r) => r.tag === id(TAG_C.epc)));

    expect(emu.connections).toBeGreaterThanOrEqual(connectionsBefore + 2);
    const s = bridge.stats();
    expect(s.reader).toMatchObject({ connected: true, sessions: 2, reconnects: 1 });
    expect(s.reader.failedAttempts).toBeGreaterThanOrEqual(1);
    expect(count(emu.received, 'ADD_ROSPEC')).toBe(2);
    expect(inbox.reads().find((r) => r.tag === id(TAG_C.epc))).toMatchObject({ rssi: TAG_C.rssi, ant: TAG_C.antenna });
  });

  it('drops a reader that stops sending keepalives and reconnects', async () => {
    const mark = inbox.statuses.length;
    emu.goSilent();
    const off = await statusAfter(inbox, mark, 'offline');
    await statusAfter(inbox, off + 1, 'online');
    expect(bridge.stats().reader.lastError).toMatch(/reader silent/);
    expect(bridge.stats().reader.sessions).toBe(3);
  });

  it('retries while the reader refuses the ROSpec, and runs once it accepts it', async () => {
    const mark = inbox.statuses.length;
    const adds = count(emu.received, 'ADD_ROSPEC');
    emu.failRequests('ADD_ROSPEC');
    emu.dropConnection();
    const off = await statusAfter(inbox, mark, 'offline');
    await until(() => count(emu.received, 'ADD_ROSPEC') >= adds + 2);
    expect(bridge.stats().reader.lastError).toMatch(/ADD_ROSPEC.*M_ParameterError/);
    expect(bridge.stats().reader.connected).toBe(false);
    emu.failRequests('ADD_ROSPEC', false);
    await statusAfter(inbox, off + 1, 'online');
    expect(bridge.stats().reader.connected).toBe(true);
  });

  it('stops cleanly: deletes its ROSpec, closes the LLRP connection, says offline (live: the broker keeps no retained message from a gateway)', async () => {
    await bridge.stop();
    const goodbye = emu.received.filter((m) => m.type !== 'KEEPALIVE_ACK').slice(-2);
    expect(goodbye[0]).toMatchObject({ type: 'DELETE_ROSPEC', data: { ROSpecID: 7 } });
    expect(goodbye[1]!.type).toBe('CLOSE_CONNECTION');
    await until(() => inbox.statuses.at(-1)?.state === 'offline');

    // Issue #6 item 6: the broker strips a gateway's retain flag, so a later subscriber gets nothing retained.
    const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: 'observer-late', username: 'observer', password: 'observer-secret', reconnectPeriod: 0 });
    const got: Buffer[] = [];
    late.on('message', (_t, p) => got.push(p));
    await late.subscribeAsync(gatewayStatusTopic(GW), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toHaveLength(0);
    await late.endAsync(true);
    expect(bridge.stats().mqtt.connected).toBe(false);
  });
});
