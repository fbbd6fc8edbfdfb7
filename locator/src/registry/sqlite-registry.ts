/**
 * The registry (DESIGN.md §6): gateways, tags and calibration in SQLite (better-sqlite3), RTLS_DATA_DIR/registry.db.
 * WAL + busy_timeout so the admin CLI (another process) can rotate credentials while the service runs; password
 * hashes are read fresh on every authentication, so a rotation takes effect at once. Passwords are never logged
 * and never stored in clear: only scrypt hashes (protocol/node secrets).
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Site } from '@rtls/floorplans';
import {
  RtlsError, gatewayReadsTopic, gatewayTopicFilters, suggestedTopicFilter, systemClock, topicFilterProblem, topicFiltersOverlap,
  type Clock, type GatewayCredentials, type GatewayFormat, type GatewayTech, type TagKind, type TagRegistration,
  type TagSummary,
} from '@rtls/protocol';
import { generateSecret, hashSecret, verifySecret } from '@rtls/protocol/node';
import type { GatewayRecord } from '../contracts.ts';
import type { PathLoss } from '../positioning/locate-ble.ts';
import { DEFAULT_PIPELINE_OPTIONS } from '../pipeline.ts';
import { CachedRegistryView, type ReferencePosition } from './registry-view.ts';

export const REGISTRY_DB_FILE = 'registry.db';

/** A gateway as stored: the pipeline's record plus its topic and timestamps (never the password hash). */
export interface RegisteredGateway extends GatewayRecord {
  topic: string;
  hasCredentials: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface SyncResult {
  added: number;
  updated: number;
  /** Gateways in the registry that the site no longer has (kept: they may carry credentials). */
  notInSite: string[];
}

/** A reference tag: a tag fixed at a surveyed position, whose links teach the gateway offsets (issue #3 item 2). */
export interface ReferenceTagRecord extends ReferencePosition {
  tag: string;
  note: string | null;
  updatedAt: number;
}

export type GatewayCalibrationSource = 'reference-tags' | 'manual';

export interface GatewayCalibrationRecord {
  gateway: string;
  /** Receive offset, dB: the gateway reports this much more than the model predicts (subtract it). */
  offsetDb: number;
  samples: number;
  updatedAt: number;
  source: GatewayCalibrationSource;
}

export interface TagModelCalibrationRecord {
  /** Tag model key: the registry category (e.g. 'infusion-pump'), else the tag kind. */
  model: string;
  /** Transmit offset, dB: tags of this model are heard this much stronger than their A says (add it to A). */
  offsetDb: number;
  samples: number;
  updatedAt: number;
}

export interface PathLossRecord extends PathLoss {
  /** 'site': stored for this site; 'default': the configured defaults (nothing stored). */
  source: 'site' | 'default';
  updatedAt: number | null;
}

/** What the calibration learner publishes; `updatedAt` comes from the data. */
export interface LearnedCalibration {
  gateways: readonly { id: string; offsetDb: number; samples: number; updatedAt: number }[];
  tagModels: readonly { model: string; offsetDb: number; samples: number; updatedAt: number }[];
  /** The learner's snapshot (CalibrationLearner.snapshot()), stored so learning resumes after a restart. */
  snapshot?: unknown;
}

/** What POST /api/gateways creates (the API validated the floor and room against the site). */
export interface NewGateway {
  id: string;
  tech: GatewayTech;
  format: GatewayFormat;
  /** Topic filter; omitted: the format's suggested filter (native: always its rtls/v1 reads topic). */
  topic?: string;
  mac?: string;
  floor: string;
  x: number;
  y: number;
  mountHeightM: number;
  room?: string;
  door?: string;
  antennas?: number;
}

/** The stored topic: native gateways always publish under rtls/v1/gw/<id>/; vendor ones on their filter. */
function topicFor(format: GatewayFormat, id: string, topic?: string, mac?: string): string {
  if (format === 'native') return gatewayReadsTopic(id);
  return topic ?? suggestedTopicFilter(format, id, mac);
}

/** Whether two gateways' topics (with their companion status filters) could route one message to both. */
function filtersOverlap(fa: GatewayFormat, a: string, fb: GatewayFormat, b: string): boolean {
  return gatewayTopicFilters(fa, a).some((x) => gatewayTopicFilters(fb, b).some((y) => topicFiltersOverlap(x, y)));
}

export interface Registry {
  readonly path: string;
  /**
   * Creates a gateway and issues its MQTT credentials (shown once). Existing id or a vendor topic overlapping another
   * gateway's → RTLS_ERR_CONFLICT; an unusable topic filter → RTLS_ERR_VALIDATION.
   */
  createGateway(g: NewGateway): Promise<{ gateway: RegisteredGateway; credentials: GatewayCredentials }>;
  /**
   * Changes how an existing gateway publishes (an installer switching firmware, or the demo running a mixed fleet):
   * same checks as createGateway. Unknown id → RTLS_ERR_GATEWAY_NOT_FOUND. Credentials are kept.
   */
  setGatewayIngest(id: string, ingest: { format: GatewayFormat; topic?: string; mac?: string }): RegisteredGateway;
  /** Upsert gateways from the floor plan's gateway features; existing password hashes are kept. */
  syncGatewaysFromSite(site: Site): SyncResult;
  /** New random password (the old one stops working at once); unknown id → RTLS_ERR_GATEWAY_NOT_FOUND. */
  issueGatewayCredentials(gatewayId: string): Promise<GatewayCredentials>;
  /** The gateway id when the password matches the stored hash, else null. */
  authenticateGateway(username: string, password: string): Promise<string | null>;
  /**
   * A fingerprint of the gateway's current credentials (not the hash itself), or null when it has none. The broker
   * keeps the stamp it authenticated with and re-checks it (issue #6 item 6): a rotation or revocation changes it,
   * and the connected gateway is disconnected within the re-check interval.
   */
  gatewayCredentialStamp(gatewayId: string): string | null;
  /** Removes the gateway's credentials (it can no longer connect); unknown id → RTLS_ERR_GATEWAY_NOT_FOUND. */
  revokeGatewayCredentials(gatewayId: string): void;
  upsertTags(regs: readonly TagRegistration[]): void;
  listGateways(): RegisteredGateway[];
  listTags(): TagSummary[];
  /** Cached lookups for the pipeline and live state; same object for the registry's lifetime. */
  view(): CachedRegistryView;
  // ── calibration (issue #3 item 2) ──
  listReferenceTags(): ReferenceTagRecord[];
  /** Upsert; the caller validated the position against the site. */
  putReferenceTag(tag: string, pos: ReferencePosition & { note?: string | null }): ReferenceTagRecord;
  /** False when the tag was not a reference tag. */
  deleteReferenceTag(tag: string): boolean;
  listGatewayCalibration(): GatewayCalibrationRecord[];
  /** Manual override; learned values never replace it. Unknown gateway → RTLS_ERR_GATEWAY_NOT_FOUND, not BLE → RTLS_ERR_VALIDATION. */
  setGatewayOffset(gatewayId: string, offsetDb: number): GatewayCalibrationRecord;
  /** Drops the gateway's calibration row (manual or learned); the learner's next publish fills it again. */
  clearGatewayOffset(gatewayId: string): boolean;
  listTagModelCalibration(): TagModelCalibrationRecord[];
  /** Writes learned offsets (skipping gateways with a manual override) and the learner snapshot, in one transaction. */
  recordLearnedCalibration(learned: LearnedCalibration): { gateways: number; tagModels: number };
  /** The stored learner snapshot (parsed JSON), or undefined. Validate it with CalibrationLearner.load. */
  learnerSnapshot(): unknown;
  pathLoss(): PathLossRecord;
  /** Stores the site's path-loss parameters; null goes back to the defaults. */
  setPathLoss(p: PathLoss | null): PathLossRecord;
  /** Reloads the view when another process (the CLI) changed the database; cheap, call it on a timer. */
  refreshIfChanged(): boolean;
  close(): void;
}

export interface RegistryOptions {
  clock?: Clock;
  /** Path-loss parameters when the site has none stored (the service passes config.pipeline.pathLoss). */
  defaultPathLoss?: PathLoss;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS gateways (
  id             TEXT PRIMARY KEY,
  tech           TEXT NOT NULL,
  format         TEXT NOT NULL,
  floor          TEXT NOT NULL,
  x              REAL NOT NULL,   -- metres, floor-local frame
  y              REAL NOT NULL,
  mount_height_m REAL NOT NULL,
  room           TEXT,
  door           TEXT,
  antennas       INTEGER,
  topic          TEXT NOT NULL,
  password_hash  TEXT,            -- scrypt$N$r$p$salt$hash, NULL until credentials are issued
  created_at     INTEGER NOT NULL, -- epoch ms
  updated_at     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tags (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  label      TEXT NOT NULL,
  category   TEXT,
  created_at INTEGER NOT NULL
);
`;

/**
 * Calibration tables (issue #3 item 2). Migration in the schema's style: new tables only, created when missing, so
 * a registry.db from before calibration gains them at its next open and keeps its data. No foreign keys to gateways:
 * a gateway that leaves the site keeps its row, like its credentials.
 */
const CALIBRATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS reference_tags (
  tag        TEXT PRIMARY KEY,     -- normalised tag id
  floor      TEXT NOT NULL,
  x          REAL NOT NULL,        -- metres, floor-local frame
  y          REAL NOT NULL,
  note       TEXT,
  updated_at INTEGER NOT NULL      -- epoch ms
);
CREATE TABLE IF NOT EXISTS gateway_calibration (
  gateway    TEXT PRIMARY KEY,
  offset_db  REAL NOT NULL,        -- receive offset, dB (subtract from the gateway's RSSI)
  samples    INTEGER NOT NULL,
  source     TEXT NOT NULL CHECK (source IN ('reference-tags', 'manual')),
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tag_model_calibration (
  model      TEXT PRIMARY KEY,     -- tag category, else kind
  offset_db  REAL NOT NULL,        -- transmit offset, dB (add to the RSSI at 1 m)
  samples    INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS site_path_loss (
  id             INTEGER PRIMARY KEY CHECK (id = 1),  -- one site per registry
  rssi_at_1m_dbm REAL NOT NULL,
  exponent       REAL NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS calibration_learner (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  snapshot   TEXT NOT NULL,        -- JSON, CalibrationLearner.snapshot()
  updated_at INTEGER NOT NULL
);
`;

interface ReferenceTagRow { tag: string; floor: string; x: number; y: number; note: string | null; updated_at: number }
interface GatewayCalibrationRow { gateway: string; offset_db: number; samples: number; source: string; updated_at: number }
interface TagModelCalibrationRow { model: string; offset_db: number; samples: number; updated_at: number }
interface PathLossRow { rssi_at_1m_dbm: number; exponent: number; updated_at: number }

const toReferenceTag = (r: ReferenceTagRow): ReferenceTagRecord => ({
  tag: r.tag, floor: r.floor, x: r.x, y: r.y, note: r.note, updatedAt: r.updated_at,
});
const toGatewayCalibration = (r: GatewayCalibrationRow): GatewayCalibrationRecord => ({
  gateway: r.gateway, offsetDb: r.offset_db, samples: r.samples, updatedAt: r.updated_at,
  source: r.source as GatewayCalibrationSource,
});
const toTagModelCalibration = (r: TagModelCalibrationRow): TagModelCalibrationRecord => ({
  model: r.model, offsetDb: r.offset_db, samples: r.samples, updatedAt: r.updated_at,
});

interface GatewayRow {
  id: string; tech: string; format: string; floor: string; x: number; y: number; mount_height_m: number;
  room: string | null; door: string | null; antennas: number | null; topic: string; password_hash: string | null;
  created_at: number; updated_at: number;
}
interface TagRow { id: string; kind: string; label: string; category: string | null; created_at: number }

const toRegistered = (r: GatewayRow): RegisteredGateway => ({
  id: r.id, tech: r.tech as GatewayTech, format: r.format as GatewayFormat, floor: r.floor, x: r.x, y: r.y,
  mountHeightM: r.mount_height_m, room: r.room, door: r.door, antennas: r.antennas, topic: r.topic,
  hasCredentials: r.password_hash !== null, createdAt: r.created_at, updatedAt: r.updated_at,
});
const toRecord = (r: GatewayRow): GatewayRecord => ({
  id: r.id, tech: r.tech as GatewayTech, format: r.format as GatewayFormat, floor: r.floor, x: r.x, y: r.y,
  mountHeightM: r.mount_height_m, room: r.room, door: r.door, antennas: r.antennas, topic: r.topic,
});
const toSummary = (r: TagRow): TagSummary => ({
  id: r.id, kind: r.kind as TagKind, label: r.label, registered: true, category: r.category,
});

export function openRegistry(dataDir: string, opts: RegistryOptions = {}): Registry {
  const clock = opts.clock ?? systemClock;
  const defaultPathLoss: PathLoss = { ...(opts.defaultPathLoss ?? DEFAULT_PIPELINE_OPTIONS.pathLoss) };
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, REGISTRY_DB_FILE);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // The CLI and the service write the same file; wait for the other's transaction instead of failing (ms).
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  db.exec(CALIBRATION_SCHEMA);

  const q = {
    allGateways: db.prepare<[], GatewayRow>('SELECT * FROM gateways ORDER BY id'),
    allTags: db.prepare<[], TagRow>('SELECT * FROM tags ORDER BY id'),
    gatewayExists: db.prepare<[string], { id: string }>('SELECT id FROM gateways WHERE id = ?'),
    hash: db.prepare<[string], { password_hash: string | null }>('SELECT password_hash FROM gateways WHERE id = ?'),
    setHash: db.prepare<[string, number, string]>('UPDATE gateways SET password_hash = ?, updated_at = ? WHERE id = ?'),
    upsertGateway: db.prepare(`
      INSERT INTO gateways (id, tech, format, floor, x, y, mount_height_m, room, door, antennas, topic, password_hash, created_at, updated_at)
      VALUES (@id, @tech, @format, @floor, @x, @y, @mountHeightM, @room, @door, @antennas, @topic, NULL, @now, @now)
      ON CONFLICT(id) DO UPDATE SET tech = excluded.tech, floor = excluded.floor, x = excluded.x,
        y = excluded.y, mount_height_m = excluded.mount_height_m, room = excluded.room, door = excluded.door,
        antennas = excluded.antennas, updated_at = excluded.updated_at,
        format = CASE WHEN @siteIngest = 1 THEN excluded.format ELSE gateways.format END,
        topic = CASE WHEN @siteIngest = 1 THEN excluded.topic ELSE gateways.topic END`),
    upsertTag: db.prepare(`
      INSERT INTO tags (id, kind, label, category, created_at) VALUES (@id, @kind, @label, @category, @now)
      ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, label = excluded.label, category = excluded.category`),
    gatewayTech: db.prepare<[string], { tech: string }>('SELECT tech FROM gateways WHERE id = ?'),
    topicOf: db.prepare<[string], { topic: string }>('SELECT topic FROM gateways WHERE id = ?'),
    setIngest: db.prepare('UPDATE gateways SET format = @format, topic = @topic, updated_at = @now WHERE id = @id'),
    insertGateway: db.prepare(`
      INSERT INTO gateways (id, tech, format, floor, x, y, mount_height_m, room, door, antennas, topic, password_hash, created_at, updated_at)
      VALUES (@id, @tech, @format, @floor, @x, @y, @mountHeightM, @room, @door, @antennas, @topic, NULL, @now, @now)`),
    allReferenceTags: db.prepare<[], ReferenceTagRow>('SELECT * FROM reference_tags ORDER BY tag'),
    referenceTag: db.prepare<[string], ReferenceTagRow>('SELECT * FROM reference_tags WHERE tag = ?'),
    upsertReferenceTag: db.prepare(`
      INSERT INTO reference_tags (tag, floor, x, y, note, updated_at) VALUES (@tag, @floor, @x, @y, @note, @now)
      ON CONFLICT(tag) DO UPDATE SET floor = excluded.floor, x = excluded.x, y = excluded.y, note = excluded.note,
        updated_at = excluded.updated_at`),
    deleteReferenceTag: db.prepare<[string]>('DELETE FROM reference_tags WHERE tag = ?'),
    allGatewayCalibration: db.prepare<[], GatewayCalibrationRow>('SELECT * FROM gateway_calibration ORDER BY gateway'),
    gatewayCalibration: db.prepare<[string], GatewayCalibrationRow>('SELECT * FROM gateway_calibration WHERE gateway = ?'),
    setManualOffset: db.prepare(`
      INSERT INTO gateway_calibration (gateway, offset_db, samples, source, updated_at) VALUES (@gateway, @offsetDb, 0, 'manual', @now)
      ON CONFLICT(gateway) DO UPDATE SET offset_db = excluded.offset_db, samples = 0, source = 'manual', updated_at = excluded.updated_at`),
    // A manual override is never replaced by a learned value (WHERE on the conflict branch).
    upsertLearnedOffset: db.prepare(`
      INSERT INTO gateway_calibration (gateway, offset_db, samples, source, updated_at)
      VALUES (@gateway, @offsetDb, @samples, 'reference-tags', @updatedAt)
      ON CONFLICT(gateway) DO UPDATE SET offset_db = excluded.offset_db, samples = excluded.samples,
        updated_at = excluded.updated_at WHERE gateway_calibration.source <> 'manual'`),
    deleteGatewayCalibration: db.prepare<[string]>('DELETE FROM gateway_calibration WHERE gateway = ?'),
    allTagModelCalibration: db.prepare<[], TagModelCalibrationRow>('SELECT * FROM tag_model_calibration ORDER BY model'),
    upsertTagModel: db.prepare(`
      INSERT INTO tag_model_calibration (model, offset_db, samples, updated_at) VALUES (@model, @offsetDb, @samples, @updatedAt)
      ON CONFLICT(model) DO UPDATE SET offset_db = excluded.offset_db, samples = excluded.samples, updated_at = excluded.updated_at`),
    pathLoss: db.prepare<[], PathLossRow>('SELECT rssi_at_1m_dbm, exponent, updated_at FROM site_path_loss WHERE id = 1'),
    setPathLoss: db.prepare(`
      INSERT INTO site_path_loss (id, rssi_at_1m_dbm, exponent, updated_at) VALUES (1, @rssiAt1mDbm, @exponent, @now)
      ON CONFLICT(id) DO UPDATE SET rssi_at_1m_dbm = excluded.rssi_at_1m_dbm, exponent = excluded.exponent, updated_at = excluded.updated_at`),
    clearPathLoss: db.prepare('DELETE FROM site_path_loss WHERE id = 1'),
    learnerSnapshot: db.prepare<[], { snapshot: string }>('SELECT snapshot FROM calibration_learner WHERE id = 1'),
    setLearnerSnapshot: db.prepare<[string, number]>(`
      INSERT INTO calibration_learner (id, snapshot, updated_at) VALUES (1, ?, ?)
      ON CONFLICT(id) DO UPDATE SET snapshot = excluded.snapshot, updated_at = excluded.updated_at`),
  };

  const readPathLoss = (): PathLossRecord => {
    const row = q.pathLoss.get();
    return row
      ? { rssiAt1mDbm: row.rssi_at_1m_dbm, exponent: row.exponent, source: 'site', updatedAt: row.updated_at }
      : { ...defaultPathLoss, source: 'default', updatedAt: null };
  };

  const view = new CachedRegistryView(defaultPathLoss);
  let dataVersion = -1;
  const currentDataVersion = () => db.pragma('data_version', { simple: true }) as number;
  const reload = () => {
    const pl = readPathLoss();
    view.replace(q.allGateways.all().map(toRecord), q.allTags.all().map(toSummary), {
      gatewayOffsets: new Map(q.allGatewayCalibration.all().map((r) => [r.gateway, r.offset_db])),
      tagModelOffsets: new Map(q.allTagModelCalibration.all().map((r) => [r.model, r.offset_db])),
      referenceTags: new Map(q.allReferenceTags.all().map((r) => [r.tag, { floor: r.floor, x: r.x, y: r.y }])),
      pathLoss: { rssiAt1mDbm: pl.rssiAt1mDbm, exponent: pl.exponent },
    });
    dataVersion = currentDataVersion();
  };
  reload();

  const syncTx = db.transaction((site: Site): SyncResult => {
    const before = new Set(q.allGateways.all().map((r) => r.id));
    const seen = new Set<string>();
    let added = 0;
    let updated = 0;
    const now = clock();
    for (const floor of site.floors) {
      for (const g of floor.gateways) {
        const p = g.properties;
        const [x, y] = g.geometry.coordinates;
        q.upsertGateway.run({
          id: p.id, tech: p.tech, format: p.format, floor: floor.summary.id, x, y, mountHeightM: p.mountHeightM,
          room: p.room ?? null, door: p.door ?? null, antennas: p.antennas ?? null, topic: topicFor(p.format, p.id, p.topic), now,
          // Format and topic come from the plan when the gateway is new or the plan names a vendor topic; otherwise
          // what the registry holds wins, so a gateway switched to its vendor firmware through the API (or the demo's
          // mixed fleet) keeps its format across restarts.
          siteIngest: !before.has(p.id) || p.topic !== undefined ? 1 : 0,
        });
        seen.add(p.id);
        if (before.has(p.id)) updated++;
        else added++;
      }
    }
    return { added, updated, notInSite: [...before].filter((id) => !seen.has(id)).sort() };
  });

  const tagsTx = db.transaction((regs: readonly TagRegistration[]) => {
    const now = clock();
    for (const r of regs) q.upsertTag.run({ id: r.id, kind: r.kind, label: r.label, category: r.category ?? null, now });
  });

  const learnedTx = db.transaction((l: LearnedCalibration) => {
    let gateways = 0;
    let tagModels = 0;
    for (const g of l.gateways) {
      if (!Number.isFinite(g.offsetDb)) continue;
      gateways += q.upsertLearnedOffset.run({ gateway: g.id, offsetDb: g.offsetDb, samples: g.samples, updatedAt: g.updatedAt }).changes;
    }
    for (const m of l.tagModels) {
      if (!Number.isFinite(m.offsetDb)) continue;
      tagModels += q.upsertTagModel.run({ model: m.model, offsetDb: m.offsetDb, samples: m.samples, updatedAt: m.updatedAt }).changes;
    }
    if (l.snapshot !== undefined) q.setLearnerSnapshot.run(JSON.stringify(l.snapshot), clock());
    return { gateways, tagModels };
  });

  const requireBleGateway = (gatewayId: string) => {
    const row = q.gatewayTech.get(gatewayId);
    if (!row) throw new RtlsError('RTLS_ERR_GATEWAY_NOT_FOUND', `Gateway not found: ${gatewayId}`);
    // Only BLE RSSI goes through the path-loss model; an RFID reader's offset would change nothing.
    if (row.tech !== 'ble') throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`id: ${gatewayId} is a ${row.tech} gateway; offsets apply to BLE gateways only`]);
  };

