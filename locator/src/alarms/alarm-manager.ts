/**
 * The alarm lifecycle (issue #7 item 2): condition changes from the rule engine (rules/rule-types.ts) become alarms
 * that people acknowledge, assign and resolve; one alarm per ongoing condition (deduplication by condition key),
 * escalation when nobody acknowledges, auto-resolve when the rule says so, and bypasses that suppress a subject, zone,
 * door or gateway for a while and re-arm by themselves.
 *
 * Every transition is written to the registry database before it is announced, and announced synchronously
 * (onNotify / onChange) in the same call that caused it: the live feed gets an alarm in the tick whose data showed
 * the condition (issue #7 target: p99 ≤ 1 s from data to WebSocket).
 */
import type { Logger } from 'pino';
import {
  RtlsError,
  type Alarm, type AlarmNotification, type Bypass, type Clock, type Rule, type TagKind,
} from '@rtls/protocol';
import type { z } from 'zod';
import type { AlarmActionSchema, BypassRequestSchema } from '@rtls/protocol';
import type { ConditionChange } from '../rules/rule-types.ts';
import { openAlarmStore, type AlarmQuery, type AlarmStore } from './alarm-store.ts';

export type AlarmAction = z.infer<typeof AlarmActionSchema>;
export type BypassRequest = z.infer<typeof BypassRequestSchema>;

/** What the alarm needs to name a tag: its label (a patient's is the pseudonym), kind, and a patient's unit now. */
export interface TagDescription {
  label: string;
  kind: TagKind;
  /** The unit a patient tag is enrolled in (scoping: issue #6); null or absent for other tags. */
  unit?: string | null;
}

export interface AlarmManagerOptions {
  dataDir: string;
  clock: Clock;
  /** The current rules by id (RuleStore.map). */
  rules: () => ReadonlyMap<string, Rule>;
  describeTag: (tag: string) => TagDescription;
  /** A gateway's label; its id when absent. */
  describeGateway?: (gateway: string) => string;
  /** Every condition true now (RuleEngine.active): a bypass that ends re-arms from it. */
  activeConditions: () => readonly ConditionChange[];
  /** Alarm events for delivery (webhooks, MQTT) and the console; called synchronously, after the write. */
  onNotify: (n: AlarmNotification) => void;
  /**
   * Every change of an alarm, including those without a notification event (the condition returning while the alarm
   * is open): for the live console, which shows `active`. Called after onNotify when both apply.
   */
  onChange?: (a: Alarm) => void;
  logger: Logger;
}

export interface AlarmStats {
  open: number;
  acknowledged: number;
  activeBypasses: number;
  /** Alarms opened since start. */
  opened: number;
  /** Active changes absorbed by an alarm already open for the same condition. */
  deduplicated: number;
  /** Active changes that would have opened an alarm but a bypass was in force. */
  suppressed: number;
  escalated: number;
  autoResolved: number;
  /** Changes naming a rule that no longer exists (ignored). */
  unknownRule: number;
}

export type AlarmVerb = 'acknowledge' | 'assign' | 'resolve';

/** Why `verb` cannot be applied to the alarm now, or null when it can (the API checks this before it audits). */
export function transitionProblem(a: Alarm, verb: AlarmVerb): string | null {
  if (a.state === 'resolved') return `Alarm ${a.id} is resolved`;
  if (verb === 'acknowledge' && a.state === 'acknowledged') return `Alarm ${a.id} is already acknowledged`;
  return null;
}

