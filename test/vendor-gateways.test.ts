/**
 * Issue #4, "Done when", on real parts: embedded Aedes over TCP, mqtt.js clients with the credentials the API hands
 * out, the locator's vendor-topic routing, decoders and per-gateway diagnostics, and the simulator speaking every
 * format.
 *
 *   (a) every captured vendor sample: a gateway created through POST /api/gateways publishes the sample's exact bytes
 *       on its topic, and GET /api/gateways/:id shows the reads (normalised tag ids, dBm) or the heartbeat; the
 *       broker refuses another gateway's vendor topic; POST validation errors are coded.
 *   (b) a mixed fleet (RTLS_SIM_FORMATS=mixed): every format decoded, nothing rejected, tags located.
 *   (c) a broken fleet (RTLS_SIM_FAULTS): each fault shows in its own gateway's diagnostics with its reason.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GATEWAY_SILENT_OFFLINE_MS, LIMITS, gatewayReadsTopic, suggestedTopicFilter, topicMatchesFilter,
  type ErrorBody, type GatewayCreateResponse, type GatewayDiagnostics, type GatewayFormat, type GatewayRecentRead,
  type GatewayTech, type Health, type InboundMessage, type TagListResponse,
} from '@rtls/protocol';
import { loadSampleSite } from '@rtls/floorplans';
import { Simulation } from '@rtls/gateway-firmware-sim';
import { startDemo, type Demo } from '../scripts/demo.ts';
import { connectMqtt, demoEnv, eventually, getJson, loginAdmin, postJson, publishQos1, tempDir } from './helpers.ts';

const site = loadSampleSite();
const siteBle = site.floors.flatMap((f) => f.gateways.filter((g) => g.properties.tech === 'ble').map((g) => ({ floor: f.summary.id, g })));

/** A point inside the sample hospital, with its room: the n-th BLE gateway's position (inside the outline). */
function placeAt(n: number): { floor: string; x: number; y: number; room?: string } {
  const { floor, g } = siteBle[(n * 37) % siteBle.length]!;
  const [x, y] = g.geometry.coordinates;
  return { floor, x, y, ...(g.properties.room ? { room: g.properties.room } : {}) };
}

/** admin's bearer token for a demo (issue #6: the API needs one; admin may also create gateways), logged in once. */
const tokens = new WeakMap<Demo, Promise<string>>();
function tokenOf(demo: Demo): Promise<string> {
  let t = tokens.get(demo);
  if (!t) tokens.set(demo, (t = loginAdmin(demo.url)));
  return t;
}

