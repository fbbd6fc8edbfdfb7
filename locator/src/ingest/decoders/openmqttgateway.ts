/**
 * OpenMQTTGateway and Theengs Gateway (issue #4): one device per message on
 * `home/<gatewayName>/BTtoMQTT/<MAC, upper hex, no colons | iBeacon uuid>`, e.g.
 * `{"id":"58:78:20:76:BC:24","rssi":-79,"uuid":"1de4…","major":0,"minor":0,"txpower":-66,…}`.
 *
 * - The segment before `BTtoMQTT` is the gateway hint (the base topic, `home/` by default, is configurable).
 * - iBeacon (`uuid` with `major`/`minor`, numbers or decimal strings) → `ibeacon:`; the advertiser MAC of an iBeacon
 *   may rotate, its uuid/major/minor does not. An iBeacon with unusable fields is rejected rather than filed under
 *   its MAC, which would make it a different tag.
 * - Otherwise `id` (MAC with colons, either case), then `mac`, then the topic's last segment. Some versions publish a
 *   shortened id (Theengs: "F3:52:85"); the full MAC then comes from the topic when that is 12 hex, else the message
 *   is rejected ('schema').
 * - `txpower` → `tx` (for iBeacons the calibrated RSSI at 1 m).
 * - No timestamp in the format: read time is receive time.
 * - `LWT` (plain text "online"/"offline") and `SYStoMQTT` are heartbeats; other `…toMQTT` channels are other
 *   events. A system message on an unexpected topic is recognised by `uptime`/`version` without a device `id`; it
 *   carries the gateway's own Wi-Fi `rssi` and `mac`, which must never become a tag read.
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
  uint16Like,
} from './ble-json-fields.ts';
import type { Field, JsonObject } from './ble-json-fields.ts';
import { statusPayloadWhat } from './vendor.ts';
import type { VendorDecodeContext, VendorDecodeResult } from './vendor.ts';

interface OmgTopic {
  gateway?: string;
  /** `BTtoMQTT`, `SYStoMQTT`, `LWT`, … */
  channel?: string;
  /** The segment after the channel: a MAC without colons or an iBeacon uuid. */
  device?: string;
}

function parseTopic(topic: string): OmgTopic {
  const s = topic.split('/');
  const i = s.findIndex((seg, k) => k >= 1 && (/^[A-Za-z0-9]+toMQTT$/.test(seg) || seg === 'LWT'));
  if (i < 0) return {};
  return { gateway: s[i - 1] || undefined, channel: s[i], device: s.length === i + 2 ? s[i + 1] : undefined };
}

function tagFrom(v: JsonObject, topic: OmgTopic): Field<string> {
  if (v.uuid !== undefined && (v.major !== undefined || v.minor !== undefined)) {
    const major = uint16Like(v.major);
    const minor = uint16Like(v.minor);
    const tag = typeof v.uuid === 'string' && major !== null && minor !== null ? ibeaconTagId(v.uuid, major, minor) : null;
    return tag
      ? { ok: true, value: tag }
      : {
          ok: false,
          error: `uuid/major/minor: not an iBeacon identity (uuid ${echo(v.uuid)}, major ${echo(v.major)}, minor ${echo(v.minor)})`,
        };
  }
  const mac = strictMac(v.id) ?? strictMac(v.mac) ?? strictMac(topic.device);
  if (mac) return { ok: true, value: `ble:${mac}` };
  if (v.id === undefined && v.mac === undefined) {
    return { ok: false, error: 'id: required (the device MAC), and the topic carries no 12-hex MAC' };
  }
  const field = v.id !== undefined ? 'id' : 'mac';
  return {
    ok: false,
    error: `${field}: ${echo(v[field])} is not a full MAC (a shortened id?), and the topic carries no 12-hex MAC`,
  };
}

export function decodeOpenMqttGateway(payload: Uint8Array, ctx: VendorDecodeContext): VendorDecodeResult {
  const topic = parseTopic(ctx.topic);
  const hint = topic.gateway ? { gatewayHint: topic.gateway } : {};
  // Decided on the topic before parsing: LWT payloads are plain text.
  if (topic.channel === 'LWT') return { kind: 'skip', what: statusPayloadWhat(payload), ...hint };
  if (topic.channel === 'SYStoMQTT') return { kind: 'skip', what: 'heartbeat', ...hint };
  if (topic.channel !== undefined && topic.channel !== 'BTtoMQTT') return { kind: 'skip', what: 'other-event', ...hint };

  const json = parseJsonPayload(payload);
  if (!json.ok) return { kind: 'rejected', reason: json.reason, errors: json.errors };
  const v = json.value;
  if (!isJsonObject(v)) return rejectSchema(`(root): expected one device object, got ${jsonType(v)}`);
  if (v.id === undefined && (v.uptime !== undefined || v.version !== undefined)) {
    return { kind: 'skip', what: 'heartbeat', ...hint };
  }

  const tag = tagFrom(v, topic);
  const rssi = readRssi(v);
  if (!tag.ok || !rssi.ok) return rejectSchema(...(tag.ok ? [] : [tag.error]), ...(rssi.ok ? [] : [rssi.error]));

  const { t, skewed } = readTime(undefined, ctx);
  const tx = optionalTxDbm(v.txpower);
  return singleRead({ tag: tag.value, rssi: rssi.value, t, ...(tx !== undefined ? { tx } : {}) }, skewed, topic.gateway);
}
