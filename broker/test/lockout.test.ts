import { describe, expect, it } from 'vitest';
import { ConnectLockout, addressKey, type LockoutPolicy } from '../src/lockout.ts';

const T0 = 1_760_000_000_000;
const policy: LockoutPolicy = { usernameFailures: 3, addressFailures: 5, windowMs: 60_000, lockoutMs: 300_000 };

function lockout(p: LockoutPolicy = policy) {
  const clock = { now: T0 };
  return { clock, l: new ConnectLockout(p, () => clock.now) };
}

describe('ConnectLockout', () => {
  it('locks a username at the threshold within the window, until the lock time has passed', () => {
    const { clock, l } = lockout();
    expect(l.recordFailure('gw-a', '10.0.0.1')).toEqual({ username: false, address: false });
    clock.now += 10_000;
    l.recordFailure('gw-a', '10.0.0.2');
    expect(l.check('gw-a', '10.0.0.9')).toEqual({ locked: false });
    clock.now += 10_000;
    expect(l.recordFailure('gw-a', '10.0.0.3')).toEqual({ username: true, address: false });
    const until = clock.now + 300_000;
    expect(l.check('gw-a', '10.0.0.9')).toEqual({ locked: true, by: 'username', until });
    expect(l.check('gw-b', '10.0.0.9')).toEqual({ locked: false });
    clock.now = until - 1;
    expect(l.check('gw-a', undefined).locked).toBe(true);
    clock.now = until;
    expect(l.check('gw-a', undefined).locked).toBe(false);
    // Counting starts afresh after a lock: one more failure does not lock again.
    l.recordFailure('gw-a', undefined);
    expect(l.check('gw-a', undefined).locked).toBe(false);
  });

  it('counts in a sliding window: failures further apart than the window never lock', () => {
    const { clock, l } = lockout();
    for (let i = 0; i < 10; i++) {
      l.recordFailure('gw-a', undefined);
      clock.now += 30_001; // the failure two steps back is always out of the 60 s window
    }
    expect(l.check('gw-a', undefined).locked).toBe(false);
    // Three within 60 s do.
    l.recordFailure('gw-a', undefined);
    clock.now += 29_000;
    l.recordFailure('gw-a', undefined);
    clock.now += 29_000;
    l.recordFailure('gw-a', undefined);
    expect(l.check('gw-a', undefined).locked).toBe(true);
  });

  it('resets a username on success but not its address (other clients behind a NAT)', () => {
    const { l } = lockout();
    l.recordFailure('gw-a', '10.0.0.1');
    l.recordFailure('gw-a', '10.0.0.1');
    l.recordSuccess('gw-a');
    l.recordFailure('gw-a', '10.0.0.1');
    l.recordFailure('gw-a', '10.0.0.1');
    expect(l.check('gw-a', undefined).locked).toBe(false);
    // Address: 4 failures so far, the 5th locks it for every username.
    expect(l.recordFailure('nobody', '10.0.0.1')).toEqual({ username: false, address: true });
    expect(l.check('gw-b', '10.0.0.1')).toMatchObject({ locked: true, by: 'address' });
    expect(l.check('gw-b', '10.0.0.2').locked).toBe(false);
    expect(l.check(undefined, '10.0.0.1').locked).toBe(true);
  });

  it('treats an IPv4 address seen on a dual-stack socket as the same address', () => {
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('FE80::1')).toBe('fe80::1');
    const { l } = lockout({ ...policy, addressFailures: 2 });
    l.recordFailure('x', '::ffff:10.1.2.3');
    l.recordFailure('y', '10.1.2.3');
    expect(l.check('z', '::ffff:10.1.2.3').locked).toBe(true);
  });

  it('bounds the table an attacker fills with made-up usernames, keeping recent entries', () => {
    const { clock, l } = lockout({ ...policy, maxTrackedKeys: 100 });
    for (let i = 0; i < 1000; i++) {
      l.recordFailure(`user-${i}`, undefined);
      clock.now += 1;
    }
    expect(l.snapshot().tracked).toBeLessThanOrEqual(100);
    // The most recent username still counts toward its lock.
    l.recordFailure('user-999', undefined);
    l.recordFailure('user-999', undefined);
    expect(l.check('user-999', undefined).locked).toBe(true);
    // A 64 kB username is tracked (by its hash), and a different long one separately.
    const long = 'u'.repeat(65_000);
    for (let i = 0; i < 3; i++) l.recordFailure(long, undefined);
    expect(l.check(long, undefined).locked).toBe(true);
    expect(l.check(`${long}x`, undefined).locked).toBe(false);
  });
});
