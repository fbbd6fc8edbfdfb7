/**
 * Fixes and zone events as InfluxDB line protocol (issue #5 item 2), pure. The schema, as a Grafana user sees it:
 *
 *   fixes        tags   floor, kind (asset kind, when known), tag (tag id), tech (ble | ibeacon | epc)
 *                fields x, y (floor metres), accuracy_m, confidence, room ("" between rooms), zones (comma-joined),
 *                       method, evidence ("gw:rssi:n" comma-joined), t_ms (integer: the fix time, see below)
 *   zone_events  tags   event (enter | exit), floor, kind (asset kind, when known), tag, tech, zone
 *                fields inside (true after enter, false after exit), dwell_ms (integer, on exits that carry it)
 *
 * Timestamps are epoch ms (write with precision=ms). A point is identified by (measurement, tag set, timestamp) and
 * a second write of the same identity overwrites the first, so the tag set is a function of the fix or event alone
 * (plus the caller's kindOf, which must answer the same for a tag across a retry): a retried batch is byte-identical
 * and lands on the same points — idempotent writes (issue #5 item 3), no duplicates.
 *
 * Why t_ms duplicates the timestamp: InfluxQL stamps a GROUP BY time() result with the bucket start, so a downsampled
 * trail (and the 1-minute trails retention policy) would lose the fix's own time; last(t_ms) keeps it.
 * Why `inside`: a point needs a field, and `last(inside) … GROUP BY tag, zone` answers "was the tag inside" directly.
 * Why the enter/exit tag is `event`, not `kind`: `kind` is the asset kind on both measurements, so one Grafana
 * filter (kind = 'patient') works on both.
 */
import { tagTech, type Evidence, type Fix, type ZoneEvent } from '@rtls/protocol';

export const FIXES_MEASUREMENT = 'fixes';
export const ZONE_EVENTS_MEASUREMENT = 'zone_events';

/** The asset kind of a tag (equipment, patient, …), or null/undefined when unknown; must be stable across retries. */
export type KindOf = (tag: string) => string | null | undefined;

// Line-protocol escaping (docs.influxdata.com, "Line protocol" → "Special characters"):
//   measurement: comma, space;  tag keys, tag values, field keys: comma, equals sign, space;
//   string field values: double quote and backslash.
// A backslash elsewhere is literal, except that one before a special character or at the end of a tag value cannot
// be told from an escape (influxd 1.6: `a=end\\ v=1` is "invalid tag format"), and a newline ends the line wherever
// it stands. Ids never contain either (SlugSchema, TagIdSchema), so both are refused rather than mangled.
const MEASUREMENT_RE = /[, ]/g;
const KEY_RE = /[,= ]/g;
const STRING_RE = /["\\]/g;

function plain(s: string, what: string): string {
  if (s === '' || /[\n\r\\]/.test(s)) throw new Error(`line protocol: ${what} must be non-empty without newline or backslash: ${JSON.stringify(s)}`);
  return s;
}

export function escapeMeasurement(s: string): string {
  return plain(s, 'measurement').replace(MEASUREMENT_RE, '\\$&');
}

/** Tag keys, tag values and field keys. */
export function escapeKey(s: string): string {
  return plain(s, 'tag or field key/value').replace(KEY_RE, '\\$&');
}

/** A string field value, quoted. */
export function quoteStringField(s: string): string {
  if (/[\n\r]/.test(s)) throw new Error(`line protocol: string field contains a newline: ${JSON.stringify(s)}`);
  return `"${STRING_TEST_RE.test(s) ? s.replace(STRING_RE, '\\$&') : s}"`;
}
const STRING_TEST_RE = /["\\]/;

/** A float field value; line protocol has no NaN or infinity. */
export function floatField(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`line protocol: float field must be finite, got ${n}`);
  return String(n);
}

export function intField(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`line protocol: integer field must be a safe integer, got ${n}`);
  return `${n}i`;
}

function timestamp(t: number): string {
  if (!Number.isSafeInteger(t)) throw new Error(`line protocol: timestamp must be integer epoch ms, got ${t}`);
  return String(t);
}

/** Tags sorted by key (the order InfluxDB stores them in, so it need not sort), empty values left out. */
function tagSet(tags: Record<string, string | null | undefined>): string {
  let out = '';
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k];
    if (v === null || v === undefined || v === '') continue;
    out += `,${escapeKey(k)}=${escapeKey(v)}`;
  }
  return out;
}

/** Evidence as "gw:rssi:n,gw:rssi:n" — gateway ids never contain ':' or ',' (GatewayIdSchema). */
export function encodeEvidence(evidence: readonly Evidence[]): string {
  return evidence.map((e) => `${e.gw}:${floatField(e.rssi)}:${e.n}`).join(',');
}

