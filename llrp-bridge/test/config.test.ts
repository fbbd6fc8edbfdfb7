import { describe, expect, it } from 'vitest';
import { LIMITS } from '@rtls/protocol';
import { loadLlrpBridgeConfig } from '../src/config.ts';

const base = { RTLS_LLRP_READER_HOST: '10.0.0.21', RTLS_LLRP_GATEWAY_ID: 'L0-rfid-portal-1' };

describe('LLRP bridge config', () => {
  it('fills every default and freezes the result', () => {
    const c = loadLlrpBridgeConfig(base);
    expect(c).toMatchObject({
      readerHost: '10.0.0.21', readerPort: 5084, gatewayId: 'L0-rfid-portal-1', mqttUrl: 'mqtt://localhost:1883',
      batchIntervalMs: 500, maxReadsPerBatch: LIMITS.maxReadsPerBatch, reportIntervalMs: 500, antennas: [], rospecId: 1,
      keepaliveMs: 5000, factoryReset: false, reconnectMinMs: 1000, reconnectMaxMs: 30_000, heartbeatMs: 30_000, logLevel: 'info',
    });
    expect(c.mqttUsername).toBeUndefined();
    expect(c.mqttPassword).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.antennas)).toBe(true);
  });

  it('parses antennas, booleans and numbers from their variables', () => {
    const c = loadLlrpBridgeConfig({
      ...base, RTLS_LLRP_ANTENNAS: '4, 1,2,1', RTLS_LLRP_FACTORY_RESET: 'true', RTLS_LLRP_READER_PORT: '15084',
      RTLS_LLRP_MQTT_USERNAME: 'u', RTLS_LLRP_MQTT_PASSWORD: 'p', RTLS_MQTT_URL: 'mqtt://broker:1883',
    });
    expect(c.antennas).toEqual([1, 2, 4]);
    expect(c.factoryReset).toBe(true);
    expect(c.readerPort).toBe(15084);
    expect([c.mqttUsername, c.mqttPassword, c.mqttUrl]).toEqual(['u', 'p', 'mqtt://broker:1883']);
  });

  it('names every missing or bad variable in one error', () => {
    expect(() => loadLlrpBridgeConfig({})).toThrow(/RTLS_LLRP_READER_HOST: required[\s\S]*RTLS_LLRP_GATEWAY_ID: required/);
    expect(() => loadLlrpBridgeConfig({ ...base, RTLS_LLRP_GATEWAY_ID: 'gw/1' })).toThrow(/RTLS_LLRP_GATEWAY_ID/);
    expect(() => loadLlrpBridgeConfig({ ...base, RTLS_LLRP_ANTENNAS: '1,70' })).toThrow(/RTLS_LLRP_ANTENNAS/);
    expect(() => loadLlrpBridgeConfig({ ...base, RTLS_LLRP_MAX_READS_PER_BATCH: String(LIMITS.maxReadsPerBatch + 1) })).toThrow(/RTLS_LLRP_MAX_READS_PER_BATCH/);
    expect(() => loadLlrpBridgeConfig({ ...base, RTLS_LLRP_RECONNECT_MIN_MS: '5000', RTLS_LLRP_RECONNECT_MAX_MS: '1000' })).toThrow(/RTLS_LLRP_RECONNECT_MAX_MS/);
    expect(() => loadLlrpBridgeConfig({ ...base, RTLS_LLRP_FACTORY_RESET: 'maybe' })).toThrow(/RTLS_LLRP_FACTORY_RESET/);
  });
});
