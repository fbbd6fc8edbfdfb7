/**
 * Admin command: `npm run rtls -- gateway credentials <gatewayId>` | `gateway list` | `backup <file>` | `restore <file>`
 * | `audit verify` | `audit tail [n]`.
 * Works on the registry in RTLS_DATA_DIR while the service runs (SQLite WAL + busy timeout). `credentials` prints
 * exactly one JSON line {username, password, topic} on stdout: the only place a password is ever shown.
 * `audit verify` walks the audit log's hash chain (issue #6 item 4) and prints one JSON line (AuditVerifyResult); compare
 * its headHash and record count with an anchored copy (the service logs them) to detect a rewritten chain.
 * Exit codes: 0 ok, 2 usage error or unknown gateway, 3 audit chain broken, 1 anything else.
 */
import { loadSite, type Site } from '@rtls/floorplans';
import { RtlsError, systemClock, type AuditRecord } from '@rtls/protocol';
import { openAuditLog } from '../audit/audit-log.ts';
import { backupDataDir, restoreDataDir } from '../backup/backup.ts';
import { loadLocatorConfig, type LocatorConfig } from '../config.ts';
import { openRegistry, type Registry } from '../registry/sqlite-registry.ts';
import { openUserStore } from '../auth/user-store.ts';
import { openPatientStore } from '../auth/patient-store.ts';
import { loadPatientKeyRing } from '../auth/patient-crypto.ts';

const USAGE = `usage: rtls gateway credentials <gatewayId>   issue new MQTT credentials (the old password stops working)
       rtls gateway list                        list registered gateways (one JSON line each)
       rtls backup <file>                       consistent online backup of registry and embedded history
       rtls restore <file> [--force]            restore a backup into RTLS_DATA_DIR (service stopped; --force moves
                                                existing databases aside)
       rtls audit verify                        check the audit log's hash chain (one JSON line; exit 3 when broken)
       rtls audit tail [n]                      the last n audit records, oldest first (one JSON line each; n default 20)
       rtls gateway revoke <gatewayId>          remove a gateway's MQTT credentials (the broker disconnects it within 60 s)
       rtls user reset-password <username>      a new one-time password (printed once; their sessions end); the way back in
                                                when the last admin password is lost
       rtls patients rekey                      re-seal patient identities under the current key (after a key rotation)`;

/** Exit code of `audit verify` when the chain does not check out. */
const EXIT_AUDIT_BROKEN = 3;
const DEFAULT_TAIL = 20;

class UsageError extends Error {}

async function siteFor(config: LocatorConfig): Promise<Site> {
  return loadSite(config.siteDir);
}

/** A fresh data dir has no gateways yet: take them from the floor plan, as the service does at start. */
async function ensureGateways(registry: Registry, config: LocatorConfig, force: boolean): Promise<void> {
  if (!force && registry.listGateways().length > 0) return;
  registry.syncGatewaysFromSite(await siteFor(config));
}

