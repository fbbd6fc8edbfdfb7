/**
 * Child process for the kill -9 drill (forwarded-outage.test.ts): appends fixes to a ForwardedHistoryStore as fast as
 * a busy site would (1,000 fixes per 100 ms) and prints, after each flush returns, how many fixes are durably in the
 * outbox. It never exits by itself: the test kills it.
 */
import type { Fix } from '@rtls/protocol';
import { ForwardedHistoryStore } from '../../src/store/forwarded-history-store.ts';
import { InfluxHistoryStore, toInfluxConfig } from '../../src/store/influx/index.ts';
import { openSqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';

const [dataDir, url, database] = process.argv.slice(2) as [string, string, string];
const cfg = toInfluxConfig({ INFLUX_URL: url, INFLUX_API: 'v1', INFLUX_DATABASE: database, INFLUX_TIMEOUT_MS: '1000' })!;
const store = new ForwardedHistoryStore(openSqliteHistoryStore(dataDir, { outbox: true }), new InfluxHistoryStore(cfg, {}), Date.now);
const t0 = Date.now();
let n = 0;
for (;;) {
  const batch: Fix[] = [];
  for (let i = 0; i < 1000; i++, n++) {
    batch.push({
      tag: `ble:0E${String(n % 100).padStart(10, '0')}`, t: t0 + Math.floor(n / 100), floor: 'L0', x: n % 50, y: 3, accuracyM: 1,
      confidence: 0.9, room: null, zones: [], method: 'ble-wls', evidence: [],
    });
  }
  store.appendFixes(batch);
  await store.flush().catch(() => undefined);
  process.stdout.write(`${n}\n`);
  await new Promise((r) => setTimeout(r, 100));
}
