/**
 * The locator's configuration: the only place in the locator that reads the environment (DESIGN.md §2).
 * Parsed once at start from the env object passed in, validated with zod, returned frozen. Every default and its
 * unit is stated here; an invalid value fails start-up with an error naming the variable.
 */
import { InfluxEnvSchema, toInfluxConfig } from './store/influx/influx-config.ts';
import { AuthEnvSchema, authEnvProblems, toAuthConfig } from './auth/auth-config.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SAMPLE_SITE_DIR } from '@rtls/floorplans';
import { describeZodError } from '@rtls/protocol';

/** Env values are strings; an empty string counts as unset so `RTLS_X=` in a compose file means "default". */
const unset = (v: unknown) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const toNumber = (v: unknown) => {
  const u = unset(v);
  return typeof u === 'string' ? Number(u.trim()) : u;
};

const int = (def: number, min: number, max: number) => z.preprocess(toNumber, z.number().int().min(min).max(max).default(def));
const real = (def: number, min: number, max: number) => z.preprocess(toNumber, z.number().min(min).max(max).default(def));
const str = (def: string) => z.preprocess(unset, z.string().min(1).default(def));
const optStr = () => z.preprocess(unset, z.string().min(1).optional());

/** Absolute path of web/dist in this checkout: the Vite build output of the web app. */
const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

const MQTT_URL_RE = /^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/;