const diag = async (demo: Demo, id: string) => {
  const r = await getJson<GatewayDiagnostics>(`${demo.url}api/gateways/${encodeURIComponent(id)}`, await tokenOf(demo));
  if (r.status !== 200) throw new Error(`GET /api/gateways/${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};
const health = async (demo: Demo) => (await getJson<Health>(`${demo.url}api/health`)).body;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── (a) the captured samples ────────────────────────────────────────────────────────────────────────────────────
// The repository's copy of shared/gateway-formats (byte-identical; the decoders' golden tests read it too).
const SAMPLES = new URL('../locator/test/fixtures/gateway-formats/', import.meta.url);

interface ExpectedRead {
  tag: string;
  rssi: number;
  antenna?: number;
  /** The gateway's own timestamp for the read, epoch ms; absent when the format carries none (receive time). */
  gatewayT?: number;
}

interface SampleCase {
  sample: string;
  id: string;
  format: GatewayFormat;
  tech: GatewayTech;
  /** How it is registered: its topic filter, its MAC (the format's default topic carries it), or neither (the
   * format's suggested filter for its id). */
  register: { topic: string } | { mac: string } | Record<string, never>;
  /** The topic published on: the captured one where the sample has a .topic.txt, else one inside the filter. */
  topic: string;
  expect: { heartbeat: true } | { reads: ExpectedRead[] };
}

// Expected values derived by hand from each sample file (as the golden decoder tests do), not from the decoders.
const CASES: SampleCase[] = [
  {
    // `id` "watch:darrell" is neither MAC nor iBeacon id, so the tag is `mac` 58b1294494d3; rssi -86 dBm; no time.
    sample: 'espresense-device', id: 'basement', format: 'espresense', tech: 'ble', register: {},
    topic: 'espresense/devices/watch:darrell/basement',
    expect: { reads: [{ tag: 'ble:58B1294494D3', rssi: -86 }] },
  },
  {
    // epcHex as is; peakRssiCdbm -5234 = -52.34 dBm; antennaPort 1; lastSeenTime 2026-04-02T12:00:01Z.
    sample: 'impinj-r700-iot-taginventory', id: 'vt-impinj-r700', format: 'impinj-iot', tech: 'rfid-cabinet',
    register: { topic: 'leszyrun' }, topic: 'leszyrun',
    expect: { reads: [{ tag: 'epc:300833B2DDD9014000000000', rssi: -52.34, antenna: 1, gatewayT: Date.UTC(2026, 3, 2, 12, 0, 1) }] },
  },
  {
    // Element 0 is the gateway's own header; element 1 an iBeacon (uuid/major 1000/minor 1500), rssi -58, at
    // 2020-11-16T20:28:25.365Z.
    sample: 'minew-g1-ibeacon', id: 'vt-minew-g1-a', format: 'minew-jsonlong', tech: 'ble',
    register: { mac: 'AC:23:3F:C0:7D:A5' }, topic: '/gw/ac233fc07da5/status',
    expect: { reads: [{ tag: 'ibeacon:6A08635B25F7410A8CF860EEFA2E6EAB-1000-1500', rssi: -58, gatewayT: Date.UTC(2020, 10, 16, 20, 28, 25, 365) }] },
  },
  {
    // Gateway header, then 8 scan records (an S1 info frame and a raw frame of the same tag are two packets).
    sample: 'minew-g1-jsonlong', id: 'vt-minew-g1-b', format: 'minew-jsonlong', tech: 'ble',
    register: { mac: 'AC233FC001EA' }, topic: '/gw/ac233fc001ea/status',
    expect: {
      reads: [
        { tag: 'ble:AC233FA03208', rssi: -79, gatewayT: Date.UTC(2019, 7, 1, 5, 54, 25) },
        { tag: 'ble:AC233FA018E3', rssi: -54, gatewayT: Date.UTC(2019, 7, 1, 5, 54, 25) },
        { tag: 'ble:AC233FA018E3', rssi: -53, gatewayT: Date.UTC(2019, 7, 1, 5, 54, 25) },
        { tag: 'ble:AC233FA018E7', rssi: -40, gatewayT: Date.UTC(2019, 7, 1, 5, 54, 26) },
        { tag: 'ble:AC233FA018E7', rssi: -39, gatewayT: Date.UTC(2019, 7, 1, 5, 54, 26) },
        { tag: 'ble:AC233FA031BF', rssi: -81, gatewayT: Date.UTC(2019, 7, 1, 5, 54, 26) },
        { tag: 'ble:AC233FA018FB', rssi: -69, gatewayT: Date.UTC(2019, 7, 1, 5, 54, 26) },
        { tag: 'ble:AC233FA018FB', rssi: -68, gatewayT: Date.UTC(2019, 7, 1, 5, 54, 26) },
      ],
    },
  },
  {
    // msg_id 3070 scan; all-zero iBeacon uuid = unconfigured frame, so identified by MAC; rssi -61; timestamp epoch ms.
    sample: 'moko-mkgw-mini03-scan-3070', id: 'vt-moko-mini03', format: 'moko-mkgw', tech: 'ble',
    register: { topic: '/cfs1/00e04c006bf1/send' }, topic: '/cfs1/00e04c006bf1/send',
    expect: { reads: [{ tag: 'ble:B081845989F1', rssi: -61, gatewayT: 1764768812262 }] },
  },
  {
    // msg_id 3004 with an object `data`: the current protocol's heartbeat.
    sample: 'moko-mkgw3-heartbeat-3004', id: 'vt-moko-mkgw3', format: 'moko-mkgw', tech: 'ble',
    register: { topic: 'havicare-hub/null/0/gw/d48c49f7909c/raw' }, topic: 'havicare-hub/null/0/gw/d48c49f7909c/raw',
    expect: { heartbeat: true },
  },
  {
    // iBeacon uuid 1de4…9977, major 0, minor 0 (the MAC is not the identity of an iBeacon); rssi -79; no time.
    sample: 'openmqttgateway-ibeacon', id: 'OpenMQTTGateway', format: 'openmqttgateway', tech: 'ble', register: {},
    topic: 'home/OpenMQTTGateway/BTtoMQTT/58782076BC24',
    expect: { reads: [{ tag: 'ibeacon:1DE4B189115E45F6B44E509352269977-0-0', rssi: -79 }] },
  },
  {
    // No topic captured: Ruuvi publishes on ruuvi/<gw_mac>/<tag MAC>. RAWv2 data's last 6 bytes F41F0C28CBD6 are the
    // tag MAC; rssi -25; `cnt` is a counter, not a time.
    sample: 'ruuvi-gateway-mqtt', id: 'vt-ruuvi', format: 'ruuvi', tech: 'ble', register: { mac: 'C8:25:2D:8E:9C:2C' },
    topic: 'ruuvi/C8:25:2D:8E:9C:2C/F4:1F:0C:28:CB:D6',
    expect: { reads: [{ tag: 'ble:F41F0C28CBD6', rssi: -25 }] },
  },
  {
    // No topic captured: Theengs publishes on home/<gateway>/BTtoMQTT/<device MAC>. The payload's id "F3:52:85" is
    // shortened, so the MAC comes from the topic; its first three bytes were not captured (C4F1E2 chosen). rssi -82.
    sample: 'theengs-gateway-decoded', id: 'TheengsGateway', format: 'openmqttgateway', tech: 'ble', register: {},
    topic: 'home/TheengsGateway/BTtoMQTT/C4F1E2F35285',
    expect: { reads: [{ tag: 'ble:C4F1E2F35285', rssi: -82 }] },
  },
  {
    // type "heartbeat", no idHex: a management event on the data topic.
    sample: 'zebra-fx-iotc-heartbeat', id: 'vt-zebra-events', format: 'zebra-iotc', tech: 'rfid-cabinet',
    register: { topic: 'zebra/myfxIN/events' }, topic: 'zebra/myfxIN/events',
    expect: { heartbeat: true },
  },
  {
    // Array of one event; idHex lowercase → upper; peakRssi -54 dBm; antenna 1; 2023-02-24T10:14:42.851+0000.
    sample: 'zebra-fx9600-iotc-inventory-batch', id: 'myfxIN', format: 'zebra-iotc', tech: 'rfid-cabinet', register: {},
    topic: 'zebra/myfxIN/data',
    expect: { reads: [{ tag: 'epc:AD99160040AAC99525000025', rssi: -54, antenna: 1, gatewayT: Date.UTC(2023, 1, 24, 10, 14, 42, 851) }] },
  },
];

const byTagRssi = (a: { tag: string; rssi: number }, b: { tag: string; rssi: number }) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : a.rssi - b.rssi);

describe('(a) every captured vendor sample through a gateway created by the API', () => {
  const tmp = tempDir();
  let demo: Demo;
  let url: string;
  let healthBefore: Health['ingest']['dropped'];
  const creds = new Map<string, GatewayCreateResponse['credentials']>();
  let skewedTotal = 0;

  beforeAll(async () => {
    demo = await startDemo({ env: demoEnv(tmp.dir) });
    url = `mqtt://127.0.0.1:${demo.mqttPort}`;
    healthBefore = (await health(demo)).ingest.dropped;
  });
  afterAll(async () => {
    await demo?.close();
    tmp.cleanup();
  });

  it('covers every sample, with the captured topic where there is one', () => {
    const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json')).map((f) => f.slice(0, -5));
    expect(CASES.map((c) => c.sample).sort()).toEqual(files.sort());
    for (const c of CASES) {
      let captured: string | undefined;
      try {
        captured = readFileSync(new URL(`${c.sample}.topic.txt`, SAMPLES), 'utf8').trim();
      } catch {
        captured = undefined;
      }
      if (captured !== undefined) expect(c.topic, c.sample).toBe(captured);
    }
  });

  CASES.forEach((c, n) => {
    it(`${c.sample}: ${'heartbeat' in c.expect ? 'counted as a heartbeat' : `${c.expect.reads.length} read(s) in the diagnostics`}`, async () => {
      const created = await postJson<GatewayCreateResponse>(`${demo.url}api/gateways`, {
        id: c.id, tech: c.tech, format: c.format, ...c.register, ...placeAt(n),
      }, await tokenOf(demo));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const filter = created.body.gateway.topic;
      if ('topic' in c.register) expect(filter).toBe(c.register.topic);
      else expect(filter).toBe(suggestedTopicFilter(c.format, c.id, 'mac' in c.register ? c.register.mac : undefined));
      // The format's default topic (from the id or MAC) is where the real device publishes.
      expect(topicMatchesFilter(filter, c.topic), `${filter} vs ${c.topic}`).toBe(true);
      expect(created.body.credentials).toMatchObject({ username: c.id, topic: filter });
      creds.set(c.id, created.body.credentials);

      const client = await connectMqtt(url, created.body.credentials, c.id);
      const before = Date.now();
      try {
        await publishQos1(client, c.topic, readFileSync(new URL(`${c.sample}.json`, SAMPLES)));
      } finally {
        client.end(true);
      }
      const d = await eventually(async () => {
        const v = await diag(demo, c.id);
        return v.totals.messages >= 1 && (v.totals.reads > 0 || v.totals.heartbeats > 0) ? v : null;
      }, 2000, 50);
      const after = Date.now();

      expect(d.totals).toMatchObject({ messages: 1, rejectedMessages: 0, rejectedReads: 0, duplicates: 0 });
      expect(d.rejections).toEqual({});
      expect(d.failedPayloads).toEqual([]);
      expect(d.gateway.state).toBe('online');
      if ('heartbeat' in c.expect) {
        expect(d.totals).toMatchObject({ heartbeats: 1, reads: 0, clockSkewed: 0 });
        expect(d.stateSource).toBe('heartbeat');
        expect(d.lastHeartbeatAt).toBeGreaterThanOrEqual(before);
        expect(d.recentReads).toEqual([]);
        return;
      }
      const want = c.expect.reads;
      expect(d.totals).toMatchObject({ heartbeats: 0, reads: want.length });
      expect(d.stateSource).toBe('traffic');
      // A gateway time more than maxClockSkewMs from receive time is not trusted: the read keeps receive time and
      // is counted as clock-skewed (the samples are old captures, so their gateway times are months away).
      const skewed = (r: ExpectedRead) => r.gatewayT !== undefined && Math.abs(r.gatewayT - before) > LIMITS.maxClockSkewMs;
      const nSkewed = want.filter(skewed).length;
      skewedTotal += nSkewed;
      expect(d.totals.clockSkewed).toBe(nSkewed);
      // No clock error is known from skewed reads, nor from formats that carry no time at all. (A Ruuvi message
      // without ts/gwts reports 0 here, not null: see the helper's report.)
      if (nSkewed > 0 || c.format === 'espresense' || c.format === 'openmqttgateway') expect(d.clockSkewMs).toBeNull();

      const got = [...d.recentReads].sort(byTagRssi);
      const exp = [...want].sort(byTagRssi);
      expect(got.map(({ tag, rssi, antenna }) => ({ tag, rssi, ...(antenna !== undefined ? { antenna } : {}) })))
        .toEqual(exp.map(({ tag, rssi, antenna }) => ({ tag, rssi, ...(antenna !== undefined ? { antenna } : {}) })));
      got.forEach((r: GatewayRecentRead, i) => {
        const e = exp[i]!;
        if (e.gatewayT !== undefined && !skewed(e)) expect(r.t).toBe(e.gatewayT);
        else {
          expect(r.t).toBeGreaterThanOrEqual(before);
          expect(r.t).toBeLessThanOrEqual(after);
        }
      });
      expect(d.tagsHeard).toBe(new Set(want.map((r) => r.tag)).size);
    });
  });

  it('the samples cost no schema, topic or gateway drops; each skewed read is counted once in /api/health', async () => {
    const after = (await health(demo)).ingest.dropped;
    for (const reason of ['schema', 'unknown-topic', 'gateway-mismatch', 'not-json', 'unknown-gateway', 'stale-read', 'duplicate-batch'] as const) {
      expect(after[reason] - healthBefore[reason], reason).toBe(0);
    }
    expect(after['clock-skew'] - healthBefore['clock-skew']).toBe(skewedTotal);
  });

  it("publishing on another gateway's vendor topic is refused by the broker, and nothing is ingested", async () => {
    const impostor = creds.get('vt-moko-mini03')!;
    const victim = await diag(demo, 'OpenMQTTGateway');
    const impostorBefore = await diag(demo, 'vt-moko-mini03');
    const unknownBefore = (await health(demo)).ingest.dropped['unknown-topic'];
    const attempts: Array<[string, Buffer]> = [
      // Inside OpenMQTTGateway's filter home/OpenMQTTGateway/BTtoMQTT/+.
      ['home/OpenMQTTGateway/BTtoMQTT/58782076BC24', readFileSync(new URL('openmqttgateway-ibeacon.json', SAMPLES))],
      // Inside basement's filter espresense/devices/+/basement.
      ['espresense/devices/aabbccddeeff/basement', readFileSync(new URL('espresense-device.json', SAMPLES))],
      // A site gateway's native reads topic.
      [gatewayReadsTopic(siteBle[0]!.g.properties.id), Buffer.from(JSON.stringify({ gw: siteBle[0]!.g.properties.id, seq: 1, t: Date.now(), reads: [] }))],
    ];
    for (const [topic, payload] of attempts) {
      // Under its own client id: a gateway may connect only as itself (issue #6 item 6), one attempt at a time.
      const c = await connectMqtt(url, impostor, 'vt-moko-mini03');
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.publish(topic, payload, { qos: 1 });
      await closed; // MQTT 3.1.1 has no PUBACK error code: the broker disconnects the offender
      c.end(true);
    }
    await sleep(500);
    expect((await diag(demo, 'OpenMQTTGateway')).totals).toEqual(victim.totals);
    expect((await diag(demo, 'basement')).totals.messages).toBe(1);
    expect((await diag(demo, 'vt-moko-mini03')).totals).toEqual(impostorBefore.totals);
    expect((await health(demo)).ingest.dropped['unknown-topic']).toBe(unknownBefore);
  });

  it('POST /api/gateways refuses unusable topics, overlapping topics and a format of the other technology, creating nothing', async () => {
    const base = { tech: 'rfid-portal', format: 'zebra-iotc', ...placeAt(99) };
    const token = await tokenOf(demo);
    const post = (body: object) => postJson<ErrorBody>(`${demo.url}api/gateways`, body, token);

    const hash = await post({ ...base, id: 'vt-bad-hash', topic: '#' });
    expect(hash.status).toBe(400);
    expect(hash.body.code).toBe('RTLS_ERR_VALIDATION');
    expect(JSON.stringify(hash.body.details)).toMatch(/topic/);

    const native = await post({ ...base, id: 'vt-bad-native', topic: 'rtls/v1/gw/vt-bad-native/reads' });
    expect(native.status).toBe(400);
    expect(native.body.code).toBe('RTLS_ERR_VALIDATION');

    // zebra/+/data would also match myfxIN's zebra/myfxIN/data: routing would be a guess.
    const overlap = await post({ ...base, id: 'vt-overlap', topic: 'zebra/+/data' });
    expect(overlap.status).toBe(409);
    expect(overlap.body.code).toBe('RTLS_ERR_CONFLICT');
    expect(overlap.body.message).toMatch(/myfxIN/);
    const same = await post({ ...base, id: 'vt-same', topic: 'leszyrun' });
    expect(same.status).toBe(409);
    expect(same.body.code).toBe('RTLS_ERR_CONFLICT');

    const wrongTech = await post({ ...base, id: 'vt-wrong-tech', tech: 'ble', topic: 'zebra/vt-wrong-tech/data' });
    expect(wrongTech.status).toBe(400);
    expect(wrongTech.body.code).toBe('RTLS_ERR_VALIDATION');
    expect(JSON.stringify(wrongTech.body.details)).toMatch(/format/);

    const again = await post({ ...base, id: 'myfxIN', topic: 'zebra/elsewhere/data' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('RTLS_ERR_CONFLICT');

    for (const id of ['vt-bad-hash', 'vt-bad-native', 'vt-overlap', 'vt-same', 'vt-wrong-tech']) {
      const r = await getJson<ErrorBody>(`${demo.url}api/gateways/${id}`, token);
      expect(r.status, id).toBe(404);
      expect(r.body.code).toBe('RTLS_ERR_GATEWAY_NOT_FOUND');
    }
  });
});

