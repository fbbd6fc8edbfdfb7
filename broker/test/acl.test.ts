import { describe, expect, it } from 'vitest';
import { gatewayReadsTopic, gatewayStatusTopic } from '@rtls/protocol';
import { PrincipalSchema, mayPublish, maySubscribe, type Principal } from '../src/acl.ts';

const gwA: Principal = { kind: 'gateway', gatewayId: 'gw-a' };
const svc: Principal = { kind: 'service', name: 'locator' };

describe('topic ACL', () => {
  it('lets a gateway publish only its own reads and status', () => {
    expect(mayPublish(gwA, gatewayReadsTopic('gw-a'))).toBe(true);
    expect(mayPublish(gwA, gatewayStatusTopic('gw-a'))).toBe(true);
    expect(mayPublish(gwA, gatewayReadsTopic('gw-b'))).toBe(false);
    expect(mayPublish(gwA, 'rtls/v1/gw/gw-a/config')).toBe(false);
    expect(mayPublish(gwA, 'rtls/v1/gw/gw-a')).toBe(false);
    expect(mayPublish(gwA, '$SYS/x')).toBe(false);
  });

  it('lets a vendor gateway publish on its own topic filter too, and nowhere else (issue #4)', () => {
    const minew: Principal = { kind: 'gateway', gatewayId: 'gw-m', topics: ['/gw/ac233fc001ea/status'] };
    const esp: Principal = { kind: 'gateway', gatewayId: 'gw-e', topics: ['espresense/devices/+/icu-3'] };
    expect(mayPublish(minew, '/gw/ac233fc001ea/status')).toBe(true);
    expect(mayPublish(minew, '/gw/ac233fc001eb/status')).toBe(false);
    expect(mayPublish(minew, gatewayReadsTopic('gw-m'))).toBe(true);
    expect(mayPublish(esp, 'espresense/devices/ble-1/icu-3')).toBe(true);
    expect(mayPublish(esp, 'espresense/devices/ble-1/icu-4')).toBe(false);
    expect(mayPublish(esp, 'espresense/devices/ble-1/icu-3/x')).toBe(false);
    // A principal loaded from a credentials file cannot smuggle in a filter that captures everything.
    expect(PrincipalSchema.safeParse({ kind: 'gateway', gatewayId: 'gw-x', topics: ['#'] }).success).toBe(false);
    expect(PrincipalSchema.safeParse({ kind: 'gateway', gatewayId: 'gw-x', topics: ['rtls/v1/gw/gw-y/reads'] }).success).toBe(false);
    expect(PrincipalSchema.safeParse({ kind: 'gateway', gatewayId: 'gw-x', topics: ['zebra/gw-x/data'] }).success).toBe(true);
  });

  it('lets a service publish anywhere except $SYS', () => {
    expect(mayPublish(svc, gatewayReadsTopic('gw-b'))).toBe(true);
    expect(mayPublish(svc, 'site/alarms')).toBe(true);
    expect(mayPublish(svc, '$SYS/broker/heartbeat')).toBe(false);
  });

  it('lets a gateway subscribe only below its own prefix', () => {
    expect(maySubscribe(gwA, 'rtls/v1/gw/gw-a/#')).toBe(true);
    expect(maySubscribe(gwA, 'rtls/v1/gw/gw-a/+')).toBe(true);
    for (const f of ['#', '+/+/+/+/+', 'rtls/v1/gw/+/reads', 'rtls/v1/gw/gw-b/#', 'rtls/v1/gw/gw-a', 'rtls/v1/gw/gw-ab/#', '$share/g/rtls/v1/gw/gw-a/#']) {
      expect(maySubscribe(gwA, f), f).toBe(false);
    }
    expect(maySubscribe(svc, '#')).toBe(true);
  });
});
