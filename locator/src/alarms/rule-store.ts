/**
 * Rules and pairings (issue #7 item 1), in the registry database. Rules come from two places: the floor plan's
 * monitored zones ('site', created at start by syncSiteRules) and admins ('user'). A site rule is inserted when it
 * is missing and never overwritten, so an admin's edit (disabling it, raising its severity) survives restarts; a
 * deleted site rule stays deleted (a tombstone keeps syncSiteRules from bringing it back).
 */
import {
  RtlsError, RuleBodySchema, SlugSchema,
  type Clock, type Pairing, type Rule, type RuleBody,
} from '@rtls/protocol';
import { openAlarmDb } from './alarm-db.ts';

export type RuleChange = 'rules' | 'pairings';

export interface RuleStore {
  list(): Rule[];
  get(id: string): Rule | undefined;
  /** Every rule by id (disabled ones too: their open alarms still need autoResolve and escalation settings). */
  map(): ReadonlyMap<string, Rule>;
  /** The id a new rule with this name gets (derived from the name, made unique). */
  nextId(name: string): string;
  /** A new user rule; its id is nextId(name) unless given. */
  create(body: RuleBody, id?: string): Rule;
  /** Replaces a rule's body (site or user); throws RTLS_ERR_RULE_NOT_FOUND. */
  update(id: string, body: RuleBody): Rule;
  delete(id: string): boolean;
  /** Inserts the site's rules that are missing (never overwrites, never revives a deleted one). */
  syncSiteRules(rules: readonly (RuleBody & { id: string })[]): { added: string[] };
  pairings(): Pairing[];
  /** Pairs a subject with a companion (idempotent: an existing pair keeps its createdAt). */
  pair(subject: string, companion: string, by: string): Pairing;
  /** Ends the subject's pairing with `companion`, or all of its pairings; returns how many ended. */
  unpair(subject: string, companion?: string): number;
  /** Called after every change, so the service can hand rules and pairings to the rule engine. */
  onChange(listener: (what: RuleChange) => void): () => void;
  close(): void;
}

interface RuleRow {
  id: string;
  body: string;
  origin: 'site' | 'user';
  updated_at: number;
}

/** "Infant exit — maternity" → "infant-exit-maternity" (SlugSchema: 1-64 of A-Z a-z 0-9 _ . -). */
export function ruleIdFromName(name: string): string {
  const s = name.normalize('NFKD').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/-+$/, '').toLowerCase();
  return (s || 'rule').slice(0, 56);
}

export function openRuleStore(dataDir: string, clock: Clock): RuleStore {
  const db = openAlarmDb(dataDir);
  const q = {
    all: db.prepare<[], RuleRow>('SELECT id, body, origin, updated_at FROM alarm_rules WHERE deleted_at IS NULL ORDER BY id'),
    exists: db.prepare<[string], { id: string }>('SELECT id FROM alarm_rules WHERE id = ?'),
    insert: db.prepare('INSERT INTO alarm_rules (id, body, origin, updated_at) VALUES (?, ?, ?, ?)'),
    update: db.prepare('UPDATE alarm_rules SET body = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL'),
    deleteUser: db.prepare("DELETE FROM alarm_rules WHERE id = ? AND origin = 'user'"),
    tombstone: db.prepare("UPDATE alarm_rules SET deleted_at = ? WHERE id = ? AND origin = 'site' AND deleted_at IS NULL"),
    pairings: db.prepare<[], { subject: string; companion: string; created_at: number }>('SELECT subject, companion, created_at FROM alarm_pairings ORDER BY subject, companion'),
    pairing: db.prepare<[string, string], { created_at: number }>('SELECT created_at FROM alarm_pairings WHERE subject = ? AND companion = ?'),
    pair: db.prepare('INSERT OR IGNORE INTO alarm_pairings (subject, companion, created_at, created_by) VALUES (?, ?, ?, ?)'),
    unpairOne: db.prepare('DELETE FROM alarm_pairings WHERE subject = ? AND companion = ?'),
    unpairAll: db.prepare('DELETE FROM alarm_pairings WHERE subject = ?'),
  };
  const listeners = new Set<(what: RuleChange) => void>();
  let cache: Map<string, Rule> | null = null;

  const changed = (what: RuleChange) => {
    if (what === 'rules') cache = null;
    for (const l of listeners) l(what);
  };
  const load = (): Map<string, Rule> => {
    if (cache) return cache;
    const m = new Map<string, Rule>();
    for (const r of q.all.all()) {
      // A body written by an older version is read through the schema, so new fields get their defaults; one that
      // no longer validates is left out rather than guessed at.
      const body = RuleBodySchema.safeParse(JSON.parse(r.body));
      if (body.success) m.set(r.id, { ...body.data, id: r.id, origin: r.origin, updatedAt: r.updated_at });
    }
    cache = m;
    return m;
  };
  const uniqueId = (base: string): string => {
    let id = base;
    for (let n = 2; q.exists.get(id); n++) id = `${base}-${n}`;
    return id;
  };

  return {
    list: () => [...load().values()],
    get: (id) => load().get(id),
    map: () => load(),
    nextId: (name) => uniqueId(ruleIdFromName(name)),
    create(body, id) {
      const ruleId = id ?? uniqueId(ruleIdFromName(body.name));
      if (!SlugSchema.safeParse(ruleId).success) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`id: ${JSON.stringify(ruleId)} is not a valid id`]);
      if (q.exists.get(ruleId)) throw new RtlsError('RTLS_ERR_CONFLICT', `Rule ${ruleId} exists`);
      const t = clock();
      q.insert.run(ruleId, JSON.stringify(body), 'user', t);
      changed('rules');
      return load().get(ruleId)!;
    },
    update(id, body) {
      if (q.update.run(JSON.stringify(body), clock(), id).changes === 0) throw new RtlsError('RTLS_ERR_RULE_NOT_FOUND', `Rule not found: ${id.slice(0, 64)}`);
      changed('rules');
      return load().get(id)!;
    },
    delete(id) {
      const n = q.deleteUser.run(id).changes + q.tombstone.run(clock(), id).changes;
      if (n > 0) changed('rules');
      return n > 0;
    },
    syncSiteRules(rules) {
      const added: string[] = [];
      const t = clock();
      db.transaction(() => {
        for (const r of rules) {
          if (q.exists.get(r.id)) continue;
          const body: RuleBody = RuleBodySchema.parse({
            name: r.name, enabled: r.enabled, severity: r.severity, condition: r.condition, subjects: r.subjects,
            schedule: r.schedule, minConfidence: r.minConfidence, autoResolve: r.autoResolve, escalation: r.escalation,
          });
          q.insert.run(r.id, JSON.stringify(body), 'site', t);
          added.push(r.id);
        }
      })();
      if (added.length > 0) changed('rules');
      return { added };
    },
    pairings: () => q.pairings.all().map((r) => ({ subject: r.subject, companion: r.companion, createdAt: r.created_at })),
    pair(subject, companion, by) {
      if (subject === companion) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, ['companion: a tag cannot be its own companion']);
      const r = q.pair.run(subject, companion, clock(), by.slice(0, 64));
      if (r.changes > 0) changed('pairings');
      return { subject, companion, createdAt: q.pairing.get(subject, companion)!.created_at };
    },
    unpair(subject, companion) {
      const n = companion === undefined ? q.unpairAll.run(subject).changes : q.unpairOne.run(subject, companion).changes;
      if (n > 0) changed('pairings');
      return n;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => db.close(),
  };
}
