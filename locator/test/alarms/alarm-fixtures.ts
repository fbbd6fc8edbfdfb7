/**
 * Shared pieces for the alarm tests: rules built through the protocol schema (so defaults are the real ones),
 * condition changes as the rule engine reports them, and a manager on a temp data dir with an injected clock.
 */
import { RuleSchema, type AlarmEvidence, type AlarmNotification, type Alarm, type Rule, type RuleBody, type TagKind } from '@rtls/protocol';
import { conditionKey, type ConditionChange } from '../../src/rules/rule-types.ts';
import { createAlarmManager, type AlarmManager, type AlarmManagerOptions } from '../../src/alarms/alarm-manager.ts';
import { T0, bleTag, silentLogger } from '../io/helpers.ts';

export { T0 };

export const INFANT = bleTag(0xa1a1a1a1a101);
export const MOTHER = bleTag(0xa1a1a1a1a102);
export const PUMP = bleTag(0xa1a1a1a1a103);
export const ICU_PATIENT = bleTag(0xa1a1a1a1a104);

export function makeRule(id: string, over: Partial<RuleBody> = {}): Rule {
  return RuleSchema.parse({
    id, origin: 'user', updatedAt: T0, name: `Rule ${id}`, severity: 'high',
    condition: { kind: 'exit-approach', zones: ['L0-corridor'] }, ...over,
  });
}

export function evidence(t: number, detail = 'in L0-corridor'): AlarmEvidence {
  return {
    t, floor: 'L0', x: 5, y: 10, room: 'L0-corridor', zones: ['L0-corridor'], accuracyM: 1.5, confidence: 0.9, method: 'ble-wls',
    gateways: [{ gw: 'gw-l0-c1', rssi: -62, n: 5 }], detail,
  };
}

export function change(rule: string, tag: string, where: string | null, active: boolean, t: number, detail?: string): ConditionChange {
  const subject = { type: 'tag' as const, id: tag };
  return { key: conditionKey(rule, subject, where), ruleId: rule, subject, where, active, t, evidence: evidence(t, detail) };
}

export function gatewayChange(rule: string, gw: string, active: boolean, t: number): ConditionChange {
  const subject = { type: 'gateway' as const, id: gw };
  return { key: conditionKey(rule, subject, gw), ruleId: rule, subject, where: gw, active, t, evidence: { ...evidence(t, `${gw} offline`), gateways: [] } };
}

export const TAG_KINDS: Record<string, { label: string; kind: TagKind; unit?: string }> = {
  [INFANT]: { label: 'Infant 07', kind: 'patient', unit: 'maternity' },
  [MOTHER]: { label: 'Mother 07', kind: 'patient', unit: 'maternity' },
  [ICU_PATIENT]: { label: 'Bed 3', kind: 'patient', unit: 'icu' },
  [PUMP]: { label: 'Pump 12', kind: 'equipment' },
};

export interface ManagerHarness {
  manager: AlarmManager;
  clock: { now: number };
  rules: Map<string, Rule>;
  notes: AlarmNotification[];
  changes: Alarm[];
  /** What activeConditions() answers (the rule engine's view of what is true now). */
  active: ConditionChange[];
}

export function openManager(dataDir: string, rules: Rule[], over: Partial<AlarmManagerOptions> = {}): ManagerHarness {
  const clock = { now: T0 };
  const h: ManagerHarness = {
    manager: undefined as unknown as AlarmManager, clock, rules: new Map(rules.map((r) => [r.id, r])), notes: [], changes: [], active: [],
  };
  h.manager = createAlarmManager({
    dataDir, clock: () => clock.now, rules: () => h.rules,
    describeTag: (tag) => TAG_KINDS[tag] ?? { label: tag, kind: 'unknown' },
    activeConditions: () => h.active,
    onNotify: (n) => h.notes.push(n),
    onChange: (a) => h.changes.push(a),
    logger: silentLogger(),
    ...over,
  });
  return h;
}
