import { describe, expect, it } from 'vitest';
import { conditionKey } from '../../src/rules/rule-types.ts';
import { AT, MIN, S, T0, fix, harness, portalFix, rule, summary, tagId } from './helpers.ts';

const A = tagId(1);
const B = tagId(2);

describe('zone-enter and exit-approach', () => {
  it('is active while the fix is in one of the zones, with the fix as evidence, and clears on leaving', () => {
    const h = harness({ rules: [rule('or-restricted', { kind: 'zone-enter', zones: ['L0-zone-or-restricted'] })] });
    expect(h.run(h.engine.fix(fix(A, T0, AT.lobby)))).toEqual([]);
    const f = fix(A, T0 + S, { ...AT.theatre1, evidence: [{ gw: 'L0-ble-or-1-1', rssi: -58, n: 5 }] });
    const [up] = h.run(h.engine.fix(f));
    expect(up).toMatchObject({
      key: conditionKey('or-restricted', { type: 'tag', id: A }, 'L0-zone-or-restricted'),
      ruleId: 'or-restricted', subject: { type: 'tag', id: A }, where: 'L0-zone-or-restricted', active: true, t: T0 + S,
    });
    expect(up!.evidence).toEqual({
      t: T0 + S, floor: 'L0', x: 68, y: 3.5, room: 'L0-or-1', zones: ['L0-zone-or-restricted'], accuracyM: 2, confidence: 0.9,
      method: 'ble-wls', gateways: [{ gw: 'L0-ble-or-1-1', rssi: -58, n: 5 }], detail: 'in L0-zone-or-restricted',
    });
    expect(h.engine.active().map((c) => c.key)).toEqual([up!.key]);
    const [down] = h.run(h.engine.fix(fix(A, T0 + 2 * S, AT.l0Street)));
    expect(down).toMatchObject({ key: up!.key, active: false, t: T0 + 2 * S });
    expect(down!.evidence.detail).toBe('left L0-zone-or-restricted');
    expect(h.engine.active()).toEqual([]);
  });

  it('matches a room id as well as a zone id, one condition per place', () => {
    const h = harness({ rules: [rule('mat', { kind: 'exit-approach', zones: ['L1-mat-entry', 'L1-zone-exit-maternity'] })] });
    expect(summary(h.engine.fix(fix(A, T0, AT.matEntry)))).toEqual(['+mat|' + A + '|L1-mat-entry']);
    expect(summary(h.engine.fix(fix(A, T0 + S, AT.matExit)))).toEqual(['+mat|' + A + '|L1-zone-exit-maternity']);
    expect(summary(h.engine.fix(fix(A, T0 + 2 * S, AT.matEntry)))).toEqual(['-mat|' + A + '|L1-zone-exit-maternity']);
    expect(h.engine.fix(fix(A, T0 + 3 * S, AT.matEntry))).toEqual([]);
  });

  it('deduplicates: a tag parked in a restricted zone for 1000 fixes gives exactly one change', () => {
    const h = harness({ rules: [rule('or-restricted', { kind: 'zone-enter', zones: ['L0-zone-or-restricted'] })] });
    for (let i = 0; i < 1000; i++) h.run(h.engine.fix(fix(A, T0 + i * S, { ...AT.theatre1, x: 68 + (i % 7) * 0.1 })));
    expect(summary(h.log)).toEqual([`+or-restricted|${A}|L0-zone-or-restricted`]);
    h.run(h.engine.tick(T0 + 2000 * S));
    expect(h.log).toHaveLength(1);
  });

  it('keeps subjects apart: two tags in the zone are two conditions', () => {
    const h = harness({ rules: [rule('z', { kind: 'zone-enter', zones: ['L0-zone-or-restricted'] })] });
    h.run(h.engine.fix(fix(A, T0, AT.theatre1)));
    h.run(h.engine.fix(fix(B, T0, AT.theatre1)));
    h.run(h.engine.fix(fix(A, T0 + S, AT.lobby)));
    expect(summary(h.log)).toEqual([`+z|${A}|L0-zone-or-restricted`, `+z|${B}|L0-zone-or-restricted`, `-z|${A}|L0-zone-or-restricted`]);
    expect(h.engine.active().map((c) => c.subject.id)).toEqual([B]);
  });
});

