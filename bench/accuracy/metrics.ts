/**
 * Accuracy figures of one scenario from ground truth and the fixes the pipeline emitted (issue #3, "Measure"). Pure:
 * everything arrives as data, so each figure is unit-tested on hand-made tracks.
 *
 * Two clocks matter. A fix's `t` is its data time (the newest read it used): its position and floor are compared
 * with the truth at that time. Its `emittedAt` is when the pipeline handed it to the sink: from then on it is what
 * the map shows, so the room figures (what a nurse or a guard acts on) follow emission time and include the delay.
 */
import { percentile } from '../lib/stats.ts';
import { type TruthPoint, indexAt, truthAt } from './truth-track.ts';

export interface ReportedFix {
  /** Data time: newest read used, epoch ms. */
  t: number;
  /** Simulated time at which the pipeline emitted the fix, epoch ms. */
  emittedAt: number;
  floor: string;
  x: number;
  y: number;
  /** Reported room; null = between rooms / unknown. */
  room: string | null;
  /** Located from BLE (position error is measured on these only; RFID fixes are room evidence). */
  ble: boolean;
}

/** One tag: its truth track and its fixes in emission order. */
export interface TagRun {
  track: readonly TruthPoint[];
  fixes: readonly ReportedFix[];
}

/** The scored span, epoch ms (inclusive). */
export interface Span {
  from: number;
  to: number;
}

export interface Spread {
  n: number;
  median: number;
  p90: number;
  p95: number;
}

/** Median / p90 / p95 by nearest rank (NaN when empty). */
export function spread(values: readonly number[]): Spread {
  return { n: values.length, median: percentile(values, 50), p90: percentile(values, 90), p95: percentile(values, 95) };
}

