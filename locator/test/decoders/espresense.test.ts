import { describe, expect, it } from 'vitest';
import { decodeEspresense } from '../../src/ingest/decoders/espresense.ts';
import { T0, bytes, ctx, golden, onlyRead, rejectionText, violations } from './ble-json-test-helpers.ts';

const g = golden('espresense-device');
const TOPIC = 'espresense/devices/watch:darrell/basement';
const decode = (v: unknown, topic = TOPIC) => decodeEspresense(bytes(v), ctx(topic));
const UUID_DASHED = 'e5ca1ade-f007-ba11-0000-000000000000';

describe('ESPresense decoder: golden file', () => {
  it('decodes the captured device message to the hand-derived read', () => {
    expect(g.ctx.topic).toBe(g.topicFile);
    const r = decodeEspresense(g.payload, g.ctx);
    expect(r).toEqual(g.expected);
    expect(violations(r)).toEqual([]);
  });
});

describe('ESPresense decoder: tag identity', () => {
  it('an iBeacon device id becomes an ibeacon: tag, ignoring the (rotating) mac', () => {
    const r = decode({ ...g.json, id: `iBeacon:${UUID_DASHED}-100-2` }, `espresense/devices/iBeacon:${UUID_DASHED}-100-2/icu`);
    expect(onlyRead(r).tag).toBe('ibeacon:E5CA1ADEF007BA110000000000000000-100-2');
    expect(r.kind === 'reads' && r.gatewayHint).toBe('icu');
  });

  it('accepts an iBeacon uuid without dashes and in upper case', () => {
    const r = decode({ rssi: -70, id: 'IBEACON:E5CA1ADEF007BA110000000000000000-0-65535' });
    expect(onlyRead(r).tag).toBe('ibeacon:E5CA1ADEF007BA110000000000000000-0-65535');
  });

  for (const [name, id] of [
    ['a short uuid', 'iBeacon:e5ca1ade-f007-ba11-0000-0000000000-1-2'],
    ['a major above 65535', `iBeacon:${UUID_DASHED}-70000-2`],
    ['no minor', `iBeacon:${UUID_DASHED}-1`],
  ] as const) {
    it(`rejects an iBeacon id with ${name}, rather than filing it under its mac`, () => {
      expect(rejectionText(decode({ ...g.json, id }))).toMatch(/^id: not iBeacon:<uuid>-<major>-<minor>/);
    });
  }

  for (const mac of ['58b1294494d3', '58B1294494D3', '58:b1:29:44:94:d3', '58-B1-29-44-94-D3', '58b1.2944.94d3']) {
    it(`normalises the mac spelling ${mac}`, () => {
      expect(onlyRead(decode({ ...g.json, mac })).tag).toBe('ble:58B1294494D3');
    });
  }

  it('uses a bare-MAC device id when there is no mac field', () => {
    expect(onlyRead(decode({ id: '58b1294494d3', rssi: -80 })).tag).toBe('ble:58B1294494D3');
  });

  it('falls back to the topic device id when the payload has no id', () => {
    expect(onlyRead(decode({ rssi: -80 }, 'espresense/devices/aabbccddeeff/lobby')).tag).toBe('ble:AABBCCDDEEFF');
  });

  it('rejects a named device id with no mac, naming the id kind but not the name (it may be a person)', () => {
    const text = rejectionText(decode({ id: 'watch:darrell', name: "Darrell's Watch", rssi: -86 }));
    expect(text).toMatch(/^id: .*kind "watch".*cannot be normalised/);
    expect(text).not.toMatch(/darrell/i);
  });

  it('does not mistake a name made of hex letters for a MAC', () => {
    expect(rejectionText(decode({ id: 'name:deadbeefcafe', rssi: -60 }))).toMatch(/^id: /);
  });

  it('rejects a mac field that is not a MAC', () => {
    expect(rejectionText(decode({ ...g.json, mac: '58b12944' }))).toMatch(/^mac: not a MAC address \("58b12944"\)/);
  });

  it('rejects an id that is not a string', () => {
    expect(rejectionText(decode({ ...g.json, id: 42 }))).toMatch(/^id: expected a string, got number/);
  });
});

