/**
 * The broker's configuration: the only place in the broker that reads the environment (DESIGN.md §2).
 * Parsed once at start from the env object passed in, validated with zod, returned frozen. Every default, its unit
 * and the reason for every limit is stated here; an invalid value fails start-up with an error naming the variable.
 *
 * Profiles (RTLS_BROKER_PROFILE, issue #6 item 8):
 * - `production` (default): credentials required, every hardening rule on. The locator's embedded broker always
 *   runs this profile: the locator builds its broker config without RTLS_BROKER_PROFILE being consulted by anyone
 *   but the standalone broker (main.ts), which is the only place a conformance broker can be started.
 * - `conformance`: for running standard MQTT 3.1.1 interoperability suites against this broker. Loopback only (a
 *   non-loopback RTLS_MQTT_HOST is a configuration error), clients without credentials are accepted as `anonymous`,
 *   no real data belongs there. Every other MQTT 3.1.1 rule is kept.
 */
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { LIMITS, describeZodError } from '@rtls/protocol';

/** Env values are strings; an empty string counts as unset so `RTLS_X=` in a compose file means "default". */
const unset = (v: unknown) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const toNumber = (v: unknown) => {
  const u = unset(v);
  return typeof u === 'string' ? Number(u.trim()) : u;
};

/** 'must be a number' for a non-number only; a range error keeps zod's message, which states the bound. */
const notANumber = (message: string) => (issue: { code: string }) => (issue.code === 'invalid_type' ? message : undefined);
const int = (def: number, min: number, max: number) =>
  z.preprocess(toNumber, z.number({ error: notANumber('must be a number') }).int().min(min).max(max).default(def));
const optStr = () => z.preprocess(unset, z.string().min(1).optional());

/** A TCP port: 0 asks the OS for a free one (tests, several brokers on one host). */
const port = (def: number) => int(def, 0, 65_535);
/** A TCP port, or `off` (null) for no listener. */
const portOrOff = (def: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim().toLowerCase() === 'off' ? null : toNumber(v)),
    z.number({ error: notANumber('must be a port number or off') }).int().min(0).max(65_535).nullable().default(def),
  );

/** True for an address that only this machine can reach (RTLS_BROKER_PROFILE=conformance listens only there). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h) || /^(0{1,4}:){7}0{0,3}1$/.test(h);
  return false;
}

export const BROKER_PROFILES = ['production', 'conformance'] as const;
export type BrokerProfile = (typeof BROKER_PROFILES)[number];

/** MQTT's own ceiling on a packet: the remaining-length field holds at most 268,435,455 (MQTT 3.1.1 §2.2.3). */
const MQTT_MAX_REMAINING_LENGTH = 268_435_455;

