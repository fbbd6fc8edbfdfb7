import { describe, expect, it } from 'vitest';
import { loadSampleSite } from '@rtls/floorplans';
import type { Site } from '@rtls/floorplans';
import { RuleSchema } from '@rtls/protocol';
import { siteRules, sitePlaces } from '../../src/rules/site-rules.ts';
import { fixtureSite } from '../io/fixture-site.ts';
import { AT, MIN, S, T0, fix, harness, portalFix, summary, tagId } from './helpers.ts';

function referencesExist(site: Site) {
  const zoneIds = new Set(site.floors.flatMap((f) => [...f.zones.map((z) => z.properties.id), ...f.rooms.map((r) => r.properties.id)]));
  const missing: string[] = [];
  for (const r of siteRules(site, T0)) {
    const c = r.condition;
    for (const z of 'zones' in c ? c.zones : []) if (!zoneIds.has(z)) missing.push(`${r.id}: zone ${z}`);
    if (c.kind === 'exit-cross') for (const d of c.doors) if (!site.door(d)) missing.push(`${r.id}: door ${d}`);
    if (c.kind === 'gateway-offline') for (const g of c.gateways) if (!site.gateway(g)) missing.push(`${r.id}: gateway ${g}`);
  }
  return missing;
}

describe('siteRules', () => {
  const site = loadSampleSite();

  it('every zone, door and gateway a default rule names exists in the sample site', () => {
    expect(referencesExist(site)).toEqual([]);
    expect(referencesExist(fixtureSite())).toEqual([]);
  });

  it('are valid rules with stable, unique slug ids and origin site', () => {
    const a = siteRules(site, T0);
    const b = siteRules(site, T0 + 1000);
    expect(a.map((r) => r.id)).toEqual(b.map((r) => r.id));
    expect(new Set(a.map((r) => r.id)).size).toBe(a.length);
    for (const r of a) {
      expect(RuleSchema.parse(r)).toEqual(r);
      expect(r.origin).toBe('site');
      expect(r.updatedAt).toBe(T0);
    }
  });

  it('derive the protected places from the plan', () => {
    const p = sitePlaces(site);
    const exitZones = site.floors.flatMap((f) => f.zones.filter((z) => z.properties.zoneType === 'exit' && z.properties.monitored).map((z) => z.properties.id));
    expect(p.exitZones).toEqual(exitZones);
    expect(p.portalDoors).toContain('L0-door-main-entrance');
    expect(p.portalDoors).toContain('L1-door-maternity-entrance');
    expect(p.portalDoors).not.toContain('L1-door-nursery'); // a portal, but not on an exit door
    expect(p.exitPortals).toContain('L1-portal-maternity');
    expect(p.infantZones).toEqual(['L1-zone-infant-security']);
    expect(p.mainEntranceZones).toEqual(['L0-zone-exit-main']);
  });

  it('a site without monitored zones still gets the tag-wide rules and nothing empty', () => {
    const rules = siteRules(fixtureSite(), T0);
    expect(rules.map((r) => r.id)).toEqual(expect.arrayContaining(['site-patient-band-tamper', 'site-low-battery', 'site-infant-silent']));
    expect(rules.some((r) => r.id === 'site-infant-unaccompanied-exit')).toBe(false);
  });

  it('fire for the issue #7 scenarios on the sample site', () => {
    const infant = tagId(1);
    const dementia = tagId(2);
    const pump = tagId(3);
    const mother = tagId(4);
    const h = harness({
      rules: siteRules(site, T0),
      tags: [[infant, 'patient', 'infant'], [dementia, 'patient', 'elopement-risk'], [pump, 'equipment', 'infusion-pump'], [mother, 'patient', 'adult']],
    });
    h.engine.setPairings([{ subject: infant, companion: mother, createdAt: T0 }]);
    const e = h.engine;
    // Infant carried to the maternity exit: with its mother, nothing; without, critical.
    h.run(e.fix(fix(mother, T0, { ...AT.matExit, x: 87 })));
    expect(e.fix(fix(infant, T0 + S, AT.matExit))).toEqual([]);
    expect(summary(e.fix(fix(infant, T0 + 20 * S, AT.matExit)))).toEqual([`+site-infant-unaccompanied-exit|${infant}|L1-zone-exit-maternity`]);
    expect(summary(e.fix(portalFix(infant, T0 + 21 * S, 'L1-portal-maternity', site, 'L1-hs')))).toEqual([
      `-site-infant-unaccompanied-exit|${infant}|L1-zone-exit-maternity`,
      `+site-patient-exit-cross|${infant}|L1-door-maternity-entrance`,
    ]);
    // Band cut.
    expect(summary(e.tagSeen(infant, T0 + 22 * S, 80, ['band-cut']))).toEqual([`+site-patient-band-tamper|${infant}|`]);
    // Dementia patient wandering to the main entrance.
    expect(summary(e.fix(fix(dementia, T0, AT.mainExit)))).toEqual([`+site-elopement-exit-approach|${dementia}|L0-zone-exit-main`]);
    expect(summary(e.fix(portalFix(dementia, T0 + S, 'L0-portal-main', site, null)))).toEqual([
      `-site-elopement-exit-approach|${dementia}|L0-zone-exit-main`,
      `+site-patient-exit-cross|${dementia}|L0-door-main-entrance`,
    ]);
    // An infusion pump at the main entrance.
    expect(summary(e.fix(fix(pump, T0, AT.mainExit)))).toEqual([`+site-equipment-main-exit|${pump}|L0-zone-exit-main`]);
    // A portal going offline.
    e.gatewayState('L0-portal-main', 'offline', T0);
    expect(summary(e.tick(T0 + 60 * S)).filter((s) => s.includes('gateway'))).toEqual(['+site-exit-gateway-offline|L0-portal-main|L0-portal-main']);
    // The infant, lost from view, goes silent; off the infant-security zone for 2 min.
    const later = summary(e.tick(T0 + 6 * MIN));
    expect(later).toContain(`+site-infant-silent|${infant}|`);
    expect(later).toContain(`+site-infant-outside-security-zone|${infant}|`);
  });
});
