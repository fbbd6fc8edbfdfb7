/**
 * Ruuvi Gateway over MQTT (BLE): one advertisement per message on `ruuvi/<gateway MAC>/<tag MAC>` (MACs upper case
 * with colons), Ruuvi's time-stamped schema
 * `{ gw_mac, rssi, aoa: [], gwts, ts, data, coords: "" }` with `ts` (heard) and `gwts` (relayed) Unix **seconds as
 * strings** (shared/gateway-formats/ruuvi-gateway-mqtt.json shows the counter schema's `cnt` instead).
 *
 * `data` is the raw advertisement in hex. The payload names no tag MAC, so a `ble:` tag is sent as a RuuviTag data
 * format 5 (RAWv2) advertisement, whose last six bytes are the MAC; the simulator models no sensors, so every
 * measurement field holds RAWv2's "not available" value. An `ibeacon:` tag cannot be represented: the gateway relays
 * its advertisement under the advertiser MAC, which the decoder would name `ble:` — a different tag.
 *
 * The gateway's own retained `gw_status` `{"state":"online"}`, with `{"state":"offline"}` as its last will, is
 * on the same topic tree (ruuviSession).
 */
import { fillTopicFilter, type ReadBatch } from '@rtls/protocol';
import { colonMac, tagParts } from './identities.ts';
import { jsonMessage, type VendorGateway, type VendorMessage } from './message.ts';
import { unixSecondsString } from './time-format.ts';

export function ruuviCarries(tagId: string): boolean {
  return tagParts(tagId)?.kind === 'ble';
}

/**
 * A RAWv2 advertisement (Ruuvi's data format 5 specification): flags AD, then manufacturer data of Ruuvi Innovations
 * (company 0x0499, little-endian) with the 24-byte payload — format 5, temperature 0x8000, humidity 0xFFFF,
 * pressure 0xFFFF, acceleration x/y/z 0x8000 (all "not available"), power info 0xFFFF, movement counter 0xFF,
 * measurement sequence 0xFFFF, then the MAC.
 */
export function rawv2Advertisement(mac12: string): string {
  const payload = `05${'8000'}${'FFFF'}${'FFFF'}${'8000'.repeat(3)}${'FFFF'}${'FF'}${'FFFF'}${mac12.toUpperCase()}`;
  return `0201061BFF9904${payload}`;
}

function gwStatusTopic(gw: VendorGateway): string {
  // gw_status is a sibling of the tag topics: `ruuvi/<gw MAC>/gw_status` fills the gateway's `ruuvi/<gw MAC>/+`.
  return fillTopicFilter(gw.topic, ['gw_status']);
}

export function encodeRuuvi(gw: VendorGateway, batch: ReadBatch): VendorMessage[] {
  const out: VendorMessage[] = [];
  const gwMac = colonMac(gw.mac);
  for (const r of batch.reads) {
    const parts = tagParts(r.tag);
    if (parts?.kind !== 'ble') continue;
    out.push(
      jsonMessage(fillTopicFilter(gw.topic, [colonMac(parts.mac)]), {
        gw_mac: gwMac,
        rssi: Math.round(r.rssi),
        aoa: [],
        gwts: unixSecondsString(batch.t),
        ts: unixSecondsString(r.t ?? batch.t),
        data: rawv2Advertisement(parts.mac),
        coords: '',
      }),
    );
  }
  return out;
}

/** The Ruuvi Gateway's retained birth and last will on `…/gw_status`. */
export function ruuviSession(gw: VendorGateway): { birth: VendorMessage; will: VendorMessage } {
  const topic = gwStatusTopic(gw);
  return {
    birth: { ...jsonMessage(topic, { state: 'online' }), retain: true },
    will: { ...jsonMessage(topic, { state: 'offline' }), retain: true },
  };
}
