/**
 * The rule engine (issue #7 items 1 and 3; contract: rule-types.ts). Pure: fed fixes, reads, gateway states and
 * tick(now), it reports each rule's condition for a subject (and place) turning true or false — only the
 * transitions, so one ongoing condition is one pair of changes however many fixes show it. No clock: every time
 * comes from the data (fix.t, read t) or from tick(now).
 *
 * State is per (rule, subject, where) as the alarm manager keys it (conditionKey). Rules are indexed by tag kind,
 * category and named tag, so a fix only visits the rules that can apply to its tag; the one scan over other tags is
 * the companion lookup of an "unaccompanied" rule, over a per-floor list of companion candidates only.
 *
 * Conventions:
 *  - A rule outside its schedule is disarmed: its active conditions clear, and nothing raises until it re-arms.
 *    Tracking (time entered, last zone) goes on while disarmed, so a tag that has been in a zone for an hour when the
 *    rule arms is reported at the arming moment, not an hour late or never.
 *  - Schedules are evaluated monotonically per rule: a fix older than the latest moment already evaluated uses that
 *    moment's armed state. A fix that arrives a second late after tick(now) disarmed a rule cannot re-raise it.
 *  - Fixes below a rule's minConfidence neither raise nor clear its location conditions (zone-enter, exit-approach,
 *    exit-cross, inside/outside-too-long, off-floor, unaccompanied); RFID fixes (portal, cabinet) count as certain
 *    (issue #7 item 3: "use RFID portal evidence as certain").
 */
import type { Site } from '@rtls/floorplans';
import type { AlarmEvidence, Fix, GatewayState, Pairing, Rule, RuleCondition, TagFlag, TagKind } from '@rtls/protocol';
import type { GatewayRecord } from '../contracts.ts';
import { conditionKey } from './rule-types.ts';
import type { ConditionChange, ConditionSubject, RuleEngine, TagInfoLookup } from './rule-types.ts';
import { compileSchedule, createLocalClock } from './schedule.ts';
import type { ScheduleTest } from './schedule.ts';
import { areaPolygons, gatewayPlace, watchesGateway } from './gateway-places.ts';
import type { GatewayPlace } from './gateway-places.ts';

export interface RuleEngineOptions {
  site: Site;
  tagInfo: TagInfoLookup;
  /** Registered gateways (portal doors, gateway rooms); re-read on setRules and every tick. */
  gateways: () => readonly GatewayRecord[];
  /** IANA time zone of the site: schedules are local times. */
  timeZone: string;
}

/**
 * A companion counts only with a fix no older than this relative to the subject's fix. Each tag is located at its
 * own rhythm (about once a second while moving, less often when parked or when reads are lost), so the companion's
 * latest fix is always a little old; 10 s tolerates a few missed fixes, while an escort who walked off longer ago
 * than that (10 s at walking pace is ~14 m, beyond any radius) no longer protects the subject.
 */
export const COMPANION_MAX_AGE_MS = 10_000;
/**
 * A tag-flag condition clears after this long of reads without the flag. Tags repeat a flag in every advertisement
 * while it holds: a cut band stays cut (the flag never goes away by itself, so the condition stays until the band is
 * replaced), while a button press is momentary (a few advertisements) — without a hold the condition would clear
 * a second after it was raised and the console could not show it as active.
 */
export const FLAG_CLEAR_MS = 60_000;
/** Low battery clears only this many points above the threshold: a cell's voltage sags and recovers with temperature. */
export const BATTERY_HYSTERESIS_PERCENT = 5;

const DETAIL_MAX = 300;
const KIND_LABEL: Readonly<Record<string, string>> = {
  'zone-enter': 'in', 'exit-approach': 'approaching the exit: in',
};

type Condition<K extends RuleCondition['kind']> = Extract<RuleCondition, { kind: K }>;

interface CompiledRule {
  rule: Rule;
  id: string;
  /** Position in the rule list: rule sets keep this order, so output order is deterministic. */
  order: number;
  cond: RuleCondition;
  signature: string;
  zones: ReadonlySet<string>;
  doors: ReadonlySet<string>;
  floors: ReadonlySet<string>;
  flags: ReadonlySet<TagFlag>;
  companionTags: ReadonlySet<string>;
  companionCategories: ReadonlySet<string>;
  /** minutes (or seconds for gateway-offline) in ms. */
  thresholdMs: number;
  minConfidence: number;
  schedule: ScheduleTest | null;
  lastEvalT: number;
  armed: boolean;
  /** When the rule was last seen to arm (timed conditions raised after arming are dated no earlier). */
  armedSince: number;
  actives: Set<Active>;
}

