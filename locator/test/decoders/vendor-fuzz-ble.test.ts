/**
 * Fuzz for the JSON BLE decoders (issue #4: bad input never crashes anything). 20,000 seeded random and mutated
 * payloads, each on a random topic, go through all three decoders; every result must be one of the three kinds,
 * every rejection must carry a reason and messages, every read must pass ReadSchema.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeEspresense } from '../../src/ingest/decoders/espresense.ts';
import { decodeOpenMqttGateway } from '../../src/ingest/decoders/openmqttgateway.ts';
import { decodeRuuvi } from '../../src/ingest/decoders/ruuvi.ts';
import type { VendorDecoder } from '../../src/ingest/decoders/vendor.ts';
import { FIXTURES, T0, ctx, violations } from './ble-json-test-helpers.ts';

const CASES = 20_000;
const SEED = 0x5eed_4b1e;

const DECODERS: [string, VendorDecoder][] = [
  ['espresense', decodeEspresense],
  ['openmqttgateway', decodeOpenMqttGateway],
  ['ruuvi', decodeRuuvi],
];

/** mulberry32: small, seedable, good enough to drive a fuzzer reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdefABCDEF'[int(22)]).join('');

// Every captured sample in the fixtures folder (other formats too: cross-format input is realistic misrouting).
const samples: unknown[] = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as unknown);
// A few hand-built variants so the fuzzer starts from every branch (iBeacon ids, timestamps, status shapes).
samples.push(
  { id: 'iBeacon:e5ca1ade-f007-ba11-0000-000000000000-100-2', rssi: -70, 'rssi@1m': -59 },
  { id: '58:78:20:76:bc:24', rssi: -60.5, txpower: 4, name: 'x' },
  { gw_mac: 'C8:25:2D:8E:9C:2C', rssi: -40, aoa: [], gwts: String(T0 / 1000), ts: String(T0 / 1000 - 1), data: '0201061AFF4C0002151DE4B189115E45F6B44E50935226997700000000BE' },
  { uptime: 100, version: '1.0', rssi: -50, mac: 'AA:BB:CC:DD:EE:FF' },
  { state: 'online' },
);

const TOPICS = [
  'espresense/devices/watch:darrell/basement',
  'espresense/devices/iBeacon:e5ca1ade-f007-ba11-0000-000000000000-100-2/icu',
  'espresense/rooms/basement/telemetry',
  'espresense/rooms/basement/status',
  'espresense/settings/x/config',
  'home/OpenMQTTGateway/BTtoMQTT/58782076BC24',
  'home/TheengsGateway/BTtoMQTT/C4F1E2F35285',
  'home/OpenMQTTGateway/BTtoMQTT',
  'home/OpenMQTTGateway/LWT',
  'home/OpenMQTTGateway/SYStoMQTT',
  'ruuvi/C8:25:2D:8E:9C:2C/F4:1F:0C:28:CB:D6',
  'ruuvi/C8:25:2D:8E:9C:2C/gw_status',
  '',
  '/',
];

function randomTopic(): string {
  switch (int(4)) {
    case 0:
      return pick(TOPICS);
    case 1:
      return Array.from({ length: int(6) }, () => pick(['devices', 'rooms', 'BTtoMQTT', 'LWT', 'gw_status', hex(12), hex(int(8)), '', 'ruuvi', 'home'])).join('/');
    case 2:
      return String.fromCharCode(...Array.from({ length: int(40) }, () => int(0x3000)));
    default: {
      const t = pick(TOPICS);
      const i = int(t.length + 1);
      return t.slice(0, i) + hex(int(3)) + t.slice(i);
    }
  }
}

function garbage(depth: number): unknown {
  switch (int(depth > 3 ? 8 : 10)) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return pick([0, -1, 1e308, -1e308, 0.5, -130, 20, -130.0001, 20.0001, 65535, 65536, 2 ** 53, -0]);
    case 3:
      return (rand() - 0.5) * 10 ** int(16);
    case 4:
      return hex(int(40));
    case 5:
      return pick(['', '-60', 'NaN', 'Infinity', '1e400', '58:78:20:76:BC:24', 'F3:52:85', 'iBeacon:', 'watch:x', ' ', '\u0000', '1735689600']);
    case 6:
      return String.fromCharCode(...Array.from({ length: int(20) }, () => int(0xffff)));
    case 7:
      return hex(12).match(/../g)!.join(pick([':', '-', '', '.']));
    case 8:
      return Array.from({ length: int(4) }, () => garbage(depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let k = int(4); k > 0; k--) o[pick(['id', 'mac', 'rssi', 'data', 'uuid', 'major', 'minor', 'ts', hex(3)])] = garbage(depth + 1);
      return o;
    }
  }
}

const KEYS = ['id', 'mac', 'rssi', 'rssi@1m', 'txpower', 'uuid', 'major', 'minor', 'gw_mac', 'data', 'ts', 'gwts', 'uptime', 'version', 'state', '__proto__', 'constructor'];

/** A structural mutation of a JSON value: change a field's type, delete it, add one, nest garbage, wrap it. */
function mutateJson(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || rand() < 0.1) {
    return pick([() => garbage(0), () => [v], () => ({ wrapped: v }), () => v])();
  }
  const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  const keys = Object.keys(o);
  for (let n = 1 + int(3); n > 0; n--) {
    const key = rand() < 0.7 && keys.length > 0 ? pick(keys) : pick(KEYS);
    switch (int(4)) {
      case 0:
        delete o[key];
        break;
      case 1:
        o[key] = garbage(0);
        break;
      case 2:
        o[key] = typeof o[key] === 'number' ? String(o[key]) : typeof o[key] === 'string' ? Number(o[key]) : [o[key]];
        break;
      default:
        Object.defineProperty(o, key, { value: garbage(2), enumerable: true, configurable: true, writable: true });
    }
  }
  return o;
}

