/**
 * Child process for the two-process append test (audit-log.test.ts): appends `n` records as `actor` to the audit log in
 * `dataDir` as fast as it can, then prints "done". Two of these run at once, like the service and the admin CLI.
 */
import { openAuditLog } from '../../src/audit/audit-log.ts';

const [dataDir, actor, n] = process.argv.slice(2) as [string, string, string];
const log = openAuditLog(dataDir);
try {
  for (let i = 0; i < Number(n); i++) {
    log.append({ actor, role: 'clinical', action: 'view-location', object: `tag:${actor}-${i}`, patients: [] });
  }
} finally {
  log.close();
}
process.stdout.write('done\n');
