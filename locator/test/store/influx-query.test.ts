/**
 * InfluxQL reads in v2 mode (issue #5 item 1: "queries in InfluxQL over the v1-compatible /query endpoint, which …
 * 2.x (through its DBRP mapping) … answer[s]"): no 2.x server here, so a local server records the requests and
 * answers like /query does — checked: endpoint, Token auth, db = bucket, no rp, epoch=ms; the trails bucket for old
 * ranges; errors inside a 200 answer and truncated answers are errors, not short results.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfluxHistoryStore, InfluxQueryError, toInfluxConfig } from '../../src/store/influx/index.ts';
import { contractFix, contractTag, CONTRACT_T0 } from './history-contract.ts';

interface Seen {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  form: Record<string, string>;
}

const T0 = CONTRACT_T0;
const tag = contractTag(0xa1);
const fix = contractFix(tag, T0 + 500, 'L1', 3, 4, { room: 'r-1', zones: ['icu'] });
const COLUMNS = ['time', 'accuracy_m', 'confidence', 'evidence', 'floor', 'method', 'room', 't_ms', 'x', 'y', 'zones'];
const row = (f = fix, time = f.t) => [time, f.accuracyM, f.confidence, f.evidence.map((e) => `${e.gw}:${e.rssi}:${e.n}`).join(','), f.floor, f.method, f.room ?? '', f.t, f.x, f.y, f.zones.join(',')];

describe('InfluxQL reads, v2 mode (recording server)', () => {
  let server: Server;
  let url = '';
  const seen: Seen[] = [];
  const answers: unknown[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ path: req.url!, headers: req.headers, form: Object.fromEntries(new URLSearchParams(body)) });
        res.writeHead(200, { 'content-type': 'application/json' });
        const a = answers.shift() ?? { results: [{ statement_id: 0 }] };
        // An array stands for a chunked answer: one JSON object per line.
        res.end(Array.isArray(a) ? a.map((x) => JSON.stringify(x)).join('\n') : JSON.stringify(a));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterEach(() => {
    seen.length = 0;
    answers.length = 0;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const store = (extra: Record<string, string> = {}, clock = () => T0) =>
    new InfluxHistoryStore(toInfluxConfig({ INFLUX_URL: url, INFLUX_TOKEN: 'tkn', INFLUX_ORG: 'o', INFLUX_BUCKET: 'rtls', ...extra })!, { clock });

  it('POST /query with Token auth, db = the bucket, no rp, epoch=ms; the answer decoded into fixes', async () => {
    answers.push({ results: [{ statement_id: 0, series: [{ name: 'fixes', columns: COLUMNS, values: [row()] }] }] });
    expect(await store().trail(tag, T0, T0 + 1000, 10)).toEqual([fix]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/query');
    expect(seen[0]!.headers.authorization).toBe('Token tkn');
    expect(seen[0]!.headers['content-type']).toMatch(/application\/x-www-form-urlencoded/);
    expect(seen[0]!.form).toMatchObject({ db: 'rtls', epoch: 'ms' });
    expect(seen[0]!.form.rp).toBeUndefined();
    expect(seen[0]!.form.q).toMatch(/^SELECT .* FROM "fixes" WHERE "tag" = 'ble:0000000000A1' AND time >= \d+ms AND time <= \d+ms ORDER BY time DESC LIMIT 10$/);
  });

  it('with INFLUX_TRAILS_BUCKET, the part of a range older than the raw retention reads that bucket', async () => {
    const s = store({ INFLUX_TRAILS_BUCKET: 'rtls_trails', INFLUX_RAW_RETENTION_DAYS: '30' }, () => T0 + 30 * 86_400_000 + 3_600_000);
    expect((await s.ensureRetention()).trailsReady).toBe(true);
    const old = contractFix(tag, T0 + 59_000, 'L1', 1);
    answers.push({ results: [{ statement_id: 0 }] }, { results: [{ statement_id: 0, series: [{ name: 'fixes', columns: COLUMNS, values: [row(old, T0)] }] }] });
    // The range starts 1 h before the boundary: raw part first (empty here), then the trails for the rest.
    expect(await s.trail(tag, T0, T0 + 2 * 3_600_000, 100)).toEqual([old]);
    expect(seen.map((r) => r.form.db)).toEqual(['rtls', 'rtls_trails']);
    const boundary = T0 + 3_600_000;
    expect(seen[0]!.form.q).toContain(`time >= ${boundary}ms AND time <= ${T0 + 2 * 3_600_000}ms`);
    expect(seen[1]!.form.q).toContain(`time >= ${T0}ms AND time <= ${boundary - 1}ms`);
  });

  it('without a trails bucket every range reads the raw bucket', async () => {
    const s = store({ INFLUX_RAW_RETENTION_DAYS: '1' }, () => T0 + 90 * 86_400_000);
    expect((await s.ensureRetention()).trailsReady).toBe(false);
    await s.trail(tag, T0, T0 + 1000, 10);
    expect(seen.map((r) => r.form.db)).toEqual(['rtls']);
  });

  it('a statement error inside a 200 answer, an HTTP error and a truncated answer all throw InfluxQueryError', async () => {
    const s = store();
    answers.push({ results: [{ statement_id: 0, error: 'database not found: rtls' }] });
    await expect(s.trail(tag, T0, T0 + 1000, 10)).rejects.toThrow(InfluxQueryError);
    // The last chunk still saying partial: the server ended early.
    answers.push({ results: [{ statement_id: 0, series: [{ name: 'fixes', columns: COLUMNS, values: [row()] }], partial: true }] });
    await expect(s.trail(tag, T0, T0 + 1000, 10)).rejects.toThrow(/ended the answer early/);
    answers.push({ error: 'unauthorized access' });
    await expect(s.lastFixes()).rejects.toThrow(/unauthorized/);
  });

  it('asks for a chunked answer and merges the chunks of one series (1.x flags unchunked answers over 10,000 rows)', async () => {
    const f2 = contractFix(tag, T0 + 600, 'L1', 5, 6);
    answers.push([
      { results: [{ statement_id: 0, series: [{ name: 'fixes', columns: COLUMNS, values: [row(f2)], partial: true }], partial: true }] },
      { results: [{ statement_id: 0, series: [{ name: 'fixes', columns: COLUMNS, values: [row()] }] }] },
    ]);
    expect(await store().trail(tag, T0, T0 + 1000, 10)).toEqual([fix, f2]);
    expect(seen[0]!.form).toMatchObject({ chunked: 'true', chunk_size: '10000' });
  });
});