describe('minConfidence', () => {
  const r = rule('z', { kind: 'zone-enter', zones: ['L0-zone-exit-main'] }, { minConfidence: 0.8 });

  it('a fix below it neither raises nor clears', () => {
    const h = harness({ rules: [r] });
    expect(h.engine.fix(fix(A, T0, { ...AT.mainExit, confidence: 0.5 }))).toEqual([]);
    expect(summary(h.engine.fix(fix(A, T0 + S, { ...AT.mainExit, confidence: 0.85 })))).toEqual([`+z|${A}|L0-zone-exit-main`]);
    expect(h.engine.fix(fix(A, T0 + 2 * S, { ...AT.lobby, confidence: 0.3 }))).toEqual([]);
    expect(h.engine.active()).toHaveLength(1);
    expect(summary(h.engine.fix(fix(A, T0 + 3 * S, { ...AT.lobby, confidence: 0.8 })))).toEqual([`-z|${A}|L0-zone-exit-main`]);
  });

  it('RFID portal and cabinet fixes count as certain whatever their confidence', () => {
    const h = harness({ rules: [r, rule('or', { kind: 'zone-enter', zones: ['L0-or-sterile'] }, { minConfidence: 0.99 })] });
    const p = { ...portalFix(A, T0, 'L0-portal-main', h.site, 'L0-lobby', 0.5), zones: ['L0-zone-exit-main'] };
    expect(summary(h.engine.fix(p))).toEqual([`+z|${A}|L0-zone-exit-main`]);
    const cab = fix(B, T0, { floor: 'L0', x: 64.6, y: 16.4, room: 'L0-or-sterile', zones: ['L0-zone-or-restricted'], method: 'rfid-cabinet', confidence: 0.2, evidence: [{ gw: 'L0-cab-sterile', rssi: -40, n: 1 }] });
    expect(summary(h.engine.fix(cab))).toEqual([`+or|${B}|L0-or-sterile`]);
  });
});

describe('exit-cross', () => {
  const doors = ['L0-door-main-entrance', 'L1-door-stairs-w'];

  it('a read by a portal guarding one of the doors raises it (where = the door); held portal fixes do not repeat or clear it', () => {
    const h = harness({ rules: [rule('x', { kind: 'exit-cross', doors })] });
    h.run(h.engine.fix(fix(A, T0, AT.lobby)));
    const [up] = h.run(h.engine.fix(portalFix(A, T0 + S, 'L0-portal-main', h.site, 'L0-lobby')));
    expect(up).toMatchObject({ ruleId: 'x', where: 'L0-door-main-entrance', active: true, t: T0 + S });
    expect(up!.evidence).toMatchObject({ method: 'rfid-portal', gateways: [{ gw: 'L0-portal-main', rssi: -50, n: 2 }], x: 58, y: 0.3 });
    expect(up!.evidence.detail).toBe('read by portal L0-portal-main at exit door L0-door-main-entrance');
    for (let i = 2; i < 10; i++) expect(h.engine.fix(portalFix(A, T0 + S, 'L0-portal-main', h.site, i % 2 ? null : 'L0-lobby'))).toEqual([]);
    // Not located in a room: still beyond the exit as far as anyone knows.
    expect(h.engine.fix(fix(A, T0 + 12 * S, { ...AT.mainExit, room: null, zones: [] }))).toEqual([]);
    const [down] = h.engine.fix(fix(A, T0 + 13 * S, AT.lobby));
    expect(down).toMatchObject({ where: 'L0-door-main-entrance', active: false, t: T0 + 13 * S });
  });

  it('the room on the far side of an inner exit door does not clear it; a room on the inside does', () => {
    const h = harness({ rules: [rule('x', { kind: 'exit-cross', doors })] });
    // L1-portal-stairs-w stands in the hospital street and guards the door into the west stairwell.
    expect(summary(h.engine.fix(portalFix(A, T0, 'L1-portal-stairs-w', h.site, 'L1-stairs-w')))).toEqual([`+x|${A}|L1-door-stairs-w`]);
    expect(h.engine.fix(fix(A, T0 + 5 * S, { floor: 'L1', x: 3, y: 31, room: 'L1-stairs-w', zones: [] }))).toEqual([]);
    expect(summary(h.engine.fix(fix(A, T0 + 9 * S, AT.l1Street)))).toEqual([`-x|${A}|L1-door-stairs-w`]);
  });

  it('portals of doors not listed are ignored', () => {
    const h = harness({ rules: [rule('x', { kind: 'exit-cross', doors })] });
    expect(h.engine.fix(portalFix(A, T0, 'L1-portal-nursery', h.site, 'L1-nursery'))).toEqual([]);
    expect(h.engine.fix(portalFix(A, T0, 'L0-portal-dock', h.site, null))).toEqual([]);
  });

  it('a portal known only to the registry counts through its record (door field)', () => {
    const gw = { id: 'gw-new-portal', tech: 'rfid-portal', format: 'native', floor: 'L0', x: 57, y: 0.3, mountHeightM: 2.2, room: 'L0-lobby', door: 'L0-door-main-entrance', antennas: 2 } as const;
    const h = harness({ rules: [rule('x', { kind: 'exit-cross', doors })], gateways: [gw] });
    const f = fix(A, T0, { floor: 'L0', x: 57, y: 0.3, room: null, method: 'rfid-portal', confidence: 0.7, evidence: [{ gw: gw.id, rssi: -52, n: 1 }] });
    expect(summary(h.engine.fix(f))).toEqual([`+x|${A}|L0-door-main-entrance`]);
  });

  it('leaving an exit zone to no room on the same floor raises it (where = the zone); a floor change does not', () => {
    const h = harness({ rules: [rule('x', { kind: 'exit-cross', zones: ['L1-zone-exit-maternity', 'L0-zone-exit-stairs-w'] })] });
    h.run(h.engine.fix(fix(A, T0, AT.matExit)));
    const [up] = h.run(h.engine.fix(fix(A, T0 + S, { floor: 'L1', x: 87.4, y: 24.5, room: null, zones: [] })));
    expect(up).toMatchObject({ where: 'L1-zone-exit-maternity', active: true, t: T0 + S });
    expect(up!.evidence.detail).toBe('left L1-zone-exit-maternity to no room (outside the plan)');
    expect(h.engine.fix(fix(A, T0 + 2 * S, { floor: 'L1', x: 87.4, y: 25, room: null, zones: [] }))).toEqual([]);
    expect(summary(h.engine.fix(fix(A, T0 + 3 * S, AT.l1Street)))).toEqual([`-x|${A}|L1-zone-exit-maternity`]);

    // Up the west stairs: in the L0 stair exit zone, next fix on L1 without a room yet (floor change pending).
    h.run(h.engine.fix(fix(B, T0, AT.l0StairsW)));
    expect(h.engine.fix(fix(B, T0 + S, { floor: 'L1', x: 3, y: 31, room: null, zones: [] }))).toEqual([]);
    // And a room-less fix that did not come straight from an exit zone is not a crossing either.
    h.run(h.engine.fix(fix(B, T0 + 2 * S, AT.l1Street)));
    expect(h.engine.fix(fix(B, T0 + 3 * S, { ...AT.l1Street, room: null }))).toEqual([]);
  });

  it('a low-confidence room-less fix does not count as leaving', () => {
    const h = harness({ rules: [rule('x', { kind: 'exit-cross', zones: ['L1-zone-exit-maternity'] }, { minConfidence: 0.6 })] });
    h.run(h.engine.fix(fix(A, T0, AT.matExit)));
    expect(h.engine.fix(fix(A, T0 + S, { floor: 'L1', x: 87, y: 26, room: null, zones: [], confidence: 0.3 }))).toEqual([]);
    expect(summary(h.engine.fix(fix(A, T0 + 2 * S, { floor: 'L1', x: 87, y: 26, room: null, zones: [], confidence: 0.7 })))).toEqual([`+x|${A}|L1-zone-exit-maternity`]);
  });
});

