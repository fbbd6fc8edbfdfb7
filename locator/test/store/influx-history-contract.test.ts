/**
 * The HistoryStore contract suite against InfluxHistoryStore and a real influxd 1.6 (issue #5: "the contract suite
 * passes against real influxd"), in INFLUX_API=v1 mode — the only server flavour CI has. One influxd for the file;
 * every store gets its own fresh database, dropped by cleanup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toInfluxConfig, InfluxHistoryStore } from '../../src/store/influx/index.ts';
import { CONTRACT_T0, contractFix, contractTag, describeHistoryStoreContract } from './history-contract.ts';
import { skipWithoutInfluxd, startInfluxd, type Influxd } from './influxd.ts';

describe.skipIf(skipWithoutInfluxd)('InfluxHistoryStore (influxd 1.x, INFLUX_API=v1)', () => {
  let influxd: Influxd;
  let n = 0;
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.cleanup();
  });

  describeHistoryStoreContract('influxdb v1', async () => {
    const database = `contract_${++n}`;
    // Raw points kept forever: the suite's fixed timestamps must not fall out of a retention window as the years pass.
    const cfg = toInfluxConfig({ INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: database, INFLUX_RAW_RETENTION_DAYS: '0' })!;
    const store = new InfluxHistoryStore(cfg);
    const setup = await store.ensureRetention();
    if (setup.errors.length > 0) throw new Error(setup.errors.join('\n'));
    return {
      store,
      cleanup: async () => {
        await store.close();
        await influxd.query(`DROP DATABASE "${database}"`);
      },
    };
  });

  it('answers over 10,000 rows whole (influxd 1.x flags unchunked ones partial; reads are chunked)', async () => {
    const cfg = toInfluxConfig({ INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: 'big_answer', INFLUX_RAW_RETENTION_DAYS: '0' })!;
    const store = new InfluxHistoryStore(cfg);
    await store.ensureRetention();
    const tag = contractTag(0xb16);
    store.appendFixes(Array.from({ length: 25_000 }, (_, i) => contractFix(tag, CONTRACT_T0 + i * 1000, 'L1', i % 40, 3)));
    await store.flush();
    const trail = await store.trail(tag, CONTRACT_T0, CONTRACT_T0 + 25_000_000, 100_000);
    expect(trail).toHaveLength(25_000);
    expect(trail[0]!.t).toBe(CONTRACT_T0);
    expect(trail.at(-1)!.t).toBe(CONTRACT_T0 + 24_999_000);
    await store.close();
    await influxd.query('DROP DATABASE "big_answer"');
  }, 120_000);
});
