/**
 * OpenMQTTGateway / Theengs Gateway (BLE): one message per device heard, on
 * `home/<gatewayName>/BTtoMQTT/<MAC, upper hex, no colons>` (shared/gateway-formats/openmqttgateway-ibeacon.json).
 *
 * `id` is the MAC with colons (upper case, as current versions print it), `mac_type` 0 (public address) for the
 * simulator's OUI MACs and 1 (random) for its iBeacons' derived addresses, `rssi` dBm, `txpower` the advertised
 * power (`tx`) when the tag sends one. iBeacons add Theengs' decoding: `brand`/`model`/`model_id`, Apple's company
 * id `mfid` "4c00", `uuid` (32 lower hex), `major`, `minor`. No timestamp: the locator uses receive time.
 */
import { fillTopicFilter, type ReadBatch } from '@rtls/protocol';
import { colonMac, tagParts } from './identities.ts';
import { jsonMessage, type VendorGateway, type VendorMessage } from './message.ts';

export function openMqttGatewayCarries(tagId: string): boolean {
  const k = tagParts(tagId)?.kind;
  return k === 'ble' || k === 'ibeacon';
}

export function encodeOpenMqttGateway(gw: VendorGateway, batch: ReadBatch): VendorMessage[] {
  const out: VendorMessage[] = [];
  for (const r of batch.reads) {
    const parts = tagParts(r.tag);
    if (parts?.kind !== 'ble' && parts?.kind !== 'ibeacon') continue;
    const tx = r.tx !== undefined ? { txpower: Math.round(r.tx) } : {};
    const body =
      parts.kind === 'ibeacon'
        ? {
            id: colonMac(parts.mac), mac_type: 1, rssi: r.rssi, brand: 'GENERIC', model: 'iBeacon', model_id: 'IBEACON', mfid: '4c00',
            uuid: parts.uuid.toLowerCase(), major: parts.major, minor: parts.minor, ...tx,
          }
        : { id: colonMac(parts.mac), mac_type: 0, rssi: r.rssi, ...tx };
    out.push(jsonMessage(fillTopicFilter(gw.topic, [parts.mac]), body));
  }
  return out;
}