export interface AlarmManager {
  apply(changes: readonly ConditionChange[]): void;
  /** Escalates unacknowledged alarms and ends bypasses whose time is up (re-arming them). */
  tick(now?: number): void;
  /**
   * After a restart the rule engine starts from nothing, so a condition that ended while the process was down is
   * never reported cleared. Once the engine has seen enough data to know what is true (a warm-up), this clears the
   * unresolved alarms whose condition is not among `active` (auto-resolving where the rule says so); returns how many.
   */
  reconcile(active: readonly ConditionChange[]): number;
  acknowledge(id: number, by: string, note?: string): Alarm;
  assign(id: number, assignee: string, by: string): Alarm;
  resolve(id: number, by: string, note: string): Alarm;
  bypass(req: BypassRequest, by: string): Bypass;
  endBypass(id: number, by: string): Bypass;
  list(query: AlarmQuery, visible?: (a: Alarm) => boolean): Alarm[];
  get(id: number): Alarm | undefined;
  /** Bypasses in force now (default), or also those that ended since `since`. */
  bypasses(opts?: { since?: number; limit?: number }): Bypass[];
  getBypass(id: number): Bypass | undefined;
  stats(): AlarmStats;
  close(): void;
}

/**
 * History is kept whole for what people did; a condition that flaps (cleared, returned, …) keeps its newest entries
 * only, so one alarm's record stays bounded.
 */
const MAX_HISTORY = 200;

/** Does a bypass cover this condition? A tag bypass its subject; a zone, door or gateway bypass the place. */
export function bypassCovers(b: Pick<Bypass, 'target'>, c: Pick<ConditionChange, 'subject' | 'where'>): boolean {
  const { type, id } = b.target;
  if (type === 'tag') return c.subject.type === 'tag' && c.subject.id === id;
  if (type === 'gateway' && c.subject.type === 'gateway' && c.subject.id === id) return true;
  return c.where === id;
}

