/**
 * Users and roles, for admins (issue #6 item 1). One-time passwords are returned once, here, and never again;
 * a role, unit or disable change ends the user's sessions (user-store epoch). Every change is audited.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ErrorBodySchema, RtlsError, UserCreateRequestSchema, UserListResponseSchema, UserSchema, UserUpdateRequestSchema,
  UserWithPasswordResponseSchema, UsernameSchema,
} from '@rtls/protocol';
import type { AccessService } from '../auth/access.ts';
import { viewerOf } from './auth-guard.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };
const UserParams = z.object({ username: z.string().min(1).max(64) });

export function userRoutes(access: AccessService, knownUnits: ReadonlySet<string> | null): FastifyPluginAsyncZod {
  const { users, sessions } = access.deps;
  const checkUnits = (units: readonly string[] | undefined) => {
    if (!units || !knownUnits) return;
    const bad = units.filter((u) => !knownUnits.has(u));
    if (bad.length > 0) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`units: unknown unit(s) ${bad.join(', ')}; the site has ${[...knownUnits].join(', ')}`]);
  };
  const username = (raw: string) => {
    const r = UsernameSchema.safeParse(raw);
    if (!r.success || !users.get(r.data)) throw new RtlsError('RTLS_ERR_USER_NOT_FOUND', `User not found: ${raw.slice(0, 64)}`);
    return r.data;
  };

  return async (app) => {
    app.get('/api/users', {
      config: { auth: 'users:manage' },
      schema: { tags: ['users'], summary: 'Users and their roles', response: { 200: UserListResponseSchema, ...errors } },
    }, async () => ({ users: users.list() }));

    app.post('/api/users', {
      config: { auth: 'users:manage' },
      schema: {
        tags: ['users'], summary: 'Create a user (without a password: a one-time password, shown once)',
        body: UserCreateRequestSchema, response: { 201: UserWithPasswordResponseSchema, ...errors },
      },
    }, async (req, reply) => {
      checkUnits(req.body.units);
      // Refused before the audit record is written, so the log never shows a creation that did not happen (the
      // store still refuses a name created in between).
      if (users.get(req.body.username)) throw new RtlsError('RTLS_ERR_CONFLICT', `User ${req.body.username} exists`);
      access.record(viewerOf(req), 'change-user', `user:${req.body.username}`, { detail: `create role=${req.body.role} units=${req.body.units.join(' ')}` });
      const r = await users.create({ ...req.body, password: req.body.password ?? null });
      return reply.code(201).send(r);
    });

    app.patch('/api/users/:username', {
      config: { auth: 'users:manage' },
      schema: {
        tags: ['users'], summary: 'Change role, units, name, or disable (ends their sessions)',
        params: UserParams, body: UserUpdateRequestSchema, response: { 200: UserSchema, ...errors },
      },
    }, async (req) => {
      const name = username(req.params.username);
      const viewer = viewerOf(req);
      checkUnits(req.body.units);
      if (name === viewer.username && (req.body.disabled === true || (req.body.role !== undefined && req.body.role !== 'admin'))) {
        // The last way back in must not be locked by accident.
        throw new RtlsError('RTLS_ERR_CONFLICT', 'You cannot disable yourself or remove your own admin role');
      }
      access.record(viewer, 'change-user', `user:${name}`, { detail: JSON.stringify(req.body).slice(0, 400) });
      const user = users.update(name, req.body);
      if (user.disabled) sessions.endUser(name);
      return user;
    });

    app.post('/api/users/:username/password-reset', {
      config: { auth: 'users:manage' },
      schema: {
        tags: ['users'], summary: 'Reset to a one-time password (shown once); their sessions end',
        params: UserParams, response: { 200: UserWithPasswordResponseSchema, ...errors },
      },
    }, async (req) => {
      const name = username(req.params.username);
      access.record(viewerOf(req), 'change-user', `user:${name}`, { detail: 'password reset' });
      const r = await users.resetPassword(name);
      sessions.endUser(name);
      return r;
    });
  };
}