describe('ESPresense decoder: RSSI, reference power, time', () => {
  it('keeps a float RSSI as it is', () => {
    expect(onlyRead(decode({ ...g.json, rssi: -86.25 })).rssi).toBe(-86.25);
  });

  for (const [name, rssi, message] of [
    ['a string', '-86', /^rssi: expected a number in dBm, got string/],
    ['absurdly low', -200, /^rssi: -200 dBm is outside the plausible range -130\.\.20/],
    ['absurdly high', 40, /^rssi: 40 dBm is outside/],
    ['null', null, /^rssi: expected a number in dBm, got null/],
  ] as const) {
    it(`rejects an RSSI that is ${name}`, () => {
      const r = decode({ ...g.json, rssi });
      expect(r).toMatchObject({ kind: 'rejected', reason: 'schema' });
      expect(rejectionText(r)).toMatch(message);
    });
  }

  it('rejects a message with no RSSI, naming every bad field', () => {
    const { rssi: _rssi, mac: _mac, ...rest } = g.json;
    const text = rejectionText(decode(rest));
    expect(text).toMatch(/^id: /m);
    expect(text).toMatch(/^rssi: required/m);
  });

  it('leaves tx out when rssi@1m is missing or implausible, keeping the read', () => {
    const { 'rssi@1m': _ref, ...rest } = g.json;
    expect(onlyRead(decode(rest))).toEqual({ tag: 'ble:58B1294494D3', rssi: -86, t: T0 });
    expect(onlyRead(decode({ ...g.json, 'rssi@1m': 200 }))).toEqual({ tag: 'ble:58B1294494D3', rssi: -86, t: T0 });
    expect(onlyRead(decode({ ...g.json, 'rssi@1m': '-64' }))).not.toHaveProperty('tx');
  });

  it('uses receive time (the format has none) and ignores distance', () => {
    const r = decodeEspresense(bytes({ ...g.json, distance: 0.1, raw: 0.1 }), ctx(TOPIC, T0 + 1234));
    expect(onlyRead(r).t).toBe(T0 + 1234);
    expect(r).toMatchObject({ clockSkewed: 0 });
  });

  it('never emits a read that fails ReadSchema, even with a broken clock', () => {
    const r = decodeEspresense(g.payload, ctx(TOPIC, 12));
    expect(r).toMatchObject({ kind: 'rejected', reason: 'schema' });
    expect(rejectionText(r)).toMatch(/^t: /);
  });
});

describe('ESPresense decoder: other messages', () => {
  it('skips node telemetry (whose rssi is the node Wi-Fi signal) as a heartbeat', () => {
    const telemetry = { ip: '10.0.0.5', uptime: 3600, firm: 'esp32', rssi: -51, adverts: 120, seen: 4, reported: 3 };
    expect(decode(telemetry, 'espresense/rooms/basement/telemetry')).toEqual({
      kind: 'skip',
      what: 'heartbeat',
      gatewayHint: 'basement',
    });
  });

  it('skips the plain-text node status without calling it not-JSON', () => {
    expect(decodeEspresense(bytes('online'), ctx('espresense/rooms/basement/status'))).toMatchObject({ kind: 'skip', what: 'heartbeat' });
  });

  it('skips room settings and global settings as management', () => {
    expect(decode('10', 'espresense/rooms/basement/max_distance')).toMatchObject({ kind: 'skip', what: 'management' });
    expect(decode({ id: 'x' }, 'espresense/settings/watch:darrell/config')).toMatchObject({ kind: 'skip', what: 'management' });
  });

  it('recognises telemetry on an unexpected topic by its uptime and lack of a device id', () => {
    expect(decode({ uptime: 10, rssi: -40 }, 'espresense/devices/x/basement')).toMatchObject({ kind: 'skip', what: 'heartbeat' });
  });

  it('rejects what is not JSON, and JSON that is not one device object', () => {
    expect(decodeEspresense(bytes('{"mac":'), ctx(TOPIC))).toMatchObject({ kind: 'rejected', reason: 'not-json' });
    expect(rejectionText(decode([g.json]))).toMatch(/^\(root\): expected one ESPresense device object, got an array/);
    expect(rejectionText(decode('"hello"'))).toMatch(/^\(root\): .*got string/);
  });

  it('still decodes a device message on a topic it cannot parse, without a gateway hint', () => {
    const r = decode(g.json, 'somewhere/else');
    expect(onlyRead(r).tag).toBe('ble:58B1294494D3');
    expect(r).not.toHaveProperty('gatewayHint');
  });
});
