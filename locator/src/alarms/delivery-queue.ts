/**
 * Retrying delivery over the durable outbox (issue #7 item 4: "with retry and a delivery log"), shared by webhooks and
 * the MQTT alarms topic. Each notification is a row in the outbox before the first attempt; every attempt is logged;
 * a failure waits 1 s, 2 s, 4 s, … (exponential backoff) and the row is dropped after `maxAttempts`. Rows left when
 * the process stops are resumed by `resume()` at the next start, with their attempt count.
 *
 * Time comes from the injected clock and timers from the injected `schedule`, so tests run the backoff fast.
 */
import type { Logger } from 'pino';
import type { Clock } from '@rtls/protocol';
import type { DeliveryChannel, DeliveryStore, OutboxRow } from './delivery-store.ts';

export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** Runs `fn` after `ms`; returns a cancel function. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export const defaultSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export interface DeliveryQueueOptions {
  store: DeliveryStore;
  channel: DeliveryChannel;
  /** Sends one row; a thrown error counts as a failed attempt. */
  send: (row: OutboxRow) => Promise<SendResult>;
  /** The target as the delivery log names it (a URL without credentials or query, or the topic); null: drop the row. */
  target: (row: OutboxRow) => string | null;
  clock: Clock;
  logger: Logger;
  /** First retry delay; doubles per attempt. Default 1000 ms. */
  retryBaseMs?: number;
  /** Attempts per notification, the first included. Default 6 (1 + retries after 1, 2, 4, 8, 16 s). */
  maxAttempts?: number;
  /** Attempts running at once, at most. Default 16. */
  concurrency?: number;
  schedule?: Schedule;
}

export interface DeliveryQueueStats {
  delivered: number;
  failedAttempts: number;
  /** Notifications given up after maxAttempts, or dropped because the outbox was full or the target went away. */
  abandoned: number;
  pending: number;
  inFlight: number;
}

export interface DeliveryQueue {
  enqueue(rows: readonly Omit<OutboxRow, 'id' | 'attempts' | 'createdAt'>[]): void;
  /** Schedules the rows left in the outbox (after a restart). */
  resume(): void;
  /** Resolves when nothing is in flight or waiting to run now (retries scheduled later do not count). */
  idle(): Promise<void>;
  stats(): DeliveryQueueStats;
  /** Stops scheduling and waits for attempts in flight; pending rows stay in the outbox for the next start. */
  close(): Promise<void>;
}

export function createDeliveryQueue(opts: DeliveryQueueOptions): DeliveryQueue {
  const { store, channel, send, target, clock, logger } = opts;
  const retryBaseMs = opts.retryBaseMs ?? 1000;
  const maxAttempts = opts.maxAttempts ?? 6;
  const concurrency = opts.concurrency ?? 16;
  const schedule = opts.schedule ?? defaultSchedule;
  /** Row id → cancel of its scheduled retry. */
  const waiting = new Map<number, () => void>();
  const ready: OutboxRow[] = [];
  const inFlight = new Set<Promise<void>>();
  const counters = { delivered: 0, failedAttempts: 0, abandoned: 0 };
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const checkIdle = () => {
    if (inFlight.size > 0 || ready.length > 0) return;
    const w = idleWaiters;
    idleWaiters = [];
    for (const f of w) f();
  };

  const attempt = async (row: OutboxRow) => {
    const name = target(row);
    if (name === null) {
      store.remove(row.id);
      counters.abandoned++;
      return;
    }
    const n = row.attempts + 1;
    let r: SendResult;
    try {
      r = await send(row);
    } catch (err) {
      r = { ok: false, status: null, error: (err as Error).message };
    }
    const t = clock();
    try {
      store.log({ alarmId: row.alarmId, channel, target: name, event: row.event, attempt: n, t, ok: r.ok, status: r.status, error: r.error?.slice(0, 300) ?? null });
      if (r.ok) {
        store.remove(row.id);
        counters.delivered++;
        return;
      }
      counters.failedAttempts++;
      if (n >= maxAttempts) {
        store.remove(row.id);
        counters.abandoned++;
        logger.warn({ channel, target: name, alarm: row.alarmId, event: row.event, attempts: n, error: r.error }, 'alarm delivery given up');
        return;
      }
      const delay = retryBaseMs * 2 ** (n - 1);
      store.reschedule(row.id, n, t + delay);
      later({ ...row, attempts: n, nextAt: t + delay }, delay);
    } catch (err) {
      // The database is unavailable: the row stays as it was in the outbox and is retried at the next start.
      logger.error({ err: (err as Error).message, channel }, 'alarm delivery bookkeeping failed');
    }
  };

  const pump = () => {
    while (!closed && ready.length > 0 && inFlight.size < concurrency) {
      const row = ready.shift()!;
      const p: Promise<void> = attempt(row).finally(() => {
        inFlight.delete(p);
        pump();
        checkIdle();
      });
      inFlight.add(p);
    }
    checkIdle();
  };

  const later = (row: OutboxRow, delayMs: number) => {
    if (closed) return;
    if (delayMs <= 0) {
      ready.push(row);
      pump();
      return;
    }
    const cancel = schedule(() => {
      waiting.delete(row.id);
      ready.push(row);
      pump();
    }, delayMs);
    waiting.set(row.id, cancel);
  };

  return {
    enqueue(rows) {
      if (closed || rows.length === 0) return;
      const { rows: added, dropped } = store.enqueue(rows);
      if (dropped > 0) {
        counters.abandoned += dropped;
        logger.error({ channel, dropped }, 'alarm outbox full: oldest undelivered notifications dropped');
      }
      for (const r of added) later(r, 0);
    },
    resume() {
      const now = clock();
      for (const r of store.pending(channel)) {
        if (waiting.has(r.id) || ready.some((x) => x.id === r.id)) continue;
        later(r, Math.max(0, r.nextAt - now));
      }
    },
    idle() {
      if (inFlight.size === 0 && ready.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    stats: () => ({ ...counters, pending: waiting.size + ready.length, inFlight: inFlight.size }),
    async close() {
      closed = true;
      for (const cancel of waiting.values()) cancel();
      waiting.clear();
      ready.length = 0;
      await Promise.allSettled([...inFlight]);
      checkIdle();
    },
  };
}
