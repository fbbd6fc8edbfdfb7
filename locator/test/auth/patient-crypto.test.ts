/**
 * Patient identity at rest (issue #6 item 4): AES-256-GCM seal/open, tamper and wrong-row detection, key rotation
 * (old key still opens, stale values re-sealed by rekey), and that the registry file never holds an identity in clear.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createPatientKeyRing, loadPatientKeyRing, parsePatientKeys, PATIENT_KEYS_FILE, type PatientKey } from '../../src/auth/patient-crypto.ts';
import { openPatientStore, pseudonymProblem } from '../../src/auth/patient-store.ts';
import { REGISTRY_DB_FILE } from '../../src/registry/sqlite-registry.ts';
import { bleTag, rmDir, tmpDir } from '../io/helpers.ts';

const key = (id: string): PatientKey => ({ id, key: randomBytes(32) });
const spec = (...keys: PatientKey[]) => keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');

/** Flips one character of the base64url part `i` (2 = iv, 3 = auth tag, 4 = ciphertext) of a sealed value. */
function flip(sealed: string, i: number): string {
  const parts = sealed.split('.');
  const p = parts[i]!;
  parts[i] = (p[0] === 'A' ? 'B' : 'A') + p.slice(1);
  return parts.join('.');
}

describe('patient key ring', () => {
  const k1 = key('k1');
  const ring = createPatientKeyRing([k1]);

  it('seal → open round-trips, with a fresh IV every time and nothing of the plain text in the sealed value', () => {
    const plain = JSON.stringify({ mrn: 'MRN-777', name: 'Xanthe Crypto-Test', birthDate: '1999-09-09' });
    const a = ring.seal(plain, 'ble:000000000001');
    const b = ring.seal(plain, 'ble:000000000001');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain('Xanthe');
    expect(Buffer.from(a.split('.')[4]!, 'base64url').toString('latin1')).not.toContain('Xanthe');
    expect(ring.open(a, 'ble:000000000001')).toBe(plain);
    expect(ring.open(b, 'ble:000000000001')).toBe(plain);
  });

  it('a changed ciphertext, IV or auth tag fails authentication instead of opening', () => {
    const sealed = ring.seal('{"name":"Tamper Target"}', 'ble:000000000002');
    for (const i of [2, 3, 4]) expect(() => ring.open(flip(sealed, i), 'ble:000000000002')).toThrow();
    expect(() => ring.open(sealed.replace(/^v1/, 'v2'), 'ble:000000000002')).toThrow(/not a sealed/);
    expect(() => ring.open(sealed.split('.').slice(0, 4).join('.'), 'ble:000000000002')).toThrow(/not a sealed/);
  });

  it('a value copied onto another row (other aad) fails', () => {
    const sealed = ring.seal('{"name":"Row Bound"}', 'ble:000000000003');
    expect(() => ring.open(sealed, 'ble:000000000004')).toThrow();
    expect(ring.open(sealed, 'ble:000000000003')).toBe('{"name":"Row Bound"}');
  });

  it('a value under a key that is not configured fails with a message naming the key id', () => {
    const other = createPatientKeyRing([key('k9')]);
    expect(() => other.open(ring.seal('x', 'a'), 'a')).toThrow(/k1 is not configured/);
  });

  it('rotation: new key first, old after it — old values still open and are stale, new ones are not', () => {
    const k2 = key('k2');
    const rotated = createPatientKeyRing([k2, k1]);
    const old = ring.seal('old identity', 'tag');
    expect(rotated.currentKeyId).toBe('k2');
    expect(rotated.open(old, 'tag')).toBe('old identity');
    expect(rotated.isStale(old)).toBe(true);
    const fresh = rotated.seal('new identity', 'tag');
    expect(fresh.split('.')[1]).toBe('k2');
    expect(rotated.isStale(fresh)).toBe(false);
    // The old ring cannot read what the new key sealed.
    expect(() => ring.open(fresh, 'tag')).toThrow(/k2 is not configured/);
  });

  it('parsePatientKeys rejects short keys, bad ids and duplicates', () => {
    expect(parsePatientKeys(spec(k1)).map((k) => k.id)).toEqual(['k1']);
    expect(() => parsePatientKeys(`k1:${randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parsePatientKeys(`bad id:${randomBytes(32).toString('base64')}`)).toThrow(/key ids/);
    expect(() => parsePatientKeys(`${spec(k1)},${spec(k1)}`)).toThrow(/unique/);
    expect(() => createPatientKeyRing([])).toThrow();
  });
});

describe('PatientStore at rest', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmDir(d);
  });
  const T = 1_760_000_000_000;
  const TAG_A = bleTag(0xc0000000001);
  const TAG_B = bleTag(0xc0000000002);
  const NAME_A = 'Zebedee Restingplace-Test';
  const MRN_A = 'MRN-REST-918273';

  /** Every byte of the registry database files (main file and write-ahead log). */
  function rawBytes(dir: string): string {
    return ['', '-wal', '-shm']
      .map((s) => path.join(dir, REGISTRY_DB_FILE + s))
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f).toString('latin1'))
      .join('\n');
  }
  function sealedRows(dir: string): { tag: string; identity_sealed: string }[] {
    const db = new Database(path.join(dir, REGISTRY_DB_FILE), { readonly: true });
    try {
      return db.prepare<[], { tag: string; identity_sealed: string }>('SELECT tag, identity_sealed FROM patients ORDER BY id').all();
    } finally {
      db.close();
    }
  }

  it('identity is never readable in the raw registry bytes; rekey re-seals every row under the new key', () => {
    const dir = tmpDir('rtls-patients-');
    dirs.push(dir);
    const k1 = key('k1');
    const k2 = key('k2');
    let store = openPatientStore(dir, createPatientKeyRing([k1]), () => T);
    store.enrol({ tag: TAG_A, unit: 'icu', pseudonym: 'Bed 1', category: null, identity: { mrn: MRN_A, name: NAME_A, birthDate: '1944-04-04' } }, 'test');
    store.enrol({ tag: TAG_B, unit: 'maternity', pseudonym: 'Infant 3', category: 'infant', identity: { mrn: 'MRN-REST-000002', name: 'Baby Quimby-Test', birthDate: null } }, 'test');
    // An ended enrolment keeps its (sealed) row.
    store.enrol({ tag: TAG_B, unit: 'maternity', pseudonym: 'Infant 4', category: 'infant', identity: { mrn: 'MRN-REST-000003', name: 'Baby Rutherfordia-Test', birthDate: null } }, 'test');
    expect(store.patient(TAG_A)!.identity.name).toBe(NAME_A);
    let raw = rawBytes(dir);
    for (const secret of [NAME_A, MRN_A, 'Zebedee', 'Quimby', 'Rutherfordia', '1944-04-04']) expect(raw).not.toContain(secret);
    expect(raw).toContain('Bed 1'); // the pseudonym is not identity and stays in clear: the search above did look
    store.close();

    // Rotation: k2 first, k1 kept to open old rows.
    store = openPatientStore(dir, createPatientKeyRing([k2, k1]), () => T);
    expect(store.patient(TAG_A)!.identity).toEqual({ mrn: MRN_A, name: NAME_A, birthDate: '1944-04-04' });
    expect(sealedRows(dir).every((r) => r.identity_sealed.startsWith('v1.k1.'))).toBe(true);
    expect(store.rekey()).toBe(3);
    expect(store.rekey()).toBe(0);
    const rows = sealedRows(dir);
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.identity_sealed.startsWith('v1.k2.')).toBe(true);
      expect(r.identity_sealed).not.toContain('.k1.');
    }
    store.close();
    raw = rawBytes(dir);
    for (const secret of [NAME_A, MRN_A, 'Rutherfordia']) expect(raw).not.toContain(secret);

    // The old key can be dropped now: k2 alone opens everything, k1 alone nothing.
    store = openPatientStore(dir, createPatientKeyRing([k2]), () => T);
    expect(store.patient(TAG_A)!.identity.name).toBe(NAME_A);
    expect(store.patient(TAG_B)!.identity.name).toBe('Baby Rutherfordia-Test');
    store.close();
    expect(() => openPatientStore(dir, createPatientKeyRing([k1]), () => T)).toThrow(/k2 is not configured/);
  });

  it('a sealed identity copied onto another patient\'s row does not open (bound to its tag)', () => {
    const dir = tmpDir('rtls-patients-');
    dirs.push(dir);
    const ring = createPatientKeyRing([key('k1')]);
    const store = openPatientStore(dir, ring, () => T);
    store.enrol({ tag: TAG_A, unit: 'icu', pseudonym: 'Bed 1', category: null, identity: { mrn: 'M1', name: 'Aaa Bbb', birthDate: null } }, 'test');
    store.enrol({ tag: TAG_B, unit: 'icu', pseudonym: 'Bed 2', category: null, identity: { mrn: 'M2', name: 'Ccc Ddd', birthDate: null } }, 'test');
    store.close();
    const db = new Database(path.join(dir, REGISTRY_DB_FILE));
    db.prepare('UPDATE patients SET identity_sealed = (SELECT identity_sealed FROM patients WHERE tag = ?) WHERE tag = ?').run(TAG_A, TAG_B);
    db.close();
    expect(() => openPatientStore(dir, ring, () => T)).toThrow();
  });

  it('loadPatientKeyRing generates a 0600 key file on first use and reuses it', () => {
    const dir = tmpDir('rtls-patients-');
    dirs.push(dir);
    const first = loadPatientKeyRing({ keys: null, keysFile: null, dataDir: dir });
    expect(first.generated).toBe(true);
    const file = path.join(dir, PATIENT_KEYS_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const again = loadPatientKeyRing({ keys: null, keysFile: null, dataDir: dir });
    expect(again.generated).toBe(false);
    expect(again.ring.open(first.ring.seal('same key', 't'), 't')).toBe('same key');
    // Configured keys win over the file.
    const k = key('prod1');
    expect(loadPatientKeyRing({ keys: spec(k), keysFile: null, dataDir: dir }).ring.currentKeyId).toBe('prod1');
  });
});

describe('pseudonymProblem', () => {
  const identity = { mrn: 'MRN-4711', name: "Jo O'Brien-Vasquez", birthDate: null };
  it('refuses a pseudonym holding the MRN or a name part of 3+ letters, case-insensitively', () => {
    expect(pseudonymProblem('Bed mrn-4711', identity)).toMatch(/MRN/);
    expect(pseudonymProblem('VASQUEZ bed 3', identity)).toMatch(/name/);
    expect(pseudonymProblem('brien', identity)).toMatch(/name/);
  });
  it('accepts a label without them (name parts under 3 letters are too common to judge)', () => {
    expect(pseudonymProblem('Bed 3', identity)).toBeNull();
    expect(pseudonymProblem('Jo-Bed', identity)).toBeNull(); // "jo" alone is too short to count
    expect(pseudonymProblem('Infant 07', { mrn: '7', name: 'Baby Infant', birthDate: null })).toMatch(/MRN|name/);
  });
});
