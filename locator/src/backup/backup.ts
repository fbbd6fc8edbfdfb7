/**
 * Backups of the embedded databases (issue #5 item 6): `rtls backup <file>` / `rtls restore <file>`, and scheduled
 * backups by the service. Each database is copied with SQLite's online backup API (better-sqlite3 `backup()`), which
 * gives a consistent snapshot while the service keeps writing; the copies go into one POSIX tar (ustar) file with a
 * manifest, so a backup is one file an operator can move, list with `tar tf` and unpack by hand in an emergency.
 *
 * Restore cannot tell whether a service still has the databases open, so it refuses when they exist unless `force`
 * is given, and then moves them aside (`*.before-restore-<time>`) rather than deleting them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readTar, writeTar, type TarEntry } from './tar.ts';

/**
 * The databases a backup holds, by file name in RTLS_DATA_DIR: the registry (with users and sealed patient
 * identities), the embedded history, and the audit log (issue #6). The patient identity key is deliberately not in
 * the backup: a stolen backup file then holds no readable names. Keep RTLS_PATIENT_KEYS backed up apart from it.
 */
export const BACKUP_DATABASES = ['registry.db', 'history.db', 'audit.db'] as const;
const MANIFEST = 'manifest.json';

export interface BackupManifest {
  format: 'rtls-backup-1';
  createdAt: number;
  files: { name: string; bytes: number; sha256: string }[];
}

/** Writes a consistent backup of the data directory's databases to `file` (atomically: temp file, then rename). */
export async function backupDataDir(dataDir: string, file: string, now: number): Promise<BackupManifest> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtls-backup-'));
  try {
    const entries: TarEntry[] = [];
    const files: BackupManifest['files'] = [];
    for (const name of BACKUP_DATABASES) {
      const src = path.join(dataDir, name);
      if (!fs.existsSync(src)) continue;
      const db = new Database(src, { readonly: true, fileMustExist: true });
      try {
        await db.backup(path.join(tmp, name));
      } finally {
        db.close();
      }
      const data = fs.readFileSync(path.join(tmp, name));
      files.push({ name, bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') });
      entries.push({ name, data, mtimeMs: now });
    }
    if (files.length === 0) throw new Error(`no databases in ${dataDir} (expected ${BACKUP_DATABASES.join(', ')})`);
    const manifest: BackupManifest = { format: 'rtls-backup-1', createdAt: now, files };
    entries.unshift({ name: MANIFEST, data: Buffer.from(JSON.stringify(manifest, null, 2)), mtimeMs: now });
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const partial = `${file}.partial`;
    // Owner-only: the file holds password hashes, sealed patient identities and the audit log.
    fs.writeFileSync(partial, writeTar(entries), { mode: 0o600 });
    fs.renameSync(partial, file);
    return manifest;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Reads and verifies a backup file (manifest, checksums, each database opens and passes quick_check). */
export function readBackup(file: string): { manifest: BackupManifest; files: Map<string, Buffer> } {
  const entries = readTar(fs.readFileSync(file));
  const byName = new Map(entries.map((e) => [e.name, e.data]));
  const m = byName.get(MANIFEST);
  if (!m) throw new Error(`${file}: not an RTLS backup (no ${MANIFEST})`);
  const manifest = JSON.parse(m.toString('utf8')) as BackupManifest;
  if (manifest.format !== 'rtls-backup-1') throw new Error(`${file}: unknown backup format ${JSON.stringify(manifest.format)}`);
  const files = new Map<string, Buffer>();
  for (const f of manifest.files) {
    if (!(BACKUP_DATABASES as readonly string[]).includes(f.name)) throw new Error(`${file}: unexpected file ${JSON.stringify(f.name)}`);
    const data = byName.get(f.name);
    if (!data) throw new Error(`${file}: ${f.name} listed but missing`);
    if (createHash('sha256').update(data).digest('hex') !== f.sha256) throw new Error(`${file}: ${f.name} is corrupt (checksum)`);
    files.set(f.name, data);
  }
  return { manifest, files };
}

/**
 * Restores a backup into `dataDir`. The service must be stopped. Existing databases (and their -wal/-shm) are moved
 * aside unless absent; without `force` an existing database is an error, so a restore never overwrites by accident.
 */
export function restoreDataDir(file: string, dataDir: string, opts: { force?: boolean; now: number }): BackupManifest {
  const { manifest, files } = readBackup(file);
  fs.mkdirSync(dataDir, { recursive: true });
  const existing = [...files.keys()].filter((n) => fs.existsSync(path.join(dataDir, n)));
  if (existing.length && !opts.force) {
    throw new Error(`${dataDir} already has ${existing.join(', ')}; stop the service and pass --force (they are moved aside, not deleted)`);
  }
  for (const name of files.keys()) {
    for (const suffix of ['', '-wal', '-shm']) {
      const p = path.join(dataDir, name + suffix);
      if (fs.existsSync(p)) fs.renameSync(p, `${p}.before-restore-${opts.now}`);
    }
  }
  for (const [name, data] of files) {
    const dest = path.join(dataDir, name);
    fs.writeFileSync(`${dest}.partial`, data);
    const db = new Database(`${dest}.partial`, { fileMustExist: true });
    try {
      const r = db.pragma('quick_check', { simple: true });
      if (r !== 'ok') throw new Error(`${name}: quick_check says ${String(r)}`);
    } finally {
      db.close();
    }
    fs.renameSync(`${dest}.partial`, dest);
  }
  return manifest;
}

/** Keeps the newest `keep` backups named rtls-backup-*.tar in `dir`, deleting older ones. Returns those deleted. */
export function pruneBackups(dir: string, keep: number): string[] {
  if (!fs.existsSync(dir)) return [];
  const all = fs.readdirSync(dir).filter((n) => /^rtls-backup-\d+\.tar$/.test(n)).sort();
  const gone = all.slice(0, Math.max(0, all.length - keep));
  for (const n of gone) fs.rmSync(path.join(dir, n), { force: true });
  return gone;
}

/** The file name of a scheduled backup taken at `now` (sortable). */
export const scheduledBackupName = (now: number): string => `rtls-backup-${new Date(now).toISOString().replace(/\D/g, '').slice(0, 14)}.tar`;
