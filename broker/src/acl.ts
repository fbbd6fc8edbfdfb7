/**
 * Who a connected client is, and which topics that identity may use (DESIGN.md §7: gateways publish only under
 * their own topics). Pure functions, so the rules are tested without sockets.
 */
import { z } from 'zod';
import { GatewayIdSchema, gatewayMayPublish, gatewayTopicPrefix, topicFilterProblem, topicMatchesFilter } from '@rtls/protocol';

/** The identity a client authenticated as; bound to the MQTT client for its whole session, whatever its client id. */
export const PrincipalSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('gateway'),
    gatewayId: GatewayIdSchema,
    /** Vendor topic filters this gateway may also publish on (issue #4: Minew, Zebra, … use their own topics). */
    topics: z.array(z.string().refine((f) => topicFilterProblem(f) === null, 'not a usable vendor topic filter')).max(8).optional(),
  }),
  z.strictObject({ kind: z.literal('service'), name: z.string().min(1).max(64) }),
]);
export type Principal =
  | { kind: 'gateway'; gatewayId: string; topics?: readonly string[] }
  | { kind: 'service'; name: string };

/**
 * Checks a username and password; resolves the principal, or null for unknown user or wrong password.
 * Credentials are stored hashed (scrypt) by whoever implements this; the broker never sees a hash.
 */
export type Authenticator = (username: string, password: string) => Promise<Principal | null>;

/** Broker-internal topics (MQTT 3.1.1 §4.7.2); a client publishing there could forge broker heartbeats. */
const SYS_PREFIX = '$SYS';

/** May this principal publish to `topic` (a plain topic, no wildcards)? Also applies to a last will's topic. */
export function mayPublish(principal: Principal, topic: string): boolean {
  if (principal.kind === 'gateway') {
    if (gatewayMayPublish(principal.gatewayId, topic)) return true;
    // A vendor filter never covers $SYS or the native tree (topicFilterProblem refuses both), so a gateway cannot
    // publish as another gateway through it.
    return !topic.startsWith(SYS_PREFIX) && (principal.topics ?? []).some((f) => topicMatchesFilter(f, topic));
  }
  return !topic.startsWith(SYS_PREFIX);
}

/**
 * May this principal subscribe to `filter`? Services may subscribe to anything. A gateway only below its own
 * prefix: the prefix ends in '/', so no wildcard after it can reach another gateway's topics, and `$share/...` or
 * any filter starting with a wildcard is refused (it would read other gateways' reads).
 */
export function maySubscribe(principal: Principal, filter: string): boolean {
  if (principal.kind === 'service') return true;
  return filter.startsWith(gatewayTopicPrefix(principal.gatewayId));
}

/** A short, log-safe label ("gateway gw-3", "service locator"): ids, never credentials. */
export function principalLabel(principal: Principal): string {
  return principal.kind === 'gateway' ? `gateway ${principal.gatewayId}` : `service ${principal.name}`;
}
