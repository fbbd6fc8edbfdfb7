/**
 * Native batch decoder: `{ gw, seq, t, reads: [...] }` on rtls/v1/gw/{id}/reads (DESIGN.md §3).
 *
 * The envelope is validated as a whole; reads are validated one by one, so a single malformed read (absurd RSSI,
 * bad tag id) is dropped and counted as 'schema' while its siblings are kept. Errors name the field
 * (`reads[3].rssi: …`) so an installer can fix the gateway.
 */
import { z } from 'zod';
import { GatewayIdSchema, LIMITS, ReadBatchSchema, ReadSchema, describeZodError, issuePath } from '@rtls/protocol';
import type { Read } from '@rtls/protocol';
import { parseJsonPayload } from '../json-payload.ts';
import type { DecodeContext, DecodeResult, RejectedRead } from './decoder.ts';

// Same envelope as ReadBatchSchema, but reads are left unchecked here so they can be judged individually.
const EnvelopeSchema = z.strictObject({
  gw: GatewayIdSchema,
  seq: ReadBatchSchema.shape.seq,
  t: ReadBatchSchema.shape.t,
  reads: z.array(z.unknown()),
});

export function decodeNative(payload: Uint8Array, ctx: DecodeContext): DecodeResult {
  const json = parseJsonPayload(payload);
  if (!json.ok) return json;
  const value = json.value;

  // Checked before the schema so an oversized batch is reported as what it is, not as a generic schema error.
  if (typeof value === 'object' && value !== null && Array.isArray((value as { reads?: unknown }).reads)) {
    const n = (value as { reads: unknown[] }).reads.length;
    if (n > LIMITS.maxReadsPerBatch) {
      return { ok: false, reason: 'too-many-reads', errors: [`reads: ${n} reads, limit ${LIMITS.maxReadsPerBatch}`] };
    }
  }

  const env = EnvelopeSchema.safeParse(value);
  if (!env.success) return { ok: false, reason: 'schema', errors: describeZodError(env.error) };
  if (env.data.gw !== ctx.topicGatewayId) {
    return {
      ok: false,
      reason: 'gateway-mismatch',
      errors: [`gw: payload says ${JSON.stringify(env.data.gw)}, topic says ${JSON.stringify(ctx.topicGatewayId)}`],
    };
  }

  const reads: Read[] = [];
  const rejected: RejectedRead[] = [];
  env.data.reads.forEach((raw, index) => {
    const r = ReadSchema.safeParse(raw);
    if (r.success) reads.push(r.data);
    else {
      rejected.push({
        index,
        reason: 'schema',
        errors: r.error.issues.map((i) => `${issuePath(['reads', index, ...i.path])}: ${i.message}`),
      });
    }
  });
  return { ok: true, batch: { gw: env.data.gw, seq: env.data.seq, t: env.data.t, reads }, rejected };
}