// ── Shared by (b) and (c): an independent witness of what the broker delivered ──────────────────────────────────
/** Heartbeats and births as each format spells them (what the witness must not count as read-bearing traffic). */
function isHeartbeat(format: GatewayFormat, m: InboundMessage): boolean {
  const text = Buffer.from(m.payload).toString('utf8');
  if (format === 'zebra-iotc') return text.includes('"type":"heartbeat"');
  if (format === 'moko-mkgw') return text.includes('"msg_id":3004');
  if (format === 'ruuvi') return m.topic.endsWith('/gw_status');
  return false;
}

interface Witness {
  /** Messages delivered by the broker on each vendor gateway's topics (by filter), heartbeats excluded. */
  data: Map<string, InboundMessage[]>;
  all: Map<string, number>;
}

async function witness(demo: Demo): Promise<Witness> {
  const formats = demo.runner!.gatewayFormats();
  const vendor = [...formats].filter(([, f]) => f.format !== 'native');
  const w: Witness = { data: new Map(), all: new Map() };
  await demo.broker!.messageSource().subscribe('#', (m) => {
    const owner = vendor.find(([, f]) => topicMatchesFilter(f.topic, m.topic));
    if (!owner) return;
    const [id, f] = owner;
    w.all.set(id, (w.all.get(id) ?? 0) + 1);
    if (isHeartbeat(f.format, m)) return;
    let list = w.data.get(id);
    if (!list) w.data.set(id, (list = []));
    list.push(m);
  });
  return w;
}

