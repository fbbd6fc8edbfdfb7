/**
 * InfluxQL statements for the history queries (issue #5 item 4), pure. Every identifier is double-quoted (`tag` is an
 * InfluxQL keyword: unquoted, `WHERE tag = …` does not even parse) and every value is a quoted string literal, so a
 * tag or zone id can never become syntax — ids are validated slugs upstream, and this module still escapes as if
 * they were hostile (influxql-injection tests in locator/test/store/influx-influxql.test.ts).
 *
 * Times are epoch-ms duration literals (`1700000000000ms`), compared against the point time; GROUP BY time() buckets
 * are aligned to the epoch, as HistoryStore requires.
 */
import type { Box, EventSelection } from '../history-store.ts';
import { FIXES_MEASUREMENT, ZONE_EVENTS_MEASUREMENT } from './line-protocol.ts';

/** A double-quoted identifier: backslash and double quote escaped; a newline cannot be written in one. */
export function quoteIdent(s: string): string {
  if (s === '' || /[\n\r]/.test(s)) throw new Error(`InfluxQL identifier must be non-empty without newlines: ${JSON.stringify(s)}`);
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** A single-quoted string literal: backslash and single quote escaped, newline as \n (a raw one ends the string). */
export function quoteString(s: string): string {
  if (/\r/.test(s)) throw new Error(`InfluxQL string must not contain a carriage return: ${JSON.stringify(s)}`);
  return `'${s.replace(/['\\]/g, '\\$&').replace(/\n/g, '\\n')}'`;
}

/** An epoch-ms time or a duration, as an InfluxQL duration literal. */
export function msLiteral(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new Error(`InfluxQL time must be an integer number of ms, got ${ms}`);
  // A negative literal is not a duration token; times before 1970 are not history this store holds.
  return `${Math.max(0, ms)}ms`;
}

/** A number literal (InfluxQL has no exponent notation). */
export function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`InfluxQL number must be finite, got ${n}`);
  let s = String(n);
  if (/e/i.test(s)) s = n.toFixed(20).replace(/\.?0+$/, '');
  if (/e/i.test(s)) throw new Error(`InfluxQL number out of range: ${n}`);
  return s;
}

function positiveInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, got ${n}`);
  return n;
}

const FIXES = quoteIdent(FIXES_MEASUREMENT);
const EVENTS = quoteIdent(ZONE_EVENTS_MEASUREMENT);
const TAG = quoteIdent('tag');
const ZONE = quoteIdent('zone');
const FLOOR = quoteIdent('floor');

/**
 * The columns a Fix is read from: its fields and the floor tag (the tag id is known to the caller or is a GROUP BY
 * tag). Named rather than `*`, which also drags the kind and tech tags through the selector: at 86,400 points (one
 * tag's day at 1 Hz) with 1-minute buckets, 74 ms instead of 141 ms on influxd 1.6 here.
 */
export const FIX_COLUMNS = ['x', 'y', 'accuracy_m', 'confidence', 'room', 'zones', 'method', 'evidence', 't_ms', 'floor']
  .map((c) => quoteIdent(c)).join(', ');

export const eq = (ident: string, value: string) => `${quoteIdent(ident)} = ${quoteString(value)}`;

function timeRange(fromMs: number, toMs: number): string {
  return `time >= ${msLiteral(fromMs)} AND time <= ${msLiteral(toMs)}`;
}

/**
 * A tag's fixes in [from, to], newest first (the caller reverses), at most `limit`. With a resolution, the last fix
 * of each epoch-aligned bucket: `last("t_ms"), <columns>` selects that point whole (a selector with other columns returns
 * the selected point's values), and its own time comes from t_ms because GROUP BY time() stamps the bucket start.
 */
export function trailStatement(tag: string, fromMs: number, toMs: number, limit: number, resolutionMs = 0): string {
  const where = `WHERE ${TAG} = ${quoteString(tag)} AND ${timeRange(fromMs, toMs)}`;
  const lim = `ORDER BY time DESC LIMIT ${positiveInt(limit, 'limit')}`;
  if (resolutionMs > 0) {
    return `SELECT last("t_ms"), ${FIX_COLUMNS} FROM ${FIXES} ${where} GROUP BY time(${msLiteral(positiveInt(resolutionMs, 'resolutionMs'))}) fill(none) ${lim}`;
  }
  return `SELECT ${FIX_COLUMNS} FROM ${FIXES} ${where} ${lim}`;
}

/** The tag's newest `n` fixes (default 1) in [t − maxAge, t]. */
export function positionAtStatement(tag: string, t: number, maxAgeMs: number, n = 1): string {
  return `SELECT ${FIX_COLUMNS} FROM ${FIXES} WHERE ${TAG} = ${quoteString(tag)} AND ${timeRange(t - maxAgeMs, t)} ORDER BY time DESC LIMIT ${positiveInt(n, 'n')}`;
}

/** The newest fix of every tag (no time bound: live state is rebuilt from whatever the retention kept). */
export function lastFixesStatement(): string {
  return `SELECT last("t_ms"), ${FIX_COLUMNS} FROM ${FIXES} GROUP BY ${TAG}`;
}

/**
 * Fixes on a floor, the last of each (tag, bucket); `box` keeps fixes inside the area (before the reduction, so a
 * tag that left the area within a bucket is represented by its last fix inside it).
 */
export function floorFixesStatement(floor: string, fromMs: number, toMs: number, binMs: number, box?: Box): string {
  let where = `WHERE ${FLOOR} = ${quoteString(floor)} AND ${timeRange(fromMs, toMs)}`;
  if (box) {
    const n = numberLiteral;
    where += ` AND "x" >= ${n(box.minX)} AND "x" <= ${n(box.maxX)} AND "y" >= ${n(box.minY)} AND "y" <= ${n(box.maxY)}`;
  }
  return `SELECT last("t_ms"), ${FIX_COLUMNS} FROM ${FIXES} ${where} GROUP BY time(${msLiteral(positiveInt(binMs, 'binMs'))}), ${TAG} fill(none)`;
}

/** Tags per statement when a selection names many (an asset class): keeps each statement small. */
export const TAGS_PER_STATEMENT = 200;

/** The WHERE condition of a selection; for `tags`, one condition per chunk of TAGS_PER_STATEMENT. */
export function selectionConditions(selection: EventSelection): string[] {
  if ('tag' in selection) return [eq('tag', selection.tag)];
  if ('zone' in selection) return [eq('zone', selection.zone)];
  const tags = [...new Set(selection.tags)];
  const out: string[] = [];
  for (let i = 0; i < tags.length; i += TAGS_PER_STATEMENT) {
    out.push(`(${tags.slice(i, i + TAGS_PER_STATEMENT).map((t) => eq('tag', t)).join(' OR ')})`);
  }
  return out;
}

/** Zone events matching `condition` in [from, to], in time order `order`, at most `limit`. */
export function zoneEventsStatement(condition: string, fromMs: number, toMs: number, order: 'ASC' | 'DESC', limit: number): string {
  return `SELECT * FROM ${EVENTS} WHERE ${condition} AND ${timeRange(fromMs, toMs)} ORDER BY time ${order} LIMIT ${positiveInt(limit, 'limit')}`;
}

/** Zone events matching `condition` at exactly t (the rows a LIMIT may have split at its boundary). */
export function zoneEventsAtStatement(condition: string, t: number): string {
  return `SELECT * FROM ${EVENTS} WHERE ${condition} AND time = ${msLiteral(t)}`;
}

/** The last event per (tag, zone) before `fromMs`, whole (`last("inside"), *`), with its own time. */
export function lastEventsBeforeStatement(condition: string, fromMs: number): string {
  return `SELECT last("inside"), * FROM ${EVENTS} WHERE ${condition} AND time < ${msLiteral(fromMs)} GROUP BY ${TAG}, ${ZONE}`;
}
