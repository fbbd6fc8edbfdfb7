/**
 * Credentials for the standalone broker: a JSON file `[{ "username", "passwordHash", "principal" }]` where
 * passwordHash is a `hashSecret` string from @rtls/protocol/node (scrypt; the plain password is never stored).
 * In the demo the locator's registry plays this role and wires its own Authenticator.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeZodError } from '@rtls/protocol';
import { hashSecret, verifySecret } from '@rtls/protocol/node';
import { PrincipalSchema, type Authenticator } from './acl.ts';

export const CredentialSchema = z.strictObject({
  username: z.string().min(1).max(256),
  passwordHash: z.string().startsWith('scrypt$', 'must be a hashSecret() string (scrypt$N$r$p$salt$hash)'),
  principal: PrincipalSchema,
});
export type Credential = z.infer<typeof CredentialSchema>;

export const CredentialsFileSchema = z.array(CredentialSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((c, i) => {
    if (seen.has(c.username)) ctx.addIssue({ code: 'custom', path: [i, 'username'], message: `duplicate username ${JSON.stringify(c.username)}` });
    seen.add(c.username);
  });
  // A gateway's extra firmware client ids must not be another gateway's id or extra id: the first to connect would
  // hold it and lock the other out (the broker refuses a takeover across identities).
  const owner = new Map<string, string>();
  for (const c of list) if (c.principal.kind === 'gateway') owner.set(c.principal.gatewayId, c.principal.gatewayId);
  list.forEach((c, i) => {
    if (c.principal.kind !== 'gateway') return;
    const gw = c.principal.gatewayId;
    (c.principal.clientIds ?? []).forEach((id, k) => {
      const other = owner.get(id);
      if (other !== undefined && other !== gw) {
        ctx.addIssue({ code: 'custom', path: [i, 'principal', 'clientIds', k], message: `client id ${JSON.stringify(id)} already belongs to gateway ${other}` });
      } else {
        owner.set(id, gw);
      }
    });
  });
});

/** Reads and validates a credentials file; the error names the file and the bad field (never a hash). */
export function loadCredentialsFile(file: string): Credential[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read credentials file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const r = CredentialsFileSchema.safeParse(json);
  if (!r.success) throw new Error(`invalid credentials file ${file}: ${describeZodError(r.error).join('; ')}`);
  return r.data;
}

/**
 * An Authenticator over a credentials list. An unknown username still costs one scrypt verification (against a
 * throw-away hash), so response time does not reveal which usernames exist.
 */
export async function credentialsAuthenticator(credentials: readonly Credential[]): Promise<Authenticator> {
  const byUsername = new Map(credentials.map((c) => [c.username, c]));
  const decoyHash = await hashSecret('decoy-password-never-issued');
  return async (username, password) => {
    const entry = byUsername.get(username);
    const ok = await verifySecret(password, entry?.passwordHash ?? decoyHash);
    return entry && ok ? entry.principal : null;
  };
}
