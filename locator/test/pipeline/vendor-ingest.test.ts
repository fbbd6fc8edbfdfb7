/**
 * Vendor gateways through the pipeline (issue #4): topic filter → gateway → its decoder → the same read filter and
 * windows as native reads; heartbeats recognised; every failure counted with its reason and visible per gateway.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayDiagnosticsSchema, gatewayReadsTopic } from '@rtls/protocol';
import type { GatewayRecord } from '../../src/contracts.ts';
import { DEFAULT_PIPELINE_OPTIONS, createPipeline } from '../../src/pipeline.ts';
import { RecordingSink, T0, bytes, fakeClock, fixtureGateways, fixtureSite } from './helpers.ts';

// The repo's byte-identical copy of ../shared/gateway-formats (the shared directory is not there in CI).
const SAMPLES = new URL('../fixtures/gateway-formats/', import.meta.url);
const sample = (name: string) => readFileSync(new URL(name, SAMPLES));

const minew: GatewayRecord = {
  id: 'minew-1', tech: 'ble', format: 'minew-jsonlong', floor: 'f1', x: 5, y: 5, mountHeightM: 2.5, room: 'room-a', door: null,
  antennas: null, topic: '/gw/ac233fc001ea/status',
};
const zebra: GatewayRecord = {
  id: 'zebra-1', tech: 'rfid-portal', format: 'zebra-iotc', floor: 'f1', x: 5, y: 10, mountHeightM: 2.2, room: 'room-a',
  door: 'door-a', antennas: 2, topic: 'zebra/fx9600/data',
};
const esp: GatewayRecord = {
  id: 'esp-1', tech: 'ble', format: 'espresense', floor: 'f1', x: 15, y: 5, mountHeightM: 2.5, room: null, door: null,
  antennas: null, topic: 'espresense/devices/+/room-b',
};

function setup(gateways: GatewayRecord[] = [...fixtureGateways(), minew, zebra, esp]) {
  const clock = fakeClock();
  const sink = new RecordingSink();
  const drops: string[] = [];
  let list = gateways;
  let revision = 1;
  const byId = () => new Map(list.map((g) => [g.id, g]));
  const registry = {
    gateway: (id: string) => byId().get(id), tag: () => undefined, gateways: () => list, revision: () => revision,
  };
  const p = createPipeline({
    site: fixtureSite(), registry, sink, clock: clock.now, options: DEFAULT_PIPELINE_OPTIONS, onDrop: (r) => drops.push(r),
  });
  const send = (topic: string, payload: Uint8Array | string) => p.handle({ topic, payload: typeof payload === 'string' ? bytes(payload) : payload, receivedAt: clock.now() });
  const replaceGateways = (next: GatewayRecord[]) => {
    list = next;
    revision++;
  };
  return { p, sink, clock, drops, send, replaceGateways };
}

/** The Minew sample with its timestamps moved to "now", so its reads are fresh. */
function freshMinew(now: number): string {
  const recs = JSON.parse(sample('minew-g1-jsonlong.json').toString('utf8')) as { timestamp: string }[];
  return JSON.stringify(recs.map((r) => ({ ...r, timestamp: new Date(now).toISOString() })));
}

