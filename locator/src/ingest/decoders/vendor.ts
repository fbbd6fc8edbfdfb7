/**
 * The contract for vendor payload decoders (issue #4): one module per gateway `format`, each a pure function from
 * (topic, payload bytes, receive time) to normalised native reads plus every rejection with its reason. Units are
 * normalised here and nowhere else: tag ids to `ble:` / `ibeacon:` / `epc:`, RSSI to dBm, times to epoch ms.
 *
 * Vendor messages have no native envelope (no `seq`, often no gateway id, heartbeats on the same topic), so this is
 * deliberately a separate contract from the native `Decoder`; routing vendor topics to gateways and feeding these
 * reads into the pipeline is the next step of issue #4.
 */
import type { DropReason, Read } from '@rtls/protocol';

export interface VendorDecodeContext {
  /** The MQTT topic the message arrived on (some formats carry the gateway MAC or device id only there). */
  topic: string;
  /** Receive time, epoch ms, from the injected clock. */
  receivedAt: number;
  /** A gateway timestamp further than this from receive time is not trusted (flagged, receive time used), ms. */
  maxClockSkewMs: number;
}

/** One rejected record (or the whole message, index -1) with its reason and field-naming messages. */
export interface VendorRejection {
  index: number;
  reason: DropReason;
  errors: string[];
}

export type VendorDecodeResult =
  | {
      kind: 'reads';
      reads: Read[];
      /** Records dropped while the rest were kept. */
      rejected: VendorRejection[];
      /** Reads whose gateway timestamp was out of bounds (receive time used instead). */
      clockSkewed: number;
      /**
       * Records dropped because they repeat an earlier record of the same message exactly (every field, timestamp
       * included): the gateway reported one packet twice. Absent when zero.
       */
      duplicates?: number;
      /** Reads whose time came from the gateway's clock (trusted or not); 0 when the format or message had none. */
      timedReads?: number;
      /** Gateway identity found in the payload or topic (MAC, reader name), normalised to upper hex for MACs. */
      gatewayHint?: string;
    }
  /**
   * Heartbeats, management and other non-read events: recognised and skipped, never counted as rejections.
   * 'offline': the gateway's last will (or an explicit offline status) on its status topic.
   */
  | { kind: 'skip'; what: 'heartbeat' | 'offline' | 'management' | 'other-event'; gatewayHint?: string }
  | { kind: 'rejected'; reason: DropReason; errors: string[] };

export type VendorDecoder = (payload: Uint8Array, ctx: VendorDecodeContext) => VendorDecodeResult;

/**
 * A status message's meaning: "offline" (plain text, any case, or JSON with state/status "offline", or false/0 as
 * some firmware sends) is the gateway's last will; anything else on a status topic is proof of life.
 */
export function statusPayloadWhat(payload: Uint8Array): 'heartbeat' | 'offline' {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(payload.subarray(0, 512)).trim();
  if (/^"?offline"?$/i.test(text)) return 'offline';
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const st = o.state ?? o.status ?? o.online;
      if (typeof st === 'string' && st.toLowerCase() === 'offline') return 'offline';
      if (st === false || st === 0) return 'offline';
    }
  } catch {
    // plain text other than "offline": alive
  }
  return 'heartbeat';
}
