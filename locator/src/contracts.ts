/**
 * Seams inside the locator: the pure pipeline (ingest → filter → window → locate → room/zones) on one side,
 * state, stores, API and live feed on the other. The pipeline never does I/O; it reports through a PipelineSink.
 */
import type {
  TagFlag,
  DropReason, Fix, GatewayFormat, GatewayStatus, GatewayTech, TagSummary, ZoneEvent,
} from '@rtls/protocol';

/** A gateway as the pipeline needs it: where it is and what it is. Built from the floor plan + registry. */
export interface GatewayRecord {
  id: string;
  tech: GatewayTech;
  format: GatewayFormat;
  floor: string;
  x: number;
  y: number;
  mountHeightM: number;
  /** Room the gateway is in (for portals: the room on the inside of the guarded door). */
  room: string | null;
  /** RFID portal: the door it guards. */
  door: string | null;
  antennas: number | null;
  /**
   * MQTT topic filter of a vendor-format gateway (issue #4 item 2); absent or the native reads topic for native
   * gateways, which always publish under rtls/v1/gw/<id>/.
   */
  topic?: string;
}

/** Read-only registry lookups the pipeline needs. Implemented over SQLite by the registry module. */
export interface RegistryView {
  gateway(id: string): GatewayRecord | undefined;
  /** Registered tags; unregistered tags are still tracked (kind 'unknown'). */
  tag(id: string): TagSummary | undefined;
  /** Calibrated receive offset of a gateway, dB (subtracted from its raw RSSI); 0 or absent = uncalibrated. */
  gatewayOffsetDb?(id: string): number;
  /** Calibrated transmit offset of a tag model (category, else kind), dB (added to the RSSI at 1 m). */
  tagModelOffsetDb?(model: string): number;
  /** Surveyed position of a reference tag (issue #3 item 2: calibration from reference tags). */
  referenceTag?(id: string): { floor: string; x: number; y: number } | undefined;
  /** Every registered gateway (vendor topic routing; the room filter learns which rooms have a live gateway). */
  gateways?(): readonly GatewayRecord[];
  /** Changes whenever the gateway list may have changed (the pipeline rebuilds its topic index then). */
  revision?(): number;
  /** Site path-loss parameters (registry value, else the configured default). */
  pathLoss?(): { rssiAt1mDbm: number; exponent: number };
}

/** Everything the pipeline emits. Fan-out to live state, history store and live feed happens outside. */
export interface PipelineSink {
  /**
   * A tag read was accepted (before positioning): last-seen and battery bookkeeping, and the tag's flags (tamper,
   * band cut, button) for the rules (issue #7).
   */
  tagSeen(tag: string, t: number, battery: number | undefined, flags?: readonly TagFlag[]): void;
  fix(fix: Fix): void;
  zoneEvent(event: ZoneEvent): void;
  gatewayStatus(status: GatewayStatus, receivedAt: number): void;
}

export interface PipelineStats {
  messages: number;
  batches: number;
  reads: number;
  dropped: Record<DropReason, number>;
  tags: number;
  fixes: number;
  queued: number;
}
