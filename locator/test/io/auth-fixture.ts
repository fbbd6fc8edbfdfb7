/**
 * Logged-in users for API tests (issue #6): the real access service (users, sessions, patients, audit) in a temp
 * data dir, one user per role, and a session token for each — created directly in the session store, so tests that
 * are not about login do not pay for an scrypt verify per user. Login itself is tested in locator/test/auth.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { LoginResponseSchema, type Role } from '@rtls/protocol';
import { loadLocatorConfig } from '../../src/config.ts';
import { openAccess, type OpenedAccess } from '../../src/auth/open-access.ts';
import { silentLogger } from './helpers.ts';

export const TEST_ADMIN_PASSWORD = 'test-admin-password-1';
export const TEST_USER_PASSWORD = 'test-user-password-1';

/** The test users: one per role, two clinical users in different units. */
export const TEST_USERS = {
  admin: { role: 'admin', units: [] },
  security: { role: 'security', units: [] },
  'icu-nurse': { role: 'clinical', units: ['icu'] },
  'maternity-nurse': { role: 'clinical', units: ['maternity'] },
  materials: { role: 'materials', units: [] },
  biomed: { role: 'biomed', units: [] },
} as const satisfies Record<string, { role: Role; units: readonly string[] }>;
export type TestUser = keyof typeof TEST_USERS;

export interface TestAccess {
  opened: OpenedAccess;
  tokens: Record<TestUser, string>;
  /** `{ authorization: 'Bearer …' }` for app.inject / fetch. */
  as(user: TestUser): { authorization: string };
  /** app.inject as `user`: a URL (GET) or inject options, with the user's bearer token added. */
  inject(app: FastifyInstance, user: TestUser, o: string | InjectOptions): Promise<LightMyRequestResponse>;
  close(): void;
}

export async function openTestAccess(dataDir: string, opts: { clock?: () => number; env?: Record<string, string> } = {}): Promise<TestAccess> {
  const config = loadLocatorConfig({ RTLS_DATA_DIR: dataDir, RTLS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, ...opts.env });
  const opened = await openAccess({ auth: config.auth, dataDir: config.dataDir, clock: opts.clock ?? Date.now, logger: silentLogger() });
  const { users, sessions } = opened.access.deps;
  const tokens = {} as Record<TestUser, string>;
  for (const [username, u] of Object.entries(TEST_USERS) as [TestUser, (typeof TEST_USERS)[TestUser]][]) {
    if (!users.get(username)) await users.create({ username, displayName: username, role: u.role, units: [...u.units], password: TEST_USER_PASSWORD });
    tokens[username] = sessions.create(username, users.get(username)!.sessionEpoch).token;
  }
  return {
    opened, tokens,
    as: (user) => ({ authorization: `Bearer ${tokens[user]}` }),
    inject: (app, user, o) => injectWith(app, { authorization: `Bearer ${tokens[user]}` }, o),
    close: () => opened.close(),
  };
}

/** app.inject with `headers` added (a URL means GET). */
export function injectWith(app: FastifyInstance, headers: Record<string, string>, o: string | InjectOptions): Promise<LightMyRequestResponse> {
  const opts: InjectOptions = typeof o === 'string' ? { method: 'GET', url: o } : o;
  return app.inject({ ...opts, headers: { ...headers, ...(opts.headers ?? {}) } });
}

/** Logs in through POST /api/auth/login (for tests of a whole service, where the user store is the service's own). */
export async function loginThrough(app: FastifyInstance, username: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login as ${username}: HTTP ${res.statusCode} ${res.body.slice(0, 200)}`);
  return LoginResponseSchema.parse(res.json()).token;
}
