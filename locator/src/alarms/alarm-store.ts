/**
 * Alarms (with their history) and bypasses, in the registry database (issue #7 item 2). The alarm is kept whole as
 * JSON next to the columns it is searched by; it never holds patient identity (the API adds that per viewer).
 */
import type { Alarm, Bypass, Severity } from '@rtls/protocol';
import { openAlarmDb } from './alarm-db.ts';

export interface AlarmQuery {
  state?: 'open' | 'acknowledged' | 'resolved' | 'active' | undefined;
  severity?: Severity | undefined;
  rule?: string | undefined;
  tag?: string | undefined;
  /** openedAt range, epoch ms (inclusive). */
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
}

export interface AlarmStore {
  insert(key: string, a: Omit<Alarm, 'id'>): Alarm;
  save(a: Alarm): void;
  get(id: number): Alarm | undefined;
  /** Open and acknowledged alarms with their condition keys (the manager's working set after a restart). */
  unresolved(): { key: string; alarm: Alarm }[];
  /** Newest first; `visible` filters before the limit is applied (per-viewer scoping must not shorten a page). */
  query(q: AlarmQuery, visible?: (a: Alarm) => boolean): Alarm[];
  insertBypass(b: Omit<Bypass, 'id'>): Bypass;
  endBypass(id: number, t: number): void;
  getBypass(id: number): Bypass | undefined;
  /** Bypasses not ended by a person whose `until` is after `now`. */
  activeBypasses(now: number): Bypass[];
  /** Bypasses in force at or after `since` (active ones and those that ended since), newest first. */
  bypassesSince(since: number, limit: number): Bypass[];
  close(): void;
}

interface BypassRow {
  id: number;
  target_type: Bypass['target']['type'];
  target_id: string;
  reason: string;
  by_user: string;
  from_t: number;
  until_t: number;
  ended_at: number | null;
}

const toBypass = (r: BypassRow): Bypass => ({
  id: r.id, target: { type: r.target_type, id: r.target_id }, reason: r.reason, by: r.by_user, from: r.from_t, until: r.until_t, endedAt: r.ended_at,
});

const BYPASS_COLS = 'id, target_type, target_id, reason, by_user, from_t, until_t, ended_at';

export function openAlarmStore(dataDir: string): AlarmStore {
  const db = openAlarmDb(dataDir);
  const q = {
    insert: db.prepare(`INSERT INTO alarms (key, rule_id, severity, subject_id, state, active, opened_at, updated_at, body)
      VALUES (@key, @rule_id, @severity, @subject_id, @state, @active, @opened_at, @updated_at, '{}')`),
    save: db.prepare('UPDATE alarms SET severity = ?, state = ?, active = ?, updated_at = ?, body = ? WHERE id = ?'),
    get: db.prepare<[number], { body: string }>('SELECT body FROM alarms WHERE id = ?'),
    unresolved: db.prepare<[], { key: string; body: string }>("SELECT key, body FROM alarms WHERE state != 'resolved' ORDER BY id"),
    insertBypass: db.prepare('INSERT INTO alarm_bypasses (target_type, target_id, reason, by_user, from_t, until_t, ended_at) VALUES (?, ?, ?, ?, ?, ?, NULL)'),
    endBypass: db.prepare('UPDATE alarm_bypasses SET ended_at = ? WHERE id = ? AND ended_at IS NULL'),
    getBypass: db.prepare<[number], BypassRow>(`SELECT ${BYPASS_COLS} FROM alarm_bypasses WHERE id = ?`),
    active: db.prepare<[number], BypassRow>(`SELECT ${BYPASS_COLS} FROM alarm_bypasses WHERE ended_at IS NULL AND until_t > ? ORDER BY id`),
    since: db.prepare<[number, number, number], BypassRow>(`SELECT ${BYPASS_COLS} FROM alarm_bypasses
      WHERE (ended_at IS NULL AND until_t >= ?) OR ended_at >= ? ORDER BY id DESC LIMIT ?`),
  };

  return {
    // The id is the row id, and the JSON body carries it: both written in one transaction.
    insert: db.transaction((key: string, a: Omit<Alarm, 'id'>): Alarm => {
      const id = Number(q.insert.run({
        key, rule_id: a.ruleId, severity: a.severity, subject_id: a.subject.id, state: a.state, active: a.active ? 1 : 0,
        opened_at: a.openedAt, updated_at: a.updatedAt,
      }).lastInsertRowid);
      const alarm: Alarm = { id, ...a };
      q.save.run(alarm.severity, alarm.state, alarm.active ? 1 : 0, alarm.updatedAt, JSON.stringify(alarm), id);
      return alarm;
    }),
    save(a) {
      q.save.run(a.severity, a.state, a.active ? 1 : 0, a.updatedAt, JSON.stringify(a), a.id);
    },
    get(id) {
      const r = q.get.get(id);
      return r ? (JSON.parse(r.body) as Alarm) : undefined;
    },
    unresolved: () => q.unresolved.all().map((r) => ({ key: r.key, alarm: JSON.parse(r.body) as Alarm })),
    query(query, visible) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (query.state === 'active') where.push("active = 1 AND state != 'resolved'");
      else if (query.state) {
        where.push('state = ?');
        args.push(query.state);
      }
      if (query.severity) {
        where.push('severity = ?');
        args.push(query.severity);
      }
      if (query.rule) {
        where.push('rule_id = ?');
        args.push(query.rule);
      }
      if (query.tag) {
        where.push('subject_id = ?');
        args.push(query.tag);
      }
      if (query.from !== undefined) {
        where.push('opened_at >= ?');
        args.push(query.from);
      }
      if (query.to !== undefined) {
        where.push('opened_at <= ?');
        args.push(query.to);
      }
      const sql = `SELECT body FROM alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`;
      const out: Alarm[] = [];
      for (const r of db.prepare<(string | number)[], { body: string }>(sql).iterate(...args)) {
        const a = JSON.parse(r.body) as Alarm;
        if (visible && !visible(a)) continue;
        out.push(a);
        if (out.length >= query.limit) break;
      }
      return out;
    },
    insertBypass(b) {
      const id = Number(q.insertBypass.run(b.target.type, b.target.id, b.reason, b.by, b.from, b.until).lastInsertRowid);
      return { ...b, id, endedAt: null };
    },
    endBypass(id, t) {
      q.endBypass.run(t, id);
    },
    getBypass(id) {
      const r = q.getBypass.get(id);
      return r ? toBypass(r) : undefined;
    },
    activeBypasses: (now) => q.active.all(now).map(toBypass),
    bypassesSince: (since, limit) => q.since.all(since, since, limit).map(toBypass),
    close: () => db.close(),
  };
}
