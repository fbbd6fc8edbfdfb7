/**
 * Unusual-access detection over the audit log (issue #6 item 4: "one user viewing many different patients' locations
 * in a short time, or patient look-ups at unusual hours for that user (thresholds configurable)").
 * Pure: time comes from each record's t, the actor's baseline from the injected `history` function (the audit log's
 * patientAccessTimes); no I/O, no wall clock. The caller feeds every appended record, in append order, and turns the
 * drafts into security alarms.
 *
 * Alarm messages name the actor and counts only — never a patient id or name: the alarm console is seen by roles that
 * may not see patient identity, and the messages end up in logs.
 */
import type { AuditRecord } from '@rtls/protocol';

export interface UnusualAccessOptions {
  /** Sliding window for the many-patients rule, ms. */
  windowMs: number;
  /** More distinct patients than this within windowMs raises many-patients. */
  maxDistinctPatients: number;
  /** Fewest past patient look-ups before the unusual-hour rule judges a user (below: no baseline yet). */
  minHistory: number;
  /** An hour (±1, circular) holding less than this share (0…1) of the user's past look-ups is unusual for them. */
  rareHourShare: number;
  /** How far back the baseline reaches, days. */
  historyDays: number;
  /** IANA time zone the hours are counted in (the hospital's), e.g. 'Europe/Berlin'. */
  timeZone: string;
  /** After an alarm, the same actor and kind stay quiet this long, ms. */
  cooldownMs: number;
}

export type UnusualAccessKind = 'many-patients' | 'unusual-hour';

export interface SecurityAlarmDraft {
  t: number;
  kind: UnusualAccessKind;
  actor: string;
  message: string;
}

/** Past patient-bearing access times (epoch ms, any order) of `actor` with t >= since. */
export type AccessHistory = (actor: string, since: number) => number[];

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/**
 * Every time zone offset in use is a multiple of 15 minutes and DST changes happen on the quarter hour, so the local
 * hour is constant within each UTC quarter hour: memoising per quarter hour keeps Intl out of the hot path.
 */
const QUARTER_HOUR_MS = 900_000;
const LOCAL_HOUR_MEMO_MAX = 200_000;

interface ActorWindow {
  /** Patient → newest t it was seen; Map order = ascending t (re-inserted on every sighting), so expiry pops the front. */
  lastSeen: Map<string, number>;
}

interface Baseline {
  /** The UTC hour bucket this baseline was computed for. */
  bucket: number;
  /** Look-ups per local hour 0…23. */
  byHour: number[];
  total: number;
}

export class UnusualAccessDetector {
  private readonly windows = new Map<string, ActorWindow>();
  private readonly baselines = new Map<string, Baseline>();
  /** `${kind}\n${actor}` → t until which that alarm stays quiet. */
  private readonly quietUntil = new Map<string, number>();
  private readonly hourFormat: Intl.DateTimeFormat;
  private readonly localHourMemo = new Map<number, number>();
  private lastSweep = -Infinity;

  constructor(private readonly opts: UnusualAccessOptions, private readonly history: AccessHistory) {
    for (const k of ['windowMs', 'maxDistinctPatients', 'minHistory', 'historyDays', 'cooldownMs'] as const) {
      if (!Number.isFinite(opts[k]) || opts[k] < 0) throw new RangeError(`UnusualAccessOptions.${k} must be a finite number >= 0`);
    }
    if (!(opts.rareHourShare >= 0 && opts.rareHourShare <= 1)) throw new RangeError('UnusualAccessOptions.rareHourShare must be within 0…1');
    // Throws RangeError for an unknown zone: a configuration error surfaces at start, not at the first look-up.
    this.hourFormat = new Intl.DateTimeFormat('en-GB', { timeZone: opts.timeZone, hour: '2-digit', hourCycle: 'h23' });
  }

  /** Feeds one appended record; returns the alarms it raises (usually none). */
  observe(r: AuditRecord): SecurityAlarmDraft[] {
    // Denied attempts showed nothing; records without patients are not patient look-ups.
    if (r.outcome !== 'ok' || r.patients.length === 0) return [];
    const out: SecurityAlarmDraft[] = [];
    const many = this.manyPatients(r);
    if (many) out.push(many);
    const hour = this.unusualHour(r);
    if (hour) out.push(hour);
    this.sweep(r.t);
    return out;
  }

  /** Local hour (0…23) of t in the configured zone. */
  localHour(t: number): number {
    const q = Math.floor(t / QUARTER_HOUR_MS);
    let h = this.localHourMemo.get(q);
    if (h === undefined) {
      const part = this.hourFormat.formatToParts(new Date(q * QUARTER_HOUR_MS)).find((p) => p.type === 'hour');
      h = Number(part?.value ?? NaN) % 24;
      if (this.localHourMemo.size >= LOCAL_HOUR_MEMO_MAX) this.localHourMemo.clear();
      this.localHourMemo.set(q, h);
    }
    return h;
  }

