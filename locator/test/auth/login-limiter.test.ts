/**
 * LoginLimiter (issue #6 item 5): per-account lock counted by the name typed (whether or not such a user exists),
 * per-address rate, and the Retry-After each refusal carries — on an injected clock.
 */
import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/auth/login-limiter.ts';

const OPTS = { maxFailures: 3, windowMs: 10 * 60_000, lockMs: 5 * 60_000, maxPerAddressPerMin: 1000 };

function setup(over: Partial<typeof OPTS> & { maxEntries?: number } = {}) {
  const clock = { now: 5_000_000 };
  return { clock, limiter: new LoginLimiter({ ...OPTS, ...over }, () => clock.now) };
}

describe('LoginLimiter: per account', () => {
  it('maxFailures failures within the window lock the name for lockMs; Retry-After counts down to the lock end', () => {
    const { clock, limiter } = setup();
    for (let i = 1; i <= OPTS.maxFailures; i++) {
      expect(limiter.attempt('alice', '10.0.0.1')).toEqual({ allowed: true });
      expect(limiter.failure('alice')).toBe(i === OPTS.maxFailures);
      clock.now += 1000;
    }
    const lockedAt = clock.now - 1000;
    const v = limiter.attempt('alice', '10.0.0.2');
    expect(v).toEqual({ allowed: false, reason: 'account-locked', retryAfterS: Math.ceil((lockedAt + OPTS.lockMs - clock.now) / 1000) });
    clock.now = lockedAt + OPTS.lockMs - 1500;
    expect(limiter.attempt('alice', '10.0.0.3')).toEqual({ allowed: false, reason: 'account-locked', retryAfterS: 2 });
    clock.now = lockedAt + OPTS.lockMs - 1;
    expect(limiter.attempt('alice', '10.0.0.3')).toEqual({ allowed: false, reason: 'account-locked', retryAfterS: 1 });
    clock.now = lockedAt + OPTS.lockMs;
    expect(limiter.attempt('alice', '10.0.0.3')).toEqual({ allowed: true });
    // The lock reset the count: one more failure does not lock again.
    expect(limiter.failure('alice')).toBe(false);
  });

  it('the lock is by the name typed, case-insensitive, for names that exist or not alike, and only that name', () => {
    const { limiter } = setup();
    for (const name of ['Nobody-Here', 'nobody-here', 'NOBODY-HERE']) {
      limiter.attempt(name, '10.0.0.1');
      limiter.failure(name);
    }
    expect(limiter.attempt('nobody-here', '10.0.0.1')).toMatchObject({ allowed: false, reason: 'account-locked' });
    expect(limiter.attempt('someone-else', '10.0.0.1')).toEqual({ allowed: true });
  });

  it('failures older than the window do not count', () => {
    const { clock, limiter } = setup();
    limiter.failure('bob');
    limiter.failure('bob');
    clock.now += OPTS.windowMs + 1;
    expect(limiter.failure('bob')).toBe(false);
    expect(limiter.failure('bob')).toBe(false);
    expect(limiter.failure('bob')).toBe(true);
  });

  it('a success clears the failures', () => {
    const { limiter } = setup();
    limiter.failure('carol');
    limiter.failure('carol');
    limiter.success('Carol');
    expect(limiter.failure('carol')).toBe(false);
    expect(limiter.failure('carol')).toBe(false);
    expect(limiter.failure('carol')).toBe(true);
  });
});

describe('LoginLimiter: attempts in flight', () => {
  it('attempts not yet settled count against the account: no more than maxFailures checks at once', () => {
    const { clock, limiter } = setup();
    for (let i = 0; i < OPTS.maxFailures; i++) expect(limiter.attempt('dave', `10.0.1.${i}`)).toEqual({ allowed: true });
    // Three checks under way: a fourth waits for their outcome, from any address.
    expect(limiter.attempt('dave', '10.0.9.9')).toEqual({ allowed: false, reason: 'account-locked', retryAfterS: 1 });
    // One succeeds: the account is clear again.
    limiter.success('dave');
    expect(limiter.attempt('dave', '10.0.9.9')).toEqual({ allowed: true });
    limiter.failure('dave');
    expect(limiter.attempt('dave', '10.0.9.9')).toEqual({ allowed: true });
    limiter.failure('dave');
    // Two failures and one check under way: full until it settles.
    expect(limiter.attempt('dave', '10.0.9.9')).toEqual({ allowed: true });
    expect(limiter.attempt('dave', '10.0.9.9')).toMatchObject({ allowed: false, reason: 'account-locked' });
    expect(limiter.failure('dave')).toBe(true);
    expect(limiter.attempt('dave', '10.0.9.9')).toEqual({ allowed: false, reason: 'account-locked', retryAfterS: OPTS.lockMs / 1000 });
    // An attempt never settled (its check threw) stops holding a place after a minute.
    expect(limiter.attempt('erin', '10.0.9.9')).toEqual({ allowed: true });
    expect(limiter.attempt('erin', '10.0.9.9')).toEqual({ allowed: true });
    expect(limiter.attempt('erin', '10.0.9.9')).toEqual({ allowed: true });
    expect(limiter.attempt('erin', '10.0.9.9').allowed).toBe(false);
    clock.now += 60_001;
    expect(limiter.attempt('erin', '10.0.9.9')).toEqual({ allowed: true });
  });
});

describe('LoginLimiter: per address', () => {
  it('at most maxPerAddressPerMin attempts a minute from one address, right or wrong, any account', () => {
    const { clock, limiter } = setup({ maxPerAddressPerMin: 4 });
    const first = clock.now;
    for (let i = 0; i < 4; i++) {
      expect(limiter.attempt(`user${i}`, '192.0.2.7')).toEqual({ allowed: true });
      clock.now += 5000;
    }
    // 20 s after the first attempt: it leaves the minute 40 s from now.
    expect(limiter.attempt('user9', '192.0.2.7')).toEqual({ allowed: false, reason: 'address-rate', retryAfterS: Math.ceil((first + 60_000 - clock.now) / 1000) });
    expect(limiter.attempt('user9', '192.0.2.8')).toEqual({ allowed: true });
    clock.now = first + 60_000;
    // The first attempt has left the minute: one more is allowed, then refused again.
    expect(limiter.attempt('user9', '192.0.2.7')).toEqual({ allowed: true });
    const v = limiter.attempt('user9', '192.0.2.7');
    expect(v).toMatchObject({ allowed: false, reason: 'address-rate' });
    expect((v as { retryAfterS: number }).retryAfterS).toBe(5);
  });

  it('a refused attempt does not itself count (the address is not locked out for longer by retrying)', () => {
    const { clock, limiter } = setup({ maxPerAddressPerMin: 2 });
    const first = clock.now;
    limiter.attempt('a', '198.51.100.1');
    limiter.attempt('b', '198.51.100.1');
    for (let i = 0; i < 50; i++) expect(limiter.attempt(`c${i}`, '198.51.100.1')).toMatchObject({ allowed: false, reason: 'address-rate' });
    clock.now = first + 60_000 + 1;
    expect(limiter.attempt('d', '198.51.100.1')).toEqual({ allowed: true });
  });

  it('remembers at most maxEntries names: the stalest are forgotten first', () => {
    const { limiter } = setup({ maxEntries: 2, maxFailures: 2 });
    limiter.failure('old');
    limiter.failure('mid');
    limiter.failure('new');
    // 'old' was forgotten: one more failure is its first again.
    expect(limiter.failure('old')).toBe(false);
    expect(limiter.failure('new')).toBe(true);
  });
});