const DROPS_NEVER_EXPECTED = ['schema', 'unknown-topic', 'gateway-mismatch', 'unknown-gateway', 'not-json', 'payload-too-large', 'too-many-reads'] as const;

/**
 * The one rejection a healthy fleet may show: 'stale-read', a read older than the 2 s window when it arrives. The
 * simulator publishes each 1 s batch just after it closes, so its oldest reads arrive ~1 s old; a busy CI machine
 * delaying a publish by another second, or Ruuvi's whole-second timestamps (up to 999 ms older than the read),
 * push a few past the window. They must stay a small share of the reads, or something is wrong.
 */
function expectOnlyStaleReads(rejections: Record<string, number>, reads: number, what: string): void {
  const { 'stale-read': stale = 0, ...others } = rejections;
  expect(others, what).toEqual({});
  expect(stale, `${what}: stale reads of ${reads}`).toBeLessThanOrEqual(Math.max(5, reads * 0.05));
}

/**
 * The gateways of `tech` that read the most in the simulation's first `spanMs` (same seed and tag count as the demo
 * below, whose simulation is seeded alike), so a format or fault put on them has traffic to act on.
 */
function busiestGateways(seed: number, tags: number, tech: GatewayTech, spanMs: number): string[] {
  const sim = new Simulation({ site, seed, tagCount: tags, startTime: Date.UTC(2026, 0, 1), scenario: { referenceTags: 30 } });
  const heard = new Map<string, number>();
  const ofTech = new Set(sim.gateways().filter((g) => g.tech === tech).map((g) => g.id));
  for (const b of sim.step(sim.startTime + spanMs)) if (ofTech.has(b.gw)) heard.set(b.gw, (heard.get(b.gw) ?? 0) + b.reads.length);
  return [...heard].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
}

