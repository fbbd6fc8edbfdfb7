/**
 * Who a connected client is, which client ids and topics that identity may use (DESIGN.md §7: gateways publish only
 * under their own topics; issue #6 item 6: a client id bound to its gateway identity, no subscriptions from
 * gateways). Pure functions, so the rules are tested without sockets.
 */
import { z } from 'zod';
import { GatewayIdSchema, gatewayMayPublish, topicFilterProblem, topicMatchesFilter } from '@rtls/protocol';

/**
 * Longest firmware client id a gateway may declare; also Aedes' `maxClientsIdLength` (which Aedes applies to MQTT
 * 3.1 clients only). MAC- or serial-based ids run longer than MQTT 3.1's 23 characters.
 */
export const MAX_CLIENT_ID_LENGTH = 128;

/**
 * An opaque value that changes whenever the principal's credentials change (e.g. a password version or the time of
 * the last rotation); a `revalidate` hook compares it with the current one. Never logged.
 */
const CredentialStampSchema = z.string().min(1).max(256);

/** The identity a client authenticated as with credentials; bound to the MQTT client for its whole session. */
export const PrincipalSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('gateway'),
    gatewayId: GatewayIdSchema,
    /** Vendor topic filters this gateway may also publish on (issue #4: Minew, Zebra, … use their own topics). */
    topics: z.array(z.string().refine((f) => topicFilterProblem(f) === null, 'not a usable vendor topic filter')).max(8).optional(),
    /**
     * Exact MQTT client ids this gateway's firmware uses besides its gateway id (vendor firmware often derives the
     * client id from its MAC and does not let it be changed).
     */
    clientIds: z.array(z.string().min(1).max(MAX_CLIENT_ID_LENGTH)).max(8).optional(),
    credentialStamp: CredentialStampSchema.optional(),
  }),
  z.strictObject({ kind: z.literal('service'), name: z.string().min(1).max(64), credentialStamp: CredentialStampSchema.optional() }),
]);

export interface GatewayPrincipal {
  kind: 'gateway';
  gatewayId: string;
  topics?: readonly string[];
  clientIds?: readonly string[];
  credentialStamp?: string;
}
export interface ServicePrincipal {
  kind: 'service';
  name: string;
  credentialStamp?: string;
}
/** A client without credentials, accepted only under RTLS_BROKER_PROFILE=conformance (loopback, no real data). */
export interface AnonymousPrincipal {
  kind: 'anonymous';
}
/** What an Authenticator can return: an identity that has credentials (and so can have them revoked). */
export type CredentialPrincipal = GatewayPrincipal | ServicePrincipal;
export type Principal = CredentialPrincipal | AnonymousPrincipal;

/**
 * Checks a username and password; resolves the principal, or null for unknown user or wrong password.
 * Credentials are stored hashed (scrypt) by whoever implements this; the broker never sees a hash.
 * (Typed `Principal` so maps of principals can be returned as they are; an `anonymous` result is refused.)
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
 * May this principal subscribe to `filter`? Gateways never (issue #6 item 6: a gateway only reports; a subscription
 * would let a compromised gateway listen to commands or to other gateways). Services may subscribe to anything.
 * An anonymous conformance-profile client to anything but the broker's own $SYS tree.
 */
export function maySubscribe(principal: Principal, filter: string): boolean {
  if (principal.kind === 'gateway') return false;
  if (principal.kind === 'anonymous') return !filter.startsWith(SYS_PREFIX);
  return true;
}

/**
 * May a principal retain messages? Not a device (issue #6 item 6): a retained message outlives the connection, so
 * a compromised or misconfigured gateway could leave a false state for every future subscriber.
 */
export function mayRetain(principal: Principal): boolean {
  return principal.kind !== 'gateway';
}

/**
 * May this principal connect with `clientId` (the client id exactly as sent, '' when empty)? A gateway only as its
 * gateway id or one of its declared firmware client ids; a service as its name or `<name>-<anything>` (several
 * instances, e.g. `rtls-locator-3fa2`); an anonymous conformance client with any id, since choosing client ids is
 * part of what interoperability suites test. Binding the id to the identity is what stops a client with valid
 * credentials from taking over another device's session (MQTT-3.1.4-2 would disconnect the victim).
 */
export function mayUseClientId(principal: Principal, clientId: string): boolean {
  switch (principal.kind) {
    case 'gateway':
      return clientId === principal.gatewayId || (principal.clientIds ?? []).includes(clientId);
    case 'service':
      return clientId === principal.name || clientId.startsWith(`${principal.name}-`);
    case 'anonymous':
      return true;
  }
}

/** Equal for two principals that are the same identity (so one may take over the other's session). */
export function principalKey(principal: Principal): string {
  switch (principal.kind) {
    case 'gateway':
      return `gateway\u0000${principal.gatewayId}`;
    case 'service':
      return `service\u0000${principal.name}`;
    case 'anonymous':
      return 'anonymous';
  }
}

/** A short, log-safe label ("gateway gw-3", "service locator", "anonymous"): ids, never credentials or stamps. */
export function principalLabel(principal: Principal): string {
  switch (principal.kind) {
    case 'gateway':
      return `gateway ${principal.gatewayId}`;
    case 'service':
      return `service ${principal.name}`;
    case 'anonymous':
      return 'anonymous';
  }
}
