/**
 * Patients bound to tags (issue #6 item 3), in the registry database. The identity (MRN, name, birth date) is
 * sealed with AES-256-GCM (patient-crypto.ts) bound to the tag id; unit, pseudonym and category are not identity and
 * stay in clear so scoping and the map work without decrypting. Enrolments are never deleted: ending one keeps the
 * row (with ended_at), so an audit record naming a tag can be traced to the patient who wore it at that time.
 *
 * Decrypted identities are cached in memory for the current enrolments only (name search and the live map need
 * them on every call); they never leave the process except through the API's role checks.
 */
import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { RtlsError, type Clock, type Patient, type PatientIdentity } from '@rtls/protocol';
import { REGISTRY_DB_FILE } from '../registry/sqlite-registry.ts';
import type { PatientKeyRing } from './patient-crypto.ts';

export interface PatientBinding {
  tag: string;
  unit: string;
  pseudonym: string;
  category: string | null;
  enrolledAt: number;
}

export interface PatientEnrolment {
  tag: string;
  unit: string;
  pseudonym: string;
  category: string | null;
  identity: PatientIdentity;
}

export interface PatientStore {
  /** The current binding of a tag (no identity), or undefined. */
  binding(tag: string): PatientBinding | undefined;
  /** The current binding with identity (decrypted), or undefined. */
  patient(tag: string): Patient | undefined;
  /** Current patients whose name or MRN contains `q` (case-insensitive), at most `limit`. */
  search(q: string, limit: number): Patient[];
  all(): Patient[];
  /** Binds a tag to a patient; an existing binding of the tag ends first. Pseudonym containing the name or MRN → 400. */
  enrol(e: PatientEnrolment, by: string): Patient;
  /** Ends the tag's binding (discharge, band removed); false when none. */
  discharge(tag: string): boolean;
  /** Re-seals identities stored under an older key with the current one; returns how many. */
  rekey(): number;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS patients (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  tag             TEXT NOT NULL,
  unit            TEXT NOT NULL,
  pseudonym       TEXT NOT NULL,
  category        TEXT,
  identity_sealed TEXT NOT NULL,            -- AES-256-GCM, see patient-crypto.ts
  enrolled_at     INTEGER NOT NULL,
  enrolled_by     TEXT NOT NULL,
  ended_at        INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS patients_current ON patients(tag) WHERE ended_at IS NULL;
`;

interface Row {
  id: number;
  tag: string;
  unit: string;
  pseudonym: string;
  category: string | null;
  identity_sealed: string;
  enrolled_at: number;
}

/** A pseudonym that contains a name part (3+ letters) or the MRN would be identity in disguise. */
export function pseudonymProblem(pseudonym: string, identity: PatientIdentity): string | null {
  const p = pseudonym.toLowerCase();
  if (p.includes(identity.mrn.toLowerCase())) return 'pseudonym: must not contain the MRN';
  for (const part of identity.name.toLowerCase().split(/[^\p{L}]+/u)) {
    if (part.length >= 3 && p.includes(part)) return 'pseudonym: must not contain the patient\'s name';
  }
  return null;
}

export function openPatientStore(dataDir: string, ring: PatientKeyRing, clock: Clock): PatientStore {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, REGISTRY_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const q = {
    current: db.prepare<[], Row>('SELECT * FROM patients WHERE ended_at IS NULL ORDER BY tag'),
    end: db.prepare('UPDATE patients SET ended_at = ? WHERE tag = ? AND ended_at IS NULL'),
    insert: db.prepare(`INSERT INTO patients (tag, unit, pseudonym, category, identity_sealed, enrolled_at, enrolled_by)
      VALUES (@tag, @unit, @pseudonym, @category, @sealed, @now, @by)`),
    all: db.prepare<[], { id: number; tag: string; identity_sealed: string }>('SELECT id, tag, identity_sealed FROM patients'),
    reseal: db.prepare('UPDATE patients SET identity_sealed = ? WHERE id = ?'),
  };

  let cache = new Map<string, Patient>();
  const load = () => {
    const next = new Map<string, Patient>();
    for (const r of q.current.all()) {
      const identity = JSON.parse(ring.open(r.identity_sealed, r.tag)) as PatientIdentity;
      next.set(r.tag, { tag: r.tag, unit: r.unit, pseudonym: r.pseudonym, category: r.category, identity, enrolledAt: r.enrolled_at });
    }
    cache = next;
  };
  load();

  const enrolTx = db.transaction((e: PatientEnrolment, by: string, now: number) => {
    q.end.run(now, e.tag);
    q.insert.run({
      tag: e.tag, unit: e.unit, pseudonym: e.pseudonym, category: e.category,
      sealed: ring.seal(JSON.stringify(e.identity), e.tag), now, by,
    });
  });

  return {
    binding(tag) {
      const p = cache.get(tag);
      return p ? { tag: p.tag, unit: p.unit, pseudonym: p.pseudonym, category: p.category, enrolledAt: p.enrolledAt } : undefined;
    },
    patient: (tag) => cache.get(tag),
    search(text, limit) {
      const needle = text.trim().toLowerCase();
      const out: Patient[] = [];
      for (const p of cache.values()) {
        if (p.identity.name.toLowerCase().includes(needle) || p.identity.mrn.toLowerCase().includes(needle)) out.push(p);
        if (out.length >= limit) break;
      }
      return out;
    },
    all: () => [...cache.values()],
    enrol(e, by) {
      const problem = pseudonymProblem(e.pseudonym, e.identity);
      if (problem) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [problem]);
      enrolTx(e, by, clock());
      load();
      return cache.get(e.tag)!;
    },
    discharge(tag) {
      const ended = q.end.run(clock(), tag).changes > 0;
      if (ended) load();
      return ended;
    },
    rekey() {
      let n = 0;
      db.transaction(() => {
        for (const r of q.all.all()) {
          if (!ring.isStale(r.identity_sealed)) continue;
          q.reseal.run(ring.seal(ring.open(r.identity_sealed, r.tag), r.tag), r.id);
          n++;
        }
      })();
      return n;
    },
    close: () => db.close(),
  };
}
