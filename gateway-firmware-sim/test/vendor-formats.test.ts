/**
 * The simulator's vendor encoders (issue #4 item 4): each format's messages have the structure of the captured
 * real payloads (locator/test/fixtures/gateway-formats, copies of shared/gateway-formats) and the format's units —
 * centi-dBm, seconds as strings, ISO with `+0000`, MAC spellings — and land on the format's topic.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { topicFilterProblem, topicMatchesFilter, type Read, type ReadBatch } from '@rtls/protocol';
import {
  FORMAT_TRAITS, canEncode, createEncoderState, encodeBatch, encodeHeartbeat, gen2Crc, gen2Pc, simGatewayMac, beaconMac,
  vendorGateway, vendorSession, type VendorMessage,
} from '../src/vendor/index.ts';
import { packJsonElements } from '../src/vendor/json-chunks.ts';

const sample = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../locator/test/fixtures/gateway-formats/${name}.json`, import.meta.url), 'utf8'));

type Json = Record<string, unknown>;
const json = (m: VendorMessage): unknown => JSON.parse(m.payload.toString('utf8'));
const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Every field of `real` is in `ours` with the same JSON type, recursively through objects (the sample's shape). */
function shapeGaps(real: unknown, ours: unknown, path = '', ignore: ReadonlySet<string> = new Set()): string[] {
  if (typeOf(real) !== typeOf(ours)) return [`${path || '(root)'}: ${typeOf(real)} in the sample, ${typeOf(ours)} here`];
  if (typeOf(real) !== 'object') return [];
  const gaps: string[] = [];
  for (const [k, v] of Object.entries(real as Json)) {
    const p = path ? `${path}.${k}` : k;
    if (ignore.has(p)) continue;
    if (!(k in (ours as Json))) gaps.push(`${p}: missing`);
    else gaps.push(...shapeGaps(v, (ours as Json)[k], p, ignore));
  }
  return gaps;
}

const T = Date.UTC(2026, 3, 2, 12, 0, 5, 0);
const EPC = 'epc:303400640DFC863C6EF36200';
const BLE = 'ble:AC233FA03208';
const BEACON = 'ibeacon:E2C56DB5DFFB48D2B060D0F5A71096E0-100-7';
const rfidBatch: ReadBatch = {
  gw: 'cab-1', seq: 3, t: T,
  reads: [
    { tag: EPC, rssi: -52, t: T - 900, ant: 2 },
    { tag: 'epc:E2801160200074CF085509F2', rssi: -61, t: T - 120, ant: 1 },
  ],
};
const bleBatch: ReadBatch = {
  gw: 'gw-ward-1', seq: 9, t: T,
  reads: [
    { tag: BLE, rssi: -71, t: T - 640, tx: -59 },
    { tag: BEACON, rssi: -80, t: T - 210, tx: -62, bat: 87 },
  ],
};

describe('formats and their technology', () => {
  it('RFID formats carry EPCs only, Ruuvi ble: only, the other BLE formats ble: and ibeacon:, native all', () => {
    for (const [format, traits] of Object.entries(FORMAT_TRAITS) as Array<[keyof typeof FORMAT_TRAITS, (typeof FORMAT_TRAITS)[keyof typeof FORMAT_TRAITS]]>) {
      const got = [EPC, BLE, BEACON].map((t) => canEncode(format, t));
      if (traits.tech === 'rfid') expect(got).toEqual([true, false, false]);
      else if (traits.tech === 'any') expect(got).toEqual([true, true, true]);
      else if (format === 'ruuvi') expect(got).toEqual([false, true, false]);
      else expect(got).toEqual([false, true, true]);
    }
  });

  it('a batch with nothing the format can carry publishes nothing', () => {
    expect(encodeBatch('zebra-iotc', vendorGateway('gw-ward-1', 'zebra-iotc'), bleBatch)).toEqual([]);
    expect(encodeBatch('minew-jsonlong', vendorGateway('cab-1', 'minew-jsonlong'), rfidBatch)).toEqual([]);
  });

  it('every suggested filter is a valid vendor filter and every message topic matches it', () => {
    for (const format of Object.keys(FORMAT_TRAITS) as Array<keyof typeof FORMAT_TRAITS>) {
      const batch = FORMAT_TRAITS[format].tech === 'rfid' ? rfidBatch : bleBatch;
      const gw = vendorGateway(batch.gw, format);
      if (format !== 'native') expect(topicFilterProblem(gw.topic)).toBeNull();
      const messages = encodeBatch(format, gw, batch);
      expect(messages.length).toBeGreaterThan(0);
      for (const m of messages) expect(topicMatchesFilter(format === 'native' ? 'rtls/v1/gw/+/reads' : gw.topic, m.topic)).toBe(true);
    }
  });
});

