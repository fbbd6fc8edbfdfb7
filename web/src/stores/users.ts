import { createSignal, type Accessor } from 'solid-js';
import type { User } from '@rtls/protocol';
import type { LoadState } from './floors.ts';

/** A one-time password just made (new user or reset): shown once, then forgotten (issue #6 item 1). */
export interface OneTimePassword {
  username: string;
  password: string;
  reason: 'created' | 'reset';
}

/** The admin's user list (users:manage). */
export interface UsersSlice {
  list: Accessor<readonly User[]>;
  state: Accessor<LoadState>;
  error: Accessor<string | null>;
  setList(users: readonly User[]): void;
  loadFailed(message: string): void;
  /** A created or changed user replaces its row (or is added, sorted by username). */
  upsert(user: User): void;
  oneTimePassword: Accessor<OneTimePassword | null>;
  showOneTimePassword(p: OneTimePassword | null): void;
}

const byUsername = (a: User, b: User) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0);

export function createUsersSlice(): UsersSlice {
  const [list, setListSignal] = createSignal<readonly User[]>([]);
  const [state, setState] = createSignal<LoadState>('idle');
  const [error, setError] = createSignal<string | null>(null);
  const [otp, setOtp] = createSignal<OneTimePassword | null>(null);
  return {
    list,
    state,
    error,
    setList(users) {
      setListSignal([...users].sort(byUsername));
      setState('ready');
      setError(null);
    },
    loadFailed(message) {
      setState('error');
      setError(message);
    },
    upsert(user) {
      setListSignal((cur) => [...cur.filter((u) => u.username !== user.username), user].sort(byUsername));
    },
    oneTimePassword: otp,
    showOneTimePassword: (p) => setOtp(p),
  };
}

/** "icu, maternity" / "icu maternity" → ['icu', 'maternity']: what the admin types into the units field. */
export function parseUnits(s: string): string[] {
  return [...new Set(s.split(/[\s,;]+/).map((u) => u.trim().toLowerCase()).filter((u) => u !== ''))];
}
