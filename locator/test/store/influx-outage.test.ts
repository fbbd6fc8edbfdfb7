/**
 * Outage drill, short form (issue #5: "0 fixes lost and 0 duplicated (count them in InfluxDB)"): influxd is killed
 * for ~5 s under 2,000 fixes/s and started again. The system under test here is the smallest correct forwarder —
 * an in-memory FIFO of batches over InfluxWriter that marks a batch done only on 204 and backs off otherwise — so the
 * drill checks what the writer and the point identity guarantee; the durable outbox reuses runOutageDrill for itself.
 * The 60 s and 10 min drills are the same call with a longer outageMs (bench).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fix } from '@rtls/protocol';
import { InfluxHistoryStore, InfluxWriteError, InfluxWriter, toInfluxConfig } from '../../src/store/influx/index.ts';
import { skipWithoutInfluxd, startInfluxd, type Influxd } from './influxd.ts';
import { runOutageDrill } from './influx-outage-drill.ts';
import { contractFix, contractTag } from './history-contract.ts';

/** Marks a batch done only when InfluxDB accepted it; retries with capped exponential backoff, honouring Retry-After. */
class MemoryForwarder {
  readonly #queue: Fix[][] = [];
  readonly #writer: InfluxWriter;
  #busy: Promise<void> | null = null;
  failures = 0;
  constructor(writer: InfluxWriter) {
    this.#writer = writer;
  }
  submit(fixes: Fix[]): void {
    this.#queue.push(fixes);
    this.#busy ??= this.#run().finally(() => (this.#busy = null));
  }
  async #run(): Promise<void> {
    let backoff = 50;
    while (this.#queue.length > 0) {
      // Up to 10 queued batches per request, as a forwarder would after an outage.
      const n = Math.min(10, this.#queue.length);
      try {
        await this.#writer.write(this.#queue.slice(0, n).flat(), []);
        this.#queue.splice(0, n);
        backoff = 50;
      } catch (err) {
        if (!(err instanceof InfluxWriteError) || err.permanent) throw err;
        this.failures++;
        await new Promise((r) => setTimeout(r, Math.max(err.retryAfterMs ?? 0, backoff)));
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }
  async drain(): Promise<void> {
    while (this.#busy) await this.#busy;
  }
}

describe.skipIf(skipWithoutInfluxd)('outage drill against influxd 1.6', () => {
  let influxd: Influxd;
  beforeAll(async () => {
    influxd = await startInfluxd({ database: 'drill' });
  });
  afterAll(async () => {
    await influxd?.cleanup();
  });

  it('influxd killed for 5 s under 2,000 fixes/s: every fix is in InfluxDB once', async () => {
    const cfg = toInfluxConfig({ INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: 'drill', INFLUX_TIMEOUT_MS: '2000' })!;
    const store = new InfluxHistoryStore(cfg);
    expect((await store.ensureRetention()).errors).toEqual([]);
    const fwd = new MemoryForwarder(new InfluxWriter(cfg));
    const r = await runOutageDrill({
      influxd, target: { db: 'drill', rp: 'rtls_raw' }, submit: (f) => fwd.submit(f), drain: () => fwd.drain(),
      ratePerS: 2000, tags: 200, beforeMs: 1500, outageMs: 5000, afterMs: 1500,
    });
    expect(r.sentDuringOutage).toBeGreaterThan(0);
    expect(fwd.failures).toBeGreaterThan(0);
    expect(r).toMatchObject({ missing: 0, duplicates: 0 });
    expect(r.counted).toBe(r.sent);
  });

  it('the store’s own buffer keeps a failed flush and writes it once influxd is back', async () => {
    const cfg = toInfluxConfig({ INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: 'drill', INFLUX_TIMEOUT_MS: '2000', INFLUX_RAW_RETENTION_DAYS: '0' })!;
    const errors: Error[] = [];
    const store = new InfluxHistoryStore(cfg, { onError: (e) => errors.push(e), maxPending: 8 });
    const tag = contractTag(0xfeed);
    const now = Date.now();
    const fixes = Array.from({ length: 10 }, (_, i) => contractFix(tag, now + i, 'L1', i));
    await influxd.kill();
    store.appendFixes(fixes.slice(0, 6));
    await store.flush();
    expect(store.stats()).toMatchObject({ pending: 6, writeErrors: 1, fixesWritten: 0 });
    expect(errors[0]).toBeInstanceOf(InfluxWriteError);
    // Over maxPending while down: the oldest go, counted.
    store.appendFixes(fixes.slice(6));
    await store.flush();
    expect(store.stats()).toMatchObject({ pending: 8, writeErrors: 2, droppedOnOverflow: 2 });
    await influxd.start();
    await Promise.all([store.flush(), store.flush()]);
    expect(store.stats()).toMatchObject({ pending: 0, fixesWritten: 8 });
    expect(store.writer.stats().linesWritten).toBe(8);
    expect(await store.trail(tag, now, now + 100, 100)).toEqual(fixes.slice(2));
    await store.close();
  });
});
