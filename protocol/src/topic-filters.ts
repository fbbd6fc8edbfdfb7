/**
 * MQTT topic filters for gateways that publish on their vendor's topics (issue #4 item 2). A gateway record carries
 * one filter; the locator routes an arriving topic to the gateway whose filter matches, and the broker lets a
 * gateway publish only where its filter matches. Matching follows MQTT 3.1.1 §4.7 (`+` one level, `#` the rest,
 * topics starting with `$` never match a filter starting with a wildcard).
 */
import type { GatewayFormat } from './floorplan.ts';
import { gatewayReadsTopic, TOPIC_ROOT } from './topics.ts';

/** Longest filter accepted, characters (well inside MQTT's 65,535; a gateway topic is short). */
export const TOPIC_FILTER_MAX_CHARS = 200;

/** Why a topic filter is unusable for a gateway, or null when it is fine. */
export function topicFilterProblem(filter: string): string | null {
  if (filter.length === 0) return 'topic filter is empty';
  if (filter.length > TOPIC_FILTER_MAX_CHARS) return `topic filter longer than ${TOPIC_FILTER_MAX_CHARS} characters`;
  // eslint-disable-next-line no-control-regex -- MQTT forbids NUL; control characters have no place in a topic
  if (/[\u0000-\u001f\u007f]/.test(filter)) return 'topic filter contains control characters';
  if (filter.startsWith('$')) return 'topic filter may not start with $ (broker-internal topics)';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return "'#' must be a whole last level";
    if (level.includes('+') && level !== '+') return "'+' must be a whole level";
  }
  // A filter that is all wildcards would capture every message on the broker, other gateways' included.
  if (levels.every((l) => l === '+' || l === '#' || l === '')) return 'topic filter needs at least one literal level';
  if (filter === `${TOPIC_ROOT}` || filter.startsWith(`${TOPIC_ROOT}/`)) {
    return `topics under ${TOPIC_ROOT}/ are the native protocol's; a vendor gateway needs its own topic`;
  }
  return null;
}

/** True when `topic` (no wildcards) matches `filter` (MQTT 3.1.1 §4.7). */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true; // also matches the parent level itself ("a/#" matches "a")
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * True when some topic could match both filters: two gateways with overlapping filters would make routing a guess,
 * so the registry refuses the second (issue #4: "a message on no known gateway's topic is counted, never guessed").
 */
export function topicFiltersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

/**
 * The topic filter a gateway of this format publishes on when the installer follows our README ("connecting real
 * gateways"). `mac` is the gateway's own MAC (12 hex digits, any case, colons allowed) for the formats whose firmware
 * puts it in the topic. Vendors let installers change topics; the registry stores whatever filter is really used.
 */
export function suggestedTopicFilter(format: GatewayFormat, gatewayId: string, mac?: string): string {
  const hex = (mac ?? '').replace(/[^0-9a-fA-F]/g, '');
  switch (format) {
    case 'native': return gatewayReadsTopic(gatewayId);
    case 'zebra-iotc': return `zebra/${gatewayId}/data`; // Zebra's samples: zebra/<reader>/data
    case 'impinj-iot': return `impinj/${gatewayId}/events`;
    case 'minew-jsonlong': return `/gw/${hex ? hex.toLowerCase() : gatewayId}/status`; // firmware default, leading slash
    case 'moko-mkgw': return `/MKGW3/${hex ? hex.toLowerCase() : gatewayId}/send`;
    case 'espresense': return `espresense/devices/+/${gatewayId}`; // last level = the room node's name
    case 'openmqttgateway': return `home/${gatewayId}/BTtoMQTT/+`; // gateway name, then the device's MAC
    // Ruuvi Gateway: ruuvi/<gw_mac with colons>/<tag mac>
    case 'ruuvi': return `ruuvi/${hex ? hex.toUpperCase().replace(/(..)(?!$)/g, '$1:') : gatewayId}/+`;
  }
}

/** A concrete topic from a filter: each `+` takes the next value, `#` takes the rest joined by '/'. */
export function fillTopicFilter(filter: string, values: readonly string[]): string {
  let next = 0;
  return filter
    .split('/')
    .map((level) => {
      if (level === '+') return values[next++] ?? 'x';
      if (level === '#') return values.slice(next).join('/') || 'x';
      return level;
    })
    .join('/');
}

/**
 * Every filter a gateway publishes on: its registered filter plus the status topics its firmware uses beside it —
 * ESPresense's `espresense/rooms/<room>/…` (status is its last will) and OpenMQTTGateway/Theengs' `<base>/LWT` and
 * `<base>/SYStoMQTT`. Without them the broker refuses such a gateway's CONNECT (its will is outside its ACL) and a
 * last will could not be routed. A filter of another shape has no companions.
 */
export function gatewayTopicFilters(format: GatewayFormat, filter: string): string[] {
  if (format === 'espresense') {
    const m = /^espresense\/devices\/\+\/([^/+#]+)$/.exec(filter);
    if (m) return [filter, `espresense/rooms/${m[1]}/#`];
  }
  if (format === 'openmqttgateway') {
    const m = /^(.+)\/BTtoMQTT\/\+$/.exec(filter);
    if (m && !m[1]!.includes('#')) return [filter, `${m[1]}/LWT`, `${m[1]}/SYStoMQTT`];
  }
  return [filter];
}
