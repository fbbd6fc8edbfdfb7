/** The accuracy report as console text (pure: the report in, text out). */
import { renderTable } from '../lib/table.ts';
import { type GateResult, describeRegressions } from './gate.ts';
import type { AccuracyReport } from './run-profile.ts';

const m = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
const withBound = (v: number | null, b: number | null) => `${m(v)} (${b === null ? '∞' : b.toFixed(2)})`;
const pct = (v: number | null, digits = 1) => (v === null ? 'n/a' : `${(v * 100).toFixed(digits)} %`);
const s1 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));

export function renderReport(r: AccuracyReport): string {
  const parts: string[] = [];
  parts.push(renderTable(
    `Accuracy (${r.profile}): position — metres, CRLB-efficient figure in brackets`,
    ['scenario', 'tags', 'scored s', 'BLE fixes', 'median (CRLB)', 'p90 (CRLB)', 'p95 (CRLB)', 'floor'],
    r.scenarios.map((s) => [
      `${s.id}: ${s.title}`, s.tags, s.scoredS, s.figures.bleFixes,
      withBound(s.figures.errMedianM, s.figures.crlbMedianM), withBound(s.figures.errP90M, s.figures.crlbP90M),
      withBound(s.figures.errP95M, s.figures.crlbP95M), pct(s.figures.floorCorrect, 2),
    ]),
  ));
  parts.push(renderTable(
    `Accuracy (${r.profile}): rooms and processing`,
    ['scenario', 'room gw rooms', 'room all', 'flips /parked tag-h', 'parked tag-h', 'latency med s', 'p90 s', 'changes', 'missed', 'proc p99 ms', 'wall s'],
    r.scenarios.map((s) => [
      s.id, pct(s.figures.roomCorrectGw), pct(s.figures.roomCorrectAll), m(s.figures.flipsPerParkedTagHour), s1(s.figures.parkedTagHours),
      s1(s.figures.roomLatencyMedianS), s1(s.figures.roomLatencyP90S), s.figures.roomChangesMeasured, pct(s.figures.roomChangesMissed),
      m(s.figures.processingP99Ms), s1(s.wallS),
    ]),
    [
      ...r.scenarios.flatMap((s) => s.notes.map((n) => `${s.id}: ${n}`)),
      ...r.scenarios.filter((s) => Object.keys(s.dropped).length > 0)
        .map((s) => `${s.id}: pipeline drops ${Object.entries(s.dropped).map(([k, n]) => `${k} ${n}`).join(', ')}`),
    ],
  ));
  const rd = r.realData;
  if (rd.status === 'ok') {
    parts.push(renderTable(
      'Real data: danis2022-ble-tetam, causal, 2-D error in metres',
      ['method', 'input', 'n', 'mean', 'median', 'p90', 'p95'],
      rd.rows.map((row) => [row.method, row.input, row.n, m(row.meanM), m(row.medianM), m(row.p90M), m(row.p95M)]),
      rd.notes,
    ));
  } else if (rd.status !== 'skipped') {
    parts.push(`Real data: ${rd.status}. ${rd.notes.join(' ')}\n`);
  }
  parts.push(renderTable(
    'Targets (issue #3)',
    ['target', 'scope', 'measured', 'status'],
    r.targets.map((t) => [t.target, t.scope, t.value, t.met === null ? 'n/a' : t.met ? 'met' : 'NOT MET']),
  ));
  parts.push(`Definitions\n${r.definitions.map((d) => `  ${d}`).join('\n')}\n`);
  return parts.join('\n');
}

export function renderGate(gate: GateResult | null, baselineFile: string): string {
  if (!gate) return `Regression gate: no baseline at ${baselineFile} (write one with --update-baseline).\n`;
  const small = gate.smallSample.length > 0
    ? [`  not gated (baseline measured them on too few events): ${gate.smallSample.join(', ')}`]
    : [];
  if (gate.ok) return [`Regression gate: ${gate.checked} figures within 10 % of ${baselineFile}.`, ...small, ''].join('\n');
  return [
    `Regression gate: ${gate.regressions.length} of ${gate.checked} figures regressed against ${baselineFile}:`,
    ...describeRegressions(gate.regressions).map((l) => `  ${l}`),
    ...small,
    '',
  ].join('\n');
}
