import { z } from 'zod';
import { GatewayIdSchema, TagIdSchema } from './ids.ts';
import { LIMITS } from './limits.ts';

/** Milliseconds since the Unix epoch; bounded to 2000-01-01 .. 2100-01-01 so seconds or µs are caught. */
export const EpochMsSchema = z
  .number()
  .int()
  .min(946_684_800_000, 'must be epoch milliseconds (>= year 2000)')
  .max(4_102_444_800_000, 'must be epoch milliseconds (< year 2100)');

export const TagFlagSchema = z.enum(['tamper', 'button', 'motion', 'low-battery', 'band-cut']);
export type TagFlag = z.infer<typeof TagFlagSchema>;

/** One tag read in a native batch (DESIGN.md §3). */
export const ReadSchema = z.strictObject({
  tag: TagIdSchema,
  rssi: z.number().min(LIMITS.minRssiDbm).max(LIMITS.maxRssiDbm),
  t: EpochMsSchema.optional(),
  ant: z.number().int().min(1).max(64).optional(),
  /** Power the tag advertises, dBm: transmit power, or for iBeacons the calibrated RSSI at 1 m (e.g. −59). */
  tx: z.number().min(-100).max(30).optional(),
  bat: z.number().min(0).max(100).optional(),
  flags: z.array(TagFlagSchema).max(8).optional(),
});
export type Read = z.infer<typeof ReadSchema>;

export const ReadBatchSchema = z.strictObject({
  gw: GatewayIdSchema,
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  t: EpochMsSchema,
  reads: z.array(ReadSchema).max(LIMITS.maxReadsPerBatch),
});
export type ReadBatch = z.infer<typeof ReadBatchSchema>;

export const GatewayStateSchema = z.enum(['online', 'offline']);
export type GatewayState = z.infer<typeof GatewayStateSchema>;

/** Birth, heartbeat and last-will message, published retained on the gateway's status topic. */
export const GatewayStatusSchema = z.strictObject({
  gw: GatewayIdSchema,
  state: GatewayStateSchema,
  t: EpochMsSchema.optional(),
  fw: z.string().max(64).optional(),
  uptimeS: z.number().min(0).optional(),
});
export type GatewayStatus = z.infer<typeof GatewayStatusSchema>;