/** Index of the last fix emitted at or before `t`, −1 if none. Fixes are in emission order. */
export function lastFixAt(fixes: readonly ReportedFix[], t: number): number {
  let lo = 0, hi = fixes.length - 1, ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fixes[mid]!.emittedAt <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** 2-D error of each BLE fix whose data time is in the span, against the truth at that time, metres. */
export function positionErrors(tag: TagRun, span: Span): number[] {
  const out: number[] = [];
  for (const f of tag.fixes) {
    if (!f.ble || f.t < span.from || f.t > span.to) continue;
    const tr = truthAt(tag.track, f.t);
    if (tr) out.push(Math.hypot(f.x - tr.x, f.y - tr.y));
  }
  return out;
}

/** BLE fixes in the span whose floor is the true floor at their data time. */
export function floorHits(tag: TagRun, span: Span): { hits: number; n: number } {
  let hits = 0, n = 0;
  for (const f of tag.fixes) {
    if (!f.ble || f.t < span.from || f.t > span.to) continue;
    const tr = truthAt(tag.track, f.t);
    if (!tr) continue;
    n++;
    if (tr.floor === f.floor) hits++;
  }
  return { hits, n };
}

/**
 * Tag-time in the span during which the shown room (the room of the latest emitted fix; none before the first fix)
 * equals the true room, counting only time spent in rooms `counted` accepts. Milliseconds.
 */
export function roomTime(tag: TagRun, span: Span, counted: (room: string) => boolean = () => true): { correctMs: number; totalMs: number } {
  const { track, fixes } = tag;
  if (track.length === 0) return { correctMs: 0, totalMs: 0 };
  let cur = Math.max(span.from, track[0]!.t);
  const end = Math.min(span.to, track[track.length - 1]!.t);
  let ti = indexAt(track, cur);
  let fi = lastFixAt(fixes, cur);
  let correctMs = 0, totalMs = 0;
  while (cur < end) {
    const nextTruth = track[ti + 1]?.t ?? Infinity;
    const nextFix = fixes[fi + 1]?.emittedAt ?? Infinity;
    const next = Math.min(nextTruth, nextFix, end);
    const room = track[ti]!.room;
    if (counted(room)) {
      totalMs += next - cur;
      if (fi >= 0 && fixes[fi]!.room === room) correctMs += next - cur;
    }
    cur = next;
    while (ti + 1 < track.length && track[ti + 1]!.t <= cur) ti++;
    while (fi + 1 < fixes.length && fixes[fi + 1]!.emittedAt <= cur) fi++;
  }
  return { correctMs, totalMs };
}

/**
 * Room flips of a tag that stands still through the whole span: a flip is a change of the shown room (to another
 * room or to "unknown", and back) while the true room stays the same. Null when the tag moves in the span.
 */
export function parkedFlips(tag: TagRun, span: Span): { flips: number; hours: number } | null {
  const { track, fixes } = tag;
  if (track.length === 0) return null;
  const from = Math.max(span.from, track[0]!.t);
  const to = Math.min(span.to, track[track.length - 1]!.t);
  if (!(to > from)) return null;
  const first = track[indexAt(track, from)]!;
  for (let i = indexAt(track, from); i < track.length && track[i]!.t <= to; i++) {
    const p = track[i]!;
    if (p.moving || p.floor !== first.floor || p.x !== first.x || p.y !== first.y || p.room !== first.room) return null;
  }
  let flips = 0;
  let i = lastFixAt(fixes, from);
  let shown = i >= 0 ? fixes[i]!.room : undefined;
  for (i++; i < fixes.length && fixes[i]!.emittedAt <= to; i++) {
    const room = fixes[i]!.room;
    if (shown !== undefined && room !== shown) flips++;
    shown = room;
  }
  return { flips, hours: (to - from) / 3_600_000 };
}

/**
 * Room-change latency: for every true room change in the span after which the tag stays at least `minDwellMs` in
 * the new room (shorter visits are passages, which room hysteresis is meant not to chase), the time from the change
 * to the first shown room equal to the new room. A change not shown before the tag leaves the room again (or the
 * track ends) is `missed`. The change time is the first sample in the new room, so latencies are low by at most one
 * simulation step.
 */
export function roomChanges(tag: TagRun, span: Span, minDwellMs: number): { latenciesMs: number[]; missed: number } {
  const { track, fixes } = tag;
  const latenciesMs: number[] = [];
  let missed = 0;
  if (track.length === 0) return { latenciesMs, missed };
  const trackEnd = track[track.length - 1]!.t;
  for (let i = 1; i < track.length; i++) {
    const p = track[i]!;
    if (p.room === track[i - 1]!.room || p.t < span.from || p.t > span.to) continue;
    let j = i + 1;
    while (j < track.length && track[j]!.room === p.room) j++;
    const leaveT = j < track.length ? track[j]!.t : trackEnd;
    if (leaveT - p.t < minDwellMs) continue;
    let k = lastFixAt(fixes, p.t);
    if (k >= 0 && fixes[k]!.room === p.room) {
      latenciesMs.push(0);
      continue;
    }
    let found = false;
    for (k++; k < fixes.length && fixes[k]!.emittedAt < leaveT; k++) {
      if (fixes[k]!.room === p.room) {
        latenciesMs.push(fixes[k]!.emittedAt - p.t);
        found = true;
        break;
      }
    }
    if (!found) missed++;
  }
  return { latenciesMs, missed };
}

/** The figures of one scenario. Ratios are 0..1; null where the scenario has nothing to measure. */
export interface ScenarioFigures {
  bleFixes: number;
  errMedianM: number | null;
  errP90M: number | null;
  errP95M: number | null;
  floorCorrect: number | null;
  /** Time-weighted, tag-time in rooms with a BLE gateway inside. */
  roomCorrectGw: number | null;
  /** Time-weighted, all tag-time. */
  roomCorrectAll: number | null;
  parkedTagHours: number;
  flipsPerParkedTagHour: number | null;
  roomChangesMeasured: number;
  roomLatencyMedianS: number | null;
  roomLatencyP90S: number | null;
  /** Share of measured room changes never shown while the tag was in the new room. */
  roomChangesMissed: number | null;
}

export interface ScoreOptions {
  /** Rooms with a BLE gateway inside them (issue #3: room correctness "where rooms have a gateway"). */
  roomHasGateway: (room: string) => boolean;
  /** Minimum stay in the new room for a room change to count for latency, ms. */
  minDwellMs: number;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function scoreTags(tags: readonly TagRun[], span: Span, opts: ScoreOptions): ScenarioFigures {
  const errors: number[] = [];
  const latencies: number[] = [];
  let floorOk = 0, floorN = 0, gwOk = 0, gwMs = 0, allOk = 0, allMs = 0, flips = 0, parkedHours = 0, missed = 0;
  for (const tag of tags) {
    for (const e of positionErrors(tag, span)) errors.push(e);
    const fh = floorHits(tag, span);
    floorOk += fh.hits;
    floorN += fh.n;
    const gw = roomTime(tag, span, opts.roomHasGateway);
    gwOk += gw.correctMs;
    gwMs += gw.totalMs;
    const all = roomTime(tag, span);
    allOk += all.correctMs;
    allMs += all.totalMs;
    const pf = parkedFlips(tag, span);
    if (pf) {
      flips += pf.flips;
      parkedHours += pf.hours;
    }
    const rc = roomChanges(tag, span, opts.minDwellMs);
    for (const l of rc.latenciesMs) latencies.push(l / 1000);
    missed += rc.missed;
  }
  const err = spread(errors);
  const lat = spread(latencies);
  return {
    bleFixes: errors.length,
    errMedianM: finite(err.median),
    errP90M: finite(err.p90),
    errP95M: finite(err.p95),
    floorCorrect: ratio(floorOk, floorN),
    roomCorrectGw: ratio(gwOk, gwMs),
    roomCorrectAll: ratio(allOk, allMs),
    parkedTagHours: parkedHours,
    flipsPerParkedTagHour: ratio(flips, parkedHours),
    roomChangesMeasured: latencies.length + missed,
    roomLatencyMedianS: finite(lat.median),
    roomLatencyP90S: finite(lat.p90),
    roomChangesMissed: ratio(missed, latencies.length + missed),
  };
}