describe('gateway and beacon MACs', () => {
  it('a gateway MAC is derived from its id: stable, distinct, locally administered unicast', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `gw-${i}`);
    const macs = ids.map(simGatewayMac);
    expect(new Set(macs).size).toBe(ids.length);
    expect(simGatewayMac('gw-7')).toBe(macs[7]);
    for (const m of macs) {
      expect(m).toMatch(/^[0-9A-F]{12}$/);
      expect(parseInt(m.slice(0, 2), 16) & 0x03).toBe(0x02); // U/L bit set, I/G bit clear
    }
  });

  it('an iBeacon is heard from a random static address derived from its id', () => {
    const m = beaconMac(BEACON);
    expect(m).toBe(beaconMac(BEACON));
    expect(parseInt(m.slice(0, 2), 16) & 0xc0).toBe(0xc0);
    expect(beaconMac('ibeacon:E2C56DB5DFFB48D2B060D0F5A71096E0-100-8')).not.toBe(m);
  });
});

describe('native', () => {
  it('is the batch itself on rtls/v1/gw/<id>/reads, whatever topic the record names', () => {
    const [m, ...rest] = encodeBatch('native', vendorGateway('cab-1', 'native', 'zebra/cab-1/data'), rfidBatch);
    expect(rest).toEqual([]);
    expect(m!.topic).toBe('rtls/v1/gw/cab-1/reads');
    expect(json(m!)).toEqual(rfidBatch);
  });
});

describe('zebra-iotc', () => {
  const gw = vendorGateway('cab-1', 'zebra-iotc');
  const real = (sample('zebra-fx9600-iotc-inventory-batch') as Json[])[0]!;

  it('batches tag events in one array shaped like the FX9600 sample, on zebra/<reader>/data', () => {
    const [m, ...rest] = encodeBatch('zebra-iotc', gw, rfidBatch, { tech: 'rfid-cabinet' });
    expect(rest).toEqual([]);
    expect(m!.topic).toBe('zebra/cab-1/data');
    const events = json(m!) as Json[];
    expect(events).toHaveLength(2);
    for (const e of events) expect(shapeGaps(real, e)).toEqual([]);
    const d = events.map((e) => e.data as Json);
    expect(d.map((x) => x.idHex)).toEqual(['303400640dfc863c6ef36200', 'e2801160200074cf085509f2']);
    expect(d.map((x) => x.peakRssi)).toEqual([-52, -61]);
    expect(d.map((x) => x.antenna)).toEqual([2, 1]);
    expect(d.map((x) => x.format)).toEqual(['epc', 'epc']);
    expect(events.map((e) => e.timestamp)).toEqual(['2026-04-02T12:00:04.100+0000', '2026-04-02T12:00:04.880+0000']);
    expect(events.map((e) => e.type)).toEqual(['INVENTORY', 'INVENTORY']);
    for (const x of d) expect(x.channel as number).toBeGreaterThanOrEqual(902.75);
    for (const x of d) expect(x.channel as number).toBeLessThanOrEqual(927.25);
  });

  it('PC and CRC are the Gen2 ones (checked against the sample: PC 3000 + EPC → CRC 518e)', () => {
    const d = real.data as Json;
    expect(gen2Pc(d.idHex as string)).toBe(d.PC);
    expect(gen2Crc(d.PC as string, d.idHex as string)).toBe(d.CRC);
  });

  it('eventNum is one sequence over tag events and heartbeats; heartbeats share the topic, shaped like the sample', () => {
    const state = createEncoderState();
    const a = json(encodeBatch('zebra-iotc', gw, rfidBatch, { state })[0]!) as Json[];
    const hb = encodeHeartbeat('zebra-iotc', gw, T + 1000, { state });
    const b = json(encodeBatch('zebra-iotc', gw, rfidBatch, { state })[0]!) as Json[];
    expect([...a, json(hb[0]!) as Json, ...b].map((e) => (e.data as Json).eventNum ?? e.eventNum)).toEqual([0, 1, 2, 3, 4]);
    expect(hb[0]!.topic).toBe('zebra/cab-1/data');
    const beat = json(hb[0]!) as Json;
    expect(shapeGaps(sample('zebra-fx-iotc-heartbeat'), beat)).toEqual([]);
    expect(beat).toMatchObject({ type: 'heartbeat', timestamp: '2026-04-02T12:00:06.000+0000' });
  });

  it('a portal reports in PORTAL mode', () => {
    const events = json(encodeBatch('zebra-iotc', gw, rfidBatch, { tech: 'rfid-portal' })[0]!) as Json[];
    expect(events.map((e) => e.type)).toEqual(['PORTAL', 'PORTAL']);
  });
});

