import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditQuerySchema, AuditRecordSchema, AuditVerifyResponseSchema, type AuditRecord } from '@rtls/protocol';
import {
  AUDIT_DB_FILE, AUDIT_LIMITS, GENESIS_HASH, auditRecordHash, openAuditLog, type AuditEntry, type AuditLog,
} from '../../src/audit/audit-log.ts';
import { T0, bleTag, rmDir, tmpDir } from '../io/helpers.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let dir: string;
let now: number;
const clock = () => now;
const opened: AuditLog[] = [];
function open(opts: { busyTimeoutMs?: number } = {}): AuditLog {
  const log = openAuditLog(dir, { clock, ...opts });
  opened.push(log);
  return log;
}
/** A second connection that bypasses the AuditLog API, as an attacker with the sqlite3 shell would. */
function rawDb(): Database.Database {
  return new Database(path.join(dir, AUDIT_DB_FILE));
}

const view = (actor: string, patients: string[], extra: Partial<AuditEntry> = {}): AuditEntry => ({
  actor, role: 'clinical', action: 'view-location', object: `tag:${patients[0] ?? 'none'}`, patients, source: '10.0.0.7', ...extra,
});

beforeEach(() => {
  dir = tmpDir('rtls-audit-');
  now = T0;
});
afterEach(() => {
  for (const l of opened.splice(0)) l.close();
  rmDir(dir);
});

/** Appends n varied records, one second apart. */
function fill(log: AuditLog, n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) {
    now += 1000;
    const patients = i % 3 === 0 ? [] : [bleTag(i % 40), bleTag((i * 7) % 40)];
    out.push(log.append(view(`user${i % 5}`, patients, { breakGlass: i % 11 === 0, detail: i % 2 ? null : `n=${i}` })));
  }
  return out;
}

