/**
 * InfluxWriter (issue #5 item 3): resolves only on 204, otherwise an InfluxWriteError that says whether a retry can
 * help and when (Retry-After is seconds). The v2 request is checked against a local HTTP server that records what
 * arrives (no 2.x server here); the v1 path and the error classes against a real influxd 1.6.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  InfluxWriteError, InfluxWriter, encodeBatch, parseRetryAfterMs, toInfluxConfig, writeErrorFromResponse,
} from '../../src/store/influx/index.ts';
import { contractFix, contractTag, CONTRACT_T0 } from './history-contract.ts';
import { skipWithoutInfluxd, startInfluxd, type Influxd } from './influxd.ts';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A server that records every request and answers from a script (default 204). */
async function recorder(): Promise<{ url: string; requests: Recorded[]; reply: ((n: number) => { status: number; headers?: Record<string, string>; body?: string })[]; server: Server }> {
  const requests: Recorded[] = [];
  const reply: ((n: number) => { status: number; headers?: Record<string, string>; body?: string })[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const r = reply.shift()?.(requests.length) ?? { status: 204 };
      res.writeHead(r.status, r.headers ?? {});
      res.end(r.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, reply, server };
}

const T0 = CONTRACT_T0;
const fixes = Array.from({ length: 5 }, (_, i) => contractFix(contractTag(i + 1), T0 + i * 1000, 'L1', i));
const events = [{ tag: contractTag(1), t: T0, floor: 'L1', zone: 'icu', kind: 'enter' as const }];

async function rejection(p: Promise<unknown>): Promise<InfluxWriteError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InfluxWriteError);
    return err as InfluxWriteError;
  }
  throw new Error('expected the write to be rejected');
}