const BrokerEnvObject = z.object({
  /** `production` (default) or `conformance` (see the file comment; standalone broker only). */
  RTLS_BROKER_PROFILE: z.preprocess(
    (v) => (typeof unset(v) === 'string' ? (v as string).trim().toLowerCase() : unset(v)),
    z.enum(BROKER_PROFILES, { error: 'must be production or conformance' }).default('production'),
  ),
  /**
   * Listen address for every MQTT listener. Default 0.0.0.0 so gateways on the hospital network can reach it;
   * 127.0.0.1 (and nothing else but loopback) under the conformance profile.
   */
  RTLS_MQTT_HOST: optStr(),
  /** Plain MQTT over TCP (the IANA port for plain MQTT). 0 = a random free port; `off` = no plain listener (TLS only). */
  RTLS_MQTT_PORT: portOrOff(1883),
  /**
   * MQTT over WebSocket, for gateways and tools that can only speak WebSocket (browsers, some proxies). Plain, not
   * TLS: a TLS-only deployment sets it `off` (or puts a TLS-terminating proxy in front).
   * 0 = a random free port; `off` disables the listener.
   */
  RTLS_MQTT_WS_PORT: portOrOff(8083),
  /**
   * MQTT over TLS (issue #6 item 7), on when RTLS_MQTT_TLS_CERT_FILE and RTLS_MQTT_TLS_KEY_FILE are set: PEM files,
   * the certificate file may hold the chain. The key is read once at start and never logged.
   */
  RTLS_MQTT_TLS_CERT_FILE: optStr(),
  RTLS_MQTT_TLS_KEY_FILE: optStr(),
  /**
   * Optional PEM bundle of CA certificates used to complete the chain the TLS listener presents (an intermediate
   * missing from the certificate file). Client certificates are not requested: gateways authenticate with their
   * username and password, over the encrypted connection.
   */
  RTLS_MQTT_TLS_CA_FILE: optStr(),
  /** TLS listener port (the IANA port for MQTT over TLS). 0 = a random free port. */
  RTLS_MQTT_TLS_PORT: port(8883),
  /**
   * Largest MQTT packet in bytes (fixed header included). A full 1,000-read batch is ~90 kB; anything much larger is
   * a faulty or hostile client, and the broker would otherwise buffer up to 256 MB per packet before parsing it.
   */
  RTLS_MQTT_MAX_PACKET_BYTES: int(LIMITS.maxPacketBytes, 1024, MQTT_MAX_REMAINING_LENGTH + 5),
  /**
   * Milliseconds a new socket may take to send CONNECT (Aedes `connectTimeout`, default 30 s there). A socket that
   * opens and never speaks still holds a file descriptor and a slot under the connection cap; 10 s is generous for a
   * gateway on a congested Wi-Fi and short enough that port scanners do not pile up.
   */
  RTLS_MQTT_CONNECT_TIMEOUT_MS: int(10_000, 100, 600_000),
  /**
   * Milliseconds a subscriber's socket may stay full before it is disconnected (Aedes `drainTimeout`). A subscriber
   * that stops reading would otherwise make the broker buffer for it without bound, and once `concurrency` messages
   * wait on it delivery stalls for every client (see the Aedes docs). 5 s rides out a GC pause or a Wi-Fi roam.
   */
  RTLS_MQTT_DRAIN_TIMEOUT_MS: int(5_000, 100, 600_000),
  /**
   * Open sockets across both listeners; sockets beyond this are closed at once. A hospital has hundreds of gateways
   * plus a few services; the cap keeps a reconnect storm or a runaway client from exhausting memory and descriptors.
   */
  RTLS_MQTT_MAX_CONNECTIONS: int(5_000, 1, 1_000_000),
  /**
   * Packets a client may send before its CONNECT has been authenticated (Aedes `queueLimit`); beyond it the
   * connection is dropped. Authentication is an scrypt check (tens of ms) and a gateway sends its birth message and
   * first batches right after CONNECT, so Aedes' default of 42 is kept: enough for that, too few to flood memory.
   */
  RTLS_MQTT_QUEUE_LIMIT: int(42, 1, 100_000),
  /**
   * Messages Aedes' emitter keeps in flight at once (Aedes `concurrency`, default 100 there). With several thousand
   * batches a second, 100 slots fill in tens of milliseconds behind one slow subscriber; 1,000 gives the drain
   * timeout time to act before delivery to everyone stalls, at the cost of holding ≤ 1,000 messages in memory.
   */
  RTLS_MQTT_CONCURRENCY: int(1_000, 1, 100_000),
  /**
   * Largest keepalive in seconds a client may announce (Aedes `keepaliveLimit`); 0 = no limit. A gateway that never
   * pings (keepalive 0) or pings rarely can lose power or sit behind a NAT that dropped its mapping without the broker
   * noticing, so its last will ("offline") would not fire for hours. 300 s bounds that to 1.5 × 300 s (MQTT-3.1.2-24).
   * Default 0 under the conformance profile: a refused keepalive gets CONNACK 6, which MQTT 3.1.1 does not define,
   * and keepalive 0 ("off") is legal there.
   */
  RTLS_MQTT_KEEPALIVE_LIMIT_S: z.preprocess(toNumber, z.number({ error: notANumber('must be a number') }).int().min(0).max(65_535).optional()),
  /**
   * Seconds between re-checks of every connected client's credentials (the `revalidate` hook): a revoked gateway is
   * disconnected within this time (issue #6 item 6 demands 60 s, hence the maximum). The locator also calls
   * revalidateNow() right after revoking, so this is the bound, not the usual delay.
   */
  RTLS_MQTT_REVALIDATE_S: int(30, 1, 60),
  /**
   * Failed logins (wrong password or unknown user) for one username within RTLS_MQTT_LOCKOUT_WINDOW_S that lock
   * that username for RTLS_MQTT_LOCKOUT_S (issue #6 item 6). 10 leaves room for an operator's typos and a gateway
   * retrying once with a stale password, and makes guessing a random gateway password hopeless (≤ 10 tries per
   * 5 minutes).
   */
  RTLS_MQTT_LOCKOUT_FAILURES: int(10, 1, 100_000),
  /**
   * Failed logins from one peer address within the window that lock the address. Higher than the per-username
   * count because a site's gateways may all reach the broker through one NAT address, and one misconfigured
   * gateway retrying must not lock out the others quickly.
   */
  RTLS_MQTT_LOCKOUT_ADDRESS_FAILURES: int(50, 1, 1_000_000),
  /** Sliding window for counting failed logins, seconds. */
  RTLS_MQTT_LOCKOUT_WINDOW_S: int(300, 1, 86_400),
  /** How long a locked username or address is refused without checking its password, seconds. */
  RTLS_MQTT_LOCKOUT_S: int(300, 1, 86_400),
  /** Standalone broker only: JSON file of `[{ username, passwordHash, principal }]` (see credentials-file.ts). */
  RTLS_BROKER_CREDENTIALS_FILE: optStr(),
  /** pino level for the standalone broker. */
  RTLS_LOG_LEVEL: z.preprocess(unset, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
});

/** Rules across variables; each issue names the variable to change. */
export const BrokerEnvSchema = BrokerEnvObject.superRefine((e, ctx) => {
  const cert = e.RTLS_MQTT_TLS_CERT_FILE !== undefined;
  const key = e.RTLS_MQTT_TLS_KEY_FILE !== undefined;
  if (cert && !key) {
    ctx.addIssue({ code: 'custom', path: ['RTLS_MQTT_TLS_KEY_FILE'], message: 'must be set when RTLS_MQTT_TLS_CERT_FILE is (TLS needs both)' });
  }
  if (key && !cert) {
    ctx.addIssue({ code: 'custom', path: ['RTLS_MQTT_TLS_CERT_FILE'], message: 'must be set when RTLS_MQTT_TLS_KEY_FILE is (TLS needs both)' });
  }
  if (e.RTLS_MQTT_TLS_CA_FILE !== undefined && !cert && !key) {
    ctx.addIssue({ code: 'custom', path: ['RTLS_MQTT_TLS_CA_FILE'], message: 'is only used by the TLS listener: set RTLS_MQTT_TLS_CERT_FILE and RTLS_MQTT_TLS_KEY_FILE too' });
  }
  if (e.RTLS_MQTT_PORT === null && e.RTLS_MQTT_WS_PORT === null && !(cert && key)) {
    ctx.addIssue({
      code: 'custom',
      path: ['RTLS_MQTT_PORT'],
      message: 'is off, RTLS_MQTT_WS_PORT is off and TLS is not configured (RTLS_MQTT_TLS_CERT_FILE, RTLS_MQTT_TLS_KEY_FILE): the broker would have no listener',
    });
  }
  if (e.RTLS_BROKER_PROFILE === 'conformance' && e.RTLS_MQTT_HOST !== undefined && !isLoopbackHost(e.RTLS_MQTT_HOST)) {
    ctx.addIssue({
      code: 'custom',
      path: ['RTLS_MQTT_HOST'],
      message: `${e.RTLS_MQTT_HOST} is not a loopback address: RTLS_BROKER_PROFILE=conformance accepts anonymous clients and listens on loopback only (127.0.0.1, ::1, localhost)`,
    });
  }
});

function toConfig(e: z.output<typeof BrokerEnvObject>) {
  const conformance = e.RTLS_BROKER_PROFILE === 'conformance';
  const resolve = (file: string | undefined) => (file === undefined ? null : path.resolve(file));
  return {
    profile: e.RTLS_BROKER_PROFILE,
    host: e.RTLS_MQTT_HOST ?? (conformance ? '127.0.0.1' : '0.0.0.0'),
    /** Plain TCP port (0 = random), null = plain listener off. */
    port: e.RTLS_MQTT_PORT,
    /** WebSocket port (0 = random), null = WebSocket listener off. */
    wsPort: e.RTLS_MQTT_WS_PORT,
    /** The TLS listener, or null when no certificate is configured. Paths only: the files are read by the broker. */
    tls:
      e.RTLS_MQTT_TLS_CERT_FILE !== undefined && e.RTLS_MQTT_TLS_KEY_FILE !== undefined
        ? {
            port: e.RTLS_MQTT_TLS_PORT,
            certFile: path.resolve(e.RTLS_MQTT_TLS_CERT_FILE),
            keyFile: path.resolve(e.RTLS_MQTT_TLS_KEY_FILE),
            caFile: resolve(e.RTLS_MQTT_TLS_CA_FILE),
          }
        : null,
    revalidateIntervalMs: e.RTLS_MQTT_REVALIDATE_S * 1000,
    lockout: {
      usernameFailures: e.RTLS_MQTT_LOCKOUT_FAILURES,
      addressFailures: e.RTLS_MQTT_LOCKOUT_ADDRESS_FAILURES,
      windowMs: e.RTLS_MQTT_LOCKOUT_WINDOW_S * 1000,
      lockoutMs: e.RTLS_MQTT_LOCKOUT_S * 1000,
    },
    limits: {
      maxPacketBytes: e.RTLS_MQTT_MAX_PACKET_BYTES,
      connectTimeoutMs: e.RTLS_MQTT_CONNECT_TIMEOUT_MS,
      drainTimeoutMs: e.RTLS_MQTT_DRAIN_TIMEOUT_MS,
      maxConnections: e.RTLS_MQTT_MAX_CONNECTIONS,
      queueLimit: e.RTLS_MQTT_QUEUE_LIMIT,
      concurrency: e.RTLS_MQTT_CONCURRENCY,
      keepaliveLimitS: e.RTLS_MQTT_KEEPALIVE_LIMIT_S ?? (conformance ? 0 : 300),
    },
    credentialsFile: resolve(e.RTLS_BROKER_CREDENTIALS_FILE),
    logLevel: e.RTLS_LOG_LEVEL,
  };
}

/** The whole config schema: env in, config out. */
export const BrokerConfigSchema = BrokerEnvSchema.transform(toConfig);
type MutableBrokerConfig = ReturnType<typeof toConfig>;
export type BrokerConfig = Readonly<Omit<MutableBrokerConfig, 'limits' | 'lockout' | 'tls'>> & {
  readonly limits: Readonly<MutableBrokerConfig['limits']>;
  readonly lockout: Readonly<MutableBrokerConfig['lockout']>;
  readonly tls: Readonly<NonNullable<MutableBrokerConfig['tls']>> | null;
};

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export function loadBrokerConfig(env: Record<string, string | undefined> = process.env): BrokerConfig {
  const r = BrokerConfigSchema.safeParse(env);
  if (!r.success) throw new Error(`Invalid broker configuration: ${describeZodError(r.error).join('; ')}`);
  return deepFreeze(r.data);
}
