/**
 * Runs a profile's scenarios (and the real-data report when its dataset is there) and assembles the accuracy report:
 * the per-scenario results, the targets, the bound's definition and the flat figure map the regression gate
 * compares. Used by the CLI (bench/accuracy.ts) and in-process by the gate test.
 */
import { existsSync } from 'node:fs';
import type { Site } from '@rtls/floorplans';
import { DEFAULT_RADIO } from '@rtls/gateway-firmware-sim';
import { type ScenarioResult, evaluateRun, MIN_DWELL_MS } from './evaluate-run.ts';
import { type RealDataRow, realDataReport } from './real-data.ts';
import { runScenario, STEP_MS } from './run-scenario.ts';
import { boundDefinition } from './scenario-bound.ts';
import { type ProfileName, scenarios } from './scenarios.ts';
import { type TargetCheck, checkTargets } from './targets.ts';

export interface RealDataSection {
  /** 'ok' ran; 'missing' dataset directory absent; 'skipped' not asked for; 'error' the report threw. */
  status: 'ok' | 'missing' | 'skipped' | 'error';
  dir: string | null;
  rows: RealDataRow[];
  notes: string[];
}

export interface AccuracyReport {
  profile: ProfileName;
  definitions: string[];
  scenarios: ScenarioResult[];
  realData: RealDataSection;
  targets: TargetCheck[];
  /** Flat `<scenario>.<figure>` and `real-data.<method>.<input>.<stat>` map: what the baseline stores and the gate compares. */
  figures: Record<string, number | null>;
}

export interface ProfileOptions {
  site: Site;
  /** Wall clock for processing time only, ms (performance.now). */
  wallMs: () => number;
  /** Dataset directory for the real-data rows; null = do not run them. */
  realDataDir: string | null;
  /** Run only these scenario ids. */
  only?: readonly string[];
  /** Progress lines. */
  log?: (line: string) => void;
}

/** The metric definitions printed with the figures. */
export const METRIC_DEFINITIONS: readonly string[] = [
  `Simulated on the sample hospital, ${STEP_MS} ms steps (one pipeline tick each), default pipeline options; BLE tags only.`,
  'Error: 2-D distance of each BLE fix to the truth at the fix\'s data time (newest read used), interpolated between steps.',
  'Floor: share of BLE fixes on the true floor. Room: share of tag-time in which the room shown (latest emitted fix)',
  '  is the true room; "gw rooms" counts only time in rooms with a BLE gateway inside. Flips: changes of the shown room',
  '  of tags that stand still through the scored span, per tag-hour. Latency: true room change → first emitted fix',
  `  showing the new room, for stays ≥ ${MIN_DWELL_MS / 1000} s; "missed" = not shown before the tag left. Processing: wall time of the`,
  '  step\'s handle() + tick() divided by the fixes it emitted (reported, never gated).',
];

export async function runProfile(profile: ProfileName, opts: ProfileOptions): Promise<AccuracyReport> {
  const list = scenarios(profile).filter((s) => !opts.only || opts.only.includes(s.id));
  const results: ScenarioResult[] = [];
  for (const spec of list) {
    opts.log?.(`accuracy: ${spec.id} (${spec.tags} tags, ${spec.durationS} simulated s)…`);
    const result = evaluateRun(runScenario(opts.site, spec, opts.wallMs));
    opts.log?.(`accuracy: ${spec.id} done in ${result.wallS.toFixed(1)} s`);
    results.push(result);
  }

  const realData = await realDataSection(opts.realDataDir, opts.log);
  return {
    profile,
    definitions: [...METRIC_DEFINITIONS, roomsWithGatewayLine(opts.site), ...boundDefinition(DEFAULT_RADIO, false)],
    scenarios: results,
    realData,
    targets: checkTargets(results, realData.rows),
    figures: flattenFigures(results, realData.rows),
  };
}

/** How many of the site's rooms have a BLE gateway inside (when all do, the two room figures coincide). */
function roomsWithGatewayLine(site: Site): string {
  const rooms = site.floors.flatMap((f) => f.rooms.map((r) => r.properties.id));
  const withGw = new Set(site.floors.flatMap((f) => f.gateways.filter((g) => g.properties.tech === 'ble').map((g) => g.properties.room)));
  return `Rooms with a BLE gateway inside: ${rooms.filter((r) => withGw.has(r)).length} of ${rooms.length}.`;
}

async function realDataSection(dir: string | null, log?: (line: string) => void): Promise<RealDataSection> {
  if (dir === null) return { status: 'skipped', dir, rows: [], notes: [] };
  if (!existsSync(dir)) return { status: 'missing', dir, rows: [], notes: [`dataset not found at ${dir}: real-data figures not measured`] };
  log?.('accuracy: real data…');
  try {
    const r = await realDataReport(dir);
    return { status: 'ok', dir, rows: r.rows, notes: r.notes };
  } catch (err) {
    return { status: 'error', dir, rows: [], notes: [`real-data report failed: ${(err as Error).message}`] };
  }
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const num = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

export function flattenFigures(results: readonly ScenarioResult[], rows: readonly RealDataRow[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.figures)) out[`${r.id}.${k}`] = num(v);
  for (const row of rows) {
    const p = `real-data.${slug(row.method)}.${row.input}`;
    out[`${p}.n`] = row.n;
    out[`${p}.meanM`] = num(row.meanM);
    out[`${p}.medianM`] = num(row.medianM);
    out[`${p}.p90M`] = num(row.p90M);
    out[`${p}.p95M`] = num(row.p95M);
  }
  return out;
}

/**
 * Figures the gate must leave out for this run: scenarios not run, and real data when the dataset is absent or was
 * not asked for (a real-data report that fails on a present dataset is not left out: its figures are missing).
 */
export function notMeasured(report: AccuracyReport): (key: string) => boolean {
  const ran = new Set(report.scenarios.map((s) => s.id));
  const realAbsent = report.realData.status === 'missing' || report.realData.status === 'skipped';
  return (key) => (key.startsWith('real-data.') ? realAbsent : !ran.has(key.slice(0, key.indexOf('.'))));
}