  private manyPatients(r: AuditRecord): SecurityAlarmDraft | null {
    let w = this.windows.get(r.actor);
    if (!w) {
      w = { lastSeen: new Map() };
      this.windows.set(r.actor, w);
    }
    for (const p of r.patients) {
      const prev = w.lastSeen.get(p);
      w.lastSeen.delete(p);
      // max(): a record that arrives slightly out of t order does not shorten a sighting already made.
      w.lastSeen.set(p, prev === undefined ? r.t : Math.max(prev, r.t));
    }
    this.expire(w, r.t);
    const distinct = w.lastSeen.size;
    if (distinct <= this.opts.maxDistinctPatients) return null;
    if (!this.mayAlarm('many-patients', r.actor, r.t)) return null;
    const minutes = Math.round(this.opts.windowMs / 60_000);
    return {
      t: r.t, kind: 'many-patients', actor: r.actor,
      message: `${r.actor} viewed ${distinct} different patients within ${minutes} min (threshold ${this.opts.maxDistinctPatients})`,
    };
  }

  /** Drops sightings older than the window (t - windowMs, t]. */
  private expire(w: ActorWindow, t: number): void {
    const cutoff = t - this.opts.windowMs;
    for (const [p, seen] of w.lastSeen) {
      if (seen > cutoff) break;
      w.lastSeen.delete(p);
    }
  }

  private unusualHour(r: AuditRecord): SecurityAlarmDraft | null {
    const base = this.baseline(r.actor, r.t);
    // A new user has no baseline yet: no unusual-hour judgement until minHistory look-ups are on record (the
    // many-patients rule still applies to them).
    if (base.total < this.opts.minHistory || base.total === 0) return null;
    const h = this.localHour(r.t);
    const near = base.byHour[(h + 23) % 24]! + base.byHour[h]! + base.byHour[(h + 1) % 24]!;
    const share = near / base.total;
    if (share >= this.opts.rareHourShare) return null;
    if (!this.mayAlarm('unusual-hour', r.actor, r.t)) return null;
    const pct = Math.round(share * 1000) / 10;
    return {
      t: r.t, kind: 'unusual-hour', actor: r.actor,
      message: `${r.actor} looked up patients at ${String(h).padStart(2, '0')}:00 ${this.opts.timeZone}; ${pct}% of their `
        + `${base.total} look-ups in the last ${this.opts.historyDays} days fell within an hour of that time `
        + `(threshold ${Math.round(this.opts.rareHourShare * 1000) / 10}%)`,
    };
  }

  /**
   * The actor's hour-of-day histogram, fetched once per actor per UTC hour (the history query reads the audit log).
   * It covers [hour start - historyDays, hour start): look-ups of the current hour — this one included — never count
   * towards their own baseline, whenever the caller appended them.
   */
  private baseline(actor: string, t: number): Baseline {
    const bucket = Math.floor(t / HOUR_MS);
    const cached = this.baselines.get(actor);
    if (cached && cached.bucket === bucket) return cached;
    const end = bucket * HOUR_MS;
    const since = end - this.opts.historyDays * DAY_MS;
    const byHour = new Array<number>(24).fill(0);
    let total = 0;
    for (const ht of this.history(actor, since)) {
      if (ht < since || ht >= end) continue;
      byHour[this.localHour(ht)]!++;
      total++;
    }
    const b: Baseline = { bucket, byHour, total };
    this.baselines.set(actor, b);
    return b;
  }

  private mayAlarm(kind: UnusualAccessKind, actor: string, t: number): boolean {
    const key = `${kind}\n${actor}`;
    const until = this.quietUntil.get(key);
    if (until !== undefined && t < until) return false;
    this.quietUntil.set(key, t + this.opts.cooldownMs);
    return true;
  }

  /** Forgets actors with nothing in their window and expired cool-downs, at most once per window, so memory follows the active users. */
  private sweep(t: number): void {
    if (t - this.lastSweep < this.opts.windowMs) return;
    this.lastSweep = t;
    for (const [actor, w] of this.windows) {
      this.expire(w, t);
      if (w.lastSeen.size === 0) this.windows.delete(actor);
    }
    for (const [key, until] of this.quietUntil) if (until <= t) this.quietUntil.delete(key);
    const bucket = Math.floor(t / HOUR_MS);
    for (const [actor, b] of this.baselines) if (b.bucket < bucket) this.baselines.delete(actor);
  }
}
