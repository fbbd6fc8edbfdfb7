import { loadSampleSite } from '@rtls/floorplans';
import type { Site } from '@rtls/floorplans';
import { RuleSchema } from '@rtls/protocol';
import type { Fix, Rule, RuleCondition, TagKind } from '@rtls/protocol';
import type { GatewayRecord } from '../../src/contracts.ts';
import { createRuleEngine } from '../../src/rules/rule-engine.ts';
import type { ConditionChange, RuleEngine } from '../../src/rules/rule-types.ts';

/** 2024-03-04 (a Monday) 12:00 UTC: a plain weekday daytime moment for tests without schedules. */
export const T0 = Date.UTC(2024, 2, 4, 12, 0, 0);
export const S = 1000;
export const MIN = 60_000;

/** A valid BLE tag id from a short number. */
export const tagId = (n: number) => `ble:${n.toString(16).toUpperCase().padStart(12, '0')}`;

export type TagDirectory = Map<string, { kind: TagKind; category: string | null }>;

export function rule(id: string, condition: unknown, extra: Record<string, unknown> = {}): Rule {
  return RuleSchema.parse({ id, name: id, severity: 'high', origin: 'user', updatedAt: T0, condition, ...extra });
}

export function fix(tag: string, t: number, p: Partial<Fix> = {}): Fix {
  return {
    tag, t, floor: 'L1', x: 10, y: 10, accuracyM: 2, confidence: 0.9, room: null, zones: [], method: 'ble-wls',
    evidence: [{ gw: 'L1-ble-mat-corr-1', rssi: -65, n: 4 }], ...p,
  };
}

/** Places on the sample hospital (positions inside the rooms and zones named). */
export const AT = {
  /** Maternity entrance exit zone, in front of the maternity door (portal L1-portal-maternity). */
  matExit: { floor: 'L1', x: 87.4, y: 22.5, room: 'L1-mat-entry', zones: ['L1-zone-infant-security', 'L1-zone-exit-maternity'] },
  /** Maternity entrance corridor, outside the exit zone but inside the infant-security zone. */
  matEntry: { floor: 'L1', x: 87.4, y: 15, room: 'L1-mat-entry', zones: ['L1-zone-infant-security'] },
  nursery: { floor: 'L1', x: 68, y: 13, room: 'L1-nursery', zones: ['L1-zone-infant-security'] },
  /** L1 hospital street, outside maternity. */
  l1Street: { floor: 'L1', x: 40, y: 25.5, room: 'L1-hs', zones: [] },
  theatre1: { floor: 'L0', x: 68, y: 3.5, room: 'L0-or-1', zones: ['L0-zone-or-restricted'] },
  lobby: { floor: 'L0', x: 58, y: 12, room: 'L0-lobby', zones: [] },
  mainExit: { floor: 'L0', x: 58, y: 1.5, room: 'L0-lobby', zones: ['L0-zone-exit-main'] },
  l0Street: { floor: 'L0', x: 40, y: 25.5, room: 'L0-hs', zones: [] },
  l0StairsW: { floor: 'L0', x: 1.5, y: 30.7, room: 'L0-stairs-w', zones: ['L0-zone-exit-stairs-w'] },
} satisfies Record<string, Partial<Fix>>;

/** A read by an RFID portal, as the pipeline reports it (position at the portal, method rfid-portal). */
export function portalFix(tag: string, t: number, gw: string, site: Site, room: string | null, confidence = 0.7): Fix {
  const g = site.gateway(gw)!;
  const [x, y] = g.gateway.geometry.coordinates;
  return fix(tag, t, { floor: g.floor.summary.id, x, y, room, zones: [], method: 'rfid-portal', confidence, accuracyM: 1.5, evidence: [{ gw, rssi: -50, n: 2 }] });
}

export interface Harness {
  engine: RuleEngine;
  site: Site;
  tags: TagDirectory;
  /** Every change reported so far, in order. */
  log: ConditionChange[];
  /** Runs an engine call and records its changes. */
  run: (changes: ConditionChange[]) => ConditionChange[];
}

export function harness(opts: { rules?: Rule[]; tags?: [string, TagKind, string | null][]; timeZone?: string; site?: Site; gateways?: GatewayRecord[] } = {}): Harness {
  const site = opts.site ?? loadSampleSite();
  const tags: TagDirectory = new Map((opts.tags ?? []).map(([id, kind, category]) => [id, { kind, category }]));
  const engine = createRuleEngine({ site, tagInfo: (id) => tags.get(id), gateways: () => opts.gateways ?? [], timeZone: opts.timeZone ?? 'UTC' });
  const log: ConditionChange[] = [];
  const run = (changes: ConditionChange[]) => {
    log.push(...changes);
    return changes;
  };
  if (opts.rules) run(engine.setRules(opts.rules, T0));
  return { engine, site, tags, log, run };
}

export const cond = (c: RuleCondition) => c;
export const summary = (changes: readonly ConditionChange[]) => changes.map((c) => `${c.active ? '+' : '-'}${c.ruleId}|${c.subject.id}|${c.where ?? ''}`);
