import { describe, expect, it } from 'vitest';
import { decodeRuuvi } from '../../src/ingest/decoders/ruuvi.ts';
import { T0, bytes, ctx, golden, onlyRead, rejectionText, violations } from './ble-json-test-helpers.ts';

const g = golden('ruuvi-gateway-mqtt');
const TAG = 'ble:F41F0C28CBD6';
const TOPIC = 'ruuvi/C8:25:2D:8E:9C:2C/F4:1F:0C:28:CB:D6';
const decode = (v: unknown, topic = TOPIC, receivedAt = T0) => decodeRuuvi(bytes(v), ctx(topic, receivedAt));
const T0_S = String(T0 / 1000);
// The same RAWv2 advertisement without its leading flags structure, as some tags and scanners report it.
const RAWV2_NO_FLAGS = '1BFF990405166455D5C6DE0008FFF403F0AE760F2A8BF41F0C28CBD6';
// An Apple iBeacon advertisement: not a RuuviTag, so the MAC can only come from the topic.
const IBEACON_ADV = '0201061AFF4C0002151DE4B189115E45F6B44E50935226997700000000BE';
// The time-stamped schema: `ts` and `gwts` instead of `cnt`.
const { cnt: _cnt, ...noCnt } = g.json;
const stamped = (ts: unknown, gwts: unknown = ts) => ({ ...noCnt, gwts, ts });

describe('Ruuvi Gateway decoder: golden file', () => {
  it('decodes the documented message to the hand-derived read (tag MAC from inside data)', () => {
    expect(g.topicFile).toBeUndefined();
    const r = decodeRuuvi(g.payload, g.ctx);
    expect(r).toEqual(g.expected);
    expect(violations(r)).toEqual([]);
  });
});

describe('Ruuvi Gateway decoder: timestamps (Unix seconds as strings)', () => {
  it('converts ts seconds to ms and prefers ts (received) over gwts (relayed)', () => {
    const r = decode(stamped(String(T0 / 1000 - 10), String(T0 / 1000 - 2)));
    expect(onlyRead(r)).toEqual({ tag: TAG, rssi: -25, t: T0 - 10_000 });
    expect(r).toMatchObject({ clockSkewed: 0, gatewayHint: 'C8252D8E9C2C' });
  });

  it('accepts ts as a JSON number too', () => {
    expect(onlyRead(decode(stamped(T0 / 1000 - 3))).t).toBe(T0 - 3_000);
  });

  it('falls back to gwts when ts is absent', () => {
    const { ts: _ts, ...onlyGwts } = stamped(T0_S, String(T0 / 1000 - 7));
    expect(onlyRead(decode(onlyGwts)).t).toBe(T0 - 7_000);
  });

  it('flags a gateway clock further off than maxClockSkewMs and uses receive time', () => {
    for (const ts of ['1653668027', '0', String(T0)]) {
      const r = decode(stamped(ts));
      expect(onlyRead(r).t).toBe(T0);
      expect(r).toMatchObject({ clockSkewed: 1 });
    }
  });

  it('rejects a ts that is not Unix seconds, naming the field', () => {
    expect(rejectionText(decode(stamped('yesterday', T0_S)))).toMatch(/^ts: expected Unix seconds/);
    expect(rejectionText(decode(stamped(T0_S, '-5')))).toMatch(/^gwts: expected Unix seconds as a string of digits, got "-5"/);
    expect(rejectionText(decode(stamped({ s: 1 })))).toMatch(/^ts: .*got an object/m);
  });
});

