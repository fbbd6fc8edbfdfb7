import { AuditActionSchema, type AuditAction, type Permission } from '@rtls/protocol';
import { auditQueryString, type AuditQuery } from '../api/client.ts';
import { parseRoute, type Route } from './gateway-diagnostics.ts';
import { parseReplayRoute, type ReplayRoute } from './replay.ts';

/**
 * Every view the app has, in the URL hash so a view can be shared and a login can return to it (issue #6: after an
 * expired session the login page keeps the hash, and the app opens it again once logged in).
 */
export type AdminRoute =
  | { view: 'users' }
  | { view: 'audit'; query: AuditQuery }
  | { view: 'alarms' }
  | { view: 'password' };
export type AppRoute = Route | ReplayRoute | AdminRoute;
export type AppView = AppRoute['view'];

export const USERS_HASH = '#/admin/users';
export const AUDIT_HASH = '#/admin/audit';
export const ALARMS_HASH = '#/security/alarms';
export const PASSWORD_HASH = '#/account/password';

const ACTIONS: readonly string[] = AuditActionSchema.options;

function epoch(v: string | null): number | undefined {
  return v !== null && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}

/** "#/admin/audit?actor=…" → the filters; unknown or malformed values are dropped, never thrown. */
export function parseAuditQuery(qs: string): AuditQuery {
  const p = new URLSearchParams(qs);
  const q: AuditQuery = {};
  const actor = p.get('actor')?.trim();
  if (actor) q.actor = actor;
  const action = p.get('action');
  if (action !== null && ACTIONS.includes(action)) q.action = action as AuditAction;
  const patient = p.get('patient')?.trim();
  if (patient) q.patient = patient;
  const from = epoch(p.get('from'));
  if (from !== undefined) q.from = from;
  const to = epoch(p.get('to'));
  if (to !== undefined) q.to = to;
  const bg = p.get('breakGlass');
  if (bg === 'true' || bg === 'false') q.breakGlass = bg === 'true';
  const limit = epoch(p.get('limit'));
  if (limit !== undefined && limit >= 1 && limit <= 1000) q.limit = limit;
  return q;
}

export const auditHash = (q: AuditQuery): string => `${AUDIT_HASH}${auditQueryString({ ...q, before: undefined })}`;

export function parseAdminRoute(hash: string): AdminRoute | null {
  if (/^#\/admin\/users\/?$/.test(hash)) return { view: 'users' };
  const audit = /^#\/admin\/audit\/?(?:\?(.*))?$/.exec(hash);
  if (audit) return { view: 'audit', query: parseAuditQuery(audit[1] ?? '') };
  if (/^#\/security\/alarms\/?$/.test(hash)) return { view: 'alarms' };
  if (/^#\/account\/password\/?$/.test(hash)) return { view: 'password' };
  return null;
}

/** The admin and account routes first, then the replay, then the map and gateway routes. */
export function parseAppRoute(hash: string): AppRoute {
  return parseAdminRoute(hash) ?? parseReplayRoute(hash) ?? parseRoute(hash);
}

/**
 * The permission a view needs (protocol ROLE_PERMISSIONS). Hiding a view is a courtesy: the server answers 403 to
 * every request the role may not make.
 */
export const VIEW_PERMISSION: Readonly<Record<AppView, Permission | null>> = Object.freeze({
  map: 'map:view',
  gateways: 'map:view',
  replay: 'history:view',
  users: 'users:manage',
  audit: 'audit:view',
  alarms: 'security-alarms:view',
  password: null,
});

/** Views that cover the map (the map stays mounted and live underneath). */
export const isPageView = (v: AppView): boolean => v !== 'map' && v !== 'replay';
