import { describe, expect, it } from 'vitest';
import { AT, MIN, S, T0, fix, harness, rule, summary, tagId } from './helpers.ts';

const A = tagId(1);

describe('inside-too-long', () => {
  const r = rule('long', { kind: 'inside-too-long', zones: ['L0-zone-or-restricted'], minutes: 5 });

  it('raises on tick at entered + minutes (dated then), once, and clears on leaving', () => {
    const h = harness({ rules: [r] });
    h.run(h.engine.fix(fix(A, T0, AT.theatre1)));
    h.run(h.engine.fix(fix(A, T0 + MIN, AT.theatre1)));
    expect(h.engine.tick(T0 + 5 * MIN - 1)).toEqual([]);
    const [up] = h.run(h.engine.tick(T0 + 5 * MIN + 700));
    expect(up).toMatchObject({ ruleId: 'long', where: 'L0-zone-or-restricted', active: true, t: T0 + 5 * MIN });
    expect(up!.evidence).toMatchObject({ t: T0 + 5 * MIN, room: 'L0-or-1', detail: 'in L0-zone-or-restricted for 5 min or more' });
    expect(h.engine.tick(T0 + 6 * MIN)).toEqual([]);
    expect(h.engine.fix(fix(A, T0 + 6 * MIN, AT.theatre1))).toEqual([]);
    const [down] = h.engine.fix(fix(A, T0 + 7 * MIN, AT.lobby));
    expect(down).toMatchObject({ active: false, t: T0 + 7 * MIN });
    expect(down!.evidence.detail).toBe('left L0-zone-or-restricted after 7 min');
  });

  it('raises on a fix past the threshold too, dated at the crossing, and restarts the clock after leaving', () => {
    const h = harness({ rules: [r] });
    h.run(h.engine.fix(fix(A, T0, AT.theatre1)));
    expect(h.run(h.engine.fix(fix(A, T0 + 5.5 * MIN, AT.theatre1)))[0]).toMatchObject({ active: true, t: T0 + 5 * MIN });
    h.run(h.engine.fix(fix(A, T0 + 6 * MIN, AT.lobby)));
    h.run(h.engine.fix(fix(A, T0 + 7 * MIN, AT.theatre1)));
    expect(h.engine.tick(T0 + 11 * MIN)).toEqual([]);
    expect(h.engine.tick(T0 + 12 * MIN)[0]).toMatchObject({ active: true, t: T0 + 12 * MIN });
  });
});

describe('outside-too-long and off-floor', () => {
  it('outside-too-long: timed from the first fix outside all zones, clears when back in one', () => {
    const h = harness({ rules: [rule('out', { kind: 'outside-too-long', zones: ['L1-zone-infant-security'], minutes: 2 })] });
    h.run(h.engine.fix(fix(A, T0, AT.nursery)));
    h.run(h.engine.fix(fix(A, T0 + 10 * S, AT.l1Street)));
    h.run(h.engine.fix(fix(A, T0 + 20 * S, AT.l1Street)));
    expect(h.engine.tick(T0 + 129 * S)).toEqual([]);
    const [up] = h.engine.tick(T0 + 130 * S);
    expect(up).toMatchObject({ where: null, active: true, t: T0 + 130 * S });
    expect(up!.evidence.detail).toBe('outside L1-zone-infant-security for 2 min or more');
    const [down] = h.engine.fix(fix(A, T0 + 200 * S, AT.matEntry));
    expect(down).toMatchObject({ active: false, t: T0 + 200 * S });
    expect(down!.evidence.detail).toBe('back in L1-zone-infant-security');
  });

  it('off-floor with 0 minutes raises on the first fix off the floors and clears back on one', () => {
    const h = harness({ rules: [rule('floor', { kind: 'off-floor', floors: ['L1'] })] });
    expect(h.engine.fix(fix(A, T0, AT.nursery))).toEqual([]);
    expect(summary(h.engine.fix(fix(A, T0 + S, AT.lobby)))).toEqual([`+floor|${A}|`]);
    expect(h.engine.fix(fix(A, T0 + 2 * S, AT.l0Street))).toEqual([]);
    expect(summary(h.engine.fix(fix(A, T0 + 3 * S, AT.l1Street)))).toEqual([`-floor|${A}|`]);
  });

  it('off-floor with minutes waits on tick', () => {
    const h = harness({ rules: [rule('floor', { kind: 'off-floor', floors: ['L1'], minutes: 3 })] });
    h.run(h.engine.fix(fix(A, T0, AT.lobby)));
    expect(h.engine.tick(T0 + 3 * MIN - 1)).toEqual([]);
    expect(h.engine.tick(T0 + 3 * MIN)[0]).toMatchObject({ active: true, t: T0 + 3 * MIN });
    expect(h.engine.active()[0]!.evidence.detail).toBe('not on L1 for 3 min or more');
  });
});

