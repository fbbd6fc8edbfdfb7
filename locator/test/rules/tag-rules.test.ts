import { describe, expect, it } from 'vitest';
import { AT, S, T0, fix, harness, rule, summary, tagId } from './helpers.ts';

const A = tagId(1);
const B = tagId(2);
const C = tagId(3);

describe('tag-flag', () => {
  const band = rule('band', { kind: 'tag-flag', flags: ['band-cut', 'tamper'] });
  const button = rule('button', { kind: 'tag-flag', flags: ['button'] });

  it('a cut band stays active while reads carry the flag and while the tag is silent', () => {
    const h = harness({ rules: [band] });
    h.run(h.engine.fix(fix(A, T0, AT.nursery)));
    const [up] = h.run(h.engine.tagSeen(A, T0 + S, 70, ['motion', 'band-cut']));
    expect(up).toMatchObject({ ruleId: 'band', where: null, active: true, t: T0 + S });
    expect(up!.evidence).toMatchObject({ t: T0 + S, room: 'L1-nursery', detail: 'tag reports band-cut' });
    for (let i = 2; i < 300; i++) h.run(h.engine.tagSeen(A, T0 + i * S, 70, ['band-cut']));
    h.run(h.engine.tick(T0 + 3600 * S));
    expect(h.log).toHaveLength(1);
  });

  it('a button press clears after 60 s of reads without it (not before, and not without reads)', () => {
    const h = harness({ rules: [button] });
    h.run(h.engine.tagSeen(A, T0, 70, ['button']));
    h.run(h.engine.tagSeen(A, T0 + S, 70, ['button']));
    h.run(h.engine.tick(T0 + 120 * S));
    for (let i = 2; i <= 60; i++) h.run(h.engine.tagSeen(A, T0 + i * S, 70, []));
    expect(summary(h.log)).toEqual([`+button|${A}|`]);
    const [down] = h.run(h.engine.tagSeen(A, T0 + 61 * S, 70, undefined));
    expect(down).toMatchObject({ active: false, t: T0 + 61 * S });
    expect(down!.evidence.detail).toBe('no button in reads for 1 min');
    // Pressed again: a new condition.
    expect(summary(h.engine.tagSeen(A, T0 + 90 * S, 70, ['button']))).toEqual([`+button|${A}|`]);
  });

  it('flags the rule does not list are ignored', () => {
    const h = harness({ rules: [band] });
    expect(h.engine.tagSeen(A, T0, 70, ['button', 'motion', 'low-battery'])).toEqual([]);
  });
});

describe('low-battery', () => {
  it('raises at or below the percentage and clears only 5 points above it (hysteresis)', () => {
    const h = harness({ rules: [rule('bat', { kind: 'low-battery', percent: 15 })] });
    const seq: [number | undefined, number][] = [[20, 0], [16, 0], [15, 1], [14, 0], [undefined, 0], [17, 0], [19, 0], [16, 0], [20, -1], [22, 0], [15, 1]];
    let t = T0;
    for (const [battery, expected] of seq) {
      const c = h.engine.tagSeen(A, (t += S), battery, undefined);
      expect(c.length, `battery ${battery}`).toBe(expected === 0 ? 0 : 1);
      if (expected !== 0) expect(c[0]!.active).toBe(expected === 1);
    }
    expect(h.engine.active()[0]!.evidence.detail).toBe('battery 15 % (at or below 15 %)');
  });
});

describe('subject selection', () => {
  const z = (id: string, subjects: object) => rule(id, { kind: 'zone-enter', zones: ['L0-zone-or-restricted'] }, { subjects });

  it('empty selectors mean every tag (registered or not); otherwise kind, category or named tag', () => {
    const U = tagId(9);
    const h = harness({
      rules: [z('all', {}), z('equip', { kinds: ['equipment'] }), z('infant', { categories: ['infant'] }), z('named', { tags: [C] }), z('both', { kinds: ['patient'], tags: [A] })],
      tags: [[A, 'patient', 'infant'], [B, 'equipment', 'infusion-pump'], [C, 'patient', 'adult']],
    });
    const rulesOf = (tag: string) => h.engine.fix(fix(tag, T0, AT.theatre1)).map((c) => c.ruleId);
    expect(rulesOf(A)).toEqual(['all', 'infant', 'both']);
    expect(rulesOf(B)).toEqual(['all', 'equip']);
    expect(rulesOf(C)).toEqual(['all', 'named', 'both']);
    expect(rulesOf(U)).toEqual(['all']);
  });

  it('a tag registered later gets its rules from the next fix; a rule that stops applying clears', () => {
    const h = harness({ rules: [z('infant', { categories: ['infant'] })] });
    expect(h.engine.fix(fix(A, T0, AT.theatre1))).toEqual([]);
    h.tags.set(A, { kind: 'patient', category: 'infant' });
    expect(summary(h.engine.fix(fix(A, T0 + S, AT.theatre1)))).toEqual([`+infant|${A}|L0-zone-or-restricted`]);
    h.tags.set(A, { kind: 'patient', category: 'adult' });
    const [down] = h.engine.fix(fix(A, T0 + 2 * S, AT.theatre1));
    expect(down).toMatchObject({ ruleId: 'infant', active: false, t: T0 + 2 * S });
    expect(down!.evidence.detail).toBe('the rule no longer applies to this tag');
  });
});
