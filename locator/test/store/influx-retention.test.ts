/**
 * Retention and downsampling on InfluxDB 1.x (issue #5 item 2), against a real influxd 1.6 with authentication on:
 * the raw and trails policies and the continuous query are created (and brought back to the configuration), a user
 * without admin rights gets errors back instead of a failed start, and trail() reads the 1-minute trails for the part
 * of a range older than the raw retention.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fix } from '@rtls/protocol';
import {
  InfluxHistoryStore, openInfluxHistoryStore, parseGoDuration, retentionDuration, retentionStatements, toInfluxConfig,
  TRAILS_CQ_NAME, type InfluxV1Config,
} from '../../src/store/influx/index.ts';
import { contractFix, contractTag } from './history-contract.ts';
import { skipWithoutInfluxd, startInfluxd, type Influxd } from './influxd.ts';

const DAY = 86_400_000;

describe('retention statements (pure)', () => {
  const cfg = toInfluxConfig({ INFLUX_URL: 'http://x', INFLUX_API: 'v1', INFLUX_DATABASE: 'rtls', INFLUX_RAW_RETENTION_DAYS: '30', INFLUX_TRAILS_RETENTION_DAYS: '0' }) as InfluxV1Config;

  it('durations: whole hours, at least 1h, INF for forever; Go durations read back', () => {
    expect(retentionDuration(30 * DAY)).toBe('720h');
    expect(retentionDuration(60_000)).toBe('1h');
    expect(retentionDuration(0)).toBe('INF');
    expect(parseGoDuration('720h0m0s')).toBe(30 * DAY);
    expect(parseGoDuration('1h30m0s')).toBe(5_400_000);
    expect(parseGoDuration('0s')).toBe(0);
  });

  it('creates what is missing, alters what differs, leaves what matches', () => {
    const fresh = retentionStatements(cfg, [{ name: 'autogen', durationMs: 0 }], true);
    expect(fresh[0]).toBe('CREATE RETENTION POLICY "rtls_raw" ON "rtls" DURATION 720h REPLICATION 1 DEFAULT');
    expect(fresh[1]).toBe('CREATE RETENTION POLICY "rtls_trails" ON "rtls" DURATION INF REPLICATION 1');
    expect(fresh.slice(2).map((s) => s.split(' BEGIN ')[0])).toEqual([
      `DROP CONTINUOUS QUERY "${TRAILS_CQ_NAME}" ON "rtls"`,
      `CREATE CONTINUOUS QUERY "${TRAILS_CQ_NAME}" ON "rtls" RESAMPLE EVERY 1h FOR 2h`,
    ]);
    const existing = [{ name: 'rtls_raw', durationMs: 7 * DAY }, { name: 'rtls_trails', durationMs: 0 }];
    expect(retentionStatements(cfg, existing).filter((s) => s.includes('RETENTION'))).toEqual(['ALTER RETENTION POLICY "rtls_raw" ON "rtls" DURATION 720h']);
    // Raw kept forever: no trails policy, no continuous query.
    expect(retentionStatements({ ...cfg, rawRetentionMs: 0 }, [])).toEqual(['CREATE RETENTION POLICY "rtls_raw" ON "rtls" DURATION INF REPLICATION 1']);
  });
});

describe.skipIf(skipWithoutInfluxd)('retention on influxd 1.6 (authentication on)', () => {
  let influxd: Influxd;
  const admin = { username: 'admin', password: 'admin-pw' };
  beforeAll(async () => {
    influxd = await startInfluxd({ admin });
  });
  afterAll(async () => {
    await influxd?.cleanup();
  });
  const cfgFor = (database: string, extra: Record<string, string> = {}) => toInfluxConfig({
    INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: database, INFLUX_USERNAME: admin.username,
    INFLUX_PASSWORD: admin.password, ...extra,
  }) as InfluxV1Config;
  const policies = async (db: string) => {
    const body = await influxd.query(`SHOW RETENTION POLICIES ON "${db}"`, db);
    return Object.fromEntries((body.results?.[0]?.series?.[0]?.values ?? []).map((v) => [v[0], { duration: v[1], default: v[4] }]));
  };

  it('creates the database, the raw policy (its default) and the trails policy, and the continuous query', async () => {
    const { store, retention } = await openInfluxHistoryStore(cfgFor('fresh', { INFLUX_RAW_RETENTION_DAYS: '30', INFLUX_TRAILS_RETENTION_DAYS: '730' }));
    expect(retention.errors).toEqual([]);
    expect(retention.trailsReady).toBe(true);
    expect(retention.applied[0]).toBe('CREATE DATABASE "fresh"');
    expect(await policies('fresh')).toMatchObject({
      rtls_raw: { duration: '720h0m0s', default: true },
      rtls_trails: { duration: '17520h0m0s', default: false },
    });
    const cqs = await influxd.query('SHOW CONTINUOUS QUERIES');
    const fresh = cqs.results?.[0]?.series?.find((s) => s.name === 'fresh');
    expect(fresh?.values.map((v) => v[0])).toEqual([TRAILS_CQ_NAME]);
    expect(String(fresh?.values[0]?.[1])).toMatch(/RESAMPLE EVERY 1h FOR 2h.*INTO "?fresh"?\."?rtls_trails"?\.fixes.*GROUP BY time\(1m\), \*/);
    await store.close();

    // Started again with a shorter raw retention: the policy is altered, not duplicated; the query replaced.
    const again = await openInfluxHistoryStore(cfgFor('fresh', { INFLUX_RAW_RETENTION_DAYS: '7', INFLUX_TRAILS_RETENTION_DAYS: '730' }));
    expect(again.retention.errors).toEqual([]);
    expect(again.retention.applied.filter((s) => s.includes('RETENTION'))).toEqual(['ALTER RETENTION POLICY "rtls_raw" ON "fresh" DURATION 168h']);
    expect((await policies('fresh')).rtls_raw).toMatchObject({ duration: '168h0m0s' });
    const cqsAfter = await influxd.query('SHOW CONTINUOUS QUERIES');
    expect(cqsAfter.results?.[0]?.series?.find((s) => s.name === 'fresh')?.values).toHaveLength(1);
    await again.store.close();
  });

  it('a user without admin rights: setup errors come back, nothing throws, writes and reads still work', async () => {
    await influxd.query('CREATE DATABASE "shared"');
    await influxd.query(`CREATE USER "writer" WITH PASSWORD 'w-pw'`);
    await influxd.query('GRANT ALL ON "shared" TO "writer"');
    const cfg = toInfluxConfig({
      INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: 'shared', INFLUX_RETENTION_POLICY: 'autogen',
      INFLUX_USERNAME: 'writer', INFLUX_PASSWORD: 'w-pw', INFLUX_RAW_RETENTION_DAYS: '30',
    })!;
    const { store, retention } = await openInfluxHistoryStore(cfg);
    expect(retention.errors.length).toBeGreaterThan(0);
    expect(retention.errors.join('\n')).toMatch(/not authorized|requires admin/i);
    expect(retention.trailsReady).toBe(false);
    const now = Date.now();
    const fix = contractFix(contractTag(7), now - 60_000, 'L1', 3);
    store.appendFixes([fix]);
    await store.flush();
    expect(store.stats()).toMatchObject({ fixesWritten: 1, writeErrors: 0 });
    expect(await store.trail(fix.tag, now - 3_600_000, now, 10)).toEqual([fix]);
    await store.close();
  });

  it('trail() reads the 1-minute trails for the part of a range older than the raw retention', async () => {
    const cfg = cfgFor('trails', { INFLUX_RAW_RETENTION_DAYS: '1' });
    const { store: writer, retention } = await openInfluxHistoryStore(cfg);
    expect(retention.errors).toEqual([]);
    // Points must lie inside the raw policy's window on the server's clock, so they are placed relative to now.
    const tag = contractTag(0x77);
    const start = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
    const fixes: Fix[] = Array.from({ length: 60 }, (_, i) => contractFix(tag, start + 7_000 + i * 13_000, 'L1', i, i / 2));
    writer.appendFixes(fixes);
    await writer.flush();
    const end = fixes[fixes.length - 1]!.t;
    await writer.downsampleTrails(start, end + 60_000);

    // The last fix of each minute, with its own time — the expectation derived from what was written.
    const lastPerMinute = [...new Map(fixes.map((f) => [Math.floor(f.t / 60_000), f])).values()];

    // A clock a day and a bit later: the whole range is older than the raw retention.
    const later = new InfluxHistoryStore(cfg, { clock: () => end + DAY + 120_000 });
    expect((await later.ensureRetention()).trailsReady).toBe(true);
    expect(await later.trail(tag, start, end, 1000)).toEqual(lastPerMinute);
    expect(await later.trail(tag, start, end, 3)).toEqual(lastPerMinute.slice(-3));
    expect(await later.positionAt(tag, end + 1000, 5000)).toEqual(fixes[fixes.length - 1]);

    // A clock that puts the raw boundary mid-range: raw fixes after it, trails before it, nothing twice.
    const boundary = Math.ceil(fixes[30]!.t / 60_000) * 60_000;
    const mid = new InfluxHistoryStore(cfg, { clock: () => boundary + DAY - 30_000 });
    await mid.ensureRetention();
    const expected = [...lastPerMinute.filter((f) => f.t < boundary), ...fixes.filter((f) => f.t >= boundary)];
    expect(await mid.trail(tag, start, end, 1000)).toEqual(expected);
    // The current clock: all raw.
    expect(await writer.trail(tag, start, end, 1000)).toEqual(fixes);
    await writer.close();

    // positionAt where only the trails hold the range (raw points read from an empty policy): the newest downsampled
    // fix whose own time lies in [t − maxAge, t] — never one stamped at its minute's start but taken later than t.
    const onlyTrails = new InfluxHistoryStore(cfgFor('trails', { INFLUX_RAW_RETENTION_DAYS: '1', INFLUX_RETENTION_POLICY: 'empty_raw' }), { clock: () => end + DAY + 120_000 });
    expect((await onlyTrails.ensureRetention()).trailsReady).toBe(true);
    for (const [t, maxAge] of [[lastPerMinute[10]!.t + 500, 30_000], [lastPerMinute[10]!.t - 1, 20_000], [lastPerMinute[10]!.t - 1, 120_000], [end + 10, 5_000]] as const) {
      const want = lastPerMinute.filter((f) => f.t <= t && f.t >= t - maxAge).at(-1) ?? null;
      expect(await onlyTrails.positionAt(tag, t, maxAge), `t=${t - start} maxAge=${maxAge}`).toEqual(want);
    }
  });
});
