/**
 * Issue #3's targets, checked against the measured figures (pure). Printed beside the figures as met / not met;
 * they are goals, not the regression gate (gate.ts).
 */
import type { ScenarioResult } from './evaluate-run.ts';
import type { RealDataRow } from './real-data.ts';

export interface TargetCheck {
  target: string;
  scope: string;
  /** The measured value as printed. */
  value: string;
  /** null: nothing to measure in this scope. */
  met: boolean | null;
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

export function checkTargets(scenarios: readonly ScenarioResult[], realRows: readonly RealDataRow[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const add = (target: string, scope: string, v: number | null, ok: (v: number) => boolean, show: (v: number) => string) =>
    out.push({ target, scope, value: v === null ? 'n/a' : show(v), met: v === null ? null : ok(v) });

  for (const s of scenarios) {
    const f = s.figures;
    if (s.behaviour === 'parked') {
      const ratio = f.errMedianM !== null && f.crlbMedianM !== null && f.crlbMedianM > 0 ? f.errMedianM / f.crlbMedianM : null;
      add('parked median ≤ 1.1 × CRLB-efficient median', s.id, ratio, (v) => v <= 1.1,
        (v) => `${f.errMedianM!.toFixed(2)} m = ${v.toFixed(2)} × ${f.crlbMedianM!.toFixed(2)} m`);
    }
    if (s.behaviour === 'walking') add('walking median ≤ 2.5 m', s.id, f.errMedianM, (v) => v <= 2.5, (v) => `${v.toFixed(2)} m`);
    add('room correct ≥ 95 % (rooms with a gateway)', s.id, f.roomCorrectGw, (v) => v >= 0.95, pct);
    if (f.parkedTagHours > 0) add('≤ 2 room flips per parked tag-hour', s.id, f.flipsPerParkedTagHour, (v) => v <= 2, (v) => v.toFixed(2));
    add('room-change latency median ≤ 5 s', s.id, f.roomLatencyMedianS, (v) => v <= 5, (v) => `${v.toFixed(1)} s`);
    add('floor correct ≥ 99.5 %', s.id, f.floorCorrect, (v) => v >= 0.995, (v) => `${(v * 100).toFixed(2)} %`);
    add('processing p99 ≤ 50 ms per fix', s.id, f.processingP99Ms, (v) => v <= 50, (v) => `${v.toFixed(2)} ms`);
  }
  for (const r of realRows) {
    const scope = `real data: ${r.method} (${r.input})`;
    add('real data median ≤ 2.0 m', scope, Number.isFinite(r.medianM) ? r.medianM : null, (v) => v <= 2.0, (v) => `${v.toFixed(2)} m`);
    add('real data p90 ≤ 4.0 m', scope, Number.isFinite(r.p90M) ? r.p90M : null, (v) => v <= 4.0, (v) => `${v.toFixed(2)} m`);
  }
  return out;
}
