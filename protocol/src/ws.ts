import { z } from 'zod';
import { SlugSchema } from './ids.ts';
import { FixSchema, ZoneEventSchema } from './fix.ts';
import { TagInfoSchema, TagSummarySchema } from './tags.ts';
import { GatewayInfoSchema } from './api.ts';
import { ErrorCodeSchema } from './errors.ts';
import { EpochMsSchema } from './reads.ts';
import { SecurityAlarmSchema } from './auth.ts';
import { AlarmSchema } from './alarms.ts';

/**
 * WebSocket /api/live. On connect the server sends one `snapshot`; then deltas, discriminated by `type`.
 * Fixes are batched (one `fixes` message per flush interval) so 2,000 moving tags cost a few messages a second.
 * A `floor` filter (query `?floor=` or a `subscribe` message) limits snapshot and deltas to those floors.
 */
export const LiveSnapshotSchema = z.strictObject({
  type: z.literal('snapshot'),
  t: EpochMsSchema,
  floors: z.array(SlugSchema).nullable(),
  tags: z.array(TagInfoSchema),
  gateways: z.array(GatewayInfoSchema),
});
export const LiveFixesSchema = z.strictObject({ type: z.literal('fixes'), t: EpochMsSchema, fixes: z.array(FixSchema) });
/** Sent before the first fix of a tag the client has not been told about (new or unregistered tags). */
export const LiveTagsSchema = z.strictObject({ type: z.literal('tags'), tags: z.array(TagSummarySchema) });
export const LiveZoneEventSchema = z.strictObject({ type: z.literal('zone'), event: ZoneEventSchema });
export const LiveGatewaySchema = z.strictObject({ type: z.literal('gateway'), gateway: GatewayInfoSchema });
export const LiveErrorSchema = z.strictObject({ type: z.literal('error'), code: ErrorCodeSchema, message: z.string() });
export const LivePongSchema = z.strictObject({ type: z.literal('pong'), t: EpochMsSchema });
/** An alarm opened or changed (issue #7): to viewers with `alarms:view`, filtered like tags (patient scope). */
export const LiveAlarmSchema = z.strictObject({ type: z.literal('alarm'), alarm: AlarmSchema });
/** Unusual-access alarms, to viewers with `security-alarms:view` only. */
export const LiveSecurityAlarmSchema = z.strictObject({ type: z.literal('security-alarm'), alarm: SecurityAlarmSchema });

export const LiveServerMessageSchema = z.discriminatedUnion('type', [
  LiveSnapshotSchema, LiveFixesSchema, LiveTagsSchema, LiveZoneEventSchema, LiveGatewaySchema, LiveErrorSchema, LivePongSchema,
  LiveSecurityAlarmSchema, LiveAlarmSchema,
]);
export type LiveServerMessage = z.infer<typeof LiveServerMessageSchema>;
export type LiveSnapshot = z.infer<typeof LiveSnapshotSchema>;

export const LiveSubscribeSchema = z.strictObject({
  type: z.literal('subscribe'),
  /** null = all floors. A new snapshot for the chosen floors follows. */
  floors: z.array(SlugSchema).max(50).nullable(),
});
export const LivePingSchema = z.strictObject({ type: z.literal('ping') });
export const LiveClientMessageSchema = z.discriminatedUnion('type', [LiveSubscribeSchema, LivePingSchema]);
export type LiveClientMessage = z.infer<typeof LiveClientMessageSchema>;
