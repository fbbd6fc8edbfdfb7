/**
 * Login sessions (issue #6 item 1): opaque random bearer tokens, held in memory by their SHA-256 (a heap dump or a
 * debug log of the map shows no usable token). A session ends when unused for `idleMs`, `maxMs` after login,
 * on logout, or when the user's session epoch moves on (password change, role change, disabled) — checked by the
 * caller against the stored user on every request.
 *
 * In memory on purpose: a restart logs everyone out, which is the safe failure; a second locator would need a
 * shared store (DESIGN.md §8) — this one assumes it is alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '@rtls/protocol';

export interface Session {
  readonly id: string;
  readonly username: string;
  epoch: number;
  readonly createdAt: number;
  lastUsedAt: number;
  breakGlass: { until: number; reason: string } | null;
}

export type SessionLookup = { session: Session } | { expired: true } | null;

export interface SessionTimes {
  idleExpiresAt: number;
  expiresAt: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** 32 random bytes: 256 bits, base64url (43 chars, safe in a header and a WebSocket subprotocol). */
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export class SessionStore {
  readonly #byId = new Map<string, Session>();
  readonly #idleMs: number;
  readonly #maxMs: number;
  readonly #clock: Clock;

  constructor(opts: { idleMs: number; maxMs: number; clock: Clock }) {
    this.#idleMs = opts.idleMs;
    this.#maxMs = opts.maxMs;
    this.#clock = opts.clock;
  }

  create(username: string, epoch: number): { token: string; session: Session } {
    const token = randomBytes(32).toString('base64url');
    const now = this.#clock();
    const session: Session = { id: sha256(token), username, epoch, createdAt: now, lastUsedAt: now, breakGlass: null };
    this.#byId.set(session.id, session);
    return { token, session };
  }

  /** The live session for a token (not touched), `expired`, or null for a token that never was one. */
  lookup(token: string): SessionLookup {
    if (!TOKEN_RE.test(token)) return null;
    const id = sha256(token);
    const s = this.#byId.get(id);
    if (!s) return null;
    if (this.#expired(s, this.#clock())) {
      this.#byId.delete(id);
      return { expired: true };
    }
    return { session: s };
  }

  /** Is this session still current (for long-lived connections: the live WebSocket re-checks on a timer)? */
  alive(session: Session): boolean {
    const s = this.#byId.get(session.id);
    if (!s) return false;
    if (this.#expired(s, this.#clock())) {
      this.#byId.delete(s.id);
      return false;
    }
    return true;
  }

  touch(session: Session): void {
    session.lastUsedAt = this.#clock();
  }

  times(session: Session): SessionTimes {
    return { idleExpiresAt: Math.min(session.lastUsedAt + this.#idleMs, this.expiresAt(session)), expiresAt: this.expiresAt(session) };
  }

  expiresAt(session: Session): number {
    return session.createdAt + this.#maxMs;
  }

  end(session: Session): void {
    this.#byId.delete(session.id);
  }

  /** After the user's own password change: this session continues under the new epoch, every other one ends. */
  rebind(session: Session, epoch: number): void {
    for (const s of this.#byId.values()) if (s.username === session.username && s.id !== session.id) this.#byId.delete(s.id);
    session.epoch = epoch;
  }

  /** Ends every session of a user (disabled, password reset); returns how many. */
  endUser(username: string): number {
    let n = 0;
    for (const s of this.#byId.values()) {
      if (s.username === username) {
        this.#byId.delete(s.id);
        n++;
      }
    }
    return n;
  }

  /** Drops expired sessions (memory); returns how many. */
  sweep(): number {
    const now = this.#clock();
    let n = 0;
    for (const s of this.#byId.values()) {
      if (this.#expired(s, now)) {
        this.#byId.delete(s.id);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.#byId.size;
  }

  #expired(s: Session, now: number): boolean {
    return now >= s.lastUsedAt + this.#idleMs || now >= s.createdAt + this.#maxMs;
  }
}
