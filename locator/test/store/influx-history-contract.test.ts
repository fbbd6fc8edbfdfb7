/**
 * The HistoryStore contract suite against InfluxHistoryStore and a real influxd 1.6 (issue #5: "the contract suite
 * passes against real influxd"), in INFLUX_API=v1 mode — the only server flavour CI has. One influxd for the file;
 * every store gets its own fresh database, dropped by cleanup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGatewayStats, toInfluxConfig, InfluxHistoryStore } from '../../src/store/influx/index.ts';
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

  it('takes gateway statistics as a measurement Grafana can query', async () => {
    const cfg = toInfluxConfig({ INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: 'gw_stats', INFLUX_RAW_RETENTION_DAYS: '0' })!;
    const store = new InfluxHistoryStore(cfg);
    await store.ensureRetention();
    const line = encodeGatewayStats({
      t: CONTRACT_T0, gateway: 'L1-minew-icu', floor: 'L1', tech: 'ble', format: 'minew-jsonlong', state: 'online',
      messages: 120, reads: 2400, heartbeats: 2, rejectedMessages: 1, rejectedReads: 3, clockSkewed: 0,
      messagesPerS: 1, readsPerS: 20.5, tagsHeard: 37, clockSkewMs: -12,
    });
    expect(line).toBe('gateway_stats,floor=L1,format=minew-jsonlong,gateway=L1-minew-icu,tech=ble clock_skewed=0i,heartbeats=2i,'
      + `messages=120i,messages_per_s=1,reads=2400i,reads_per_s=20.5,rejected_messages=1i,rejected_reads=3i,state="online",tags_heard=37i,clock_skew_ms=-12i ${CONTRACT_T0}`);
    await store.writer.writeLines([line]);
    const body = await influxd.query('SELECT "reads_per_s", "state" FROM "rtls_raw"."gateway_stats" WHERE "gateway" = \'L1-minew-icu\'', 'gw_stats');
    expect(body.results?.[0]?.series?.[0]?.values?.[0]?.slice(1)).toEqual([20.5, 'online']);
    await store.close();
    await influxd.query('DROP DATABASE "gw_stats"');
  }, 60_000);
});
