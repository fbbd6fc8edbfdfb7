/**
 * The seam between "what is true" and "what to do about it" (issue #7; habit: Traccar's GeofenceHandler vs
 * GeofenceEventHandler). The rule engine (rule-engine.ts) is pure: fed fixes, reads, gateway states and time, it
 * reports conditions becoming true or false, each with the evidence that showed it. The alarm manager
 * (alarms/alarm-manager.ts) turns those into alarms with a lifecycle, deduplication, escalation and bypasses.
 */
import type { AlarmEvidence, Fix, GatewayState, Pairing, Rule, TagFlag, TagKind } from '@rtls/protocol';

export interface ConditionSubject {
  type: 'tag' | 'gateway';
  id: string;
}

/** A rule's condition for one subject (and place) turned true (`active`) or false. */
export interface ConditionChange {
  /** One ongoing condition = one key: `${ruleId}|${type}:${id}|${where ?? ''}` (conditionKey). */
  key: string;
  ruleId: string;
  subject: ConditionSubject;
  /** The zone, door or gateway it is about; null for tag-wide conditions (battery, flag, silent, off-floor). */
  where: string | null;
  active: boolean;
  /** Data time: the read or fix time that showed the change (the ground-truth comparison point), epoch ms. */
  t: number;
  evidence: AlarmEvidence;
}

export function conditionKey(ruleId: string, subject: ConditionSubject, where: string | null): string {
  return `${ruleId}|${subject.type}:${subject.id}|${where ?? ''}`;
}

/** What the engine needs to know about a tag: its kind and category (subject selectors, companions). */
export type TagInfoLookup = (tag: string) => { kind: TagKind; category: string | null } | undefined;

export interface RuleEngine {
  /** Replaces the rule set; conditions of removed or disabled rules are reported cleared. */
  setRules(rules: readonly Rule[], now: number): ConditionChange[];
  setPairings(pairings: readonly Pairing[]): void;
  /** A located fix (room, zones, evidence). */
  fix(fix: Fix): ConditionChange[];
  /** An accepted read: battery and flags (tamper, band cut, button), and last-heard time. */
  tagSeen(tag: string, t: number, battery: number | undefined, flags: readonly TagFlag[] | undefined): ConditionChange[];
  gatewayState(gateway: string, state: GatewayState, t: number): ConditionChange[];
  /** Time-based conditions (too long inside/outside, silent, gateway offline for N s, schedules). */
  tick(now: number): ConditionChange[];
  /** Every condition that is true now (the alarm manager re-arms from this when a bypass ends). */
  active(): ConditionChange[];
}
