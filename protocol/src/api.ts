import { z } from 'zod';
import { GatewayIdSchema, SlugSchema, TagIdSchema } from './ids.ts';
import { FloorSummarySchema, GatewayFormatSchema, GatewayTechSchema } from './floorplan.ts';
import { EpochMsSchema, GatewayStateSchema } from './reads.ts';
import { TagInfoSchema, TagKindSchema } from './tags.ts';
import { DropReasonSchema } from './drop-reasons.ts';

/** GET /api/health */
export const HealthSchema = z.strictObject({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptimeS: z.number(),
  mqtt: z.strictObject({ mode: z.enum(['embedded', 'external']), connected: z.boolean() }),
  ingest: z.strictObject({
    messages: z.number().int(),
    batches: z.number().int(),
    reads: z.number().int(),
    /** Counts per drop reason; every reason is present, zero when none. */
    dropped: z.record(DropReasonSchema, z.number().int()),
  }),
  pipeline: z.strictObject({
    tags: z.number().int(),
    fixes: z.number().int(),
    queued: z.number().int(),
  }),
  store: z.strictObject({
    kind: z.enum(['sqlite', 'influxdb']),
    fixesWritten: z.number().int(),
    pending: z.number().int(),
    /**
     * With InfluxDB (issue #5): the durable outbox forwarding to it. `lost` counts items the outbox's disk budget or
     * retention removed before they were forwarded — non-zero makes health 'degraded'.
     */
    outbox: z.strictObject({
      backlog: z.number().int(),
      forwardedFixes: z.number().int(),
      forwardedEvents: z.number().int(),
      failures: z.number().int(),
      rejected: z.number().int(),
      lost: z.number().int(),
      lastError: z.string().nullable(),
      lastSuccessAt: z.number().nullable(),
    }).optional(),
  }),
  live: z.strictObject({ clients: z.number().int() }),
});
export type Health = z.infer<typeof HealthSchema>;

/** GET /api/tags query */
export const TagListQuerySchema = z.strictObject({
  floor: SlugSchema.optional(),
  kind: TagKindSchema.optional(),
  /** Case-insensitive match on id or label. */
  q: z.string().max(120).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
});
export type TagListQuery = z.infer<typeof TagListQuerySchema>;

export const TagListResponseSchema = z.strictObject({
  total: z.number().int(),
  tags: z.array(TagInfoSchema),
});
export type TagListResponse = z.infer<typeof TagListResponseSchema>;

export const GatewayInfoSchema = z.strictObject({
  id: GatewayIdSchema,
  tech: GatewayTechSchema,
  format: GatewayFormatSchema,
  floor: SlugSchema,
  x: z.number(),
  y: z.number(),
  room: SlugSchema.nullable(),
  /** MQTT topic filter the gateway publishes on (native gateways: their reads topic). */
  topic: z.string(),
  /**
   * Native gateways: from the retained birth / last will. Vendor gateways have neither, so: 'online' while a message
   * or heartbeat arrived within GATEWAY_SILENT_OFFLINE_MS, else 'offline'. null until it has said anything.
   */
  state: GatewayStateSchema.nullable(),
  lastSeen: EpochMsSchema.nullable(),
});
export type GatewayInfo = z.infer<typeof GatewayInfoSchema>;

/** A vendor gateway (no last will of ours) silent for this long is reported offline, ms (3 missed 30 s heartbeats). */
export const GATEWAY_SILENT_OFFLINE_MS = 90_000;
/** Decoded reads kept per gateway for GET /api/gateways/:id (issue #4 item 3). */
export const GATEWAY_RECENT_READS = 100;
/** Failed payloads kept per gateway, and the bytes of each one kept (the rest is cut, with its length noted). */
export const GATEWAY_FAILED_PAYLOADS = 20;
export const GATEWAY_FAILED_PAYLOAD_BYTES = 4096;

export const GatewayRecentReadSchema = z.strictObject({
  /** Normalised tag id (ble:…, ibeacon:…, epc:…). */
  tag: z.string(),
  rssi: z.number(),
  /** Read time after normalisation (receive time when the gateway clock was not trusted), epoch ms. */
  t: EpochMsSchema,
  antenna: z.number().int().optional(),
});
export type GatewayRecentRead = z.infer<typeof GatewayRecentReadSchema>;

