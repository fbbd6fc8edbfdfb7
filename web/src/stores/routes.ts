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
  | { view: 'security-alarms' }
  | { view: 'password' };
/** The alarm console (issue #7 item 5): beside the live map, with the alarm looked at in the URL so it can be shared. */
export type AlarmConsoleTab = 'live' | 'history';
export interface AlarmConsoleRoute {
  view: 'alarms';
  tab: AlarmConsoleTab;
  alarm: number | null;
}
export type AppRoute = Route | ReplayRoute | AdminRoute | AlarmConsoleRoute;
export type AppView = AppRoute['view'];

export const USERS_HASH = '#/admin/users';
export const AUDIT_HASH = '#/admin/audit';
export const ALARMS_HASH = '#/security/alarms';
export const ALARM_CONSOLE_HASH = '#/alarms';
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
  if (/^#\/security\/alarms\/?$/.test(hash)) return { view: 'security-alarms' };
  if (/^#\/account\/password\/?$/.test(hash)) return { view: 'password' };
  return null;
}

/** "#/alarms", "#/alarms/history", either with "?alarm=<id>"; null for any other hash. */
export function parseAlarmConsoleRoute(hash: string): AlarmConsoleRoute | null {
  const m = /^#\/alarms(\/history)?\/?(?:\?(.*))?$/.exec(hash);
  if (!m) return null;
  const id = new URLSearchParams(m[2] ?? '').get('alarm');
  const alarm = id !== null && /^\d{1,12}$/.test(id) && Number(id) >= 1 ? Number(id) : null;
  return { view: 'alarms', tab: m[1] ? 'history' : 'live', alarm };
}

export function alarmConsoleHash(p: { tab?: AlarmConsoleTab; alarm?: number | null }): string {
  const base = p.tab === 'history' ? `${ALARM_CONSOLE_HASH}/history` : ALARM_CONSOLE_HASH;
  return p.alarm ? `${base}?alarm=${p.alarm}` : base;
}

/** The admin and account routes first, then the alarm console, the replay, then the map and gateway routes. */
export function parseAppRoute(hash: string): AppRoute {
  return parseAdminRoute(hash) ?? parseAlarmConsoleRoute(hash) ?? parseReplayRoute(hash) ?? parseRoute(hash);
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
  'security-alarms': 'security-alarms:view',
  alarms: 'alarms:view',
  password: null,
});

/** Views that cover the map (the map stays mounted and live underneath); the replay and the alarm console sit beside it. */
export const isPageView = (v: AppView): boolean => v !== 'map' && v !== 'replay' && v !== 'alarms';
