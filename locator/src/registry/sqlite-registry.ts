/**
 * The registry (DESIGN.md §6): gateways and tags in SQLite (better-sqlite3), RTLS_DATA_DIR/registry.db.
 * WAL + busy_timeout so the admin CLI (another process) can rotate credentials while the service runs; password
 * hashes are read fresh on every authentication, so a rotation takes effect at once. Passwords are never logged
 * and never stored in clear: only scrypt hashes (protocol/node secrets).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Site } from '@rtls/floorplans';
import {
  RtlsError, gatewayReadsTopic, systemClock,
  type Clock, type GatewayCredentials, type GatewayFormat, type GatewayTech, type TagKind, type TagRegistration,
  type TagSummary,
} from '@rtls/protocol';
import { generateSecret, hashSecret, verifySecret } from '@rtls/protocol/node';
import type { GatewayRecord } from '../contracts.ts';
import { CachedRegistryView } from './registry-view.ts';

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

export interface Registry {
  readonly path: string;
  /** Upsert gateways from the floor plan's gateway features; existing password hashes are kept. */
  syncGatewaysFromSite(site: Site): SyncResult;
  /** New random password (the old one stops working at once); unknown id → RTLS_ERR_GATEWAY_NOT_FOUND. */
  issueGatewayCredentials(gatewayId: string): Promise<GatewayCredentials>;
  /** The gateway id when the password matches the stored hash, else null. */
  authenticateGateway(username: string, password: string): Promise<string | null>;
  upsertTags(regs: readonly TagRegistration[]): void;
  listGateways(): RegisteredGateway[];
  listTags(): TagSummary[];
  /** Cached lookups for the pipeline and live state; same object for the registry's lifetime. */
  view(): CachedRegistryView;
  /** Reloads the view when another process (the CLI) changed the database; cheap, call it on a timer. */
  refreshIfChanged(): boolean;
  close(): void;
}

export interface RegistryOptions {
  clock?: Clock;
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
  mountHeightM: r.mount_height_m, room: r.room, door: r.door, antennas: r.antennas,
});
const toSummary = (r: TagRow): TagSummary => ({
  id: r.id, kind: r.kind as TagKind, label: r.label, registered: true, category: r.category,
});

export function openRegistry(dataDir: string, opts: RegistryOptions = {}): Registry {
  const clock = opts.clock ?? systemClock;
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, REGISTRY_DB_FILE);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // The CLI and the service write the same file; wait for the other's transaction instead of failing (ms).
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const q = {
    allGateways: db.prepare<[], GatewayRow>('SELECT * FROM gateways ORDER BY id'),
    allTags: db.prepare<[], TagRow>('SELECT * FROM tags ORDER BY id'),
    gatewayExists: db.prepare<[string], { id: string }>('SELECT id FROM gateways WHERE id = ?'),
    hash: db.prepare<[string], { password_hash: string | null }>('SELECT password_hash FROM gateways WHERE id = ?'),
    setHash: db.prepare<[string, number, string]>('UPDATE gateways SET password_hash = ?, updated_at = ? WHERE id = ?'),
    upsertGateway: db.prepare(`
      INSERT INTO gateways (id, tech, format, floor, x, y, mount_height_m, room, door, antennas, topic, password_hash, created_at, updated_at)
      VALUES (@id, @tech, @format, @floor, @x, @y, @mountHeightM, @room, @door, @antennas, @topic, NULL, @now, @now)
      ON CONFLICT(id) DO UPDATE SET tech = excluded.tech, format = excluded.format, floor = excluded.floor, x = excluded.x,
        y = excluded.y, mount_height_m = excluded.mount_height_m, room = excluded.room, door = excluded.door,
        antennas = excluded.antennas, topic = excluded.topic, updated_at = excluded.updated_at`),
    upsertTag: db.prepare(`
      INSERT INTO tags (id, kind, label, category, created_at) VALUES (@id, @kind, @label, @category, @now)
      ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, label = excluded.label, category = excluded.category`),
  };

  const view = new CachedRegistryView();
  let dataVersion = -1;
  const currentDataVersion = () => db.pragma('data_version', { simple: true }) as number;
  const reload = () => {
    view.replace(q.allGateways.all().map(toRecord), q.allTags.all().map(toSummary));
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
          room: p.room ?? null, door: p.door ?? null, antennas: p.antennas ?? null, topic: gatewayReadsTopic(p.id), now,
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

  return {
    path: file,
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
      return { username: gatewayId, password, topic: gatewayReadsTopic(gatewayId) };
    },
    async authenticateGateway(username, password) {
      if (typeof username !== 'string' || typeof password !== 'string' || password.length === 0) return null;
      const row = q.hash.get(username);
      if (!row?.password_hash) return null;
      return (await verifySecret(password, row.password_hash)) ? username : null;
    },
    upsertTags(regs) {
      tagsTx(regs);
      reload();
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
