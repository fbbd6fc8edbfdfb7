/**
 * InfluxQL quoting (issue #5 item 4): identifiers and values can never become syntax. Statement text checked pure,
 * then hostile ids run through InfluxHistoryStore against a real influxd 1.6 — they must match nothing (or exactly
 * themselves), never widen the query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIX_COLUMNS, InfluxHistoryStore, floorFixesStatement, msLiteral, numberLiteral, quoteIdent, quoteString, selectionConditions,
  trailStatement, TAGS_PER_STATEMENT, toInfluxConfig,
} from '../../src/store/influx/index.ts';
import { contractFix, contractTag, CONTRACT_T0 } from './history-contract.ts';
import { skipWithoutInfluxd, startInfluxd, type Influxd } from './influxd.ts';

const HOSTILE = [
  `x' OR "tag" =~ /.*/ --`,
  `x\\' OR 1=1`,
  `x'; DROP DATABASE "rtls"; --`,
  'x\\',
  `x"`,
  `multi\nline' OR '1'='1`,
];

describe('InfluxQL quoting (pure)', () => {
  it('quotes identifiers and strings so the value stays one token', () => {
    expect(quoteIdent('tag')).toBe('"tag"');
    expect(quoteIdent('we"ird\\')).toBe('"we\\"ird\\\\"');
    expect(quoteString(`it's`)).toBe(`'it\\'s'`);
    expect(quoteString('a\\b')).toBe(`'a\\\\b'`);
    expect(quoteString('a\nb')).toBe(`'a\\nb'`);
    expect(() => quoteIdent('')).toThrow();
    expect(() => quoteIdent('a\nb')).toThrow();
    expect(() => quoteString('a\rb')).toThrow();
  });

  it('renders times and numbers as literals InfluxQL accepts, and refuses the rest', () => {
    expect(msLiteral(CONTRACT_T0)).toBe(`${CONTRACT_T0}ms`);
    expect(() => msLiteral(1.5)).toThrow();
    expect(numberLiteral(-2.5)).toBe('-2.5');
    expect(numberLiteral(1e-7)).toBe('0.0000001');
    expect(() => numberLiteral(Number.NaN)).toThrow();
    expect(() => trailStatement('ble:000000000001', 0, 1, 0)).toThrow(/limit/);
  });

  it('a trail with a resolution selects the last point per epoch-aligned bucket, newest first', () => {
    const q = trailStatement('ble:000000000001', 1000, 2000, 50, 60_000);
    expect(q).toBe(`SELECT last("t_ms"), ${FIX_COLUMNS} FROM "fixes" WHERE "tag" = 'ble:000000000001' AND time >= 1000ms AND time <= 2000ms ` +
      'GROUP BY time(60000ms) fill(none) ORDER BY time DESC LIMIT 50');
    expect(floorFixesStatement('L1', 0, 10, 5, { minX: -1, maxX: 2, minY: 0, maxY: 3.5 })).toContain(
      `WHERE "floor" = 'L1' AND time >= 0ms AND time <= 10ms AND "x" >= -1 AND "x" <= 2 AND "y" >= 0 AND "y" <= 3.5 GROUP BY time(5ms), "tag"`);
  });

  it('an asset class of many tags becomes several bounded OR-conditions, duplicates removed', () => {
    const tags = Array.from({ length: TAGS_PER_STATEMENT * 2 + 1 }, (_, i) => contractTag(i + 1));
    const conds = selectionConditions({ tags: [...tags, tags[0]!] });
    expect(conds).toHaveLength(3);
    expect(conds.join(' ').match(/"tag" = /g)).toHaveLength(tags.length);
    expect(selectionConditions({ tags: [] })).toEqual([]);
    expect(selectionConditions({ zone: `z' OR '1'='1` })).toEqual([`"zone" = 'z\\' OR \\'1\\'=\\'1'`]);
  });
});

describe.skipIf(skipWithoutInfluxd)('InfluxQL injection against influxd 1.6', () => {
  let influxd: Influxd;
  let store: InfluxHistoryStore;
  const T0 = CONTRACT_T0;
  const a = contractTag(0xa1);
  beforeAll(async () => {
    influxd = await startInfluxd({ database: 'rtls' });
    store = new InfluxHistoryStore(toInfluxConfig({ INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: 'rtls', INFLUX_RAW_RETENTION_DAYS: '0' })!);
    expect((await store.ensureRetention()).errors).toEqual([]);
    store.appendFixes([contractFix(a, T0, 'L1', 1), contractFix(contractTag(0xb2), T0 + 1, 'L1', 2)]);
    store.appendZoneEvents([{ tag: a, t: T0, floor: 'L1', zone: 'icu', kind: 'enter' }]);
    await store.flush();
    expect(store.stats().fixesWritten).toBe(2);
  });
  afterAll(async () => {
    await store?.close();
    await influxd?.cleanup();
  });

  it('hostile tag, zone and floor ids match nothing and leave the database intact', async () => {
    for (const q of HOSTILE) {
      const bad = JSON.stringify(q);
      expect(await store.trail(q, 0, T0 * 2, 100), bad).toEqual([]);
      expect(await store.trail(q, 0, T0 * 2, 100, 1000), bad).toEqual([]);
      expect(await store.positionAt(q, T0 + 10, 60_000), bad).toBeNull();
      expect(await store.zoneEvents(q, 0, T0 * 2, 100), bad).toEqual([]);
      expect(await store.zoneEventsBetween({ zone: q }, T0, T0 * 2, 100), bad).toEqual({ before: [], events: [] });
      expect(await store.zoneEventsBetween({ tags: [q, `${q}2`] }, 0, T0 * 2, 100), bad).toEqual({ before: [], events: [] });
      expect(await store.floorFixes(q, 0, T0 * 2, 1000), bad).toEqual([]);
    }
    // Still there, still answered for the real ids.
    expect((await store.trail(a, 0, T0 * 2, 100)).map((f) => f.x)).toEqual([1]);
    expect(await store.lastFixes()).toHaveLength(2);
  });

  it('a tag stored under a hostile-looking value is found by exactly that value', async () => {
    // Not a valid tag id (the API would refuse it); written raw to prove the quoting round-trips through the server.
    const odd = `it's "odd" , = id`;
    const res = await fetch(`${influxd.url}/write?db=rtls&rp=rtls_raw&precision=ms`, {
      method: 'POST',
      body: `fixes,floor=L1,tag=it's\\ "odd"\\ \\,\\ \\=\\ id accuracy_m=1,confidence=1,evidence="",method="ble-wls",room="",t_ms=${T0}i,x=7,y=1,zones="" ${T0}`,
    });
    expect(res.status, await res.text()).toBe(204);
    const got = await store.trail(odd, 0, T0 * 2, 10);
    expect(got.map((f) => [f.tag, f.x])).toEqual([[odd, 7]]);
  });
});
