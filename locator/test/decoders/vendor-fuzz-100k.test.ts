/**
 * Issue #4, "Done when": bad input from any gateway never crashes anything and is always explained. 100,000 seeded
 * payloads — random bytes, and mutations of the real captured samples and of simulator-encoded messages of every
 * format (truncation, byte flips, field deletions and type swaps, huge numbers, deep nesting, concatenation,
 * oversized payloads) — go through the native decoder and three vendor decoders each (via vendorDecoderFor, as the
 * pipeline dispatches): the decoder of the format the payload was derived from and others at random, as misrouted
 * input; every vendor decoder meets ~43,000 of them. Claimed for every result:
 *
 *   - the decoder returned (never threw) one of its contract's result kinds;
 *   - every rejection, whole-message or per record, carries a DropReason and field-naming messages;
 *   - every read is a valid protocol Read;
 *   - records are accounted for where the record count is knowable from the payload itself: native reads +
 *     rejections = `reads.length`; Minew reads + rejections + duplicates = non-Gateway array elements; MOKO scan
 *     reads + rejections = `data.length`; Impinj on-reader batches reads + rejections = `tag_reads.length`; the
 *     one-device messages (ESPresense, OpenMQTTGateway, Ruuvi, an Impinj event) give at most one read.
 *
 * This file is the one 100k-case run over all eight decoders; vendor-fuzz-ble.test.ts and
 * rfid-ble-gateway-fuzz.test.ts stay as the per-family fuzzers with their own mutation styles.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DropReasonSchema, GatewayFormatSchema, LIMITS, ReadSchema, fillTopicFilter, type GatewayFormat, type ReadBatch } from '@rtls/protocol';
import { encodeBatch, vendorGateway } from '@rtls/gateway-firmware-sim';
import { decodeNative } from '../../src/ingest/decoders/native.ts';
import { vendorDecoderFor, type VendorDecodeResult, type VendorDecoder } from '../../src/ingest/decoders/vendor-index.ts';
import type { DecodeResult } from '../../src/ingest/decoders/decoder.ts';
import { contractViolations } from './rfid-ble-gateway-kit.ts';

const CASES = 100_000;
/** Vendor decoders each payload goes through (plus the native one). */
const VENDOR_PER_PAYLOAD = 3;
const SEED = 0x0a11_4b1d;
/** 2026-04-02T08:00:00Z: the simulator-encoded seeds are stamped around this time. */
const T_SIM = Date.UTC(2026, 3, 2, 8, 0, 0);
const NATIVE_GW = 'gw-fuzz-1';

type VendorFormat = Exclude<GatewayFormat, 'native'>;
const VENDOR_FORMATS = GatewayFormatSchema.options.filter((f): f is VendorFormat => f !== 'native');
const DECODERS: Array<[VendorFormat, VendorDecoder]> = VENDOR_FORMATS.map((f) => [f, vendorDecoderFor(f)!]);

/** mulberry32: small, seedable; a failure reproduces from SEED and the case number. */
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
const enc = new TextEncoder();
const dec = new TextDecoder();

// ── Seeds: the captured samples (with the topics they came on) and the simulator's encoding of every format. ──────
interface Seed {
  /** The format the seed is a message of (its decoder is always among the ones a mutation goes to). */
  format: GatewayFormat;
  text: string;
  topic: string;
  /** A receive time near the seed's own timestamps, so the trusted-time path is reached too. */
  near: number;
}

