import { describe, expect, it } from 'vitest';
import {
  bleTagId, epcTagId, gatewayMayPublish, gatewayReadsTopic, gatewayStatusTopic, ibeaconTagId, normaliseTagId,
  parseGatewayTopic, tagTech,
} from '../src/index.ts';
import { generateSecret, hashSecret, verifySecret } from '../src/node/index.ts';

describe('tag ids', () => {
  it('normalises MACs in every spelling', () => {
    for (const mac of ['aa:bb:cc:dd:ee:ff', 'AABBCCDDEEFF', 'aa-bb-cc-dd-ee-ff', 'AaBb.CcDd.EeFf']) {
      expect(bleTagId(mac)).toBe('ble:AABBCCDDEEFF');
    }
    expect(bleTagId('aa:bb:cc')).toBeNull();
  });
  it('normalises iBeacon uuid with or without dashes and bounds major/minor', () => {
    expect(ibeaconTagId('e2c56db5-dffb-48d2-b060-d0f5a71096e0', 1, 2)).toBe('ibeacon:E2C56DB5DFFB48D2B060D0F5A71096E0-1-2');
    expect(ibeaconTagId('e2c56db5dffb48d2b060d0f5a71096e0', 70000, 2)).toBeNull();
  });
  it('accepts EPCs of whole words only', () => {
    expect(epcTagId('e28011700000020f1a2b3c4d')).toBe('epc:E28011700000020F1A2B3C4D');
    expect(epcTagId('e2801')).toBeNull();
    expect(epcTagId('zz')).toBeNull();
  });
  it('normaliseTagId round-trips loose spellings and refuses others', () => {
    expect(normaliseTagId('BLE:aa:bb:cc:dd:ee:ff')).toBe('ble:AABBCCDDEEFF');
    expect(normaliseTagId('ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-10-20')).toBe('ibeacon:E2C56DB5DFFB48D2B060D0F5A71096E0-10-20');
    expect(normaliseTagId('epc:e28011700000020f1a2b3c4d')).toBe('epc:E28011700000020F1A2B3C4D');
    expect(normaliseTagId('wifi:123')).toBeNull();
    expect(normaliseTagId('AABBCCDDEEFF')).toBeNull();
    expect(tagTech('ble:AABBCCDDEEFF')).toBe('ble');
    expect(tagTech('ibeacon:E2C56DB5DFFB48D2B060D0F5A71096E0-99999-1')).toBeNull();
  });
});

describe('topics', () => {
  it('builds and parses gateway topics', () => {
    expect(gatewayReadsTopic('L0-ble-1')).toBe('rtls/v1/gw/L0-ble-1/reads');
    expect(parseGatewayTopic(gatewayStatusTopic('L0-ble-1'))).toEqual({ gatewayId: 'L0-ble-1', kind: 'status' });
    expect(parseGatewayTopic('rtls/v1/gw/L0-ble-1/other')).toBeNull();
    expect(parseGatewayTopic('rtls/v1/gw/a/b/reads')).toBeNull();
    expect(parseGatewayTopic('/gw/ac233fa0/status')).toBeNull();
  });
  it('refuses to build topics with wildcards or levels', () => {
    expect(() => gatewayReadsTopic('+')).toThrow(/invalid gateway id/);
    expect(() => gatewayReadsTopic('a/b')).toThrow(/invalid gateway id/);
    expect(() => gatewayReadsTopic('#')).toThrow(/invalid gateway id/);
  });
  it('a gateway may publish only under its own topics', () => {
    expect(gatewayMayPublish('g1', 'rtls/v1/gw/g1/reads')).toBe(true);
    expect(gatewayMayPublish('g1', 'rtls/v1/gw/g1/status')).toBe(true);
    expect(gatewayMayPublish('g1', 'rtls/v1/gw/g2/reads')).toBe(false);
    expect(gatewayMayPublish('g1', 'rtls/v1/alarms')).toBe(false);
  });
});

describe('secrets', () => {
  it('hashes with a salt and verifies only the right secret', async () => {
    const s = generateSecret();
    expect(s).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const h1 = await hashSecret(s, 'random-token');
    const h2 = await hashSecret(s, 'random-token');
    expect(h1).not.toBe(h2);
    expect(h1.startsWith('scrypt$')).toBe(true);
    expect(h1).not.toContain(s);
    expect(await verifySecret(s, h1)).toBe(true);
    expect(await verifySecret(`${s}x`, h1)).toBe(false);
    expect(await verifySecret(s, 'garbage')).toBe(false);
  });
  it('people\'s passwords get the stronger cost', async () => {
    const h = await hashSecret('correct horse battery staple');
    expect(h.split('$')[1]).toBe(String(1 << 17));
    expect(await verifySecret('correct horse battery staple', h)).toBe(true);
  });
});
