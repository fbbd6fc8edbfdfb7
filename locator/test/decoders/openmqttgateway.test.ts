import { describe, expect, it } from 'vitest';
import { decodeOpenMqttGateway } from '../../src/ingest/decoders/openmqttgateway.ts';
import { T0, bytes, ctx, golden, onlyRead, rejectionText, violations } from './ble-json-test-helpers.ts';

const omg = golden('openmqttgateway-ibeacon');
const theengs = golden('theengs-gateway-decoded');
const TOPIC = 'home/OpenMQTTGateway/BTtoMQTT/58782076BC24';
const decode = (v: unknown, topic = TOPIC) => decodeOpenMqttGateway(bytes(v), ctx(topic));
// The captured iBeacon message without its iBeacon fields: a plain BLE device.
const { uuid: _u, major: _ma, minor: _mi, ...plain } = omg.json;

describe('OpenMQTTGateway / Theengs decoder: golden files', () => {
  it('decodes the captured OpenMQTTGateway iBeacon message to the hand-derived read', () => {
    expect(omg.ctx.topic).toBe(omg.topicFile);
    const r = decodeOpenMqttGateway(omg.payload, omg.ctx);
    expect(r).toEqual(omg.expected);
    expect(violations(r)).toEqual([]);
  });

  it('rejects the captured Theengs message on its own: its id is shortened and no topic says the MAC', () => {
    expect(theengs.topicFile).toBeUndefined();
    const r = decodeOpenMqttGateway(theengs.payload, theengs.ctx);
    expect(r).toEqual(theengs.expected);
    expect(violations(r)).toEqual([]);
  });
});

describe('OpenMQTTGateway / Theengs decoder: tag identity', () => {
  it('takes the MAC from the topic when the Theengs id is shortened', () => {
    const r = decodeOpenMqttGateway(theengs.payload, ctx('home/TheengsGateway/BTtoMQTT/C4F1E2F35285'));
    expect(r).toEqual({
      kind: 'reads',
      reads: [{ tag: 'ble:C4F1E2F35285', rssi: -82, t: T0 }],
      rejected: [],
      clockSkewed: 0,
      gatewayHint: 'TheengsGateway',
    });
  });

  for (const id of ['58:78:20:76:BC:24', '58:78:20:76:bc:24', '58-78-20-76-BC-24', '58782076bc24', ' 58:78:20:76:BC:24 ']) {
    it(`normalises the id spelling ${JSON.stringify(id)}`, () => {
      expect(onlyRead(decode({ ...plain, id }, 'home/gw1/BTtoMQTT')).tag).toBe('ble:58782076BC24');
    });
  }

  it('prefers the payload MAC over the topic', () => {
    expect(onlyRead(decode({ ...plain, id: 'AA:BB:CC:DD:EE:FF' })).tag).toBe('ble:AABBCCDDEEFF');
  });

  it('accepts a mac field when there is no id', () => {
    const { id: _id, ...noId } = plain;
    expect(onlyRead(decode({ ...noId, mac: 'aa:bb:cc:dd:ee:ff' }, 'home/gw1/BTtoMQTT')).tag).toBe('ble:AABBCCDDEEFF');
  });

  it('takes the MAC from the topic when the payload has no id at all', () => {
    const { id: _id, ...noId } = plain;
    expect(onlyRead(decode(noId)).tag).toBe('ble:58782076BC24');
    expect(rejectionText(decode(noId, 'home/gw1/BTtoMQTT'))).toMatch(/^id: required/);
  });

  it('rejects mixed separators and shortened ids without a topic MAC, echoing the id', () => {
    expect(rejectionText(decode({ ...plain, id: '58:78-20:76:BC:24' }, 'home/gw1/BTtoMQTT'))).toMatch(
      /^id: "58:78-20:76:BC:24" is not a full MAC/,
    );
    expect(rejectionText(decode({ ...plain, id: 'F3:52:85' }, 'home/gw1/BTtoMQTT/F35285'))).toMatch(/^id: "F3:52:85"/);
  });

  it('does not echo a non-MAC id (it may be a name)', () => {
    const text = rejectionText(decode({ ...plain, id: 'Jane Doe phone' }, 'home/gw1/BTtoMQTT'));
    expect(text).toMatch(/^id: a string of 14 chars/);
    expect(text).not.toMatch(/Jane/);
  });

  it('accepts iBeacon major/minor as decimal strings and a dashed uuid', () => {
    const r = decode({ ...omg.json, uuid: '1de4b189-115e-45f6-b44e-509352269977', major: '12', minor: '65535' });
    expect(onlyRead(r).tag).toBe('ibeacon:1DE4B189115E45F6B44E509352269977-12-65535');
  });

  it('identifies an iBeacon published on its uuid topic by its uuid/major/minor', () => {
    const r = decode(omg.json, 'home/OpenMQTTGateway/BTtoMQTT/1de4b189115e45f6b44e509352269977');
    expect(onlyRead(r).tag).toBe('ibeacon:1DE4B189115E45F6B44E509352269977-0-0');
  });

  for (const [name, patch] of [
    ['a major above 65535', { major: 70000 }],
    ['a negative minor', { minor: -1 }],
    ['a short uuid', { uuid: '1de4b189' }],
    ['a numeric uuid', { uuid: 5 }],
  ] as const) {
    it(`rejects an iBeacon with ${name} rather than filing it under its MAC`, () => {
      expect(rejectionText(decode({ ...omg.json, ...patch }))).toMatch(/^uuid\/major\/minor: not an iBeacon identity/);
    });
  }

  it('uses the MAC when a uuid comes without major/minor', () => {
    expect(onlyRead(decode({ ...plain, uuid: '1de4b189115e45f6b44e509352269977' })).tag).toBe('ble:58782076BC24');
  });
});