export function decodeEvidence(s: string): Evidence[] {
  if (s === '') return [];
  return s.split(',').map((part) => {
    const i = part.lastIndexOf(':');
    const j = part.lastIndexOf(':', i - 1);
    if (i < 0 || j < 0) throw new Error(`bad evidence entry ${JSON.stringify(part)}`);
    return { gw: part.slice(0, j), rssi: Number(part.slice(j + 1, i)), n: Number(part.slice(i + 1)) };
  });
}

/**
 * Tag sets of recent (floor, kind, tag) combinations: escaping and sorting them per line was a third of the encoding
 * time at 10,000 tags. Bounded: cleared when it grows past TAG_SET_CACHE_MAX.
 */
const tagSetCache = new Map<string, string>();
const TAG_SET_CACHE_MAX = 200_000;

function fixTagSet(floor: string, kind: string | null | undefined, tag: string): string {
  const key = `${floor}\u0000${kind ?? ''}\u0000${tag}`;
  let set = tagSetCache.get(key);
  if (set === undefined) {
    set = tagSet({ floor, kind, tag, tech: tagTech(tag) });
    if (tagSetCache.size >= TAG_SET_CACHE_MAX) tagSetCache.clear();
    tagSetCache.set(key, set);
  }
  return set;
}

export function encodeFix(f: Fix, kindOf?: KindOf): string {
  const tags = fixTagSet(f.floor, kindOf?.(f.tag), f.tag);
  const fields =
    `accuracy_m=${floatField(f.accuracyM)},confidence=${floatField(f.confidence)}` +
    `,evidence=${quoteStringField(encodeEvidence(f.evidence))},method=${quoteStringField(f.method)}` +
    `,room=${quoteStringField(f.room ?? '')},t_ms=${intField(f.t)}` +
    `,x=${floatField(f.x)},y=${floatField(f.y)},zones=${quoteStringField(f.zones.join(','))}`;
  return `${FIXES_MEASUREMENT}${tags} ${fields} ${timestamp(f.t)}`;
}

export function encodeZoneEvent(e: ZoneEvent, kindOf?: KindOf): string {
  const tags = tagSet({ event: e.kind, floor: e.floor, kind: kindOf?.(e.tag), tag: e.tag, tech: tagTech(e.tag), zone: e.zone });
  const fields = (e.dwellMs === undefined ? '' : `dwell_ms=${intField(e.dwellMs)},`) + `inside=${e.kind === 'enter'}`;
  return `${ZONE_EVENTS_MEASUREMENT}${tags} ${fields} ${timestamp(e.t)}`;
}

/** Every fix and event as one line each, fixes first. */
export function encodeBatch(fixes: readonly Fix[], events: readonly ZoneEvent[], kindOf?: KindOf): string[] {
  const lines = new Array<string>(fixes.length + events.length);
  let i = 0;
  for (const f of fixes) lines[i++] = encodeFix(f, kindOf);
  for (const e of events) lines[i++] = encodeZoneEvent(e, kindOf);
  return lines;
}

export const GATEWAY_STATS_MEASUREMENT = 'gateway_stats';

/** One gateway's counters at a moment (from GET /api/gateways/:id's diagnostics), for Grafana (issue #5 item 2). */
export interface GatewayStatsPoint {
  t: number;
  gateway: string;
  floor: string;
  tech: string;
  format: string;
  /** 'online' | 'offline' | 'unknown'. */
  state: string;
  messages: number;
  reads: number;
  heartbeats: number;
  rejectedMessages: number;
  rejectedReads: number;
  clockSkewed: number;
  messagesPerS: number;
  readsPerS: number;
  tagsHeard: number;
  clockSkewMs: number | null;
}

export function encodeGatewayStats(p: GatewayStatsPoint): string {
  const tags = tagSet({ floor: p.floor, format: p.format, gateway: p.gateway, tech: p.tech });
  const fields =
    `clock_skewed=${intField(p.clockSkewed)},heartbeats=${intField(p.heartbeats)},messages=${intField(p.messages)}` +
    `,messages_per_s=${floatField(p.messagesPerS)},reads=${intField(p.reads)},reads_per_s=${floatField(p.readsPerS)}` +
    `,rejected_messages=${intField(p.rejectedMessages)},rejected_reads=${intField(p.rejectedReads)}` +
    `,state=${quoteStringField(p.state)},tags_heard=${intField(p.tagsHeard)}` +
    (p.clockSkewMs === null ? '' : `,clock_skew_ms=${intField(Math.round(p.clockSkewMs))}`);
  return `${GATEWAY_STATS_MEASUREMENT}${tags} ${fields} ${timestamp(p.t)}`;
}
