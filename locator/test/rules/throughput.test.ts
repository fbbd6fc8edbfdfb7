/**
 * Throughput of the rule engine with the site rules: 100k fixes over 2,000 tags (the demo runs ~400 fixes/s, the
 * bench ten times that). Asserts completion and a deterministic outcome; the rate is printed, never asserted.
 */
import { describe, expect, it } from 'vitest';
import { loadSampleSite, pointInPolygon } from '@rtls/floorplans';
import type { Fix, Pairing, TagFlag, TagKind } from '@rtls/protocol';
import { createRuleEngine } from '../../src/rules/rule-engine.ts';
import { siteRules, sitePlaces } from '../../src/rules/site-rules.ts';
import { T0, tagId } from './helpers.ts';

const TAGS = 2000;
const FIXES = 100_000;
/** Data time between fixes: 400 fixes/s. */
const FIX_DT_MS = 2.5;

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Spot { floor: string; x: number; y: number; room: string; zones: string[]; portal: string | null }
type Event =
  | { type: 'fix'; fix: Fix; battery: number; flags: TagFlag[] | undefined }
  | { type: 'tick'; t: number }
  | { type: 'gw'; id: string; state: 'online' | 'offline'; t: number };

function workload(seed: number) {
  const site = loadSampleSite();
  const rnd = mulberry32(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const places = sitePlaces(site);
  const spots: Spot[] = [];
  const exitSpots: Spot[] = [];
  for (const f of site.floors) {
    const zonesAt = (x: number, y: number) => f.zones.filter((z) => pointInPolygon([x, y], z.geometry.coordinates)).map((z) => z.properties.id);
    for (const r of f.rooms) {
      const ring = r.geometry.coordinates[0]!;
      const x = (Math.min(...ring.map((p) => p[0])) + Math.max(...ring.map((p) => p[0]))) / 2;
      const y = (Math.min(...ring.map((p) => p[1])) + Math.max(...ring.map((p) => p[1]))) / 2;
      spots.push({ floor: f.summary.id, x, y, room: r.properties.id, zones: zonesAt(x, y), portal: null });
    }
    for (const z of f.zones.filter((zz) => places.exitZones.includes(zz.properties.id))) {
      const ring = z.geometry.coordinates[0]!;
      const x = (Math.min(...ring.map((p) => p[0])) + Math.max(...ring.map((p) => p[0]))) / 2;
      const y = (Math.min(...ring.map((p) => p[1])) + Math.max(...ring.map((p) => p[1]))) / 2;
      const room = f.rooms.find((r) => pointInPolygon([x, y], r.geometry.coordinates))?.properties.id ?? null;
      const portal = f.gateways.find((g) => places.exitPortals.includes(g.properties.id) && pointInPolygon(g.geometry.coordinates, z.geometry.coordinates));
      if (room) exitSpots.push({ floor: f.summary.id, x, y, room, zones: zonesAt(x, y), portal: portal?.properties.id ?? null });
    }
  }
  const directory = new Map<string, { kind: TagKind; category: string | null }>();
  const adults: string[] = [];
  const infants: string[] = [];
  for (let i = 0; i < TAGS; i++) {
    const id = tagId(0x100000 + i);
    const u = rnd();
    let kind: TagKind;
    let category: string | null;
    if (u < 0.5) [kind, category] = ['equipment', pick(['infusion-pump', 'infusion-pump', 'monitor', 'ventilator', 'wheelchair', 'bed', 'defibrillator'])];
    else if (u < 0.85) {
      kind = 'patient';
      const v = rnd();
      category = v < 0.7 ? 'adult' : v < 0.85 ? 'infant' : 'elopement-risk';
      (category === 'infant' ? infants : category === 'adult' ? adults : []).push(id);
    } else [kind, category] = rnd() < 0.5 ? ['consumable', 'gauze'] : ['unknown', null];
    if (kind !== 'unknown') directory.set(id, { kind, category });
  }
  const pairings: Pairing[] = infants.map((subject, i) => ({ subject, companion: adults[i % adults.length]!, createdAt: T0 }));
  const ids = [...Array(TAGS).keys()].map((i) => tagId(0x100000 + i));
  const where = ids.map(() => pick(spots));
  const battery = ids.map(() => 10 + rnd() * 90);
  const events: Event[] = [];
  let nextTick = T0 + 1000;
  let nextGw = T0 + 20_000;
  for (let n = 0; n < FIXES; n++) {
    const t = Math.round(T0 + n * FIX_DT_MS);
    while (t >= nextTick) events.push({ type: 'tick', t: (nextTick += 1000) - 1000 });
    if (t >= nextGw) {
      events.push({ type: 'gw', id: pick(places.exitPortals), state: rnd() < 0.5 ? 'offline' : 'online', t });
      nextGw += 20_000;
    }
    const k = Math.floor(rnd() * TAGS);
    if (rnd() < 0.02) where[k] = rnd() < 0.1 ? pick(exitSpots) : pick(spots);
    const s = where[k]!;
    battery[k] = Math.max(0, battery[k]! - rnd() * 0.5);
    const portal = s.portal !== null && rnd() < 0.2;
    const fix: Fix = {
      tag: ids[k]!, t, floor: s.floor, x: s.x + (rnd() - 0.5) * 2, y: s.y + (rnd() - 0.5) * 2, accuracyM: 1 + rnd() * 4,
      confidence: portal ? 0.7 : 0.3 + rnd() * 0.7, room: rnd() < 0.02 ? null : s.room, zones: s.zones,
      method: portal ? 'rfid-portal' : 'ble-wls', evidence: [{ gw: portal ? s.portal! : 'L0-ble-hs-1', rssi: -60, n: 3 }],
    };
    events.push({ type: 'fix', fix, battery: Math.round(battery[k]!), flags: rnd() < 0.0005 ? [pick(['button', 'band-cut', 'tamper'] as const)] : undefined });
  }
  return { site, directory, pairings, events };
}

function run(w: ReturnType<typeof workload>) {
  const engine = createRuleEngine({ site: w.site, tagInfo: (id) => w.directory.get(id), gateways: () => [], timeZone: 'Europe/London' });
  engine.setRules(siteRules(w.site, T0), T0);
  engine.setPairings(w.pairings);
  const perRule = new Map<string, number>();
  let changes = 0;
  const count = (cs: { ruleId: string; active: boolean }[]) => {
    changes += cs.length;
    for (const c of cs) if (c.active) perRule.set(c.ruleId, (perRule.get(c.ruleId) ?? 0) + 1);
  };
  const start = performance.now();
  for (const e of w.events) {
    if (e.type === 'fix') {
      count(engine.tagSeen(e.fix.tag, e.fix.t, e.battery, e.flags));
      count(engine.fix(e.fix));
    } else if (e.type === 'tick') count(engine.tick(e.t));
    else count(engine.gatewayState(e.id, e.state, e.t));
  }
  const ms = performance.now() - start;
  return { changes, perRule: Object.fromEntries([...perRule].sort()), active: engine.active().length, ms };
}

describe('rule engine throughput', () => {
  it('runs 100k fixes over 2,000 tags with the site rules, deterministically', () => {
    const w = workload(7);
    const a = run(w);
    const b = run(workload(7));
    expect(a.changes).toBeGreaterThan(0);
    expect(b.changes).toBe(a.changes);
    expect(b.perRule).toEqual(a.perRule);
    expect(b.active).toBe(a.active);
    // Every kind of site rule the workload can provoke did fire at least once.
    for (const id of ['site-infant-unaccompanied-exit', 'site-patient-exit-cross', 'site-elopement-exit-approach', 'site-equipment-main-exit', 'site-low-battery', 'site-exit-gateway-offline']) {
      expect(a.perRule[id], id).toBeGreaterThan(0);
    }
    const rate = Math.round(FIXES / (Math.min(a.ms, b.ms) / 1000));
    console.log(`rule engine: ${FIXES} fixes (+ as many reads, ${w.events.length - FIXES} ticks/gateway events) over ${TAGS} tags in ${Math.round(Math.min(a.ms, b.ms))} ms = ${rate} fixes/s; ${a.changes} changes, ${a.active} active at the end; raised per rule ${JSON.stringify(a.perRule)}`);
  });
});
