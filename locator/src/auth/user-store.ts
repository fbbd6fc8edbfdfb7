/**
 * People who log in (issue #6 item 1), in the registry database (DESIGN.md §6) on a connection of their own.
 * Passwords are stored only as scrypt hashes (protocol/node secrets, 'password' strength: N=2^17). A user is never
 * deleted — the audit log names them — only disabled.
 */
import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { RtlsError, type Clock, type Role, type User } from '@rtls/protocol';
import { generateSecret, hashSecret } from '@rtls/protocol/node';
import { REGISTRY_DB_FILE } from '../registry/sqlite-registry.ts';

export interface StoredUser extends User {
  passwordHash: string;
  /** Bumped on every password change, disable or role change: sessions issued under an older one end. */
  sessionEpoch: number;
}

export interface NewUser {
  username: string;
  displayName: string;
  role: Role;
  units: readonly string[];
  /** null: generate a one-time password (returned once) that must be changed at first login. */
  password: string | null;
}

export interface UserStore {
  get(username: string): StoredUser | undefined;
  list(): User[];
  count(): number;
  create(u: NewUser): Promise<{ user: User; oneTimePassword: string | null }>;
  update(username: string, patch: { displayName?: string; role?: Role; units?: readonly string[]; disabled?: boolean }): User;
  /** Sets a password; `oneTime` marks it as one the user must change. Ends the user's other sessions (epoch bump). */
  setPassword(username: string, password: string, oneTime: boolean): Promise<User>;
  /** Resets to a fresh one-time password (admin). */
  resetPassword(username: string): Promise<{ user: User; oneTimePassword: string }>;
  recordLogin(username: string): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  username        TEXT PRIMARY KEY,
  display_name    TEXT NOT NULL,
  role            TEXT NOT NULL,
  units           TEXT NOT NULL,            -- JSON array of unit ids
  password_hash   TEXT NOT NULL,
  must_change     INTEGER NOT NULL DEFAULT 0,
  disabled        INTEGER NOT NULL DEFAULT 0,
  session_epoch   INTEGER NOT NULL DEFAULT 1,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  last_login_at   INTEGER
);
`;

interface Row {
  username: string;
  display_name: string;
  role: Role;
  units: string;
  password_hash: string;
  must_change: number;
  disabled: number;
  session_epoch: number;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

function toStored(r: Row): StoredUser {
  return {
    username: r.username, displayName: r.display_name, role: r.role, units: JSON.parse(r.units) as string[],
    disabled: r.disabled === 1, mustChangePassword: r.must_change === 1, createdAt: r.created_at, updatedAt: r.updated_at,
    lastLoginAt: r.last_login_at, passwordHash: r.password_hash, sessionEpoch: r.session_epoch,
  };
}

export function publicUser(u: StoredUser): User {
  return {
    username: u.username, displayName: u.displayName, role: u.role, units: u.units, disabled: u.disabled,
    mustChangePassword: u.mustChangePassword, createdAt: u.createdAt, updatedAt: u.updatedAt, lastLoginAt: u.lastLoginAt,
  };
}

/** One-time passwords: 18 random bytes (24 base64url chars), comfortably over the 12-character minimum. */
const oneTimePassword = () => generateSecret(18);

export function openUserStore(dataDir: string, clock: Clock): UserStore {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, REGISTRY_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const q = {
    get: db.prepare<[string], Row>('SELECT * FROM users WHERE username = ?'),
    all: db.prepare<[], Row>('SELECT * FROM users ORDER BY username'),
    count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users'),
    insert: db.prepare(`INSERT INTO users (username, display_name, role, units, password_hash, must_change, created_at, updated_at)
      VALUES (@username, @displayName, @role, @units, @hash, @mustChange, @now, @now)`),
    setPassword: db.prepare(`UPDATE users SET password_hash = @hash, must_change = @mustChange, session_epoch = session_epoch + 1,
      updated_at = @now WHERE username = @username`),
    login: db.prepare('UPDATE users SET last_login_at = ? WHERE username = ?'),
  };

  const must = (username: string): StoredUser => {
    const r = q.get.get(username);
    if (!r) throw new RtlsError('RTLS_ERR_USER_NOT_FOUND', `User not found: ${username.slice(0, 64)}`);
    return toStored(r);
  };

  return {
    get: (username) => {
      const r = q.get.get(username);
      return r ? toStored(r) : undefined;
    },
    list: () => q.all.all().map((r) => publicUser(toStored(r))),
    count: () => q.count.get()!.n,
    async create(u) {
      if (q.get.get(u.username)) throw new RtlsError('RTLS_ERR_CONFLICT', `User ${u.username} exists`);
      const otp = u.password === null ? oneTimePassword() : null;
      const hash = await hashSecret(u.password ?? otp!, 'password');
      try {
        q.insert.run({
          username: u.username, displayName: u.displayName, role: u.role, units: JSON.stringify([...new Set(u.units)].sort()),
          hash, mustChange: otp ? 1 : 0, now: clock(),
        });
      } catch (err) {
        // Two admins creating the same name at once: the primary key decides.
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new RtlsError('RTLS_ERR_CONFLICT', `User ${u.username} exists`);
        throw err;
      }
      return { user: publicUser(must(u.username)), oneTimePassword: otp };
    },
    update(username, patch) {
      const cur = must(username);
      const next = {
        displayName: patch.displayName ?? cur.displayName,
        role: patch.role ?? cur.role,
        units: patch.units ? [...new Set(patch.units)].sort() : cur.units,
        disabled: patch.disabled ?? cur.disabled,
      };
      // A change of what the user may see ends their sessions: the next request logs in under the new rights.
      const bump = next.role !== cur.role || next.disabled !== cur.disabled || JSON.stringify(next.units) !== JSON.stringify(cur.units);
      db.prepare(`UPDATE users SET display_name = ?, role = ?, units = ?, disabled = ?, session_epoch = session_epoch + ?, updated_at = ?
        WHERE username = ?`).run(next.displayName, next.role, JSON.stringify(next.units), next.disabled ? 1 : 0, bump ? 1 : 0, clock(), username);
      return publicUser(must(username));
    },
    async setPassword(username, password, oneTime) {
      must(username);
      q.setPassword.run({ hash: await hashSecret(password, 'password'), mustChange: oneTime ? 1 : 0, now: clock(), username });
      return publicUser(must(username));
    },
    async resetPassword(username) {
      const otp = oneTimePassword();
      const user = await this.setPassword(username, otp, true);
      return { user, oneTimePassword: otp };
    },
    recordLogin(username) {
      q.login.run(clock(), username);
    },
    close: () => db.close(),
  };
}