describe('InfluxWriter requests (recording server)', () => {
  let rec: Awaited<ReturnType<typeof recorder>>;
  beforeAll(async () => {
    rec = await recorder();
  });
  afterEach(() => {
    rec.requests.length = 0;
    rec.reply.length = 0;
  });
  afterAll(() => new Promise<void>((r) => rec.server.close(() => r())));

  const v2 = () => toInfluxConfig({ INFLUX_URL: `${rec.url}/influx/`, INFLUX_TOKEN: 's3cr3t', INFLUX_ORG: 'St. Mary’s', INFLUX_BUCKET: 'rtls/raw' })!;

  it('v2: POST /api/v2/write with org, bucket, precision=ms, Token auth, the encoded lines as the body', async () => {
    const w = new InfluxWriter(v2(), { kindOf: () => 'equipment' });
    await w.write(fixes, events);
    expect(rec.requests).toHaveLength(1);
    const r = rec.requests[0]!;
    expect(r.method).toBe('POST');
    const u = new URL(r.url, rec.url);
    expect(u.pathname).toBe('/influx/api/v2/write');
    expect(Object.fromEntries(u.searchParams)).toEqual({ org: 'St. Mary’s', bucket: 'rtls/raw', precision: 'ms' });
    expect(r.headers.authorization).toBe('Token s3cr3t');
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body).toBe(encodeBatch(fixes, events, () => 'equipment').join('\n'));
    expect(w.stats()).toMatchObject({ requests: 1, linesWritten: 6, failedRequests: 0 });
  });

  it('v1: POST /write with db, rp, precision=ms and basic auth — never credentials in the URL', async () => {
    const cfg = toInfluxConfig({ INFLUX_URL: rec.url, INFLUX_API: 'v1', INFLUX_DATABASE: 'rtls', INFLUX_USERNAME: 'u', INFLUX_PASSWORD: 'p w' })!;
    await new InfluxWriter(cfg).write(fixes.slice(0, 1), []);
    const r = rec.requests[0]!;
    const u = new URL(r.url, rec.url);
    expect(u.pathname).toBe('/write');
    expect(Object.fromEntries(u.searchParams)).toEqual({ db: 'rtls', rp: 'rtls_raw', precision: 'ms' });
    expect(r.headers.authorization).toBe(`Basic ${Buffer.from('u:p w').toString('base64')}`);
  });

  it('large bodies go gzip-compressed, with the same lines inside', async () => {
    const many = Array.from({ length: 2000 }, (_, i) => contractFix(contractTag(i % 50 + 1), T0 + i, 'L1', i));
    const w = new InfluxWriter(v2(), { gzipThresholdBytes: 10_000 });
    await w.write(many, []);
    const r = rec.requests[0]!;
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.body).toBe(encodeBatch(many, []).join('\n'));
    expect(w.stats().bytesSent).toBeLessThan(Buffer.byteLength(r.body) / 3);
  });

  it('splits a batch into requests of maxLinesPerRequest, in order; a failure reports what earlier requests wrote', async () => {
    const w = new InfluxWriter(v2(), { maxLinesPerRequest: 2 });
    await w.write(fixes, events);
    expect(rec.requests.map((r) => r.body.split('\n').length)).toEqual([2, 2, 2]);
    expect(rec.requests.map((r) => r.body).join('\n')).toBe(encodeBatch(fixes, events).join('\n'));
    rec.requests.length = 0;
    rec.reply.push(() => ({ status: 204 }), () => ({ status: 500, body: '{"code":"internal error","message":"boom"}', headers: { 'content-type': 'application/json' } }));
    const err = await rejection(w.write(fixes, events));
    expect(rec.requests).toHaveLength(2);
    expect(err).toMatchObject({ status: 500, permanent: false, reason: 'server', acceptedLines: 2, serverMessage: 'boom' });
  });

  it('429 with Retry-After in seconds → retryAfterMs = seconds × 1000, not permanent', async () => {
    rec.reply.push(() => ({ status: 429, headers: { 'retry-after': '7' }, body: '{"code":"too many requests","message":"slow down"}' }));
    const err = await rejection(new InfluxWriter(v2()).write(fixes, []));
    expect(err).toMatchObject({ status: 429, retryAfterMs: 7000, permanent: false, reason: 'throttled' });
  });

  it('503 with an HTTP-date Retry-After is measured against the response’s own Date header', async () => {
    const date = 'Mon, 23 Nov 2026 16:00:00 GMT';
    rec.reply.push(() => ({ status: 503, headers: { 'retry-after': 'Mon, 23 Nov 2026 16:00:30 GMT', date } }));
    const err = await rejection(new InfluxWriter(v2()).write(fixes, []));
    expect(err).toMatchObject({ status: 503, retryAfterMs: 30_000, permanent: false, reason: 'throttled' });
  });

  it('4xx other than 408/429 is permanent; auth and not-found are told apart from rejected data', async () => {
    const cases: [number, string, Partial<InfluxWriteError>][] = [
      [400, '{"error":"partial write: field type conflict: input field \\"x\\" on measurement \\"fixes\\" is type float dropped=3"}', { permanent: true, reason: 'rejected', droppedPoints: 3 }],
      [401, '{"code":"unauthorized","message":"unauthorized access"}', { permanent: true, reason: 'auth', serverMessage: 'unauthorized access' }],
      [403, '', { permanent: true, reason: 'auth' }],
      [404, '{"code":"not found","message":"bucket \\"rtls/raw\\" not found"}', { permanent: true, reason: 'not-found' }],
      [413, '', { permanent: true, reason: 'rejected' }],
      [422, '', { permanent: true, reason: 'rejected' }],
      [408, '', { permanent: false, reason: 'server' }],
      [502, 'bad gateway', { permanent: false, reason: 'server', serverMessage: 'bad gateway' }],
      [503, '', { permanent: false, reason: 'server' }],
    ];
    for (const [status, body, want] of cases) {
      rec.reply.push(() => ({ status, body, headers: (body.startsWith('{') ? { 'content-type': 'application/json' } : {}) as Record<string, string> }));
      const err = await rejection(new InfluxWriter(v2()).write(fixes, []));
      expect(err, String(status)).toMatchObject({ status, ...want });
      expect(err.retryAfterMs, String(status)).toBeUndefined();
    }
  });

  it('a 2xx that is not 204 is not an acceptance (InfluxDB 3 once answered partial writes with 201)', async () => {
    rec.reply.push(() => ({ status: 201 }));
    const err = await rejection(new InfluxWriter(v2()).write(fixes, []));
    expect(err).toMatchObject({ status: 201, reason: 'unexpected', permanent: true });
  });

  it('no answer within the timeout is a network failure, not permanent', async () => {
    rec.reply.push(() => ({ status: 204 }));
    const slow = createServer(() => {
      // never answers
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const cfg = toInfluxConfig({ INFLUX_URL: `http://127.0.0.1:${(slow.address() as { port: number }).port}`, INFLUX_TOKEN: 't', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b', INFLUX_TIMEOUT_MS: '200' })!;
    const err = await rejection(new InfluxWriter(cfg).write(fixes, []));
    expect(err).toMatchObject({ status: undefined, permanent: false, reason: 'network' });
    expect(err.message).toMatch(/timed out/);
    slow.closeAllConnections();
    await new Promise<void>((r) => slow.close(() => r()));
  });
});

describe('parseRetryAfterMs / writeErrorFromResponse (pure)', () => {
  it('reads delay-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfterMs('0')).toBe(0);
    expect(parseRetryAfterMs(' 120 ')).toBe(120_000);
    expect(parseRetryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT', 'Wed, 21 Oct 2026 07:27:00 GMT')).toBe(60_000);
    expect(parseRetryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT', 'Wed, 21 Oct 2026 07:29:00 GMT')).toBe(0);
    expect(parseRetryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT')).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs(null)).toBeUndefined();
  });

  it('takes influxd 1.x’s X-Influxdb-Error header as the message', () => {
    const e = writeErrorFromResponse(400, new Headers({ 'x-influxdb-error': 'partial write: points beyond retention policy dropped=12' }), '{"error":"…"}');
    expect(e).toMatchObject({ reason: 'rejected', permanent: true, droppedPoints: 12, serverMessage: 'partial write: points beyond retention policy dropped=12' });
  });
});

describe.skipIf(skipWithoutInfluxd)('InfluxWriter against influxd 1.6', () => {
  let influxd: Influxd;
  const admin = { username: 'rtls-admin', password: `pa'ss"word` };
  beforeAll(async () => {
    influxd = await startInfluxd({ admin });
  });
  afterAll(async () => {
    await influxd?.cleanup();
  });
  const v1 = (extra: Record<string, string> = {}) => toInfluxConfig({
    INFLUX_URL: influxd.url, INFLUX_API: 'v1', INFLUX_DATABASE: influxd.database, INFLUX_RETENTION_POLICY: 'autogen',
    INFLUX_USERNAME: admin.username, INFLUX_PASSWORD: admin.password, ...extra,
  })!;

  it('writes with basic auth and resolves only once the points are queryable', async () => {
    await new InfluxWriter(v1()).write(fixes, events);
    const body = await influxd.query('SELECT count("x") FROM "fixes"; SELECT count("inside") FROM "zone_events"');
    expect(body.results?.map((r) => r.series?.[0]?.values[0]?.[1])).toEqual([fixes.length, events.length]);
  });

  it('wrong password → 401 auth (permanent for these credentials, but not the data’s fault)', async () => {
    const err = await rejection(new InfluxWriter(v1({ INFLUX_PASSWORD: 'wrong' })).write(fixes, []));
    expect(err).toMatchObject({ status: 401, permanent: true, reason: 'auth' });
  });

  it('a database that does not exist → 404 not-found, permanent', async () => {
    const err = await rejection(new InfluxWriter(v1({ INFLUX_DATABASE: 'no_such_db' })).write(fixes, []));
    expect(err).toMatchObject({ status: 404, permanent: true, reason: 'not-found' });
    expect(err.serverMessage).toMatch(/database not found/);
  });

  it('a field of another type → 400 rejected, permanent, with the dropped count', async () => {
    await influxd.query('CREATE DATABASE "typed"');
    const ok = await fetch(`${influxd.url}/write?db=typed&precision=ms`, {
      method: 'POST', body: `fixes,tag=${contractTag(1)} x="a string" ${T0 - 1}`,
      headers: { authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}` },
    });
    expect(ok.status).toBe(204);
    const err = await rejection(new InfluxWriter(v1({ INFLUX_DATABASE: 'typed' })).write(fixes, []));
    expect(err).toMatchObject({ status: 400, permanent: true, reason: 'rejected', droppedPoints: fixes.length });
  });

  it('influxd stopped → network error, not permanent; started again → the same write succeeds', async () => {
    const w = new InfluxWriter(v1());
    await influxd.stop();
    const err = await rejection(w.write(fixes, []));
    expect(err).toMatchObject({ status: undefined, permanent: false, reason: 'network' });
    expect(err.message).toMatch(/ECONNREFUSED/);
    await influxd.start();
    await w.write(fixes, []);
    const body = await influxd.query('SELECT count("x") FROM "fixes"');
    // Written in the first test and again now: the same points, not twice as many.
    expect(body.results?.[0]?.series?.[0]?.values[0]?.[1]).toBe(fixes.length);
  });
});
