/**
 * SessionStore (issue #6 item 1): idle expiry, absolute expiry, logout, password-change rebind and end-of-user, all on
 * an injected clock.
 */
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/auth/sessions.ts';

const IDLE = 15 * 60_000;
const MAX = 12 * 3_600_000;

function setup() {
  const clock = { now: 1_000_000 };
  const store = new SessionStore({ idleMs: IDLE, maxMs: MAX, clock: () => clock.now });
  return { clock, store };
}

describe('SessionStore', () => {
  it('issues opaque 43-char base64url tokens and keeps only their hash', () => {
    const { store } = setup();
    const a = store.create('alice', 1);
    const b = store.create('alice', 1);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    // The session id is the SHA-256 of the token, never the token itself.
    expect(a.session.id).toMatch(/^[0-9a-f]{64}$/);
    expect(a.session.id).not.toContain(a.token);
    expect(JSON.stringify(a.session)).not.toContain(a.token);
    expect(store.lookup(a.token)).toEqual({ session: a.session });
  });

  it('a token that never was one, or is malformed, looks up as null', () => {
    const { store } = setup();
    const { token } = store.create('alice', 1);
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    expect(store.lookup(flipped)).toBeNull();
    expect(store.lookup(token.slice(0, 42))).toBeNull();
    expect(store.lookup(`${token}=`)).toBeNull();
    expect(store.lookup('')).toBeNull();
  });

  it('idle expiry: unused for idleMs ends the session; touching moves the deadline', () => {
    const { clock, store } = setup();
    const { token, session } = store.create('alice', 1);
    expect(store.times(session).idleExpiresAt).toBe(clock.now + IDLE);
    clock.now += IDLE - 1;
    expect(store.lookup(token)).toEqual({ session });
    store.touch(session);
    expect(store.times(session).idleExpiresAt).toBe(clock.now + IDLE);
    clock.now += IDLE - 1;
    expect(store.alive(session)).toBe(true);
    clock.now += 1;
    expect(store.lookup(token)).toEqual({ expired: true });
    // Expired once, then gone: the same token is now simply unknown.
    expect(store.lookup(token)).toBeNull();
    expect(store.alive(session)).toBe(false);
  });

  it('absolute expiry: maxMs after login the session ends however busy it is', () => {
    const { clock, store } = setup();
    const { token, session } = store.create('alice', 1);
    const end = clock.now + MAX;
    expect(store.times(session).expiresAt).toBe(end);
    while (clock.now + IDLE / 2 < end) {
      clock.now += IDLE / 2;
      expect(store.lookup(token)).toEqual({ session });
      store.touch(session);
    }
    // The idle deadline never runs past the absolute one.
    expect(store.times(session).idleExpiresAt).toBe(end);
    clock.now = end;
    expect(store.lookup(token)).toEqual({ expired: true });
  });

  it('end (logout) stops the token at once; sweep drops only expired sessions', () => {
    const { clock, store } = setup();
    const a = store.create('alice', 1);
    const b = store.create('bob', 1);
    store.end(a.session);
    expect(store.lookup(a.token)).toBeNull();
    expect(store.alive(a.session)).toBe(false);
    clock.now += IDLE / 2;
    const c = store.create('carol', 1);
    clock.now += IDLE / 2;
    expect(store.sweep()).toBe(1); // bob idled out; carol has half her idle time left
    expect(store.size).toBe(1);
    expect(store.lookup(c.token)).toEqual({ session: c.session });
    expect(store.lookup(b.token)).toBeNull();
  });

  it('rebind: after a password change this session carries on under the new epoch, the user\'s others end', () => {
    const { store } = setup();
    const mine = store.create('alice', 1);
    const other = store.create('alice', 1);
    const bob = store.create('bob', 1);
    store.rebind(mine.session, 2);
    expect(mine.session.epoch).toBe(2);
    expect(store.lookup(mine.token)).toEqual({ session: mine.session });
    expect(store.lookup(other.token)).toBeNull();
    expect(store.lookup(bob.token)).toEqual({ session: bob.session });
  });

  it('endUser ends every session of that user and only theirs', () => {
    const { store } = setup();
    const a1 = store.create('alice', 1);
    const a2 = store.create('alice', 1);
    const bob = store.create('bob', 1);
    expect(store.endUser('alice')).toBe(2);
    expect(store.lookup(a1.token)).toBeNull();
    expect(store.lookup(a2.token)).toBeNull();
    expect(store.lookup(bob.token)).toEqual({ session: bob.session });
    expect(store.endUser('alice')).toBe(0);
  });
});
