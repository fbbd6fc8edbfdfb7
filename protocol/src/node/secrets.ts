import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Secrets (gateway MQTT passwords now, user passwords in issue #6) are stored only as scrypt hashes:
 *   scrypt$N$r$p$<salt b64>$<hash b64>
 * Parameters are stored with the hash, so the cost can be raised later without invalidating existing hashes.
 *
 * Two strengths:
 * - 'password' (people choose them): N=2^17, OWASP's scrypt minimum.
 * - 'random-token' (machine secrets from generateSecret: 192 random bits): N=2^10. Stretching protects guessable
 *   secrets; a 192-bit random one is out of reach of brute force at any cost, and the demo issues and verifies
 *   ~360 gateway passwords at start (at N=2^14 that alone took ~10 s on this 2-core machine).
 */
const COST = { password: 1 << 17, 'random-token': 1 << 10 } as const;
export type SecretStrength = keyof typeof COST;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashSecret(secret: string, strength: SecretStrength = 'password'): Promise<string> {
  const N = COST[strength];
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, KEYLEN, { N, r: R, p: P, maxmem: 256 * 1024 * 1024 });
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