function mutateBytes(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b);
  switch (int(3)) {
    case 0:
      return out.subarray(0, int(out.length + 1));
    case 1:
      for (let n = 1 + int(5); n > 0 && out.length > 0; n--) out[int(out.length)] = int(256);
      return out;
    default: {
      const i = int(out.length + 1);
      const ins = new TextEncoder().encode(pick(['{', '}', '"', ',', '[', ']', ':', '\\', '\u00e9', 'null']));
      return new Uint8Array([...out.subarray(0, i), ...ins, ...out.subarray(i)]);
    }
  }
}

function randomPayload(): Uint8Array {
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v) ?? 'undefined');
  const r = rand();
  if (r < 0.05) return Uint8Array.from({ length: int(200) }, () => int(256));
  if (r < 0.1) return enc(garbage(0));
  const base = pick(samples);
  if (r < 0.2) return enc(base);
  if (r < 0.7) return enc(mutateJson(base));
  if (r < 0.85) return mutateBytes(enc(base));
  return mutateBytes(enc(mutateJson(base)));
}

function randomReceivedAt(): number {
  // Mostly a sane clock; sometimes a broken one, which must not let an invalid read through.
  return rand() < 0.95 ? T0 + int(1e9) : pick([0, -1, 1.5, T0 + 0.5, 1e20, Number.NaN]);
}

describe('JSON BLE decoders: fuzz', () => {
  it(`survive ${CASES} random and mutated payloads with valid, explained results`, () => {
    const kinds: Record<string, Record<string, number>> = {};
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const payload = randomPayload();
      const c = ctx(randomTopic(), randomReceivedAt());
      for (const [name, decode] of DECODERS) {
        let result: unknown;
        try {
          result = decode(payload, c);
        } catch (err) {
          failures.push(`${name} threw on case ${i}: ${(err as Error).message}`);
          continue;
        }
        for (const v of violations(result)) failures.push(`${name} case ${i}: ${v}`);
        const kind = String((result as { kind?: unknown }).kind);
        (kinds[name] ??= {})[kind] = (kinds[name]![kind] ?? 0) + 1;
      }
      if (failures.length > 20) break;
    }
    expect(failures).toEqual([]);
    // The fuzzer must have reached every outcome of every decoder, or it proves little.
    for (const [name] of DECODERS) {
      expect(kinds[name]?.reads ?? 0, `${name} reads`).toBeGreaterThan(50);
      expect(kinds[name]?.rejected ?? 0, `${name} rejections`).toBeGreaterThan(50);
      expect(kinds[name]?.skip ?? 0, `${name} skips`).toBeGreaterThan(50);
    }
  });
});
