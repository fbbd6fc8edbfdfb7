import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DoorFeatureSchema,
  FloorPlanSchema,
  GatewayFeatureSchema,
  OutlineFeatureSchema,
  RoomFeatureSchema,
  SiteFileSchema,
  WallFeatureSchema,
  ZoneFeatureSchema,
  describeZodError,
  type FloorFeature,
  type FloorPlan,
  type SiteFile,
} from '@rtls/protocol';
import { createSite, floorFromPlan, type LoadedFloor, type Site } from './site.ts';
import { validateSite } from './validate-site.ts';

/** Thrown by loadSite with every problem found, each naming the file and the field path or feature id. */
export class SiteValidationError extends Error {
  readonly problems: string[];
  constructor(dir: string, problems: string[]) {
    super(`site at ${dir} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
    this.name = 'SiteValidationError';
    this.problems = problems;
  }
}

// Features are parsed one by one with the schema their `kind` selects: parsing the collection through the union in
// FloorPlanSchema would report a failing feature as "invalid union" without naming the offending property.
type FeatureSchema =
  | typeof OutlineFeatureSchema | typeof RoomFeatureSchema | typeof ZoneFeatureSchema
  | typeof WallFeatureSchema | typeof DoorFeatureSchema | typeof GatewayFeatureSchema;
const FEATURE_SCHEMAS: Record<FloorFeature['properties']['kind'], FeatureSchema> = {
  outline: OutlineFeatureSchema,
  room: RoomFeatureSchema,
  zone: ZoneFeatureSchema,
  wall: WallFeatureSchema,
  door: DoorFeatureSchema,
  gateway: GatewayFeatureSchema,
};

function readJson(path: string, label: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`${label}: cannot read file: ${(err as Error).message}`);
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    problems.push(`${label}: not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses one floor file; returns the plan or undefined, pushing every problem found. */
export function parseFloorPlan(input: unknown, file: string, problems: string[]): FloorPlan | undefined {
  if (!isRecord(input)) {
    problems.push(`${file}: (root): expected a GeoJSON FeatureCollection object`);
    return undefined;
  }
  const before = problems.length;
  if (input.type !== 'FeatureCollection') problems.push(`${file}: type: expected "FeatureCollection"`);
  const extra = Object.keys(input).filter((k) => k !== 'type' && k !== 'features');
  if (extra.length) problems.push(`${file}: (root): unrecognized key(s) ${extra.map((k) => `"${k}"`).join(', ')}`);
  if (!Array.isArray(input.features)) {
    problems.push(`${file}: features: expected an array of features`);
    return undefined;
  }
  let outlines = 0;
  input.features.forEach((f: unknown, i: number) => {
    const props = isRecord(f) && isRecord(f.properties) ? f.properties : undefined;
    const kind = props?.kind;
    const idLabel = typeof props?.id === 'string' ? ` (${String(kind)} ${props.id})` : '';
    const at = `${file}: features[${i}]${idLabel}`;
    const schema = typeof kind === 'string' ? FEATURE_SCHEMAS[kind as keyof typeof FEATURE_SCHEMAS] : undefined;
    if (!schema) {
      problems.push(`${at}.properties.kind: expected one of ${Object.keys(FEATURE_SCHEMAS).join(', ')}`);
      return;
    }
    if (kind === 'outline') outlines++;
    const r = schema.safeParse(f);
    if (!r.success) for (const line of describeZodError(r.error)) problems.push(`${at}.${line}`);
  });
  if (outlines !== 1) problems.push(`${file}: features: expected exactly one outline feature, found ${outlines}`);
  if (problems.length > before) return undefined;
  // Everything passed feature by feature; the collection schema is the contract, so it has the last word.
  const r = FloorPlanSchema.safeParse(input);
  if (!r.success) {
    for (const line of describeZodError(r.error)) problems.push(`${file}: ${line}`);
    return undefined;
  }
  return r.data;
}

/** Parses site.json; returns the site file or undefined, pushing every problem found. */
export function parseSiteFile(input: unknown, problems: string[]): SiteFile | undefined {
  const r = SiteFileSchema.safeParse(input);
  if (!r.success) {
    for (const line of describeZodError(r.error)) problems.push(`site.json: ${line}`);
    return undefined;
  }
  return r.data;
}

/**
 * Loads `<dir>/site.json` and each floor's GeoJSON, parsing everything through the protocol schemas, then runs
 * validateSite. Throws SiteValidationError listing every problem (schema problems first; semantic checks only run
 * once every file parses, since they need the whole site).
 */
export function loadSite(dir: string): Site {
  const problems: string[] = [];
  const raw = readJson(join(dir, 'site.json'), 'site.json', problems);
  const siteFile = raw === undefined ? undefined : parseSiteFile(raw, problems);
  if (!siteFile) throw new SiteValidationError(dir, problems);

  const floors: LoadedFloor[] = [];
  for (const entry of siteFile.floors) {
    const json = readJson(join(dir, entry.file), entry.file, problems);
    if (json === undefined) continue;
    const plan = parseFloorPlan(json, entry.file, problems);
    if (!plan) continue;
    const { file: _file, ...summary } = entry;
    floors.push(floorFromPlan(summary, plan));
  }
  if (problems.length) throw new SiteValidationError(dir, problems);

  const site = createSite(siteFile.id, siteFile.name, floors, siteFile.verticals, siteFile.units);
  const fileOf = new Map(siteFile.floors.map((f) => [f.id, f.file]));
  const semantic = validateSite(site).map((msg) => {
    // Name the file too, so a problem can be found without knowing which file holds which floor.
    const m = /^floor ([^:]+): /.exec(msg);
    const file = m ? fileOf.get(m[1]!) : undefined;
    return file ? `${file}: ${msg}` : msg;
  });
  if (semantic.length) throw new SiteValidationError(dir, semantic);
  return site;
}
