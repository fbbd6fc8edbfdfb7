/**
 * Ruuvi Gateway over MQTT (issue #4): one advertisement per message, by default on `ruuvi/<gw MAC>/<tag MAC>`, e.g.
 * `{"gw_mac":"C8:25:2D:8E:9C:2C","rssi":-25,"aoa":[],"cnt":"338","data":"0201061BFF990405…F41F0C28CBD6","coords":""}`
 * (Ruuvi's "data without timestamps" schema) or with `"gwts"`/`"ts"` instead of `"cnt"` (time-stamped schema).
 *
 * - The payload has no tag-MAC field. The tag MAC is taken from `data`, the raw advertisement in hex, when it is a
 *   RuuviTag data format 5 (RAWv2) advertisement, whose last six bytes are the tag's MAC; otherwise (a non-Ruuvi
 *   device relayed by the gateway) from the topic's last segment, which Ruuvi appends to the configured prefix.
 *   Neither available → rejected ('schema').
 * - `gw_mac` (colons) is the gateway hint as 12 upper hex, else the `ruuvi/<gw MAC>/…` topic segment.
 * - `ts` (when the gateway received the advertisement; `gwts`, when it relayed it, as a fallback) is Unix seconds,
 *   sent as a string, → ms, checked against receive time. Absent (timestamps disabled) → receive time.
 * - `ruuvi/<gw MAC>/gw_status` is the gateway's status: skipped as a heartbeat.
 * - The sensor values in `data` (temperature, battery voltage, tx power) are not read: the locator needs identity
 *   and RSSI only, and RAWv2's transmit power is not the reference power the other BLE formats put in `tx`.
 */
import { parseJsonPayload } from '../json-payload.ts';
import { echo, isJsonObject, jsonType, readRssi, readTime, rejectSchema, singleRead, strictMac } from './ble-json-fields.ts';
import type { Field, JsonObject } from './ble-json-fields.ts';
import { statusPayloadWhat } from './vendor.ts';
import type { VendorDecodeContext, VendorDecodeResult } from './vendor.ts';

const AD_MANUFACTURER_DATA = 0xff;
// Ruuvi Innovations' Bluetooth company id 0x0499, little-endian on air.
const RUUVI_COMPANY = [0x99, 0x04] as const;
const RAWV2 = 0x05;
const RAWV2_LENGTH = 24;
const RAWV2_MAC_OFFSET = 18;

/**
 * The tag MAC inside a RAWv2 advertisement, or null when `data` is another kind of advertisement (or truncated).
 * Walks the AD structures (length, type, content) rather than assuming fixed offsets: a tag may prepend flags or not.
 */
function rawv2Mac(bytes: Uint8Array): string | null {
  let i = 0;
  while (i < bytes.length) {
    const len = bytes[i]!;
    if (len === 0 || i + 1 + len > bytes.length) return null;
    const type = bytes[i + 1]!;
    const content = bytes.subarray(i + 2, i + 1 + len);
    if (
      type === AD_MANUFACTURER_DATA &&
      content[0] === RUUVI_COMPANY[0] &&
      content[1] === RUUVI_COMPANY[1] &&
      content[2] === RAWV2 &&
      content.length >= 2 + RAWV2_LENGTH
    ) {
      const mac = content.subarray(2 + RAWV2_MAC_OFFSET, 2 + RAWV2_LENGTH);
      // All ones is RAWv2's "not available".
      if (mac.every((b) => b === 0xff)) return null;
      return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
    }
    i += 1 + len;
  }
  return null;
}

function hexBytes(s: string): Uint8Array | null {
  if (s.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(s.slice(2 * k, 2 * k + 2), 16);
  return out;
}

/** Unix seconds as a decimal string (the format's spelling) or a number → epoch ms; undefined when absent. */
function unixSecondsMs(v: JsonObject, field: 'ts' | 'gwts'): Field<number | undefined> {
  const raw = v[field];
  if (raw === undefined) return { ok: true, value: undefined };
  const s = typeof raw === 'string' ? raw.trim() : raw;
  if (typeof s === 'string' && /^\d{1,16}(?:\.\d{1,6})?$/.test(s)) return { ok: true, value: Math.round(Number(s) * 1000) };
  if (typeof s === 'number' && Number.isFinite(s) && s >= 0) return { ok: true, value: Math.round(s * 1000) };
  return { ok: false, error: `${field}: expected Unix seconds as a string of digits, got ${echo(raw)}` };
}

function isGatewayStatus(topic: string[], v?: JsonObject): boolean {
  return topic[topic.length - 1] === 'gw_status' || (v !== undefined && v.data === undefined && v.state !== undefined);
}

export function decodeRuuvi(payload: Uint8Array, ctx: VendorDecodeContext): VendorDecodeResult {
  const seg = ctx.topic.split('/');
  const topicGateway = seg.length >= 3 ? strictMac(seg[seg.length - 2]) : null;
  if (isGatewayStatus(seg)) return { kind: 'skip', what: statusPayloadWhat(payload), ...(topicGateway ? { gatewayHint: topicGateway } : {}) };

  const json = parseJsonPayload(payload);
  if (!json.ok) return { kind: 'rejected', reason: json.reason, errors: json.errors };
  const v = json.value;
  if (!isJsonObject(v)) return rejectSchema(`(root): expected one Ruuvi Gateway advertisement object, got ${jsonType(v)}`);

  const errors: string[] = [];
  let gatewayHint = topicGateway ?? undefined;
  if (v.gw_mac !== undefined) {
    const gw = strictMac(v.gw_mac);
    if (gw) gatewayHint = gw;
    else errors.push(`gw_mac: not a MAC address (${echo(v.gw_mac)})`);
  }
  if (isGatewayStatus(seg, v)) return { kind: 'skip', what: statusPayloadWhat(payload), ...(gatewayHint ? { gatewayHint } : {}) };

  let tagMac: string | null = null;
  if (v.data === undefined) errors.push('data: required (the advertisement in hex)');
  else if (typeof v.data !== 'string') errors.push(`data: expected a hex string, got ${jsonType(v.data)}`);
  else {
    const bytes = hexBytes(v.data);
    if (!bytes) errors.push('data: not an even-length hex string');
    else {
      tagMac = rawv2Mac(bytes) ?? strictMac(seg[seg.length - 1]);
      if (!tagMac) errors.push('data: not a RuuviTag format 5 advertisement (no MAC inside), and the topic does not end in a tag MAC');
    }
  }

  const rssi = readRssi(v);
  if (!rssi.ok) errors.push(rssi.error);
  const ts = unixSecondsMs(v, 'ts');
  const gwts = unixSecondsMs(v, 'gwts');
  if (!ts.ok) errors.push(ts.error);
  if (!gwts.ok) errors.push(gwts.error);
  if (errors.length > 0 || !tagMac || !rssi.ok || !ts.ok || !gwts.ok) return rejectSchema(...errors);

  const { t, skewed } = readTime(ts.value ?? gwts.value, ctx);
  return singleRead({ tag: `ble:${tagMac}`, rssi: rssi.value, t }, skewed, gatewayHint);
}
