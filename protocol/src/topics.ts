/**
 * The only place MQTT topic strings are built or parsed (DESIGN.md §3).
 * Gateway ids are validated so a built topic can never contain wildcards or extra levels.
 */
import { GatewayIdSchema } from './ids.ts';

export const TOPIC_ROOT = 'rtls/v1';
export const GATEWAY_READS_FILTER = `${TOPIC_ROOT}/gw/+/reads`;
export const GATEWAY_STATUS_FILTER = `${TOPIC_ROOT}/gw/+/status`;
/** Everything a gateway may publish under; the broker ACL allows exactly this prefix per gateway. */
export const GATEWAY_ANY_FILTER = `${TOPIC_ROOT}/gw/+/+`;

export type GatewayTopicKind = 'reads' | 'status';

function checkedGw(gatewayId: string): string {
  const r = GatewayIdSchema.safeParse(gatewayId);
  if (!r.success) throw new TypeError(`invalid gateway id for topic: ${JSON.stringify(gatewayId)}`);
  return gatewayId;
}

export function gatewayReadsTopic(gatewayId: string): string {
  return `${TOPIC_ROOT}/gw/${checkedGw(gatewayId)}/reads`;
}

export function gatewayStatusTopic(gatewayId: string): string {
  return `${TOPIC_ROOT}/gw/${checkedGw(gatewayId)}/status`;
}

/** The topic prefix a gateway owns (for ACL and for the credentials printout). */
export function gatewayTopicPrefix(gatewayId: string): string {
  return `${TOPIC_ROOT}/gw/${checkedGw(gatewayId)}/`;
}

export interface ParsedGatewayTopic {
  gatewayId: string;
  kind: GatewayTopicKind;
}

export function parseGatewayTopic(topic: string): ParsedGatewayTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'rtls' || parts[1] !== 'v1' || parts[2] !== 'gw') return null;
  const gatewayId = parts[3]!;
  const kind = parts[4];
  if (kind !== 'reads' && kind !== 'status') return null;
  if (!GatewayIdSchema.safeParse(gatewayId).success) return null;
  return { gatewayId, kind };
}

/** True when `topic` is one a gateway with id `gatewayId` may publish to (its own reads or status). */
export function gatewayMayPublish(gatewayId: string, topic: string): boolean {
  const p = parseGatewayTopic(topic);
  return p !== null && p.gatewayId === gatewayId;
}
