import { describe, expect, it } from 'vitest';
import type { Fix, ZoneEvent } from '@rtls/protocol';
import { OutboxForwarder, type Outbox, type PointWriter } from '../../src/store/outbox-forwarder.ts';

const T0 = Date.UTC(2026, 10, 20);
const fix = (i: number): Fix => ({
  tag: `ble:AABBCCDD${String(i % 10000).padStart(4, '0')}`, t: T0 + i, floor: 'L0', x: 1, y: 2, accuracyM: 1, confidence: 0.9,
  room: null, zones: [], method: 'ble-wls', evidence: [],
});

/** An outbox over an array, with a cursor = index of the next unsent item (as the SQLite store's rowid cursor). */
class ArrayOutbox implements Outbox<number> {
  items: Fix[] = [];
  committed: number | null = null;
  readOutbox(cursor: number | null, maxItems: number) {
    const from = cursor ?? 0;
    const fixes = this.items.slice(from, from + maxItems);
    return { fixes, events: [] as ZoneEvent[], cursor: from + fixes.length };
  }
  commitOutbox(c: number) { this.committed = c; }
  outboxCursor() { return this.committed; }
  outboxBacklog() { return { fixes: this.items.length - (this.committed ?? 0), events: 0 }; }
}

/** A server that stores points by (tag, t) — overwriting like InfluxDB — and fails on demand. */
class FakeInflux implements PointWriter {
  points = new Map<string, Fix>();
  writes = 0;
  failNext: { retryAfterMs?: number; permanent?: boolean; message: string }[] = [];
  refuse = (_f: Fix) => false;
  async write(fixes: readonly Fix[]) {
    this.writes++;
    const f = this.failNext.shift();
    if (f) throw Object.assign(new Error(f.message), f);
    if (fixes.some(this.refuse)) throw Object.assign(new Error('400 unable to parse'), { permanent: true, status: 400 });
    for (const x of fixes) this.points.set(`${x.tag}@${x.t}`, x);
  }
}

function setup(n: number) {
  let now = T0;
  const outbox = new ArrayOutbox();
  for (let i = 0; i < n; i++) outbox.items.push(fix(i));
  const influx = new FakeInflux();
  const fw = new OutboxForwarder(outbox, influx, () => now, { batchItems: 100, minBackoffMs: 1000, maxBackoffMs: 8000 });
  return { outbox, influx, fw, advance: (ms: number) => (now += ms), now: () => now };
}

describe('outbox forwarder', () => {
  it('forwards everything in batches and commits the cursor only after the server accepted', async () => {
    const { outbox, influx, fw } = setup(950);
    expect(await fw.pump(100)).toBe(950);
    expect(influx.points.size).toBe(950);
    expect(outbox.committed).toBe(950);
    expect(fw.stats()).toMatchObject({ forwardedFixes: 950, backlog: 0, failures: 0 });
  });

  it('backs off exponentially on an outage, honours Retry-After, then delivers without loss or duplicates', async () => {
    const { outbox, influx, fw, advance } = setup(300);
    influx.failNext = [{ message: 'ECONNREFUSED' }, { message: 'ECONNREFUSED' }, { message: '429', retryAfterMs: 30_000 }];
    expect(await fw.pump()).toBe(0);
    expect(outbox.committed).toBeNull();
    const r1 = fw.stats().retryAt!;
    expect(await fw.pump()).toBe(0); // still backing off: no attempt
    expect(influx.writes).toBe(1);
    advance(1000);
    expect(await fw.pump()).toBe(0);
    expect(fw.stats().retryAt! - r1).toBeGreaterThanOrEqual(2000 - 1000); // second wait doubled to 2 s
    advance(2000);
    expect(await fw.pump()).toBe(0); // 429 with Retry-After 30 s
    advance(10_000);
    expect(await fw.pump()).toBe(0);
    expect(influx.writes).toBe(3);
    advance(20_000);
    expect(await fw.pump()).toBe(300);
    expect(influx.points.size).toBe(300);
    expect(fw.stats()).toMatchObject({ failures: 3, forwardedFixes: 300, backlog: 0 });
  });

  it('a batch written but not acknowledged is resent and overwrites (no duplicates)', async () => {
    const { influx, fw, advance } = setup(100);
    const realWrite = influx.write.bind(influx);
    let first = true;
    influx.write = async (fixes) => {
      await realWrite(fixes);
      if (first) {
        first = false;
        throw Object.assign(new Error('socket hang up after write'), {});
      }
    };
    await fw.pump();
    expect(influx.points.size).toBe(100);
    expect(fw.stats().forwardedFixes).toBe(0);
    advance(1000);
    expect(await fw.pump()).toBe(100);
    expect(influx.writes).toBe(2);
    expect(influx.points.size).toBe(100);
  });

  it('isolates and skips points the server refuses as malformed, forwarding the rest', async () => {
    const { influx, fw, outbox } = setup(200);
    influx.refuse = (f) => f.t === T0 + 37 || f.t === T0 + 150;
    expect(await fw.pump()).toBe(200);
    expect(influx.points.size).toBe(198);
    expect(fw.stats().rejected).toBe(2);
    expect(outbox.committed).toBe(200);
  });
});
