/**
 * Runs recorded reads through the live locator pipeline (issue #3: "using the same code path as live, strictly
 * causal"). The pipeline is the one `createPipeline` builds for the service, with the live defaults
 * (DEFAULT_PIPELINE_OPTIONS) unless told otherwise; only the clock is virtual. For every input line, in file order:
 *
 *   1. the virtual clock advances to the line's time (never backwards);
 *   2. the line's reads are delivered through `pipeline.handle` as native read batches, one per gateway, received at
 *      that time — exactly what a gateway publishing the reads live would deliver;
 *   3. `pipeline.tick()` runs (repeated while it still produces fixes, so the per-tick locate budget never delays a
 *      tag past its step), and the latest fix of each tag the line is about is written out.
 *
 * So the output for a line depends only on that line and the ones before it: appending lines never changes earlier
 * output (the causality test proves it). A fix is rate-limited by the pipeline (minFixIntervalMs, on data time), so
 * an output line may carry a fix made a little earlier: `fixT` says when, and x/y are null until the first fix.
 *
 * 1-s window files (the dataset's readings.jsonl): each line's per-anchor mean RSSI is one read at the line's `t`.
 * The pipeline's link windows then hold the last few windows' means per anchor, as they would hold raw reads live.
 * (In that file `t` is the window's start; the mean covers packets up to t + 1 s, so a readings line is causal in
 * lines, not in packets. The packet path is causal per packet.)
 *
 * `everyMs`: instead of one output per line, one per `everyMs` step of a grid aligned to the epoch, for each tag read
 * in that step; the step ending at E holds the lines with E − everyMs < t ≤ E, each delivered at its own time, and
 * the tick runs at E — what a live locator ticking every `everyMs` would report. Steps with no read produce no
 * output (so a gap in the recording cannot produce millions of lines).
 *
 * Time going back: a line more than `windowMs` older than the clock would be dropped live as a stale read; offline it
 * means the recording restarted (the dataset's readings.jsonl concatenates tracks out of time order), so the run
 * starts a new session with a fresh pipeline. Smaller steps back (packets a few ms out of order) are delivered as
 * they are; the pipeline's windows order them. Inputs whose times are not epoch-based (first t before 2000) are
 * shifted by a fixed offset into the epoch range the protocol requires; output times are in the input's own base.
 */
import { gatewayReadsTopic } from '@rtls/protocol';
import type { DropReason, Evidence, Fix, FixMethod, ReadBatch } from '@rtls/protocol';
import { DEFAULT_PIPELINE_OPTIONS, createPipeline } from '../pipeline.ts';
import type { Pipeline, PipelineOptions } from '../pipeline.ts';
import type { PipelineSink } from '../contracts.ts';
import type { OfflineSite } from './anchors.ts';
import type { InputLine, OfflineRead } from './read-streams.ts';

/** Smallest time EpochMsSchema accepts (2000-01-01). */
const MIN_EPOCH_MS = 946_684_800_000;
/** Where non-epoch input times are moved to: 2025-01-01T00:00:00Z. */
export const RELATIVE_TIME_BASE_MS = 1_735_689_600_000;

export interface OfflineRunOptions {
  /** Pipeline options; default DEFAULT_PIPELINE_OPTIONS (the live defaults). */
  pipeline?: PipelineOptions;
  /** One output per tag per step of this many ms (a positive integer; grid-aligned) instead of one per input line. */
  everyMs?: number;
}

/** One output line. x/y (and the other fix fields) are null until the tag's first fix. */
export interface OfflineOutput {
  /** Time of the output, seconds, in the input's time base: the line's t, or the step's end with everyMs. */
  t: number;
  /** Input line (with everyMs: the last line in the step). */
  line: number;
  /** Counts from 0; a new session starts when the input's time goes back (see above). */
  session: number;
  tag: string;
  x: number | null;
  y: number | null;
  floor: string | null;
  room: string | null;
  /** 1-sigma horizontal uncertainty radius, metres. */
  accuracyM: number | null;
  confidence: number | null;
  method: FixMethod | null;
  /** Links the fix used: gateway, robust RSSI over its window, reads in the window. */
  links: Evidence[];
  /** When the fix was made (its newest read), seconds in the input's time base. */
  fixT: number | null;
}

export interface OfflineSummary {
  lines: number;
  outputs: number;
  /** Outputs that carried a fix (x/y not null). */
  located: number;
  fixes: number;
  sessions: number;
  /** Reads the pipeline dropped, by reason (should be empty for clean input). */
  dropped: Partial<Record<DropReason, number>>;
}

export interface OfflineLocator {
  /** Feeds one input line; returns the outputs it completes (per-line mode: this line's; everyMs: finished steps). */
  push(line: InputLine): OfflineOutput[];
  /** Ends the input: returns the outputs of the last open step (everyMs), else nothing. */
  finish(): OfflineOutput[];
  summary(): OfflineSummary;
}

const encoder = new TextEncoder();