  const createTx = db.transaction((g: NewGateway, topic: string) => {
    if (q.gatewayExists.get(g.id)) throw new RtlsError('RTLS_ERR_CONFLICT', `Gateway ${g.id} already exists`);
    if (g.format !== 'native') {
      for (const other of q.allGateways.all()) {
        if (other.format !== 'native' && filtersOverlap(other.format as GatewayFormat, other.topic, g.format, topic)) {
          throw new RtlsError('RTLS_ERR_CONFLICT', `Topic ${topic} overlaps gateway ${other.id}'s topic ${other.topic}: messages could not be routed`);
        }
      }
    }
    q.insertGateway.run({
      id: g.id, tech: g.tech, format: g.format, floor: g.floor, x: g.x, y: g.y, mountHeightM: g.mountHeightM,
      room: g.room ?? null, door: g.door ?? null, antennas: g.antennas ?? null, topic, now: clock(),
    });
  });

  const setIngestTx = db.transaction((id: string, format: GatewayFormat, topic: string) => {
    const row = q.allGateways.all().find((r) => r.id === id);
    if (!row) throw new RtlsError('RTLS_ERR_GATEWAY_NOT_FOUND', `Gateway not found: ${id}`);
    if (format !== 'native') {
      for (const other of q.allGateways.all()) {
        if (other.id !== id && other.format !== 'native' && filtersOverlap(other.format as GatewayFormat, other.topic, format, topic)) {
          throw new RtlsError('RTLS_ERR_CONFLICT', `Topic ${topic} overlaps gateway ${other.id}'s topic ${other.topic}: messages could not be routed`);
        }
      }
    }
    q.setIngest.run({ id, format, topic, now: clock() });
  });