export const LocatorEnvSchema = z.object({
  // InfluxDB history (issue #5): INFLUX_URL, INFLUX_API, INFLUX_TOKEN, … — validated in store/influx/influx-config.ts.
  ...InfluxEnvSchema.shape,
  // People, sessions, patient identity keys, HTTPS (issue #6) — validated in auth/auth-config.ts.
  ...AuthEnvSchema.shape,
  /** HTTP listen address (REST API, WebSocket live feed, web app). */
  RTLS_HTTP_HOST: str('0.0.0.0'),
  /** HTTP port; 0 = pick a random free port (tests). */
  RTLS_HTTP_PORT: int(8080, 0, 65_535),
  /** Directory for registry.db and history.db; relative paths resolve against the working directory. */
  RTLS_DATA_DIR: str('./data'),
  /** Site directory (site.json + one GeoJSON per floor); default: the sample hospital from @rtls/floorplans. */
  RTLS_SITE_DIR: str(SAMPLE_SITE_DIR),
  /** Built web app; served at / with SPA fallback when the directory exists. */
  RTLS_WEB_DIST: str(DEFAULT_WEB_DIST),
  /** External MQTT broker URL (mqtt://, mqtts://, ws://, wss://). Unset: the host process supplies an embedded source. */
  RTLS_MQTT_URL: z.preprocess(unset, z.string().regex(MQTT_URL_RE, 'must be an mqtt://, mqtts://, ws:// or wss:// URL').optional()),
  RTLS_MQTT_USERNAME: optStr(),
  /** Secret: never logged. */
  RTLS_MQTT_PASSWORD: optStr(),
  /**
   * What the locator subscribes to. 'all' (default): every topic ('#'), so a message on a topic no gateway owns is
   * counted as unknown-topic and an installer sees a misconfigured gateway (issue #4). 'gateways': only the native
   * gateway topics and the registered vendor gateways' filters — for an external broker shared with other systems.
   */
  RTLS_MQTT_SUBSCRIBE: z.preprocess(unset, z.enum(['all', 'gateways']).default('all')),
  RTLS_LOG_LEVEL: z.preprocess(unset, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  /** WebSocket deltas are batched and sent every this many ms. */
  RTLS_LIVE_FLUSH_MS: int(250, 20, 60_000),
  /** How often pipeline.tick() runs (locating due tags, window expiry, portal/cabinet holds), ms. */
  RTLS_TICK_MS: int(100, 10, 60_000),
  /** History store write-behind interval: buffered fixes are written in one transaction this often, ms. */
  RTLS_STORE_FLUSH_MS: int(500, 10, 60_000),
  /**
   * Embedded history store: fixes and zone events older than this are deleted, hours (0 = keep all). At ~600 bytes
   * per fix the 400-tag demo writes ~17 GB a day; 24 h bounds it. Long-term downsampled history is issue #5.
   */
  RTLS_HISTORY_RETENTION_HOURS: real(24, 0, 24 * 3650),
  /** Downsampled trails: one fix per tag per this many seconds outlives raw retention (issue #5 item 2). */
  RTLS_HISTORY_DOWNSAMPLE_S: int(60, 1, 3600),
  /** How long downsampled trails are kept, days; 0 = no downsampled copy. */
  RTLS_HISTORY_DOWNSAMPLE_DAYS: real(30, 0, 3650),
  /** Disk budget of the InfluxDB outbox backlog, MB; beyond it the oldest are dropped and counted (health degraded). */
  RTLS_OUTBOX_MAX_MB: int(2048, 16, 1_048_576),
  /** Scheduled backup of registry + embedded history every this many minutes (issue #5 item 6); 0 = off. */
  RTLS_BACKUP_INTERVAL_MIN: int(60, 0, 7 * 24 * 60),
  /** Where scheduled backups go; default <RTLS_DATA_DIR>/backups. */
  RTLS_BACKUP_DIR: optStr(),
  /** Scheduled backups kept (older ones deleted). */
  RTLS_BACKUP_KEEP: int(24, 1, 10_000),

  // Pipeline (PipelineOptions; defaults equal DEFAULT_PIPELINE_OPTIONS in pipeline.ts, a test checks it).
  /** Per-link RSSI window while the tag moves, ms. */
  RTLS_WINDOW_MS: int(2000, 100, 600_000),
  /** A gateway–tag link with no read for this long no longer counts, ms. */
  RTLS_LINK_STALE_MS: int(8000, 100, 3_600_000),
  /** Link window while a tag is parked (the moving window is RTLS_WINDOW_MS), ms. */
  RTLS_PARKED_WINDOW_MS: int(6000, 100, 600_000),
  /** At most one fix per tag per this many ms of read time (half the usual 1 s gateway batch, so a tag heard every batch gets a fix every batch). */
  RTLS_MIN_FIX_INTERVAL_MS: int(500, 0, 600_000),
  /** An RFID portal read holds the tag in the portal's room this long, ms. */
  RTLS_PORTAL_HOLD_MS: int(10_000, 0, 3_600_000),
  /** An RFID cabinet read holds the tag in the cabinet this long, ms. */
  RTLS_CABINET_HOLD_MS: int(30_000, 0, 86_400_000),
  /** Reads queued per tag before 'queue-full' drops (overload protection). */
  RTLS_MAX_QUEUE_PER_TAG: int(512, 1, 1_000_000),
  /** A gateway clock further than this from receive time is not trusted, ms. */
  RTLS_MAX_CLOCK_SKEW_MS: int(300_000, 0, 86_400_000),
  /** Path-loss model: RSSI at 1 m, dBm. */
  RTLS_PATH_LOSS_RSSI_AT_1M_DBM: real(-59, -120, 0),
  /** Path-loss exponent (2 = free space; 2–4 indoors), dimensionless. */
  RTLS_PATH_LOSS_EXPONENT: real(2.2, 1, 6),
  /** A tag must be in a new room this long before the room changes, ms. */
  RTLS_ROOM_HYSTERESIS_MS: int(3000, 0, 600_000),
  /** Tags located per tick at most (bounds the time one tick holds the event loop); ×(1000/RTLS_TICK_MS) = fixes/s capacity. */
  RTLS_MAX_LOCATES_PER_TICK: int(200, 1, 100_000),
});

function toConfig(e: z.output<typeof LocatorEnvSchema>) {
  return {
    http: { host: e.RTLS_HTTP_HOST, port: e.RTLS_HTTP_PORT },
    dataDir: path.resolve(e.RTLS_DATA_DIR),
    siteDir: path.resolve(e.RTLS_SITE_DIR),
    webDist: path.resolve(e.RTLS_WEB_DIST),
    mqtt: {
      url: e.RTLS_MQTT_URL ?? null, username: e.RTLS_MQTT_USERNAME ?? null, password: e.RTLS_MQTT_PASSWORD ?? null,
      subscribe: e.RTLS_MQTT_SUBSCRIBE,
    },
    logLevel: e.RTLS_LOG_LEVEL,
    liveFlushMs: e.RTLS_LIVE_FLUSH_MS,
    tickMs: e.RTLS_TICK_MS,
    storeFlushMs: e.RTLS_STORE_FLUSH_MS,
    historyRetentionMs: Math.round(e.RTLS_HISTORY_RETENTION_HOURS * 3_600_000),
    historyDownsampleMs: e.RTLS_HISTORY_DOWNSAMPLE_S * 1000,
    historyDownsampleRetentionMs: Math.round(e.RTLS_HISTORY_DOWNSAMPLE_DAYS * 86_400_000),
    outboxMaxBytes: e.RTLS_OUTBOX_MAX_MB * 1024 * 1024,
    /** InfluxDB history, or null: history only in the embedded store. */
    influx: toInfluxConfig(e),
    auth: toAuthConfig(e),
    backup: {
      intervalMs: e.RTLS_BACKUP_INTERVAL_MIN * 60_000,
      dir: path.resolve(e.RTLS_BACKUP_DIR ?? path.join(e.RTLS_DATA_DIR, 'backups')),
      keep: e.RTLS_BACKUP_KEEP,
    },
    pipeline: {
      windowMs: e.RTLS_WINDOW_MS,
      parkedWindowMs: e.RTLS_PARKED_WINDOW_MS,
      linkStaleMs: e.RTLS_LINK_STALE_MS,
      minFixIntervalMs: e.RTLS_MIN_FIX_INTERVAL_MS,
      portalHoldMs: e.RTLS_PORTAL_HOLD_MS,
      cabinetHoldMs: e.RTLS_CABINET_HOLD_MS,
      maxQueuePerTag: e.RTLS_MAX_QUEUE_PER_TAG,
      maxClockSkewMs: e.RTLS_MAX_CLOCK_SKEW_MS,
      pathLoss: { rssiAt1mDbm: e.RTLS_PATH_LOSS_RSSI_AT_1M_DBM, exponent: e.RTLS_PATH_LOSS_EXPONENT },
      roomHysteresisMs: e.RTLS_ROOM_HYSTERESIS_MS,
      maxLocatesPerTick: e.RTLS_MAX_LOCATES_PER_TICK,
    },
  };
}

/** The whole config schema: env in, config out. */
export const LocatorConfigSchema = LocatorEnvSchema.superRefine((e, ctx) => {
  for (const message of authEnvProblems(e)) ctx.addIssue({ code: 'custom', message });
}).transform(toConfig);
export type LocatorConfig = Readonly<ReturnType<typeof toConfig>>;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export function loadLocatorConfig(env: Record<string, string | undefined> = process.env): LocatorConfig {
  const r = LocatorConfigSchema.safeParse(env);
  if (!r.success) throw new Error(`Invalid locator configuration: ${describeZodError(r.error).join('; ')}`);
  return deepFreeze(r.data);
}
