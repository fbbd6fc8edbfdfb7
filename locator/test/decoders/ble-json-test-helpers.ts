/** Shared by the ESPresense / OpenMQTTGateway / Ruuvi decoder tests: golden-file loading and result invariants. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DropReasonSchema, LIMITS, ReadSchema } from '@rtls/protocol';
import type { VendorDecodeContext, VendorDecodeResult } from '../../src/ingest/decoders/vendor.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'gateway-formats');

/** 2025-01-01T00:00:00Z. */
export const T0 = 1_735_689_600_000;

export function ctx(topic: string, receivedAt = T0): VendorDecodeContext {
  return { topic, receivedAt, maxClockSkewMs: LIMITS.maxClockSkewMs };
}

export function bytes(v: unknown): Uint8Array {
  return new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
}

export interface Golden {
  payload: Uint8Array;
  /** The sample parsed, for building variants. */
  json: Record<string, unknown>;
  ctx: VendorDecodeContext;
  expected: VendorDecodeResult;
  /** The captured topic, when the sample came with one. */
  topicFile?: string;
}

export function golden(name: string): Golden {
  const raw = fs.readFileSync(path.join(FIXTURES, `${name}.json`));
  const exp = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.expected.json`), 'utf8')) as {
    ctx: VendorDecodeContext;
    result: VendorDecodeResult;
  };
  const topicPath = path.join(FIXTURES, `${name}.topic.txt`);
  const topicFile = fs.existsSync(topicPath) ? fs.readFileSync(topicPath, 'utf8').trim() : undefined;
  return {
    payload: new Uint8Array(raw),
    json: JSON.parse(raw.toString('utf8')) as Record<string, unknown>,
    ctx: exp.ctx,
    expected: exp.result,
    ...(topicFile !== undefined ? { topicFile } : {}),
  };
}

/** What every decoder result must satisfy, whatever the input. Returns the violations (empty when fine). */
export function violations(r: unknown): string[] {
  const out: string[] = [];
  const res = r as VendorDecodeResult;
  if (typeof r !== 'object' || r === null) return [`result is ${typeof r}`];
  if (res.kind === 'reads') {
    if (!Array.isArray(res.reads) || !Array.isArray(res.rejected)) out.push('reads/rejected not arrays');
    else {
      for (const read of res.reads) {
        const p = ReadSchema.safeParse(read);
        if (!p.success) out.push(`read fails ReadSchema: ${JSON.stringify(read)}`);
      }
      for (const rej of res.rejected) {
        if (!DropReasonSchema.safeParse(rej.reason).success || rej.errors.length === 0) out.push('bad record rejection');
      }
    }
    if (!Number.isInteger(res.clockSkewed) || res.clockSkewed < 0) out.push('bad clockSkewed');
  } else if (res.kind === 'rejected') {
    if (!DropReasonSchema.safeParse(res.reason).success) out.push(`unknown reason ${String(res.reason)}`);
    if (!Array.isArray(res.errors) || res.errors.length === 0 || res.errors.some((e) => typeof e !== 'string' || !e)) {
      out.push('rejection without errors');
    }
  } else if (res.kind === 'skip') {
    if (!['heartbeat', 'offline', 'management', 'other-event'].includes(res.what)) out.push(`bad skip ${String(res.what)}`);
  } else out.push(`unknown kind ${String((res as { kind?: unknown }).kind)}`);
  return out;
}

/** The single read of a `reads` result, or a thrown assertion with the result in the message. */
export function onlyRead(r: VendorDecodeResult) {
  if (r.kind !== 'reads' || r.reads.length !== 1) throw new Error(`expected one read, got ${JSON.stringify(r)}`);
  return r.reads[0]!;
}

export function rejectionText(r: VendorDecodeResult): string {
  if (r.kind !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(r)}`);
  return r.errors.join('\n');
}