describe('tag-silent', () => {
  const r = rule('silent', { kind: 'tag-silent', minutes: 5 }, { subjects: { categories: ['infant'] } });

  it('raises at last heard + minutes on tick, with the last fix as evidence, and clears when heard', () => {
    const h = harness({ rules: [r], tags: [[A, 'patient', 'infant']] });
    h.run(h.engine.fix(fix(A, T0, AT.nursery)));
    h.run(h.engine.tagSeen(A, T0 + 30 * S, 80, undefined));
    expect(h.engine.tick(T0 + 30 * S + 5 * MIN - 1)).toEqual([]);
    const [up] = h.engine.tick(T0 + 6 * MIN);
    expect(up).toMatchObject({ ruleId: 'silent', where: null, active: true, t: T0 + 30 * S + 5 * MIN });
    expect(up!.evidence).toMatchObject({ room: 'L1-nursery', x: 68, y: 13, floor: 'L1' });
    expect(h.engine.tick(T0 + 20 * MIN)).toEqual([]);
    const [down] = h.engine.tagSeen(A, T0 + 21 * MIN, 80, undefined);
    expect(down).toMatchObject({ active: false, t: T0 + 21 * MIN });
  });

  it('a tag heard but never located has evidence without a place', () => {
    const h = harness({ rules: [r], tags: [[A, 'patient', 'infant']] });
    h.run(h.engine.tagSeen(A, T0, 80, undefined));
    const [up] = h.engine.tick(T0 + 5 * MIN);
    expect(up!.evidence).toEqual({
      t: T0 + 5 * MIN, floor: null, x: null, y: null, room: null, zones: [], accuracyM: null, confidence: null, method: null, gateways: [],
      detail: 'not heard since 2024-03-04T12:00:00.000Z (5 min or more)',
    });
  });

  it('never raises for a tag never heard, nor for tags the rule does not select', () => {
    const B = tagId(2);
    const h = harness({ rules: [r], tags: [[A, 'patient', 'infant'], [B, 'patient', 'adult']] });
    h.run(h.engine.tagSeen(B, T0, 90, undefined));
    expect(h.engine.tick(T0 + 60 * MIN)).toEqual([]);
  });
});

describe('gateway-offline', () => {
  const byZone = rule('gw', { kind: 'gateway-offline', zones: ['L1-zone-exit-maternity'], seconds: 60 });
  const listed = rule('gw-listed', { kind: 'gateway-offline', gateways: ['L0-portal-main'], seconds: 0 });

  it('raises after `seconds` offline on tick (dated offline + seconds), keeps the first offline time, clears on online', () => {
    const h = harness({ rules: [byZone] });
    h.run(h.engine.gatewayState('L1-portal-maternity', 'offline', T0));
    expect(h.engine.tick(T0 + 59 * S)).toEqual([]);
    h.run(h.engine.gatewayState('L1-portal-maternity', 'offline', T0 + 50 * S));
    const [up] = h.engine.tick(T0 + 61 * S);
    expect(up).toMatchObject({
      ruleId: 'gw', subject: { type: 'gateway', id: 'L1-portal-maternity' }, where: 'L1-portal-maternity', active: true, t: T0 + 60 * S,
      key: 'gw|gateway:L1-portal-maternity|L1-portal-maternity',
    });
    expect(up!.evidence).toMatchObject({ floor: 'L1', x: 87.4, y: 23.7, room: 'L1-mat-entry', method: null, accuracyM: null, gateways: [] });
    expect(h.engine.tick(T0 + 120 * S)).toEqual([]);
    const [down] = h.engine.gatewayState('L1-portal-maternity', 'online', T0 + 130 * S);
    expect(down).toMatchObject({ active: false, t: T0 + 130 * S });
    expect(down!.evidence.detail).toBe('gateway L1-portal-maternity back online after 130 s');
  });

  it('watches gateways listed or standing in the zones, not others; seconds 0 is immediate', () => {
    const h = harness({ rules: [byZone, listed] });
    // In the L1 maternity entrance room but outside the exit zone polygon: not watched by zone.
    h.run(h.engine.gatewayState('L1-ble-mat-entry-2', 'offline', T0));
    h.run(h.engine.gatewayState('L1-ble-mat-corr-1', 'offline', T0));
    h.run(h.engine.tick(T0 + 10 * MIN));
    expect(h.log).toEqual([]);
    expect(summary(h.engine.gatewayState('L0-portal-main', 'offline', T0))).toEqual(['+gw-listed|L0-portal-main|L0-portal-main']);
  });

  it('a room id among the zones watches the gateways in that room; gateways never heard are not offline', () => {
    const h = harness({ rules: [rule('room', { kind: 'gateway-offline', zones: ['L1-mat-entry'], seconds: 30 })] });
    expect(h.engine.tick(T0 + 60 * MIN)).toEqual([]);
    h.run(h.engine.gatewayState('L1-ble-mat-entry-2', 'offline', T0));
    expect(summary(h.engine.tick(T0 + 60 * S))).toEqual(['+room|L1-ble-mat-entry-2|L1-ble-mat-entry-2']);
  });

  it('tag subjects of a gateway rule are ignored', () => {
    const h = harness({ rules: [rule('gw', { kind: 'gateway-offline', gateways: ['L0-portal-main'] }, { subjects: { kinds: ['patient'] } })] });
    h.run(h.engine.gatewayState('L0-portal-main', 'offline', T0));
    expect(summary(h.engine.tick(T0 + 60 * S))).toEqual(['+gw|L0-portal-main|L0-portal-main']);
  });
});
