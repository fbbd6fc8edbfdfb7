import { z } from 'zod';
import { SlugSchema, TagIdSchema } from './ids.ts';
import { FixSchema } from './fix.ts';
import { EpochMsSchema } from './reads.ts';
import { PatientIdentitySchema, UnitIdSchema } from './auth.ts';

/** What a tag is attached to. 'unknown' = seen but not in the registry (listed so installers see new tags). */
export const TagKindSchema = z.enum(['equipment', 'consumable', 'patient', 'unknown']);
export type TagKind = z.infer<typeof TagKindSchema>;

/**
 * A tag as the API and the live feed show it. For patients, `label` is always a pseudonymous label
 * (e.g. "Infant 07"): patient identity lives behind role checks (issue #6), never here.
 */
export const TagSummarySchema = z.strictObject({
  id: TagIdSchema,
  kind: TagKindSchema,
  label: z.string().max(120),
  registered: z.boolean(),
  /** Equipment class (infusion-pump, ventilator, …), consumable product, or patient category (infant, …). */
  category: SlugSchema.nullable(),
  /**
   * Patient tags enrolled to a patient: their unit, and their identity only for a viewer whose patient scope
   * includes it (null otherwise). Absent for every other tag.
   */
  patient: z.strictObject({ unit: UnitIdSchema, identity: PatientIdentitySchema.nullable() }).optional(),
});
export type TagSummary = z.infer<typeof TagSummarySchema>;

export const TagInfoSchema = TagSummarySchema.extend({
  lastFix: FixSchema.nullable(),
  /** Last time any read of the tag was accepted (epoch ms). */
  lastSeen: EpochMsSchema.nullable(),
  battery: z.number().min(0).max(100).nullable(),
});
export type TagInfo = z.infer<typeof TagInfoSchema>;

/** Registry entry for a tag, as created from the simulator manifest or the API. */
export const TagRegistrationSchema = z.strictObject({
  id: TagIdSchema,
  kind: TagKindSchema.exclude(['unknown']),
  label: z.string().min(1).max(120),
  category: SlugSchema.nullable().default(null),
});
export type TagRegistration = z.infer<typeof TagRegistrationSchema>;