export const GatewayFailedPayloadSchema = z.strictObject({
  receivedAt: EpochMsSchema,
  topic: z.string(),
  reason: DropReasonSchema,
  errors: z.array(z.string()),
  /** The payload as received (UTF-8, invalid bytes replaced), cut to GATEWAY_FAILED_PAYLOAD_BYTES. */
  payload: z.string(),
  payloadBytes: z.number().int(),
  truncated: z.boolean(),
});
export type GatewayFailedPayload = z.infer<typeof GatewayFailedPayloadSchema>;

/** GET /api/gateways/:id — everything an installer needs to see whether a gateway works (issue #4 item 3). */
export const GatewayDiagnosticsSchema = z.strictObject({
  gateway: GatewayInfoSchema,
  /** Why `state` is what it is: the native status message, or the age of the last message/heartbeat. */
  stateSource: z.enum(['birth', 'last-will', 'heartbeat', 'traffic', 'silent', 'never']),
  lastMessageAt: EpochMsSchema.nullable(),
  lastHeartbeatAt: EpochMsSchema.nullable(),
  heartbeatAgeMs: z.number().nullable(),
  /** Over the last RATE_WINDOW (60 s). */
  messagesPerS: z.number(),
  readsPerS: z.number(),
  totals: z.strictObject({
    messages: z.number().int(),
    reads: z.number().int(),
    heartbeats: z.number().int(),
    /** Messages dropped whole. */
    rejectedMessages: z.number().int(),
    /** Single reads (records) dropped while the rest of their message was kept. */
    rejectedReads: z.number().int(),
    duplicates: z.number().int(),
    clockSkewed: z.number().int(),
  }),
  /** Message and read drops by reason (the same reasons as /api/health). */
  rejections: z.record(z.string(), z.number().int()),
  /** Gateway timestamp minus receive time of the latest timestamped read, ms; null when its reads carry no time. */
  clockSkewMs: z.number().nullable(),
  /** Distinct tags heard in the last 5 minutes. */
  tagsHeard: z.number().int(),
  recentReads: z.array(GatewayRecentReadSchema),
  failedPayloads: z.array(GatewayFailedPayloadSchema),
});
export type GatewayDiagnostics = z.infer<typeof GatewayDiagnosticsSchema>;

/** POST /api/gateways (admin): create a gateway; answers with its MQTT credentials (shown once). */
export const GatewayCreateRequestSchema = z.strictObject({
  id: GatewayIdSchema,
  tech: GatewayTechSchema,
  format: GatewayFormatSchema,
  /** MQTT topic filter; omitted: suggestedTopicFilter(format, id, mac). Native gateways always use rtls/v1/gw/<id>/. */
  topic: z.string().min(1).max(200).optional(),
  /** The gateway's own MAC, for formats whose default topic carries it (Minew, MOKO, Ruuvi). */
  mac: z.string().regex(/^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}$/, 'mac must be 6 bytes of hex').optional(),
  floor: SlugSchema,
  x: z.number().finite(),
  y: z.number().finite(),
  mountHeightM: z.number().min(0).max(20).default(2.5),
  room: SlugSchema.optional(),
  door: SlugSchema.optional(),
  antennas: z.number().int().min(1).max(64).optional(),
});
export type GatewayCreateRequest = z.infer<typeof GatewayCreateRequestSchema>;

export const GatewayCreateResponseSchema = z.strictObject({
  gateway: GatewayInfoSchema,
  credentials: z.lazy(() => GatewayCredentialsSchema),
});
export type GatewayCreateResponse = z.infer<typeof GatewayCreateResponseSchema>;

export const GatewayListResponseSchema = z.strictObject({ gateways: z.array(GatewayInfoSchema) });
export type GatewayListResponse = z.infer<typeof GatewayListResponseSchema>;

/** What the admin command prints: enough to point a real gateway or mosquitto_pub at the broker. */
export const GatewayCredentialsSchema = z.strictObject({
  username: z.string(),
  password: z.string(),
  topic: z.string(),
});
export type GatewayCredentials = z.infer<typeof GatewayCredentialsSchema>;

