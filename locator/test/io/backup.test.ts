/**
 * Backups (issue #5 item 6): an online backup taken while the store is being written is consistent and restores to
 * exactly the data it saw; the file is a real tar; corruption is detected; the CLI does it as README says.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { backupDataDir, pruneBackups, readBackup, restoreDataDir, scheduledBackupName } from '../../src/backup/backup.ts';
import { readTar, writeTar } from '../../src/backup/tar.ts';
import { openRegistry } from '../../src/registry/sqlite-registry.ts';
import { fixtureSite } from './fixture-site.ts';
import { T0, bleTag, makeFix, rmDir, tmpDir } from './helpers.ts';
import { openSqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dirs: string[] = [];
const dir = () => {
  const d = tmpDir();
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(rmDir));

const countFixes = async (dataDir: string, tag: string) => {
  const store = openSqliteHistoryStore(dataDir);
  try {
    return (await store.trail(tag, 0, Number.MAX_SAFE_INTEGER, 1_000_000)).length;
  } finally {
    await store.close();
  }
};

describe('backups', () => {
  it('tar files round-trip and the system tar reads them', () => {
    const d = dir();
    const entries = [
      { name: 'manifest.json', data: Buffer.from('{"a":1}'), mtimeMs: T0 },
      { name: 'x.db', data: Buffer.alloc(1300, 7), mtimeMs: T0 },
      { name: 'empty', data: Buffer.alloc(0), mtimeMs: T0 },
    ];
    const buf = writeTar(entries);
    expect(buf.byteLength % 512).toBe(0);
    expect(readTar(buf).map((e) => [e.name, e.data.byteLength])).toEqual([['manifest.json', 7], ['x.db', 1300], ['empty', 0]]);
    fs.writeFileSync(path.join(d, 'b.tar'), buf);
    const r = spawnSync('tar', ['tf', path.join(d, 'b.tar')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['manifest.json', 'x.db', 'empty']);
    const bad = Buffer.from(buf);
    bad[10] = 65;
    expect(() => readTar(bad)).toThrow(/checksum/);
  });

  it('an online backup during writes restores exactly what it contained; a corrupt file is refused', async () => {
    const data = dir();
    const registry = openRegistry(data);
    registry.syncGatewaysFromSite(fixtureSite());
    const gateways = registry.listGateways().length;
    registry.close();
    const store = openSqliteHistoryStore(data);
    const tag = bleTag(0xabc001);
    for (let i = 0; i < 5000; i++) store.appendFixes([makeFix(tag, T0 + i * 1000, 'L0', i % 20)]);
    await store.flush();
    // Keep writing while the backup runs: the snapshot is whatever was committed when it started or later, whole.
    let writing = true;
    let n = 5000;
    const writer = (async () => {
      while (writing) {
        store.appendFixes([makeFix(tag, T0 + n * 1000, 'L0', n % 20)]);
        n++;
        if (n % 100 === 0) await store.flush();
        await new Promise((r) => setImmediate(r));
      }
    })();
    const file = path.join(dir(), 'b', 'backup.tar');
    const manifest = await backupDataDir(data, file, T0);
    writing = false;
    await writer;
    await store.close();
    expect(manifest.files.map((f) => f.name).sort()).toEqual(['history.db', 'registry.db']);
    expect(fs.existsSync(`${file}.partial`)).toBe(false);

    const restored = dir();
    restoreDataDir(file, restored, { now: T0 });
    const got = await countFixes(restored, tag);
    expect(got).toBeGreaterThanOrEqual(5000);
    expect(got).toBeLessThanOrEqual(n);
    expect(got % 100 === 0 || got === 5000).toBe(true); // whole flushes only: the backup is consistent
    const reg = openRegistry(restored);
    expect(reg.listGateways()).toHaveLength(gateways);
    reg.close();

    // Restoring over existing databases needs --force and keeps the old ones aside.
    expect(() => restoreDataDir(file, restored, { now: T0 + 1 })).toThrow(/--force/);
    restoreDataDir(file, restored, { now: T0 + 1, force: true });
    expect(fs.readdirSync(restored).some((f) => f.startsWith('history.db.before-restore-'))).toBe(true);

    // A flipped byte in a database is caught by the checksum before anything is touched.
    const raw = fs.readFileSync(file);
    raw[raw.byteLength - 2048] = raw[raw.byteLength - 2048]! ^ 0xff;
    const corrupt = path.join(dir(), 'corrupt.tar');
    fs.writeFileSync(corrupt, raw);
    expect(() => readBackup(corrupt)).toThrow(/corrupt|checksum/);
  });

  it('keeps only the newest scheduled backups', () => {
    const d = dir();
    for (let h = 0; h < 5; h++) fs.writeFileSync(path.join(d, scheduledBackupName(T0 + h * 3_600_000)), 'x');
    fs.writeFileSync(path.join(d, 'other.tar'), 'x');
    expect(pruneBackups(d, 3)).toHaveLength(2);
    expect(fs.readdirSync(d).sort()).toEqual([...[2, 3, 4].map((h) => scheduledBackupName(T0 + h * 3_600_000)), 'other.tar'].sort());
  });

  it('the CLI backs up and restores as README says; usage errors exit 2', () => {
    const data = dir();
    const registry = openRegistry(data);
    registry.syncGatewaysFromSite(fixtureSite());
    registry.close();
    const file = path.join(dir(), 'cli.tar');
    const run = (dataDir: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'locator/src/cli/rtls.ts', ...args], {
      cwd: ROOT, env: { ...process.env, RTLS_DATA_DIR: dataDir, RTLS_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000,
    });
    const b = run(data, 'backup', file);
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ backup: file });
    const target = dir();
    const r = run(target, 'restore', file);
    expect(r.status, r.stderr).toBe(0);
    expect(new Database(path.join(target, 'registry.db'), { readonly: true }).prepare('SELECT count(*) AS n FROM gateways').get()).toEqual({ n: fixtureSite().floors.flatMap((f) => f.gateways).length });
    expect(run(target, 'restore', file).status).toBe(1); // exists, no --force
    expect(run(target, 'backup').status).toBe(2);
  });
});