describe('impinj-iot', () => {
  const gw = vendorGateway('cab-1', 'impinj-iot');
  it('one tagInventory event per read, shaped like the R700 sample, RSSI in centi-dBm, EPC hex and base64', () => {
    const ms = encodeBatch('impinj-iot', gw, rfidBatch);
    expect(ms).toHaveLength(2);
    expect(ms.map((m) => m.topic)).toEqual(['impinj/cab-1/events', 'impinj/cab-1/events']);
    const evs = ms.map((m) => json(m) as Json);
    for (const e of evs) expect(shapeGaps(sample('impinj-r700-iot-taginventory'), e, '', new Set(['tagInventoryEvent.phaseAngle']))).toEqual([]);
    const inv = evs.map((e) => e.tagInventoryEvent as Json);
    expect(inv.map((x) => x.peakRssiCdbm)).toEqual([-5200, -6100]);
    expect(inv.map((x) => x.epcHex)).toEqual(['303400640DFC863C6EF36200', 'E2801160200074CF085509F2']);
    for (const x of inv) expect(Buffer.from(x.epc as string, 'base64').toString('hex').toUpperCase()).toBe(x.epcHex);
    expect(inv.map((x) => x.antennaPort)).toEqual([2, 1]);
    expect(inv.map((x) => x.lastSeenTime)).toEqual(['2026-04-02T12:00:04.100Z', '2026-04-02T12:00:04.880Z']);
    for (const x of inv) expect(x.frequency as number % 250).toBe(0); // kHz, on the 500 kHz channel raster
    expect(evs[0]!.hostname).toMatch(/^impinj-[0-9a-f]{2}-[0-9a-f]{2}-[0-9a-f]{2}$/);
  });
});

describe('minew-jsonlong', () => {
  const gw = vendorGateway('gw-ward-1', 'minew-jsonlong');
  it('an array led by the Gateway record, on /gw/<mac>/status, records shaped like the samples', () => {
    const [m, ...rest] = encodeBatch('minew-jsonlong', gw, bleBatch);
    expect(rest).toEqual([]);
    expect(m!.topic).toBe(`/gw/${gw.mac.toLowerCase()}/status`);
    const [head, ble, beacon, ...more] = json(m!) as Json[];
    expect(more).toEqual([]);
    const realLong = sample('minew-g1-jsonlong') as Json[];
    const realBeacon = sample('minew-g1-ibeacon') as Json[];
    expect(shapeGaps(realLong[0], head)).toEqual([]);
    expect(head).toMatchObject({ type: 'Gateway', mac: gw.mac, timestamp: '2026-04-02T12:00:05.000Z' });
    expect(shapeGaps(realLong[1], ble)).toEqual([]);
    expect(ble).toMatchObject({ type: 'Unknown', mac: 'AC233FA03208', rssi: -71, timestamp: '2026-04-02T12:00:04.360Z' });
    expect(shapeGaps(realBeacon[1], beacon)).toEqual([]);
    expect(beacon).toMatchObject({
      type: 'iBeacon', ibeaconUuid: 'E2C56DB5DFFB48D2B060D0F5A71096E0', ibeaconMajor: 100, ibeaconMinor: 7,
      ibeaconTxPower: -62, rssi: -80, battery: 87, mac: beaconMac(BEACON), timestamp: '2026-04-02T12:00:04.790Z',
    });
  });
});