interface Active {
  change: ConditionChange;
  /** The map holding it (a rule state's or a gateway's), so a clear from anywhere removes it everywhere. */
  owner: Map<string | null, Active>;
  rule: CompiledRule;
  /** Evidence for a clear that no fix shows (schedule, rule removed): the subject's last known place. */
  evidenceAt: (t: number, detail: string) => AlarmEvidence;
  /** exit-cross through a door: the room on the far side of the door (null = outside the building). */
  farRoom?: string | null;
  /** exit-cross: raised by a portal read of this door (else by leaving an exit zone to no room). */
  viaDoor?: boolean;
}

/** One rule's state for one tag. */
interface RuleTagState {
  rule: CompiledRule;
  tag: TagState;
  active: Map<string | null, Active>;
  /** Timed kinds: where → since (inside: entered; outside/off-floor: where = null, left). */
  since: Map<string | null, number>;
  /** exit-cross: the rule zone of the previous qualifying fix, and its floor. */
  lastZone: string | null;
  lastFloor: string | null;
  /** tag-flag: time of the latest read carrying one of the flags. */
  flagT: number;
}

interface RuleSet {
  fix: CompiledRule[];
  silent: CompiledRule[];
  flag: CompiledRule[];
  battery: CompiledRule[];
}

interface TagState {
  id: string;
  subject: ConditionSubject;
  kind: TagKind;
  category: string | null;
  rules: RuleSet;
  rulesVersion: number;
  lastFix: Fix | null;
  lastSeen: number;
  states: Map<string, RuleTagState>;
  companion: boolean;
  indexedFloor: string | null;
}

interface GatewayRec {
  id: string;
  subject: ConditionSubject;
  offlineSince: number | null;
  /** rule id → (where → active). */
  states: Map<string, Map<string | null, Active>>;
}

const EMPTY_SET: RuleSet = Object.freeze({ fix: [], silent: [], flag: [], battery: [] }) as unknown as RuleSet;
const FIX_KINDS = new Set<string>(['zone-enter', 'exit-approach', 'exit-cross', 'inside-too-long', 'outside-too-long', 'off-floor', 'unaccompanied']);

const clip = (s: string) => (s.length > DETAIL_MAX ? `${s.slice(0, DETAIL_MAX - 1)}…` : s);
const round1 = (v: number) => Math.round(v * 10) / 10;
const fmtMin = (ms: number) => `${round1(ms / 60_000)} min`;

function fixEvidence(f: Fix | null, t: number, detail: string): AlarmEvidence {
  if (!f) {
    return { t, floor: null, x: null, y: null, room: null, zones: [], accuracyM: null, confidence: null, method: null, gateways: [], detail: clip(detail) };
  }
  return {
    t, floor: f.floor, x: f.x, y: f.y, room: f.room, zones: [...f.zones], accuracyM: f.accuracyM, confidence: f.confidence,
    method: f.method, gateways: f.evidence.map((e) => ({ gw: e.gw, rssi: e.rssi, n: e.n })), detail: clip(detail),
  };
}

function gatewayEvidence(g: GatewayPlace | undefined, t: number, detail: string): AlarmEvidence {
  return {
    t, floor: g?.floor ?? null, x: g?.x ?? null, y: g?.y ?? null, room: g?.room ?? null, zones: [], accuracyM: null, confidence: null,
    method: null, gateways: [], detail: clip(detail),
  };
}

/** What makes two versions of a rule the same condition (name, severity, escalation, autoResolve do not). */
function signatureOf(r: Rule): string {
  return JSON.stringify([r.condition, r.subjects, r.schedule, r.minConfidence]);
}

function compile(rule: Rule, order: number): CompiledRule {
  const c = rule.condition;
  const zones = 'zones' in c ? c.zones : [];
  const thresholdMs = c.kind === 'gateway-offline' ? c.seconds * 1000 : 'minutes' in c ? c.minutes * 60_000 : 0;
  return {
    rule, id: rule.id, order, cond: c, signature: signatureOf(rule),
    zones: new Set(zones),
    doors: new Set(c.kind === 'exit-cross' ? c.doors : []),
    floors: new Set(c.kind === 'off-floor' ? c.floors : []),
    flags: new Set(c.kind === 'tag-flag' ? c.flags : []),
    companionTags: new Set(c.kind === 'unaccompanied' ? c.companionTags : []),
    companionCategories: new Set(c.kind === 'unaccompanied' ? c.companionCategories : []),
    thresholdMs,
    minConfidence: rule.minConfidence,
    schedule: rule.schedule ? compileSchedule(rule.schedule) : null,
    lastEvalT: -Infinity, armed: false, armedSince: -Infinity,
    actives: new Set(),
  };
}

