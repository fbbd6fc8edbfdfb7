/**
 * MOKO MKGW3 / MKGW-mini03 BLE gateways: scan data is `msg_id` 3070 `{ msg_id, device_info: { mac }, data: [...] }`
 * (shared/gateway-formats/moko-mkgw-mini03-scan-3070.json), heartbeats `msg_id` 3004 with an object `data`
 * (moko-mkgw3-heartbeat-3004.json), both on the one publish topic the installer sets.
 *
 * Records: `mac` lower-case, `rssi` dBm, `timestamp` epoch **ms** (the simulated gateway's clock is synced; an
 * unsynced MKGW sends uptime seconds instead), `timezone` 0. Every record has the captured sample's iBeacon shape:
 * an `ibeacon:` tag with its uuid (32 lower hex) / major / minor, a `ble:` tag as a beacon whose iBeacon identity is
 * unset (all-zero uuid, major/minor 0 — what the sample shows), which the gateway reports and the decoder identifies
 * by MAC. `rssi_1m` is the beacon's calibrated power (`tx`), 0 when unknown.
 */
import { Buffer } from 'node:buffer';
import { fillTopicFilter, type ReadBatch } from '@rtls/protocol';
import { tagParts } from './identities.ts';
import { packJsonElements } from './json-chunks.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, jsonMessage, type EncodeOptions, type VendorGateway, type VendorMessage } from './message.ts';

const MSG_SCAN = 3070;
const MSG_HEARTBEAT = 3004;
const ZERO_UUID = '0'.repeat(32);
/** MOKO's type_code of an iBeacon record (the sample's). */
const TYPE_CODE_IBEACON = 0;

export function mokoCarries(tagId: string): boolean {
  const k = tagParts(tagId)?.kind;
  return k === 'ble' || k === 'ibeacon';
}

function topicOf(gw: VendorGateway): string {
  return fillTopicFilter(gw.topic, [gw.mac.toLowerCase()]);
}

export function encodeMokoMkgw(gw: VendorGateway, batch: ReadBatch, opts: EncodeOptions = {}): VendorMessage[] {
  const records: string[] = [];
  for (const r of batch.reads) {
    const parts = tagParts(r.tag);
    if (parts?.kind !== 'ble' && parts?.kind !== 'ibeacon') continue;
    const beacon = parts.kind === 'ibeacon' ? parts : null;
    records.push(
      JSON.stringify({
        timestamp: r.t ?? batch.t,
        timezone: 0,
        type_code: TYPE_CODE_IBEACON,
        type: 'ibeacon',
        rssi: Math.round(r.rssi),
        connectable: 0,
        mac: parts.mac.toLowerCase(),
        uuid: beacon ? beacon.uuid.toLowerCase() : ZERO_UUID,
        major: beacon ? beacon.major : 0,
        minor: beacon ? beacon.minor : 0,
        rssi_1m: r.tx !== undefined ? Math.round(r.tx) : 0,
      }),
    );
  }
  const head = `{"msg_id":${MSG_SCAN},"device_info":${JSON.stringify({ mac: gw.mac.toLowerCase() })},"data":[`;
  const topic = topicOf(gw);
  return packJsonElements(records, Buffer.byteLength(head) + 2, opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES).map((group) => ({
    topic,
    payload: Buffer.from(`${head}${group.join(',')}]}`, 'utf8'),
  }));
}

/** The current protocol's heartbeat (object `data`); net_interface 1 and the Wi-Fi RSSI as in the captured sample. */
export function mokoHeartbeat(gw: VendorGateway, t: number): VendorMessage[] {
  return [
    jsonMessage(topicOf(gw), {
      msg_id: MSG_HEARTBEAT,
      device_info: { mac: gw.mac.toLowerCase() },
      data: { timestamp: t, timezone: 0, net_interface: 1, wifi_rssi: -54 },
    }),
  ];
}
