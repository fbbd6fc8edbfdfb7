/**
 * Issue #4 item 4, "Simulator speaks them": for every gateway payload format, simulated batches are encoded by the
 * simulator's vendor encoders and decoded by the locator's decoder for that format, and the decoded reads must be
 * the simulated ones — same tag id, same RSSI, the time to the format's resolution (receive time where the format
 * has none), the antenna and advertised power where the format carries them. Also: the faults the simulator
 * injects are the ones the locator's decoders count.
 */
import { describe, expect, it } from 'vitest';
import {
  LIMITS, topicMatchesFilter, type GatewayFormat, type GatewayTech, type Read, type ReadBatch,
} from '@rtls/protocol';
import { loadSampleSite } from '@rtls/floorplans';
import { Simulation } from '@rtls/gateway-firmware-sim';
import { FaultInjector } from '../gateway-firmware-sim/src/faults.ts';
import {
  FORMAT_TRAITS, canEncode, createEncoderState, encodeBatch, tagParts, vendorGateway, type VendorMessage,
} from '../gateway-firmware-sim/src/vendor/index.ts';
import { decodeNative } from '../locator/src/ingest/decoders/native.ts';
import { decodeZebraIotc } from '../locator/src/ingest/decoders/zebra-iotc.ts';
import { decodeImpinjIot } from '../locator/src/ingest/decoders/impinj-iot.ts';
import { decodeMinewJsonLong } from '../locator/src/ingest/decoders/minew-jsonlong.ts';
import { decodeMokoMkgw } from '../locator/src/ingest/decoders/moko-mkgw.ts';
import { decodeEspresense } from '../locator/src/ingest/decoders/espresense.ts';
import { decodeOpenMqttGateway } from '../locator/src/ingest/decoders/openmqttgateway.ts';
import { decodeRuuvi } from '../locator/src/ingest/decoders/ruuvi.ts';
import type { VendorDecodeResult, VendorDecoder } from '../locator/src/ingest/decoders/vendor.ts';

const VENDOR_DECODERS: Record<Exclude<GatewayFormat, 'native'>, VendorDecoder> = {
  'zebra-iotc': decodeZebraIotc,
  'impinj-iot': decodeImpinjIot,
  'minew-jsonlong': decodeMinewJsonLong,
  'moko-mkgw': decodeMokoMkgw,
  espresense: decodeEspresense,
  openmqttgateway: decodeOpenMqttGateway,
  ruuvi: decodeRuuvi,
};
const FORMATS = Object.keys(FORMAT_TRAITS) as GatewayFormat[];

// 25 s of the sample hospital: enough BLE batches, cabinet inventories (every 10 s) and portal reads.
const site = loadSampleSite();
const sim = new Simulation({ site, seed: 11, tagCount: 80, startTime: Date.UTC(2026, 3, 2, 8, 0, 0) });
const simBatches = sim.step(sim.startTime + 25_000);
const tech = new Map(sim.gateways().map((g) => [g.id, g.tech]));

/**
 * The simulator only makes `ble:` and `epc:` tags; every other BLE tag id is turned into an iBeacon (stable per tag)
 * so the formats' iBeacon paths are exercised on the same traffic.
 */
function asIbeacons(batch: ReadBatch): ReadBatch {
  return {
    ...batch,
    reads: batch.reads.map((r, i) => {
      const p = tagParts(r.tag);
      if (p?.kind !== 'ble' || i % 2 === 1) return r;
      const n = parseInt(p.mac.slice(6), 16);
      return { ...r, tag: `ibeacon:E2C56DB5DFFB48D2B060D0F5A71096E0-${(n >>> 16) & 0xffff}-${n & 0xffff}` };
    }),
  };
}

function fits(format: GatewayFormat, t: GatewayTech): boolean {
  const want = FORMAT_TRAITS[format].tech;
  return want === 'any' || (want === 'rfid') === (t !== 'ble');
}

/** What the decoder must return for a simulated read under `format`, received at `receivedAt`. */
function expected(format: GatewayFormat, r: Read, receivedAt: number): Read {
  const traits = FORMAT_TRAITS[format];
  if (format === 'native') return r;
  const t = traits.time === 'ms' ? r.t! : traits.time === 's' ? Math.floor(r.t! / 1000) * 1000 : receivedAt;
  const out: Read = { tag: r.tag, rssi: r.rssi, t };
  if (traits.ant && r.ant !== undefined) out.ant = r.ant;
  const kind = tagParts(r.tag)!.kind;
  if (r.tx !== undefined && (traits.tx as readonly string[]).includes(kind)) out.tx = r.tx;
  return out;
}

const order = (a: Read, b: Read) => a.t! - b.t! || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0) || (a.ant ?? 0) - (b.ant ?? 0) || a.rssi - b.rssi;

/** The decoded reads of every message of a batch; throws on any rejection, skew or dropped duplicate. */
function decodeAll(format: GatewayFormat, gwId: string, messages: VendorMessage[], receivedAt: number): Read[] {
  const reads: Read[] = [];
  for (const m of messages) {
    if (format === 'native') {
      const r = decodeNative(m.payload, { topicGatewayId: gwId, receivedAt });
      if (!r.ok || r.rejected.length > 0) throw new Error(`native: ${JSON.stringify(r)}`);
      reads.push(...r.batch.reads);
      continue;
    }
    const r: VendorDecodeResult = VENDOR_DECODERS[format](m.payload, { topic: m.topic, receivedAt, maxClockSkewMs: LIMITS.maxClockSkewMs });
    if (r.kind !== 'reads' || r.rejected.length > 0 || r.clockSkewed > 0 || (r.duplicates ?? 0) > 0) {
      throw new Error(`${format} on ${m.topic}: ${JSON.stringify(r).slice(0, 600)}`);
    }
    reads.push(...r.reads);
  }
  return reads;
}

