/**
 * Which format each simulated gateway speaks (issue #4 item 4): chosen per gateway, by mode (site / native / mixed)
 * or explicitly, from RTLS_SIM_FORMATS; the default changes nothing for an all-native site.
 */
import { describe, expect, it } from 'vitest';
import { loadSampleSite } from '@rtls/floorplans';
import type { GatewayFormat } from '@rtls/protocol';
import { assignFormats, MIXED_BLE_FORMATS, MIXED_RFID_FORMATS, parseFormatSpec } from '../src/vendor/index.ts';
import { loadSimConfig, parseCliArgs } from '../src/config.ts';
import { SiteIndex } from '../src/site.ts';

const gateways = new SiteIndex(loadSampleSite()).gateways;

describe('format specs', () => {
  it('parse a mode and format:gatewayId entries; the default is the site’s formats', () => {
    expect(parseFormatSpec('')).toEqual({ mode: 'site', assign: {} });
    expect(parseFormatSpec('mixed, zebra-iotc:L0-portal-main ,ruuvi:gw-1')).toEqual({
      mode: 'mixed', assign: { 'L0-portal-main': 'zebra-iotc', 'gw-1': 'ruuvi' },
    });
    expect(() => parseFormatSpec('chaos')).toThrow(/mode/);
    expect(() => parseFormatSpec('zebra:gw-1')).toThrow(/unknown format/);
    expect(() => parseFormatSpec('ruuvi:')).toThrow(/missing gateway id/);
  });

  it('come from RTLS_SIM_FORMATS or --formats; a bad one names the setting', () => {
    expect(loadSimConfig({}).formats).toEqual({ mode: 'site', assign: {} });
    expect(loadSimConfig({ RTLS_SIM_FORMATS: 'mixed' }).formats.mode).toBe('mixed');
    expect(loadSimConfig({ RTLS_SIM_FORMATS: 'mixed' }, parseCliArgs(['--formats', 'native'])).formats.mode).toBe('native');
    expect(() => loadSimConfig({ RTLS_SIM_FORMATS: 'moko:gw-1' })).toThrow(/RTLS_SIM_FORMATS/);
  });
});

describe('assigning formats to gateways', () => {
  it('site mode keeps each gateway’s site format (the sample hospital: all native)', () => {
    const f = assignFormats(gateways, { mode: 'site', assign: {} });
    expect(Object.keys(f)).toHaveLength(gateways.length);
    expect(new Set(Object.values(f))).toEqual(new Set(['native']));
  });

  it('mixed mode cycles each technology’s formats over the gateways sorted by id, whatever their order', () => {
    const f = assignFormats(gateways, { mode: 'mixed', assign: {} });
    expect(assignFormats([...gateways].reverse(), { mode: 'mixed', assign: {} })).toEqual(f);
    for (const [list, rfid] of [[MIXED_RFID_FORMATS, true], [MIXED_BLE_FORMATS, false]] as const) {
      const ids = gateways.filter((g) => (g.tech !== 'ble') === rfid).map((g) => g.id).sort();
      expect(ids.length).toBeGreaterThan(list.length);
      ids.forEach((id, i) => expect(f[id]).toBe(list[i % list.length]));
    }
    const used = new Set<GatewayFormat>(Object.values(f));
    for (const format of [...MIXED_RFID_FORMATS, ...MIXED_BLE_FORMATS]) expect(used.has(format)).toBe(true);
  });

  it('explicit entries override the mode; unknown gateways and the wrong technology are refused', () => {
    const rfid = gateways.find((g) => g.tech === 'rfid-portal')!.id;
    const ble = gateways.find((g) => g.tech === 'ble')!.id;
    const f = assignFormats(gateways, { mode: 'native', assign: { [rfid]: 'impinj-iot', [ble]: 'espresense' } });
    expect(f[rfid]).toBe('impinj-iot');
    expect(f[ble]).toBe('espresense');
    expect(Object.values(f).filter((x) => x !== 'native')).toHaveLength(2);
    expect(() => assignFormats(gateways, { mode: 'site', assign: { 'no-such-gw': 'ruuvi' } })).toThrow(/unknown gateway/);
    expect(() => assignFormats(gateways, { mode: 'site', assign: { [ble]: 'zebra-iotc' } })).toThrow(/RFID/);
    expect(() => assignFormats(gateways, { mode: 'site', assign: { [rfid]: 'minew-jsonlong' } })).toThrow(/BLE/);
  });
});
