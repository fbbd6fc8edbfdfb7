import { describe, expect, it } from 'vitest';
import { gatewayReadsTopic, gatewayStatusTopic } from '@rtls/protocol';
import {
  PrincipalSchema, mayPublish, mayRetain, maySubscribe, mayUseClientId, principalKey, principalLabel, type Principal,
} from '../src/acl.ts';

const gwA: Principal = { kind: 'gateway', gatewayId: 'gw-a' };
const svc: Principal = { kind: 'service', name: 'locator' };
const anon: Principal = { kind: 'anonymous' };

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

  it('lets no gateway subscribe at all, a service anywhere, an anonymous client anywhere but $SYS', () => {
    for (const f of ['rtls/v1/gw/gw-a/#', 'rtls/v1/gw/gw-a/+', '#', '+/+/+/+/+', 'rtls/v1/gw/+/reads', 'rtls/v1/gw/gw-b/#', '$share/g/rtls/v1/gw/gw-a/#']) {
      expect(maySubscribe(gwA, f), f).toBe(false);
    }
    expect(maySubscribe(svc, '#')).toBe(true);
    expect(maySubscribe(svc, '$SYS/#')).toBe(true);
    expect(maySubscribe(anon, 'interop/#')).toBe(true);
    expect(maySubscribe(anon, '$SYS/#')).toBe(false);
    expect(mayPublish(anon, 'interop/x')).toBe(true);
    expect(mayPublish(anon, '$SYS/x')).toBe(false);
  });

  it('lets services and anonymous clients retain, never a gateway', () => {
    expect(mayRetain(gwA)).toBe(false);
    expect(mayRetain(svc)).toBe(true);
    expect(mayRetain(anon)).toBe(true);
  });

  it('binds client ids: a gateway to its id and declared ids, a service to <name> and <name>-*, anonymous to any', () => {
    const vendor: Principal = { kind: 'gateway', gatewayId: 'gw-m', clientIds: ['AC233FC001EA'] };
    expect(mayUseClientId(gwA, 'gw-a')).toBe(true);
    for (const id of ['', 'gw-a-1', 'GW-A', 'gw-b', 'AC233FC001EA']) expect(mayUseClientId(gwA, id), id).toBe(false);
    expect(mayUseClientId(vendor, 'AC233FC001EA')).toBe(true);
    expect(mayUseClientId(vendor, 'gw-m')).toBe(true);
    expect(mayUseClientId(vendor, 'ac233fc001ea')).toBe(false);
    expect(mayUseClientId(svc, 'locator')).toBe(true);
    expect(mayUseClientId(svc, 'locator-3fa2')).toBe(true);
    for (const id of ['', 'locatorx', 'rtls-locator-1', 'gw-a']) expect(mayUseClientId(svc, id), id).toBe(false);
    expect(mayUseClientId(anon, '')).toBe(true);
    expect(mayUseClientId(anon, 'anything')).toBe(true);
  });

  it('tells identities apart by kind and id only, and labels them without secrets', () => {
    const stamped: Principal = { kind: 'gateway', gatewayId: 'gw-a', credentialStamp: 'v7-secretish' };
    expect(principalKey(stamped)).toBe(principalKey(gwA));
    expect(principalKey({ kind: 'service', name: 'gw-a' })).not.toBe(principalKey(gwA));
    expect(principalLabel(stamped)).toBe('gateway gw-a');
    expect(principalLabel(anon)).toBe('anonymous');
    expect(PrincipalSchema.safeParse({ kind: 'gateway', gatewayId: 'gw-x', clientIds: ['AC233FC001EA'], credentialStamp: 's' }).success).toBe(true);
    expect(PrincipalSchema.safeParse({ kind: 'gateway', gatewayId: 'gw-x', clientIds: [''] }).success).toBe(false);
    // Anonymous is never a credential's principal.
    expect(PrincipalSchema.safeParse({ kind: 'anonymous' }).success).toBe(false);
  });
});