describe('OpenMQTTGateway / Theengs decoder: RSSI, txpower, time, gateway', () => {
  for (const [name, rssi, message] of [
    ['a string', '-79', /^rssi: expected a number in dBm, got string/],
    ['absurd', -300, /^rssi: -300 dBm is outside the plausible range/],
    ['a positive byte', 177, /^rssi: 177 dBm is outside/],
  ] as const) {
    it(`rejects an RSSI that is ${name}`, () => {
      expect(rejectionText(decode({ ...omg.json, rssi }))).toMatch(message);
    });
  }

  it('rejects a missing RSSI', () => {
    const { rssi: _r, ...rest } = omg.json;
    expect(rejectionText(decode(rest))).toMatch(/^rssi: required/);
  });

  it('keeps a float RSSI and leaves out a missing or implausible txpower', () => {
    const { txpower: _t, ...noTx } = omg.json;
    expect(onlyRead(decode({ ...noTx, rssi: -79.5 }))).toEqual({
      tag: 'ibeacon:1DE4B189115E45F6B44E509352269977-0-0',
      rssi: -79.5,
      t: T0,
    });
    expect(onlyRead(decode({ ...omg.json, txpower: 190 }))).not.toHaveProperty('tx');
  });

  it('uses receive time, the format has none', () => {
    const r = decodeOpenMqttGateway(omg.payload, ctx(TOPIC, T0 + 5_000));
    expect(onlyRead(r).t).toBe(T0 + 5_000);
    expect(r).toMatchObject({ clockSkewed: 0 });
  });

  it('finds the gateway name under a custom base topic', () => {
    expect(decode(omg.json, 'hospital/ward3/omg-ward3/BTtoMQTT/58782076BC24')).toMatchObject({ gatewayHint: 'omg-ward3' });
  });
});

describe('OpenMQTTGateway / Theengs decoder: other messages', () => {
  it('reads the plain-text LWT: "offline" is the last will, "online" proof of life', () => {
    expect(decodeOpenMqttGateway(bytes('offline'), ctx('home/OpenMQTTGateway/LWT'))).toEqual({
      kind: 'skip',
      what: 'offline',
      gatewayHint: 'OpenMQTTGateway',
    });
    expect(decodeOpenMqttGateway(bytes('online'), ctx('home/OpenMQTTGateway/LWT'))).toMatchObject({ kind: 'skip', what: 'heartbeat' });
  });

  const sys = { uptime: 3600, version: 'v1.8.0', freemem: 120000, rssi: -58, SSID: 'ward', ip: '10.0.0.9', mac: 'AA:BB:CC:00:11:22' };

  it('skips system messages (whose rssi and mac are the gateway own) as heartbeats', () => {
    expect(decode(sys, 'home/OpenMQTTGateway/SYStoMQTT')).toEqual({ kind: 'skip', what: 'heartbeat', gatewayHint: 'OpenMQTTGateway' });
    expect(decode(sys, 'home/OpenMQTTGateway/BTtoMQTT')).toMatchObject({ kind: 'skip', what: 'heartbeat' });
  });

  it('skips other gateway channels as other events', () => {
    expect(decode({ value: 1 }, 'home/OpenMQTTGateway/RFtoMQTT')).toMatchObject({ kind: 'skip', what: 'other-event' });
  });

  it('rejects what is not JSON, and JSON that is not one device object', () => {
    expect(decodeOpenMqttGateway(bytes('online'), ctx(TOPIC))).toMatchObject({ kind: 'rejected', reason: 'not-json' });
    expect(rejectionText(decode([omg.json]))).toMatch(/^\(root\): expected one device object, got an array/);
    expect(rejectionText(decode(null))).toMatch(/^\(root\): .*got null/);
  });
});
