/**
 * History queries (issue #5 item 4): "where was it, who was there, how long". One schema per answer, shared by the
 * API (OpenAPI), both history stores' contract tests and the web replay view. Times are epoch ms; distances metres.
 */
import { z } from 'zod';
import { SlugSchema, TagIdSchema } from './ids.ts';
import { EpochMsSchema } from './reads.ts';
import { FixSchema } from './fix.ts';
import { TagKindSchema } from './tags.ts';

/** The longest range one history query may span, ms (31 days): bounds the work a single request can ask for. */
export const HISTORY_MAX_RANGE_MS = 31 * 24 * 3_600_000;

const range = {
  from: z.coerce.number().int().min(0),
  to: z.coerce.number().int().min(0),
};

/** GET /api/tags/:id/trail — `resolutionMs`: at most one fix (the last) per bucket of this width; 0 = every fix. */
export const TrailQuerySchema = z.strictObject({
  /** Epoch ms; default: `to` minus one hour. */
  from: z.coerce.number().int().min(0).optional(),
  /** Epoch ms; default: now. */
  to: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  resolutionMs: z.coerce.number().int().min(0).max(3_600_000).default(0),
});
export type TrailQuery = z.infer<typeof TrailQuerySchema>;
export const TrailResponseSchema = z.strictObject({ tag: TagIdSchema, fixes: z.array(FixSchema) });
export type TrailResponse = z.infer<typeof TrailResponseSchema>;

/** GET /api/tags/:id/at?t= — the last fix at or before t, if it is at most `maxAgeMs` old. */
export const PositionAtQuerySchema = z.strictObject({
  t: z.coerce.number().int().min(0),
  maxAgeMs: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
});
export const PositionAtResponseSchema = z.strictObject({ tag: TagIdSchema, t: EpochMsSchema, fix: FixSchema.nullable() });
export type PositionAtResponse = z.infer<typeof PositionAtResponseSchema>;

/** One stay of a tag in a zone or room, clipped to the query range. */
export const VisitSchema = z.strictObject({
  tag: TagIdSchema,
  zone: SlugSchema,
  floor: SlugSchema,
  /** Entry time, or the range start when the tag was already inside. */
  from: EpochMsSchema,
  /** Exit time, or the range end (or now) when the tag was still inside. */
  to: EpochMsSchema,
  /** to − from, ms. */
  dwellMs: z.number().int().min(0),
  /** False when the stay began before the range or had not ended at its end. */
  complete: z.boolean(),
});
export type Visit = z.infer<typeof VisitSchema>;

/** GET /api/tags/:id/visits?from=&to= — the rooms and zones a tag passed through, and how long (replay view). */
export const TagVisitsQuerySchema = z.strictObject({ ...range, limit: z.coerce.number().int().min(1).max(100_000).default(10_000) });
export const TagVisitsResponseSchema = z.strictObject({ tag: TagIdSchema, from: EpochMsSchema, to: EpochMsSchema, visits: z.array(VisitSchema) });
export type TagVisitsResponse = z.infer<typeof TagVisitsResponseSchema>;

/** GET /api/zones/:id/visits?from=&to= — which tags were in a zone (room or geofence) during a range. */
export const ZoneVisitsQuerySchema = z.strictObject({ ...range, limit: z.coerce.number().int().min(1).max(100_000).default(10_000) });
export const ZoneVisitsResponseSchema = z.strictObject({ zone: SlugSchema, from: EpochMsSchema, to: EpochMsSchema, visits: z.array(VisitSchema) });
export type ZoneVisitsResponse = z.infer<typeof ZoneVisitsResponseSchema>;

/**
 * GET /api/tags/:id/contacts?from=&to=&radiusM= — contact tracing: tags within radiusM of this tag on the same floor.
 * Both tracks are sampled on a common grid of `binMs` (last fix in each bin, held for at most `holdMs`); a bin counts
 * as contact when both are on the same floor and within radiusM.
 */
export const ContactsQuerySchema = z.strictObject({
  ...range,
  radiusM: z.coerce.number().min(0.5).max(50).default(2),
  binMs: z.coerce.number().int().min(1000).max(600_000).default(10_000),
});
export type ContactsQuery = z.infer<typeof ContactsQuerySchema>;
export const ContactSchema = z.strictObject({
  tag: TagIdSchema,
  kind: TagKindSchema,
  /** Total time in contact, ms (number of contact bins × binMs). */
  overlapMs: z.number().int().min(0),
  firstAt: EpochMsSchema,
  lastAt: EpochMsSchema,
  minDistanceM: z.number().min(0),
  /** Rooms where the contact happened, most time first. */
  rooms: z.array(SlugSchema),
});
export type Contact = z.infer<typeof ContactSchema>;
export const ContactsResponseSchema = z.strictObject({
  tag: TagIdSchema, from: EpochMsSchema, to: EpochMsSchema, radiusM: z.number(), binMs: z.number().int(),
  contacts: z.array(ContactSchema),
});
export type ContactsResponse = z.infer<typeof ContactsResponseSchema>;

/** GET /api/dwell?tag= | ?category= | ?kind=, &from=&to= — time per zone per (UTC) day for a tag or an asset class. */
export const DwellQuerySchema = z.strictObject({
  ...range,
  tag: z.string().max(200).optional(),
  category: z.string().max(60).optional(),
  kind: TagKindSchema.optional(),
});
export type DwellQuery = z.infer<typeof DwellQuerySchema>;
export const DwellRowSchema = z.strictObject({
  /** UTC day, YYYY-MM-DD. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  zone: SlugSchema,
  floor: SlugSchema,
  dwellMs: z.number().int().min(0),
  /** Distinct tags that spent time there that day. */
  tags: z.number().int().min(0),
});
export type DwellRow = z.infer<typeof DwellRowSchema>;
export const DwellResponseSchema = z.strictObject({ from: EpochMsSchema, to: EpochMsSchema, rows: z.array(DwellRowSchema) });
export type DwellResponse = z.infer<typeof DwellResponseSchema>;

/** `format=csv` on any history query returns text/csv; `deidentify=true` pseudonymises patient tags (per export). */
export const ExportOptionsSchema = z.strictObject({
  format: z.enum(['json', 'csv']).default('json'),
  // 'false' must mean false (z.coerce.boolean would read any non-empty string as true).
  deidentify: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});
