/**
 * A real influxd 1.x for one test (issue #5: "the tests start [Debian's influxd 1.6] on a random port with a
 * temporary data directory"). Generates a config with its own meta/data/wal dirs and random free ports for both the
 * HTTP API and the RPC (backup/restore) bind-address — the default 8088 would collide between parallel test files —
 * starts `influxd -config <file>`, waits for /ping and creates the database.
 *
 * stop()/start() keep the data directory and ports, so a test can take the server away and bring it back (outage
 * drill); cleanup() stops it and removes the directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface InfluxdOptions {
  /** Database created after start (default 'rtls'). */
  database?: string;
  /** Continuous queries' run interval (influxd default 1s); tests that check a CQ may want it short. */
  cqRunInterval?: string;
  /** influxd binary (default: INFLUXD env or `influxd` on PATH). */
  binary?: string;
  /** Turn on authentication with this admin user (created first, as influxd allows while no user exists). */
  admin?: { username: string; password: string };
}

export interface Influxd {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly database: string;
  readonly dir: string;
  /** True while the process runs. */
  running(): boolean;
  /** Starts again on the same ports and data (after stop()). */
  start(): Promise<void>;
  /** Stops gracefully (SIGTERM), resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL, resolves when the process has exited. */
  kill(): Promise<void>;
  /** One InfluxQL statement (or several, `;`-separated) via POST /query; returns the parsed JSON body. */
  query(q: string, db?: string): Promise<InfluxQueryBody>;
  /** Stops and removes the temporary directory. */
  cleanup(): Promise<void>;
  /** influxd's stderr so far (for failure messages). */
  log(): string;
}

export interface InfluxQueryBody {
  results?: { statement_id: number; error?: string; series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[] }[];
  error?: string;
}

/** Whether an influxd binary is available (tests skip without it unless CI=true). */
export function influxdAvailable(binary = process.env.INFLUXD ?? 'influxd'): boolean {
  const r = spawnSync(binary, ['version'], { encoding: 'utf8' });
  return r.status === 0 && /InfluxDB v1\./.test(r.stdout);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function config(dir: string, httpPort: number, rpcPort: number, cqRunInterval: string, auth: boolean): string {
  // Everything not needed by a test is off: reporting (phones home), the _internal monitor database, logging noise.
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  log-queries-after = "0s"

[retention]
  enabled = true
  check-interval = "30m"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = ${auth}
  log-enabled = false
  max-body-size = 0

[logging]
  level = "warn"
  suppress-logo = true

[subscriber]
  enabled = false

[continuous_queries]
  enabled = true
  log-enabled = false
  run-interval = "${cqRunInterval}"
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** influxd children still running: killed when the test process exits, so a crashed test leaves none behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startInfluxd(opts: InfluxdOptions = {}): Promise<Influxd> {
  const binary = opts.binary ?? process.env.INFLUXD ?? 'influxd';
  const database = opts.database ?? 'rtls';
  const dir = mkdtempSync(join(tmpdir(), 'rtls-influxd-'));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';
  let httpPort = 0;
  let url = '';

  const headers: Record<string, string> = opts.admin
    ? { authorization: `Basic ${Buffer.from(`${opts.admin.username}:${opts.admin.password}`).toString('base64')}` }
    : {};
  const query = async (q: string, db = database, anonymous = false): Promise<InfluxQueryBody> => {
    const body = new URLSearchParams({ q, db, epoch: 'ms' });
    const res = await fetch(`${url}/query`, { method: 'POST', body, headers: anonymous ? {} : headers });
    return (await res.json()) as InfluxQueryBody;
  };

  const launch = async (): Promise<boolean> => {
    stderr = '';
    const c = spawn(binary, ['-config', join(dir, 'influxd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    live.add(c);
    exited = new Promise((resolve) => c.once('exit', () => {
      live.delete(c);
      resolve();
    }));
    c.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 20_000) stderr = stderr.slice(-20_000);
    });
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      if (c.exitCode !== null || c.signalCode !== null) return false;
      try {
        const res = await fetch(`${url}/ping`);
        if (res.status === 204) return true;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    c.kill('SIGKILL');
    await exited;
    throw new Error(`influxd did not answer /ping within 20 s\n${stderr}`);
  };

  const running = () => child !== null && child.exitCode === null && child.signalCode === null;

  // A port found free may be taken before influxd binds it: pick new ports and try again.
  for (let attempt = 0; ; attempt++) {
    httpPort = await freePort();
    const rpcPort = await freePort();
    url = `http://127.0.0.1:${httpPort}`;
    writeFileSync(join(dir, 'influxd.conf'), config(dir, httpPort, rpcPort, opts.cqRunInterval ?? '1s', opts.admin !== undefined));
    if (await launch()) break;
    if (attempt >= 4) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`influxd failed to start\n${stderr}`);
    }
  }
  if (opts.admin) {
    const esc = (v: string) => v.replace(/['\\]/g, '\\$&');
    const user = await query(`CREATE USER "${opts.admin.username.replace(/["\\]/g, '\\$&')}" WITH PASSWORD '${esc(opts.admin.password)}' WITH ALL PRIVILEGES`, database, true);
    if (user.error || user.results?.[0]?.error) throw new Error(`CREATE USER failed: ${JSON.stringify(user)}`);
  }
  const created = await query(`CREATE DATABASE "${database.replace(/["\\]/g, '\\$&')}"`);
  if (created.error || created.results?.[0]?.error) throw new Error(`CREATE DATABASE failed: ${JSON.stringify(created)}`);

  const signal = async (sig: NodeJS.Signals) => {
    if (!running()) return;
    child!.kill(sig);
    await exited;
  };

  return {
    get url() {
      return url;
    },
    get port() {
      return httpPort;
    },
    database,
    dir,
    running,
    async start() {
      if (running()) return;
      if (!(await launch())) throw new Error(`influxd failed to restart\n${stderr}`);
    },
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    query: (q: string, db?: string) => query(q, db),
    async cleanup() {
      await signal('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => stderr,
  };
}

/** A developer machine without influxd skips the tests that need it; CI (CI=true) never does — .ci/run installs it. */
export const skipWithoutInfluxd = !influxdAvailable() && !process.env.CI;
