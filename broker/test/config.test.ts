import { describe, expect, it } from 'vitest';
import { LIMITS } from '@rtls/protocol';
import { loadBrokerConfig } from '../src/config.ts';

describe('loadBrokerConfig', () => {
  it('has documented defaults and returns a frozen object', () => {
    const c = loadBrokerConfig({});
    expect(c).toMatchObject({ host: '0.0.0.0', port: 1883, wsPort: 8083, credentialsFile: null, logLevel: 'info' });
    expect(c.limits).toEqual({
      maxPacketBytes: LIMITS.maxPacketBytes,
      connectTimeoutMs: 10_000,
      drainTimeoutMs: 5_000,
      maxConnections: 5_000,
      queueLimit: 42,
      concurrency: 1_000,
      keepaliveLimitS: 300,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it('takes overrides, treats empty values as unset, and turns the WebSocket listener off', () => {
    const c = loadBrokerConfig({
      RTLS_MQTT_HOST: '127.0.0.1',
      RTLS_MQTT_PORT: '0',
      RTLS_MQTT_WS_PORT: 'off',
      RTLS_MQTT_MAX_PACKET_BYTES: '65536',
      RTLS_MQTT_MAX_CONNECTIONS: '10',
      RTLS_MQTT_DRAIN_TIMEOUT_MS: '',
      RTLS_BROKER_CREDENTIALS_FILE: '/etc/rtls/broker-credentials.json',
    });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 0, wsPort: null, credentialsFile: '/etc/rtls/broker-credentials.json' });
    expect(c.limits).toMatchObject({ maxPacketBytes: 65536, maxConnections: 10, drainTimeoutMs: 5_000 });
    expect(loadBrokerConfig({ RTLS_MQTT_WS_PORT: '0' }).wsPort).toBe(0);
  });

  it('rejects a bad value with a message naming the variable', () => {
    expect(() => loadBrokerConfig({ RTLS_MQTT_PORT: 'mqtt' })).toThrow(/RTLS_MQTT_PORT/);
    expect(() => loadBrokerConfig({ RTLS_MQTT_PORT: '70000' })).toThrow(/RTLS_MQTT_PORT/);
    expect(() => loadBrokerConfig({ RTLS_MQTT_WS_PORT: 'on' })).toThrow(/RTLS_MQTT_WS_PORT/);
    expect(() => loadBrokerConfig({ RTLS_MQTT_MAX_PACKET_BYTES: '12' })).toThrow(/RTLS_MQTT_MAX_PACKET_BYTES/);
    expect(() => loadBrokerConfig({ RTLS_MQTT_MAX_CONNECTIONS: '1.5' })).toThrow(/RTLS_MQTT_MAX_CONNECTIONS/);
  });
});
