/**
 * Login and sessions over HTTP (issue #6 items 1, 2, 5), through buildApi with app.inject: the same answer for an
 * unknown user and a wrong password, brute-force limits with Retry-After, tampered / expired / logged-out tokens,
 * one-time passwords that must be changed first, and sessions ending when a password or role changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema, LoginResponseSchema, SessionResponseSchema, UserWithPasswordResponseSchema } from '@rtls/protocol';
import { BACKGROUND_HEADER } from '../../src/api/auth-guard.ts';
import { TEST_ADMIN_PASSWORD, TEST_USER_PASSWORD } from '../io/auth-fixture.ts';
import { openAuthApi, type AuthApi } from './api-fixture.ts';

const MAX_FAILURES = 3;
const LOCK_MIN = 2;
const PER_ADDRESS = 6;
let api: AuthApi;

beforeAll(async () => {
  api = await openAuthApi({
    RTLS_LOGIN_MAX_FAILURES: String(MAX_FAILURES), RTLS_LOGIN_LOCK_MIN: String(LOCK_MIN),
    RTLS_LOGIN_MAX_PER_ADDRESS_PER_MIN: String(PER_ADDRESS), RTLS_SESSION_IDLE_MIN: '15',
  });
});
afterAll(async () => {
  await api?.close();
});

/** Each test logs in from its own address, so the per-address limit of one does not spill into another. */
function login(username: string, password: string, remoteAddress: string) {
  return api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress });
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
function errorOf(res: { statusCode: number; json: () => unknown }) {
  return { status: res.statusCode, ...ErrorBodySchema.parse(res.json()) };
}

