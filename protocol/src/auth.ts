/**
 * People, roles, sessions, patient identity, the audit log and security alarms (issue #6; DESIGN.md §7).
 * The role → permission table lives here so the API, the live feed and the web app read one answer.
 */
import { z } from 'zod';
import { SlugSchema, TagIdSchema } from './ids.ts';
import { EpochMsSchema } from './reads.ts';

export const RoleSchema = z.enum(['security', 'clinical', 'materials', 'biomed', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

/**
 * What a role may do. Patient scope is separate (PATIENT_SCOPE): which patients a role sees at all, and whether it
 * sees their identity.
 */
export const PermissionSchema = z.enum([
  /** Floors, tags (patients as the patient scope allows), gateways, the live feed. */
  'map:view',
  /** Trails, visits, dwell, contacts, CSV exports (patients as the patient scope allows). */
  'history:view',
  /** Bind a tag to a patient, change or end the binding (identity is written, never read back without identity). */
  'patients:enrol',
  /** Gateways, tags, calibration: create and change. */
  'registry:write',
  'users:manage',
  /** Search and verify the audit log. */
  'audit:view',
  /** Unusual-access alarms raised from the audit log. */
  'security-alarms:view',
  /** The alarm console: see alarms (subjects as the patient scope allows). */
  'alarms:view',
  /** Acknowledge, assign, resolve alarms; bypass a subject or door for a while. */
  'alarms:act',
  /** Rules, pairings, webhooks. */
  'rules:write',
]);
export type Permission = z.infer<typeof PermissionSchema>;

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  security: ['map:view', 'history:view', 'patients:enrol', 'audit:view', 'security-alarms:view', 'alarms:view', 'alarms:act'],
  clinical: ['map:view', 'history:view', 'patients:enrol', 'alarms:view', 'alarms:act'],
  materials: ['map:view', 'history:view', 'alarms:view'],
  biomed: ['map:view', 'history:view', 'alarms:view', 'alarms:act'],
  admin: ['map:view', 'history:view', 'patients:enrol', 'registry:write', 'users:manage', 'audit:view', 'security-alarms:view', 'alarms:view', 'rules:write'],
});

/**
 * Which patients a role sees, and how:
 * - `identity-all`: every patient, with name and identifiers (security answers infant and elopement alarms anywhere);
 * - `identity-units`: patients of the user's units, with identity; other units' patients are not shown at all
 *   (a clinician scoped to the ICU cannot read the maternity ward's patients);
 * - `pseudonymous`: every patient tag with its pseudonymous label only (materials, biomed, admin: they need to see that a
 *   tag is a patient band, never who wears it).
 * Break-glass lifts any role to `identity-all` for a limited time, audited and flagged.
 */
export const PatientScopeSchema = z.enum(['identity-all', 'identity-units', 'pseudonymous']);
export type PatientScope = z.infer<typeof PatientScopeSchema>;
export const PATIENT_SCOPE: Readonly<Record<Role, PatientScope>> = Object.freeze({
  security: 'identity-all',
  clinical: 'identity-units',
  materials: 'pseudonymous',
  biomed: 'pseudonymous',
  admin: 'pseudonymous',
});

/** Lower-case login names: what people type, never an e-mail address (which would be identifying in logs). */
export const UsernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'username must be 2-64 chars of a-z 0-9 . _ - (lower case)');
/** A care unit (icu, maternity, ed, …): the object-level scope of clinical users and of patients. */
export const UnitIdSchema = SlugSchema;

/** New passwords: length over composition rules (NIST SP 800-63B §5.1.1.2). */
export const NewPasswordSchema = z.string().min(12, 'password must be at least 12 characters').max(256);

export const LoginRequestSchema = z.strictObject({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const BreakGlassStateSchema = z.strictObject({
  until: EpochMsSchema,
  reason: z.string(),
});

export const SessionUserSchema = z.strictObject({
  username: UsernameSchema,
  displayName: z.string(),
  role: RoleSchema,
  /** Units the user is scoped to; empty = none (only matters for clinical users). */
  units: z.array(UnitIdSchema),
  permissions: z.array(PermissionSchema),
  patientScope: PatientScopeSchema,
  breakGlass: BreakGlassStateSchema.nullable(),
  mustChangePassword: z.boolean(),
});
export type SessionUser = z.infer<typeof SessionUserSchema>;

export const LoginResponseSchema = z.strictObject({
  token: z.string(),
  /** When the session ends if unused (idle expiry), epoch ms; every authenticated request moves it on. */
  idleExpiresAt: EpochMsSchema,
  /** When the session ends regardless of use, epoch ms. */
  expiresAt: EpochMsSchema,
  user: SessionUserSchema,
});
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

export const SessionResponseSchema = LoginResponseSchema.omit({ token: true });
export type SessionResponse = z.infer<typeof SessionResponseSchema>;

export const ChangePasswordRequestSchema = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: NewPasswordSchema,
});

/** Break-glass: reason required, at most an hour. */
export const BREAK_GLASS_MAX_MINUTES = 60;
export const BreakGlassRequestSchema = z.strictObject({
  reason: z.string().trim().min(10, 'give the reason (at least 10 characters)').max(500),
  minutes: z.number().int().min(1).max(BREAK_GLASS_MAX_MINUTES).default(15),
});