describe('setRules', () => {
  const z = rule('z', { kind: 'zone-enter', zones: ['L0-zone-or-restricted'] });
  const y = rule('y', { kind: 'exit-approach', zones: ['L0-zone-or-restricted'] });

  it('reports conditions of removed, disabled and changed rules cleared at `now`, and keeps unchanged ones', () => {
    const h = harness({ rules: [z, y, rule('w', { kind: 'zone-enter', zones: ['L0-or-1'] })] });
    h.run(h.engine.fix(fix(A, T0, AT.theatre1)));
    expect(h.engine.active()).toHaveLength(3);
    const now = T0 + 10 * S;
    const changes = h.engine.setRules([
      { ...z, name: 'renamed', severity: 'critical', updatedAt: now }, // same condition: kept
      { ...y, enabled: false },
      rule('w', { kind: 'zone-enter', zones: ['L0-or-2'] }), // changed
    ], now);
    expect(summary(changes).sort()).toEqual([`-w|${A}|L0-or-1`, `-y|${A}|L0-zone-or-restricted`]);
    expect(changes.every((c) => c.t === now && !c.active)).toBe(true);
    expect(changes.find((c) => c.ruleId === 'y')!.evidence).toMatchObject({ room: 'L0-or-1', detail: 'the rule was removed or disabled' });
    expect(changes.find((c) => c.ruleId === 'w')!.evidence.detail).toBe('the rule was changed');
    expect(h.engine.active().map((c) => c.ruleId)).toEqual(['z']);
    // The kept rule's condition is still the same one: no second raise while parked.
    expect(h.engine.fix(fix(A, now + S, AT.theatre1))).toEqual([]);
    expect(summary(h.engine.setRules([], now + 2 * S))).toEqual([`-z|${A}|L0-zone-or-restricted`]);
    expect(h.engine.active()).toEqual([]);
  });

  it('new rules apply to tags already known, from their next fix', () => {
    const h = harness({ rules: [] });
    h.run(h.engine.fix(fix(A, T0, AT.theatre1)));
    expect(h.engine.setRules([z], T0 + S)).toEqual([]);
    expect(summary(h.engine.fix(fix(A, T0 + 2 * S, AT.theatre1)))).toEqual([`+z|${A}|L0-zone-or-restricted`]);
  });

  it('re-enabling after removal starts a fresh condition', () => {
    const h = harness({ rules: [z] });
    h.run(h.engine.fix(fix(A, T0, AT.theatre1)));
    h.run(h.engine.setRules([], T0 + MIN));
    h.run(h.engine.setRules([z], T0 + 2 * MIN));
    h.run(h.engine.fix(fix(A, T0 + 3 * MIN, AT.theatre1)));
    expect(summary(h.log)).toEqual([`+z|${A}|L0-zone-or-restricted`, `-z|${A}|L0-zone-or-restricted`, `+z|${A}|L0-zone-or-restricted`]);
    expect(h.log.map((c) => c.t)).toEqual([T0, T0 + MIN, T0 + 3 * MIN]);
  });
});