describe('POST /api/auth/login', () => {
  it('right password: a token that works, the user with role and permissions, and expiry times', async () => {
    const res = await login('icu-nurse', TEST_USER_PASSWORD, '10.1.0.1');
    expect(res.statusCode).toBe(200);
    const body = LoginResponseSchema.parse(res.json());
    expect(body.user).toMatchObject({ username: 'icu-nurse', role: 'clinical', units: ['icu'], patientScope: 'identity-units', mustChangePassword: false, breakGlass: null });
    expect(body.user.permissions).not.toContain('users:manage');
    expect(body.idleExpiresAt).toBe(api.clock.now + 15 * 60_000);
    const session = await api.app.inject({ url: '/api/auth/session', headers: bearer(body.token) });
    expect(session.statusCode).toBe(200);
    expect(SessionResponseSchema.parse(session.json()).user.username).toBe('icu-nurse');
    // The login is audited; the password is nowhere in the audit log or the app's log.
    const audit = api.t.opened.access.deps.audit.query({ actor: 'icu-nurse', action: 'login' });
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(api.t.opened.access.deps.audit.query({ limit: 1000 }))).not.toContain(TEST_USER_PASSWORD);
    expect(api.logLines.join('\n')).not.toContain(TEST_USER_PASSWORD);
    expect(api.logLines.join('\n')).not.toContain(body.token);
  });

  it('unknown user, wrong password and a disabled account get the very same answer', async () => {
    const unknown = await login('no-such-user', 'whatever-password', '10.1.0.2');
    const wrong = await login('biomed', 'not-the-password', '10.1.0.2');
    const badCase = await login('BioMed', 'not-the-password', '10.1.0.2');
    // A disabled user with the right password answers like a wrong password, not "account disabled".
    const admin = api.t.as('admin');
    await api.t.opened.access.deps.users.create({ username: 'leaver', displayName: 'Leaver', role: 'materials', units: [], password: TEST_USER_PASSWORD });
    const dis = await api.app.inject({ method: 'PATCH', url: '/api/users/leaver', headers: admin, payload: { disabled: true } });
    expect(dis.statusCode).toBe(200);
    const disabled = await login('leaver', TEST_USER_PASSWORD, '10.1.0.3');
    for (const r of [unknown, wrong, badCase, disabled]) {
      expect(r.statusCode).toBe(401);
      expect(r.headers['retry-after']).toBeUndefined();
    }
    expect(unknown.body).toBe(wrong.body);
    expect(badCase.body).toBe(wrong.body);
    expect(disabled.body).toBe(wrong.body);
    expect(errorOf(unknown)).toMatchObject({ code: 'RTLS_ERR_INVALID_CREDENTIALS' });
    expect(unknown.body).not.toMatch(/no-such-user|biomed|disabled/i);
  });

  it(`${MAX_FAILURES} failures lock the typed name (existing or not) with 429 + Retry-After, even for the right password`, async () => {
    for (const name of ['materials', 'ghost-account']) {
      for (let i = 0; i < MAX_FAILURES; i++) expect((await login(name, `wrong-${i}-password`, `10.2.0.${i + 1}`)).statusCode).toBe(401);
      const locked = await login(name, name === 'materials' ? TEST_USER_PASSWORD : 'any-password-at-all', '10.2.1.1');
      expect(errorOf(locked)).toMatchObject({ status: 429, code: 'RTLS_ERR_RATE_LIMITED' });
      const retry = Number(locked.headers['retry-after']);
      expect(Number.isInteger(retry)).toBe(true);
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(LOCK_MIN * 60);
      expect(locked.json().message).toContain(String(retry));
    }
    // Another name from the same addresses is not affected.
    expect((await login('biomed', TEST_USER_PASSWORD, '10.2.0.1')).statusCode).toBe(200);
    // The lock raised a security alarm per account name and is in the audit log as denied.
    const alarms = api.t.opened.access.deps.alarms.list(100).filter((a) => a.kind === 'login-lockout');
    expect(alarms.map((a) => a.actor).sort()).toEqual(['ghost-account', 'materials']);
    expect(api.t.opened.access.deps.audit.query({ actor: 'ghost-account' }).every((r) => r.outcome === 'denied')).toBe(true);
    // After the lock time the right password works again.
    api.clock.now += LOCK_MIN * 60_000;
    try {
      expect((await login('materials', TEST_USER_PASSWORD, '10.2.1.2')).statusCode).toBe(200);
    } finally {
      api.clock.now -= LOCK_MIN * 60_000;
    }
  });

  it('concurrent guesses cannot outrun the account lock: at most RTLS_LOGIN_MAX_FAILURES passwords are checked', async () => {
    // Twelve guesses at once from twelve addresses: all pass the limiter before the first scrypt check ends unless
    // attempts in flight count against the account.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login('maternity-nurse', `parallel-guess-${i}`, `10.12.0.${i + 1}`)));
    const checked = answers.filter((r) => r.statusCode === 401).length;
    const refused = answers.filter((r) => r.statusCode === 429).length;
    expect(checked + refused).toBe(12);
    expect(checked).toBeLessThanOrEqual(MAX_FAILURES);
    expect(checked).toBeGreaterThan(0);
    // And the account is locked now.
    expect((await login('maternity-nurse', TEST_USER_PASSWORD, '10.12.1.1')).statusCode).toBe(429);
  });

  it(`more than ${PER_ADDRESS} attempts a minute from one address → 429 with Retry-After, other addresses unaffected`, async () => {
    const addr = '10.3.0.1';
    for (let i = 0; i < PER_ADDRESS; i++) {
      // Spraying: a different account name each time, so no account lock is involved.
      expect((await login(`spray-${i}`, 'password-guess-1', addr)).statusCode).toBe(401);
    }
    const refused = await login('admin', TEST_ADMIN_PASSWORD, addr);
    expect(errorOf(refused)).toMatchObject({ status: 429, code: 'RTLS_ERR_RATE_LIMITED' });
    const retry = Number(refused.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect((await login('admin', TEST_ADMIN_PASSWORD, '10.3.0.2')).statusCode).toBe(200);
  });

  it('malformed bodies are 400 without touching the limiter', async () => {
    const r = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin' }, remoteAddress: '10.4.0.1' });
    expect(errorOf(r)).toMatchObject({ status: 400, code: 'RTLS_ERR_VALIDATION' });
    const extra = await api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'x', admin: true }, remoteAddress: '10.4.0.1' });
    expect(extra.statusCode).toBe(400);
  });
});

