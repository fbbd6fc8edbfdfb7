import { describe, expect, it } from 'vitest';
import { gatewayReadsTopic, gatewayStatusTopic } from '@rtls/protocol';
import { mayPublish, maySubscribe, type Principal } from '../src/acl.ts';

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