export function createAlarmManager(opts: AlarmManagerOptions): AlarmManager {
  const { clock, rules, describeTag, activeConditions, onNotify, onChange, logger } = opts;
  const store: AlarmStore = openAlarmStore(opts.dataDir);
  /** Condition key → its open or acknowledged alarm. */
  const byKey = new Map<string, Alarm>();
  /** Alarm id → condition key, for the alarms in byKey. */
  const keyOf = new Map<number, string>();
  for (const { key, alarm } of store.unresolved()) {
    byKey.set(key, alarm);
    keyOf.set(alarm.id, key);
  }
  let bypasses: Bypass[] = store.activeBypasses(clock());
  const counters = { opened: 0, deduplicated: 0, suppressed: 0, escalated: 0, autoResolved: 0, unknownRule: 0 };

  const announce = (live: Alarm, event: AlarmNotification['event'] | null) => {
    // Listeners get a snapshot: the working copy changes on, and the live feed sends on its next flush.
    const a = structuredClone(live);
    if (event !== null) {
      try {
        onNotify({ event, alarm: a });
      } catch (err) {
        logger.error({ err: (err as Error).message, alarm: a.id, event }, 'alarm notification listener failed');
      }
    }
    if (onChange) {
      try {
        onChange(a);
      } catch (err) {
        logger.error({ err: (err as Error).message, alarm: a.id }, 'alarm change listener failed');
      }
    }
  };

  const push = (a: Alarm, action: AlarmAction) => {
    a.history.push(action);
    if (a.history.length > MAX_HISTORY) {
      const i = a.history.findIndex((h, n) => n > 0 && (h.action === 'condition-cleared' || h.action === 'condition-returned'));
      a.history.splice(i > 0 ? i : 1, 1);
    }
    a.updatedAt = action.t;
  };

  const settle = (a: Alarm) => {
    if (a.state !== 'resolved') return;
    const key = keyOf.get(a.id);
    if (key !== undefined) byKey.delete(key);
    keyOf.delete(a.id);
  };

  const subjectOf = (c: ConditionChange): Alarm['subject'] => {
    if (c.subject.type === 'gateway') {
      return { type: 'gateway', id: c.subject.id, label: (opts.describeGateway?.(c.subject.id) ?? c.subject.id).slice(0, 120), kind: null };
    }
    const d = describeTag(c.subject.id);
    const base = { type: 'tag' as const, id: c.subject.id, label: d.label.slice(0, 120), kind: d.kind };
    return d.kind === 'patient' && d.unit ? { ...base, patient: { unit: d.unit, identity: null } } : base;
  };

  const bypassFor = (c: ConditionChange, now: number): Bypass | undefined => bypasses.find((b) => b.until > now && bypassCovers(b, c));

  const applyOne = (c: ConditionChange, now: number) => {
    const open = byKey.get(c.key);
    if (c.active) {
      if (open) {
        if (open.active) {
          // The same ongoing condition reported again: one alarm per condition, not one per report.
          counters.deduplicated++;
          return;
        }
        open.active = true;
        open.occurrences++;
        push(open, { t: now, by: 'system', action: 'condition-returned', note: c.evidence.detail.slice(0, 500) || null });
        store.save(open);
        announce(open, null);
        return;
      }
      const rule = rules().get(c.ruleId);
      if (!rule) {
        counters.unknownRule++;
        return;
      }
      if (!rule.enabled) return;
      if (bypassFor(c, now)) {
        counters.suppressed++;
        return;
      }
      const alarm = store.insert(c.key, {
        ruleId: rule.id, ruleName: rule.name, kind: rule.condition.kind, severity: rule.severity, subject: subjectOf(c),
        where: c.where, state: 'open', active: true, openedAt: now, updatedAt: now, assignee: null, escalationLevel: 0,
        occurrences: 1, evidence: c.evidence,
        history: [{ t: now, by: 'system', action: 'opened', note: c.evidence.detail.slice(0, 500) || null }],
      });
      byKey.set(c.key, alarm);
      keyOf.set(alarm.id, c.key);
      counters.opened++;
      announce(alarm, 'opened');
      return;
    }
    if (!open || !open.active) return;
    open.active = false;
    push(open, { t: now, by: 'system', action: 'condition-cleared', note: c.evidence.detail.slice(0, 500) || null });
    const rule = rules().get(open.ruleId);
    if (rule?.autoResolve) {
      open.state = 'resolved';
      push(open, { t: now, by: 'system', action: 'auto-resolved', note: null });
      counters.autoResolved++;
    }
    store.save(open);
    settle(open);
    announce(open, open.state === 'resolved' ? 'auto-resolved' : 'condition-cleared');
  };

  /** A bypass ended (time up or ended by a person): conditions it held back and still true now open their alarms. */
  const rearm = (ended: Bypass, now: number) => {
    let conditions: readonly ConditionChange[];
    try {
      conditions = activeConditions();
    } catch (err) {
      logger.error({ err: (err as Error).message, bypass: ended.id }, 'active conditions unavailable; bypass re-arms on the next change');
      return;
    }
    for (const c of conditions) if (c.active && bypassCovers(ended, c)) applyOne(c, now);
  };

  const openById = (id: number): Alarm | undefined => {
    const key = keyOf.get(id);
    return key === undefined ? undefined : byKey.get(key);
  };
  /** The alarm to act on: the working copy while unresolved (so it stays the one in byKey). */
  const act = (id: number, verb: AlarmVerb): Alarm => {
    const a = openById(id) ?? store.get(id);
    if (!a) throw new RtlsError('RTLS_ERR_ALARM_NOT_FOUND', `Alarm not found: ${id}`);
    const problem = transitionProblem(a, verb);
    if (problem) throw new RtlsError('RTLS_ERR_CONFLICT', problem);
    return a;
  };

  return {
    apply(changes) {
      const now = clock();
      for (const c of changes) {
        try {
          applyOne(c, now);
        } catch (err) {
          // One bad change (or a failed write) must not lose the others in the batch.
          logger.error({ err: (err as Error).message, key: c.key }, 'alarm change not applied');
        }
      }
    },
    tick(now = clock()) {
      for (const a of byKey.values()) {
        if (a.state !== 'open') continue;
        const esc = rules().get(a.ruleId)?.escalation;
        if (!esc) continue;
        // Level n is reached n × afterS after opening, up to maxLevel.
        const due = Math.min(esc.maxLevel, Math.floor((now - a.openedAt) / (esc.afterS * 1000)));
        if (due <= a.escalationLevel) continue;
        a.escalationLevel = due;
        push(a, { t: now, by: 'system', action: 'escalated', note: `level ${due}: not acknowledged within ${esc.afterS * due} s` });
        store.save(a);
        counters.escalated++;
        announce(a, 'escalated');
      }
      const expired = bypasses.filter((b) => b.until <= now);
      if (expired.length > 0) {
        bypasses = bypasses.filter((b) => b.until > now);
        for (const b of expired) {
          logger.info({ bypass: b.id, target: `${b.target.type}:${b.target.id}` }, 'bypass expired; re-armed');
          rearm(b, now);
        }
      }
    },
    reconcile(active) {
      const now = clock();
      const trueNow = new Set(active.filter((c) => c.active).map((c) => c.key));
      const stale = [...byKey.entries()].filter(([key, a]) => a.active && !trueNow.has(key));
      for (const [key, a] of stale) {
        const subject = { type: a.subject.type, id: a.subject.id };
        applyOne({
          key, ruleId: a.ruleId, subject, where: a.where, active: false, t: now,
          evidence: { ...a.evidence, t: now, detail: 'condition no longer true (checked after a restart)' },
        }, now);
      }
      return stale.length;
    },
    acknowledge(id, by, note) {
      const a = act(id, 'acknowledge');
      const now = clock();
      a.state = 'acknowledged';
      push(a, { t: now, by, action: 'acknowledged', note: note?.slice(0, 500) || null });
      store.save(a);
      announce(a, 'acknowledged');
      return structuredClone(a);
    },
    assign(id, assignee, by) {
      const a = act(id, 'assign');
      const now = clock();
      a.assignee = assignee;
      push(a, { t: now, by, action: 'assigned', note: assignee });
      store.save(a);
      announce(a, 'assigned');
      return structuredClone(a);
    },
    resolve(id, by, note) {
      const a = act(id, 'resolve');
      const now = clock();
      a.state = 'resolved';
      push(a, { t: now, by, action: 'resolved', note: note.slice(0, 500) });
      store.save(a);
      settle(a);
      announce(a, 'resolved');
      return structuredClone(a);
    },
    bypass(req, by) {
      const now = clock();
      const b = store.insertBypass({ target: req.target, reason: req.reason, by, from: now, until: now + req.minutes * 60_000, endedAt: null });
      bypasses.push(b);
      return b;
    },
    endBypass(id, by) {
      const now = clock();
      const b = store.getBypass(id);
      if (!b) throw new RtlsError('RTLS_ERR_NOT_FOUND', `Bypass not found: ${id}`);
      if (b.endedAt !== null || b.until <= now) throw new RtlsError('RTLS_ERR_CONFLICT', `Bypass ${id} has already ended`);
      store.endBypass(id, now);
      bypasses = bypasses.filter((x) => x.id !== id);
      const ended = { ...b, endedAt: now };
      logger.info({ bypass: id, by, target: `${b.target.type}:${b.target.id}` }, 'bypass ended early; re-armed');
      rearm(ended, now);
      return ended;
    },
    list: (query, visible) => store.query(query, visible),
    get(id) {
      const a = openById(id);
      return a ? structuredClone(a) : store.get(id);
    },
    bypasses(o = {}) {
      if (o.since !== undefined) return store.bypassesSince(o.since, o.limit ?? 200);
      // In force now, even before the next tick has retired the ones whose time is up.
      const now = clock();
      return bypasses.filter((b) => b.until > now).reverse();
    },
    getBypass: (id) => store.getBypass(id),
    stats() {
      let open = 0;
      let acknowledged = 0;
      for (const a of byKey.values()) {
        if (a.state === 'open') open++;
        else if (a.state === 'acknowledged') acknowledged++;
      }
      return { open, acknowledged, activeBypasses: bypasses.length, ...counters };
    },
    close: () => store.close(),
  };
}
