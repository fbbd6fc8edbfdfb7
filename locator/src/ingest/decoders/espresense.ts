/**
 * ESPresense room nodes (issue #4): one message per device per node on `espresense/devices/<deviceId>/<roomNode>`,
 * e.g. `{"mac":"58b1294494d3","id":"watch:darrell","rssi@1m":-64,"rssi":-86,"raw":5.24,"distance":5.89,"int":588}`.
 *
 * - The room node (last topic segment) is the gateway hint: the payload does not name its node.
 * - `id` is ESPresense's device id, not a MAC. `iBeacon:<uuid>-<major>-<minor>` becomes an `ibeacon:` tag (the
 *   beacon identity survives MAC rotation); any other id falls back to `mac` → `ble:`, or to the id itself when
 *   ESPresense used a bare MAC as the id. Ids such as `watch:name` or `phone:alias` with no MAC name a device we
 *   cannot normalise, so they are rejected ('schema').
 * - `rssi@1m` is the reference power at 1 m → `tx`. `distance`/`raw` are ESPresense's own range estimates: ignored,
 *   the locator ranges from RSSI itself.
 * - No timestamp in the format: read time is receive time.
 * - `espresense/rooms/<room>/…` (node telemetry, status, settings) and `espresense/settings/…` are skipped. Telemetry
 *   carries the node's Wi-Fi `rssi`, which must never be taken for a tag read.
 */
import { ibeaconTagId } from '@rtls/protocol';
import { parseJsonPayload } from '../json-payload.ts';
import {
  echo,
  isJsonObject,
  jsonType,
  optionalTxDbm,
  readRssi,
  readTime,
  rejectSchema,
  singleRead,
  strictMac,
} from './ble-json-fields.ts';
import type { JsonObject } from './ble-json-fields.ts';
import { statusPayloadWhat } from './vendor.ts';
import type { VendorDecodeContext, VendorDecodeResult } from './vendor.ts';

type EspresenseTopic =
  | { kind: 'device'; deviceId: string; roomNode: string }
  | { kind: 'room'; room: string; leaf: string }
  | { kind: 'settings' }
  | { kind: 'other' };

function parseTopic(topic: string): EspresenseTopic {
  const s = topic.split('/');
  const n = s.length;
  if (n >= 3 && s[n - 3] === 'devices') return { kind: 'device', deviceId: s[n - 2]!, roomNode: s[n - 1]! };
  if (n >= 3 && s[n - 3] === 'rooms') return { kind: 'room', room: s[n - 2]!, leaf: s[n - 1]! };
  if (s[0] === 'espresense' && s[1] === 'settings') return { kind: 'settings' };
  return { kind: 'other' };
}

const IBEACON_PREFIX = 'ibeacon:';

/** `iBeacon:e5ca1ade-f007-ba11-0000-000000000000-100-2` → ibeacon tag id (uuid with or without dashes). */
function ibeaconFromId(id: string): string | null {
  const m = /^([0-9A-Fa-f-]+)-(\d{1,5})-(\d{1,5})$/.exec(id.slice(IBEACON_PREFIX.length));
  return m ? ibeaconTagId(m[1]!, Number(m[2]), Number(m[3])) : null;
}

function tagFrom(v: JsonObject, topicDeviceId: string | undefined): { ok: true; tag: string } | { ok: false; error: string } {
  if (v.id !== undefined && typeof v.id !== 'string') return { ok: false, error: `id: expected a string, got ${jsonType(v.id)}` };
  const id = v.id ?? topicDeviceId;
  if (typeof id === 'string' && id.toLowerCase().startsWith(IBEACON_PREFIX)) {
    const tag = ibeaconFromId(id);
    return tag
      ? { ok: true, tag }
      : { ok: false, error: 'id: not iBeacon:<uuid>-<major>-<minor> with a 32-hex uuid and major/minor 0..65535' };
  }
  const mac = strictMac(v.mac) ?? strictMac(id);
  if (mac) return { ok: true, tag: `ble:${mac}` };
  if (v.mac !== undefined) return { ok: false, error: `mac: not a MAC address (${echo(v.mac)})` };
  // Only the id's kind prefix ("watch", "phone", …) is echoed: the rest is often a person's name.
  const prefix = typeof id === 'string' ? /^([A-Za-z]{1,16}):/.exec(id)?.[1] : undefined;
  const kind = prefix ? ` (kind "${prefix}")` : '';
  return {
    ok: false,
    error: `id: an ESPresense device id${kind} with no mac field cannot be normalised to a ble: or ibeacon: tag id`,
  };
}

export function decodeEspresense(payload: Uint8Array, ctx: VendorDecodeContext): VendorDecodeResult {
  const topic = parseTopic(ctx.topic);
  // Decided on the topic before parsing: a node's status is plain text ("online"), not JSON.
  if (topic.kind === 'room') {
    const what = topic.leaf === 'status' ? statusPayloadWhat(payload) : topic.leaf === 'telemetry' ? 'heartbeat' : 'management';
    return { kind: 'skip', what, ...(topic.room ? { gatewayHint: topic.room } : {}) };
  }
  if (topic.kind === 'settings') return { kind: 'skip', what: 'management' };

  const json = parseJsonPayload(payload);
  if (!json.ok) return { kind: 'rejected', reason: json.reason, errors: json.errors };
  const v = json.value;
  if (!isJsonObject(v)) return rejectSchema(`(root): expected one ESPresense device object, got ${jsonType(v)}`);

  const gatewayHint = topic.kind === 'device' && topic.roomNode ? topic.roomNode : undefined;
  // Node telemetry on a topic we could not classify: recognisable by its uptime and the absence of a device id.
  if (v.id === undefined && v.mac === undefined && v.uptime !== undefined) {
    return { kind: 'skip', what: 'heartbeat', ...(gatewayHint ? { gatewayHint } : {}) };
  }

  const tag = tagFrom(v, topic.kind === 'device' ? topic.deviceId : undefined);
  const rssi = readRssi(v);
  const errors = [...(tag.ok ? [] : [tag.error]), ...(rssi.ok ? [] : [rssi.error])];
  if (!tag.ok || !rssi.ok) return rejectSchema(...errors);

  const { t, skewed } = readTime(undefined, ctx);
  const tx = optionalTxDbm(v['rssi@1m']);
  return singleRead({ tag: tag.tag, rssi: rssi.value, t, ...(tx !== undefined ? { tx } : {}) }, skewed, gatewayHint);
}
