/**
 * Gateway status (birth / heartbeat / last-will, retained) → validated GatewayStatus. The pipeline forwards it
 * to sink.gatewayStatus; liveness bookkeeping lives on the state side.
 */
import { GatewayStatusSchema, describeZodError } from '@rtls/protocol';
import type { DropReason, GatewayStatus } from '@rtls/protocol';
import { parseJsonPayload } from './json-payload.ts';

export type StatusResult = { ok: true; status: GatewayStatus } | { ok: false; reason: DropReason; errors: string[] };

export function decodeStatus(payload: Uint8Array, topicGatewayId: string): StatusResult {
  const json = parseJsonPayload(payload);
  if (!json.ok) return json;
  const r = GatewayStatusSchema.safeParse(json.value);
  if (!r.success) return { ok: false, reason: 'schema', errors: describeZodError(r.error) };
  if (r.data.gw !== topicGatewayId) {
    return {
      ok: false,
      reason: 'gateway-mismatch',
      errors: [`gw: payload says ${JSON.stringify(r.data.gw)}, topic says ${JSON.stringify(topicGatewayId)}`],
    };
  }
  return { ok: true, status: r.data };
}
