/**
 * Outage drill (issue #5 "Measure": "InfluxDB stopped for 60 s and for 10 min under load, then started: 0 fixes lost
 * and 0 duplicated (count them in InfluxDB)"). Feeds a system under test a steady stream of fixes, takes influxd away
 * for `outageMs` (SIGKILL by default: a write in flight when it dies may be stored without its 204, so the system
 * must retry it — and the retry must not duplicate), starts it again, waits for the system to drain, then counts the
 * points per tag in InfluxDB and compares with what was sent.
 *
 * The system under test is two callbacks, so the same drill runs against the durable outbox forwarder (issue #5 item
 * 3) and against the minimal in-memory retry loop in influx-outage.test.ts.
 */
import type { Fix } from '@rtls/protocol';
import { contractFix, contractTag } from './history-contract.ts';
import type { Influxd } from './influxd.ts';

export interface OutageDrillOptions {
  influxd: Influxd;
  /** Where the fixes land: database and retention policy to count in. */
  target: { db: string; rp?: string };
  /** Hands fixes to the system under test (it must not throw while InfluxDB is down). */
  submit: (fixes: Fix[]) => void | Promise<void>;
  /** Resolves once the system under test reports everything submitted as accepted by InfluxDB. */
  drain: () => Promise<void>;
  /** Fixes per second in total (default 2,000), spread over `tags` tags (default 200). */
  ratePerS?: number;
  tags?: number;
  /** Load before the outage, the outage, load after it, ms (defaults 2,000 / 5,000 / 2,000). */
  beforeMs?: number;
  outageMs?: number;
  afterMs?: number;
  /** 'kill' (SIGKILL, default) or 'stop' (SIGTERM). */
  how?: 'kill' | 'stop';
  /** Submission period, ms (default 100). */
  tickMs?: number;
}

export interface OutageDrillResult {
  sent: number;
  /** Points InfluxDB holds for the drill's tags. */
  counted: number;
  /** Per tag, sent but not in InfluxDB. */
  missing: number;
  /** Per tag, in InfluxDB more often than sent. */
  duplicates: number;
  /** Fixes submitted while influxd was down. */
  sentDuringOutage: number;
  /** From influxd's restart until drain() resolved, ms. */
  recoveryMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runOutageDrill(o: OutageDrillOptions): Promise<OutageDrillResult> {
  const rate = o.ratePerS ?? 2000;
  const tags = o.tags ?? 200;
  const tick = o.tickMs ?? 100;
  const perTick = Math.max(1, Math.round((rate * tick) / 1000));
  const tagIds = Array.from({ length: tags }, (_, i) => contractTag(0xd0000 + i));
  // Times must fall inside the raw retention policy on the server's clock, so the stream starts now; each tag's fixes
  // are 1 ms apart at least (distinct points by construction: (tag, t) never repeats).
  const t0 = Date.now();
  const perTag = new Map<string, number>();
  let seq = 0;
  let sent = 0;
  let sentDuringOutage = 0;
  let down = false;
  let failure: unknown = null;

  const submitTick = async () => {
    const batch: Fix[] = [];
    for (let i = 0; i < perTick; i++, seq++) {
      const tag = tagIds[seq % tags]!;
      batch.push(contractFix(tag, t0 + seq, 'L1', seq % 1000, (seq % 97) / 2));
      perTag.set(tag, (perTag.get(tag) ?? 0) + 1);
    }
    sent += batch.length;
    if (down) sentDuringOutage += batch.length;
    await o.submit(batch);
  };

  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        await submitTick();
      } catch (err) {
        failure = err;
        running = false;
      }
      await sleep(tick);
    }
  })();

  await sleep(o.beforeMs ?? 2000);
  down = true;
  await (o.how === 'stop' ? o.influxd.stop() : o.influxd.kill());
  await sleep(o.outageMs ?? 5000);
  await o.influxd.start();
  down = false;
  const restartedAt = Date.now();
  await sleep(o.afterMs ?? 2000);
  running = false;
  await loop;
  if (failure) throw failure;
  await o.drain();
  const recoveryMs = Date.now() - restartedAt;

  const form = new URLSearchParams({
    q: `SELECT count("x") FROM "fixes" WHERE time >= ${t0}ms AND time <= ${t0 + seq}ms GROUP BY "tag"`,
    db: o.target.db, epoch: 'ms', ...(o.target.rp ? { rp: o.target.rp } : {}),
  });
  const body = (await (await fetch(`${o.influxd.url}/query`, { method: 'POST', body: form })).json()) as {
    results?: { error?: string; series?: { tags?: { tag?: string }; values: unknown[][] }[] }[];
  };
  if (body.results?.[0]?.error) throw new Error(body.results[0].error);
  const counted = new Map<string, number>();
  for (const s of body.results?.[0]?.series ?? []) counted.set(s.tags?.tag ?? '', Number(s.values[0]?.[1] ?? 0));
  let missing = 0;
  let duplicates = 0;
  let total = 0;
  for (const [tag, n] of perTag) {
    const c = counted.get(tag) ?? 0;
    total += c;
    missing += Math.max(0, n - c);
    duplicates += Math.max(0, c - n);
  }
  return { sent, counted: total, missing, duplicates, sentDuringOutage, recoveryMs };
}