describe('vendor gateways through the pipeline', () => {
  it('routes a Minew batch on its topic to the gateway, windows its reads and shows them in the diagnostics', () => {
    const { p, sink, clock, send, drops } = setup();
    send(minew.topic!, freshMinew(clock.now()));
    // Four tags in the sample (two heard twice as S1 + Unknown records); the gateway's own header is not a read.
    const tags = new Set(sink.seen.map((s) => s.tag));
    expect([...tags].sort()).toEqual(['ble:AC233FA018E3', 'ble:AC233FA018E7', 'ble:AC233FA018FB', 'ble:AC233FA031BF', 'ble:AC233FA03208'].sort());
    expect(drops).toEqual([]);
    const d = GatewayDiagnosticsSchema.parse(p.diagnostics!.view({ id: 'minew-1', tech: 'ble', format: 'minew-jsonlong', floor: 'f1', x: 5, y: 5, room: 'room-a', topic: minew.topic! }));
    expect(d.gateway.state).toBe('online');
    expect(d.stateSource).toBe('traffic');
    expect(d.totals).toMatchObject({ messages: 1, reads: 8, rejectedMessages: 0, rejectedReads: 0 });
    expect(d.recentReads[0]).toMatchObject({ tag: expect.stringMatching(/^ble:/), rssi: expect.any(Number) });
    expect(d.tagsHeard).toBe(5);
    expect(d.clockSkewMs).toBe(0);
    // A fix follows on the next tick.
    clock.advance(600);
    p.tick();
    expect(sink.fixes.some((f) => f.tag === 'ble:AC233FA018E7')).toBe(true);
  });

  it('recognises a Zebra heartbeat on the data topic: counted as a heartbeat, never as a rejection', () => {
    const { p, send, drops } = setup();
    send(zebra.topic!, sample('zebra-fx-iotc-heartbeat.json'));
    expect(drops).toEqual([]);
    const d = p.diagnostics!.view({ id: 'zebra-1', tech: 'rfid-portal', format: 'zebra-iotc', floor: 'f1', x: 5, y: 10, room: 'room-a', topic: zebra.topic! });
    expect(d.totals).toMatchObject({ messages: 1, heartbeats: 1, reads: 0, rejectedMessages: 0 });
    expect(d.stateSource).toBe('heartbeat');
  });

  it('flags an old gateway clock as clock-skew and uses the receive time, counted per gateway', () => {
    const { p, sink, clock, send, drops } = setup();
    send(zebra.topic!, sample('zebra-fx9600-iotc-inventory-batch.json')); // timestamps from 2023
    expect(drops).toContain('clock-skew');
    expect(sink.seen.map((s) => s.tag)).toEqual(['epc:AD99160040AAC99525000025']);
    expect(sink.seen[0]!.t).toBe(clock.now());
    const d = p.diagnostics!.view({ id: 'zebra-1', tech: 'rfid-portal', format: 'zebra-iotc', floor: 'f1', x: 5, y: 10, room: 'room-a', topic: zebra.topic! });
    expect(d.totals.clockSkewed).toBe(1);
    expect(d.recentReads[0]).toMatchObject({ tag: 'epc:AD99160040AAC99525000025', rssi: -54, t: clock.now(), antenna: 1 });
  });

  it('drops a repeated timestamped message as duplicate-batch, but not an ESPresense message that recurs by nature', () => {
    const { p, clock, send, drops } = setup();
    const batch = freshMinew(clock.now());
    send(minew.topic!, batch);
    send(minew.topic!, batch);
    expect(drops.filter((r) => r === 'duplicate-batch')).toHaveLength(1);
    const esp1 = JSON.stringify({ id: 'ac233fa018e7', mac: 'ac233fa018e7', rssi: -60, 'rssi@1m': -59, distance: 1.2 });
    send('espresense/devices/ac233fa018e7/room-b', esp1);
    send('espresense/devices/ac233fa018e7/room-b', esp1);
    expect(drops.filter((r) => r === 'duplicate-batch')).toHaveLength(1);
    const d = p.diagnostics!.view({ id: 'minew-1', tech: 'ble', format: 'minew-jsonlong', floor: 'f1', x: 5, y: 5, room: 'room-a', topic: minew.topic! });
    expect(d.totals.duplicates).toBe(1);
    expect(d.rejections['duplicate-batch']).toBe(1);
  });

  it('keeps a payload that failed verbatim (bounded) with its reason, and counts it against the gateway', () => {
    const { p, send, drops } = setup();
    const cut = freshMinew(T0).slice(0, 57);
    send(minew.topic!, cut);
    expect(drops).toEqual(['not-json']);
    const d = p.diagnostics!.view({ id: 'minew-1', tech: 'ble', format: 'minew-jsonlong', floor: 'f1', x: 5, y: 5, room: 'room-a', topic: minew.topic! });
    expect(d.totals.rejectedMessages).toBe(1);
    expect(d.rejections).toEqual({ 'not-json': 1 });
    expect(d.failedPayloads).toHaveLength(1);
    expect(d.failedPayloads[0]).toMatchObject({ reason: 'not-json', topic: minew.topic, payload: cut, payloadBytes: 57, truncated: false });
    // Bounded: only the last 20 are kept, each cut to 4 KiB.
    for (let i = 0; i < 30; i++) send(minew.topic!, `[{"oops": ${i}, "pad": "${'x'.repeat(5000)}"`);
    const d2 = p.diagnostics!.view({ id: 'minew-1', tech: 'ble', format: 'minew-jsonlong', floor: 'f1', x: 5, y: 5, room: 'room-a', topic: minew.topic! });
    expect(d2.failedPayloads).toHaveLength(20);
    expect(d2.failedPayloads[0]!.truncated).toBe(true);
    expect(d2.failedPayloads[0]!.payload.length).toBeLessThanOrEqual(4096);
    expect(d2.failedPayloads[0]!.payload).toContain('"oops": 29');
  });

  it('counts a message on no gateway\'s topic as unknown-topic, never guessing, and follows registry changes', () => {
    const { send, drops, replaceGateways, sink, clock } = setup();
    send('/gw/ffffffffffff/status', freshMinew(T0));
    expect(drops).toEqual(['unknown-topic']);
    expect(sink.seen).toHaveLength(0);
    // The installer registers the gateway: the same topic now routes.
    replaceGateways([...fixtureGateways(), { ...minew, id: 'minew-2', topic: '/gw/ffffffffffff/status' }]);
    send('/gw/ffffffffffff/status', freshMinew(clock.now()));
    expect(sink.seen.length).toBeGreaterThan(0);
  });

  it('refuses a vendor payload on the native topic with a reason naming the right topic', () => {
    const errors: string[][] = [];
    const clock = fakeClock();
    const p = createPipeline({
      site: fixtureSite(), registry: { gateway: (id) => (id === 'minew-1' ? minew : undefined), tag: () => undefined },
      sink: new RecordingSink(), clock: clock.now, options: DEFAULT_PIPELINE_OPTIONS, onDrop: (_r, info) => errors.push(info.errors),
    });
    p.handle({ topic: gatewayReadsTopic('minew-1'), payload: bytes(freshMinew(T0)), receivedAt: T0 });
    expect(errors[0]![0]).toMatch(/minew-jsonlong.*\/gw\/ac233fc001ea\/status/);
  });

  it("takes a vendor gateway offline on its last will on the companion status topic (ESPresense, OpenMQTTGateway)", () => {
    const omg: GatewayRecord = { ...esp, id: 'omg-1', format: 'openmqttgateway', topic: 'home/omg1/BTtoMQTT/+' };
    const { p, send, drops } = setup([...fixtureGateways(), esp, omg]);
    send('espresense/rooms/room-b/status', 'online');
    expect(p.diagnostics!.state('esp-1')).toMatchObject({ state: 'online', source: 'heartbeat' });
    send('espresense/rooms/room-b/status', 'offline');
    expect(p.diagnostics!.state('esp-1')).toMatchObject({ state: 'offline', source: 'last-will' });
    send('home/omg1/LWT', 'online');
    expect(p.diagnostics!.state('omg-1').state).toBe('online');
    send('home/omg1/LWT', 'offline');
    expect(p.diagnostics!.state('omg-1')).toMatchObject({ state: 'offline', source: 'last-will' });
    // A reading brings it back.
    send('home/omg1/BTtoMQTT/AC233FA018E7', JSON.stringify({ id: 'AC:23:3F:A0:18:E7', rssi: -70 }));
    expect(p.diagnostics!.state('omg-1').state).toBe('online');
    expect(drops).toEqual([]);
  });

  it('reports no clock skew for a vendor message whose reads carry no gateway time', () => {
    const { p, send } = setup();
    send('espresense/devices/ac233fa018e7/room-b', JSON.stringify({ id: 'ac233fa018e7', mac: 'ac233fa018e7', rssi: -60 }));
    const d = p.diagnostics!.view({ id: 'esp-1', tech: 'ble', format: 'espresense', floor: 'f1', x: 15, y: 5, room: null, topic: esp.topic! });
    expect(d.totals.reads).toBe(1);
    expect(d.clockSkewMs).toBeNull();
  });

  it('shows a native gateway offline after its last will, and a silent vendor gateway offline after 90 s', () => {
    const { p, clock, send } = setup();
    send(minew.topic!, freshMinew(clock.now()));
    expect(p.diagnostics!.state('minew-1').state).toBe('online');
    clock.advance(91_000);
    expect(p.diagnostics!.state('minew-1')).toMatchObject({ state: 'offline', source: 'silent' });
    const gw = 'f1-gw-5-5';
    send(`rtls/v1/gw/${gw}/status`, JSON.stringify({ gw, state: 'online' }));
    expect(p.diagnostics!.state(gw)).toMatchObject({ state: 'online', source: 'birth' });
    send(`rtls/v1/gw/${gw}/status`, JSON.stringify({ gw, state: 'offline' }));
    expect(p.diagnostics!.state(gw)).toMatchObject({ state: 'offline', source: 'last-will' });
  });
});
