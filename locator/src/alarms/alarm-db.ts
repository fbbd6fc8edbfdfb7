/**
 * The alarm subsystem's tables in the registry database (DESIGN.md §6: rules and alarms live in the registry), each
 * store on a connection of its own (as user-store.ts and security-alarms.ts do): WAL so the API reads while the
 * pipeline writes, and a busy timeout so two connections never fail on a momentary lock.
 */
import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { REGISTRY_DB_FILE } from '../registry/sqlite-registry.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alarm_rules (
  id          TEXT PRIMARY KEY,
  body        TEXT NOT NULL,               -- RuleBody as JSON
  origin      TEXT NOT NULL,               -- 'site' | 'user'
  updated_at  INTEGER NOT NULL,
  deleted_at  INTEGER                      -- site rules deleted by an admin stay as tombstones (not re-created)
);
CREATE TABLE IF NOT EXISTS alarm_pairings (
  subject     TEXT NOT NULL,
  companion   TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  PRIMARY KEY (subject, companion)
);
CREATE TABLE IF NOT EXISTS alarms (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  key         TEXT NOT NULL,               -- conditionKey: one ongoing condition = one alarm
  rule_id     TEXT NOT NULL,
  severity    TEXT NOT NULL,
  subject_id  TEXT NOT NULL,
  state       TEXT NOT NULL,
  active      INTEGER NOT NULL,
  opened_at   INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  body        TEXT NOT NULL                -- the Alarm as JSON, history included (never patient identity)
);
CREATE INDEX IF NOT EXISTS alarms_state ON alarms(state);
CREATE INDEX IF NOT EXISTS alarms_subject ON alarms(subject_id);
CREATE INDEX IF NOT EXISTS alarms_opened ON alarms(opened_at);
CREATE TABLE IF NOT EXISTS alarm_bypasses (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  target_type TEXT NOT NULL,
  target_id   TEXT NOT NULL,
  reason      TEXT NOT NULL,
  by_user     TEXT NOT NULL,
  from_t      INTEGER NOT NULL,
  until_t     INTEGER NOT NULL,
  ended_at    INTEGER
);
CREATE TABLE IF NOT EXISTS alarm_webhooks (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  url         TEXT NOT NULL,
  min_severity TEXT NOT NULL,
  secret      TEXT,                        -- kept for signing; never returned by the API
  enabled     INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  deleted_at  INTEGER
);
CREATE TABLE IF NOT EXISTS alarm_deliveries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  alarm_id    INTEGER NOT NULL,
  channel     TEXT NOT NULL,
  target      TEXT NOT NULL,
  event       TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  t           INTEGER NOT NULL,
  ok          INTEGER NOT NULL,
  status      INTEGER,
  error       TEXT
);
CREATE INDEX IF NOT EXISTS alarm_deliveries_alarm ON alarm_deliveries(alarm_id);
CREATE TABLE IF NOT EXISTS alarm_outbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  channel     TEXT NOT NULL,               -- 'webhook' | 'mqtt'
  target_ref  TEXT NOT NULL,               -- webhook id, or the MQTT topic
  alarm_id    INTEGER NOT NULL,
  event       TEXT NOT NULL,
  payload     TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
);
`;

export function openAlarmDb(dataDir: string): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, REGISTRY_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}
