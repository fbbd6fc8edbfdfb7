/**
 * The audit log (issue #6 item 4): who, role, when, what, which object, which patients, from where — append-only and
 * hash-chained, in its own SQLite file RTLS_DATA_DIR/audit.db (better-sqlite3, WAL + busy_timeout, so the admin CLI
 * and the service can both write it).
 *
 * The chain: record n stores prevHash = hash of record n-1 (genesis: 64 zeros) and
 * hash = sha256 hex of JSON.stringify([seq, t, actor, role, action, object, patients, source, outcome, breakGlass,
 * detail, prevHash]) — an array, so the field order is fixed and any verifier can recompute it (auditRecordHash).
 * Appends run in BEGIN IMMEDIATE transactions that read the head, so two processes appending at once still form one
 * chain. SQLite triggers abort every UPDATE and DELETE, so the application itself (or an operator with the sqlite3
 * shell who does not first drop the triggers) cannot change history.
 *
 * What the chain protects against: an edited field, a deleted or inserted record anywhere but at the end, a re-ordered
 * record — verify() names the first record that does not check out.
 * What it does not: someone with write access to audit.db can drop the triggers and rewrite the whole chain from the
 * edit onwards (recomputing every hash), or cut records off the end; nothing inside one file can prevent that. The
 * defence is an anchor outside the file: verify() returns headHash (hash of the newest record) with the record count,
 * and the service logs both at start and daily, so the log shipping / SIEM keeps copies the attacker cannot rewrite.
 * A later verify() whose chain no longer contains an anchored (seq, hash) pair — or has fewer records — was rewritten.
 * Neither does it stop records from being lost before they are written: that is why a failed append throws and the
 * caller refuses the access (issue #6 item 4: "if the audit write fails, the access is refused").
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  systemClock, type AuditAction, type AuditRecord, type AuditVerifyResult, type Clock, type Role,
} from '@rtls/protocol';

export const AUDIT_DB_FILE = 'audit.db';
/** prevHash of record 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** Caps so one request cannot bloat the log (a failed login's attempted name, a crafted URL, a huge export). */
export const AUDIT_LIMITS = Object.freeze({
  actor: 64,
  object: 200,
  detail: 500,
  /** A source address: IPv6 with a zone id is under 64 characters; room for a proxy chain. */
  source: 128,
  /** Tag ids are at most 96 characters (protocol TagIdSchema). */
  patientId: 96,
  patients: 500,
});
/** The most records one query returns (AuditQuerySchema.limit has the same maximum). */
export const AUDIT_QUERY_MAX = 1000;
const AUDIT_QUERY_DEFAULT = 200;

export interface AuditEntry {
  actor: string;
  role: Role | null;
  action: AuditAction;
  object: string;
  /** Patient tags this access showed; duplicates are dropped, at most AUDIT_LIMITS.patients kept. */
  patients?: readonly string[];
  source?: string | null;
  outcome?: 'ok' | 'denied';
  breakGlass?: boolean;
  detail?: string | null;
}

/** The search filters; AuditQuerySchema's parsed output fits this. */
export interface AuditQuery {
  actor?: string;
  action?: AuditAction;
  /** Every record whose patients include this tag. */
  patient?: string;
  /** Inclusive bounds on t, epoch ms. */
  from?: number;
  to?: number;
  breakGlass?: 'true' | 'false' | boolean;
  /** 1 … AUDIT_QUERY_MAX; default 200. */
  limit?: number;
  /** Only records with seq below this (paging backwards from the newest). */
  before?: number;
}

export interface AuditLog {
  readonly path: string;
  /** Writes one record and returns it. Throws on any write failure — the caller then refuses the access. */
  append(e: AuditEntry): AuditRecord;
  /** Newest first. */
  query(q: AuditQuery): AuditRecord[];
  /** Walks the whole chain in seq order (streaming) and reports the first record that does not check out. */
  verify(): AuditVerifyResult;
  /** For the unusual-access detector's baseline: t of the actor's patient-bearing 'ok' records with t >= since, ascending. */
  patientAccessTimes(actor: string, since: number): number[];
  close(): void;
}

export interface AuditLogOptions {
  clock?: Clock;
  /** How long an append waits for another process's transaction before failing, ms (default 5000). */
  busyTimeoutMs?: number;
}

/** The fields the hash covers, in chain order. */
export type AuditHashedFields = Omit<AuditRecord, 'hash'>;

