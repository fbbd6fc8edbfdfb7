import { z } from 'zod';
import { GatewayIdSchema, SlugSchema } from './ids.ts';
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
