/**
 * ESPresense room nodes (BLE): one message per device heard, on `espresense/devices/<deviceId>/<roomNode>`
 * (shared/gateway-formats/espresense-device.json). The room node is the gateway; its name is the last topic level.
 *
 * Device ids follow ESPresense's BleFingerprint: a public MAC is its own id (12 lower hex, `idType` 5,
 * ID_TYPE_PUBLIC_MAC), an iBeacon is `iBeacon:<uuid, lower, dashed>-<major>-<minor>` (`idType` 115). `mac` is lower
 * hex without separators. `rssi@1m` is the reference power (`tx`; ESPresense's default −65 dBm when the device
 * advertises none), `raw` and `distance` its own log-distance estimate 10^((rssi@1m − rssi) / (10·n)) with its
 * default absorption n = 3.5. No timestamp: the locator uses receive time.
 */
import { fillTopicFilter, type ReadBatch } from '@rtls/protocol';
import { dashedUuid, tagParts } from './identities.ts';
import { jsonMessage, type VendorGateway, type VendorMessage } from './message.ts';

const ID_TYPE_PUBLIC_MAC = 5;
const ID_TYPE_IBEACON = 115;
/** ESPresense's default expected RSSI at 1 m (its `ref_rssi` setting), dBm. */
const DEFAULT_REF_RSSI = -65;
/** ESPresense's default path-loss exponent ("absorption"). */
const ABSORPTION = 3.5;

export function espresenseCarries(tagId: string): boolean {
  const k = tagParts(tagId)?.kind;
  return k === 'ble' || k === 'ibeacon';
}

const round2 = (v: number) => Math.round(v * 100) / 100;

export function encodeEspresense(gw: VendorGateway, batch: ReadBatch): VendorMessage[] {
  const out: VendorMessage[] = [];
  for (const r of batch.reads) {
    const parts = tagParts(r.tag);
    if (parts?.kind !== 'ble' && parts?.kind !== 'ibeacon') continue;
    const mac = parts.mac.toLowerCase();
    const [id, idType] =
      parts.kind === 'ibeacon'
        ? [`iBeacon:${dashedUuid(parts.uuid)}-${parts.major}-${parts.minor}`, ID_TYPE_IBEACON]
        : [mac, ID_TYPE_PUBLIC_MAC];
    const ref = r.tx !== undefined ? Math.round(r.tx) : DEFAULT_REF_RSSI;
    const distance = round2(10 ** ((ref - r.rssi) / (10 * ABSORPTION)));
    out.push(
      jsonMessage(fillTopicFilter(gw.topic, [id]), { mac, id, idType, 'rssi@1m': ref, rssi: r.rssi, raw: distance, distance }),
    );
  }
  return out;
}
