/**
 * The accuracy regression gate (issue #3: "a test fails when a figure regresses by more than 10 %"). Pure: a
 * baseline's figures and a run's figures in, the regressions out.
 *
 * Direction per figure: errors, flips, latencies and missed changes are worse when higher; correctness ratios are
 * compared on their complement (the share of wrong answers), so "10 % worse" means 10 % more wrong answers rather
 * than a fall from 99 % to 89 %. A change must also exceed an absolute floor (0.05 m, 0.5 percentage points, 0.1
 * flips per tag-hour, 0.25 s): below it a change is noise in the figure's last digit, not a regression.
 * Wall-clock figures (processing time) and figures of the scenario rather than of the code (the Cramér–Rao bound,
 * counts) are never gated. Nor are figures resting on too few events in the baseline (a latency median of 4 room
 * changes moves by whole seconds when one fix moves): they are listed as not gated instead.
 */

export interface FigureRule {
  /** Absolute change below which nothing is a regression. */
  floor: number;
  /** Compare 1 − value (correctness ratios: the share of wrong answers must not grow). */
  complement?: boolean;
  /**
   * Gate only when the baseline's figure `figure` of the same scenario (its sample size) is at least `min`; a
   * baseline without that figure is gated.
   */
  support?: { figure: string; min: number };
}

export type Figures = Readonly<Record<string, number | null | undefined>>;

const RULES: ReadonlyArray<readonly [RegExp, FigureRule]> = [
  [/\.(errMedianM|errP90M|errP95M)$/, { floor: 0.05 }],
  [/\.(floorCorrect|roomCorrectGw|roomCorrectAll)$/, { floor: 0.005, complement: true }],
  [/\.flipsPerParkedTagHour$/, { floor: 0.1, support: { figure: 'parkedTagHours', min: 2 } }],
  [/\.(roomLatencyMedianS|roomLatencyP90S)$/, { floor: 0.25, support: { figure: 'roomChangesMeasured', min: 20 } }],
  [/\.roomChangesMissed$/, { floor: 0.005, support: { figure: 'roomChangesMeasured', min: 20 } }],
  [/^real-data\..*\.(meanM|medianM|p90M|p95M)$/, { floor: 0.05 }],
];

/** The rule a figure is gated by, or null when it is only reported. */
export function ruleFor(key: string): FigureRule | null {
  for (const [re, rule] of RULES) if (re.test(key)) return rule;
  return null;
}

export interface Regression {
  key: string;
  baseline: number;
  current: number | null;
  /** 'missing': the baseline has the figure and the run does not. */
  kind: 'regressed' | 'missing';
  /** Relative change of the compared quantity (value, or 1 − value for ratios), e.g. 0.12 = 12 % worse. */
  change?: number;
}

export interface GateResult {
  ok: boolean;
  regressions: Regression[];
  /** Figures compared. */
  checked: number;
  /** Gated kinds of figure left out because the baseline measured them on too few events. */
  smallSample: string[];
}

/**
 * Compares `current` with `baseline`. Every gated figure the baseline has a number for must be present and not
 * worse by more than `tolerance` (relative) and the rule's floor (absolute). Figures the baseline has as null (not
 * measurable in that scenario) are not compared. `skip` leaves figures out on purpose (e.g. real data when the
 * dataset is absent).
 */
export function compareToBaseline(
  baseline: Figures, current: Figures, opts: { tolerance?: number; rule?: (key: string) => FigureRule | null; skip?: (key: string) => boolean } = {},
): GateResult {
  const tolerance = opts.tolerance ?? 0.1;
  const rule = opts.rule ?? ruleFor;
  const regressions: Regression[] = [];
  const smallSample: string[] = [];
  let checked = 0;
  for (const key of Object.keys(baseline).sort()) {
    const r = rule(key);
    const base = baseline[key];
    if (!r || base === null || base === undefined || opts.skip?.(key)) continue;
    if (r.support) {
      const n = baseline[key.replace(/\.[^.]+$/, `.${r.support.figure}`)];
      if (typeof n === 'number' && n < r.support.min) {
        smallSample.push(key);
        continue;
      }
    }
    checked++;
    const cur = current[key];
    if (cur === null || cur === undefined || !Number.isFinite(cur)) {
      regressions.push({ key, baseline: base, current: cur ?? null, kind: 'missing' });
      continue;
    }
    const b = r.complement ? 1 - base : base;
    const c = r.complement ? 1 - cur : cur;
    const worse = c - b;
    if (worse > r.floor && c > b * (1 + tolerance)) {
      regressions.push({ key, baseline: base, current: cur, kind: 'regressed', change: b !== 0 ? worse / Math.abs(b) : Infinity });
    }
  }
  return { ok: regressions.length === 0, regressions, checked, smallSample };
}

/** One line per regression, for the CLI and the test's failure message. */
export function describeRegressions(rs: readonly Regression[]): string[] {
  return rs.map((r) => (r.kind === 'missing'
    ? `${r.key}: missing (baseline ${r.baseline})`
    : `${r.key}: ${r.baseline} → ${r.current} (${ruleFor(r.key)?.complement ? 'wrong answers ' : ''}+${((r.change ?? 0) * 100).toFixed(1)} %)`));
}
