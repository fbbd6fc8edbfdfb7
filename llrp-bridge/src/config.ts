/**
 * The LLRP bridge's configuration (DESIGN.md §2): one zod schema with every default and its unit, parsed once from an
 * env object, returned frozen. The only reader of process.env in this package.
 */
import { z } from 'zod';
import { GatewayIdSchema, LIMITS } from '@rtls/protocol';

const intFromEnv = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/** "all" (every antenna the reader has) or a comma-separated list of antenna ports 1..64 (the native read's range). */
const AntennasSchema = z
  .string()
  .default('all')
  .transform((s, ctx): number[] => {
    const v = s.trim().toLowerCase();
    if (v === 'all' || v === '0') return [];
    const parts = v.split(',').map((p) => p.trim());
    const ids = parts.map(Number);
    if (parts.some((p) => !/^\d+$/.test(p)) || ids.some((n) => n < 1 || n > 64)) {
      ctx.addIssue({ code: 'custom', message: 'must be "all" or antenna ports 1..64 separated by commas, e.g. "1,2,4"' });
      return z.NEVER;
    }
    return [...new Set(ids)].sort((a, b) => a - b);
  });

export const LlrpBridgeConfigSchema = z
  .object({
    /** Reader host name or address (RTLS_LLRP_READER_HOST). */
    readerHost: z.string().min(1),
    /** Reader LLRP port (RTLS_LLRP_READER_PORT); 5084 is LLRP's registered port (5085, LLRP over TLS, is not supported). */
    readerPort: intFromEnv(5084, 1, 65_535),
    /** The gateway id the reader is registered as; its reads and status go to that gateway's topics (RTLS_LLRP_GATEWAY_ID). */
    gatewayId: GatewayIdSchema,
    /** Broker (RTLS_MQTT_URL). */
    mqttUrl: z.string().url().default('mqtt://localhost:1883'),
    /** MQTT user name (RTLS_LLRP_MQTT_USERNAME); default: the gateway id, as `rtls gateway credentials` issues it. */
    mqttUsername: z.string().min(1).optional(),
    /** MQTT password (RTLS_LLRP_MQTT_PASSWORD); unset = connect without credentials. */
    mqttPassword: z.string().min(1).optional(),
    /** How often pending reads are published as a batch, ms (RTLS_LLRP_BATCH_INTERVAL_MS). */
    batchIntervalMs: intFromEnv(500, 50, 60_000),
    /** Reads per batch (RTLS_LLRP_MAX_READS_PER_BATCH); more are split over several batches. */
    maxReadsPerBatch: intFromEnv(LIMITS.maxReadsPerBatch, 1, LIMITS.maxReadsPerBatch),
    /** The reader reports once per this period, ms: the ROSpec's AISpec duration (RTLS_LLRP_REPORT_INTERVAL_MS). */
    reportIntervalMs: intFromEnv(500, 50, 60_000),
    /** Antenna ports to inventory (RTLS_LLRP_ANTENNAS): "all" or "1,2,4". */
    antennas: AntennasSchema,
    /** ROSpecID of the bridge's ROSpec (RTLS_LLRP_ROSPEC_ID); every other ROSpec on the reader is deleted anyway. */
    rospecId: intFromEnv(1, 1, 0xffff_ffff),
    /** Reader KEEPALIVE period, ms (RTLS_LLRP_KEEPALIVE_MS); 3 periods of silence drop the connection. */
    keepaliveMs: intFromEnv(5000, 100, 600_000),
    /** Reset the reader to factory defaults before configuring it (RTLS_LLRP_FACTORY_RESET). Off by default: it also
     *  wipes settings made in the reader's own web UI (transmit power, region). */
    factoryReset: z.stringbool().default(false),
    /** TCP connect timeout, ms (RTLS_LLRP_CONNECT_TIMEOUT_MS). */
    connectTimeoutMs: intFromEnv(10_000, 100, 120_000),
    /** Longest wait for any reader answer, ms (RTLS_LLRP_RESPONSE_TIMEOUT_MS). */
    responseTimeoutMs: intFromEnv(5000, 100, 120_000),
    /** First and largest reconnect delay, ms, doubling in between; for the reader and the broker (RTLS_LLRP_RECONNECT_MIN_MS / _MAX_MS). */
    reconnectMinMs: intFromEnv(1000, 10, 600_000),
    reconnectMaxMs: intFromEnv(30_000, 10, 3_600_000),
    /** Status heartbeat period, ms (RTLS_LLRP_HEARTBEAT_MS), as a native gateway sends. */
    heartbeatMs: intFromEnv(30_000, 1000, 3_600_000),
    /** pino log level (RTLS_LOG_LEVEL). */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((c) => c.reconnectMaxMs >= c.reconnectMinMs, { path: ['reconnectMaxMs'], message: 'must be >= RTLS_LLRP_RECONNECT_MIN_MS' });

type ParsedConfig = z.infer<typeof LlrpBridgeConfigSchema>;
export type LlrpBridgeConfig = Readonly<Omit<ParsedConfig, 'antennas'>> & { readonly antennas: readonly number[] };

export const LLRP_BRIDGE_ENV_NAMES: Record<keyof ParsedConfig, string> = {
  readerHost: 'RTLS_LLRP_READER_HOST',
  readerPort: 'RTLS_LLRP_READER_PORT',
  gatewayId: 'RTLS_LLRP_GATEWAY_ID',
  mqttUrl: 'RTLS_MQTT_URL',
  mqttUsername: 'RTLS_LLRP_MQTT_USERNAME',
  mqttPassword: 'RTLS_LLRP_MQTT_PASSWORD',
  batchIntervalMs: 'RTLS_LLRP_BATCH_INTERVAL_MS',
  maxReadsPerBatch: 'RTLS_LLRP_MAX_READS_PER_BATCH',
  reportIntervalMs: 'RTLS_LLRP_REPORT_INTERVAL_MS',
  antennas: 'RTLS_LLRP_ANTENNAS',
  rospecId: 'RTLS_LLRP_ROSPEC_ID',
  keepaliveMs: 'RTLS_LLRP_KEEPALIVE_MS',
  factoryReset: 'RTLS_LLRP_FACTORY_RESET',
  connectTimeoutMs: 'RTLS_LLRP_CONNECT_TIMEOUT_MS',
  responseTimeoutMs: 'RTLS_LLRP_RESPONSE_TIMEOUT_MS',
  reconnectMinMs: 'RTLS_LLRP_RECONNECT_MIN_MS',
  reconnectMaxMs: 'RTLS_LLRP_RECONNECT_MAX_MS',
  heartbeatMs: 'RTLS_LLRP_HEARTBEAT_MS',
  logLevel: 'RTLS_LOG_LEVEL',
};

export type Env = Record<string, string | undefined>;

/** Parses the bridge's settings from `env`. Throws an Error naming every bad or missing variable. */
export function loadLlrpBridgeConfig(env: Env = process.env): LlrpBridgeConfig {
  const raw: Record<string, string> = {};
  for (const [key, name] of Object.entries(LLRP_BRIDGE_ENV_NAMES)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const r = LlrpBridgeConfigSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const key = String(i.path[0]) as keyof ParsedConfig;
      const message = raw[key] === undefined && i.code === 'invalid_type' ? 'required' : i.message;
      return `${LLRP_BRIDGE_ENV_NAMES[key] ?? key}: ${message}`;
    });
    throw new Error(`invalid LLRP bridge configuration:\n  ${lines.join('\n  ')}`);
  }
  return Object.freeze({ ...r.data, antennas: Object.freeze([...r.data.antennas]) });
}

/** Same as loadLlrpBridgeConfig; the name every service's config module exports. */
export const loadConfig = loadLlrpBridgeConfig;
