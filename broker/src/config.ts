/**
 * The broker's configuration: the only place in the broker that reads the environment (DESIGN.md §2).
 * Parsed once at start from the env object passed in, validated with zod, returned frozen. Every default, its unit
 * and the reason for every limit is stated here; an invalid value fails start-up with an error naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';
import { LIMITS, describeZodError } from '@rtls/protocol';

/** Env values are strings; an empty string counts as unset so `RTLS_X=` in a compose file means "default". */
const unset = (v: unknown) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const toNumber = (v: unknown) => {
  const u = unset(v);
  return typeof u === 'string' ? Number(u.trim()) : u;
};

const int = (def: number, min: number, max: number) =>
  z.preprocess(toNumber, z.number({ error: 'must be a number' }).int().min(min).max(max).default(def));
const str = (def: string) => z.preprocess(unset, z.string().min(1).default(def));
const optStr = () => z.preprocess(unset, z.string().min(1).optional());

/** A TCP port: 0 asks the OS for a free one (tests, several brokers on one host). */
const port = (def: number) => int(def, 0, 65_535);

/** MQTT's own ceiling on a packet: the remaining-length field holds at most 268,435,455 (MQTT 3.1.1 §2.2.3). */
const MQTT_MAX_REMAINING_LENGTH = 268_435_455;

export const BrokerEnvSchema = z.object({
  /** Listen address for both MQTT listeners; 0.0.0.0 so gateways on the hospital network can reach it. */
  RTLS_MQTT_HOST: str('0.0.0.0'),
  /** MQTT over TCP (the IANA port for plain MQTT). 0 = a random free port. */
  RTLS_MQTT_PORT: port(1883),
  /**
   * MQTT over WebSocket, for gateways and tools that can only speak WebSocket (browsers, some proxies).
   * 0 = a random free port; `off` disables the listener.
   */
  RTLS_MQTT_WS_PORT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim().toLowerCase() === 'off' ? null : toNumber(v)),
    z.number({ error: 'must be a port number or off' }).int().min(0).max(65_535).nullable().default(8083),
  ),
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
   */
  RTLS_MQTT_KEEPALIVE_LIMIT_S: int(300, 0, 65_535),
  /** Standalone broker only: JSON file of `[{ username, passwordHash, principal }]` (see credentials-file.ts). */
  RTLS_BROKER_CREDENTIALS_FILE: optStr(),
  /** pino level for the standalone broker. */
  RTLS_LOG_LEVEL: z.preprocess(unset, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
});

function toConfig(e: z.output<typeof BrokerEnvSchema>) {
  return {
    host: e.RTLS_MQTT_HOST,
    /** TCP port (0 = random). */
    port: e.RTLS_MQTT_PORT,
    /** WebSocket port (0 = random), null = WebSocket listener off. */
    wsPort: e.RTLS_MQTT_WS_PORT,
    limits: {
      maxPacketBytes: e.RTLS_MQTT_MAX_PACKET_BYTES,
      connectTimeoutMs: e.RTLS_MQTT_CONNECT_TIMEOUT_MS,
      drainTimeoutMs: e.RTLS_MQTT_DRAIN_TIMEOUT_MS,
      maxConnections: e.RTLS_MQTT_MAX_CONNECTIONS,
      queueLimit: e.RTLS_MQTT_QUEUE_LIMIT,
      concurrency: e.RTLS_MQTT_CONCURRENCY,
      keepaliveLimitS: e.RTLS_MQTT_KEEPALIVE_LIMIT_S,
    },
    credentialsFile: e.RTLS_BROKER_CREDENTIALS_FILE === undefined ? null : path.resolve(e.RTLS_BROKER_CREDENTIALS_FILE),
    logLevel: e.RTLS_LOG_LEVEL,
  };
}

/** The whole config schema: env in, config out. */
export const BrokerConfigSchema = BrokerEnvSchema.transform(toConfig);
type MutableBrokerConfig = ReturnType<typeof toConfig>;
export type BrokerConfig = Readonly<Omit<MutableBrokerConfig, 'limits'>> & {
  readonly limits: Readonly<MutableBrokerConfig['limits']>;
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
