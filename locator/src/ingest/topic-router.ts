/**
 * First stage of ingest: which kind of message is this, and which gateway does the topic say sent it.
 * Topic strings are only ever parsed by protocol's parseGatewayTopic (DESIGN.md §3); vendor topics (issue #4) will
 * route here too, so the dispatcher in pipeline.ts stays a switch over `kind`.
 */
import { parseGatewayTopic } from '@rtls/protocol';

export type TopicRoute =
  | { kind: 'reads'; gatewayId: string }
  | { kind: 'status'; gatewayId: string }
  | { kind: 'unknown-topic' };

export function routeTopic(topic: string): TopicRoute {
  const parsed = parseGatewayTopic(topic);
  if (!parsed) return { kind: 'unknown-topic' };
  return { kind: parsed.kind, gatewayId: parsed.gatewayId };
}
