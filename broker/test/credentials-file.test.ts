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
    // A firmware client id that is another gateway's id would let the first to connect lock the other out.
    const gw = (username: string, principal: object) => ({ username, passwordHash: 'scrypt$1$1$1$a$b', principal });
    const clash = [gw('gw-1', { kind: 'gateway', gatewayId: 'gw-1' }), gw('gw-2', { kind: 'gateway', gatewayId: 'gw-2', clientIds: ['MAC-2', 'gw-1'] })];
    expect(() => loadCredentialsFile(write('clash.json', clash))).toThrow(/\[1\]\.principal\.clientIds\[1\]: client id "gw-1" already belongs to gateway gw-1/);
    const shared = [gw('gw-1', { kind: 'gateway', gatewayId: 'gw-1', clientIds: ['MAC'] }), gw('gw-2', { kind: 'gateway', gatewayId: 'gw-2', clientIds: ['MAC'] })];
    expect(() => loadCredentialsFile(write('shared.json', shared))).toThrow(/client id "MAC" already belongs to gateway gw-1/);
    const fine = [gw('gw-1', { kind: 'gateway', gatewayId: 'gw-1', clientIds: ['gw-1', 'MAC-1'] }), gw('gw-2', { kind: 'gateway', gatewayId: 'gw-2', clientIds: ['MAC-2'] })];
    expect(loadCredentialsFile(write('fine.json', fine))).toHaveLength(2);
  });
});
