import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AuditRecordSchema, AuditVerifyResponseSchema, GatewayCredentialsSchema, gatewayReadsTopic } from '@rtls/protocol';
import { AUDIT_DB_FILE, openAuditLog } from '../../src/audit/audit-log.ts';
import { openRegistry } from '../../src/registry/sqlite-registry.ts';
import { rmDir, tmpDir } from './helpers.ts';
import { fixtureSite, writeFixtureSiteDir } from './fixture-site.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let dataDir: string;
let siteDir: string;
let gatewayId: string;

/**
 * Runs the CLI as a child process. The first credentials run goes through `npx tsx` exactly as an operator runs
 * it; the rest use `node --import tsx` (the same loader, without npm's ~2 s start-up on this shared machine).
 */
function rtls(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'locator/src/cli/rtls.ts', ...args]);
}
function rtlsViaNpx(...args: string[]) {
  return run('npx', ['tsx', 'locator/src/cli/rtls.ts', ...args]);
}
function run(cmd: string, argv: string[]) {
  const r = spawnSync(cmd, argv, {
    cwd: ROOT,
    env: { ...process.env, RTLS_DATA_DIR: dataDir, RTLS_SITE_DIR: siteDir, RTLS_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dataDir = tmpDir();
  siteDir = tmpDir();
  // On disk, so the CLI's own loadSite reads it: the registry starts empty and is synced from this site.
  writeFixtureSiteDir(siteDir);
  gatewayId = fixtureSite().floors.flatMap((f) => f.gateways)[0]!.properties.id;
});

afterAll(() => {
  rmDir(dataDir);
  rmDir(siteDir);
});

describe('rtls admin CLI (child process)', () => {
  it('gateway credentials <id> prints one JSON line whose password verifies against the registry', async () => {
    const r = rtlsViaNpx('gateway', 'credentials', gatewayId);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const creds = GatewayCredentialsSchema.parse(JSON.parse(lines[0]!));
    expect(creds.username).toBe(gatewayId);
    expect(creds.topic).toBe(gatewayReadsTopic(gatewayId));
    const reg = openRegistry(dataDir);
    try {
      expect(await reg.authenticateGateway(gatewayId, creds.password)).toBe(gatewayId);
      // A second run rotates: the first password stops working.
      const again = GatewayCredentialsSchema.parse(JSON.parse(rtls('gateway', 'credentials', gatewayId).stdout));
      expect(await reg.authenticateGateway(gatewayId, creds.password)).toBeNull();
      expect(await reg.authenticateGateway(gatewayId, again.password)).toBe(gatewayId);
    } finally {
      reg.close();
    }
  });

  it('unknown gateway → message on stderr, nothing on stdout, exit code 2', () => {
    const r = rtls('gateway', 'credentials', 'no-such-gateway');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no-such-gateway');
  });

  it('usage errors exit 2 with usage on stderr', () => {
    for (const args of [['frobnicate'], ['gateway', 'credentials']]) {
      const r = rtls(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('usage:');
    }
  });

  it('gateway list prints one JSON line per gateway', () => {
    const r = rtls('gateway', 'list');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; hasCredentials: boolean });
    expect(rows).toHaveLength(fixtureSite().floors.flatMap((f) => f.gateways).length);
    expect(rows.find((g) => g.id === gatewayId)!.hasCredentials).toBe(true);
    expect(new Set(rows.map((g) => g.id)).size).toBe(rows.length);
  });
});

describe('rtls audit (child process)', () => {
  /** Appends n records to the audit log in the CLI's data dir, as the service would; returns them. */
  function appendAudit(n: number) {
    const log = openAuditLog(dataDir);
    try {
      return Array.from({ length: n }, (_, i) =>
        log.append({ actor: `user${i % 3}`, role: 'clinical', action: 'view-location', object: `tag:${i}`, patients: [], source: '10.0.0.9' }));
    } finally {
      log.close();
    }
  }

  it('audit verify prints one AuditVerifyResult line and exits 0 on an intact chain', () => {
    const recs = appendAudit(30);
    const r = rtls('audit', 'verify');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const v = AuditVerifyResponseSchema.parse(JSON.parse(lines[0]!));
    expect(v).toMatchObject({ ok: true, brokenAt: null, problem: null, headHash: recs.at(-1)!.hash });
    expect(v.records).toBe(recs.at(-1)!.seq);
  });

  it('audit tail [n] prints the last n records oldest first, one JSON line each (default 20)', () => {
    const recs = appendAudit(25);
    const r = rtls('audit', 'tail', '4');
    expect(r.code).toBe(0);
    const got = r.stdout.trim().split('\n').map((l) => AuditRecordSchema.parse(JSON.parse(l)));
    expect(got).toEqual(recs.slice(-4));
    const d = rtls('audit', 'tail');
    expect(d.code).toBe(0);
    expect(d.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number }).map((x) => x.seq))
      .toEqual(recs.slice(-20).map((x) => x.seq));
    // More than one query page (1000 records): tail pages backwards.
    const many = appendAudit(1100);
    const big = rtls('audit', 'tail', '1050');
    expect(big.code).toBe(0);
    expect(big.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(many.slice(-1050).map((x) => x.seq));
  });

  it('audit usage errors exit 2 with usage on stderr', () => {
    for (const args of [['audit', 'frob'], ['audit', 'tail', '0'], ['audit', 'tail', '1', '2'], ['audit', 'verify', 'x']]) {
      const r = rtls(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage:');
      expect(r.stdout).toBe('');
    }
  });

  it('audit verify exits 3 and names the first broken record after a record was edited behind the triggers', () => {
    const recs = appendAudit(5);
    const target = recs[2]!.seq;
    const db = new Database(path.join(dataDir, AUDIT_DB_FILE));
    try {
      db.exec('DROP TRIGGER audit_records_no_update');
      db.prepare("UPDATE audit_records SET source = '192.0.2.1' WHERE seq = ?").run(target);
    } finally {
      db.close();
    }
    const r = rtls('audit', 'verify');
    expect(r.code).toBe(3);
    const v = AuditVerifyResponseSchema.parse(JSON.parse(r.stdout.trim()));
    expect(v).toMatchObject({ ok: false, brokenAt: target });
  });
});
