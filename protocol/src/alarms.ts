/**
 * Rules, alarms, bypasses and alarm delivery (issue #7; DESIGN.md §5). One contract for the rule engine, the alarm
 * store, the API, the live feed, webhooks and the MQTT alarms topic, and the web console.
 */
import { z } from 'zod';
import { GatewayIdSchema, SlugSchema, TagIdSchema } from './ids.ts';
import { EpochMsSchema, TagFlagSchema } from './reads.ts';
import { EvidenceSchema, FixMethodSchema } from './fix.ts';
import { TagKindSchema } from './tags.ts';
import { PatientIdentitySchema, UnitIdSchema } from './auth.ts';

export const SeveritySchema = z.enum(['critical', 'high', 'medium', 'low']);
export type Severity = z.infer<typeof SeveritySchema>;
/** Sort order of severities, most severe first. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = Object.freeze({ critical: 0, high: 1, medium: 2, low: 3 });

/** Which tags a rule watches: any of the listed kinds, categories (asset class, patient category) or named tags. */
export const SubjectSelectorSchema = z.strictObject({
  kinds: z.array(TagKindSchema).max(4).default([]),
  categories: z.array(SlugSchema).max(50).default([]),
  tags: z.array(TagIdSchema).max(500).default([]),
});
export type SubjectSelector = z.infer<typeof SubjectSelectorSchema>;

/** When a rule is armed: days of week (0 = Sunday) and a local time window; `from` > `to` spans midnight. */
export const ScheduleSchema = z.strictObject({
  days: z.array(z.number().int().min(0).max(6)).min(1).max(7).default([0, 1, 2, 3, 4, 5, 6]),
  from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
  to: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
});
export type Schedule = z.infer<typeof ScheduleSchema>;

const zones = z.array(SlugSchema).min(1).max(100);
const minutes = z.number().min(0.1).max(7 * 24 * 60);

/** What the rule watches for. Zones are room or zone ids of the site (ZoneEvent.zone). */
export const RuleConditionSchema = z.discriminatedUnion('kind', [
  /** The subject is in one of the zones (restricted area entered). */
  z.strictObject({ kind: z.literal('zone-enter'), zones }),
  /** The subject is in an exit zone (approaching an exit). */
  z.strictObject({ kind: z.literal('exit-approach'), zones }),
  /**
   * The subject crossed an exit: read by an RFID portal guarding one of `doors` (certain), or it left one of the
   * exit `zones` to no room at all (outside the plan).
   */
  z.strictObject({ kind: z.literal('exit-cross'), zones: z.array(SlugSchema).max(100).default([]), doors: z.array(SlugSchema).max(100).default([]) }),
  /** In one of the zones for longer than `minutes`. */
  z.strictObject({ kind: z.literal('inside-too-long'), zones, minutes }),
  /** Outside all of the zones (e.g. its unit) for longer than `minutes`. */
  z.strictObject({ kind: z.literal('outside-too-long'), zones, minutes }),
  /** Located on none of `floors` for longer than `minutes` (an infusion pump leaving its floor). */
  z.strictObject({ kind: z.literal('off-floor'), floors: z.array(SlugSchema).min(1).max(20), minutes: z.number().min(0).max(7 * 24 * 60).default(0) }),
  /** Not heard at all for `minutes` (absent, tag silent). */
  z.strictObject({ kind: z.literal('tag-silent'), minutes }),
  /**
   * In one of the (exit) zones without a companion within `radiusM`: a companion is one of `companionTags`, a tag of
   * `companionCategories`, or the subject's paired companion (mother and infant: Pairing below).
   */
  z.strictObject({
    kind: z.literal('unaccompanied'), zones, radiusM: z.number().min(0.5).max(50).default(5),
    companionTags: z.array(TagIdSchema).max(500).default([]), companionCategories: z.array(SlugSchema).max(50).default([]),
  }),
  /** The tag reports one of the flags (tamper, band cut, button press). */
  z.strictObject({ kind: z.literal('tag-flag'), flags: z.array(TagFlagSchema).min(1).max(8) }),
  /** Battery at or below `percent`. */
  z.strictObject({ kind: z.literal('low-battery'), percent: z.number().min(1).max(100).default(15) }),
  /** One of the gateways (or any gateway in `zones`) offline for `seconds`: a protected exit is blind. */
  z.strictObject({
    kind: z.literal('gateway-offline'), gateways: z.array(GatewayIdSchema).max(200).default([]), zones: z.array(SlugSchema).max(100).default([]),
    seconds: z.number().int().min(0).max(86_400).default(60),
  }),
]);
export type RuleCondition = z.infer<typeof RuleConditionSchema>;
export type RuleKind = RuleCondition['kind'];

