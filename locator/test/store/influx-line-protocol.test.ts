/**
 * Line-protocol encoding of fixes and zone events (issue #5 item 2): the schema, escaping per the line-protocol spec,
 * and idempotent points (item 3) — pure checks, then the same lines through a real influxd 1.6, read back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fix, ZoneEvent } from '@rtls/protocol';
import {
  decodeEvidence, encodeBatch, encodeEvidence, encodeFix, encodeZoneEvent, escapeKey, escapeMeasurement, floatField,
  quoteStringField, quoteString, quoteIdent, rowsOf, fixFromRow, zoneEventFromRow, type InfluxSeries,
} from '../../src/store/influx/index.ts';
import { skipWithoutInfluxd, startInfluxd, type Influxd } from './influxd.ts';

const T = Date.UTC(2026, 10, 20, 8, 30);
const fix: Fix = {
  tag: 'ble:AC233FA00001', t: T, floor: 'L1', x: 12.5, y: -3.25, accuracyM: 1.75, confidence: 0.8, room: 'L1-icu-bay-3',
  zones: ['icu', 'wing-a'], method: 'ble-wls', evidence: [{ gw: 'L1-ble-1', rssi: -71.5, n: 3 }, { gw: 'L1.ble_2', rssi: -80, n: 1 }],
};
const exit: ZoneEvent = { tag: 'epc:E2801160600002054C1C8A71', t: T + 5, floor: 'L0', zone: 'or-2', kind: 'exit', dwellMs: 60_000 };
const enter: ZoneEvent = { tag: 'ble:AC233FA00001', t: T, floor: 'L1', zone: 'icu', kind: 'enter' };

describe('line protocol (pure)', () => {
  it('escapes measurement, keys and string fields per the spec, and refuses what cannot be represented', () => {
    expect(escapeMeasurement('a b,c=d')).toBe('a\\ b\\,c=d');
    expect(escapeKey('a b,c=d')).toBe('a\\ b\\,c\\=d');
    expect(quoteStringField('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"');
    for (const bad of ['', 'a\nb', 'a\\', 'a\\,b']) expect(() => escapeKey(bad), JSON.stringify(bad)).toThrow();
    expect(() => quoteStringField('a\nb')).toThrow();
    expect(() => floatField(Number.NaN)).toThrow();
    expect(() => floatField(Infinity)).toThrow();
  });

  it('encodes a fix: sorted tags (floor, kind, tag, tech), every field, ms timestamp', () => {
    const line = encodeFix(fix, () => 'equipment');
    expect(line).toBe(
      `fixes,floor=L1,kind=equipment,tag=ble:AC233FA00001,tech=ble accuracy_m=1.75,confidence=0.8,` +
      `evidence="L1-ble-1:-71.5:3,L1.ble_2:-80:1",method="ble-wls",room="L1-icu-bay-3",t_ms=${T}i,x=12.5,y=-3.25,` +
      `zones="icu,wing-a" ${T}`,
    );
    // Without kindOf, or when it does not know the tag, there is no kind tag (an empty tag value is not allowed).
    expect(encodeFix(fix)).not.toContain('kind=');
    expect(encodeFix(fix, () => null)).toBe(encodeFix(fix));
    // Between rooms, no zones, no evidence.
    const bare = encodeFix({ ...fix, room: null, zones: [], evidence: [] });
    expect(bare).toContain('room=""');
    expect(bare).toContain('zones=""');
    expect(bare).toContain('evidence=""');
  });

  it('encodes zone events: the enter/exit as the `event` tag, `inside`, dwell_ms only when given', () => {
    expect(encodeZoneEvent(exit, () => 'consumable')).toBe(
      `zone_events,event=exit,floor=L0,kind=consumable,tag=epc:E2801160600002054C1C8A71,tech=epc,zone=or-2 dwell_ms=60000i,inside=false ${T + 5}`,
    );
    expect(encodeZoneEvent(enter)).toBe(`zone_events,event=enter,floor=L1,tag=ble:AC233FA00001,tech=ble,zone=icu inside=true ${T}`);
  });

  it('is a function of the fix alone: a retried batch is byte-identical (idempotent points)', () => {
    const kinds = new Map([[fix.tag, 'patient']]);
    const kindOf = (t: string) => kinds.get(t);
    const first = encodeBatch([fix, { ...fix, t: T + 1000 }], [exit, enter], kindOf);
    const retry = encodeBatch(structuredClone([fix, { ...fix, t: T + 1000 }]), structuredClone([exit, enter]), kindOf);
    expect(retry).toEqual(first);
    expect(first).toHaveLength(4);
    // Field order does not follow the object's key order.
    const reordered = Object.fromEntries(Object.entries(fix).reverse()) as Fix;
    expect(encodeFix(reordered, kindOf)).toBe(first[0]);
  });

  it('evidence survives its compact encoding, including negative and fractional RSSI', () => {
    expect(decodeEvidence(encodeEvidence(fix.evidence))).toEqual(fix.evidence);
    expect(decodeEvidence('')).toEqual([]);
    const odd = [{ gw: 'gw-1', rssi: -0.000001, n: 0 }, { gw: 'x', rssi: -100.25, n: 12345 }];
    expect(decodeEvidence(encodeEvidence(odd))).toEqual(odd);
  });

  it('reads rows back into the same fix and event (group-by tags merged into the row)', () => {
    const series: InfluxSeries[] = [{
      name: 'fixes', tags: { tag: fix.tag },
      columns: ['time', 'accuracy_m', 'confidence', 'evidence', 'floor', 'method', 'room', 't_ms', 'tech', 'x', 'y', 'zones'],
      // A GROUP BY time() row: `time` is the bucket start, t_ms the fix's own time.
      values: [[T - 30_000, 1.75, 0.8, 'L1-ble-1:-71.5:3,L1.ble_2:-80:1', 'L1', 'ble-wls', 'L1-icu-bay-3', T, 'ble', 12.5, -3.25, 'icu,wing-a']],
    }];
    expect(rowsOf(series).map(fixFromRow)).toEqual([fix]);
    const ev = rowsOf([{ name: 'zone_events', columns: ['time', 'dwell_ms', 'event', 'floor', 'inside', 'tag', 'zone'], values: [[T + 5, 60_000, 'exit', 'L0', false, exit.tag, 'or-2']] }]);
    expect(ev.map(zoneEventFromRow)).toEqual([exit]);
  });
});

describe.skipIf(skipWithoutInfluxd)('line protocol through influxd 1.6', () => {
  let influxd: Influxd;
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.cleanup();
  });

  const write = async (lines: string[]) => {
    const res = await fetch(`${influxd.url}/write?db=${influxd.database}&precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(res.status, await res.text()).toBe(204);
  };
  const select = async (q: string) => {
    const body = await influxd.query(q);
    expect(body.results?.[0]?.error).toBeUndefined();
    return rowsOf(body.results?.[0]?.series as InfluxSeries[] | undefined);
  };

  it('escaped keys, tag values and string fields come back as written', async () => {
    const key = 'odd key,with=all';
    const value = 'a b,c=d "q" \'s\'';
    const text = 'x "quoted" and \\backslash\\ and \'single\'';
    await write([`${escapeMeasurement('esc m')},${escapeKey(key)}=${escapeKey(value)} ${escapeKey('f k')}=${quoteStringField(text)} ${T}`]);
    const rows = await select(`SELECT * FROM ${quoteIdent('esc m')} WHERE ${quoteIdent(key)} = ${quoteString(value)}`);
    expect(rows).toEqual([{ time: T, [key]: value, 'f k': text }]);
  });

  it('floats in every notation String() produces parse, and read back equal', async () => {
    const xs = [0, -0.5, 1e21, -1.5e-7, 123456789.123, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER];
    await write(xs.map((x, i) => encodeFix({ ...fix, tag: 'ble:00000000F10A', t: T + i, x })));
    const rows = await select(`SELECT "x" FROM "fixes" WHERE "tag" = 'ble:00000000F10A'`);
    expect(rows.map((r) => r.x)).toEqual(xs.map((x) => (Object.is(x, -0) ? 0 : x)));
  });

  it('a fix and an event read back whole, and writing the same batch twice leaves one point each', async () => {
    const lines = encodeBatch([fix], [exit, enter], () => 'patient');
    await write(lines);
    await write(lines);
    const fixes = await select(`SELECT * FROM "fixes" WHERE "tag" = ${quoteString(fix.tag)}`);
    expect(fixes.map(fixFromRow)).toEqual([fix]);
    expect(fixes[0]).toMatchObject({ kind: 'patient', tech: 'ble' });
    const events = await select(`SELECT * FROM "zone_events" ORDER BY time`);
    expect(events.map(zoneEventFromRow)).toEqual([enter, exit]);
    const [count] = await select(`SELECT count("x") FROM "fixes" WHERE "tag" = ${quoteString(fix.tag)}`);
    expect(count?.count).toBe(1);
  });
});
