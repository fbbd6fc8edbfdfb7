/**
 * The simulator's configuration (DESIGN.md §2): one zod schema with every default and its unit, parsed once from an
 * env object, returned frozen. Command-line flags (main.ts) are mapped onto the same names and override the env.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { FaultPlanSchema } from './faults.ts';
import { parseFormatSpec, type FormatSpec } from './vendor/assign-formats.ts';

const intFromEnv = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

export const SimConfigSchema = z.object({
  /** Number of simulated tags (RTLS_SIM_TAGS). 400 = 320 BLE tags (equipment, patients) located every second plus 80 RFID consumables read by cabinets every 10 s. */
  tags: intFromEnv(400, 0, 100_000),
  /** BLE reference tags at surveyed positions, for calibration (RTLS_SIM_REFERENCE_TAGS; issue #3 item 2). */
  referenceTags: intFromEnv(30, 0, 10_000),
  /** Random seed: same seed ⇒ same tags, same movements, same reads (RTLS_SIM_SEED). */
  seed: z.coerce.number().int().default(42),
  /** Broker URL the simulated gateways connect to (RTLS_SIM_MQTT_URL); unset = the caller decides. */
  mqttUrl: z.string().url().optional(),
  /** JSON file { "<gatewayId>": { "username", "password" } } (RTLS_SIM_CREDENTIALS_FILE). */
  credentialsFile: z.string().min(1).optional(),
  /** Append ground truth JSONL here (RTLS_SIM_TRUTH_FILE). */
  truthFile: z.string().min(1).optional(),
  /** Gateway batch interval, ms (RTLS_SIM_BATCH_MS). */
  batchMs: intFromEnv(1000, 50, 60_000),
  /** BLE advertising interval, ms (RTLS_SIM_ADV_INTERVAL_MS). */
  advIntervalMs: intFromEnv(1000, 20, 60_000),
  /** Simulated seconds per wall second (RTLS_SIM_RATE). */
  rate: z.coerce.number().positive().max(1000).default(1),
  /** Site directory; unset = the sample hospital (RTLS_SIM_SITE_DIR). */
  siteDir: z.string().min(1).optional(),
  /**
   * Payload format per gateway (RTLS_SIM_FORMATS; issue #4 item 4): a mode — `site` (each gateway's site format;
   * default, all native in the sample hospital), `native` or `mixed` (formats round-robin per technology) — and/or
   * `format:gatewayId` entries, comma-separated, e.g. `mixed,zebra-iotc:L0-portal-main`.
   */
  formats: z
    .string()
    .default('site')
    .transform((s, ctx): FormatSpec => {
      try {
        return parseFormatSpec(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * Fault plan as JSON (RTLS_SIM_FAULTS; faults.ts): `[{ "gatewayId": "gw-1" | "*", "kind": "offline" |
   * "clock-skew" | "duplicate" | "burst" | "truncate", "fromMs", "toMs", … }]`, times in simulated ms since start.
   */
  faults: z
    .string()
    .default('[]')
    .transform((s, ctx): unknown => {
      try {
        return JSON.parse(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON (expected an array of faults)' });
        return z.NEVER;
      }
    })
    .pipe(FaultPlanSchema),
  /** pino log level (RTLS_LOG_LEVEL). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type SimConfig = Readonly<z.infer<typeof SimConfigSchema>>;

export const SIM_ENV_NAMES: Record<keyof z.infer<typeof SimConfigSchema>, string> = {
  tags: 'RTLS_SIM_TAGS',
  referenceTags: 'RTLS_SIM_REFERENCE_TAGS',
  seed: 'RTLS_SIM_SEED',
  mqttUrl: 'RTLS_SIM_MQTT_URL',
  credentialsFile: 'RTLS_SIM_CREDENTIALS_FILE',
  truthFile: 'RTLS_SIM_TRUTH_FILE',
  batchMs: 'RTLS_SIM_BATCH_MS',
  advIntervalMs: 'RTLS_SIM_ADV_INTERVAL_MS',
  rate: 'RTLS_SIM_RATE',
  siteDir: 'RTLS_SIM_SITE_DIR',
  formats: 'RTLS_SIM_FORMATS',
  faults: 'RTLS_SIM_FAULTS',
  logLevel: 'RTLS_LOG_LEVEL',
};

export type Env = Record<string, string | undefined>;

/**
 * Parses the simulator's settings from `env`, with `overrides` (e.g. from command-line flags) taking precedence.
 * Throws an Error naming every bad setting.
 */
export function loadSimConfig(env: Env = process.env, overrides: Partial<Record<keyof typeof SIM_ENV_NAMES, string>> = {}): SimConfig {
  const raw: Record<string, string> = {};
  for (const [key, name] of Object.entries(SIM_ENV_NAMES)) {
    const v = overrides[key as keyof typeof SIM_ENV_NAMES] ?? env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const r = SimConfigSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const name = SIM_ENV_NAMES[i.path[0] as keyof typeof SIM_ENV_NAMES] ?? String(i.path[0]);
      // Nested settings (the fault plan) also name the entry and field: RTLS_SIM_FAULTS[0].toMs.
      const sub = i.path.slice(1).map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
      return `${name}${sub}: ${i.message}`;
    });
    throw new Error(`invalid simulator configuration:\n  ${lines.join('\n  ')}`);
  }
  return Object.freeze(r.data);
}

/** Same as loadSimConfig; the name every service's config module exports. */
export const loadConfig = loadSimConfig;

/**
 * Maps the command line (`--tags 300 --seed 42 --url … --credentials … --truth … --rate 1 --formats mixed
 * --faults '[…]' …`) to config overrides.
 */
export function parseCliArgs(argv: readonly string[]): Partial<Record<keyof typeof SIM_ENV_NAMES, string>> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      tags: { type: 'string' },
      seed: { type: 'string' },
      url: { type: 'string' },
      credentials: { type: 'string' },
      truth: { type: 'string' },
      rate: { type: 'string' },
      'batch-ms': { type: 'string' },
      'adv-interval-ms': { type: 'string' },
      site: { type: 'string' },
      formats: { type: 'string' },
      faults: { type: 'string' },
      'log-level': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const out: Partial<Record<keyof typeof SIM_ENV_NAMES, string>> = {};
  const set = (k: keyof typeof SIM_ENV_NAMES, v: string | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('tags', values.tags);
  set('seed', values.seed);
  set('mqttUrl', values.url);
  set('credentialsFile', values.credentials);
  set('truthFile', values.truth);
  set('rate', values.rate);
  set('batchMs', values['batch-ms']);
  set('advIntervalMs', values['adv-interval-ms']);
  set('siteDir', values.site);
  set('formats', values.formats);
  set('faults', values.faults);
  set('logLevel', values['log-level']);
  return out;
}

export const GatewayCredentialsFileSchema = z.record(z.string(), z.object({ username: z.string(), password: z.string() }));
export type GatewayCredentialsFile = z.infer<typeof GatewayCredentialsFileSchema>;
