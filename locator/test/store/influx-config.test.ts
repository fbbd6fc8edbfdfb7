/**
 * INFLUX_* configuration (issue #5 item 1): v2 needs url + token + org + bucket, v1 needs url + database; no URL means
 * no InfluxDB; every error names the variable.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { INFLUX_ENV_NAMES, InfluxEnvSchema, toInfluxConfig, authHeaders, writeUrl, rawTarget, trailsTarget } from '../../src/store/influx/index.ts';

const v2 = { INFLUX_URL: 'http://influx:8086/', INFLUX_TOKEN: 'tok', INFLUX_ORG: 'hospital', INFLUX_BUCKET: 'rtls' };
const v1 = { INFLUX_URL: 'http://old:8086', INFLUX_API: 'v1', INFLUX_DATABASE: 'rtls' };

describe('toInfluxConfig', () => {
  it('is null without INFLUX_URL (history stays in SQLite), also when only other INFLUX_* are set', () => {
    expect(toInfluxConfig({})).toBeNull();
    expect(toInfluxConfig({ INFLUX_URL: '  ', INFLUX_TOKEN: 'x' })).toBeNull();
  });

  it('v2 by default: url without trailing slash, token/org/bucket, frozen', () => {
    const c = toInfluxConfig(v2)!;
    expect(c).toMatchObject({ api: 'v2', url: 'http://influx:8086', token: 'tok', org: 'hospital', bucket: 'rtls', trailsBucket: null, rawRetentionMs: 30 * 86_400_000 });
    expect(Object.isFrozen(c)).toBe(true);
    expect(writeUrl(c)).toBe('http://influx:8086/api/v2/write?org=hospital&bucket=rtls&precision=ms');
    expect(authHeaders(c)).toEqual({ authorization: 'Token tok' });
    expect(rawTarget(c)).toEqual({ db: 'rtls' });
    expect(trailsTarget(c)).toBeNull();
    expect(trailsTarget(toInfluxConfig({ ...v2, INFLUX_TRAILS_BUCKET: 'rtls_trails' })!)).toEqual({ db: 'rtls_trails' });
  });

  it('v2 names every missing setting', () => {
    expect(() => toInfluxConfig({ INFLUX_URL: 'http://x:8086' })).toThrow(/INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET/);
    expect(() => toInfluxConfig({ ...v2, INFLUX_ORG: '' })).toThrow(/needs INFLUX_ORG/);
  });

  it('v1: database, default raw policy rtls_raw, optional user/password as basic auth', () => {
    const c = toInfluxConfig(v1)!;
    expect(c).toMatchObject({ api: 'v1', database: 'rtls', retentionPolicy: 'rtls_raw', trailsRetentionPolicy: 'rtls_trails', username: null });
    expect(writeUrl(c)).toBe('http://old:8086/write?db=rtls&rp=rtls_raw&precision=ms');
    expect(authHeaders(c)).toEqual({});
    const auth = toInfluxConfig({ ...v1, INFLUX_RETENTION_POLICY: 'two weeks', INFLUX_USERNAME: 'rtls', INFLUX_PASSWORD: 'p:w' })!;
    expect(writeUrl(auth)).toBe('http://old:8086/write?db=rtls&rp=two+weeks&precision=ms');
    expect(authHeaders(auth)).toEqual({ authorization: `Basic ${Buffer.from('rtls:p:w').toString('base64')}` });
    expect(rawTarget(auth)).toEqual({ db: 'rtls', rp: 'two weeks' });
    expect(() => toInfluxConfig({ INFLUX_URL: 'http://old:8086', INFLUX_API: 'v1' })).toThrow(/INFLUX_DATABASE/);
    expect(() => toInfluxConfig({ ...v1, INFLUX_USERNAME: 'rtls' })).toThrow(/INFLUX_PASSWORD/);
    expect(() => toInfluxConfig({ ...v1, INFLUX_RETENTION_POLICY: 'rtls_trails' })).toThrow(/INFLUX_RETENTION_POLICY/);
  });

  it('retention days: 0 = forever, fractions allowed, negatives refused with the variable named', () => {
    expect(toInfluxConfig({ ...v1, INFLUX_RAW_RETENTION_DAYS: '0', INFLUX_TRAILS_RETENTION_DAYS: '365' })).toMatchObject({ rawRetentionMs: 0, trailsRetentionMs: 365 * 86_400_000 });
    expect(toInfluxConfig({ ...v1, INFLUX_RAW_RETENTION_DAYS: '0.5' })).toMatchObject({ rawRetentionMs: 43_200_000 });
    expect(() => toInfluxConfig({ ...v1, INFLUX_RAW_RETENTION_DAYS: '-1' })).toThrow(/INFLUX_RAW_RETENTION_DAYS/);
    expect(() => toInfluxConfig({ ...v2, INFLUX_API: 'v3' })).toThrow(/INFLUX_API/);
    expect(() => toInfluxConfig({ ...v2, INFLUX_URL: 'influx:8086' })).toThrow(/INFLUX_URL/);
    expect(() => toInfluxConfig({ ...v2, INFLUX_TIMEOUT_MS: '5' })).toThrow(/INFLUX_TIMEOUT_MS/);
  });

  it('merges into a wider env schema (config.ts spreads the shape) and accepts that schema’s output', () => {
    const wider = z.object({ RTLS_HTTP_PORT: z.string().optional(), ...InfluxEnvSchema.shape });
    const parsed = wider.parse({ RTLS_HTTP_PORT: '8080', ...v1, INFLUX_RAW_RETENTION_DAYS: '7' });
    expect(toInfluxConfig(parsed)).toMatchObject({ api: 'v1', rawRetentionMs: 7 * 86_400_000 });
    expect(INFLUX_ENV_NAMES).toEqual(Object.keys(InfluxEnvSchema.shape));
    expect(INFLUX_ENV_NAMES.every((n) => n.startsWith('INFLUX_'))).toBe(true);
  });
});