// ── (b) a mixed fleet ────────────────────────────────────────────────────────────────────────────────────────────
describe('(b) a mixed fleet: the simulator speaks every format at once', () => {
  const tmp = tempDir();
  const SEED = 7;
  const TAGS = 150;
  let demo: Demo;
  let seen: Witness;

  beforeAll(async () => {
    // Portals read only tags carried through their doors, so the RFID formats are also put on the two cabinets
    // with the fullest shelves, whose inventories (every 10 s) surely come within the run.
    const [cabA, cabB] = busiestGateways(SEED, TAGS, 'rfid-cabinet', 12_000);
    expect(cabB).toBeDefined();
    demo = await startDemo({
      env: demoEnv(tmp.dir, {
        RTLS_SIM_TAGS: String(TAGS), RTLS_SIM_SEED: String(SEED), RTLS_SIM_FORMATS: `mixed,zebra-iotc:${cabA},impinj-iot:${cabB}`,
      }),
    });
    seen = await witness(demo);
  });
  afterAll(async () => {
    await demo?.close();
    tmp.cleanup();
  });

  it('every vendor gateway that sent reads is online with its reads, nothing is rejected, and tags are located', async () => {
    await sleep(20_000);
    const formats = demo.runner!.gatewayFormats();
    // Snapshot the witness first: everything it saw has been handed to the pipeline too (same in-process delivery).
    const sentData = new Set([...seen.data].filter(([, ms]) => ms.length > 0).map(([id]) => id));
    const views = new Map<string, GatewayDiagnostics>();
    for (const id of formats.keys()) views.set(id, await diag(demo, id));

    const rejections: Record<string, number> = {};
    let reads = 0;
    for (const v of views.values()) {
      reads += v.totals.reads;
      for (const [k, n] of Object.entries(v.rejections)) rejections[k] = (rejections[k] ?? 0) + n;
    }
    expectOnlyStaleReads(rejections, reads, 'the whole fleet');
    const dropped = (await health(demo)).ingest.dropped;
    for (const reason of DROPS_NEVER_EXPECTED) expect(dropped[reason], reason).toBe(0);

    const withReads = new Map<GatewayFormat, number>();
    for (const id of sentData) {
      const v = views.get(id)!;
      expect(v.gateway.state, id).toBe('online');
      expect(v.totals.reads, id).toBeGreaterThan(0);
      expect(v.gateway.format).toBe(formats.get(id)!.format);
      expect(v.gateway.topic).toBe(formats.get(id)!.topic);
      withReads.set(v.gateway.format, (withReads.get(v.gateway.format) ?? 0) + 1);
    }
    // Every vendor gateway the broker heard anything from is online (Zebra/MOKO/Ruuvi heartbeats included).
    for (const id of seen.all.keys()) expect(views.get(id)!.gateway.state, id).toBe('online');
    // Every format of the mixed fleet delivered reads.
    const vendorFormats = new Set([...formats.values()].map((f) => f.format).filter((f) => f !== 'native'));
    for (const f of vendorFormats) expect(withReads.get(f) ?? 0, f).toBeGreaterThan(0);

    // Tags get fixes, and vendor gateways' reads are among their evidence.
    const tags = (await getJson<TagListResponse>(`${demo.url}api/tags?limit=5000`, await tokenOf(demo))).body.tags;
    const sim = new Set(demo.simulation!.tags().filter((t) => t.id.startsWith('ble:')).map((t) => t.id));
    const located = tags.filter((t) => sim.has(t.id) && t.lastFix);
    expect(located.length).toBeGreaterThan(sim.size * 0.9);
    const evidenceFormats = new Set(located.flatMap((t) => t.lastFix!.evidence.map((e) => formats.get(e.gw)?.format)));
    for (const f of ['minew-jsonlong', 'moko-mkgw', 'espresense', 'openmqttgateway', 'ruuvi'] as const) expect(evidenceFormats.has(f), f).toBe(true);
  });
});

