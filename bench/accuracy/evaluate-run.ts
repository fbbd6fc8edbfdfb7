/**
 * A scenario run's figures: the metrics (metrics.ts), the Cramér–Rao bound on the same truth samples the error
 * figures are taken on (scenario-bound.ts), and the processing time per fix. Pure apart from the work it does.
 */
import { percentile } from '../lib/stats.ts';
import { type Mat2, mixtureQuantile } from './crlb.ts';
import { type ScenarioFigures, scoreTags } from './metrics.ts';
import type { ScenarioRun } from './run-scenario.ts';
import { stillSince, truthAt } from './truth-track.ts';

/** A room change counts for latency only if the tag then stays this long in the new room (shorter is a passage). */
export const MIN_DWELL_MS = 10_000;
/** The bound is evaluated on at most this many of the scored BLE fixes (evenly spaced in the list), for speed. */
const MAX_BOUND_SAMPLES = 1500;

export interface ScenarioFiguresWithBound extends ScenarioFigures {
  /** Efficient estimator's 2-D error quantiles on the same truth samples, m (null = not identifiable). */
  crlbMedianM: number | null;
  crlbP90M: number | null;
  crlbP95M: number | null;
  /** Reported, never gated (wall clock). */
  processingP99Ms: number | null;
}

export interface ScenarioResult {
  id: string;
  title: string;
  behaviour: ScenarioRun['spec']['behaviour'];
  tags: number;
  scoredTags: number;
  simS: number;
  scoredS: number;
  wallS: number;
  /** Pipeline drops by reason (non-zero only). */
  dropped: Record<string, number>;
  /** What the scenario did that the figures do not say (failed gateways, scored subset). */
  notes: string[];
  figures: ScenarioFiguresWithBound;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function evaluateRun(run: ScenarioRun): ScenarioResult {
  const figures = scoreTags(run.tags, run.span, { roomHasGateway: (r) => run.roomsWithGateway.has(r), minDwellMs: MIN_DWELL_MS });

  const samples: { tag: (typeof run.tags)[number]; t: number }[] = [];
  for (const tag of run.tags) {
    for (const f of tag.fixes) if (f.ble && f.t >= run.span.from && f.t <= run.span.to) samples.push({ tag, t: f.t });
  }
  const stride = Math.max(1, Math.ceil(samples.length / MAX_BOUND_SAMPLES));
  const covs: (Mat2 | null)[] = [];
  for (let i = 0; i < samples.length; i += stride) {
    const { tag, t } = samples[i]!;
    const tr = truthAt(tag.track, t);
    if (!tr) continue;
    const since = stillSince(tag.track, t);
    covs.push(run.bound.covariance({
      t, floor: tr.floor, x: tr.x, y: tr.y, txOffsetDb: tag.txOffsetDb, stillForS: since === null ? null : (t - since) / 1000,
    }));
  }
  const q = (p: number) => (covs.length > 0 ? finite(mixtureQuantile(covs, p)) : null);

  return {
    id: run.spec.id,
    title: run.spec.title,
    behaviour: run.spec.behaviour,
    tags: run.spec.tags,
    scoredTags: run.tags.length,
    simS: run.spec.durationS,
    scoredS: (run.span.to - run.span.from) / 1000,
    wallS: run.wallS,
    dropped: run.dropped,
    notes: run.outages.length === 0 ? [] : [
      `${run.outages.map((o) => o.gateway).join(', ')} down from ${run.spec.failure?.atS ?? '?'} s on; scored from then: `
      + `the ${run.tags.length} BLE tags whose strongest gateway failed`,
    ],
    figures: {
      ...figures,
      crlbMedianM: q(0.5),
      crlbP90M: q(0.9),
      crlbP95M: q(0.95),
      processingP99Ms: finite(percentile(run.perFixMs, 99)),
    },
  };
}
