/**
 * Patient identity at rest (issue #6 item 4): AES-256-GCM with a key ring. A sealed value is
 *   v1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>
 * The key id travels with the value, so after a rotation old rows still open with the old key until `rekey` seals
 * them again under the current one. `aad` binds a value to its row (the tag id): a ciphertext copied onto another
 * patient's row fails authentication instead of showing the wrong name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface PatientKey {
  id: string;
  key: Buffer;
}

export interface PatientKeyRing {
  readonly currentKeyId: string;
  seal(plain: string, aad: string): string;
  /** Throws when the key is unknown or the value was altered (GCM authentication). */
  open(sealed: string, aad: string): string;
  /** Whether `sealed` is under an older key (a rotation is not finished until rekey has run). */
  isStale(sealed: string): boolean;
}

const IV_BYTES = 12; // the GCM nonce size NIST SP 800-38D recommends
const KEY_BYTES = 32;

/** `id:base64key[,id:base64key…]`, current key first. */
export function parsePatientKeys(spec: string): PatientKey[] {
  const keys = spec.split(',').map((part) => {
    const i = part.indexOf(':');
    const id = part.slice(0, i).trim();
    const key = Buffer.from(part.slice(i + 1).trim(), 'base64');
    if (i <= 0 || !/^[A-Za-z0-9_-]{1,16}$/.test(id)) throw new Error('patient key ids must be 1-16 chars of A-Z a-z 0-9 _ -');
    if (key.length !== KEY_BYTES) throw new Error(`patient key ${id} must be ${KEY_BYTES} bytes (base64 of 32 random bytes)`);
    return { id, key };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('patient key ids must be unique');
  return keys;
}

export function createPatientKeyRing(keys: readonly PatientKey[]): PatientKeyRing {
  if (keys.length === 0) throw new Error('at least one patient key is needed');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  const current = keys[0]!;
  return {
    currentKeyId: current.id,
    seal(plain, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed, aad) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1') throw new Error('not a sealed patient value');
      const key = byId.get(parts[1]!);
      if (!key) throw new Error(`patient key ${parts[1]} is not configured (RTLS_PATIENT_KEYS)`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2]!, 'base64url'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(parts[3]!, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(parts[4]!, 'base64url')), decipher.final()]).toString('utf8');
    },
    isStale(sealed) {
      return sealed.split('.')[1] !== current.id;
    },
  };
}

export const PATIENT_KEYS_FILE = 'patient-keys';

/**
 * The key ring from configuration: RTLS_PATIENT_KEYS, else RTLS_PATIENT_KEYS_FILE, else (a demo or first install)
 * a key generated into <dataDir>/patient-keys with mode 0600. `generated` tells the caller to warn: a key next to
 * the data it protects only guards against a copied database file, not a copied data directory.
 */
export function loadPatientKeyRing(opts: { keys: string | null; keysFile: string | null; dataDir: string }): { ring: PatientKeyRing; generated: boolean; source: string } {
  if (opts.keys) return { ring: createPatientKeyRing(parsePatientKeys(opts.keys)), generated: false, source: 'RTLS_PATIENT_KEYS' };
  if (opts.keysFile) {
    return { ring: createPatientKeyRing(parsePatientKeys(fs.readFileSync(opts.keysFile, 'utf8').trim())), generated: false, source: opts.keysFile };
  }
  const file = path.join(opts.dataDir, PATIENT_KEYS_FILE);
  let generated = false;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    fs.writeFileSync(file, `k1:${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    generated = true;
  }
  return { ring: createPatientKeyRing(parsePatientKeys(fs.readFileSync(file, 'utf8').trim())), generated, source: file };
}
