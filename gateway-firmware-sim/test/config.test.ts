import { describe, expect, it } from 'vitest';
import { loadSimConfig, parseCliArgs } from '../src/index.ts';

describe('simulator config', () => {
  it('has the documented defaults and is frozen', () => {
    const c = loadSimConfig({});
    expect(c).toMatchObject({ tags: 400, seed: 42, batchMs: 1000, advIntervalMs: 1000, rate: 1 });
    expect(c.mqttUrl).toBeUndefined();
    expect(c.truthFile).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the RTLS_SIM_* env, and command-line flags override it', () => {
    const env = { RTLS_SIM_TAGS: '50', RTLS_SIM_SEED: '7', RTLS_SIM_MQTT_URL: 'mqtt://broker:1883', RTLS_SIM_BATCH_MS: '500', RTLS_SIM_TRUTH_FILE: '/tmp/t.jsonl' };
    expect(loadSimConfig(env)).toMatchObject({ tags: 50, seed: 7, mqttUrl: 'mqtt://broker:1883', batchMs: 500, truthFile: '/tmp/t.jsonl' });
    const flags = parseCliArgs(['--tags', '2000', '--url', 'mqtt://other:1884', '--credentials', 'creds.json', '--rate', '4']);
    expect(loadSimConfig(env, flags)).toMatchObject({ tags: 2000, seed: 7, mqttUrl: 'mqtt://other:1884', credentialsFile: 'creds.json', rate: 4 });
  });

  it('names every bad setting by its env name, and rejects unknown flags', () => {
    expect(() => loadSimConfig({ RTLS_SIM_TAGS: 'many', RTLS_SIM_BATCH_MS: '0' })).toThrow(/RTLS_SIM_TAGS[\s\S]*RTLS_SIM_BATCH_MS/);
    expect(() => loadSimConfig({ RTLS_SIM_MQTT_URL: 'not a url' })).toThrow(/RTLS_SIM_MQTT_URL/);
    expect(() => parseCliArgs(['--tagz', '3'])).toThrow();
  });
});
