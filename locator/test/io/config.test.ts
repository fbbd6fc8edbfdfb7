import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_SITE_DIR } from '@rtls/floorplans';
import { loadLocatorConfig } from '../../src/config.ts';
import { DEFAULT_PIPELINE_OPTIONS } from '../../src/pipeline.ts';

describe('locator config', () => {
  it('applies documented defaults', () => {
    const c = loadLocatorConfig({});
    expect(c.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.siteDir).toBe(path.resolve(SAMPLE_SITE_DIR));
    expect(path.isAbsolute(c.webDist)).toBe(true);
    expect(c.webDist.endsWith(path.join('web', 'dist'))).toBe(true);
    expect(c.mqtt).toEqual({ url: null, username: null, password: null, subscribe: 'all' });
    expect(c.logLevel).toBe('info');
    expect([c.liveFlushMs, c.tickMs, c.storeFlushMs]).toEqual([250, 100, 500]);
  });

  it('pipeline defaults equal the pipeline module DEFAULT_PIPELINE_OPTIONS', () => {
    expect(loadLocatorConfig({}).pipeline).toEqual({ ...DEFAULT_PIPELINE_OPTIONS, pathLoss: { ...DEFAULT_PIPELINE_OPTIONS.pathLoss } });
  });

  it('reads overrides, treating empty strings as unset', () => {
    const c = loadLocatorConfig({
      RTLS_HTTP_HOST: '127.0.0.1', RTLS_HTTP_PORT: '0', RTLS_DATA_DIR: '/tmp/x', RTLS_MQTT_URL: 'mqtt://broker:1883',
      RTLS_MQTT_USERNAME: 'loc', RTLS_MQTT_PASSWORD: 's3cret', RTLS_MQTT_SUBSCRIBE: 'gateways', RTLS_LOG_LEVEL: 'debug', RTLS_LIVE_FLUSH_MS: '100',
      RTLS_WINDOW_MS: '6000', RTLS_PATH_LOSS_EXPONENT: '2.7', RTLS_PATH_LOSS_RSSI_AT_1M_DBM: '-62', RTLS_TICK_MS: '',
    });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 0 });
    expect(c.dataDir).toBe('/tmp/x');
    expect(c.mqtt).toEqual({ url: 'mqtt://broker:1883', username: 'loc', password: 's3cret', subscribe: 'gateways' });
    expect(c.logLevel).toBe('debug');
    expect(c.liveFlushMs).toBe(100);
    expect(c.tickMs).toBe(100);
    expect(c.pipeline.windowMs).toBe(6000);
    expect(c.pipeline.pathLoss).toEqual({ rssiAt1mDbm: -62, exponent: 2.7 });
  });

  it('is frozen, nested sections included', () => {
    const c = loadLocatorConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.pipeline.pathLoss)).toBe(true);
    expect(() => {
      (c.http as { port: number }).port = 1;
    }).toThrow();
  });

  it.each([
    ['RTLS_HTTP_PORT', 'eighty'],
    ['RTLS_HTTP_PORT', '70000'],
    ['RTLS_HTTP_PORT', '80.5'],
    ['RTLS_LOG_LEVEL', 'loud'],
    ['RTLS_MQTT_URL', 'http://broker'],
    ['RTLS_TICK_MS', '-5'],
    ['RTLS_WINDOW_MS', 'abc'],
    ['RTLS_PATH_LOSS_EXPONENT', '0'],
  ])('rejects %s=%s with an error naming the variable', (name, value) => {
    expect(() => loadLocatorConfig({ [name]: value })).toThrow(name);
  });

  it('never echoes the MQTT password in errors', () => {
    let msg = '';
    try {
      loadLocatorConfig({ RTLS_MQTT_PASSWORD: 'hunter2-secret', RTLS_HTTP_PORT: 'x' });
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain('RTLS_HTTP_PORT');
    expect(msg).not.toContain('hunter2-secret');
  });
});
