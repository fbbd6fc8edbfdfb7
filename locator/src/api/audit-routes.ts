/**
 * The audit log and security alarms for those who watch them (issue #6 item 4). Reading the audit log is itself
 * audited (who looked at whom is sensitive too).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AuditListResponseSchema, AuditQuerySchema, AuditVerifyResponseSchema, ErrorBodySchema, SecurityAlarmListResponseSchema,
} from '@rtls/protocol';
import { z } from 'zod';
import type { AccessService } from '../auth/access.ts';
import { viewerOf } from './auth-guard.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema };

export function auditRoutes(access: AccessService): FastifyPluginAsyncZod {
  const { audit, alarms } = access.deps;
  return async (app) => {
    app.get('/api/audit', {
      config: { auth: 'audit:view' },
      schema: { tags: ['audit'], summary: 'Search the audit log, newest first', querystring: AuditQuerySchema, response: { 200: AuditListResponseSchema, ...errors } },
    }, async (req) => {
      const q = req.query;
      access.record(viewerOf(req), 'view-audit', 'audit:search', { detail: JSON.stringify(q).slice(0, 400) });
      return { records: audit.query(q) };
    });

    app.get('/api/audit/verify', {
      config: { auth: 'audit:view' },
      schema: { tags: ['audit'], summary: 'Check the hash chain of the whole audit log', response: { 200: AuditVerifyResponseSchema, ...errors } },
    }, async (req) => {
      access.record(viewerOf(req), 'view-audit', 'audit:verify');
      return audit.verify();
    });

    app.get('/api/security/alarms', {
      config: { auth: 'security-alarms:view' },
      schema: {
        tags: ['audit'], summary: 'Security alarms: unusual access, break-glass, login lockouts (newest first)',
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
        response: { 200: SecurityAlarmListResponseSchema, ...errors },
      },
    }, async (req) => ({ alarms: alarms.list(req.query.limit) }));
  };
}
