import { createSignal, type Accessor } from 'solid-js';

/** `refused`: the server closed the feed for this role (4403); it is not retried. */
export type ConnectionState = 'connecting' | 'live' | 'disconnected' | 'refused';

export interface ConnectionStatus {
  state: ConnectionState;
  /** When the current state began (epoch ms). For 'disconnected': when the feed was lost, kept across retries. */
  since: number;
  /** Reconnect attempts since the feed was last live. */
  attempts: number;
  /** When the next reconnect attempt is due (epoch ms), while disconnected. */
  nextRetryAt: number | null;
}

export interface ConnectionSlice {
  status: Accessor<ConnectionStatus>;
  /** Messages rejected (not JSON or not a LiveServerMessage), by reason; never applied to the stores. */
  bad: Accessor<Readonly<Record<string, number>>>;
  received: () => number;
  lastError: Accessor<{ code: string; message: string } | null>;
  connecting(now: number): void;
  live(now: number): void;
  disconnected(now: number, nextRetryAt: number): void;
  refused(now: number): void;
  countBad(reason: string): void;
  countReceived(): void;
  setServerError(err: { code: string; message: string }): void;
  badTotal(): number;
}

export function createConnectionSlice(now: number): ConnectionSlice {
  const [status, setStatus] = createSignal<ConnectionStatus>({ state: 'connecting', since: now, attempts: 0, nextRetryAt: null });
  const [bad, setBad] = createSignal<Readonly<Record<string, number>>>({});
  const [lastError, setLastError] = createSignal<{ code: string; message: string } | null>(null);
  let received = 0;
  return {
    status,
    bad,
    received: () => received,
    lastError,
    connecting(t) {
      const s = status();
      // While reconnecting we stay "disconnected since <first loss>" so the banner does not flicker per attempt.
      if (s.state === 'disconnected') setStatus({ ...s, nextRetryAt: null });
      else setStatus({ state: 'connecting', since: t, attempts: s.attempts, nextRetryAt: null });
    },
    live(t) {
      setStatus({ state: 'live', since: t, attempts: 0, nextRetryAt: null });
    },
    disconnected(t, nextRetryAt) {
      const s = status();
      const since = s.state === 'disconnected' ? s.since : t;
      setStatus({ state: 'disconnected', since, attempts: s.attempts + 1, nextRetryAt });
    },
    refused(t) {
      setStatus({ state: 'refused', since: t, attempts: 0, nextRetryAt: null });
    },
    countBad(reason) {
      setBad((b) => ({ ...b, [reason]: (b[reason] ?? 0) + 1 }));
    },
    countReceived() {
      received++;
    },
    setServerError: (err) => setLastError(err),
    badTotal: () => Object.values(bad()).reduce((a, b) => a + b, 0),
  };
}