const FIXTURES = new URL('../fixtures/gateway-formats/', import.meta.url);
const FORMAT_OF_SAMPLE: Array<[string, VendorFormat]> = [
  ['zebra-', 'zebra-iotc'], ['impinj-', 'impinj-iot'], ['minew-', 'minew-jsonlong'], ['moko-', 'moko-mkgw'],
  ['espresense-', 'espresense'], ['openmqttgateway-', 'openmqttgateway'], ['theengs-', 'openmqttgateway'], ['ruuvi-', 'ruuvi'],
];
const seeds: Seed[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
  .map((f) => {
    const name = f.slice(0, -'.json'.length);
    const topicFile = new URL(`${name}.topic.txt`, FIXTURES);
    let topic = '';
    try {
      topic = readFileSync(topicFile, 'utf8').trim();
    } catch {
      // theengs / ruuvi samples came without a topic
    }
    const text = readFileSync(new URL(f, FIXTURES), 'utf8');
    // The newest epoch-ms-looking or ISO time in the sample, else a fixed date.
    const iso = [...text.matchAll(/"(\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d{4}))"/g)].map((m) => Date.parse(m[1]!.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')));
    const ms = [...text.matchAll(/\b(1[5-9]\d{11})\b/g)].map((m) => Number(m[1]));
    const times = [...iso, ...ms].filter((t) => Number.isFinite(t));
    const format = FORMAT_OF_SAMPLE.find(([prefix]) => name.startsWith(prefix))?.[1];
    if (!format) throw new Error(`sample ${name}: which format? (add it to FORMAT_OF_SAMPLE)`);
    return { format, text, topic, near: times.length > 0 ? Math.max(...times) : T_SIM };
  });

const SIM_BATCH: ReadBatch = {
  gw: NATIVE_GW, seq: 7, t: T_SIM,
  reads: [
    { tag: 'ble:AC233FA03208', rssi: -71, t: T_SIM - 800, tx: -59 },
    { tag: 'ibeacon:E2C56DB5DFFB48D2B060D0F5A71096E0-100-7', rssi: -80, t: T_SIM - 400, tx: -62 },
    { tag: 'ble:0A0B0C0D0E0F', rssi: -64.5, t: T_SIM - 100 },
    { tag: 'epc:300833B2DDD9014000000000', rssi: -52, t: T_SIM - 600, ant: 2 },
    { tag: 'epc:AD99160040AAC99525000025', rssi: -61, t: T_SIM - 300, ant: 1 },
  ],
};
for (const format of VENDOR_FORMATS) {
  const gw = vendorGateway(`sim-${format}`, format);
  for (const m of encodeBatch(format, gw, SIM_BATCH, { tech: format === 'zebra-iotc' || format === 'impinj-iot' ? 'rfid-portal' : 'ble' })) {
    seeds.push({ format, text: m.payload.toString('utf8'), topic: m.topic, near: T_SIM });
  }
}
// The Impinj on-reader apps' batch shape (shared/gateway-formats README): microsecond epoch times, float dBm.
seeds.push({
  format: 'impinj-iot', topic: 'impinj/r700/reads', near: T_SIM,
  text: JSON.stringify({
    readerName: 'r700', tag_reads: [
      { epc: '300833B2DDD9014000000000', peakRssi: -57.5, antennaPort: 2, firstSeenTimestamp: (T_SIM - 500) * 1000 },
      { epc: 'AD99160040AAC99525000025', peakRssi: -61.25, antennaPort: 1, firstSeenTimestamp: (T_SIM - 200) * 1000 },
    ],
  }),
});
seeds.push({ format: 'native', text: JSON.stringify(SIM_BATCH), topic: `rtls/v1/gw/${NATIVE_GW}/reads`, near: T_SIM });
seeds.push({
  format: 'native', text: JSON.stringify({ ...SIM_BATCH, reads: [{ tag: 'ble:AC233FA03208', rssi: -70 }, { tag: 'nope', rssi: 'x' }] }),
  topic: '', near: T_SIM,
});
const seedValues: unknown[] = seeds.map((s) => JSON.parse(s.text) as unknown);

const TOPICS = [
  ...new Set(seeds.map((s) => s.topic)),
  ...VENDOR_FORMATS.map((f) => fillTopicFilter(vendorGateway('gw-x', f).topic, ['gw_status'])),
  'zebra/myfxIN/events', 'espresense/rooms/basement/telemetry', 'espresense/settings/x/config', 'home/gw/LWT',
  'home/gw/SYStoMQTT', 'home/gw/BTtoMQTT/F35285', 'ruuvi/C8:25:2D:8E:9C:2C/gw_status', '', '/', '#', '+/+',
];

function randomTopic(seed: Seed): string {
  const r = rand();
  if (r < 0.6) return seed.topic;
  if (r < 0.85) return pick(TOPICS);
  if (r < 0.95) return Array.from({ length: int(7) }, () => pick(['gw', 'BTtoMQTT', 'devices', 'rooms', 'status', 'AC233FA03208', 'C8:25:2D:8E:9C:2C', '', 'zebra', '\u00e9'])).join('/');
  return String.fromCharCode(...Array.from({ length: int(30) }, () => int(0xd7ff)));
}

// ── Mutations ────────────────────────────────────────────────────────────────────────────────────────────────────
const HUGE = [1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), 1e21, 5e-324, -0, 0xffffffff, 1e15, 65536, -5234, 946_684_799_999];
const KEYS = ['data', 'idHex', 'peakRssi', 'antenna', 'format', 'PC', 'type', 'timestamp', 'tagData', 'EPCid', 'eventType',
  'tagInventoryEvent', 'epcHex', 'peakRssiCdbm', 'antennaPort', 'lastSeenTime', 'mac', 'rssi', 'ibeaconUuid', 'ibeaconMajor',
  'ibeaconMinor', 'msg_id', 'device_info', 'uuid', 'major', 'minor', 'rssi_1m', 'id', 'rssi@1m', 'txpower', 'gw_mac', 'ts',
  'gwts', 'state', 'gw', 'seq', 't', 'reads', 'tag', 'tx', 'ant', '__proto__', 'constructor'];

function garbage(depth: number): unknown {
  switch (int(depth > 3 ? 7 : 9)) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return pick(HUGE);
    case 3: return (rand() - 0.5) * 10 ** int(20);
    case 4: return pick(['', 'NaN', '-60', '1e400', 'AC233FA03208', 'ac:23:3f:a0:32:08', 'F3:52:85', '2026-02-31T00:00:00Z',
      '2026-04-02T08:00:00.000+0000', 'heartbeat', 'tagInventory', 'Gateway', 'fastID', 'tid', '3000', 'iBeacon:', '\u0000',
      'ble:AC233FA03208', 'epc:ZZ', '1735689600']);
    case 5: return String.fromCharCode(...Array.from({ length: int(24) }, () => int(0xffff)));
    case 6: return 'x'.repeat(int(400));
    case 7: return Array.from({ length: int(4) }, () => garbage(depth + 1));
    default: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(KEYS), garbage(depth + 1)]));
  }
}

