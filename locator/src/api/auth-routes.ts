/**
 * Login, session, password, break-glass (issue #6 items 1, 3, 5). The login answer is the same for an unknown
 * user and a wrong password, after the same scrypt work (access.ts); limits answer 429 with Retry-After.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import {
  BreakGlassRequestSchema, ChangePasswordRequestSchema, ErrorBodySchema, LoginRequestSchema, LoginResponseSchema,
  RtlsError, SessionResponseSchema, type SessionResponse,
} from '@rtls/protocol';
import { verifySecret } from '@rtls/protocol/node';
import type { AccessService } from '../auth/access.ts';
import { sessionUser } from '../auth/viewer.ts';
import { sourceOf, viewerOf } from './auth-guard.ts';
import { sendError } from './error-handler.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema };

export function authRoutes(access: AccessService): FastifyPluginAsyncZod {
  const { sessions, users, limiter, alarms } = access.deps;
  /** Built from the session as it is now (break-glass may have changed it during this request). */
  const sessionResponse = (req: FastifyRequest): SessionResponse => {
    const user = req.user!;
    const viewer = access.viewerFor(user, req.session!, viewerOf(req).source);
    return { ...sessions.times(req.session!), user: sessionUser(viewer, user.mustChangePassword, user.displayName) };
  };

  return async (app) => {
    app.post('/api/auth/login', {
      config: { auth: 'open' },
      schema: {
        tags: ['auth'], summary: 'Log in: a bearer token for the Authorization header (and the live WebSocket)',
        body: LoginRequestSchema, response: { 200: LoginResponseSchema, ...errors },
      },
    }, async (req, reply) => {
      const r = await access.login(req.body.username, req.body.password, sourceOf(req));
      if (!r.ok) {
        if (r.code === 'RTLS_ERR_RATE_LIMITED') {
          reply.header('retry-after', String(r.retryAfterS));
          return sendError(reply, r.code, `Too many login attempts: try again in ${r.retryAfterS} s`);
        }
        return sendError(reply, r.code);
      }
      return {
        token: r.token, ...sessions.times(r.session),
        user: sessionUser(r.viewer, r.user.mustChangePassword, r.user.displayName),
      };
    });

    app.get('/api/auth/session', {
      config: { auth: 'session' },
      schema: { tags: ['auth'], summary: 'The current session and what it may do (also extends idle expiry)', response: { 200: SessionResponseSchema, ...errors } },
    }, async (req) => sessionResponse(req));

    app.post('/api/auth/logout', {
      config: { auth: 'session' },
      schema: { tags: ['auth'], summary: 'End this session; the token stops working at once', response: { 204: z.null(), ...errors } },
    }, async (req, reply) => {
      access.logout(viewerOf(req), req.session!);
      return reply.code(204).send(null);
    });

    app.post('/api/auth/password', {
      config: { auth: 'session' },
      schema: {
        tags: ['auth'], summary: 'Change your password (required after a one-time password); other sessions end',
        body: ChangePasswordRequestSchema, response: { 204: z.null(), ...errors },
      },
    }, async (req, reply) => {
      const viewer = viewerOf(req);
      const user = users.get(viewer.username)!;
      // The current-password check answers "is this the password?" like a login does, so it counts against the same
      // limits (issue #6 item 5): a stolen token must not become an unlimited password-guessing oracle.
      const source = sourceOf(req);
      const verdict = limiter.attempt(viewer.username, source);
      if (!verdict.allowed) {
        access.record(viewer, 'password-change', `user:${viewer.username}`, { outcome: 'denied', detail: verdict.reason });
        reply.header('retry-after', String(verdict.retryAfterS));
        return sendError(reply, 'RTLS_ERR_RATE_LIMITED', `Too many attempts: try again in ${verdict.retryAfterS} s`);
      }
      if (!(await verifySecret(req.body.currentPassword, user.passwordHash))) {
        const locked = limiter.failure(viewer.username);
        access.record(viewer, 'password-change', `user:${viewer.username}`, { outcome: 'denied' });
        if (locked) alarms.raise({ kind: 'login-lockout', actor: viewer.username, message: `Account locked after repeated wrong current passwords on password change from ${source}` });
        throw new RtlsError('RTLS_ERR_INVALID_CREDENTIALS', 'Current password is wrong');
      }
      limiter.success(viewer.username);
      if (req.body.newPassword === req.body.currentPassword) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, ['newPassword: must differ from the current one']);
      access.record(viewer, 'password-change', `user:${viewer.username}`);
      await users.setPassword(viewer.username, req.body.newPassword, false);
      // The epoch moved on: every other session of the user ends (a stolen token dies with the old password);
      // this one carries on under the new epoch.
      sessions.rebind(req.session!, users.get(viewer.username)!.sessionEpoch);
      return reply.code(204).send(null);
    });

    app.post('/api/auth/break-glass', {
      config: { auth: 'map:view' },
      schema: {
        tags: ['auth'], summary: 'Break-glass: see every patient with identity for a limited time; reason required, audited and flagged',
        body: BreakGlassRequestSchema, response: { 200: SessionResponseSchema, ...errors },
      },
    }, async (req) => {
      access.breakGlass(viewerOf(req), req.session!, req.body.reason, req.body.minutes);
      return sessionResponse(req);
    });

    app.delete('/api/auth/break-glass', {
      config: { auth: 'session' },
      schema: { tags: ['auth'], summary: 'End break-glass access now', response: { 200: SessionResponseSchema, ...errors } },
    }, async (req) => {
      access.endBreakGlass(viewerOf(req), req.session!);
      return sessionResponse(req);
    });
  };
}