describe('audit log: the hash chain', () => {
  it('5,000 appends chain from the genesis hash and verify ok; each hash recomputes from the record', () => {
    const log = open();
    const recs = fill(log, 5000);
    expect(recs.map((r) => r.seq)).toEqual(recs.map((_, i) => i + 1));
    expect(recs[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.prevHash).toBe(recs[i - 1]!.hash);
    for (const r of recs) {
      expect(AuditRecordSchema.parse(r)).toEqual(r);
      expect(auditRecordHash(r)).toBe(r.hash);
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    const v = AuditVerifyResponseSchema.parse(log.verify());
    expect(v).toEqual({ ok: true, records: 5000, brokenAt: null, problem: null, headHash: recs.at(-1)!.hash });
  });

  it('an empty log verifies ok with no head', () => {
    expect(open().verify()).toEqual({ ok: true, records: 0, brokenAt: null, problem: null, headHash: null });
  });

  it('a record edited behind the triggers\' back is reported at its seq', () => {
    const log = open();
    fill(log, 200);
    const db = rawDb();
    db.exec('DROP TRIGGER audit_records_no_update');
    db.prepare("UPDATE audit_records SET actor = 'someone-else' WHERE seq = 137").run();
    db.close();
    const v = log.verify();
    expect(v.ok).toBe(false);
    expect(v.brokenAt).toBe(137);
    expect(v.problem).toMatch(/hash/);
    expect(v.records).toBe(200);
  });

  it('an edit whose own hash is recomputed breaks the link of the next record', () => {
    const log = open();
    const recs = fill(log, 50);
    const forged = { ...recs[19]!, outcome: 'denied' as const };
    const db = rawDb();
    db.exec('DROP TRIGGER audit_records_no_update');
    db.prepare('UPDATE audit_records SET outcome = ?, hash = ? WHERE seq = 20').run(forged.outcome, auditRecordHash(forged));
    db.close();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 21 });
  });

  it('a deleted middle record is reported at the record after the gap (its patient rows gone too, or not)', () => {
    const log = open();
    const recs = fill(log, 100);
    expect(recs[41]!.patients.length).toBeGreaterThan(0); // seq 42 showed patients
    const db = rawDb();
    db.exec('DROP TRIGGER audit_records_no_delete; DROP TRIGGER audit_patients_no_delete');
    db.prepare('DELETE FROM audit_records WHERE seq = 42').run();
    db.close();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 43, records: 99, problem: expect.stringMatching(/record 42 is missing/) });
    const db2 = rawDb();
    db2.prepare('DELETE FROM audit_patients WHERE seq = 42').run();
    db2.close();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 43, records: 99 });
  });

  it('a deleted first record is reported', () => {
    const log = open();
    fill(log, 10);
    const db = rawDb();
    db.exec('DROP TRIGGER audit_records_no_delete');
    db.prepare('DELETE FROM audit_records WHERE seq = 1').run();
    db.close();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('a forged record inserted at the end (INSERT is allowed by SQL) does not verify', () => {
    const log = open();
    const recs = fill(log, 10);
    const db = rawDb();
    db.prepare(`INSERT INTO audit_records (seq, t, actor, role, action, object, patients, source, outcome, break_glass, detail, prev_hash, hash)
      VALUES (11, ?, 'mallory', 'admin', 'login', 'x', '[]', NULL, 'ok', 0, NULL, ?, ?)`).run(T0, recs[9]!.hash, 'f'.repeat(64));
    db.close();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 11 });
  });

  it('the patient search index is checked: a removed index row (hiding an access from a patient search) is reported', () => {
    const log = open();
    const recs = fill(log, 30);
    const target = recs.find((r) => r.seq > 10 && r.patients.length > 0)!;
    const db = rawDb();
    db.exec('DROP TRIGGER audit_patients_no_delete');
    db.prepare('DELETE FROM audit_patients WHERE seq = ? AND tag = ?').run(target.seq, target.patients[0]!);
    db.close();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: target.seq, problem: expect.stringMatching(/patient index/) });
  });

  it('index rows added for a record that did not show the patient, or for no record at all, are reported', () => {
    const log = open();
    const recs = fill(log, 20);
    const db = rawDb();
    db.prepare('INSERT INTO audit_patients (tag, seq) VALUES (?, ?)').run(bleTag(999), 20);
    db.close();
    expect(log.verify()).toMatchObject({ ok: false, brokenAt: 20, problem: expect.stringMatching(/patient index/) });
    expect(recs[19]!.patients).not.toContain(bleTag(999));

    const other = tmpDir('rtls-audit-');
    try {
      const log2 = openAuditLog(other, { clock });
      fill(log2, 5);
      const db2 = new Database(path.join(other, AUDIT_DB_FILE));
      db2.prepare('INSERT INTO audit_patients (tag, seq) VALUES (?, ?)').run(bleTag(999), 77);
      db2.close();
      expect(log2.verify()).toMatchObject({ ok: false, brokenAt: 77, problem: expect.stringMatching(/not in the log/) });
      log2.close();
    } finally {
      rmDir(other);
    }
  });

  it('a whole chain rewritten from an edit onwards verifies, but its head no longer matches an anchored head (the documented limit)', () => {
    const log = open();
    fill(log, 40);
    const anchored = log.verify();
    const db = rawDb();
    db.exec('DROP TRIGGER audit_records_no_update');
    const rows = db.prepare('SELECT * FROM audit_records ORDER BY seq').all() as Record<string, unknown>[];
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const rec = {
        seq: row.seq as number, t: row.t as number, actor: row.seq === 25 ? 'nobody' : row.actor as string,
        role: row.role as AuditRecord['role'], action: row.action as AuditRecord['action'], object: row.object as string,
        patients: JSON.parse(row.patients as string) as string[], source: row.source as string | null,
        outcome: row.outcome as AuditRecord['outcome'], breakGlass: row.break_glass === 1, detail: row.detail as string | null,
        prevHash: prev,
      };
      prev = auditRecordHash(rec);
      db.prepare('UPDATE audit_records SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(rec.actor, rec.prevHash, prev, rec.seq);
    }
    db.close();
    const v = log.verify();
    expect(v.ok).toBe(true);
    expect(v.records).toBe(anchored.records);
    expect(v.headHash).not.toBe(anchored.headHash);
  });
});

describe('audit log: append-only', () => {
  it('UPDATE and DELETE through SQL abort while the triggers are in place, on both tables', () => {
    const log = open();
    fill(log, 5);
    const db = rawDb();
    try {
      expect(() => db.prepare("UPDATE audit_records SET actor = 'x' WHERE seq = 2").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_records WHERE seq = 5').run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_records').run()).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE audit_patients SET tag = 'x'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_patients').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
    expect(log.verify()).toMatchObject({ ok: true, records: 5 });
  });

  it('reopening re-creates dropped triggers and continues the chain', () => {
    const first = open();
    const recs = fill(first, 3);
    first.close();
    const db = rawDb();
    db.exec('DROP TRIGGER audit_records_no_update');
    db.close();
    const again = open();
    const r = again.append(view('alice', []));
    expect(r.seq).toBe(4);
    expect(r.prevHash).toBe(recs[2]!.hash);
    const db2 = rawDb();
    expect(() => db2.prepare("UPDATE audit_records SET actor = 'x'").run()).toThrow(/append-only/);
    db2.close();
    expect(again.verify()).toMatchObject({ ok: true, records: 4 });
  });
});

