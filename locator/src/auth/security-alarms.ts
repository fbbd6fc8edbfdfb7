/**
 * Security alarms (issue #6 item 4: unusual access, break-glass, login lockouts), kept in the registry database so
 * they outlive a restart, and fanned out to live listeners (the live feed shows them to security and admin).
 * Issue #7 folds them into the one alarm console with a lifecycle; here they are a record and a notification.
 */
import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { Clock, SecurityAlarm } from '@rtls/protocol';
import { REGISTRY_DB_FILE } from '../registry/sqlite-registry.ts';

export type SecurityAlarmDraftInput = Omit<SecurityAlarm, 'id' | 't'> & { t?: number };

export interface SecurityAlarms {
  raise(a: SecurityAlarmDraftInput): SecurityAlarm;
  list(limit: number): SecurityAlarm[];
  onAlarm(listener: (a: SecurityAlarm) => void): () => void;
  close(): void;
}

export function openSecurityAlarms(dataDir: string, clock: Clock): SecurityAlarms {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, REGISTRY_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS security_alarms (
    id INTEGER PRIMARY KEY AUTOINCREMENT, t INTEGER NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, message TEXT NOT NULL)`);
  const insert = db.prepare('INSERT INTO security_alarms (t, kind, actor, message) VALUES (?, ?, ?, ?)');
  const recent = db.prepare<[number], SecurityAlarm>('SELECT id, t, kind, actor, message FROM security_alarms ORDER BY id DESC LIMIT ?');
  const listeners = new Set<(a: SecurityAlarm) => void>();
  return {
    raise(a) {
      const t = a.t ?? clock();
      const id = Number(insert.run(t, a.kind, a.actor.slice(0, 64), a.message.slice(0, 500)).lastInsertRowid);
      const alarm: SecurityAlarm = { id, t, kind: a.kind, actor: a.actor.slice(0, 64), message: a.message.slice(0, 500) };
      for (const l of listeners) l(alarm);
      return alarm;
    },
    list: (limit) => recent.all(limit),
    onAlarm(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => db.close(),
  };
}
