/**
 * Login abuse limits (issue #6 item 5), pure with an injected clock:
 * - per account: `maxFailures` failed attempts within `windowMs` lock the account name for `lockMs` — counted by
 *   the name typed, whether or not such a user exists, so a lock never tells an attacker which names are real;
 * - per source address: at most `maxPerAddressPerMin` attempts a minute, right or wrong (password spraying across
 *   many accounts from one machine).
 * Memory is bounded: at most `maxEntries` names and addresses are tracked; the stalest are forgotten first.
 *
 * Attempts in flight count against the account: a password check takes a scrypt's time, and without this, guesses
 * sent at once (from many addresses) would all pass `attempt` before the first `failure` locks the name. Each allowed
 * attempt must be settled by `failure` or `success`; one never settled stops counting after IN_FLIGHT_MAX_MS.
 */
import type { Clock } from '@rtls/protocol';

export interface LoginLimiterOptions {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
  maxPerAddressPerMin: number;
  maxEntries?: number;
}

export type LoginVerdict = { allowed: true } | { allowed: false; retryAfterS: number; reason: 'account-locked' | 'address-rate' };

const MINUTE_MS = 60_000;
/** An attempt not settled within this long (a check that threw) no longer holds a place, ms. */
const IN_FLIGHT_MAX_MS = 60_000;

interface AccountState {
  /** Failure times (oldest first). */
  failures: number[];
  lockedUntil: number;
  /** Start times of allowed attempts not yet settled by failure() or success(). */
  inFlight: number[];
}

export class LoginLimiter {
  readonly #o: Required<LoginLimiterOptions>;
  readonly #clock: Clock;
  /** Failure times per account name (oldest first) and the lock end. */
  readonly #accounts = new Map<string, AccountState>();
  /** Attempt times per address within the last minute. */
  readonly #addresses = new Map<string, number[]>();

  constructor(opts: LoginLimiterOptions, clock: Clock) {
    this.#o = { maxEntries: 100_000, ...opts };
    this.#clock = clock;
  }

  /** Call before checking the password; counts the attempt against the address. */
  attempt(username: string, address: string): LoginVerdict {
    const now = this.#clock();
    const key = username.toLowerCase();
    const a = this.#accounts.get(key);
    if (a && a.lockedUntil > now) return { allowed: false, retryAfterS: Math.ceil((a.lockedUntil - now) / 1000), reason: 'account-locked' };
    if (a) {
      a.failures = a.failures.filter((t) => t > now - this.#o.windowMs);
      a.inFlight = a.inFlight.filter((t) => t > now - IN_FLIGHT_MAX_MS);
      // Enough checks under way to lock the name if they all fail: wait for their outcome (a second or so).
      if (a.failures.length + a.inFlight.length >= this.#o.maxFailures) return { allowed: false, retryAfterS: 1, reason: 'account-locked' };
    }
    const times = (this.#addresses.get(address) ?? []).filter((t) => t > now - MINUTE_MS);
    if (times.length >= this.#o.maxPerAddressPerMin) {
      this.#addresses.set(address, times);
      return { allowed: false, retryAfterS: Math.max(1, Math.ceil((times[0]! + MINUTE_MS - now) / 1000)), reason: 'address-rate' };
    }
    times.push(now);
    this.#remember(this.#addresses, address, times);
    const acc = a ?? { failures: [], lockedUntil: 0, inFlight: [] };
    acc.inFlight.push(now);
    this.#remember(this.#accounts, key, acc);
    return { allowed: true };
  }

  /** A failed attempt; returns true when it just locked the account. */
  failure(username: string): boolean {
    const now = this.#clock();
    const key = username.toLowerCase();
    const a = this.#accounts.get(key) ?? { failures: [], lockedUntil: 0, inFlight: [] };
    a.inFlight.shift(); // this attempt is settled
    a.failures = a.failures.filter((t) => t > now - this.#o.windowMs);
    a.failures.push(now);
    let locked = false;
    if (a.failures.length >= this.#o.maxFailures) {
      a.lockedUntil = now + this.#o.lockMs;
      a.failures = [];
      locked = true;
    }
    this.#remember(this.#accounts, key, a);
    return locked;
  }

  success(username: string): void {
    this.#accounts.delete(username.toLowerCase());
  }

  #remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key); // re-insert: Map order is then least recently touched first
    map.set(key, value);
    while (map.size > this.#o.maxEntries) map.delete(map.keys().next().value!);
  }
}
