/**
 * Zebra IoT Connector (FX7500 / FX9600 / ATR7000 / FXR90 fixed readers), RFID only.
 *
 * Data batching: one JSON array of tag-data events per report period, each
 * `{ data: { CRC, PC, antenna, channel, eventNum, format: "epc", idHex, peakRssi, phase, reads }, timestamp, type }`
 * with `idHex` the EPC in lower-case hex, `peakRssi` integer dBm, `antenna` 1-based, `channel` MHz and `timestamp`
 * ISO-8601 with ms and a `+0000` offset (shared/gateway-formats/zebra-fx9600-iotc-inventory-batch.json).
 * `type` is the reader's operating mode: portals run "PORTAL", cabinets "INVENTORY"; the simulator reports each
 * read as one event (`reads: 1`, no per-period aggregation).
 *
 * Heartbeats `{ component: "RG", data: { radio_control: {} }, eventNum, timestamp, type: "heartbeat" }` go to the
 * same topic: Zebra can route management events to a separate endpoint, but the broker lets a gateway publish only
 * where its registered filter matches, so the simulator uses the shared-topic setup the format README describes.
 */
import { fillTopicFilter, type ReadBatch } from '@rtls/protocol';
import { Buffer } from 'node:buffer';
import { tagParts } from './identities.ts';
import { packJsonElements } from './json-chunks.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, createEncoderState, jsonMessage, type EncodeOptions, type VendorGateway, type VendorMessage } from './message.ts';
import { isoZebra } from './time-format.ts';
import { uhfChannelKhz } from './uhf-channel.ts';

/** Gen2 StoredPC with the EPC length (16-bit words) in bits 15..11 and no other flags set. */
export function gen2Pc(epcHex: string): string {
  return ((epcHex.length / 4) << 11).toString(16).padStart(4, '0');
}

/**
 * The tag's StoredCRC: CRC-16/GENIBUS (poly 0x1021, preset 0xFFFF, complemented) over PC + EPC, EPC Gen2 §6.3.2.1.3.
 * Zebra's sample (PC 3000, EPC ad99…0025 → CRC 518e) checks out with it.
 */
export function gen2Crc(pcHex: string, epcHex: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(pcHex + epcHex, 'hex')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return (crc ^ 0xffff).toString(16).padStart(4, '0');
}

/** Reads the format can carry: EPCs only (the IoT Connector is an RFID reader's interface). */
export function zebraCarries(tagId: string): boolean {
  return tagParts(tagId)?.kind === 'epc';
}

export function encodeZebraIotc(gw: VendorGateway, batch: ReadBatch, opts: EncodeOptions = {}): VendorMessage[] {
  const state = opts.state ?? createEncoderState();
  const mode = opts.tech === 'rfid-portal' ? 'PORTAL' : 'INVENTORY';
  const events: string[] = [];
  for (const r of batch.reads) {
    const parts = tagParts(r.tag);
    if (parts?.kind !== 'epc') continue;
    const idHex = parts.hex.toLowerCase();
    const PC = gen2Pc(idHex);
    const t = r.t ?? batch.t;
    const event = {
      data: {
        CRC: gen2Crc(PC, idHex),
        PC,
        antenna: r.ant ?? 1,
        channel: uhfChannelKhz(r.tag, t) / 1000,
        eventNum: state.eventNum++,
        format: 'epc',
        idHex,
        peakRssi: Math.round(r.rssi),
        phase: 0.0,
        reads: 1,
      },
      timestamp: isoZebra(t),
      type: mode,
    };
    events.push(JSON.stringify(event));
  }
  const topic = fillTopicFilter(gw.topic, [gw.id]);
  return packJsonElements(events, 2, opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES).map((group) => ({
    topic,
    payload: Buffer.from(`[${group.join(',')}]`, 'utf8'),
  }));
}

/** A management heartbeat, as the reader sends it every heartbeat period. */
export function zebraHeartbeat(gw: VendorGateway, t: number, state = createEncoderState()): VendorMessage[] {
  return [
    jsonMessage(fillTopicFilter(gw.topic, [gw.id]), {
      component: 'RG',
      data: { radio_control: {} },
      eventNum: state.eventNum++,
      timestamp: isoZebra(t),
      type: 'heartbeat',
    }),
  ];
}