describe('moko-mkgw', () => {
  const gw = vendorGateway('gw-ward-1', 'moko-mkgw');
  it('msg_id 3070 with device_info.mac, ms timestamps and lower-case MACs, shaped like the mini03 sample', () => {
    const [m, ...rest] = encodeBatch('moko-mkgw', gw, bleBatch);
    expect(rest).toEqual([]);
    expect(m!.topic).toBe(`/MKGW3/${gw.mac.toLowerCase()}/send`);
    const msg = json(m!) as Json;
    const real = sample('moko-mkgw-mini03-scan-3070') as Json;
    expect(shapeGaps(real, msg, '', new Set(['data']))).toEqual([]);
    expect(msg).toMatchObject({ msg_id: 3070, device_info: { mac: gw.mac.toLowerCase() } });
    const [ble, beacon] = msg.data as Json[];
    expect(shapeGaps((real.data as Json[])[0], ble)).toEqual([]);
    expect(ble).toMatchObject({ mac: 'ac233fa03208', rssi: -71, timestamp: T - 640, uuid: '0'.repeat(32), rssi_1m: -59 });
    expect(beacon).toMatchObject({ mac: beaconMac(BEACON).toLowerCase(), uuid: 'e2c56db5dffb48d2b060d0f5a71096e0', major: 100, minor: 7, rssi_1m: -62, timestamp: T - 210 });
  });

  it('its heartbeat is msg_id 3004 with an object data, on the same topic', () => {
    const [hb] = encodeHeartbeat('moko-mkgw', gw, T);
    expect(hb!.topic).toBe(`/MKGW3/${gw.mac.toLowerCase()}/send`);
    expect(shapeGaps(sample('moko-mkgw3-heartbeat-3004'), json(hb!))).toEqual([]);
    expect(json(hb!)).toMatchObject({ msg_id: 3004, data: { timestamp: T } });
  });
});

describe('espresense', () => {
  const gw = vendorGateway('gw-ward-1', 'espresense');
  it('one message per device on espresense/devices/<deviceId>/<node>, no timestamp, ids as ESPresense makes them', () => {
    const ms = encodeBatch('espresense', gw, bleBatch);
    const dashed = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';
    expect(ms.map((m) => m.topic)).toEqual(['espresense/devices/ac233fa03208/gw-ward-1', `espresense/devices/iBeacon:${dashed}-100-7/gw-ward-1`]);
    const [a, b] = ms.map((m) => json(m) as Json);
    const real = sample('espresense-device');
    expect(shapeGaps(real, a, '', new Set(['name', 'int']))).toEqual([]);
    expect(a).toMatchObject({ id: 'ac233fa03208', mac: 'ac233fa03208', rssi: -71, 'rssi@1m': -59 });
    expect(b).toMatchObject({ id: `iBeacon:${dashed}-100-7`, rssi: -80, 'rssi@1m': -62 });
    for (const x of [a, b]) for (const k of Object.keys(x!)) expect(k).not.toMatch(/time|ts/i);
    // ESPresense's own range estimate, 10^((ref − rssi) / 35): 12 dB under the reference is 10^(12/35) m.
    expect(a!.distance).toBeCloseTo(10 ** (12 / 35), 2);
  });
});

