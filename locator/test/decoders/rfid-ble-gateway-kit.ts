/**
 * Test kit for the Zebra / Impinj / Minew / MOKO decoders: golden fixtures (sample payload + topic + hand-derived
 * expected result), byte helpers and the invariants every vendor decode result must satisfy.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { DropReasonSchema, LIMITS, ReadSchema } from '@rtls/protocol';
import type { VendorDecodeContext, VendorDecodeResult, VendorDecoder } from '../../src/ingest/decoders/vendor.ts';
import { decodeImpinjIot } from '../../src/ingest/decoders/impinj-iot.ts';
import { decodeMinewJsonLong } from '../../src/ingest/decoders/minew-jsonlong.ts';
import { decodeMokoMkgw } from '../../src/ingest/decoders/moko-mkgw.ts';
import { decodeZebraIotc } from '../../src/ingest/decoders/zebra-iotc.ts';

export const DECODERS: Record<string, VendorDecoder> = {
  'zebra-iotc': decodeZebraIotc,
  'impinj-iot': decodeImpinjIot,
  'minew-jsonlong': decodeMinewJsonLong,
  'moko-mkgw': decodeMokoMkgw,
};

export const GOLDEN_NAMES = [
  'zebra-fx9600-iotc-inventory-batch',
  'zebra-fx-iotc-heartbeat',
  'impinj-r700-iot-taginventory',
  'minew-g1-ibeacon',
  'minew-g1-jsonlong',
  'moko-mkgw-mini03-scan-3070',
  'moko-mkgw3-heartbeat-3004',
] as const;

const DIR = new URL('../fixtures/gateway-formats/', import.meta.url);

export interface Golden {
  name: string;
  payload: Uint8Array;
  topic: string;
  decoder: string;
  context: VendorDecodeContext;
  result: VendorDecodeResult;
}

export function loadGolden(name: string): Golden {
  const payload = new Uint8Array(readFileSync(new URL(`${name}.json`, DIR)));
  const topic = readFileSync(new URL(`${name}.topic.txt`, DIR), 'utf8').trim();
  const expected = JSON.parse(readFileSync(new URL(`${name}.expected.json`, DIR), 'utf8')) as {
    decoder: string;
    context: VendorDecodeContext;
    result: VendorDecodeResult;
  };
  return { name, payload, topic, decoder: expected.decoder, context: expected.context, result: expected.result };
}

/** The sample's JSON value, for building variants. */
export function sampleJson(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8'));
}

export function bytes(v: unknown): Uint8Array {
  return new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
}

/** 2025-01-01T00:00:00Z. */
export const T0 = 1_735_689_600_000;

export function ctxAt(receivedAt: number, topic = 'site/gw/data'): VendorDecodeContext {
  return { topic, receivedAt, maxClockSkewMs: LIMITS.maxClockSkewMs };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Zebra's `+0000` spelling of a UTC time with milliseconds. */
export function zebraTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const KINDS = new Set(['reads', 'skip', 'rejected']);
const SKIPS = new Set(['heartbeat', 'offline', 'management', 'other-event']);

/** Problems with a result's shape, empty when it honours the VendorDecoder contract. */
export function contractViolations(r: VendorDecodeResult): string[] {
  const bad: string[] = [];
  if (!r || !KINDS.has(r.kind)) return [`kind ${String((r as { kind?: unknown } | undefined)?.kind)}`];
  if (r.kind === 'skip' && !SKIPS.has(r.what)) bad.push(`skip what ${r.what}`);
  if (r.kind === 'rejected') {
    if (!DropReasonSchema.safeParse(r.reason).success) bad.push(`reason ${r.reason}`);
    if (!Array.isArray(r.errors) || r.errors.length === 0 || r.errors.some((e) => typeof e !== 'string' || !e)) bad.push('errors');
  }
  if (r.kind === 'reads') {
    if (r.reads.length > LIMITS.maxReadsPerBatch) bad.push(`${r.reads.length} reads`);
    r.reads.forEach((read, i) => {
      if (!ReadSchema.safeParse(read).success) bad.push(`reads[${i}] fails ReadSchema: ${JSON.stringify(read)}`);
    });
    for (const j of r.rejected) {
      if (!DropReasonSchema.safeParse(j.reason).success) bad.push(`rejected reason ${j.reason}`);
      if (j.errors.length === 0 || j.errors.some((e) => typeof e !== 'string' || !e)) bad.push(`rejected[${j.index}] errors`);
    }
    if (!Number.isInteger(r.clockSkewed) || r.clockSkewed < 0 || r.clockSkewed > r.reads.length) bad.push(`clockSkewed ${r.clockSkewed}`);
  }
  return bad;
}

export function expectContract(r: VendorDecodeResult): void {
  expect(contractViolations(r)).toEqual([]);
}

export function expectReads(r: VendorDecodeResult): Extract<VendorDecodeResult, { kind: 'reads' }> {
  expectContract(r);
  expect(r.kind).toBe('reads');
  if (r.kind !== 'reads') throw new Error('unreachable');
  return r;
}

export function expectRejected(r: VendorDecodeResult, reason: string, message: RegExp): void {
  expectContract(r);
  expect(r).toMatchObject({ kind: 'rejected', reason });
  if (r.kind === 'rejected') expect(r.errors.join('\n')).toMatch(message);
}