/** The canonical serialisation and its sha256 (hex): the one definition of a record's hash. */
export function auditRecordHash(r: AuditHashedFields): string {
  const canonical = JSON.stringify([
    r.seq, r.t, r.actor, r.role, r.action, r.object, r.patients, r.source, r.outcome, r.breakGlass, r.detail, r.prevHash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Well-formed and at most `max` UTF-16 units, marked with '…' when cut. A lone surrogate would be stored by SQLite as
 * U+FFFD and the re-read record would no longer match its hash, so it is replaced before hashing.
 */
function clip(s: string, max: number): string {
  const w = s.replace(LONE_SURROGATE, '\uFFFD');
  if (w.length <= max) return w;
  let cut = w.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_records (
  seq INTEGER PRIMARY KEY,
  t INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  patients TEXT NOT NULL,
  source TEXT,
  outcome TEXT NOT NULL,
  break_glass INTEGER NOT NULL,
  detail TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_actor_t ON audit_records (actor, t);
CREATE INDEX IF NOT EXISTS audit_records_action ON audit_records (action, seq);
CREATE INDEX IF NOT EXISTS audit_records_t ON audit_records (t);
-- Search index for "every access that showed this patient"; verify() checks it against the chained patients column.
CREATE TABLE IF NOT EXISTS audit_patients (
  tag TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (tag, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_patients_seq ON audit_patients (seq, tag);
CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_patients_no_update BEFORE UPDATE ON audit_patients
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_patients_no_delete BEFORE DELETE ON audit_patients
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`;

interface RecordRow {
  seq: number;
  t: number;
  actor: string;
  role: string | null;
  action: string;
  object: string;
  patients: string;
  source: string | null;
  outcome: string;
  break_glass: number;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

const toRecord = (r: RecordRow): AuditRecord => ({
  seq: r.seq, t: r.t, actor: r.actor, role: r.role as Role | null, action: r.action as AuditAction, object: r.object,
  patients: JSON.parse(r.patients) as string[], source: r.source, outcome: r.outcome as 'ok' | 'denied',
  breakGlass: r.break_glass === 1, detail: r.detail, prevHash: r.prev_hash, hash: r.hash,
});

/** Opens (creating if needed) RTLS_DATA_DIR/audit.db. */
export function openAuditLog(dataDir: string, opts: AuditLogOptions = {}): AuditLog {
  const clock = opts.clock ?? systemClock;
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, AUDIT_DB_FILE);
  const db = new Database(file);
  try {
    // busy_timeout first: switching to WAL while another process holds the file must wait, not fail.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    // Each append is durable when it returns (fsync of the WAL per commit): the access it allows has been recorded.
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
  } catch (err) {
    db.close();
    throw err;
  }

  const q = {
    head: db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1'),
    insert: db.prepare(`
      INSERT INTO audit_records (seq, t, actor, role, action, object, patients, source, outcome, break_glass, detail, prev_hash, hash)
      VALUES (@seq, @t, @actor, @role, @action, @object, @patients, @source, @outcome, @breakGlass, @detail, @prevHash, @hash)`),
    insertPatient: db.prepare<[string, number]>('INSERT INTO audit_patients (tag, seq) VALUES (?, ?)'),
    all: db.prepare<[], RecordRow>('SELECT * FROM audit_records ORDER BY seq'),
    allPatients: db.prepare<[], { seq: number; tag: string }>('SELECT seq, tag FROM audit_patients ORDER BY seq, tag'),
    accessTimes: db.prepare<[string, number], { t: number }>(`
      SELECT t FROM audit_records WHERE actor = ? AND t >= ? AND outcome = 'ok' AND patients <> '[]' ORDER BY t`),
  };

  const appendTx = db.transaction((e: AuditEntry): AuditRecord => {
    const head = q.head.get();
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const fields = normalise(e, seq, Math.floor(clock()), prevHash);
    const rec: AuditRecord = { ...fields, hash: auditRecordHash(fields) };
    q.insert.run({ ...rec, patients: JSON.stringify(rec.patients), breakGlass: rec.breakGlass ? 1 : 0 });
    for (const tag of rec.patients) q.insertPatient.run(tag, seq);
    return rec;
  });

  const queryStatements = new Map<string, Database.Statement<unknown[], RecordRow>>();

  return {
    path: file,

    append(e) {
      // IMMEDIATE: take the write lock before reading the head, so no other process can append in between.
      return appendTx.immediate(e);
    },

    query(filter) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.actor !== undefined) { where.push('actor = ?'); args.push(filter.actor); }
      if (filter.action !== undefined) { where.push('action = ?'); args.push(filter.action); }
      if (filter.patient !== undefined) { where.push('seq IN (SELECT seq FROM audit_patients WHERE tag = ?)'); args.push(filter.patient); }
      if (filter.from !== undefined) { where.push('t >= ?'); args.push(filter.from); }
      if (filter.to !== undefined) { where.push('t <= ?'); args.push(filter.to); }
      if (filter.breakGlass !== undefined) {
        where.push('break_glass = ?');
        args.push(filter.breakGlass === true || filter.breakGlass === 'true' ? 1 : 0);
      }
      if (filter.before !== undefined) { where.push('seq < ?'); args.push(filter.before); }
      const limit = Math.min(AUDIT_QUERY_MAX, Math.max(1, Math.floor(filter.limit ?? AUDIT_QUERY_DEFAULT)));
      const sql = `SELECT * FROM audit_records${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
      let stmt = queryStatements.get(sql);
      if (!stmt) {
        stmt = db.prepare<unknown[], RecordRow>(sql);
        queryStatements.set(sql, stmt);
      }
      return stmt.all(...args, limit).map(toRecord);
    },

    verify() {
      // One read transaction: a consistent snapshot while the service keeps appending (WAL readers do not block it).
      return db.transaction(() => {
        const records = q.all.iterate();
        const patients = q.allPatients.iterate();
        try {
          return verifyChain(records, patients);
        } finally {
          // An iterator left open keeps its statement busy; close both whatever happened.
          records.return?.();
          patients.return?.();
        }
      })();
    },

    patientAccessTimes(actor, since) {
      return q.accessTimes.all(actor, since).map((r) => r.t);
    },

    close() {
      if (db.open) db.close();
    },
  };
}

/** The stored form of an entry: defaults filled in, strings well-formed and capped, patients de-duplicated and capped. */
function normalise(e: AuditEntry, seq: number, t: number, prevHash: string): AuditHashedFields {
  const unique = [...new Set((e.patients ?? []).map((p) => clip(p, AUDIT_LIMITS.patientId)))];
  let detail = e.detail == null ? null : clip(e.detail, AUDIT_LIMITS.detail);
  if (unique.length > AUDIT_LIMITS.patients) {
    const note = `patients truncated: ${AUDIT_LIMITS.patients} of ${unique.length} recorded`;
    detail = detail === null ? note : `${clip(detail, AUDIT_LIMITS.detail - note.length - 2)}; ${note}`;
  }
  return {
    seq, t,
    actor: clip(e.actor, AUDIT_LIMITS.actor),
    role: e.role ?? null,
    action: e.action,
    object: clip(e.object, AUDIT_LIMITS.object),
    patients: unique.slice(0, AUDIT_LIMITS.patients),
    source: e.source == null ? null : clip(e.source, AUDIT_LIMITS.source),
    outcome: e.outcome ?? 'ok',
    breakGlass: e.breakGlass ?? false,
    detail,
    prevHash,
  };
}

/**
 * Checks, record by record: seq is one more than the previous (a deleted record leaves a gap), prevHash is the
 * previous record's hash (genesis for the first), the stored hash is the hash of the contents, and the patient search
 * index holds exactly the record's patients (so a search by patient cannot be made to miss an access). Keeps counting
 * after the first problem so `records` is the size of the log.
 */
function verifyChain(rows: IterableIterator<RecordRow>, patientRows: IterableIterator<{ seq: number; tag: string }>): AuditVerifyResult {
  let records = 0;
  let brokenAt: number | null = null;
  let problem: string | null = null;
  let prevSeq = 0;
  let prevHash = GENESIS_HASH;
  let headHash: string | null = null;
  let nextPatient = patientRows.next();
  const fail = (seq: number, what: string) => {
    if (brokenAt === null) { brokenAt = seq; problem = what; }
  };
  for (const row of rows) {
    records++;
    headHash = row.hash;
    if (brokenAt === null) {
      // Index rows up to this record: its own, and any stray ones for a record that is not in the log.
      const indexed: string[] = [];
      let stray: number | null = null;
      while (!nextPatient.done && nextPatient.value.seq <= row.seq) {
        if (nextPatient.value.seq < row.seq) stray ??= nextPatient.value.seq;
        else indexed.push(nextPatient.value.tag);
        nextPatient = patientRows.next();
      }
      let rec: AuditRecord | null = null;
      try {
        rec = toRecord(row);
      } catch {
        fail(row.seq, `record ${row.seq} is unreadable`);
      }
      // The chain first (a deleted record is reported at the record after the gap), then the search index.
      if (rec) {
        if (row.seq !== prevSeq + 1) {
          fail(row.seq, prevSeq === 0 ? `the log starts at record ${row.seq}, not 1` : `record ${prevSeq + 1} is missing (${prevSeq} is followed by ${row.seq})`);
        } else if (rec.prevHash !== prevHash) {
          fail(row.seq, `record ${row.seq} does not link to ${prevSeq === 0 ? 'the genesis hash' : `record ${prevSeq}`}`);
        } else if (auditRecordHash(rec) !== rec.hash) {
          fail(row.seq, `record ${row.seq} does not match its hash (contents changed)`);
        } else if (stray !== null) {
          fail(stray, `patient index has rows for record ${stray}, which is not in the log`);
        } else if ([...rec.patients].sort().join('\n') !== indexed.sort().join('\n')) {
          fail(row.seq, `patient index of record ${row.seq} does not match the record`);
        }
      }
    }
    prevSeq = row.seq;
    prevHash = row.hash;
  }
  if (brokenAt === null && !nextPatient.done) {
    fail(nextPatient.value.seq, `patient index has rows for record ${nextPatient.value.seq}, which is not in the log`);
  }
  return { ok: brokenAt === null, records, brokenAt, problem, headHash };
}