describe('openmqttgateway', () => {
  const gw = vendorGateway('gw-ward-1', 'openmqttgateway');
  it('one message per device on home/<gw>/BTtoMQTT/<MAC without colons>, id with colons, no timestamp', () => {
    const ms = encodeBatch('openmqttgateway', gw, bleBatch);
    const bm = beaconMac(BEACON);
    expect(ms.map((m) => m.topic)).toEqual(['home/gw-ward-1/BTtoMQTT/AC233FA03208', `home/gw-ward-1/BTtoMQTT/${bm}`]);
    const [a, b] = ms.map((m) => json(m) as Json);
    expect(a).toEqual({ id: 'AC:23:3F:A0:32:08', mac_type: 0, rssi: -71, txpower: -59 });
    expect(shapeGaps(sample('openmqttgateway-ibeacon'), b)).toEqual([]);
    expect(b).toMatchObject({ id: bm.match(/../g)!.join(':'), uuid: 'e2c56db5dffb48d2b060d0f5a71096e0', major: 100, minor: 7, txpower: -62, rssi: -80 });
  });
});

describe('ruuvi', () => {
  const gw = vendorGateway('gw-ward-1', 'ruuvi');
  const gwColons = gw.mac.match(/../g)!.join(':');
  it('one message per tag on ruuvi/<gw MAC>/<tag MAC>, seconds as strings, RAWv2 data ending in the tag MAC', () => {
    const ms = encodeBatch('ruuvi', gw, bleBatch);
    expect(ms.map((m) => m.topic)).toEqual([`ruuvi/${gwColons}/AC:23:3F:A0:32:08`]); // the iBeacon is not representable
    const msg = json(ms[0]!) as Json;
    expect(shapeGaps(sample('ruuvi-gateway-mqtt'), msg, '', new Set(['cnt']))).toEqual([]);
    expect(msg).toMatchObject({ gw_mac: gwColons, rssi: -71, ts: String(Math.floor((T - 640) / 1000)), gwts: String(T / 1000) });
    const data = msg.data as string;
    expect(data).toMatch(/^0201061BFF990405[0-9A-F]{46}$/);
    expect(data.slice(-12)).toBe('AC233FA03208');
    expect(data.length / 2).toBe(3 + 1 + 27);
  });

  it('has the gateway’s own retained gw_status birth and last will inside its filter', () => {
    const s = vendorSession('ruuvi', gw)!;
    expect(s.birth).toMatchObject({ topic: `ruuvi/${gwColons}/gw_status`, retain: true });
    expect(json(s.birth)).toEqual({ state: 'online' });
    expect(json(s.will)).toEqual({ state: 'offline' });
    expect(topicMatchesFilter(gw.topic, s.will.topic)).toBe(true);
    expect(vendorSession('minew-jsonlong', vendorGateway('gw-ward-1', 'minew-jsonlong'))).toBeNull();
  });
});

describe('splitting a large batch', () => {
  it('packs elements greedily under the byte budget, keeping order', () => {
    const items = ['"aaaa"', '"bb"', '"cccccc"', '"d"'];
    const groups = packJsonElements(items, 2, 14);
    expect(groups.flat()).toEqual(items);
    for (const g of groups) expect(2 + g.join(',').length).toBeLessThanOrEqual(14);
    expect(groups.length).toBeGreaterThan(1);
    expect(packJsonElements([], 2, 14)).toEqual([]);
  });

  it('zebra splits a batch that exceeds maxPayloadBytes into several arrays', () => {
    const reads: Read[] = Array.from({ length: 40 }, (_, i) => ({ tag: `epc:3034${String(i).padStart(20, '0')}`, rssi: -60, t: T - i, ant: 1 }));
    const ms = encodeBatch('zebra-iotc', vendorGateway('cab-1', 'zebra-iotc'), { ...rfidBatch, reads }, { maxPayloadBytes: 2000 });
    expect(ms.length).toBeGreaterThan(1);
    for (const m of ms) expect(m.payload.length).toBeLessThanOrEqual(2000);
    expect(ms.flatMap((m) => json(m) as Json[]).map((e) => (e.data as Json).idHex)).toEqual(reads.map((r) => r.tag.slice(4).toLowerCase()));
  });
});