export const EscalationSchema = z.strictObject({
  /** Not acknowledged within this many seconds: escalate one level (and again after as long, up to `maxLevel`). */
  afterS: z.number().int().min(5).max(86_400),
  maxLevel: z.number().int().min(1).max(5).default(2),
});

export const RuleBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  enabled: z.boolean().default(true),
  severity: SeveritySchema,
  condition: RuleConditionSchema,
  /** Ignored for gateway-offline rules (their subject is a gateway). */
  subjects: SubjectSelectorSchema.default({ kinds: [], categories: [], tags: [] }),
  schedule: ScheduleSchema.nullable().default(null),
  /**
   * Fixes below this confidence do not raise (or clear) the condition; RFID evidence counts as certain (issue #7
   * item 3). 0 = every fix counts.
   */
  minConfidence: z.number().min(0).max(1).default(0),
  /** The alarm resolves itself when the condition clears (else it waits for a person). */
  autoResolve: z.boolean().default(false),
  escalation: EscalationSchema.nullable().default(null),
});
export type RuleBody = z.infer<typeof RuleBodySchema>;
export const RuleSchema = RuleBodySchema.extend({
  id: SlugSchema,
  /** 'site': created from the floor plan's monitored zones at start; 'user': made by an admin. */
  origin: z.enum(['site', 'user']),
  updatedAt: EpochMsSchema,
});
export type Rule = z.infer<typeof RuleSchema>;
export const RuleListResponseSchema = z.strictObject({ rules: z.array(RuleSchema) });

/** Mother and infant, escort and patient: the subject may pass an exit with its companion (unaccompanied rules). */
export const PairingSchema = z.strictObject({ subject: TagIdSchema, companion: TagIdSchema, createdAt: EpochMsSchema });
export type Pairing = z.infer<typeof PairingSchema>;

export const AlarmStateSchema = z.enum(['open', 'acknowledged', 'resolved']);
export type AlarmState = z.infer<typeof AlarmStateSchema>;

/** Why an alarm fired: the fix (or read) that showed the condition, with its gateways and accuracy. */
export const AlarmEvidenceSchema = z.strictObject({
  /** When the condition was first shown by the data (the read/fix time), epoch ms. */
  t: EpochMsSchema,
  floor: SlugSchema.nullable(),
  x: z.number().nullable(),
  y: z.number().nullable(),
  room: SlugSchema.nullable(),
  zones: z.array(SlugSchema),
  accuracyM: z.number().min(0).nullable(),
  confidence: z.number().min(0).max(1).nullable(),
  method: FixMethodSchema.nullable(),
  gateways: z.array(EvidenceSchema),
  /** What it saw, in words ("in L1-zone-exit-maternity without a companion within 5 m"). */
  detail: z.string().max(300),
});
export type AlarmEvidence = z.infer<typeof AlarmEvidenceSchema>;

export const AlarmSubjectSchema = z.strictObject({
  type: z.enum(['tag', 'gateway']),
  id: z.string().max(200),
  label: z.string().max(120),
  kind: TagKindSchema.nullable(),
  /** Patient subjects: unit, and identity only for viewers whose scope includes it (as in TagSummary). */
  patient: z.strictObject({ unit: UnitIdSchema, identity: PatientIdentitySchema.nullable() }).optional(),
});

export const AlarmActionSchema = z.strictObject({
  t: EpochMsSchema,
  by: z.string(),
  action: z.enum(['opened', 'acknowledged', 'assigned', 'escalated', 'resolved', 'auto-resolved', 'condition-cleared', 'condition-returned', 'note']),
  note: z.string().max(500).nullable(),
});

