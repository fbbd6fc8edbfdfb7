import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '@rtls/protocol';
import { loadBrokerConfig } from '../src/config.ts';

describe('loadBrokerConfig', () => {
  it('has documented defaults and returns a frozen object', () => {
    const c = loadBrokerConfig({});
    expect(c).toMatchObject({
      profile: 'production', host: '0.0.0.0', port: 1883, wsPort: 8083, tls: null, credentialsFile: null, logLevel: 'info',
      revalidateIntervalMs: 30_000,
    });
    expect(c.lockout).toEqual({ usernameFailures: 10, addressFailures: 50, windowMs: 300_000, lockoutMs: 300_000 });
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
    expect(Object.isFrozen(c.lockout)).toBe(true);
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
    // Issue #6 demands a revoked gateway be disconnected within 60 s.
    expect(() => loadBrokerConfig({ RTLS_MQTT_REVALIDATE_S: '61' })).toThrow(/RTLS_MQTT_REVALIDATE_S: .*60/);
    expect(() => loadBrokerConfig({ RTLS_MQTT_LOCKOUT_FAILURES: '0' })).toThrow(/RTLS_MQTT_LOCKOUT_FAILURES/);
    expect(() => loadBrokerConfig({ RTLS_BROKER_PROFILE: 'test' })).toThrow(/RTLS_BROKER_PROFILE: must be production or conformance/);
  });

  it('configures TLS from a certificate and key, both or neither, and lets the plain listener be off', () => {
    const c = loadBrokerConfig({ RTLS_MQTT_PORT: 'off', RTLS_MQTT_TLS_CERT_FILE: 'tls/cert.pem', RTLS_MQTT_TLS_KEY_FILE: '/etc/rtls/key.pem' });
    expect(c.port).toBeNull();
    expect(c.tls).toEqual({ port: 8883, certFile: path.resolve('tls/cert.pem'), keyFile: '/etc/rtls/key.pem', caFile: null });
    expect(Object.isFrozen(c.tls)).toBe(true);
    expect(loadBrokerConfig({ RTLS_MQTT_TLS_CERT_FILE: 'c', RTLS_MQTT_TLS_KEY_FILE: 'k', RTLS_MQTT_TLS_CA_FILE: 'ca', RTLS_MQTT_TLS_PORT: '0' }).tls)
      .toMatchObject({ port: 0, caFile: path.resolve('ca') });
    expect(() => loadBrokerConfig({ RTLS_MQTT_TLS_CERT_FILE: 'c' })).toThrow(/RTLS_MQTT_TLS_KEY_FILE: must be set when RTLS_MQTT_TLS_CERT_FILE is/);
    expect(() => loadBrokerConfig({ RTLS_MQTT_TLS_KEY_FILE: 'k' })).toThrow(/RTLS_MQTT_TLS_CERT_FILE: must be set when RTLS_MQTT_TLS_KEY_FILE is/);
    expect(() => loadBrokerConfig({ RTLS_MQTT_TLS_CA_FILE: 'ca' })).toThrow(/RTLS_MQTT_TLS_CA_FILE/);
    // Every listener off is refused; TLS alone is enough.
    expect(() => loadBrokerConfig({ RTLS_MQTT_PORT: 'off', RTLS_MQTT_WS_PORT: 'off' })).toThrow(/RTLS_MQTT_PORT: .*no listener/);
    expect(loadBrokerConfig({ RTLS_MQTT_PORT: 'off', RTLS_MQTT_WS_PORT: 'off', RTLS_MQTT_TLS_CERT_FILE: 'c', RTLS_MQTT_TLS_KEY_FILE: 'k' }).tls).not.toBeNull();
  });

  it('keeps the conformance profile on loopback, with no keepalive cap', () => {
    const c = loadBrokerConfig({ RTLS_BROKER_PROFILE: 'conformance' });
    expect(c).toMatchObject({ profile: 'conformance', host: '127.0.0.1' });
    expect(c.limits.keepaliveLimitS).toBe(0);
    for (const host of ['::1', 'localhost', '127.0.0.2']) expect(loadBrokerConfig({ RTLS_BROKER_PROFILE: 'conformance', RTLS_MQTT_HOST: host }).host).toBe(host);
    for (const host of ['0.0.0.0', '10.1.2.3', '::', 'broker.hospital.local']) {
      expect(() => loadBrokerConfig({ RTLS_BROKER_PROFILE: 'conformance', RTLS_MQTT_HOST: host }), host).toThrow(/RTLS_MQTT_HOST: .*not a loopback address/);
    }
    expect(loadBrokerConfig({ RTLS_BROKER_PROFILE: 'conformance', RTLS_MQTT_KEEPALIVE_LIMIT_S: '60' }).limits.keepaliveLimitS).toBe(60);
  });
});
