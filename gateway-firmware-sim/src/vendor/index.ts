/**
 * Gateway payload formats the simulator speaks (issue #4 item 4): `encodeBatch` turns one native ReadBatch into the
 * MQTT messages a real gateway of that format publishes, on that gateway's topic. One module per format; this file
 * only dispatches. Reads a format cannot carry (a BLE tag on an RFID reader's format, an iBeacon on a Ruuvi
 * gateway) are left out — `canEncode` says which, so a caller can count them.
 */
import { suggestedTopicFilter, type GatewayFormat, type ReadBatch } from '@rtls/protocol';
import { espresenseCarries, encodeEspresense } from './espresense.ts';
import { simGatewayMac } from './identities.ts';
import { impinjCarries, encodeImpinjIot } from './impinj-iot.ts';
import { createEncoderState, type EncodeOptions, type VendorGateway, type VendorMessage } from './message.ts';
import { minewCarries, encodeMinewJsonLong } from './minew-jsonlong.ts';
import { mokoCarries, encodeMokoMkgw, mokoHeartbeat } from './moko-mkgw.ts';
import { encodeNative } from './native.ts';
import { openMqttGatewayCarries, encodeOpenMqttGateway } from './openmqttgateway.ts';
import { encodeRuuvi, ruuviCarries, ruuviSession } from './ruuvi.ts';
import { zebraCarries, encodeZebraIotc, zebraHeartbeat } from './zebra-iotc.ts';

export * from './message.ts';
export { beaconMac, simGatewayMac, tagParts, type TagParts } from './identities.ts';
export { assignFormats, MIXED_BLE_FORMATS, MIXED_RFID_FORMATS, parseFormatSpec, type FormatMode, type FormatSpec } from './assign-formats.ts';
export { gen2Crc, gen2Pc } from './zebra-iotc.ts';
export { rawv2Advertisement } from './ruuvi.ts';

/** Whether a format can carry a tag id at all (RFID formats EPCs, Ruuvi `ble:` only, the other BLE formats both). */
export function canEncode(format: GatewayFormat, tagId: string): boolean {
  switch (format) {
    case 'native': return true;
    case 'zebra-iotc': return zebraCarries(tagId);
    case 'impinj-iot': return impinjCarries(tagId);
    case 'minew-jsonlong': return minewCarries(tagId);
    case 'moko-mkgw': return mokoCarries(tagId);
    case 'espresense': return espresenseCarries(tagId);
    case 'openmqttgateway': return openMqttGatewayCarries(tagId);
    case 'ruuvi': return ruuviCarries(tagId);
  }
}

/**
 * What survives a trip through the format and its locator decoder besides tag id and RSSI (which always do):
 * `time` — 'ms' gateway time to the millisecond, 's' whole seconds, 'receive' none (the locator uses receive time);
 * `tx` — which tag kinds keep their advertised power; `ant` — whether the antenna port is carried.
 * Battery and flags survive only the native format.
 */
export interface FormatTraits {
  tech: 'any' | 'ble' | 'rfid';
  time: 'ms' | 's' | 'receive';
  tx: ReadonlyArray<'ble' | 'ibeacon'>;
  ant: boolean;
}

export const FORMAT_TRAITS: Readonly<Record<GatewayFormat, FormatTraits>> = Object.freeze({
  native: { tech: 'any', time: 'ms', tx: ['ble', 'ibeacon'], ant: true },
  'zebra-iotc': { tech: 'rfid', time: 'ms', tx: [], ant: true },
  'impinj-iot': { tech: 'rfid', time: 'ms', tx: [], ant: true },
  'minew-jsonlong': { tech: 'ble', time: 'ms', tx: ['ibeacon'], ant: false },
  'moko-mkgw': { tech: 'ble', time: 'ms', tx: ['ble', 'ibeacon'], ant: false },
  espresense: { tech: 'ble', time: 'receive', tx: ['ble', 'ibeacon'], ant: false },
  openmqttgateway: { tech: 'ble', time: 'receive', tx: ['ble', 'ibeacon'], ant: false },
  ruuvi: { tech: 'ble', time: 's', tx: [], ant: false },
});

/**
 * The gateway as an encoder sees it: MAC from `mac` or derived from the id (simGatewayMac), topic filter from
 * `topic` or the format's suggested one (what the registry assumes when none is given).
 */
export function vendorGateway(id: string, format: GatewayFormat, topic?: string, mac?: string): VendorGateway {
  const m = (mac ?? simGatewayMac(id)).replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
  if (m.length !== 12) throw new RangeError(`gateway ${id}: MAC must be 12 hex digits`);
  return { id, mac: m, topic: topic ?? suggestedTopicFilter(format, id, m) };
}

/** The messages a gateway of `format` publishes for one batch (none when no read is encodable). */
export function encodeBatch(format: GatewayFormat, gw: VendorGateway, batch: ReadBatch, opts: EncodeOptions = {}): VendorMessage[] {
  switch (format) {
    case 'native': return encodeNative(gw, batch);
    case 'zebra-iotc': return encodeZebraIotc(gw, batch, opts);
    case 'impinj-iot': return encodeImpinjIot(gw, batch);
    case 'minew-jsonlong': return encodeMinewJsonLong(gw, batch, opts);
    case 'moko-mkgw': return encodeMokoMkgw(gw, batch, opts);
    case 'espresense': return encodeEspresense(gw, batch);
    case 'openmqttgateway': return encodeOpenMqttGateway(gw, batch);
    case 'ruuvi': return encodeRuuvi(gw, batch);
  }
}

/**
 * The vendor's own heartbeat at gateway time `t`, for the formats that send one on their data topic (Zebra's
 * management heartbeat, MOKO's msg_id 3004); empty for the others. The native status heartbeat is the runner's.
 */
export function encodeHeartbeat(format: GatewayFormat, gw: VendorGateway, t: number, opts: EncodeOptions = {}): VendorMessage[] {
  if (format === 'zebra-iotc') return zebraHeartbeat(gw, t, opts.state ?? createEncoderState());
  if (format === 'moko-mkgw') return mokoHeartbeat(gw, t);
  return [];
}

/**
 * A vendor gateway's own retained birth and MQTT last will, where its firmware has them on a topic inside its
 * filter (Ruuvi's gw_status). Native status is the runner's; the other formats have none the broker would accept.
 */
export function vendorSession(format: GatewayFormat, gw: VendorGateway): { birth: VendorMessage; will: VendorMessage } | null {
  return format === 'ruuvi' ? ruuviSession(gw) : null;
}