export function createRuleEngine(opts: RuleEngineOptions): RuleEngine {
  const { site, tagInfo } = opts;
  const localClock = createLocalClock(opts.timeZone);
  const areas = areaPolygons(site);

  let rules = new Map<string, CompiledRule>();
  let version = 0;
  /** Rules for every tag, by kind, by category, by named tag; gateway-offline rules apart. */
  let generic: CompiledRule[] = [];
  let byKind = new Map<string, CompiledRule[]>();
  let byCategory = new Map<string, CompiledRule[]>();
  let byTag = new Map<string, CompiledRule[]>();
  let gatewayRules: CompiledRule[] = [];
  let scheduled: CompiledRule[] = [];
  const classCache = new Map<string, RuleSet>();

  let companionTags = new Set<string>();
  let companionCategories = new Set<string>();
  let pairs = new Map<string, string[]>();
  let pairedCompanions = new Set<string>();

  const tags = new Map<string, TagState>();
  const gws = new Map<string, GatewayRec>();
  const offline = new Set<GatewayRec>();
  /** Rule states with a timer not yet fired (inside/outside-too-long, off-floor): tick visits only these. */
  const pending = new Set<RuleTagState>();
  /** Tags with at least one tag-silent rule. */
  const silentTags = new Set<TagState>();
  /** Companion candidates by floor (their latest fix is TagState.lastFix). */
  const floorIndex = new Map<string, Set<TagState>>();
  const actives = new Map<string, Active>();

  let gatewayRecords = new Map<string, GatewayRecord>();
  const gatewayRuleCache = new Map<string, CompiledRule[]>();
  const refreshGateways = () => {
    gatewayRecords = new Map(opts.gateways().map((g) => [g.id, g]));
    gatewayRuleCache.clear();
  };
  refreshGateways();

  // ── arming ──

  function isArmed(cr: CompiledRule, t: number): boolean {
    if (!cr.schedule) return true;
    if (t <= cr.lastEvalT) return cr.armed;
    const armed = cr.schedule(localClock(t));
    if (armed && !cr.armed) cr.armedSince = t;
    cr.armed = armed;
    cr.lastEvalT = t;
    return armed;
  }

  // ── transitions ──

  function raise(
    cr: CompiledRule, owner: Map<string | null, Active>, subject: ConditionSubject, where: string | null, t: number,
    evidence: AlarmEvidence, evidenceAt: Active['evidenceAt'], out: ConditionChange[], extra?: Partial<Active>,
  ): void {
    if (owner.has(where)) return;
    const change: ConditionChange = { key: conditionKey(cr.id, subject, where), ruleId: cr.id, subject, where, active: true, t, evidence };
    const a: Active = { change, owner, rule: cr, evidenceAt, ...extra };
    owner.set(where, a);
    actives.set(change.key, a);
    cr.actives.add(a);
    out.push(change);
  }

  function clear(a: Active, t: number, evidence: AlarmEvidence, out: ConditionChange[]): void {
    a.owner.delete(a.change.where);
    actives.delete(a.change.key);
    a.rule.actives.delete(a);
    out.push({ ...a.change, active: false, t, evidence });
  }

  function clearAll(owner: Map<string | null, Active>, t: number, detail: string, out: ConditionChange[]): void {
    for (const a of [...owner.values()]) clear(a, t, a.evidenceAt(t, detail), out);
  }

  const tagEvidenceAt = (ts: TagState) => (t: number, detail: string) => fixEvidence(ts.lastFix, t, detail);

  function raiseTag(st: RuleTagState, where: string | null, t: number, evidence: AlarmEvidence, out: ConditionChange[], extra?: Partial<Active>): void {
    raise(st.rule, st.active, st.tag.subject, where, t, evidence, tagEvidenceAt(st.tag), out, extra);
  }

  // ── rule index ──

  function ruleSetOf(list: Iterable<CompiledRule>): RuleSet {
    const sorted = [...new Set(list)].sort((a, b) => a.order - b.order);
    if (sorted.length === 0) return EMPTY_SET;
    return {
      fix: sorted.filter((r) => FIX_KINDS.has(r.cond.kind)),
      silent: sorted.filter((r) => r.cond.kind === 'tag-silent'),
      flag: sorted.filter((r) => r.cond.kind === 'tag-flag'),
      battery: sorted.filter((r) => r.cond.kind === 'low-battery'),
    };
  }

  function classRules(kind: TagKind, category: string | null): RuleSet {
    const key = `${kind}\u0000${category ?? ''}`;
    let set = classCache.get(key);
    if (!set) {
      set = ruleSetOf([...generic, ...(byKind.get(kind) ?? []), ...(category !== null ? byCategory.get(category) ?? [] : [])]);
      classCache.set(key, set);
    }
    return set;
  }

  function rulesFor(ts: TagState): RuleSet {
    const base = classRules(ts.kind, ts.category);
    const named = byTag.get(ts.id);
    if (!named) return base;
    return ruleSetOf([...base.fix, ...base.silent, ...base.flag, ...base.battery, ...named]);
  }

  /** Re-derives a tag's rules, companion role and silent watch; drops states of rules that no longer apply. */
  function refreshTag(ts: TagState, t: number, out: ConditionChange[]): void {
    const next = rulesFor(ts);
    if (ts.states.size > 0) {
      const keep = new Set([...next.fix, ...next.silent, ...next.flag, ...next.battery].map((r) => r.id));
      for (const [id, st] of ts.states) {
        if (keep.has(id)) continue;
        clearAll(st.active, t, 'the rule no longer applies to this tag', out);
        pending.delete(st);
        ts.states.delete(id);
      }
    }
    ts.rules = next;
    ts.rulesVersion = version;
    if (next.silent.length > 0) silentTags.add(ts);
    else silentTags.delete(ts);
    refreshCompanion(ts);
  }

  function refreshCompanion(ts: TagState): void {
    ts.companion = companionTags.has(ts.id) || pairedCompanions.has(ts.id) || (ts.category !== null && companionCategories.has(ts.category));
    indexCompanion(ts);
  }

  function indexCompanion(ts: TagState): void {
    const floor = ts.companion ? ts.lastFix?.floor ?? null : null;
    if (floor === ts.indexedFloor) return;
    if (ts.indexedFloor !== null) floorIndex.get(ts.indexedFloor)?.delete(ts);
    if (floor !== null) {
      let set = floorIndex.get(floor);
      if (!set) floorIndex.set(floor, (set = new Set()));
      set.add(ts);
    }
    ts.indexedFloor = floor;
  }

  /** The tag's state, with its kind and category looked up now (a tag registered later gets its rules then). */
  function tagFor(id: string, t: number, out: ConditionChange[]): TagState {
    const info = tagInfo(id);
    const kind = info?.kind ?? 'unknown';
    const category = info?.category ?? null;
    let ts = tags.get(id);
    if (!ts) {
      ts = {
        id, subject: Object.freeze({ type: 'tag', id }), kind, category, rules: EMPTY_SET, rulesVersion: -1, lastFix: null,
        lastSeen: -Infinity, states: new Map(), companion: false, indexedFloor: null,
      };
      tags.set(id, ts);
    }
    if (ts.rulesVersion !== version || ts.kind !== kind || ts.category !== category) {
      ts.kind = kind;
      ts.category = category;
      refreshTag(ts, t, out);
    }
    return ts;
  }

  function stateOf(cr: CompiledRule, ts: TagState): RuleTagState {
    let st = ts.states.get(cr.id);
    if (!st) {
      st = { rule: cr, tag: ts, active: new Map(), since: new Map(), lastZone: null, lastFloor: null, flagT: -Infinity };
      ts.states.set(cr.id, st);
    }
    return st;
  }

  function dropIfIdle(st: RuleTagState): void {
    if (st.active.size === 0 && st.since.size === 0 && st.lastZone === null && st.flagT === -Infinity) {
      st.tag.states.delete(st.rule.id);
      pending.delete(st);
    }
  }

  // ── gateways ──

  function portalOf(gw: string): GatewayPlace | undefined {
    return gatewayPlace(gw, gatewayRecords, site);
  }

  function rulesForGateway(id: string): CompiledRule[] {
    let list = gatewayRuleCache.get(id);
    if (!list) {
      const place = gatewayPlace(id, gatewayRecords, site);
      list = gatewayRules.filter((cr) => {
        const c = cr.cond as Condition<'gateway-offline'>;
        return place ? watchesGateway(c, place, areas) : c.gateways.includes(id);
      });
      gatewayRuleCache.set(id, list);
    }
    return list;
  }

  function gatewayFor(id: string): GatewayRec {
    let g = gws.get(id);
    if (!g) gws.set(id, (g = { id, subject: Object.freeze({ type: 'gateway', id }), offlineSince: null, states: new Map() }));
    return g;
  }

  function evalGateway(cr: CompiledRule, g: GatewayRec, now: number, out: ConditionChange[]): void {
    if (g.offlineSince === null || !isArmed(cr, now)) return;
    const due = g.offlineSince + cr.thresholdMs;
    if (now < due) return;
    let owner = g.states.get(cr.id);
    if (!owner) g.states.set(cr.id, (owner = new Map()));
    if (owner.has(g.id)) return;
    const t = Math.max(due, cr.armedSince);
    const place = portalOf(g.id);
    const detail = `gateway ${g.id} offline since ${new Date(g.offlineSince).toISOString()} (${round1(cr.thresholdMs / 1000)} s or more)`;
    raise(cr, owner, g.subject, g.id, t, gatewayEvidence(place, t, detail), (tt, d) => gatewayEvidence(portalOf(g.id), tt, d), out);
  }

  // ── location conditions ──

  /** Rule zones the fix is in: its room, then its zones (null when none, without allocating). */
  function matched(cr: CompiledRule, f: Fix): string[] | null {
    let m: string[] | null = null;
    if (f.room !== null && cr.zones.has(f.room)) (m ??= []).push(f.room);
    for (const z of f.zones) if (cr.zones.has(z)) (m ??= []).push(z);
    return m;
  }

  function evalZone(cr: CompiledRule, ts: TagState, f: Fix, armed: boolean, out: ConditionChange[]): void {
    const m = matched(cr, f);
    const prev = ts.states.get(cr.id);
    if (!m && (!prev || prev.active.size === 0)) return;
    const st = prev ?? stateOf(cr, ts);
    for (const a of [...st.active.values()]) {
      if (!m?.includes(a.change.where!)) clear(a, f.t, fixEvidence(f, f.t, `left ${a.change.where}`), out);
    }
    if (!armed) clearAll(st.active, f.t, "outside the rule's schedule", out);
    else if (m) for (const z of m) if (!st.active.has(z)) raiseTag(st, z, f.t, fixEvidence(f, f.t, `${KIND_LABEL[cr.cond.kind]} ${z}`), out);
    dropIfIdle(st);
  }

  function evalExitCross(cr: CompiledRule, ts: TagState, f: Fix, armed: boolean, out: ConditionChange[]): void {
    let doors: { door: string; gw: string; farRoom: string | null }[] | null = null;
    if (f.method === 'rfid-portal' && cr.doors.size > 0) {
      for (const e of f.evidence) {
        const p = portalOf(e.gw);
        if (!p?.door || !cr.doors.has(p.door)) continue;
        const connects = site.door(p.door)?.door.properties.connects;
        const far = connects ? (connects[0] === p.room ? connects[1] : connects[1] === p.room ? connects[0] : null) : null;
        (doors ??= []).push({ door: p.door, gw: e.gw, farRoom: far === 'outside' ? null : far });
      }
    }
    const m = cr.zones.size > 0 ? matched(cr, f) : null;
    const prev = ts.states.get(cr.id);
    if (!doors && !m && !prev) return;
    const st = prev ?? stateOf(cr, ts);
    // Cleared when the tag is next located in a room on the inside: not the far side of the door it crossed (a room
    // there is still beyond the exit), not unknown, and not by the very portal that saw it at the door.
    for (const a of [...st.active.values()]) {
      if (f.room === null) continue;
      if (a.viaDoor) {
        if (doors?.some((d) => d.door === a.change.where)) continue;
        if (f.room === a.farRoom) continue;
      }
      clear(a, f.t, fixEvidence(f, f.t, `located inside, in ${f.room}`), out);
    }
    if (!armed) clearAll(st.active, f.t, "outside the rule's schedule", out);
    else {
      for (const d of doors ?? []) {
        raiseTag(st, d.door, f.t, fixEvidence(f, f.t, `read by portal ${d.gw} at exit door ${d.door}`), out, { viaDoor: true, farRoom: d.farRoom });
      }
      // Left an exit zone and the next fix is in no room on the same floor: beyond the plan. (A room-less fix on
      // another floor is a floor change in a stairwell or lift, not an exit.)
      const z = st.lastZone;
      if (z !== null && f.room === null && f.floor === st.lastFloor && !m?.includes(z)) {
        raiseTag(st, z, f.t, fixEvidence(f, f.t, `left ${z} to no room (outside the plan)`), out, { viaDoor: false });
      }
    }
    st.lastZone = m ? m[0]! : null;
    st.lastFloor = st.lastZone !== null ? f.floor : null;
    dropIfIdle(st);
  }

  /** Raises timed conditions that are due at `now`; keeps the state on the pending list while any is not yet due. */
  function checkTimed(st: RuleTagState, now: number, out: ConditionChange[]): void {
    const cr = st.rule;
    let waiting = false;
    if (isArmed(cr, now)) {
      for (const [where, since] of st.since) {
        if (st.active.has(where)) continue;
        const due = since + cr.thresholdMs;
        if (now < due) {
          waiting = true;
          continue;
        }
        const t = Math.max(due, cr.armedSince);
        raiseTag(st, where, t, fixEvidence(st.tag.lastFix, t, timedDetail(cr, where)), out);
      }
    } else {
      for (const where of st.since.keys()) if (!st.active.has(where)) waiting = true;
    }
    if (waiting) pending.add(st);
    else pending.delete(st);
  }

  function timedDetail(cr: CompiledRule, where: string | null): string {
    const c = cr.cond;
    const dur = fmtMin(cr.thresholdMs);
    if (c.kind === 'inside-too-long') return `in ${where} for ${dur} or more`;
    if (c.kind === 'outside-too-long') return `outside ${c.zones.join(', ')} for ${dur} or more`;
    if (c.kind === 'off-floor') return `not on ${c.floors.join(', ')} for ${dur} or more`;
    return '';
  }

  function evalTimed(cr: CompiledRule, ts: TagState, f: Fix, armed: boolean, out: ConditionChange[]): void {
    const c = cr.cond;
    if (c.kind === 'inside-too-long') {
      const m = matched(cr, f);
      const prev = ts.states.get(cr.id);
      if (!m && !prev) return;
      const st = prev ?? stateOf(cr, ts);
      for (const z of [...st.since.keys()]) {
        if (m?.includes(z!)) continue;
        const entered = st.since.get(z)!;
        st.since.delete(z);
        const a = st.active.get(z);
        if (a) clear(a, f.t, fixEvidence(f, f.t, `left ${z} after ${fmtMin(f.t - entered)}`), out);
      }
      for (const z of m ?? []) if (!st.since.has(z)) st.since.set(z, f.t);
      if (!armed) clearAll(st.active, f.t, "outside the rule's schedule", out);
      checkTimed(st, f.t, out);
      dropIfIdle(st);
      return;
    }
    // outside-too-long, off-floor: one condition (where = null), timed from the first fix outside.
    const m = c.kind === 'outside-too-long' ? matched(cr, f) : null;
    const inside = c.kind === 'outside-too-long' ? m !== null : cr.floors.has(f.floor);
    const prev = ts.states.get(cr.id);
    if (inside && !prev) return;
    const st = prev ?? stateOf(cr, ts);
    if (inside) {
      st.since.delete(null);
      const a = st.active.get(null);
      if (a) clear(a, f.t, fixEvidence(f, f.t, c.kind === 'outside-too-long' ? `back in ${m![0]}` : `back on ${f.floor}`), out);
    } else if (!st.since.has(null)) st.since.set(null, f.t);
    if (!armed) clearAll(st.active, f.t, "outside the rule's schedule", out);
    checkTimed(st, f.t, out);
    dropIfIdle(st);
  }

  function findCompanion(cr: CompiledRule, ts: TagState, f: Fix): { id: string; d: number } | null {
    const radius = (cr.cond as Condition<'unaccompanied'>).radiusM;
    const near = (o: TagState | undefined): number => {
      const g = o?.lastFix;
      if (!g || o === ts || g.floor !== f.floor || f.t - g.t > COMPANION_MAX_AGE_MS) return -1;
      const d = Math.hypot(g.x - f.x, g.y - f.y);
      return d <= radius ? d : -1;
    };
    for (const id of pairs.get(ts.id) ?? []) {
      const d = near(tags.get(id));
      if (d >= 0) return { id, d };
    }
    if (cr.companionCategories.size > 0) {
      for (const o of floorIndex.get(f.floor) ?? []) {
        if (!cr.companionTags.has(o.id) && !(o.category !== null && cr.companionCategories.has(o.category))) continue;
        const d = near(o);
        if (d >= 0) return { id: o.id, d };
      }
    } else {
      for (const id of cr.companionTags) {
        const d = near(tags.get(id));
        if (d >= 0) return { id, d };
      }
    }
    return null;
  }

  function evalUnaccompanied(cr: CompiledRule, ts: TagState, f: Fix, armed: boolean, out: ConditionChange[]): void {
    const m = matched(cr, f);
    const prev = ts.states.get(cr.id);
    if (!m && (!prev || prev.active.size === 0)) return;
    const st = prev ?? stateOf(cr, ts);
    for (const a of [...st.active.values()]) {
      if (!m?.includes(a.change.where!)) clear(a, f.t, fixEvidence(f, f.t, `left ${a.change.where}`), out);
    }
    if (!armed) clearAll(st.active, f.t, "outside the rule's schedule", out);
    else if (m) {
      const comp = findCompanion(cr, ts, f);
      if (comp) {
        for (const a of [...st.active.values()]) clear(a, f.t, fixEvidence(f, f.t, `companion ${comp.id} within ${round1(comp.d)} m`), out);
      } else {
        const r = (cr.cond as Condition<'unaccompanied'>).radiusM;
        for (const z of m) if (!st.active.has(z)) raiseTag(st, z, f.t, fixEvidence(f, f.t, `in ${z} with no companion within ${r} m`), out);
      }
    }
    dropIfIdle(st);
  }

  function evalFix(cr: CompiledRule, ts: TagState, f: Fix, out: ConditionChange[]): void {
    const certain = f.method === 'rfid-portal' || f.method === 'rfid-cabinet';
    if (!certain && f.confidence < cr.minConfidence) return;
    const armed = isArmed(cr, f.t);
    switch (cr.cond.kind) {
      case 'zone-enter':
      case 'exit-approach':
        evalZone(cr, ts, f, armed, out);
        break;
      case 'exit-cross':
        evalExitCross(cr, ts, f, armed, out);
        break;
      case 'inside-too-long':
      case 'outside-too-long':
      case 'off-floor':
        evalTimed(cr, ts, f, armed, out);
        break;
      case 'unaccompanied':
        evalUnaccompanied(cr, ts, f, armed, out);
        break;
      default:
        break;
    }
  }

  /** Any read or fix is a sign of life: tag-silent conditions clear. */
  function heard(ts: TagState, t: number, out: ConditionChange[]): void {
    ts.lastSeen = Math.max(ts.lastSeen, t);
    for (const cr of ts.rules.silent) {
      const st = ts.states.get(cr.id);
      if (!st) continue;
      clearAll(st.active, t, 'heard again', out);
      dropIfIdle(st);
    }
  }

  // ── engine ──

  function rebuildIndex(list: CompiledRule[]): void {
    generic = [];
    byKind = new Map();
    byCategory = new Map();
    byTag = new Map();
    gatewayRules = [];
    scheduled = [];
    companionTags = new Set();
    companionCategories = new Set();
    classCache.clear();
    gatewayRuleCache.clear();
    const push = (m: Map<string, CompiledRule[]>, k: string, cr: CompiledRule) => {
      const l = m.get(k);
      if (l) l.push(cr);
      else m.set(k, [cr]);
    };
    for (const cr of list) {
      if (cr.schedule) scheduled.push(cr);
      if (cr.cond.kind === 'gateway-offline') {
        gatewayRules.push(cr);
        continue;
      }
      if (cr.cond.kind === 'unaccompanied') {
        for (const id of cr.cond.companionTags) companionTags.add(id);
        for (const c of cr.cond.companionCategories) companionCategories.add(c);
      }
      const s = cr.rule.subjects;
      if (s.kinds.length === 0 && s.categories.length === 0 && s.tags.length === 0) generic.push(cr);
      for (const k of new Set(s.kinds)) push(byKind, k, cr);
      for (const c of new Set(s.categories)) push(byCategory, c, cr);
      for (const id of new Set(s.tags)) push(byTag, id, cr);
    }
  }

  return {
    setRules(list: readonly Rule[], now: number): ConditionChange[] {
      const out: ConditionChange[] = [];
      const next = new Map<string, CompiledRule>();
      list.forEach((r, i) => {
        if (!r.enabled) {
          next.delete(r.id);
          return;
        }
        const old = rules.get(r.id);
        const sig = signatureOf(r);
        if (old && old.signature === sig && !next.has(r.id)) {
          old.rule = r;
          old.order = i;
          next.set(r.id, old);
        } else {
          next.delete(r.id);
          next.set(r.id, compile(r, i));
        }
      });
      for (const [id, old] of rules) {
        if (next.get(id) === old) continue;
        const why = next.has(id) ? 'the rule was changed' : 'the rule was removed or disabled';
        for (const a of [...old.actives]) clear(a, now, a.evidenceAt(now, why), out);
        for (const ts of tags.values()) {
          const st = ts.states.get(id);
          if (st) {
            pending.delete(st);
            ts.states.delete(id);
          }
        }
        for (const g of gws.values()) g.states.delete(id);
      }
      rules = next;
      version++;
      refreshGateways();
      rebuildIndex([...next.values()].sort((a, b) => a.order - b.order));
      for (const ts of tags.values()) refreshTag(ts, now, out);
      return out;
    },

    setPairings(list: readonly Pairing[]): void {
      pairs = new Map();
      pairedCompanions = new Set();
      for (const p of list) {
        const l = pairs.get(p.subject);
        if (l) {
          if (!l.includes(p.companion)) l.push(p.companion);
        } else pairs.set(p.subject, [p.companion]);
        pairedCompanions.add(p.companion);
      }
      for (const ts of tags.values()) refreshCompanion(ts);
    },

    fix(f: Fix): ConditionChange[] {
      const out: ConditionChange[] = [];
      const ts = tagFor(f.tag, f.t, out);
      if (!ts.lastFix || f.t >= ts.lastFix.t) ts.lastFix = f;
      if (ts.companion) indexCompanion(ts);
      heard(ts, f.t, out);
      for (const cr of ts.rules.fix) evalFix(cr, ts, f, out);
      return out;
    },

    tagSeen(tag: string, t: number, battery: number | undefined, flags: readonly TagFlag[] | undefined): ConditionChange[] {
      const out: ConditionChange[] = [];
      const ts = tagFor(tag, t, out);
      heard(ts, t, out);
      for (const cr of ts.rules.flag) {
        let hit: TagFlag | null = null;
        for (const fl of flags ?? []) {
          if (cr.flags.has(fl)) {
            hit = fl;
            break;
          }
        }
        const prev = ts.states.get(cr.id);
        if (!hit && !prev) continue;
        const st = prev ?? stateOf(cr, ts);
        const armed = isArmed(cr, t);
        if (hit) {
          st.flagT = Math.max(st.flagT, t);
          if (armed && !st.active.has(null)) raiseTag(st, null, t, fixEvidence(ts.lastFix, t, `tag reports ${hit}`), out);
        } else if (t - st.flagT >= FLAG_CLEAR_MS) {
          for (const a of [...st.active.values()]) {
            clear(a, t, fixEvidence(ts.lastFix, t, `no ${[...cr.flags].join('/')} in reads for ${fmtMin(t - st.flagT)}`), out);
          }
          st.flagT = -Infinity;
        }
        if (!armed) clearAll(st.active, t, "outside the rule's schedule", out);
        dropIfIdle(st);
      }
      if (battery !== undefined) {
        for (const cr of ts.rules.battery) {
          const percent = (cr.cond as Condition<'low-battery'>).percent;
          const armed = isArmed(cr, t);
          const prev = ts.states.get(cr.id);
          if (battery <= percent && armed) {
            const st = prev ?? stateOf(cr, ts);
            if (!st.active.has(null)) raiseTag(st, null, t, fixEvidence(ts.lastFix, t, `battery ${battery} % (at or below ${percent} %)`), out);
          } else if (prev && (!armed || battery >= percent + BATTERY_HYSTERESIS_PERCENT)) {
            const detail = armed ? `battery ${battery} % (at least ${percent + BATTERY_HYSTERESIS_PERCENT} %)` : "outside the rule's schedule";
            for (const a of [...prev.active.values()]) clear(a, t, fixEvidence(ts.lastFix, t, detail), out);
            dropIfIdle(prev);
          }
        }
      }
      return out;
    },

    gatewayState(gateway: string, state: GatewayState, t: number): ConditionChange[] {
      const out: ConditionChange[] = [];
      const g = gatewayFor(gateway);
      if (state === 'offline') {
        if (g.offlineSince === null) {
          g.offlineSince = t;
          offline.add(g);
        }
        for (const cr of rulesForGateway(g.id)) evalGateway(cr, g, t, out);
      } else {
        const was = g.offlineSince;
        g.offlineSince = null;
        offline.delete(g);
        const detail = was !== null ? `gateway ${g.id} back online after ${round1((t - was) / 1000)} s` : `gateway ${g.id} online`;
        for (const owner of g.states.values()) clearAll(owner, t, detail, out);
      }
      return out;
    },

    tick(now: number): ConditionChange[] {
      const out: ConditionChange[] = [];
      refreshGateways();
      for (const cr of scheduled) {
        if (isArmed(cr, now) || cr.actives.size === 0) continue;
        for (const a of [...cr.actives]) clear(a, now, a.evidenceAt(now, "outside the rule's schedule"), out);
      }
      for (const st of [...pending]) checkTimed(st, now, out);
      for (const ts of silentTags) {
        for (const cr of ts.rules.silent) {
          if (!Number.isFinite(ts.lastSeen) || !isArmed(cr, now)) continue;
          const due = ts.lastSeen + cr.thresholdMs;
          if (now < due) continue;
          const st = stateOf(cr, ts);
          if (st.active.has(null)) continue;
          const t = Math.max(due, cr.armedSince);
          raiseTag(st, null, t, fixEvidence(ts.lastFix, t, `not heard since ${new Date(ts.lastSeen).toISOString()} (${fmtMin(cr.thresholdMs)} or more)`), out);
        }
      }
      for (const g of offline) for (const cr of rulesForGateway(g.id)) evalGateway(cr, g, now, out);
      return out;
    },

    active(): ConditionChange[] {
      return [...actives.values()].map((a) => ({ ...a.change }));
    },
  };
}