describe('Ruuvi Gateway decoder: tag and gateway MACs', () => {
  it('finds the RAWv2 MAC without a leading flags structure', () => {
    expect(onlyRead(decode({ ...g.json, data: RAWV2_NO_FLAGS }, '')).tag).toBe(TAG);
  });

  it('takes the tag MAC from the topic for non-Ruuvi advertisements, in any spelling', () => {
    for (const mac of ['58:78:20:76:BC:24', '58782076bc24', '58-78-20-76-bc-24']) {
      expect(onlyRead(decode({ ...g.json, data: IBEACON_ADV }, `ruuvi/C8:25:2D:8E:9C:2C/${mac}`)).tag).toBe('ble:58782076BC24');
    }
  });

  it('takes the topic MAC when RAWv2 says its MAC is unavailable (all ones) or data is truncated', () => {
    const unavailable = g.json.data!.toString().slice(0, -12) + 'FFFFFFFFFFFF';
    expect(onlyRead(decode({ ...g.json, data: unavailable }, 'ruuvi/C8:25:2D:8E:9C:2C/11:22:33:44:55:66')).tag).toBe(
      'ble:112233445566',
    );
    expect(onlyRead(decode({ ...g.json, data: '0201061BFF990405166455D5' }, 'ruuvi/C8:25:2D:8E:9C:2C/11:22:33:44:55:66')).tag).toBe(
      'ble:112233445566',
    );
  });

  it('rejects a non-Ruuvi advertisement when the topic names no tag', () => {
    expect(rejectionText(decode({ ...g.json, data: IBEACON_ADV }, 'ruuvi'))).toMatch(/^data: not a RuuviTag format 5 advertisement/);
  });

  for (const [name, data, message] of [
    ['odd-length', '0201061', /^data: not an even-length hex string/],
    ['not hex', 'zz01', /^data: not an even-length hex string/],
    ['a number', 201061, /^data: expected a hex string, got number/],
  ] as const) {
    it(`rejects data that is ${name}`, () => {
      expect(rejectionText(decode({ ...g.json, data }))).toMatch(message);
    });
  }

  it('rejects a message without data', () => {
    const { data: _d, ...rest } = g.json;
    expect(rejectionText(decode(rest))).toMatch(/^data: required/);
  });

  it('normalises gw_mac spellings to 12 upper hex', () => {
    for (const gw_mac of ['c8:25:2d:8e:9c:2c', 'C8-25-2D-8E-9C-2C', 'c8252d8e9c2c']) {
      expect(decode({ ...g.json, gw_mac }, '')).toMatchObject({ gatewayHint: 'C8252D8E9C2C' });
    }
  });

  it('takes the gateway from the default topic when gw_mac is absent', () => {
    const { gw_mac: _gw, ...rest } = g.json;
    expect(decode(rest, 'ruuvi/AA:BB:CC:DD:EE:FF/F4:1F:0C:28:CB:D6')).toMatchObject({ gatewayHint: 'AABBCCDDEEFF' });
    expect(decode(rest, '')).not.toHaveProperty('gatewayHint');
  });

  it('rejects a gw_mac that is not a MAC', () => {
    expect(rejectionText(decode({ ...g.json, gw_mac: 'C8:25:2D' }))).toMatch(/^gw_mac: not a MAC address \("C8:25:2D"\)/);
  });
});

describe('Ruuvi Gateway decoder: RSSI and other messages', () => {
  for (const [name, rssi, message] of [
    ['a string', '-25', /^rssi: expected a number in dBm, got string/],
    ['absurd', -131, /^rssi: -131 dBm is outside the plausible range/],
    ['missing', undefined, /^rssi: required/],
  ] as const) {
    it(`rejects an RSSI that is ${name}`, () => {
      expect(rejectionText(decode({ ...g.json, rssi }))).toMatch(message);
    });
  }

  it('reports every bad field at once', () => {
    const text = rejectionText(decode({ ...g.json, rssi: 99, data: 'x', ts: 'now' }));
    expect(text.split('\n').map((l) => l.split(':')[0])).toEqual(['data', 'rssi', 'ts']);
  });

  it('skips gateway status as a heartbeat, by topic or by shape', () => {
    expect(decodeRuuvi(bytes('online'), ctx('ruuvi/C8:25:2D:8E:9C:2C/gw_status'))).toEqual({
      kind: 'skip',
      what: 'heartbeat',
      gatewayHint: 'C8252D8E9C2C',
    });
    expect(decode({ state: 'online', gw_mac: 'C8:25:2D:8E:9C:2C' }, '')).toEqual({
      kind: 'skip',
      what: 'heartbeat',
      gatewayHint: 'C8252D8E9C2C',
    });
  });

  it('rejects what is not JSON, and JSON that is not one advertisement object', () => {
    expect(decodeRuuvi(bytes('{"gw_mac"'), ctx(TOPIC))).toMatchObject({ kind: 'rejected', reason: 'not-json' });
    expect(decodeRuuvi(new Uint8Array([0xff, 0xfe]), ctx(TOPIC))).toMatchObject({ kind: 'rejected', reason: 'not-json' });
    expect(rejectionText(decode([g.json, g.json]))).toMatch(/^\(root\): expected one Ruuvi Gateway advertisement object, got an array/);
  });
});
