import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Secrets (gateway MQTT passwords now, user passwords in issue #6) are stored only as scrypt hashes:
 *   scrypt$N$r$p$<salt b64>$<hash b64>
 * Cost N=2^14, r=8, p=1 (OWASP's scrypt minimum is N=2^17 for user passwords; gateway passwords are 24 random
 * bytes, so brute force is not the threat and a cheaper N keeps broker CONNECT fast). Parameters are stored with
 * the hash so they can be raised later without invalidating existing hashes.
 */
const N = 1 << 14;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, KEYLEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((v) => Number.isInteger(v) && v > 0)) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  const key = await scrypt(secret, salt, expected.length, { N: n, r, p, maxmem: 256 * 1024 * 1024 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A random password safe to put in a shell command line: 24 bytes, base64url (32 chars). */
export function generateSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
