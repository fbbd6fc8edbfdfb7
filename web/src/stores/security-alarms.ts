import { createSignal, type Accessor } from 'solid-js';
import type { SecurityAlarm } from '@rtls/protocol';
import type { LoadState } from './floors.ts';

/** Toasts kept on screen at once; older live alarms stay in the list. */
export const MAX_TOASTS = 3;
/** Alarms kept in memory (the list page fetches the rest from the server). */
const MAX_KEPT = 500;

/**
 * Unusual-access alarms (issue #6 item 4) for security and admin: the list from GET /api/security/alarms merged with
 * the live `security-alarm` messages, and the live ones as toasts until dismissed (an alarm nobody saw is no alarm).
 */
export interface SecurityAlarmsSlice {
  /** Newest first, one entry per id. */
  list: Accessor<readonly SecurityAlarm[]>;
  state: Accessor<LoadState>;
  error: Accessor<string | null>;
  setList(alarms: readonly SecurityAlarm[]): void;
  loadFailed(message: string): void;
  /** A live alarm: into the list and, if new, onto the toasts. */
  add(alarm: SecurityAlarm): void;
  toasts: Accessor<readonly SecurityAlarm[]>;
  dismiss(id: number): void;
  /** Live alarms that arrived since the list was last looked at. */
  unseen: Accessor<number>;
  /** The list is on screen: its toasts have done their job. */
  markSeen(): void;
}

const newestFirst = (a: SecurityAlarm, b: SecurityAlarm) => b.t - a.t || b.id - a.id;

export function createSecurityAlarmsSlice(): SecurityAlarmsSlice {
  const [list, setListSignal] = createSignal<readonly SecurityAlarm[]>([]);
  const [state, setState] = createSignal<LoadState>('idle');
  const [error, setError] = createSignal<string | null>(null);
  const [toasts, setToasts] = createSignal<readonly SecurityAlarm[]>([]);
  const [unseen, setUnseen] = createSignal(0);
  const merge = (a: readonly SecurityAlarm[], b: readonly SecurityAlarm[]) => {
    const byId = new Map<number, SecurityAlarm>();
    for (const x of a) byId.set(x.id, x);
    for (const x of b) byId.set(x.id, x);
    return [...byId.values()].sort(newestFirst).slice(0, MAX_KEPT);
  };
  return {
    list,
    state,
    error,
    setList(alarms) {
      // Live alarms that arrived while the request was out are kept.
      setListSignal((cur) => merge(cur, alarms));
      setState('ready');
      setError(null);
    },
    loadFailed(message) {
      setState('error');
      setError(message);
    },
    add(alarm) {
      const known = list().some((a) => a.id === alarm.id);
      setListSignal((cur) => merge(cur, [alarm]));
      if (known) return;
      setToasts((t) => [alarm, ...t.filter((x) => x.id !== alarm.id)].slice(0, MAX_TOASTS));
      setUnseen((n) => n + 1);
    },
    toasts,
    dismiss: (id) => setToasts((t) => t.filter((x) => x.id !== id)),
    unseen,
    markSeen() {
      setUnseen(0);
      setToasts([]);
    },
  };
}
