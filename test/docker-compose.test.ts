/**
 * docker-compose.yml must only set environment names the services actually read, so a typo there cannot silently
 * fall back to a default (issue #2).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LocatorEnvSchema, loadLocatorConfig } from '@rtls/locator';
import { BrokerEnvSchema, loadBrokerConfig } from '@rtls/broker';
import { SIM_ENV_NAMES, loadSimConfig } from '@rtls/gateway-firmware-sim';

const compose = parse(readFileSync(resolve(import.meta.dirname, '..', 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { environment?: Record<string, string>; image?: string }>;
};

const known = new Set<string>([
  ...Object.keys(LocatorEnvSchema.shape),
  ...Object.keys(BrokerEnvSchema.shape),
  ...Object.values(SIM_ENV_NAMES),
]);

describe('docker-compose.yml', () => {
  const rtls = compose.services.rtls!;

  it('runs the platform beside an InfluxDB 2.7 initialised with org, bucket and token', () => {
    const influx = compose.services.influxdb!;
    expect(influx.image).toMatch(/^influxdb:2\.7/);
    for (const k of ['DOCKER_INFLUXDB_INIT_MODE', 'DOCKER_INFLUXDB_INIT_ORG', 'DOCKER_INFLUXDB_INIT_BUCKET', 'DOCKER_INFLUXDB_INIT_ADMIN_TOKEN']) {
      expect(influx.environment?.[k], k).toBeTruthy();
    }
  });

  it('sets only environment names that a config schema reads', () => {
    const names = Object.keys(rtls.environment ?? {});
    expect(names.length).toBeGreaterThan(3);
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  it('sets values every config schema accepts', () => {
    const env = rtls.environment ?? {};
    expect(() => loadLocatorConfig(env)).not.toThrow();
    expect(() => loadBrokerConfig(env)).not.toThrow();
    expect(() => loadSimConfig(env)).not.toThrow();
  });

  it('would catch a misspelt name', () => {
    expect(known.has('RTLS_HTTP_PROT')).toBe(false);
    expect(known.has('RTLS_HTTP_PORT')).toBe(true);
  });
});