  return {
    path: file,
    setGatewayIngest(id, ingest) {
      const topic = topicFor(ingest.format, id, ingest.topic, ingest.mac);
      if (ingest.format !== 'native') {
        const problem = topicFilterProblem(topic);
        if (problem) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`topic: ${problem}`]);
      }
      setIngestTx(id, ingest.format, topic);
      reload();
      return toRegistered(q.allGateways.all().find((r) => r.id === id)!);
    },
    async createGateway(g) {
      const topic = topicFor(g.format, g.id, g.topic, g.mac);
      if (g.format !== 'native') {
        const problem = topicFilterProblem(topic);
        if (problem) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`topic: ${problem}`]);
      }
      createTx(g, topic);
      reload();
      const credentials = await this.issueGatewayCredentials(g.id);
      return { gateway: toRegistered(q.allGateways.all().find((r) => r.id === g.id)!), credentials };
    },
    syncGatewaysFromSite(site) {
      const r = syncTx(site);
      reload();
      return r;
    },
    async issueGatewayCredentials(gatewayId) {
      if (!q.gatewayExists.get(gatewayId)) throw new RtlsError('RTLS_ERR_GATEWAY_NOT_FOUND', `Gateway not found: ${gatewayId}`);
      const password = generateSecret();
      const hash = await hashSecret(password, 'random-token');
      // Re-check after the (async) hash: the gateway could have been removed meanwhile by another process.
      const res = q.setHash.run(hash, clock(), gatewayId);
      if (res.changes !== 1) throw new RtlsError('RTLS_ERR_GATEWAY_NOT_FOUND', `Gateway not found: ${gatewayId}`);
      return { username: gatewayId, password, topic: q.topicOf.get(gatewayId)?.topic ?? gatewayReadsTopic(gatewayId) };
    },
    async authenticateGateway(username, password) {
      if (typeof username !== 'string' || typeof password !== 'string' || password.length === 0) return null;
      const row = q.hash.get(username);
      if (!row?.password_hash) return null;
      return (await verifySecret(password, row.password_hash)) ? username : null;
    },
    gatewayCredentialStamp(gatewayId) {
      const h = q.hash.get(gatewayId)?.password_hash;
      return h ? createHash('sha256').update(h).digest('hex').slice(0, 16) : null;
    },
    revokeGatewayCredentials(gatewayId) {
      if (!q.gatewayExists.get(gatewayId)) throw new RtlsError('RTLS_ERR_GATEWAY_NOT_FOUND', `Gateway not found: ${gatewayId}`);
      db.prepare('UPDATE gateways SET password_hash = NULL, updated_at = ? WHERE id = ?').run(clock(), gatewayId);
    },
    upsertTags(regs) {
      tagsTx(regs);
      reload();
    },
    listReferenceTags: () => q.allReferenceTags.all().map(toReferenceTag),
    putReferenceTag(tag, pos) {
      q.upsertReferenceTag.run({ tag, floor: pos.floor, x: pos.x, y: pos.y, note: pos.note ?? null, now: clock() });
      reload();
      return toReferenceTag(q.referenceTag.get(tag)!);
    },
    deleteReferenceTag(tag) {
      const removed = q.deleteReferenceTag.run(tag).changes > 0;
      if (removed) reload();
      return removed;
    },
    listGatewayCalibration: () => q.allGatewayCalibration.all().map(toGatewayCalibration),
    setGatewayOffset(gatewayId, offsetDb) {
      if (!Number.isFinite(offsetDb)) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, ['offsetDb: must be a finite number']);
      requireBleGateway(gatewayId);
      q.setManualOffset.run({ gateway: gatewayId, offsetDb, now: clock() });
      reload();
      return toGatewayCalibration(q.gatewayCalibration.get(gatewayId)!);
    },
    clearGatewayOffset(gatewayId) {
      const removed = q.deleteGatewayCalibration.run(gatewayId).changes > 0;
      if (removed) reload();
      return removed;
    },
    listTagModelCalibration: () => q.allTagModelCalibration.all().map(toTagModelCalibration),
    recordLearnedCalibration(learned) {
      const r = learnedTx(learned);
      reload();
      return r;
    },
    learnerSnapshot() {
      const row = q.learnerSnapshot.get();
      if (!row) return undefined;
      try {
        return JSON.parse(row.snapshot) as unknown;
      } catch {
        return undefined;
      }
    },
    pathLoss: readPathLoss,
    setPathLoss(p) {
      if (p === null) q.clearPathLoss.run();
      else {
        if (!Number.isFinite(p.rssiAt1mDbm) || !(p.exponent > 0)) {
          throw new RtlsError('RTLS_ERR_VALIDATION', undefined, ['pathLoss: rssiAt1mDbm must be finite and exponent positive']);
        }
        q.setPathLoss.run({ rssiAt1mDbm: p.rssiAt1mDbm, exponent: p.exponent, now: clock() });
      }
      reload();
      return readPathLoss();
    },
    listGateways: () => q.allGateways.all().map(toRegistered),
    listTags: () => q.allTags.all().map(toSummary),
    view: () => view,
    refreshIfChanged() {
      if (currentDataVersion() === dataVersion) return false;
      reload();
      return true;
    },
    close() {
      if (db.open) db.close();
    },
  };
}