describe('audit log: write failures throw, so the caller refuses the access', () => {
  it('append on a closed log throws', () => {
    const log = open();
    log.append(view('alice', [bleTag(1)]));
    log.close();
    expect(() => log.append(view('alice', [bleTag(1)]))).toThrow();
  });

  it('append while another process holds the write lock past the busy timeout throws; nothing half-written', () => {
    const log = open({ busyTimeoutMs: 50 });
    log.append(view('alice', [bleTag(1)]));
    const db = rawDb();
    db.exec('BEGIN IMMEDIATE');
    try {
      expect(() => log.append(view('alice', [bleTag(2)]))).toThrow(/locked|busy/i);
    } finally {
      db.exec('ROLLBACK');
      db.close();
    }
    const r = log.append(view('alice', [bleTag(3)]));
    expect(r.seq).toBe(2);
    expect(log.verify()).toMatchObject({ ok: true, records: 2 });
    expect(log.query({ patient: bleTag(2) })).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('append on a read-only file throws (not as root, who ignores file modes)', () => {
    open().append(view('alice', []));
    for (const l of opened.splice(0)) l.close();
    fs.chmodSync(path.join(dir, AUDIT_DB_FILE), 0o444);
    let log: AuditLog | null = null;
    try {
      log = openAuditLog(dir, { clock });
    } catch {
      return; // refusing to open is a refusal too
    }
    try {
      expect(() => log.append(view('alice', []))).toThrow();
    } finally {
      log.close();
    }
  });

  it('a data directory that cannot hold the file fails at open', () => {
    const notADir = path.join(dir, 'file');
    fs.writeFileSync(notADir, 'x');
    expect(() => openAuditLog(notADir, { clock })).toThrow();
  });

  it('a file that is not a database fails at open', () => {
    fs.writeFileSync(path.join(dir, AUDIT_DB_FILE), Buffer.alloc(8192, 0x41));
    expect(() => openAuditLog(dir, { clock })).toThrow();
  });
});

describe('audit log: concurrent writers', () => {
  it('two AuditLog instances on one file appending alternately form one chain', () => {
    const a = open();
    const b = open();
    for (let i = 0; i < 100; i++) {
      now += 10;
      (i % 2 ? b : a).append(view(i % 2 ? 'bob' : 'alice', [bleTag(i)]));
    }
    for (const log of [a, b]) expect(log.verify()).toMatchObject({ ok: true, records: 100 });
    const all = a.query({ limit: 1000 });
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 100 - i));
  });

  it('two processes appending at the same time form one chain', async () => {
    open().close(); // create the file first, as the service does at start
    const child = (actor: string) => new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'locator/test/audit/audit-append-child.ts'), dir, actor, '400'], {
        cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child ${actor} exited ${code}: ${err}`))));
    });
    const outs = await Promise.all([child('proc-a'), child('proc-b')]);
    expect(outs).toEqual(['done\n', 'done\n']);
    const log = open();
    expect(log.verify()).toMatchObject({ ok: true, records: 800 });
    expect(log.query({ actor: 'proc-a', limit: 1000 })).toHaveLength(400);
    expect(log.query({ actor: 'proc-b', limit: 1000 })).toHaveLength(400);
  });
});

describe('audit log: query', () => {
  it('filters by actor, action, patient, time, break-glass, before and limit; newest first', () => {
    const log = open();
    const recs = fill(log, 300);
    const check = (q: Parameters<AuditLog['query']>[0], pred: (r: AuditRecord) => boolean) => {
      const expected = recs.filter(pred).reverse().slice(0, q.limit ?? 200);
      expect(expected.length).toBeGreaterThan(0);
      expect(log.query(q)).toEqual(expected);
    };
    check({}, () => true);
    check({ actor: 'user3' }, (r) => r.actor === 'user3');
    check({ patient: bleTag(7) }, (r) => r.patients.includes(bleTag(7)));
    check({ from: T0 + 50_000, to: T0 + 90_000 }, (r) => r.t >= T0 + 50_000 && r.t <= T0 + 90_000);
    check({ breakGlass: 'true' }, (r) => r.breakGlass);
    check({ breakGlass: 'false', limit: 1000 }, (r) => !r.breakGlass);
    check({ before: 120, limit: 7 }, (r) => r.seq < 120);
    check({ actor: 'user4', patient: bleTag(14), limit: 1000 }, (r) => r.actor === 'user4' && r.patients.includes(bleTag(14)));
    check({ action: 'view-location', before: 10 }, (r) => r.seq < 10);
    expect(log.query({ action: 'export' })).toEqual([]);
    log.append({ actor: 'alice', role: 'security', action: 'export', object: 'csv:trail', patients: [bleTag(1)] });
    expect(log.query({ action: 'export' }).map((r) => r.actor)).toEqual(['alice']);
    expect(log.query({ limit: 5000 })).toHaveLength(301);
  });

  it('takes AuditQuerySchema\'s parsed output as it is (query strings coerced)', () => {
    const log = open();
    const recs = fill(log, 50);
    const q = AuditQuerySchema.parse({ actor: 'user2', before: '40', limit: '3', breakGlass: 'false' });
    expect(log.query(q)).toEqual(recs.filter((r) => r.actor === 'user2' && r.seq < 40 && !r.breakGlass).reverse().slice(0, 3));
  });

  it('caps the limit at 1000', () => {
    const log = open();
    fill(log, 1100);
    expect(log.query({ limit: 5000 })).toHaveLength(1000);
  });

  it('patientAccessTimes: the actor\'s ok records that showed patients, since the given time', () => {
    const log = open();
    const recs = fill(log, 60);
    log.append(view('user1', [bleTag(1)], { outcome: 'denied' }));
    const since = recs[20]!.t;
    const expected = recs.filter((r) => r.actor === 'user1' && r.patients.length > 0 && r.t >= since).map((r) => r.t);
    expect(expected.length).toBeGreaterThan(3);
    expect(log.patientAccessTimes('user1', since)).toEqual(expected);
    expect(log.patientAccessTimes('nobody', 0)).toEqual([]);
  });
});

describe('audit log: what is stored', () => {
  it('defaults, the injected clock and the role', () => {
    const log = open();
    now = T0 + 12_345;
    const r = log.append({ actor: 'sys', role: null, action: 'login-failed', object: 'user:sys' });
    expect(r).toMatchObject({ t: T0 + 12_345, role: null, patients: [], source: null, outcome: 'ok', breakGlass: false, detail: null });
  });

  it('long strings are truncated; patients de-duplicated and capped at 500 with a note in detail', () => {
    const log = open();
    const many = Array.from({ length: 600 }, (_, i) => bleTag(i));
    const r = log.append({
      actor: 'a'.repeat(1000), role: 'security', action: 'export', object: 'o'.repeat(5000), patients: [...many, ...many],
      source: 's'.repeat(1000), detail: 'd'.repeat(10_000),
    });
    expect(r.actor.length).toBe(AUDIT_LIMITS.actor);
    expect(r.object.length).toBe(AUDIT_LIMITS.object);
    expect(r.source!.length).toBe(AUDIT_LIMITS.source);
    expect(r.detail!.length).toBeLessThanOrEqual(AUDIT_LIMITS.detail);
    expect(r.detail).toContain('patients truncated: 500 of 600');
    expect(r.patients).toEqual(many.slice(0, 500));
    expect(log.query({ patient: bleTag(599) })).toEqual([]);
    expect(log.query({ patient: bleTag(499) })).toEqual([r]);
    const short = log.append({ actor: 'b', role: 'security', action: 'export', object: 'x', patients: many });
    expect(short.detail).toBe('patients truncated: 500 of 600 recorded');
    expect(log.verify()).toMatchObject({ ok: true, records: 2 });
  });

  it('strings SQLite would not store verbatim (lone surrogates, a surrogate pair cut by truncation, NUL) still verify', () => {
    const log = open();
    const r1 = log.append({ actor: 'x\uD800y', role: null, action: 'login-failed', object: `${'o'.repeat(198)}😀😀`, detail: 'a\u0000b' });
    const r2 = log.append({ actor: `${'e'.repeat(62)}😀`, role: null, action: 'login-failed', object: '\uDC00' });
    expect(r1.actor).toBe('x\uFFFDy');
    expect(r2.object).toBe('\uFFFD');
    expect(log.query({})).toEqual([r2, r1]);
    expect(log.verify()).toMatchObject({ ok: true, records: 2 });
  });
});
