/**
 * What every vendor encoder produces and the per-gateway facts it needs (issue #4 item 4, "Simulator speaks them").
 * Encoders are pure: a native ReadBatch in, MQTT messages in the vendor's shape out, so the locator's decoder for
 * that format turns them back into the same reads.
 */
import { Buffer } from 'node:buffer';
import { LIMITS, type GatewayTech } from '@rtls/protocol';

/** One MQTT message as a real gateway of the format would publish it. */
export interface VendorMessage {
  topic: string;
  payload: Buffer;
  /** Retained (only the Ruuvi gateway's own gw_status birth and will are). */
  retain?: boolean;
}

/** The gateway as an encoder sees it. */
export interface VendorGateway {
  id: string;
  /** The gateway's own MAC, 12 upper hex (Minew, MOKO and Ruuvi put it in the payload and the default topic). */
  mac: string;
  /** MQTT topic filter the gateway publishes on; each message's topic is this filter filled (fillTopicFilter). */
  topic: string;
}

/**
 * Counters a real device keeps across messages. One per gateway, owned by the caller, so an encoder stays a
 * function of its inputs.
 */
export interface EncoderState {
  /** Zebra IoT Connector `eventNum`: one sequence over tag events and management events. */
  eventNum: number;
}

export function createEncoderState(): EncoderState {
  return { eventNum: 0 };
}

export interface EncodeOptions {
  /** Per-gateway counters; a fresh state when omitted. */
  state?: EncoderState;
  /**
   * Largest payload an array-batching format (Zebra, Minew, MOKO) puts in one message, bytes; a batch that would be
   * larger is split. Default: the broker's packet limit less room for the topic and MQTT header.
   */
  maxPayloadBytes?: number;
  /** The gateway's technology, where a format reports it (Zebra's operating mode: portal or inventory). */
  tech?: GatewayTech;
}

/** Room left under LIMITS.maxPacketBytes for the fixed header, topic (≤ 200 chars) and properties. */
const PACKET_OVERHEAD_BYTES = 1024;
export const DEFAULT_MAX_PAYLOAD_BYTES = LIMITS.maxPacketBytes - PACKET_OVERHEAD_BYTES;

export function jsonMessage(topic: string, value: unknown): VendorMessage {
  return { topic, payload: Buffer.from(JSON.stringify(value), 'utf8') };
}
