import { describe, expect, it } from 'vitest';
import { COMPANION_MAX_AGE_MS } from '../../src/rules/rule-engine.ts';
import { AT, S, T0, fix, harness, rule, summary, tagId } from './helpers.ts';

const INFANT = tagId(1);
const MOTHER = tagId(2);
const ESCORT = tagId(3);
const OTHER = tagId(4);
const tags: [string, 'patient' | 'equipment', string][] = [
  [INFANT, 'patient', 'infant'], [MOTHER, 'patient', 'adult'], [ESCORT, 'patient', 'escort'], [OTHER, 'patient', 'adult'],
];
const alone = rule('alone', { kind: 'unaccompanied', zones: ['L1-zone-exit-maternity'], radiusM: 5 }, { subjects: { categories: ['infant'] } });
const key = `+alone|${INFANT}|L1-zone-exit-maternity`;
const at = (dx: number, dy = 0) => ({ ...AT.matExit, x: AT.matExit.x + dx, y: AT.matExit.y + dy });

describe('unaccompanied', () => {
  it('is active in the zone with no companion, with the fix as evidence and a worded detail', () => {
    const h = harness({ rules: [alone], tags });
    expect(h.engine.fix(fix(INFANT, T0, AT.nursery))).toEqual([]);
    const [up] = h.engine.fix(fix(INFANT, T0 + S, AT.matExit));
    expect(up).toMatchObject({ where: 'L1-zone-exit-maternity', active: true, t: T0 + S });
    expect(up!.evidence).toMatchObject({ x: 87.4, y: 22.5, room: 'L1-mat-entry', detail: 'in L1-zone-exit-maternity with no companion within 5 m' });
    const [down] = h.engine.fix(fix(INFANT, T0 + 2 * S, AT.matEntry));
    expect(down).toMatchObject({ active: false });
    expect(down!.evidence.detail).toBe('left L1-zone-exit-maternity');
  });

  it('the paired companion within the radius protects; beyond it, or stale, does not', () => {
    const h = harness({ rules: [alone], tags });
    h.engine.setPairings([{ subject: INFANT, companion: MOTHER, createdAt: T0 }]);
    h.run(h.engine.fix(fix(MOTHER, T0, at(3, 0.5))));
    expect(h.engine.fix(fix(INFANT, T0 + 2 * S, AT.matExit))).toEqual([]);
    // The mother walks off to 6 m.
    h.run(h.engine.fix(fix(MOTHER, T0 + 3 * S, at(0, -6))));
    expect(summary(h.engine.fix(fix(INFANT, T0 + 4 * S, AT.matExit)))).toEqual([key]);
    // Back within the radius: cleared on the infant's next fix, naming the companion.
    h.run(h.engine.fix(fix(MOTHER, T0 + 5 * S, at(1, 1))));
    const [down] = h.engine.fix(fix(INFANT, T0 + 6 * S, AT.matExit));
    expect(down).toMatchObject({ active: false, t: T0 + 6 * S });
    expect(down!.evidence.detail).toBe(`companion ${MOTHER} within 1.4 m`);
    // The mother's tag goes quiet: her last fix grows stale beyond COMPANION_MAX_AGE_MS.
    expect(h.engine.fix(fix(INFANT, T0 + 5 * S + COMPANION_MAX_AGE_MS, AT.matExit))).toEqual([]);
    expect(summary(h.engine.fix(fix(INFANT, T0 + 5 * S + COMPANION_MAX_AGE_MS + 1, AT.matExit)))).toEqual([key]);
  });

  it('another adult nearby is not a companion; a pairing made later is', () => {
    const h = harness({ rules: [alone], tags });
    h.run(h.engine.fix(fix(OTHER, T0, at(1))));
    expect(summary(h.engine.fix(fix(INFANT, T0 + S, AT.matExit)))).toEqual([key]);
    h.engine.setPairings([{ subject: INFANT, companion: OTHER, createdAt: T0 }]);
    expect(h.engine.fix(fix(INFANT, T0 + 2 * S, AT.matExit))[0]).toMatchObject({ active: false });
  });

  it('companion categories and companion tags count, on the same floor only', () => {
    const byCategory = rule('alone', { kind: 'unaccompanied', zones: ['L1-zone-exit-maternity'], radiusM: 4, companionCategories: ['escort'] }, { subjects: { categories: ['infant'] } });
    const h = harness({ rules: [byCategory], tags });
    // Same x, y but on the floor below.
    h.run(h.engine.fix(fix(ESCORT, T0, { ...at(1), floor: 'L0', room: null, zones: [] })));
    expect(summary(h.engine.fix(fix(INFANT, T0 + S, AT.matExit)))).toEqual([key]);
    h.run(h.engine.fix(fix(ESCORT, T0 + 2 * S, at(2, 2))));
    expect(h.engine.fix(fix(INFANT, T0 + 3 * S, AT.matExit))[0]).toMatchObject({ active: false });
    // 4.5 m away: outside this rule's 4 m radius.
    h.run(h.engine.fix(fix(ESCORT, T0 + 4 * S, at(0, -4.5))));
    expect(summary(h.engine.fix(fix(INFANT, T0 + 5 * S, AT.matExit)))).toEqual([key]);

    const byTag = rule('alone', { kind: 'unaccompanied', zones: ['L1-zone-exit-maternity'], companionTags: [OTHER] }, { subjects: { categories: ['infant'] } });
    const h2 = harness({ rules: [byTag], tags });
    h2.run(h2.engine.fix(fix(ESCORT, T0, at(1))));
    h2.run(h2.engine.fix(fix(OTHER, T0, at(4.9))));
    expect(h2.engine.fix(fix(INFANT, T0 + S, AT.matExit))).toEqual([]);
  });

  it('the subject is never its own companion', () => {
    const h = harness({ rules: [rule('alone', { kind: 'unaccompanied', zones: ['L1-zone-exit-maternity'], companionCategories: ['infant'] }, { subjects: { categories: ['infant'] } })], tags });
    expect(summary(h.engine.fix(fix(INFANT, T0, AT.matExit)))).toEqual([key]);
  });
});