async function backupCommand(argv: string[], out: (line: string) => void): Promise<void> {
  const [cmd, file, ...flags] = argv;
  const force = flags.includes('--force');
  if (!file || flags.some((f) => f !== '--force') || (cmd === 'backup' && force)) throw new UsageError(USAGE);
  let config: LocatorConfig;
  try {
    config = loadLocatorConfig();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const m = cmd === 'backup'
    ? await backupDataDir(config.dataDir, file, systemClock())
    : restoreDataDir(file, config.dataDir, { force, now: systemClock() });
  out(JSON.stringify({ [cmd === 'backup' ? 'backup' : 'restored']: file, createdAt: new Date(m.createdAt).toISOString(), files: m.files.map((f) => ({ name: f.name, bytes: f.bytes })) }));
}

/** `audit verify` | `audit tail [n]`; returns the exit code. */
function auditCommand(argv: string[], out: (line: string) => void): number {
  const [, cmd, ...rest] = argv;
  const tailArg = cmd === 'tail' && rest.length <= 1 ? (rest[0] ?? String(DEFAULT_TAIL)) : null;
  if (!((cmd === 'verify' && rest.length === 0) || (tailArg !== null && /^[1-9]\d{0,6}$/.test(tailArg)))) throw new UsageError(USAGE);
  let config: LocatorConfig;
  try {
    config = loadLocatorConfig();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const log = openAuditLog(config.dataDir);
  try {
    if (cmd === 'verify') {
      const result = log.verify();
      out(JSON.stringify(result));
      return result.ok ? 0 : EXIT_AUDIT_BROKEN;
    }
    // Newest first from the log, a page at a time; printed oldest first, as tail(1) does.
    const want = Number(tailArg);
    const records: AuditRecord[] = [];
    while (records.length < want) {
      const page = log.query({ limit: want - records.length, before: records.at(-1)?.seq });
      if (page.length === 0) break;
      records.push(...page);
    }
    for (const r of records.reverse()) out(JSON.stringify(r));
    return 0;
  } finally {
    log.close();
  }
}

async function run(argv: string[], out: (line: string) => void): Promise<number | void> {
  if (argv[0] === 'backup' || argv[0] === 'restore') return backupCommand(argv, out);
  if (argv[0] === 'audit') return auditCommand(argv, out);
  if (argv[0] === 'user' || argv[0] === 'patients') return peopleCommand(argv, out);
  const [group, cmd, ...rest] = argv;
  if (group !== 'gateway' || (cmd !== 'credentials' && cmd !== 'list' && cmd !== 'revoke')) throw new UsageError(USAGE);
  let config: LocatorConfig;
  try {
    config = loadLocatorConfig();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const registry = openRegistry(config.dataDir, { defaultPathLoss: config.pipeline.pathLoss });
  try {
    if (cmd === 'list') {
      if (rest.length !== 0) throw new UsageError(USAGE);
      await ensureGateways(registry, config, false);
      for (const g of registry.listGateways()) {
        out(JSON.stringify({ id: g.id, tech: g.tech, format: g.format, floor: g.floor, x: g.x, y: g.y, room: g.room, topic: g.topic, hasCredentials: g.hasCredentials }));
      }
      return;
    }
    if (rest.length !== 1 || !rest[0]) throw new UsageError(USAGE);
    const id = rest[0];
    await ensureGateways(registry, config, false);
    if (!registry.listGateways().some((g) => g.id === id)) {
      // Perhaps the floor plan gained the gateway since the registry was last synced. If the site cannot be
      // loaded, the answer is still "unknown gateway".
      await ensureGateways(registry, config, true).catch(() => undefined);
    }
    if (cmd === 'revoke') {
      registry.revokeGatewayCredentials(id);
      auditCli(config, 'change-registry', `gateway:${id}`, 'credentials revoked (cli)');
      out(JSON.stringify({ revoked: id }));
      return;
    }
    const creds = await registry.issueGatewayCredentials(id);
    out(JSON.stringify({ username: creds.username, password: creds.password, topic: creds.topic }));
  } finally {
    registry.close();
  }
}

/** The CLI's changes are audited like the API's (actor "cli": whoever has a shell on the host). */
function auditCli(config: LocatorConfig, action: 'change-user' | 'change-registry', object: string, detail: string): void {
  const audit = openAuditLog(config.dataDir, { clock: systemClock });
  try {
    audit.append({ actor: 'cli', role: null, action, object, detail });
  } finally {
    audit.close();
  }
}

async function peopleCommand(argv: string[], out: (line: string) => void): Promise<void> {
  const [group, cmd, ...rest] = argv;
  let config: LocatorConfig;
  try {
    config = loadLocatorConfig();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (group === 'user' && cmd === 'reset-password' && rest.length === 1 && rest[0]) {
    const users = openUserStore(config.dataDir, systemClock);
    try {
      if (!users.get(rest[0])) throw new UsageError(`no user ${rest[0]}`);
      auditCli(config, 'change-user', `user:${rest[0]}`, 'password reset (cli)');
      const r = await users.resetPassword(rest[0]);
      out(JSON.stringify({ username: r.user.username, oneTimePassword: r.oneTimePassword }));
    } finally {
      users.close();
    }
    return;
  }
  if (group === 'patients' && cmd === 'rekey' && rest.length === 0) {
    const { ring } = loadPatientKeyRing({ keys: config.auth.patientKeys, keysFile: config.auth.patientKeysFile, dataDir: config.dataDir });
    const patients = openPatientStore(config.dataDir, ring, systemClock);
    try {
      out(JSON.stringify({ rekeyed: patients.rekey(), currentKey: ring.currentKeyId }));
    } finally {
      patients.close();
    }
    return;
  }
  throw new UsageError(USAGE);
}

run(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
  (code) => {
    process.exitCode = code ?? 0;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof RtlsError && err.code === 'RTLS_ERR_GATEWAY_NOT_FOUND') {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`rtls: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