export const AlarmSchema = z.strictObject({
  id: z.number().int().min(1),
  ruleId: SlugSchema,
  ruleName: z.string(),
  kind: z.string(),
  severity: SeveritySchema,
  subject: AlarmSubjectSchema,
  /** The zone, door or gateway the condition is about (null for tag-wide conditions like low battery). */
  where: z.string().nullable(),
  state: AlarmStateSchema,
  /** Is the condition still true now? (An acknowledged alarm whose subject went back inside: false.) */
  active: z.boolean(),
  openedAt: EpochMsSchema,
  updatedAt: EpochMsSchema,
  assignee: z.string().nullable(),
  escalationLevel: z.number().int().min(0),
  /** Condition shown again while the alarm was open (deduplicated: one alarm per ongoing condition). */
  occurrences: z.number().int().min(1),
  evidence: AlarmEvidenceSchema,
  history: z.array(AlarmActionSchema),
});
export type Alarm = z.infer<typeof AlarmSchema>;

export const AlarmListQuerySchema = z.strictObject({
  state: z.enum(['open', 'acknowledged', 'resolved', 'active']).optional(),
  severity: SeveritySchema.optional(),
  rule: SlugSchema.optional(),
  tag: TagIdSchema.optional(),
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export const AlarmListResponseSchema = z.strictObject({ alarms: z.array(AlarmSchema) });

export const AlarmAckRequestSchema = z.strictObject({ note: z.string().trim().max(500).optional() });
export const AlarmAssignRequestSchema = z.strictObject({ assignee: z.string().trim().min(1).max(64) });
export const AlarmResolveRequestSchema = z.strictObject({ note: z.string().trim().min(3, 'say how it was resolved').max(500) });

export const BypassTargetSchema = z.strictObject({ type: z.enum(['tag', 'zone', 'door', 'gateway']), id: z.string().min(1).max(200) });
export const BypassRequestSchema = z.strictObject({
  target: BypassTargetSchema,
  reason: z.string().trim().min(5, 'give the reason').max(500),
  /** At most 12 h: a bypass re-arms by itself. */
  minutes: z.number().int().min(1).max(720),
});
export const BypassSchema = z.strictObject({
  id: z.number().int().min(1),
  target: BypassTargetSchema,
  reason: z.string(),
  by: z.string(),
  from: EpochMsSchema,
  until: EpochMsSchema,
  /** Ended early by a person (null: runs until `until`). */
  endedAt: EpochMsSchema.nullable(),
});
export type Bypass = z.infer<typeof BypassSchema>;
export const BypassListResponseSchema = z.strictObject({ bypasses: z.array(BypassSchema) });

// ── delivery ──

export const WebhookBodySchema = z.strictObject({
  url: z.string().url().max(500).refine((u) => /^https?:\/\//.test(u), 'http(s) URL'),
  /** Only alarms at least this severe. */
  minSeverity: SeveritySchema.default('low'),
  /** HMAC-SHA256 of the body with this secret goes in X-RTLS-Signature (sha256=<hex>). */
  secret: z.string().min(16).max(200).optional(),
  enabled: z.boolean().default(true),
});
export const WebhookSchema = WebhookBodySchema.omit({ secret: true }).extend({ id: z.number().int().min(1), hasSecret: z.boolean() });
export const WebhookListResponseSchema = z.strictObject({ webhooks: z.array(WebhookSchema) });

export const DeliverySchema = z.strictObject({
  id: z.number().int().min(1),
  alarmId: z.number().int().min(1),
  channel: z.enum(['webhook', 'mqtt']),
  target: z.string(),
  event: z.string(),
  attempt: z.number().int().min(1),
  t: EpochMsSchema,
  ok: z.boolean(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
});
export const DeliveryListResponseSchema = z.strictObject({ deliveries: z.array(DeliverySchema) });

/**
 * What webhooks and the MQTT alarms topic carry: the alarm without patient identity (receivers are systems, not
 * people with roles), and the event that caused it.
 */
export const AlarmNotificationSchema = z.strictObject({
  event: z.enum(['opened', 'acknowledged', 'assigned', 'escalated', 'resolved', 'auto-resolved', 'condition-cleared']),
  alarm: AlarmSchema,
});
export type AlarmNotification = z.infer<typeof AlarmNotificationSchema>;

/** Root of the platform's own alarm notifications on MQTT (never gateway input). */
export const ALARMS_TOPIC_PREFIX = 'rtls/v1/alarms/';

/** MQTT topic for alarm notifications: rtls/v1/alarms/<severity>/<alarmId>. */
export function alarmTopic(severity: Severity, alarmId: number): string {
  return `${ALARMS_TOPIC_PREFIX}${severity}/${alarmId}`;
}
