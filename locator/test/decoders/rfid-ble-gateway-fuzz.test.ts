/**
 * Fuzz: 20,000 random and mutated payloads through each of the Zebra, Impinj, Minew and MOKO decoders. The only
 * property claimed is the contract: never throw, always one of the three result kinds, every rejection with a
 * reason and a message, every read valid against protocol's ReadSchema. Seeded, so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '@rtls/protocol';
import type { VendorDecodeResult } from '../../src/ingest/decoders/vendor.ts';
import { DECODERS, GOLDEN_NAMES, T0, bytes, contractViolations, ctxAt, iso, loadGolden, zebraTime } from './rfid-ble-gateway-kit.ts';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXTRA_SEEDS: unknown[] = [
  { type: 'X', timestamp: zebraTime(T0), data: { tagData: [{ EPCid: 'AD99160040AAC99525000025', peakRSSI: -48, antennaId: 1 }] } },
  { data: { format: 'fastID', PC: '3000', idHex: 'ad99160040aac99525000025e2801160200074cf085509f2', peakRssi: -50, antenna: 1 }, timestamp: zebraTime(T0), type: 'SIMPLE' },
  { tag_reads: [{ epc: '300833B2DDD9014000000000', peakRssi: -57.5, antennaPort: 2, firstSeenTimestamp: T0 * 1000 }] },
  { eventType: 'tagInventory', timestamp: iso(T0), tagInventoryEvent: { epc: 'MAgzst3ZAUAAAAAA', peakRssiCdbm: -6100, antennaPort: 1 } },
  { msg_id: 3004, device_info: { mac: 'd48c49f7909c' }, data: [{ mac: 'b081845989f1', rssi: -70, timestamp: 3712 }] },
  { msg_id: 3070, device_info: { mac: 'd48c49f7909c' }, data: [{ mac: 'c1a2b3c4d5e6', rssi: -66, timestamp: T0, uuid: 'fda50693a4e24fb1afcfc6eb07647825', major: 1, minor: 2, rssi_1m: -59 }] },
];

const KEYS = ['data', 'idHex', 'peakRssi', 'antenna', 'format', 'PC', 'type', 'timestamp', 'tagData', 'EPCid', 'eventType', 'tagInventoryEvent',
  'epcHex', 'epc', 'peakRssiCdbm', 'antennaPort', 'lastSeenTime', 'tag_reads', 'firstSeenTimestamp', 'mac', 'rssi', 'ibeaconUuid',
  'ibeaconMajor', 'ibeaconMinor', 'msg_id', 'device_info', 'uuid', 'major', 'minor', 'rssi_1m'];

describe('Zebra / Impinj / Minew / MOKO decoders: fuzz', () => {
  it('20,000 random and mutated payloads: no throw, a valid result kind, reasons on rejections, valid reads', () => {
    const rnd = mulberry32(0x5eed_2026);
    const int = (n: number) => Math.floor(rnd() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const goldens = GOLDEN_NAMES.map((n) => loadGolden(n));
    const seedTexts = [...goldens.map((g) => new TextDecoder().decode(g.payload)), ...EXTRA_SEEDS.map((s) => JSON.stringify(s))];

    // One oversized array per payload at most: nested huge arrays would cost seconds to build and prove nothing more.
    let hugeBudget = 1;
    const huge = (): number => (hugeBudget-- > 0 ? LIMITS.maxReadsPerBatch + 1 + int(50) : 1 + int(20));
    const garbage = (depth: number): unknown => {
      switch (int(depth > 3 ? 9 : 13)) {
        case 0: return null;
        case 1: return rnd() < 0.5;
        case 2: return pick([0, -1, 1e308, -1e308, 2 ** 53 + 1, -0.5, 65536, 1e-320, T0, T0 * 1000, -5234]);
        case 3: return (rnd() - 0.5) * 10 ** int(16);
        case 4: return pick(['', 'NaN', '-60', 'AC233FA03208', 'ac:23:3f:a0:32:08', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00.000+0000', 'heartbeat', 'tagInventory', 'Gateway', 'fastID', 'epc', 'tid', '3000', 'zz', '\u0000', 'é'.repeat(50)]);
        case 5: return 'x'.repeat(int(2000));
        case 6: return Array.from({ length: int(4) }, () => 'ab').join('');
        case 7: return Array.from({ length: int(4) }, () => garbage(depth + 1));
        case 8: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(KEYS), garbage(depth + 1)]));
        case 9: { let v: unknown = 1; for (let i = int(300); i > 0; i--) v = [v]; return v; }
        case 10: return Array.from({ length: rnd() < 0.3 ? huge() : 1 + int(8) }, () => ({ mac: 'AC233FA03208', rssi: -50 }));
        default: return { [pick(KEYS)]: garbage(depth + 1) };
      }
    };

    // Walks to a random node and changes it: new type, deletion, garbage, duplication into a huge array.
    const mutateTree = (root: unknown): unknown => {
      const holder = { root };
      let parent: Record<string | number, unknown> = holder as unknown as Record<string, unknown>;
      let key: string | number = 'root';
      for (let d = 0; d < 6 && rnd() < 0.75; d++) {
        const v: unknown = parent[key];
        if (Array.isArray(v) && v.length > 0) { parent = v as unknown as Record<number, unknown>; key = int(v.length); }
        else if (v && typeof v === 'object' && Object.keys(v).length > 0) { parent = v as Record<string, unknown>; key = pick(Object.keys(v)); }
        else break;
      }
      const cur = parent[key];
      switch (int(6)) {
        case 0: if (Array.isArray(parent)) (parent as unknown as unknown[]).splice(key as number, 1); else delete parent[key]; break;
        case 1: parent[key] = garbage(0); break;
        case 2: parent[key] = typeof cur === 'number' ? String(cur) : typeof cur === 'string' ? Number(cur) || cur.length : [cur]; break;
        case 3: {
          const small = (JSON.stringify(cur) ?? '').length < 300;
          parent[key] = Array.from({ length: small && int(10) === 0 ? huge() : 1 + int(8) }, () => cur);
          break;
        }
        case 4: parent[key] = { nested: cur, [pick(KEYS)]: garbage(1) }; break;
        default: parent[key] = JSON.parse(pick(seedTexts)) as unknown;
      }
      return holder.root;
    };

    const mutateBytes = (b: Uint8Array): Uint8Array => {
      const out = Uint8Array.from(b);
      for (let k = 1 + int(5); k > 0 && out.length > 0; k--) {
        const at = int(out.length);
        out[at] = out[at]! ^ (1 + int(255));
      }
      return out;
    };

    const makePayload = (): Uint8Array => {
      hugeBudget = 1;
      const seed = pick(seedTexts);
      switch (int(8)) {
        case 0: return bytes(seed).slice(0, int(seed.length + 1));
        case 1: return mutateBytes(bytes(seed));
        case 2: return Uint8Array.from({ length: int(300) }, () => int(256));
        case 3: return bytes(seed + pick(seedTexts) + (rnd() < 0.5 ? pick(seedTexts) : ''));
        case 4: return bytes(garbage(0));
        default: {
          let v = JSON.parse(seed) as unknown;
          for (let k = 1 + int(4); k > 0; k--) v = mutateTree(v);
          const text = JSON.stringify(v) ?? 'null';
          return rnd() < 0.1 ? bytes(text).slice(0, int(text.length)) : bytes(text);
        }
      }
    };

    const failures: string[] = [];
    const kinds: Record<string, Record<string, number>> = {};
    for (let i = 0; i < 20_000; i++) {
      const payload = makePayload();
      const ctx = ctxAt(T0, pick([...goldens.map((g) => g.topic), '', '/gw//status', 'a/b/c/d/e/f/g']));
      for (const [format, decode] of Object.entries(DECODERS)) {
        let r: VendorDecodeResult;
        try {
          r = decode(payload, ctx);
        } catch (err) {
          failures.push(`#${i} ${format} threw ${(err as Error).message}: ${new TextDecoder().decode(payload.slice(0, 200))}`);
          continue;
        }
        const bad = contractViolations(r);
        if (bad.length > 0) failures.push(`#${i} ${format}: ${bad.join('; ')}: ${new TextDecoder().decode(payload.slice(0, 200))}`);
        const kind = r?.kind === 'reads' ? (r.reads.length > 0 ? 'reads' : 'no-reads') : r?.kind === 'rejected' ? `rejected:${r.reason}` : String(r?.kind);
        (kinds[format] ??= {})[kind] = (kinds[format]![kind] ?? 0) + 1;
      }
      if (failures.length >= 5) break;
    }
    expect(failures).toEqual([]);
    // The fuzz must reach every path, not only the JSON parser: each decoder produced reads, and rejected both
    // non-JSON and malformed JSON.
    for (const format of Object.keys(DECODERS)) {
      expect(kinds[format]!.reads ?? 0, `${format} ${JSON.stringify(kinds[format])}`).toBeGreaterThan(50);
      expect(kinds[format]!['rejected:not-json'] ?? 0).toBeGreaterThan(50);
      expect((kinds[format]!['rejected:schema'] ?? 0) + (kinds[format]!['no-reads'] ?? 0)).toBeGreaterThan(50);
    }
  });

  it('deeply nested garbage (100,000 levels) inside a record does not overflow the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const payloads = [
      `[{"mac":"AC233FA03208","rssi":-50,"x":${deep}},{"mac":"AC233FA03208","rssi":-50,"x":${deep}}]`,
      `{"msg_id":3070,"data":[{"mac":"b081845989f1","rssi":${deep}}]}`,
      `{"eventType":"tagInventory","tagInventoryEvent":{"epcHex":${deep},"peakRssiCdbm":-5000}}`,
      `[{"data":{"idHex":"ad99160040aac99525000025","peakRssi":-50,"format":${deep}},"type":"SIMPLE"}]`,
    ];
    for (const text of payloads) {
      for (const decode of Object.values(DECODERS)) {
        const r = decode(bytes(text), ctxAt(T0));
        expect(contractViolations(r)).toEqual([]);
      }
    }
  });
});