export function createOfflineLocator(site: OfflineSite, opts: OfflineRunOptions = {}): OfflineLocator {
  const options = opts.pipeline ?? DEFAULT_PIPELINE_OPTIONS;
  const everyMs = opts.everyMs;
  if (everyMs !== undefined && !(Number.isInteger(everyMs) && everyMs > 0)) throw new RangeError(`everyMs must be a positive integer, got ${everyMs}`);

  const latest = new Map<string, Fix>();
  const dropped: Partial<Record<DropReason, number>> = {};
  const counts = { lines: 0, outputs: 0, located: 0, fixes: 0 };
  const sink: PipelineSink = {
    tagSeen: () => undefined,
    fix: (f) => {
      counts.fixes++;
      latest.set(f.tag, f);
    },
    zoneEvent: () => undefined,
    gatewayStatus: () => undefined,
  };

  let offsetMs: number | null = null;
  let now = -Infinity;
  let session = -1;
  let pipeline: Pipeline | null = null;
  const seq = new Map<string, number>();
  // everyMs: the open step.
  let step: { end: number; tags: string[]; line: number } | null = null;

  function newSession(at: number): Pipeline {
    session++;
    latest.clear();
    now = at;
    const p = createPipeline({
      site: site.site, registry: site.registry, sink, clock: () => now, options,
      onDrop: (reason) => {
        dropped[reason] = (dropped[reason] ?? 0) + 1;
      },
    });
    pipeline = p;
    return p;
  }

  function deliver(p: Pipeline, reads: readonly OfflineRead[], base: number): void {
    const byGateway = new Map<string, OfflineRead[]>();
    for (const r of reads) {
      const a = byGateway.get(r.gatewayId);
      if (a) a.push(r);
      else byGateway.set(r.gatewayId, [r]);
    }
    for (const [gw, rs] of byGateway) {
      const n = seq.get(gw) ?? 0;
      seq.set(gw, n + 1);
      const batch: ReadBatch = {
        gw, seq: n, t: now,
        reads: rs.map((r) => {
          const read: ReadBatch['reads'][number] = { tag: r.tag, rssi: r.rssi, t: Math.round(r.tMs + base) };
          if (r.tx !== undefined) read.tx = r.tx;
          return read;
        }),
      };
      p.handle({ topic: gatewayReadsTopic(gw), payload: encoder.encode(JSON.stringify(batch)), receivedAt: now });
    }
  }

  function tickUntilSettled(p: Pipeline): void {
    // A tick locates at most maxLocatesPerTick tags; the others stay due. Ticking again at the same instant locates
    // them; a tag located once is rate-limited until newer data, so this loop ends.
    for (;;) {
      const before = counts.fixes;
      p.tick();
      if (counts.fixes === before) break;
    }
  }

  function output(t: number, line: number, tag: string, base: number): OfflineOutput {
    const f = latest.get(tag);
    counts.outputs++;
    if (!f) {
      return { t, line, session, tag, x: null, y: null, floor: null, room: null, accuracyM: null, confidence: null, method: null, links: [], fixT: null };
    }
    counts.located++;
    return {
      t, line, session, tag, x: f.x, y: f.y, floor: f.floor, room: f.room, accuracyM: f.accuracyM, confidence: f.confidence,
      method: f.method, links: f.evidence, fixT: (f.t - base) / 1000,
    };
  }

  function closeStep(): OfflineOutput[] {
    if (!step || !pipeline || offsetMs === null) return [];
    const s = step;
    step = null;
    now = Math.max(now, s.end);
    tickUntilSettled(pipeline);
    return s.tags.map((tag) => output((s.end - offsetMs!) / 1000, s.line, tag, offsetMs!));
  }

  return {
    push(line) {
      counts.lines++;
      // Decided once, from the first line, so the mapping never depends on later input.
      offsetMs ??= line.tMs < MIN_EPOCH_MS ? RELATIVE_TIME_BASE_MS : 0;
      const base = offsetMs;
      const at = Math.round(line.tMs + base);
      const out: OfflineOutput[] = [];
      let p = pipeline;
      if (!p || at < now - options.windowMs) {
        out.push(...closeStep());
        p = newSession(at);
      }
      if (everyMs !== undefined) {
        const end = Math.ceil(at / everyMs) * everyMs;
        if (step && end > step.end) out.push(...closeStep());
        step ??= { end, tags: [], line: line.line };
        step.line = line.line;
        for (const tag of line.tags) if (!step.tags.includes(tag)) step.tags.push(tag);
      }
      now = Math.max(now, at);
      deliver(p, line.reads, base);
      if (everyMs === undefined) {
        tickUntilSettled(p);
        for (const tag of line.tags) out.push(output(line.tS, line.line, tag, base));
      }
      return out;
    },
    finish: () => closeStep(),
    summary: () => ({ ...counts, sessions: session + 1, dropped: { ...dropped } }),
  };
}

/** Runs a whole parsed input; outputs in order. */
export function runOffline(lines: Iterable<InputLine>, site: OfflineSite, opts: OfflineRunOptions = {}): { outputs: OfflineOutput[]; summary: OfflineSummary } {
  const loc = createOfflineLocator(site, opts);
  const outputs: OfflineOutput[] = [];
  for (const l of lines) outputs.push(...loc.push(l));
  outputs.push(...loc.finish());
  return { outputs, summary: loc.summary() };
}
