/**
 * Lockout of repeated failed MQTT logins (issue #6 item 6: "repeated failed logins locked out for a while").
 *
 * Failures are counted per username and per peer address in a sliding window; reaching the threshold locks that
 * username or address for `lockoutMs`. While locked, the broker refuses CONNECT before calling the authenticator,
 * so a password-guessing client costs no scrypt work. Two keys because they stop different attacks: the username
 * count stops a distributed guess at one gateway's password, the address count stops one host spraying many
 * usernames. The address threshold is higher because many gateways may share one address behind a NAT.
 *
 * Pure: time comes from the injected clock; no timers (state is evaluated when asked).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '@rtls/protocol';

export interface LockoutPolicy {
  /** Failures of one username within the window that lock it. */
  usernameFailures: number;
  /** Failures from one peer address within the window that lock it. */
  addressFailures: number;
  windowMs: number;
  lockoutMs: number;
  /**
   * Most usernames (and, separately, addresses) tracked at once. Usernames come from the attacker, so the table is
   * bounded: expired entries go first, then the least recently failed. 100,000 entries are a few MB.
   */
  maxTrackedKeys?: number;
}

export type LockoutCheck = { locked: false } | { locked: true; by: 'username' | 'address'; until: number };

interface Entry {
  /** Failure times inside the window, oldest first; never more than the threshold. */
  failures: number[];
  /** Locked while the clock is before this (0 = not locked). */
  lockedUntil: number;
}

/** One keyspace (usernames or addresses) with its own threshold. */
class FailureWindow {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
    private readonly lockoutMs: number,
    private readonly maxKeys: number,
  ) {}

  lockedUntil(key: string, now: number): number | null {
    const e = this.entries.get(key);
    return e && e.lockedUntil > now ? e.lockedUntil : null;
  }

  /** Records a failure; true if it locked the key. */
  fail(key: string, now: number): boolean {
    let e = this.entries.get(key);
    if (e) {
      // Re-insert so Map order is least-recently-failed first (the eviction order).
      this.entries.delete(key);
    } else {
      e = { failures: [], lockedUntil: 0 };
    }
    this.entries.set(key, e);
    const from = now - this.windowMs;
    e.failures = e.failures.filter((t) => t > from);
    e.failures.push(now);
    let locked = false;
    if (e.failures.length >= this.threshold) {
      e.lockedUntil = now + this.lockoutMs;
      // Counting starts afresh when the lock ends, so one more failure then does not lock again at once.
      e.failures = [];
      locked = true;
    }
    if (this.entries.size > this.maxKeys) this.shrink(now);
    return locked;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  locked(now: number): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.lockedUntil > now) n++;
    return n;
  }

  private shrink(now: number): void {
    const from = now - this.windowMs;
    for (const [key, e] of this.entries) {
      if (e.lockedUntil <= now && (e.failures.at(-1) ?? -Infinity) <= from) this.entries.delete(key);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxKeys) break;
      this.entries.delete(key);
    }
  }
}

/**
 * A username as a table key. MQTT allows 64 kB usernames; anything longer than a real one is keyed by its hash so
 * an attacker cannot fill memory through the table.
 */
function usernameKey(username: string): string {
  return username.length <= 256 ? username : `sha256:${createHash('sha256').update(username).digest('hex')}`;
}

/** A peer address as a table key: an IPv4 client seen on a dual-stack socket (`::ffff:10.0.0.7`) is `10.0.0.7`. */
export function addressKey(remoteAddress: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  return (m ? m[1]! : remoteAddress).toLowerCase();
}

export class ConnectLockout {
  private readonly usernames: FailureWindow;
  private readonly addresses: FailureWindow;

  constructor(
    policy: LockoutPolicy,
    private readonly clock: Clock,
  ) {
    const maxKeys = policy.maxTrackedKeys ?? 100_000;
    this.usernames = new FailureWindow(policy.usernameFailures, policy.windowMs, policy.lockoutMs, maxKeys);
    this.addresses = new FailureWindow(policy.addressFailures, policy.windowMs, policy.lockoutMs, maxKeys);
  }

  /** Is a CONNECT with this username (if any) from this address (if known) locked out now? */
  check(username: string | undefined, address: string | undefined): LockoutCheck {
    const now = this.clock();
    if (username !== undefined) {
      const until = this.usernames.lockedUntil(usernameKey(username), now);
      if (until !== null) return { locked: true, by: 'username', until };
    }
    if (address !== undefined) {
      const until = this.addresses.lockedUntil(addressKey(address), now);
      if (until !== null) return { locked: true, by: 'address', until };
    }
    return { locked: false };
  }

  /** Records a CONNECT refused for wrong credentials; says which keys this failure locked. */
  recordFailure(username: string | undefined, address: string | undefined): { username: boolean; address: boolean } {
    const now = this.clock();
    return {
      username: username !== undefined && this.usernames.fail(usernameKey(username), now),
      address: address !== undefined && this.addresses.fail(addressKey(address), now),
    };
  }

  /**
   * Records a CONNECT whose credentials were right: that username's count starts again. The address count is kept,
   * since other clients behind the same address (a NAT) succeeding says nothing about the one that keeps failing.
   */
  recordSuccess(username: string): void {
    this.usernames.reset(usernameKey(username));
  }

  /** Keys tracked and currently locked, for diagnostics. */
  snapshot(): { usernamesLocked: number; addressesLocked: number; tracked: number } {
    const now = this.clock();
    return {
      usernamesLocked: this.usernames.locked(now),
      addressesLocked: this.addresses.locked(now),
      tracked: this.usernames.size + this.addresses.size,
    };
  }
}