describe('every format round-trips simulated reads through the locator decoder', () => {
  it('the simulated traffic has BLE and RFID batches to work with', () => {
    const rfid = simBatches.filter((b) => tech.get(b.gw) !== 'ble');
    expect(rfid.reduce((n, b) => n + b.reads.length, 0)).toBeGreaterThan(20);
    expect(simBatches.length - rfid.length).toBeGreaterThan(100);
  });

  for (const format of FORMATS) {
    it(`${format}: decoded reads equal the simulated ones`, () => {
      let compared = 0;
      let ibeacons = 0;
      const foreignTopics: string[] = [];
      const variants = FORMAT_TRAITS[format].tech === 'rfid' ? [(b: ReadBatch) => b] : [(b: ReadBatch) => b, asIbeacons];
      for (const batch of simBatches) {
        if (!fits(format, tech.get(batch.gw)!)) continue;
        const gw = vendorGateway(batch.gw, format);
        const state = createEncoderState();
        for (const variant of variants) {
          const b = variant(batch);
          const messages = encodeBatch(format, gw, b, { state, tech: tech.get(batch.gw)! });
          // Every topic is one the gateway's registered filter admits (the broker's ACL and the locator's router).
          for (const m of messages) if (!topicMatchesFilter(gw.topic, m.topic)) foreignTopics.push(m.topic);
          // Published when the batch closes: receive time is the batch time.
          const got = decodeAll(format, batch.gw, messages, b.t).sort(order);
          const want = b.reads.filter((r) => canEncode(format, r.tag)).map((r) => expected(format, r, b.t)).sort(order);
          expect(got).toEqual(want);
          compared += want.length;
          ibeacons += want.filter((r) => r.tag.startsWith('ibeacon:')).length;
        }
      }
      expect(foreignTopics).toEqual([]);
      expect(compared).toBeGreaterThan(20);
      // Formats that carry iBeacons were exercised with them; Ruuvi cannot carry one (its payload names no beacon).
      if (format === 'ruuvi') expect(ibeacons).toBe(0);
      else if (FORMAT_TRAITS[format].tech !== 'rfid') expect(ibeacons).toBeGreaterThan(0);
    });
  }

  it('a batch too large for one packet is split, and still decodes whole', () => {
    const big = simBatches.filter((b) => tech.get(b.gw) === 'ble').sort((a, b) => b.reads.length - a.reads.length)[0]!;
    for (const format of ['minew-jsonlong', 'moko-mkgw'] as const) {
      const gw = vendorGateway(big.gw, format);
      const messages = encodeBatch(format, gw, big, { maxPayloadBytes: 1200 });
      expect(messages.length).toBeGreaterThan(1);
      for (const m of messages) expect(m.payload.length).toBeLessThanOrEqual(1200);
      expect(decodeAll(format, big.gw, messages, big.t).sort(order)).toEqual(big.reads.map((r) => expected(format, r, big.t)).sort(order));
    }
  });
});

describe('injected faults are what the locator counts', () => {
  const bleBatch = simBatches.find((b) => tech.get(b.gw) === 'ble' && b.reads.length >= 3)!;
  const ctx = (topic: string, receivedAt: number) => ({ topic, receivedAt, maxClockSkewMs: LIMITS.maxClockSkewMs });

  it('clock skew beyond the locator bound: every timestamped read is flagged and given receive time', () => {
    const skewS = 2 * LIMITS.maxClockSkewMs / 1000;
    const faults = new FaultInjector([{ gatewayId: bleBatch.gw, kind: 'clock-skew', fromMs: 0, toMs: 3_600_000, skewS }], { seed: 1, startTime: sim.startTime });
    const skewed = faults.skewBatch(bleBatch);
    for (const format of ['minew-jsonlong', 'moko-mkgw', 'ruuvi'] as const) {
      const results = encodeBatch(format, vendorGateway(bleBatch.gw, format), skewed).map((m) => VENDOR_DECODERS[format](m.payload, ctx(m.topic, bleBatch.t)));
      const skewedReads = results.reduce((n, r) => n + (r.kind === 'reads' ? r.clockSkewed : 0), 0);
      expect(skewedReads).toBe(bleBatch.reads.length);
      for (const r of results) if (r.kind === 'reads') for (const read of r.reads) expect(read.t).toBe(bleBatch.t);
    }
  });

  it('truncated payloads are rejected as not JSON; duplicated messages arrive twice', () => {
    const rfid = simBatches.find((b) => tech.get(b.gw) !== 'ble')!;
    const span = { gatewayId: rfid.gw, fromMs: 0, toMs: 3_600_000 };
    const faults = new FaultInjector([{ ...span, kind: 'truncate' }, { ...span, kind: 'duplicate' }], { seed: 3, startTime: sim.startTime });
    const messages = encodeBatch('zebra-iotc', vendorGateway(rfid.gw, 'zebra-iotc'), rfid);
    const out = faults.process(rfid.gw, rfid.t, messages);
    expect(out).toHaveLength(2 * messages.length);
    for (const m of out) {
      expect(decodeZebraIotc(m.payload, ctx(m.topic, rfid.t))).toMatchObject({ kind: 'rejected', reason: 'not-json' });
    }
  });
});
