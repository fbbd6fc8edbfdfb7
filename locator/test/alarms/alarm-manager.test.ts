/**
 * The alarm lifecycle (issue #7 item 2) against the real store in a temp data dir, with an injected clock:
 * open → acknowledged → resolved, deduplication, auto-resolve, escalation, bypasses that suppress and re-arm.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlarmSchema, RtlsError } from '@rtls/protocol';
import { rmDir, tmpDir } from '../io/helpers.ts';
import { INFANT, PUMP, T0, change, gatewayChange, makeRule, openManager, type ManagerHarness } from './alarm-fixtures.ts';

let dir: string;
const open: ManagerHarness[] = [];
const harness = (...args: Parameters<typeof openManager>) => {
  const h = openManager(...args);
  open.push(h);
  return h;
};

beforeEach(() => {
  dir = tmpDir('rtls-alarms-');
});
afterEach(() => {
  for (const h of open.splice(0)) h.manager.close();
  rmDir(dir);
});

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof RtlsError ? err.code : (err as Error).message;
  }
  return null;
};

describe('alarm lifecycle', () => {
  it('opens on an active change with the evidence, then acknowledge, assign, resolve — each notified and in the history', () => {
    const h = harness(dir, [makeRule('exit', { severity: 'critical' })]);
    h.manager.apply([change('exit', INFANT, 'L0-corridor', true, T0 - 300, 'in L0-corridor without a companion within 5 m')]);
    expect(h.notes.map((n) => n.event)).toEqual(['opened']);
    const a = h.notes[0]!.alarm;
    expect(AlarmSchema.parse(a)).toBeTruthy();
    expect(a).toMatchObject({
      ruleId: 'exit', ruleName: 'Rule exit', kind: 'exit-approach', severity: 'critical', where: 'L0-corridor', state: 'open', active: true,
      openedAt: T0, occurrences: 1, escalationLevel: 0, assignee: null,
      subject: { type: 'tag', id: INFANT, label: 'Infant 07', kind: 'patient', patient: { unit: 'maternity', identity: null } },
    });
    expect(a.evidence).toMatchObject({ t: T0 - 300, gateways: [{ gw: 'gw-l0-c1' }], accuracyM: 1.5, detail: 'in L0-corridor without a companion within 5 m' });

    h.clock.now = T0 + 10_000;
    expect(h.manager.acknowledge(a.id, 'guard', 'on my way').state).toBe('acknowledged');
    h.clock.now = T0 + 11_000;
    expect(h.manager.assign(a.id, 'guard2', 'guard').assignee).toBe('guard2');
    h.clock.now = T0 + 60_000;
    const done = h.manager.resolve(a.id, 'guard2', 'infant returned to the nursery');
    expect(done.state).toBe('resolved');
    expect(h.notes.map((n) => n.event)).toEqual(['opened', 'acknowledged', 'assigned', 'resolved']);
    expect(done.history.map((x) => [x.action, x.by, x.t])).toEqual([
      ['opened', 'system', T0], ['acknowledged', 'guard', T0 + 10_000], ['assigned', 'guard', T0 + 11_000], ['resolved', 'guard2', T0 + 60_000],
    ]);
    expect(done.history[3]!.note).toBe('infant returned to the nursery');
    // Persisted: the store answers the same alarm.
    expect(h.manager.get(a.id)).toEqual(done);
    // Done is done: no acknowledging, assigning or resolving a resolved alarm.
    expect(codeOf(() => h.manager.acknowledge(a.id, 'x'))).toBe('RTLS_ERR_CONFLICT');
    expect(codeOf(() => h.manager.resolve(a.id, 'x', 'again please'))).toBe('RTLS_ERR_CONFLICT');
    expect(codeOf(() => h.manager.assign(999, 'x', 'y'))).toBe('RTLS_ERR_ALARM_NOT_FOUND');
  });

  it('the condition returning after a resolve opens a new alarm; acknowledging twice is a conflict', () => {
    const h = harness(dir, [makeRule('exit')]);
    h.manager.apply([change('exit', PUMP, 'L0-corridor', true, T0)]);
    const first = h.notes[0]!.alarm;
    expect(codeOf(() => h.manager.acknowledge(first.id, 'a'))).toBeNull();
    expect(codeOf(() => h.manager.acknowledge(first.id, 'a'))).toBe('RTLS_ERR_CONFLICT');
    h.manager.resolve(first.id, 'a', 'pump taken back');
    h.manager.apply([change('exit', PUMP, 'L0-corridor', true, T0 + 5000)]);
    const opened = h.notes.filter((n) => n.event === 'opened').map((n) => n.alarm.id);
    expect(opened).toHaveLength(2);
    expect(opened[1]).not.toBe(first.id);
  });

  it('deduplicates: 1000 repeated active changes for one condition make one alarm', () => {
    const h = harness(dir, [makeRule('exit')]);
    const changes = Array.from({ length: 1000 }, (_, i) => change('exit', INFANT, 'L0-corridor', true, T0 + i * 100));
    h.manager.apply(changes.slice(0, 500));
    for (const c of changes.slice(500)) h.manager.apply([c]);
    expect(h.notes.filter((n) => n.event === 'opened')).toHaveLength(1);
    expect(h.manager.list({ limit: 1000 })).toHaveLength(1);
    expect(h.manager.stats()).toMatchObject({ opened: 1, deduplicated: 999, open: 1 });
    // The evidence is the first that showed the condition.
    expect(h.manager.list({ limit: 1 })[0]!.evidence.t).toBe(T0);
    // Another place, another rule's condition, another subject: separate alarms.
    h.manager.apply([change('exit', INFANT, 'L0-ward', true, T0), change('exit', PUMP, 'L0-corridor', true, T0)]);
    expect(h.manager.list({ limit: 1000 })).toHaveLength(3);
  });

  it('a condition that clears and returns while the alarm is open counts an occurrence, not a new alarm', () => {
    const h = harness(dir, [makeRule('exit')]);
    h.manager.apply([change('exit', INFANT, 'L0-corridor', true, T0)]);
    h.manager.apply([change('exit', INFANT, 'L0-corridor', false, T0 + 1000)]);
    h.manager.apply([change('exit', INFANT, 'L0-corridor', true, T0 + 2000)]);
    const [a] = h.manager.list({ limit: 10 });
    expect(a).toMatchObject({ occurrences: 2, active: true, state: 'open' });
    expect(a!.history.map((x) => x.action)).toEqual(['opened', 'condition-cleared', 'condition-returned']);
    expect(h.notes.map((n) => n.event)).toEqual(['opened', 'condition-cleared']);
    // The console hears of the return too (active again), though it is no delivery event.
    expect(h.changes.at(-1)).toMatchObject({ id: a!.id, active: true, occurrences: 2 });
  });

  it('auto-resolves when the rule says so, and only waits for a person otherwise', () => {
    const h = harness(dir, [makeRule('auto', { autoResolve: true }), makeRule('manual')]);
    h.manager.apply([change('auto', PUMP, 'L0-corridor', true, T0), change('manual', PUMP, 'L0-corridor', true, T0)]);
    h.manager.acknowledge(h.notes[0]!.alarm.id, 'tech');
    h.clock.now = T0 + 3000;
    h.manager.apply([change('auto', PUMP, 'L0-corridor', false, T0 + 3000), change('manual', PUMP, 'L0-corridor', false, T0 + 3000)]);
    const auto = h.manager.list({ rule: 'auto', limit: 5 })[0]!;
    const manual = h.manager.list({ rule: 'manual', limit: 5 })[0]!;
    expect(auto).toMatchObject({ state: 'resolved', active: false });
    expect(auto.history.map((x) => x.action)).toEqual(['opened', 'acknowledged', 'condition-cleared', 'auto-resolved']);
    expect(manual).toMatchObject({ state: 'open', active: false });
    expect(h.notes.slice(-2).map((n) => [n.alarm.ruleId, n.event])).toEqual([['auto', 'auto-resolved'], ['manual', 'condition-cleared']]);
    expect(h.manager.list({ state: 'active', limit: 5 })).toHaveLength(0);
    expect(h.manager.list({ state: 'open', limit: 5 }).map((a) => a.ruleId)).toEqual(['manual']);
    // A clear for a condition without an alarm is nothing.
    const before = h.notes.length;
    h.manager.apply([change('auto', INFANT, 'L0-ward', false, T0 + 4000)]);
    expect(h.notes).toHaveLength(before);
  });

  it('ignores disabled and unknown rules', () => {
    const h = harness(dir, [makeRule('off', { enabled: false })]);
    h.manager.apply([change('off', PUMP, 'L0-corridor', true, T0), change('gone', PUMP, 'L0-corridor', true, T0)]);
    expect(h.notes).toHaveLength(0);
    expect(h.manager.stats().unknownRule).toBe(1);
  });

  it('gateway conditions name the gateway as the subject', () => {
    const h = harness(dir, [makeRule('blind', { condition: { kind: 'gateway-offline', gateways: ['gw-l0-portal'], zones: [], seconds: 60 } })]);
    h.manager.apply([gatewayChange('blind', 'gw-l0-portal', true, T0)]);
    expect(h.notes[0]!.alarm.subject).toEqual({ type: 'gateway', id: 'gw-l0-portal', label: 'gw-l0-portal', kind: null });
  });
});

describe('escalation', () => {
  it('escalates an unacknowledged alarm every afterS up to maxLevel; acknowledging stops it', () => {
    const h = harness(dir, [makeRule('exit', { escalation: { afterS: 30, maxLevel: 2 } })]);
    h.manager.apply([change('exit', INFANT, 'L0-corridor', true, T0), change('exit', PUMP, 'L0-corridor', true, T0)]);
    const [infant, pump] = h.notes.map((n) => n.alarm.id);
    h.clock.now = T0 + 29_999;
    h.manager.tick();
    expect(h.notes.filter((n) => n.event === 'escalated')).toHaveLength(0);
    h.clock.now = T0 + 30_000;
    h.manager.tick();
    expect(h.notes.filter((n) => n.event === 'escalated').map((n) => [n.alarm.id, n.alarm.escalationLevel])).toEqual([[infant, 1], [pump, 1]]);
    h.manager.acknowledge(pump!, 'guard');
    h.clock.now = T0 + 60_000;
    h.manager.tick();
    h.clock.now = T0 + 10 * 60_000;
    h.manager.tick();
    const escalations = h.notes.filter((n) => n.event === 'escalated').map((n) => [n.alarm.id, n.alarm.escalationLevel]);
    expect(escalations).toEqual([[infant, 1], [pump, 1], [infant, 2]]);
    expect(h.manager.get(infant!)!.escalationLevel).toBe(2);
    expect(h.manager.get(pump!)!.escalationLevel).toBe(1);
    expect(h.manager.stats().escalated).toBe(3);
  });

  it('a rule without escalation never escalates', () => {
    const h = harness(dir, [makeRule('exit')]);
    h.manager.apply([change('exit', INFANT, 'L0-corridor', true, T0)]);
    h.clock.now = T0 + 86_400_000;
    h.manager.tick();
    expect(h.notes.map((n) => n.event)).toEqual(['opened']);
  });
});

describe('bypass', () => {
  it('suppresses a bypassed subject, re-arms by itself when it expires (condition still true → alarm)', () => {
    const h = harness(dir, [makeRule('exit')]);
    const b = h.manager.bypass({ target: { type: 'tag', id: INFANT }, reason: 'taken to the OR for a procedure', minutes: 30 }, 'nurse');
    expect(b).toMatchObject({ from: T0, until: T0 + 30 * 60_000, endedAt: null, by: 'nurse' });
    const infantExit = change('exit', INFANT, 'L0-corridor', true, T0 + 1000);
    h.manager.apply([infantExit, change('exit', PUMP, 'L0-corridor', true, T0 + 1000)]);
    // Only the pump (not bypassed) alarms.
    expect(h.notes.map((n) => n.alarm.subject.id)).toEqual([PUMP]);
    expect(h.manager.stats()).toMatchObject({ suppressed: 1, activeBypasses: 1 });
    h.active = [infantExit];
    h.clock.now = T0 + 29 * 60_000;
    h.manager.tick();
    expect(h.notes).toHaveLength(1);
    h.clock.now = T0 + 30 * 60_000;
    h.manager.tick();
    expect(h.notes.map((n) => [n.event, n.alarm.subject.id])).toEqual([['opened', PUMP], ['opened', INFANT]]);
    expect(h.notes[1]!.alarm.evidence.t).toBe(T0 + 1000);
    expect(h.manager.bypasses()).toHaveLength(0);
    expect(h.manager.bypasses({ since: T0 })).toHaveLength(1);
  });

  it('re-arms nothing when the condition ended during the bypass; ending early re-arms at once', () => {
    const h = harness(dir, [makeRule('exit')]);
    const b1 = h.manager.bypass({ target: { type: 'tag', id: INFANT }, reason: 'procedure in radiology', minutes: 10 }, 'nurse');
    h.manager.apply([change('exit', INFANT, 'L0-corridor', true, T0)]);
    h.active = [];
    h.clock.now = T0 + 10 * 60_000;
    h.manager.tick();
    expect(h.notes).toHaveLength(0);
    expect(b1.id).toBeGreaterThan(0);

    const door = h.manager.bypass({ target: { type: 'door', id: 'L0-entry' }, reason: 'delivery through the door', minutes: 60 }, 'guard');
    const atDoor = change('exit', PUMP, 'L0-entry', true, h.clock.now + 1);
    h.manager.apply([atDoor]);
    expect(h.notes).toHaveLength(0);
    h.active = [atDoor, change('exit', INFANT, 'L0-ward', true, h.clock.now)];
    h.clock.now += 5 * 60_000;
    const ended = h.manager.endBypass(door.id, 'guard');
    expect(ended.endedAt).toBe(h.clock.now);
    // Only what the ended bypass held back re-arms (not other true conditions).
    expect(h.notes.map((n) => [n.alarm.subject.id, n.alarm.where])).toEqual([[PUMP, 'L0-entry']]);
    expect(codeOf(() => h.manager.endBypass(door.id, 'guard'))).toBe('RTLS_ERR_CONFLICT');
    expect(codeOf(() => h.manager.endBypass(9999, 'guard'))).toBe('RTLS_ERR_NOT_FOUND');
  });

  it('a second bypass still covering the condition keeps it suppressed when the first ends', () => {
    const h = harness(dir, [makeRule('exit')]);
    const a = h.manager.bypass({ target: { type: 'tag', id: INFANT }, reason: 'to the OR now', minutes: 5 }, 'n1');
    h.manager.bypass({ target: { type: 'zone', id: 'L0-corridor' }, reason: 'corridor works', minutes: 60 }, 'n2');
    const c = change('exit', INFANT, 'L0-corridor', true, T0);
    h.manager.apply([c]);
    h.active = [c];
    h.manager.endBypass(a.id, 'n1');
    expect(h.notes).toHaveLength(0);
    expect(h.manager.stats().suppressed).toBe(2);
  });
});

describe('restart', () => {
  it('reopening keeps open alarms deduplicating, escalating, and bypasses in force', () => {
    const rules = [makeRule('exit', { escalation: { afterS: 60, maxLevel: 3 } })];
    const h1 = openManager(dir, rules);
    h1.manager.apply([change('exit', INFANT, 'L0-corridor', true, T0)]);
    h1.manager.bypass({ target: { type: 'tag', id: PUMP }, reason: 'in the workshop', minutes: 60 }, 'tech');
    h1.manager.close();

    const h2 = harness(dir, rules);
    h2.clock.now = T0 + 60_000;
    h2.manager.apply([change('exit', INFANT, 'L0-corridor', true, T0 + 60_000), change('exit', PUMP, 'L0-corridor', true, T0 + 60_000)]);
    expect(h2.notes).toHaveLength(0);
    expect(h2.manager.stats()).toMatchObject({ open: 1, deduplicated: 1, suppressed: 1, activeBypasses: 1 });
    h2.manager.tick();
    expect(h2.notes.map((n) => [n.event, n.alarm.escalationLevel])).toEqual([['escalated', 1]]);
  });

  it('reconcile clears what is no longer true after a restart, auto-resolving where the rule says so', () => {
    const rules = [makeRule('exit', { autoResolve: true }), makeRule('manual')];
    const h1 = openManager(dir, rules);
    h1.manager.apply([change('exit', INFANT, 'L0-corridor', true, T0), change('exit', PUMP, 'L0-corridor', true, T0), change('manual', PUMP, 'L0-ward', true, T0)]);
    h1.manager.close();
    const h2 = harness(dir, rules);
    h2.clock.now = T0 + 120_000;
    // The engine, warmed up, still sees the pump in the corridor; nothing else.
    expect(h2.manager.reconcile([change('exit', PUMP, 'L0-corridor', true, T0 + 100_000)])).toBe(2);
    expect(h2.notes.map((n) => [n.event, n.alarm.subject.id, n.alarm.ruleId])).toEqual([
      ['auto-resolved', INFANT, 'exit'], ['condition-cleared', PUMP, 'manual'],
    ]);
    expect(h2.manager.stats()).toMatchObject({ open: 2 });
  });
});
