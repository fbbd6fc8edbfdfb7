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
  /** From the gateway's retained status / last will; null until it has said anything. */
  state: GatewayStateSchema.nullable(),
  lastSeen: EpochMsSchema.nullable(),
});
export type GatewayInfo = z.infer<typeof GatewayInfoSchema>;

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
