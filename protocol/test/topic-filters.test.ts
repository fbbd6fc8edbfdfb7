import { describe, expect, it } from 'vitest';
import {
  GatewayFormatSchema, fillTopicFilter, gatewayTopicFilters, suggestedTopicFilter, topicFilterProblem, topicFiltersOverlap, topicMatchesFilter,
} from '../src/index.ts';

describe('vendor topic filters (issue #4 item 2)', () => {
  it('matches like an MQTT broker (3.1.1 §4.7)', () => {
    expect(topicMatchesFilter('/gw/+/status', '/gw/ac233fc001ea/status')).toBe(true);
    expect(topicMatchesFilter('/gw/+/status', 'gw/ac233fc001ea/status')).toBe(false); // the leading slash is a level
    expect(topicMatchesFilter('home/gw1/BTtoMQTT/+', 'home/gw1/BTtoMQTT/AABBCCDDEEFF')).toBe(true);
    expect(topicMatchesFilter('home/gw1/BTtoMQTT/+', 'home/gw1/BTtoMQTT/AABBCCDDEEFF/x')).toBe(false);
    expect(topicMatchesFilter('zebra/#', 'zebra')).toBe(true);
    expect(topicMatchesFilter('zebra/#', 'zebra/fx9600/data')).toBe(true);
    expect(topicMatchesFilter('#', '$SYS/broker/uptime')).toBe(false);
    expect(topicMatchesFilter('+/x', '$SYS/x')).toBe(false);
  });

  it('refuses filters that could capture other gateways or broker topics', () => {
    expect(topicFilterProblem('#')).toMatch(/literal/);
    expect(topicFilterProblem('+/+')).toMatch(/literal/);
    expect(topicFilterProblem('$SYS/#')).toMatch(/\$/);
    expect(topicFilterProblem('rtls/v1/gw/x/reads')).toMatch(/native/);
    expect(topicFilterProblem('a/#/b')).toMatch(/#/);
    expect(topicFilterProblem('a/b+/c')).toMatch(/\+/);
    expect(topicFilterProblem('a/\u0000')).toMatch(/control/);
    expect(topicFilterProblem('')).toMatch(/empty/);
    expect(topicFilterProblem('espresense/devices/+/icu-3')).toBeNull();
  });

  it('detects overlap exactly when some topic matches both', () => {
    expect(topicFiltersOverlap('espresense/devices/+/a', 'espresense/devices/+/b')).toBe(false);
    expect(topicFiltersOverlap('espresense/devices/+/a', 'espresense/devices/x/+')).toBe(true);
    expect(topicFiltersOverlap('zebra/#', 'zebra/r1/data')).toBe(true);
    expect(topicFiltersOverlap('zebra/r1/data', 'zebra/r1/data/x')).toBe(false);
    expect(topicFiltersOverlap('a/+', 'a')).toBe(false);
    expect(topicFiltersOverlap('a/#', 'a')).toBe(true);
  });

  it('adds the status topics a firmware publishes beside its data (so its last will is allowed and routed)', () => {
    expect(gatewayTopicFilters('espresense', 'espresense/devices/+/icu-3')).toEqual(['espresense/devices/+/icu-3', 'espresense/rooms/icu-3/#']);
    expect(gatewayTopicFilters('openmqttgateway', 'home/omg1/BTtoMQTT/+')).toEqual(['home/omg1/BTtoMQTT/+', 'home/omg1/LWT', 'home/omg1/SYStoMQTT']);
    expect(gatewayTopicFilters('espresense', 'site/custom/#')).toEqual(['site/custom/#']);
    expect(gatewayTopicFilters('minew-jsonlong', '/gw/ac233fc001ea/status')).toEqual(['/gw/ac233fc001ea/status']);
    for (const f of gatewayTopicFilters('openmqttgateway', 'home/omg1/BTtoMQTT/+')) expect(topicFilterProblem(f)).toBeNull();
  });

  it('suggests a usable, distinct filter per format, and fills it into a concrete topic', () => {
    for (const format of GatewayFormatSchema.options) {
      const f = suggestedTopicFilter(format, 'gw-1', 'AC:23:3F:C0:01:EA');
      if (format === 'native') expect(f).toBe('rtls/v1/gw/gw-1/reads');
      else expect(topicFilterProblem(f), format).toBeNull();
      expect(topicMatchesFilter(f, fillTopicFilter(f, ['AABBCCDDEEFF']))).toBe(true);
    }
    expect(suggestedTopicFilter('minew-jsonlong', 'x', 'AC233FC001EA')).toBe('/gw/ac233fc001ea/status');
    expect(suggestedTopicFilter('ruuvi', 'x', 'ac233fc001ea')).toBe('ruuvi/AC:23:3F:C0:01:EA/+');
    expect(suggestedTopicFilter('espresense', 'icu-3')).toBe('espresense/devices/+/icu-3');
    expect(suggestedTopicFilter('zebra-iotc', 'L0-portal-1', 'AC233FC001EA')).toBe('zebra/L0-portal-1/data');
  });
});
