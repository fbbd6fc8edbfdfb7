/**
 * Minew G1 / MG3 / MG4 gateways, "JSON-LONG" (BLE): one JSON array per upload interval on `/gw/<mac>/status`
 * (shared/gateway-formats/minew-g1-jsonlong.json, minew-g1-ibeacon.json).
 *
 * Element 0 is the gateway itself `{ timestamp, type: "Gateway", mac, gatewayFree, gatewayLoad }`; then one record
 * per advertisement heard, `mac` 12 upper hex, `rssi` dBm, `timestamp` ISO `Z` with ms. A `ble:` tag is a record of
 * type "Unknown" whose `rawData` is its advertisement; the simulator models only the flags AD of it. JSON-LONG has no
 * field for a calibrated power outside iBeacon frames (and a Tx Power Level AD would state transmit power, not the
 * RSSI at 1 m that `tx` is), so a `ble:` tag's `tx` does not survive this format.
 * An `ibeacon:` tag is an "iBeacon" record with `ibeaconUuid` (32 upper hex), `ibeaconMajor`, `ibeaconMinor` and
 * `ibeaconTxPower` (its RSSI at 1 m = `tx`).
 */
import { Buffer } from 'node:buffer';
import { fillTopicFilter, type Read, type ReadBatch } from '@rtls/protocol';
import { tagParts } from './identities.ts';
import { packJsonElements } from './json-chunks.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, type EncodeOptions, type VendorGateway, type VendorMessage } from './message.ts';
import { isoZ } from './time-format.ts';

export function minewCarries(tagId: string): boolean {
  const k = tagParts(tagId)?.kind;
  return k === 'ble' || k === 'ibeacon';
}

/** The flags AD: LE General Discoverable, BR/EDR not supported (Core spec Supplement Part A §1.3). */
const FLAGS_AD = '020106';

function record(r: Read, t: number): Record<string, unknown> | null {
  const parts = tagParts(r.tag);
  const base = { timestamp: isoZ(t) };
  if (parts?.kind === 'ble') {
    return { ...base, type: 'Unknown', mac: parts.mac, bleName: '', rssi: Math.round(r.rssi), rawData: FLAGS_AD };
  }
  if (parts?.kind === 'ibeacon') {
    return {
      ...base,
      type: 'iBeacon',
      mac: parts.mac,
      bleName: '',
      ibeaconUuid: parts.uuid,
      ibeaconMajor: parts.major,
      ibeaconMinor: parts.minor,
      rssi: Math.round(r.rssi),
      ...(r.tx !== undefined ? { ibeaconTxPower: Math.round(r.tx) } : {}),
      ...(r.bat !== undefined ? { battery: r.bat } : {}),
    };
  }
  return null;
}

export function encodeMinewJsonLong(gw: VendorGateway, batch: ReadBatch, opts: EncodeOptions = {}): VendorMessage[] {
  const records: string[] = [];
  for (const r of batch.reads) {
    const rec = record(r, r.t ?? batch.t);
    if (rec) records.push(JSON.stringify(rec));
  }
  // Memory free (%) and load average of the gateway: plausible, steady values (the locator ignores them).
  const header = JSON.stringify({ timestamp: isoZ(batch.t), type: 'Gateway', mac: gw.mac, gatewayFree: 92, gatewayLoad: 0.08 });
  const topic = fillTopicFilter(gw.topic, [gw.mac.toLowerCase()]);
  const overhead = Buffer.byteLength(header) + 3;
  return packJsonElements(records, overhead, opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES).map((group) => ({
    topic,
    payload: Buffer.from(`[${[header, ...group].join(',')}]`, 'utf8'),
  }));
}