// ── users (admin) ──

export const UserSchema = z.strictObject({
  username: UsernameSchema,
  displayName: z.string(),
  role: RoleSchema,
  units: z.array(UnitIdSchema),
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  createdAt: EpochMsSchema,
  updatedAt: EpochMsSchema,
  lastLoginAt: EpochMsSchema.nullable(),
});
export type User = z.infer<typeof UserSchema>;
export const UserListResponseSchema = z.strictObject({ users: z.array(UserSchema) });

export const UserCreateRequestSchema = z.strictObject({
  username: UsernameSchema,
  displayName: z.string().trim().min(1).max(120),
  role: RoleSchema,
  units: z.array(UnitIdSchema).max(20).default([]),
  /** Omitted: a one-time password is generated, returned once, and must be changed at first login. */
  password: NewPasswordSchema.optional(),
});
export const UserUpdateRequestSchema = z.strictObject({
  displayName: z.string().trim().min(1).max(120).optional(),
  role: RoleSchema.optional(),
  units: z.array(UnitIdSchema).max(20).optional(),
  /** Disabling ends the user's sessions at once. */
  disabled: z.boolean().optional(),
});
/** Created user or reset password: the one-time password is shown here once and never again. */
export const UserWithPasswordResponseSchema = z.strictObject({
  user: UserSchema,
  oneTimePassword: z.string().nullable(),
});

// ── patients (identity bound to a tag) ──

/** Protected health information: shown only to roles whose patient scope includes identity. */
export const PatientIdentitySchema = z.strictObject({
  /** Medical record number. */
  mrn: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  /** ISO date (YYYY-MM-DD). */
  birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'birthDate must be YYYY-MM-DD').nullable().default(null),
});
export type PatientIdentity = z.infer<typeof PatientIdentitySchema>;

export const PatientEnrolRequestSchema = z.strictObject({
  tag: TagIdSchema,
  unit: UnitIdSchema,
  /** The label everyone else sees ("Infant 07"); must not contain the name (checked). */
  pseudonym: z.string().trim().min(1).max(60),
  category: SlugSchema.nullable().default(null),
  identity: PatientIdentitySchema,
});

/** A patient binding as a role with identity sees it. */
export const PatientSchema = z.strictObject({
  tag: TagIdSchema,
  unit: UnitIdSchema,
  pseudonym: z.string(),
  category: SlugSchema.nullable(),
  identity: PatientIdentitySchema,
  enrolledAt: EpochMsSchema,
});
export type Patient = z.infer<typeof PatientSchema>;
export const PatientListResponseSchema = z.strictObject({ patients: z.array(PatientSchema) });
export const PatientSearchQuerySchema = z.strictObject({ q: z.string().trim().min(2).max(100) });

// ── audit ──

export const AuditActionSchema = z.enum([
  'login', 'login-failed', 'logout', 'password-change',
  'view-location', 'view-history', 'view-live', 'view-identity', 'export',
  'break-glass', 'acknowledge-alarm', 'change-registry', 'change-user', 'enrol-patient', 'view-audit',
  'assign-alarm', 'resolve-alarm', 'bypass', 'change-rules', 'view-alarms',
]);
export type AuditAction = z.infer<typeof AuditActionSchema>;

export const AuditRecordSchema = z.strictObject({
  seq: z.number().int().min(1),
  t: EpochMsSchema,
  /** Username, or the attempted name for failed logins (truncated), or "system". */
  actor: z.string(),
  role: RoleSchema.nullable(),
  action: AuditActionSchema,
  /** What was acted on: a route-level object ("tag:ble:…", "zone:L1-…", "user:alice"). */
  object: z.string(),
  /** Patient tags whose location, history or identity this access showed. */
  patients: z.array(TagIdSchema),
  source: z.string().nullable(),
  outcome: z.enum(['ok', 'denied']),
  breakGlass: z.boolean(),
  detail: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

export const AuditQuerySchema = z.strictObject({
  actor: z.string().max(64).optional(),
  action: AuditActionSchema.optional(),
  /** A patient tag: every access that showed it. */
  patient: TagIdSchema.optional(),
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  breakGlass: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  /** Records with seq below this (paging backwards from the newest). */
  before: z.coerce.number().int().min(1).optional(),
});
export const AuditListResponseSchema = z.strictObject({ records: z.array(AuditRecordSchema) });
export const AuditVerifyResponseSchema = z.strictObject({
  ok: z.boolean(),
  records: z.number().int(),
  /** First record whose hash or link does not check out. */
  brokenAt: z.number().int().nullable(),
  problem: z.string().nullable(),
  headHash: z.string().nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResponseSchema>;

// ── security alarms (unusual access; issue #7 folds them into the one alarm console) ──

export const SecurityAlarmKindSchema = z.enum(['many-patients', 'unusual-hour', 'break-glass', 'login-lockout']);
export const SecurityAlarmSchema = z.strictObject({
  id: z.number().int(),
  t: EpochMsSchema,
  kind: SecurityAlarmKindSchema,
  actor: z.string(),
  message: z.string(),
});
export type SecurityAlarm = z.infer<typeof SecurityAlarmSchema>;
export const SecurityAlarmListResponseSchema = z.strictObject({ alarms: z.array(SecurityAlarmSchema) });
