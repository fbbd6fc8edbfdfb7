/**
 * Forwards history from the durable local outbox (the embedded SQLite store) to InfluxDB (issue #5 item 3: "nothing
 * lost"). A batch is marked done — the outbox cursor committed — only after InfluxDB accepted it. Failures back off
 * exponentially (1 s doubling to 60 s) and honour Retry-After (the writer converts its seconds to ms; the client
 * library would read them as ms). Points are idempotent (a fix is its tag + time), so a batch retried after a lost
 * acknowledgement overwrites rather than duplicates.
 *
 * A batch InfluxDB refuses as malformed (a permanent 4xx) would block the outbox forever, so it is split in halves
 * until the refused points are isolated; those are counted (`rejected`) and skipped, the rest forwarded.
 *
 * No timers of its own: the caller drives `pump()` (the service on an interval); time comes from the injected clock.
 */
import type { Clock, Fix, ZoneEvent } from '@rtls/protocol';

export interface Outbox<C> {
  readOutbox(cursor: C | null, maxItems: number): { fixes: Fix[]; events: ZoneEvent[]; cursor: C };
  commitOutbox(cursor: C): void;
  outboxCursor(): C | null;
  outboxBacklog(): { fixes: number; events: number };
}

export interface PointWriter {
  /** Resolves when the server accepted every point; rejects with a ForwardError-like error otherwise. */
  write(fixes: readonly Fix[], events: readonly ZoneEvent[]): Promise<void>;
}

/** What the writer's errors carry (InfluxWriteError satisfies it). */
export interface ForwardErrorInfo {
  message: string;
  retryAfterMs?: number;
  /** The server refused the data itself (4xx other than 408/429): retrying the same points cannot succeed. */
  permanent?: boolean;
}

export interface ForwarderOptions {
  /** Items per batch. */
  batchItems: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_FORWARDER_OPTIONS: Readonly<ForwarderOptions> = Object.freeze({
  batchItems: 5000,
  minBackoffMs: 1000,
  maxBackoffMs: 60_000,
});

export interface ForwarderStats {
  forwardedFixes: number;
  forwardedEvents: number;
  /** Points InfluxDB refused as malformed, skipped after isolating them. */
  rejected: number;
  failures: number;
  /** Items in the outbox not yet forwarded. */
  backlog: number;
  lastError: string | null;
  lastSuccessAt: number | null;
  /** Earliest time the next attempt may run (backoff), epoch ms; null when not backing off. */
  retryAt: number | null;
}

export class OutboxForwarder<C> {
  readonly #outbox: Outbox<C>;
  readonly #writer: PointWriter;
  readonly #clock: Clock;
  readonly #o: ForwarderOptions;
  #busy = false;
  #backoffMs = 0;
  #retryAt: number | null = null;
  #stats = { forwardedFixes: 0, forwardedEvents: 0, rejected: 0, failures: 0, lastError: null as string | null, lastSuccessAt: null as number | null };

  constructor(outbox: Outbox<C>, writer: PointWriter, clock: Clock, options: Partial<ForwarderOptions> = {}) {
    this.#outbox = outbox;
    this.#writer = writer;
    this.#clock = clock;
    this.#o = { ...DEFAULT_FORWARDER_OPTIONS, ...options };
  }

  /**
   * Forwards batches until the outbox is empty, a failure starts a backoff, or `maxBatches` were sent. Never throws;
   * concurrent calls return at once while one is running. Returns the items forwarded.
   */
  async pump(maxBatches = 20): Promise<number> {
    if (this.#busy) return 0;
    if (this.#retryAt !== null && this.#clock() < this.#retryAt) return 0;
    this.#busy = true;
    let sent = 0;
    try {
      for (let b = 0; b < maxBatches; b++) {
        const batch = this.#outbox.readOutbox(this.#outbox.outboxCursor(), this.#o.batchItems);
        if (batch.fixes.length === 0 && batch.events.length === 0) {
          // Nothing to send, but the cursor may still move past pruned or empty rows.
          this.#outbox.commitOutbox(batch.cursor);
          break;
        }
        const ok = await this.#send(batch.fixes, batch.events);
        if (!ok) break;
        this.#outbox.commitOutbox(batch.cursor);
        sent += batch.fixes.length + batch.events.length;
        this.#stats.forwardedFixes += batch.fixes.length;
        this.#stats.forwardedEvents += batch.events.length;
        this.#stats.lastSuccessAt = this.#clock();
        this.#backoffMs = 0;
        this.#retryAt = null;
      }
    } finally {
      this.#busy = false;
    }
    return sent;
  }

  /** True when every point was accepted or isolated as refused; false on a transient failure (backoff started). */
  async #send(fixes: readonly Fix[], events: readonly ZoneEvent[]): Promise<boolean> {
    try {
      await this.#writer.write(fixes, events);
      return true;
    } catch (err) {
      const e = err as ForwardErrorInfo;
      this.#stats.failures++;
      this.#stats.lastError = String(e.message ?? err).slice(0, 300);
      if (e.permanent) {
        const n = fixes.length + events.length;
        if (n === 1) {
          this.#stats.rejected++;
          return true;
        }
        // Split and retry each half: the refused points end up alone and are skipped.
        const hf = Math.ceil(fixes.length / 2);
        const he = Math.ceil(events.length / 2);
        return (await this.#send(fixes.slice(0, hf), events.slice(0, he))) && (await this.#send(fixes.slice(hf), events.slice(he)));
      }
      this.#backoffMs = Math.min(this.#o.maxBackoffMs, Math.max(this.#o.minBackoffMs, this.#backoffMs * 2));
      const wait = Math.max(this.#backoffMs, Math.min(e.retryAfterMs ?? 0, 3_600_000));
      this.#retryAt = this.#clock() + wait;
      return false;
    }
  }

  stats(): ForwarderStats {
    const b = this.#outbox.outboxBacklog();
    return { ...this.#stats, backlog: b.fixes + b.events, retryAt: this.#retryAt };
  }
}