// ── (c) a broken fleet ───────────────────────────────────────────────────────────────────────────────────────────
describe('(c) a broken fleet: each fault shows in its own gateway\'s diagnostics', () => {
  const tmp = tempDir();
  let demo: Demo;
  let seen: Witness;
  let offsetMs = 0;
  const clock = () => Date.now() + offsetMs;
  const SEED = 11;
  const TAGS = 100;
  const [OFFLINE_NATIVE, OFFLINE_VENDOR, SKEWED, DUPLICATING, TRUNCATING] = busiestGateways(SEED, TAGS, 'ble', 8000) as [string, string, string, string, string];
  const FOREVER = 3_600_000;
  /**
   * Offline, duplicate and truncate faults begin this long after the simulation starts (simulated = wall time
   * here), after the witness has subscribed, so the witness sees every faulted message and counts can be exact.
   */
  const FAULT_FROM_MS = 7000;

  beforeAll(async () => {
    demo = await startDemo({
      clock,
      env: demoEnv(tmp.dir, {
        RTLS_SIM_TAGS: String(TAGS), RTLS_SIM_SEED: String(SEED),
        RTLS_SIM_FORMATS: `native,espresense:${OFFLINE_VENDOR},minew-jsonlong:${SKEWED},moko-mkgw:${DUPLICATING},ruuvi:${TRUNCATING}`,
        RTLS_SIM_FAULTS: JSON.stringify([
          { gatewayId: OFFLINE_NATIVE, kind: 'offline', fromMs: FAULT_FROM_MS, toMs: FOREVER },
          { gatewayId: OFFLINE_VENDOR, kind: 'offline', fromMs: FAULT_FROM_MS, toMs: FOREVER },
          { gatewayId: SKEWED, kind: 'clock-skew', skewS: 3600, fromMs: 0, toMs: FOREVER },
          { gatewayId: DUPLICATING, kind: 'duplicate', fromMs: FAULT_FROM_MS, toMs: FOREVER },
          { gatewayId: TRUNCATING, kind: 'truncate', fromMs: FAULT_FROM_MS, toMs: FOREVER },
        ]),
      }),
    });
    seen = await witness(demo);
    subscribedAfterMs = clock() - demo.simulation!.startTime;
  });
  afterAll(async () => {
    await demo?.close();
    tmp.cleanup();
  });
  let subscribedAfterMs = Number.NaN;

  it('offline, clock skew, duplicates and truncation, each with its reason, on the right gateway', async () => {
    expect(subscribedAfterMs).toBeLessThan(FAULT_FROM_MS); // else the exact counts below would not hold
    const started = Date.now();
    await sleep(FAULT_FROM_MS + 8000 - subscribedAfterMs);
    // Quiesce: with the simulator stopped, the witness and the diagnostics have seen the same messages.
    await demo.runner!.stop();
    await sleep(500);
    const now = Date.now();

    // Native gateway gone without DISCONNECT: the broker published its retained last will.
    const off = await diag(demo, OFFLINE_NATIVE);
    expect(off.gateway.state).toBe('offline');
    expect(off.stateSource).toBe('last-will');

    // Clock an hour ahead: every read counted as clock-skewed and stamped with receive time, none rejected.
    const skew = await diag(demo, SKEWED);
    expect(skew.totals.reads).toBeGreaterThan(0);
    expect(skew.totals.clockSkewed).toBe(skew.totals.reads);
    expect(skew.rejections).toEqual({});
    expect(skew.clockSkewMs).toBeNull();
    for (const r of skew.recentReads) {
      expect(r.t).toBeGreaterThanOrEqual(started);
      expect(r.t).toBeLessThanOrEqual(now);
    }

    // Each message published twice: the copy is dropped as a duplicate, the reads of the first are kept.
    const dup = await diag(demo, DUPLICATING);
    const dupMsgs = seen.data.get(DUPLICATING) ?? [];
    const distinct = new Set(dupMsgs.map((m) => Buffer.from(m.payload).toString('base64'))).size;
    expect(dupMsgs.length).toBeGreaterThan(0);
    expect(dup.totals.duplicates).toBe(dupMsgs.length - distinct);
    expect(dup.totals.duplicates).toBeGreaterThan(0);
    const { 'duplicate-batch': dupDropped, ...dupOthers } = dup.rejections;
    expect(dupDropped).toBe(dup.totals.duplicates);
    expectOnlyStaleReads(dupOthers, dup.totals.reads, DUPLICATING);
    expect(dup.totals.reads).toBeGreaterThan(0);

    // Every data message cut short once the fault begins: each one rejected as not JSON and kept, verbatim, among
    // the failed payloads.
    const cut = await diag(demo, TRUNCATING);
    const cutMsgs = (seen.data.get(TRUNCATING) ?? []).filter((m) => {
      try {
        JSON.parse(Buffer.from(m.payload).toString('utf8'));
        return false;
      } catch {
        return true;
      }
    });
    expect(cutMsgs.length).toBeGreaterThan(0);
    expect(cut.totals.rejectedMessages).toBe(cutMsgs.length);
    const { 'not-json': cutDropped, ...cutOthers } = cut.rejections;
    expect(cutDropped).toBe(cutMsgs.length);
    expectOnlyStaleReads(cutOthers, cut.totals.reads, TRUNCATING);
    expect(cut.failedPayloads.length).toBe(Math.min(cutMsgs.length, 20));
    const sentTexts = new Set(cutMsgs.map((m) => Buffer.from(m.payload).toString('utf8')));
    for (const f of cut.failedPayloads) {
      expect(f.reason).toBe('not-json');
      expect(f.errors.join(' ')).toMatch(/not JSON/);
      expect(topicMatchesFilter(cut.gateway.topic, f.topic)).toBe(true);
      expect(sentTexts.has(f.payload), f.payload).toBe(true);
      expect(f.payloadBytes).toBe(Buffer.byteLength(f.payload));
      expect(f.truncated).toBe(false);
    }

    const dropped = (await health(demo)).ingest.dropped;
    expect(dropped['clock-skew']).toBeGreaterThanOrEqual(skew.totals.clockSkewed);
    expect(dropped['duplicate-batch']).toBe(dup.totals.duplicates);
    expect(dropped['not-json']).toBe(cutMsgs.length);
    for (const reason of ['schema', 'unknown-topic', 'gateway-mismatch', 'unknown-gateway'] as const) expect(dropped[reason], reason).toBe(0);

    // The vendor gateway has no last will: silent since its offline span began, it stays 'online' until
    // GATEWAY_SILENT_OFFLINE_MS have passed. The injected clock is moved on to just past that moment.
    const vendorOff = await diag(demo, OFFLINE_VENDOR);
    expect(vendorOff.totals.messages).toBeGreaterThan(0);
    expect(vendorOff.gateway.state).toBe('online');
    const lastSeen = vendorOff.gateway.lastSeen!;
    expect(vendorOff.lastMessageAt).toBe(lastSeen);
    // The independent subscriber stamps its own receive time for the same delivery a moment apart from the locator's
    // (CI saw 1 ms): what matters is that nothing arrived later than the gateway's last message, within that moment.
    for (const m of seen.data.get(OFFLINE_VENDOR) ?? []) expect(m.receivedAt).toBeLessThanOrEqual(lastSeen + 50);
    const othersLastSeen = Math.min(skew.gateway.lastSeen!, dup.gateway.lastSeen!);
    expect(othersLastSeen - lastSeen).toBeGreaterThan(2000); // the others kept publishing after it fell silent
    offsetMs = lastSeen + GATEWAY_SILENT_OFFLINE_MS + 1000 - Date.now();
    const silent = await diag(demo, OFFLINE_VENDOR);
    expect(silent.gateway.state).toBe('offline');
    expect(silent.stateSource).toBe('silent');
    const stillUp = await diag(demo, SKEWED);
    expect(stillUp.gateway.state).toBe('online');
    expect(stillUp.stateSource).toBe('traffic');
  });
});
