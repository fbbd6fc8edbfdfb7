import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret } from '@rtls/protocol/node';
import { credentialsAuthenticator, loadCredentialsFile } from '../src/credentials-file.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtls-broker-creds-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

describe('credentials file', () => {
  it('authenticates against scrypt hashes and resolves the principal', async () => {
    const file = write('ok.json', [
      { username: 'gw-a', passwordHash: await hashSecret('pw-a'), principal: { kind: 'gateway', gatewayId: 'gw-a' } },
    ]);
    const auth = await credentialsAuthenticator(loadCredentialsFile(file));
    expect(await auth('gw-a', 'pw-a')).toEqual({ kind: 'gateway', gatewayId: 'gw-a' });
    expect(await auth('gw-a', 'wrong')).toBeNull();
    expect(await auth('nobody', 'pw-a')).toBeNull();
  });

  it('rejects a bad file naming the file and the field', () => {
    const bad = write('bad.json', [{ username: 'gw/x', passwordHash: 'plain', principal: { kind: 'gateway', gatewayId: 'gw/x' } }]);
    expect(() => loadCredentialsFile(bad)).toThrow(/bad\.json.*\[0\]\.passwordHash.*\[0\]\.principal\.gatewayId/);
    expect(() => loadCredentialsFile(write('broken.json', '{'))).toThrow(/cannot read credentials file .*broken\.json/);
    const dup = { username: 'svc', passwordHash: 'scrypt$1$1$1$a$b', principal: { kind: 'service', name: 'locator' } };
    expect(() => loadCredentialsFile(write('dup.json', [dup, dup]))).toThrow(/\[1\]\.username: duplicate username/);
  });
});