describe('bearer tokens', () => {
  it('no token, a malformed header, a token in the URL, a flipped character → 401 RTLS_ERR_UNAUTHORIZED', async () => {
    const token = api.t.tokens.security;
    const flipped = token.slice(0, 20) + (token[20] === 'x' ? 'y' : 'x') + token.slice(21);
    const cases = [
      {},
      { authorization: token },
      { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}` },
      { authorization: `Bearer ${flipped}` },
      { authorization: `Bearer ${token.slice(0, -1)}` },
      { authorization: `Bearer ${token}${token}` },
      { authorization: `Bearer ${'A'.repeat(43)}` },
    ];
    for (const headers of cases) {
      expect(errorOf(await api.app.inject({ url: '/api/floors', headers }))).toMatchObject({ status: 401, code: 'RTLS_ERR_UNAUTHORIZED' });
    }
    expect((await api.app.inject({ url: `/api/floors?token=${token}` })).statusCode).toBe(401);
    expect((await api.app.inject({ url: `/api/floors?access_token=${token}` })).statusCode).toBe(401);
    // The real token still works: the failures above were about the token, not the route.
    expect((await api.app.inject({ url: '/api/floors', headers: bearer(token) })).statusCode).toBe(200);
  });

  it('an idle session expires (RTLS_ERR_SESSION_EXPIRED once, then unknown); use — but not background polling — keeps it', async () => {
    const { token } = LoginResponseSchema.parse((await login('security', TEST_USER_PASSWORD, '10.5.0.1')).json());
    const start = api.clock.now;
    try {
      api.clock.now = start + 10 * 60_000;
      expect((await api.app.inject({ url: '/api/floors', headers: bearer(token) })).statusCode).toBe(200);
      // 20 min after login but 10 after last use: alive.
      api.clock.now = start + 20 * 60_000;
      // The app's own polling does not count as activity.
      expect((await api.app.inject({ url: '/api/floors', headers: { ...bearer(token), [BACKGROUND_HEADER]: '1' } })).statusCode).toBe(200);
      api.clock.now = start + 25 * 60_000;
      const expired = await api.app.inject({ url: '/api/floors', headers: bearer(token) });
      expect(errorOf(expired)).toMatchObject({ status: 401, code: 'RTLS_ERR_SESSION_EXPIRED' });
      expect(errorOf(await api.app.inject({ url: '/api/floors', headers: bearer(token) }))).toMatchObject({ status: 401, code: 'RTLS_ERR_UNAUTHORIZED' });
    } finally {
      api.clock.now = start;
    }
  });

  it('after logout the token is refused at once; other sessions of the user carry on', async () => {
    const a = LoginResponseSchema.parse((await login('biomed', TEST_USER_PASSWORD, '10.6.0.1')).json());
    const b = LoginResponseSchema.parse((await login('biomed', TEST_USER_PASSWORD, '10.6.0.1')).json());
    const out = await api.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(a.token) });
    expect(out.statusCode).toBe(204);
    expect(errorOf(await api.app.inject({ url: '/api/auth/session', headers: bearer(a.token) }))).toMatchObject({ status: 401, code: 'RTLS_ERR_UNAUTHORIZED' });
    expect((await api.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(a.token) })).statusCode).toBe(401);
    expect((await api.app.inject({ url: '/api/auth/session', headers: bearer(b.token) })).statusCode).toBe(200);
    expect(api.t.opened.access.deps.audit.query({ actor: 'biomed', action: 'logout' })).toHaveLength(1);
  });
});

describe('one-time passwords and session epochs', () => {
  it('a reset password must be changed first: 403 RTLS_ERR_PASSWORD_CHANGE_REQUIRED everywhere but session, password, logout', async () => {
    await api.t.opened.access.deps.users.create({ username: 'newcomer', displayName: 'Newcomer', role: 'security', units: [], password: TEST_USER_PASSWORD });
    const before = LoginResponseSchema.parse((await login('newcomer', TEST_USER_PASSWORD, '10.7.0.1')).json());
    const reset = await api.app.inject({ method: 'POST', url: '/api/users/newcomer/password-reset', headers: api.t.as('admin') });
    expect(reset.statusCode).toBe(200);
    const { oneTimePassword, user } = UserWithPasswordResponseSchema.parse(reset.json());
    expect(user.mustChangePassword).toBe(true);
    expect(oneTimePassword).toMatch(/^.{12,}$/);
    // The reset ended the session that existed.
    expect((await api.app.inject({ url: '/api/auth/session', headers: bearer(before.token) })).statusCode).toBe(401);
    // The old password is gone.
    expect((await login('newcomer', TEST_USER_PASSWORD, '10.7.0.2')).statusCode).toBe(401);

    const s = LoginResponseSchema.parse((await login('newcomer', oneTimePassword!, '10.7.0.2')).json());
    expect(s.user.mustChangePassword).toBe(true);
    for (const [method, url] of [['GET', '/api/floors'], ['GET', '/api/tags'], ['GET', '/api/audit'], ['GET', '/api/patients?q=test'], ['POST', '/api/auth/break-glass']] as const) {
      const r = await api.app.inject({ method, url, headers: bearer(s.token), ...(method === 'POST' ? { payload: { reason: 'checking an alarm now' } } : {}) });
      expect(errorOf(r), `${method} ${url}`).toMatchObject({ status: 403, code: 'RTLS_ERR_PASSWORD_CHANGE_REQUIRED' });
    }
    expect((await api.app.inject({ url: '/api/auth/session', headers: bearer(s.token) })).statusCode).toBe(200);
    // Unknown routes still answer 404 to a known user.
    expect((await api.app.inject({ url: '/api/nothing-here', headers: bearer(s.token) })).statusCode).toBe(404);
    const weak = await api.app.inject({ method: 'POST', url: '/api/auth/password', headers: bearer(s.token), payload: { currentPassword: oneTimePassword, newPassword: 'short' } });
    expect(weak.statusCode).toBe(400);
    const wrongCurrent = await api.app.inject({ method: 'POST', url: '/api/auth/password', headers: bearer(s.token), payload: { currentPassword: 'not-the-otp-at-all', newPassword: 'a-brand-new-passphrase' } });
    expect(errorOf(wrongCurrent)).toMatchObject({ status: 401, code: 'RTLS_ERR_INVALID_CREDENTIALS' });
    const changed = await api.app.inject({ method: 'POST', url: '/api/auth/password', headers: bearer(s.token), payload: { currentPassword: oneTimePassword, newPassword: 'a-brand-new-passphrase' } });
    expect(changed.statusCode).toBe(204);
    // The same session carries on, now with full rights.
    expect((await api.app.inject({ url: '/api/floors', headers: bearer(s.token) })).statusCode).toBe(200);
    expect((await login('newcomer', 'a-brand-new-passphrase', '10.7.0.3')).statusCode).toBe(200);
  });

  it('a password change ends the user\'s other sessions; a role change ends all of them', async () => {
    await api.t.opened.access.deps.users.create({ username: 'mover', displayName: 'Mover', role: 'biomed', units: [], password: TEST_USER_PASSWORD });
    const a = LoginResponseSchema.parse((await login('mover', TEST_USER_PASSWORD, '10.8.0.1')).json());
    const b = LoginResponseSchema.parse((await login('mover', TEST_USER_PASSWORD, '10.8.0.1')).json());
    const changed = await api.app.inject({ method: 'POST', url: '/api/auth/password', headers: bearer(a.token), payload: { currentPassword: TEST_USER_PASSWORD, newPassword: 'moved-on-passphrase' } });
    expect(changed.statusCode).toBe(204);
    expect(errorOf(await api.app.inject({ url: '/api/floors', headers: bearer(b.token) }))).toMatchObject({ status: 401 });
    expect((await api.app.inject({ url: '/api/floors', headers: bearer(a.token) })).statusCode).toBe(200);
    const role = await api.app.inject({ method: 'PATCH', url: '/api/users/mover', headers: api.t.as('admin'), payload: { role: 'materials' } });
    expect(role.statusCode).toBe(200);
    expect(errorOf(await api.app.inject({ url: '/api/floors', headers: bearer(a.token) }))).toMatchObject({ status: 401, code: 'RTLS_ERR_SESSION_EXPIRED' });
  });

  it('the current-password check of a password change is limited like a login (a stolen token is no password oracle)', async () => {
    await api.t.opened.access.deps.users.create({ username: 'guessed', displayName: 'Guessed', role: 'biomed', units: [], password: TEST_USER_PASSWORD });
    const s = LoginResponseSchema.parse((await login('guessed', TEST_USER_PASSWORD, '10.9.0.1')).json());
    const change = (currentPassword: string) => api.app.inject({
      method: 'POST', url: '/api/auth/password', headers: bearer(s.token), remoteAddress: '10.9.0.2',
      payload: { currentPassword, newPassword: 'the-attackers-passphrase' },
    });
    for (let i = 0; i < MAX_FAILURES; i++) expect(errorOf(await change(`guess-number-${i}`))).toMatchObject({ status: 401, code: 'RTLS_ERR_INVALID_CREDENTIALS' });
    const locked = await change(TEST_USER_PASSWORD);
    expect(errorOf(locked)).toMatchObject({ status: 429, code: 'RTLS_ERR_RATE_LIMITED' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // The password did not change, and the account name is locked for logins too.
    expect((await login('guessed', TEST_USER_PASSWORD, '10.9.0.3')).statusCode).toBe(429);
    expect(api.t.opened.access.deps.alarms.list(100).some((a) => a.kind === 'login-lockout' && a.actor === 'guessed')).toBe(true);
    api.clock.now += LOCK_MIN * 60_000;
    try {
      expect((await login('guessed', TEST_USER_PASSWORD, '10.9.0.3')).statusCode).toBe(200);
    } finally {
      api.clock.now -= LOCK_MIN * 60_000;
    }
  });

  it('an admin cannot disable themselves or drop their own admin role', async () => {
    for (const payload of [{ disabled: true }, { role: 'biomed' }]) {
      const r = await api.app.inject({ method: 'PATCH', url: '/api/users/admin', headers: api.t.as('admin'), payload });
      expect(errorOf(r)).toMatchObject({ status: 409, code: 'RTLS_ERR_CONFLICT' });
    }
  });
});
