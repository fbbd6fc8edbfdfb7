/**
 * Impinj R700 / R720 IoT device interface, RFID only: one `tagInventory` event per MQTT message
 * (shared/gateway-formats/impinj-r700-iot-taginventory.json), so a batch of n reads becomes n messages.
 *
 * `tagInventoryEvent`: `epcHex` upper-case hex and the same bytes base64 in `epc` (and the PC word in `pc`),
 * `antennaPort` 1-based, `peakRssiCdbm` and `transmitPowerCdbm` in **centi-dBm**, `frequency` kHz, `lastSeenTime`
 * ISO `Z`. The R700 streams events as it reads, so the event `timestamp` is the read time too. `hostname` follows
 * Impinj's factory default, `impinj-` and the last three bytes of the reader's MAC.
 */
import { Buffer } from 'node:buffer';
import { fillTopicFilter, type ReadBatch } from '@rtls/protocol';
import { tagParts } from './identities.ts';
import { jsonMessage, type VendorGateway, type VendorMessage } from './message.ts';
import { isoZ } from './time-format.ts';
import { uhfChannelKhz } from './uhf-channel.ts';
import { gen2Pc } from './zebra-iotc.ts';

/** Reader output power the simulated readers run at, centi-dBm (30 dBm, the usual full-power portal setting). */
const TRANSMIT_POWER_CDBM = 3000;

export function impinjCarries(tagId: string): boolean {
  return tagParts(tagId)?.kind === 'epc';
}

export function impinjHostname(mac12: string): string {
  return `impinj-${mac12.slice(6).toLowerCase().match(/../g)!.join('-')}`;
}

export function encodeImpinjIot(gw: VendorGateway, batch: ReadBatch): VendorMessage[] {
  const topic = fillTopicFilter(gw.topic, [gw.id]);
  const hostname = impinjHostname(gw.mac);
  const out: VendorMessage[] = [];
  for (const r of batch.reads) {
    const parts = tagParts(r.tag);
    if (parts?.kind !== 'epc') continue;
    const t = r.t ?? batch.t;
    const epc = Buffer.from(parts.hex, 'hex');
    out.push(
      jsonMessage(topic, {
        timestamp: isoZ(t),
        hostname,
        eventType: 'tagInventory',
        tagInventoryEvent: {
          epc: epc.toString('base64'),
          epcHex: parts.hex,
          pc: Buffer.from(gen2Pc(parts.hex), 'hex').toString('base64'),
          antennaPort: r.ant ?? 1,
          antennaName: `Antenna ${r.ant ?? 1}`,
          peakRssiCdbm: Math.round(r.rssi * 100),
          frequency: uhfChannelKhz(r.tag, t),
          transmitPowerCdbm: TRANSMIT_POWER_CDBM,
          lastSeenTime: isoZ(t),
        },
      }),
    );
  }
  return out;
}
