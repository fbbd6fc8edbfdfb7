/**
 * Rules and pairings in the registry database: site rules inserted when missing and never overwritten (an admin's
 * edit survives a restart), a deleted site rule stays deleted, pairings idempotent, listeners told of changes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRuleStore, ruleIdFromName, type RuleStore } from '../../src/alarms/rule-store.ts';
import { rmDir, tmpDir } from '../io/helpers.ts';
import { INFANT, MOTHER, T0, makeRule } from './alarm-fixtures.ts';

let dir: string;
let stores: RuleStore[];
const clock = { now: T0 };
const open = () => {
  const s = openRuleStore(dir, () => clock.now);
  stores.push(s);
  return s;
};

beforeEach(() => {
  dir = tmpDir('rtls-rules-');
  stores = [];
  clock.now = T0;
});
afterEach(() => {
  for (const s of stores) s.close();
  rmDir(dir);
});

const siteRules = () => [
  makeRule('site-exit-maternity', { name: 'Maternity exit', severity: 'critical' }),
  makeRule('site-exit-main', { name: 'Main entrance', severity: 'high' }),
];

describe('rule store', () => {
  it('syncSiteRules inserts missing site rules only; edits and deletions survive the next sync', () => {
    const s1 = open();
    expect(s1.syncSiteRules(siteRules()).added).toEqual(['site-exit-maternity', 'site-exit-main']);
    expect(s1.get('site-exit-maternity')).toMatchObject({ origin: 'site', severity: 'critical', updatedAt: T0 });
    clock.now = T0 + 1000;
    const { id: _id, origin: _o, updatedAt: _u, ...body } = s1.get('site-exit-maternity')!;
    s1.update('site-exit-maternity', { ...body, enabled: false, severity: 'high' });
    expect(s1.delete('site-exit-main')).toBe(true);
    s1.close();

    const s2 = open();
    expect(s2.syncSiteRules(siteRules()).added).toEqual([]);
    expect(s2.get('site-exit-maternity')).toMatchObject({ origin: 'site', enabled: false, severity: 'high', updatedAt: T0 + 1000 });
    expect(s2.get('site-exit-main')).toBeUndefined();
    expect(s2.list().map((r) => r.id)).toEqual(['site-exit-maternity']);
  });

  it('user rules get ids from their names, unique; update and delete answer for missing rules', () => {
    const s = open();
    const body = { ...makeRule('x', { name: 'Pump leaves ICU!' }) } as Record<string, unknown>;
    delete body.id;
    delete body.origin;
    delete body.updatedAt;
    const b = body as Parameters<RuleStore['create']>[0];
    expect(s.create(b).id).toBe('pump-leaves-icu');
    expect(s.create(b).id).toBe('pump-leaves-icu-2');
    expect(s.map().size).toBe(2);
    expect(() => s.update('nope', b)).toThrow(/Rule not found/);
    expect(s.delete('nope')).toBe(false);
    expect(s.delete('pump-leaves-icu')).toBe(true);
    expect(s.list().map((r) => r.id)).toEqual(['pump-leaves-icu-2']);
    expect(ruleIdFromName('  ——  ')).toBe('rule');
  });

  it('pairings are idempotent, listed, ended one or all; listeners hear rule and pairing changes', () => {
    const s = open();
    const heard: string[] = [];
    s.onChange((w) => heard.push(w));
    const p = s.pair(INFANT, MOTHER, 'nurse');
    clock.now = T0 + 5;
    expect(s.pair(INFANT, MOTHER, 'nurse')).toEqual(p);
    expect(p).toEqual({ subject: INFANT, companion: MOTHER, createdAt: T0 });
    expect(() => s.pair(INFANT, INFANT, 'nurse')).toThrow();
    s.syncSiteRules(siteRules());
    expect(s.unpair(INFANT, MOTHER)).toBe(1);
    expect(s.unpair(INFANT)).toBe(0);
    expect(heard).toEqual(['pairings', 'rules', 'pairings']);
    expect(s.pairings()).toEqual([]);
  });
});
