import { z } from 'zod';
import { GatewayIdSchema, SlugSchema, TagIdSchema } from './ids.ts';
import { EpochMsSchema } from './reads.ts';

export const FixMethodSchema = z.enum([
  'rfid-cabinet', // read inside a smart cabinet: certain
  'rfid-portal', // passed a portal: room evidence, timed
  'ble-wls', // weighted least squares over several gateways
  'ble-centroid', // weighted centroid of the strongest gateways
  'ble-nearest', // only one gateway heard the tag
]);
export type FixMethod = z.infer<typeof FixMethodSchema>;

/** One gateway's contribution to a fix, so staff and tests can see why a fix is where it is. */
export const EvidenceSchema = z.strictObject({
  gw: GatewayIdSchema,
  /** Robust RSSI estimate over the window, dBm. */
  rssi: z.number(),
  /** Reads in the window. */
  n: z.number().int().min(0),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

/** The unit of output (DESIGN.md §1, §3). Coordinates in the floor's local metre frame. */
export const FixSchema = z.strictObject({
  tag: TagIdSchema,
  t: EpochMsSchema,
  floor: SlugSchema,
  x: z.number().finite(),
  y: z.number().finite(),
  /** 1-sigma horizontal uncertainty radius, metres. */
  accuracyM: z.number().min(0).finite(),
  confidence: z.number().min(0).max(1),
  /** Room id, or null when the tag is between rooms or the room is unknown. */
  room: SlugSchema.nullable(),
  zones: z.array(SlugSchema),
  method: FixMethodSchema,
  evidence: z.array(EvidenceSchema),
});
export type Fix = z.infer<typeof FixSchema>;

export const ZoneEventKindSchema = z.enum(['enter', 'exit']);
export const ZoneEventSchema = z.strictObject({
  tag: TagIdSchema,
  t: EpochMsSchema,
  floor: SlugSchema,
  /** Room or zone id. */
  zone: SlugSchema,
  kind: ZoneEventKindSchema,
  /** On exit: how long the tag was inside, ms. */
  dwellMs: z.number().int().min(0).optional(),
});
export type ZoneEvent = z.infer<typeof ZoneEventSchema>;