/** GET /api/floors — ordered by level. */
export const FloorListResponseSchema = z.strictObject({ floors: z.array(FloorSummarySchema) });
export type FloorListResponse = z.infer<typeof FloorListResponseSchema>;

// ── Calibration (issue #3 item 2) ───────────────────────────────────────────────────────────────────────────────

/** A manual gateway offset beyond ±this is a wiring fault, not a calibration, dB. */
export const MANUAL_GATEWAY_OFFSET_MAX_DB = 20;

/** Log-distance model: rssi = rssiAt1mDbm − 10·exponent·log10(d). */
export const PathLossSchema = z.strictObject({
  /** Expected RSSI 1 m from a tag that does not advertise its own measured power, dBm. */
  rssiAt1mDbm: z.number().min(-100).max(-30),
  /** Path-loss exponent: 2 in free space, about 2–3 indoors before walls are counted. */
  exponent: z.number().min(1.5).max(5),
});
export type PathLossParams = z.infer<typeof PathLossSchema>;

export const PathLossInfoSchema = z.strictObject({
  rssiAt1mDbm: z.number(),
  exponent: z.number(),
  /** 'site': stored for this site; 'default': the configured defaults. */
  source: z.enum(['site', 'default']),
  updatedAt: EpochMsSchema.nullable(),
});
export type PathLossInfo = z.infer<typeof PathLossInfoSchema>;

/** Where a gateway's offset comes from; 'none': not calibrated, offset 0. */
export const CalibrationSourceSchema = z.enum(['reference-tags', 'manual', 'none']);
export type CalibrationSource = z.infer<typeof CalibrationSourceSchema>;

export const GatewayCalibrationSchema = z.strictObject({
  id: GatewayIdSchema,
  /** Receive offset, dB: the gateway reports this much more than the model predicts; subtracted from its RSSI. */
  offsetDb: z.number(),
  samples: z.number().int(),
  updatedAt: EpochMsSchema.nullable(),
  source: CalibrationSourceSchema,
});
export type GatewayCalibration = z.infer<typeof GatewayCalibrationSchema>;

export const TagModelCalibrationSchema = z.strictObject({
  /** Tag model key: the tag's category, else its kind. */
  model: z.string(),
  /** Transmit offset, dB: added to the RSSI at 1 m of tags of this model. */
  offsetDb: z.number(),
  samples: z.number().int(),
  updatedAt: EpochMsSchema,
});
export type TagModelCalibration = z.infer<typeof TagModelCalibrationSchema>;

export const ReferenceTagSchema = z.strictObject({
  tag: TagIdSchema,
  floor: SlugSchema,
  /** Surveyed position, metres in the floor's frame. */
  x: z.number(),
  y: z.number(),
  note: z.string().nullable(),
  updatedAt: EpochMsSchema,
});
export type ReferenceTag = z.infer<typeof ReferenceTagSchema>;

/** GET /api/calibration */
export const CalibrationResponseSchema = z.strictObject({
  pathLoss: PathLossInfoSchema,
  /** Every BLE gateway (uncalibrated ones with source 'none'), plus calibration rows of gateways no longer in the site. */
  gateways: z.array(GatewayCalibrationSchema),
  tagModels: z.array(TagModelCalibrationSchema),
  referenceTags: z.array(ReferenceTagSchema),
});
export type CalibrationResponse = z.infer<typeof CalibrationResponseSchema>;

/** PUT /api/calibration/reference-tags/:tag — the point must lie inside the floor's outline. */
export const ReferenceTagBodySchema = z.strictObject({
  floor: SlugSchema,
  x: z.number(),
  y: z.number(),
  note: z.string().max(200).optional(),
});
export type ReferenceTagBody = z.infer<typeof ReferenceTagBodySchema>;

/** PUT /api/calibration/gateways/:id — a manual override; learned values never replace it. */
export const GatewayOffsetBodySchema = z.strictObject({
  offsetDb: z.number().min(-MANUAL_GATEWAY_OFFSET_MAX_DB).max(MANUAL_GATEWAY_OFFSET_MAX_DB),
});
export type GatewayOffsetBody = z.infer<typeof GatewayOffsetBodySchema>;
