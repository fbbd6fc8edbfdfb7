/**
 * Opens everything access control needs in the data directory (users, patients, audit log, security alarms) and
 * creates the first admin on first start (issue #6 item 1): from RTLS_ADMIN_PASSWORD, or a one-time password the
 * host prints once (never logged) and the admin must change at first login. No default password exists anywhere.
 */
import type { Logger } from 'pino';
import type { Clock } from '@rtls/protocol';
import { openAuditLog } from '../audit/audit-log.ts';
import { UnusualAccessDetector } from '../audit/unusual-access.ts';
import type { AuthConfig } from './auth-config.ts';
import { createAccessService, type AccessService } from './access.ts';
import { LoginLimiter } from './login-limiter.ts';
import { loadPatientKeyRing } from './patient-crypto.ts';
import { openPatientStore, type PatientStore } from './patient-store.ts';
import { openSecurityAlarms } from './security-alarms.ts';
import { SessionStore } from './sessions.ts';
import { openUserStore } from './user-store.ts';

export interface OpenedAccess {
  access: AccessService;
  patients: PatientStore;
  /** Set on the start that created `admin` without RTLS_ADMIN_PASSWORD: the host shows it once. */
  adminOneTimePassword: string | null;
  close(): void;
}

export const ADMIN_USERNAME = 'admin';

export async function openAccess(opts: { auth: AuthConfig; dataDir: string; clock: Clock; logger: Logger }): Promise<OpenedAccess> {
  const { auth, dataDir, clock, logger } = opts;
  const users = openUserStore(dataDir, clock);
  const keys = loadPatientKeyRing({ keys: auth.patientKeys, keysFile: auth.patientKeysFile, dataDir });
  if (keys.generated) {
    logger.warn({ file: keys.source }, 'patient identity key generated next to the data: set RTLS_PATIENT_KEYS (or _FILE) from a secret store in production');
  }
  const patients = openPatientStore(dataDir, keys.ring, clock);
  const audit = openAuditLog(dataDir, { clock });
  const alarms = openSecurityAlarms(dataDir, clock);
  const detector = new UnusualAccessDetector(auth.unusualAccess, (actor, since) => audit.patientAccessTimes(actor, since));
  const sessions = new SessionStore({ idleMs: auth.sessionIdleMs, maxMs: auth.sessionMaxMs, clock });
  const limiter = new LoginLimiter(auth.login, clock);
  const access = await createAccessService({ users, sessions, limiter, patients, audit, detector, alarms, clock, logger });

  let adminOneTimePassword: string | null = null;
  if (users.count() === 0) {
    const r = await users.create({ username: ADMIN_USERNAME, displayName: 'Administrator', role: 'admin', units: [], password: auth.adminPassword });
    adminOneTimePassword = r.oneTimePassword;
    access.record(null, 'change-user', `user:${ADMIN_USERNAME}`, { actor: 'system', detail: auth.adminPassword ? 'first admin from RTLS_ADMIN_PASSWORD' : 'first admin with a one-time password' });
    logger.info({ username: ADMIN_USERNAME, from: auth.adminPassword ? 'RTLS_ADMIN_PASSWORD' : 'one-time password' }, 'first admin user created');
  }
  // The chain head, logged at start: an external copy of the logs anchors the audit chain (audit-log.ts).
  const head = audit.verify();
  if (head.ok) logger.info({ records: head.records, headHash: head.headHash }, 'audit log chain verified');
  else logger.error({ brokenAt: head.brokenAt, problem: head.problem }, 'AUDIT LOG CHAIN BROKEN: the log was altered; investigate before trusting it');

  const sweep = setInterval(() => sessions.sweep(), 60_000);
  sweep.unref();
  // And daily: the logs then hold a trail of head hashes an altered or truncated chain cannot match.
  const anchor = setInterval(() => {
    try {
      const v = audit.verify();
      if (v.ok) logger.info({ records: v.records, headHash: v.headHash }, 'audit log chain verified');
      else logger.error({ brokenAt: v.brokenAt, problem: v.problem }, 'AUDIT LOG CHAIN BROKEN: the log was altered; investigate before trusting it');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'audit log verification failed');
    }
  }, 86_400_000);
  anchor.unref();
  return {
    access, patients, adminOneTimePassword,
    close() {
      clearInterval(sweep);
      clearInterval(anchor);
      users.close();
      patients.close();
      audit.close();
      alarms.close();
    },
  };
}