/** Walks to a random node of a (copied) JSON tree and changes it. */
function mutateTree(root: unknown): unknown {
  const holder: Record<string, unknown> = { root };
  let parent: Record<string | number, unknown> = holder;
  let key: string | number = 'root';
  for (let d = 0; d < 6 && rand() < 0.75; d++) {
    const v: unknown = parent[key];
    if (Array.isArray(v) && v.length > 0) {
      parent = v as unknown as Record<number, unknown>;
      key = int(v.length);
    } else if (v && typeof v === 'object' && Object.keys(v).length > 0) {
      parent = v as Record<string, unknown>;
      key = pick(Object.keys(v));
    } else break;
  }
  const cur = parent[key];
  switch (int(8)) {
    case 0: // field deletion
      if (Array.isArray(parent)) (parent as unknown as unknown[]).splice(key as number, 1);
      else delete parent[key];
      break;
    case 1: // type swap
      parent[key] = typeof cur === 'number' ? String(cur) : typeof cur === 'string' ? (Number(cur) || cur.length) : cur === null ? 0 : [cur];
      break;
    case 2: // huge numbers
      parent[key] = pick(HUGE);
      break;
    case 3:
      parent[key] = garbage(0);
      break;
    case 4: { // repetition, now and then past the read limit
      const big = rand() < 0.03 && (JSON.stringify(cur) ?? '').length < 80;
      parent[key] = Array.from({ length: big ? LIMITS.maxReadsPerBatch + 1 + int(20) : 1 + int(6) }, () => cur);
      break;
    }
    case 5:
      parent[key] = { nested: cur, [pick(KEYS)]: garbage(1) };
      break;
    case 6: // a field of another format (misrouted or hybrid firmware)
      parent[pick(KEYS)] = structuredClone(pick(seedValues));
      break;
    default:
      parent[key] = structuredClone(pick(seedValues));
  }
  return holder.root;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DEEP_MARK = '__deep_nesting_goes_here__';

/** JSON text with one value replaced by `depth` nested arrays or objects (JSON.stringify could not write it). */
function deepen(text: string): string {
  const depth = rand() < 0.01 ? 50_000 : 10 + int(1000);
  const nest = rand() < 0.5 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return text.replace(`"${DEEP_MARK}"`, nest);
}

function payloadFor(seed: Seed): Uint8Array {
  const r = rand();
  if (r < 0.04) return Uint8Array.from({ length: int(300) }, () => int(256));
  if (r < 0.14) return enc.encode(seed.text).slice(0, int(seed.text.length + 1)); // truncation
  if (r < 0.24) { // byte flips
    const out = enc.encode(seed.text);
    for (let k = 1 + int(6); k > 0 && out.length > 0; k--) {
      const at = int(out.length);
      out[at] = out[at]! ^ (1 + int(255));
    }
    return out;
  }
  if (r < 0.28) return enc.encode(seed.text + pick(seeds).text + (rand() < 0.3 ? pick(seeds).text : '')); // concatenation
  if (r < 0.281) return new Uint8Array(LIMITS.maxPacketBytes + 1 + int(100)).fill(0x20); // oversized
  if (r < 0.33) return enc.encode(seed.text); // the seed as it is
  let v = JSON.parse(seed.text) as unknown;
  for (let k = 1 + int(4); k > 0; k--) v = mutateTree(v);
  if (rand() < 0.04 && isObj(v) && Object.keys(v).length > 0) {
    v[pick(Object.keys(v))] = DEEP_MARK;
    return enc.encode(deepen(JSON.stringify(v)));
  }
  const text = JSON.stringify(v) ?? 'null';
  return enc.encode(rand() < 0.05 ? text.slice(0, int(text.length)) : text);
}

function receivedAtFor(seed: Seed): number {
  const r = rand();
  if (r < 0.5) return seed.near + int(2000); // the gateway's clock is trusted
  if (r < 0.95) return seed.near + (rand() < 0.5 ? -1 : 1) * int(30 * 86_400_000); // days off
  return pick([T_SIM, 946_684_800_000, Date.UTC(2100, 0, 1)]);
}

// ── What every result must satisfy ───────────────────────────────────────────────────────────────────────────────

function tryParse(p: Uint8Array): { ok: boolean; value?: unknown } {
  try {
    return { ok: true, value: JSON.parse(dec.decode(p)) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Record accounting that can be checked from the payload alone (see the header). */
function accountingViolations(format: VendorFormat, r: VendorDecodeResult, json: { ok: boolean; value?: unknown }): string[] {
  if (r.kind !== 'reads') return [];
  const bad: string[] = [];
  const dup = r.duplicates ?? 0;
  if (r.duplicates !== undefined && (!Number.isInteger(r.duplicates) || r.duplicates < 1)) bad.push(`duplicates ${r.duplicates}`);
  const indices = r.rejected.map((j) => j.index);
  if (indices.some((i) => !Number.isInteger(i) || i < -1) || new Set(indices).size !== indices.length) bad.push(`rejection indices ${indices.join(',')}`);
  const accounted = r.reads.length + r.rejected.length + dup;
  if (format === 'minew-jsonlong' && json.ok && Array.isArray(json.value)) {
    const scans = json.value.filter((e) => !(isObj(e) && e.type === 'Gateway')).length;
    if (accounted !== scans) bad.push(`minew: ${accounted} accounted of ${scans} scan records`);
  }
  if (format === 'moko-mkgw' && json.ok && isObj(json.value) && Array.isArray(json.value.data)) {
    if (accounted !== json.value.data.length) bad.push(`moko: ${accounted} accounted of ${json.value.data.length} records`);
  }
  const tagReads = format === 'impinj-iot' && json.ok && isObj(json.value) && Array.isArray(json.value.tag_reads) ? json.value.tag_reads : null;
  if (tagReads && accounted !== tagReads.length) bad.push(`impinj: ${accounted} accounted of ${tagReads.length} tag_reads`);
  const oneDevice = format === 'espresense' || format === 'openmqttgateway' || format === 'ruuvi' || (format === 'impinj-iot' && !tagReads);
  if (oneDevice && r.reads.length > 1) bad.push(`${format}: ${r.reads.length} reads from a one-device message`);
  return bad;
}

function nativeViolations(r: DecodeResult, json: { ok: boolean; value?: unknown }): string[] {
  if (!r || typeof r !== 'object') return [`result ${typeof r}`];
  if (!r.ok) {
    const bad: string[] = [];
    if (!DropReasonSchema.safeParse(r.reason).success) bad.push(`reason ${String(r.reason)}`);
    if (!Array.isArray(r.errors) || r.errors.length === 0 || r.errors.some((e) => typeof e !== 'string' || !e)) bad.push('errors');
    return bad;
  }
  const bad: string[] = [];
  if (r.batch.gw !== NATIVE_GW) bad.push(`batch of ${r.batch.gw} accepted on ${NATIVE_GW}'s topic`);
  for (const read of r.batch.reads) if (!ReadSchema.safeParse(read).success) bad.push(`read fails ReadSchema: ${JSON.stringify(read)}`);
  for (const j of r.rejected) {
    if (!DropReasonSchema.safeParse(j.reason).success || j.errors.length === 0) bad.push(`rejected[${j.index}] without reason/errors`);
  }
  const n = json.ok && isObj(json.value) && Array.isArray(json.value.reads) ? json.value.reads.length : -1;
  if (r.batch.reads.length + r.rejected.length !== n) bad.push(`native: ${r.batch.reads.length} reads + ${r.rejected.length} rejections of ${n}`);
  return bad;
}

describe('every decoder: 100,000 random and mutated payloads', () => {
  it('never throws; every result is a read, a counted rejection with its reason, or a recognised skip', () => {
    const kinds: Record<string, Record<string, number>> = {};
    const tally = (name: string, kind: string) => {
      const k = (kinds[name] ??= {});
      k[kind] = (k[kind] ?? 0) + 1;
    };
    const failures: string[] = [];
    const show = (p: Uint8Array) => JSON.stringify(dec.decode(p.subarray(0, 160)));

    for (let i = 0; i < CASES && failures.length < 10; i++) {
      const seed = pick(seeds);
      const payload = payloadFor(seed);
      const ctx = { topic: randomTopic(seed), receivedAt: receivedAtFor(seed), maxClockSkewMs: LIMITS.maxClockSkewMs };
      const json = payload.byteLength <= LIMITS.maxPacketBytes ? tryParse(payload) : { ok: false };

      // Its own format's decoder and two others (misrouted input), so every decoder meets every kind of payload
      // (~43,000 each) in half the time of all seven per payload.
      const vendor = new Set<VendorFormat>(seed.format === 'native' ? [] : [seed.format]);
      while (vendor.size < VENDOR_PER_PAYLOAD) vendor.add(pick(VENDOR_FORMATS));
      for (const [format, decode] of DECODERS) {
        if (!vendor.has(format)) continue;
        let r: VendorDecodeResult;
        try {
          r = decode(payload, ctx);
        } catch (err) {
          failures.push(`#${i} ${format} threw ${(err as Error).message} on ${show(payload)}`);
          continue;
        }
        const bad = [...contractViolations(r), ...accountingViolations(format, r, json)];
        if (bad.length > 0) failures.push(`#${i} ${format} (${ctx.topic}): ${bad.join('; ')} on ${show(payload)}`);
        tally(format, r.kind === 'rejected' ? `rejected:${r.reason}` : r.kind === 'reads' && r.reads.length === 0 ? 'no-reads' : r.kind);
      }

      let n: DecodeResult;
      try {
        n = decodeNative(payload, { topicGatewayId: NATIVE_GW, receivedAt: ctx.receivedAt });
      } catch (err) {
        failures.push(`#${i} native threw ${(err as Error).message} on ${show(payload)}`);
        continue;
      }
      const bad = nativeViolations(n, json);
      if (bad.length > 0) failures.push(`#${i} native: ${bad.join('; ')} on ${show(payload)}`);
      tally('native', n.ok ? (n.batch.reads.length > 0 ? 'reads' : 'no-reads') : `rejected:${n.reason}`);
    }

    expect(failures).toEqual([]);
    // The fuzz has to reach each decoder's every outcome, not only its JSON parser, or it proves little.
    for (const name of [...VENDOR_FORMATS, 'native']) {
      const k = kinds[name]!;
      const summary = `${name} ${JSON.stringify(k)}`;
      expect(k.reads ?? 0, summary).toBeGreaterThan(500);
      expect(k['rejected:not-json'] ?? 0, summary).toBeGreaterThan(500);
      expect(k['rejected:schema'] ?? 0, summary).toBeGreaterThan(500);
      expect(k['rejected:payload-too-large'] ?? 0, summary).toBeGreaterThan(10);
      // Minew's JSON-LONG has no heartbeat or event message on its topic: nothing of it is ever skipped.
      if (name !== 'native' && name !== 'minew-jsonlong') expect(k.skip ?? 0, summary).toBeGreaterThan(100);
    }
  });
});
