/**
 * Parses recorded input for the offline locator (issue #3) into input lines of (t, gateway, tag, rssi) reads, one per
 * input line, in file order. Three kinds, detected from content or named:
 *
 *   readings  one JSON object per line: `{"t": s, "rssi": {"<anchorId>": dBm, …}, "tag"?: "ble:…"}` — the shape of
 *             danis2022-ble-tetam/readings.jsonl. A line without `tag` is about OFFLINE_DEFAULT_TAG.
 *   packets   one received packet per line: `unix_seconds,receiverMAC,beaconMAC,RSSI,…` — the dataset's
 *             raw/trk/*_all_sensors.mbd. The receiver is mapped to an anchor by MAC (or by id); the beacon MAC is the
 *             tag. Only the first four columns are read: the rest (ground-truth x, y, z, orientation) never are.
 *   batches   one native ReadBatch per line (`@rtls/protocol` ReadBatchSchema: `{gw, seq, t: epoch ms, reads}`).
 *
 * Ground truth is never read: `truth*` keys are removed by the JSON reviver before anything looks at the object, and
 * only `t`, `rssi` and `tag` are taken from what remains (issue #3: "it must never read truth").
 *
 * Malformed input never throws: a line that cannot be used is skipped and reported as a LineIssue with its line
 * number and reason; a single unusable read in an otherwise good line (unknown anchor, absurd RSSI) is dropped and
 * reported with scope 'read'. The file order is kept — sorting would let a late line act before earlier ones; the
 * runner handles lines out of time order (run-offline.ts).
 */
import { LIMITS, ReadBatchSchema, ReadSchema, bleTagId, describeZodError, tagTech } from '@rtls/protocol';
import { z } from 'zod';
import { OfflineInputError, normaliseMac } from './anchors.ts';

export const INPUT_FORMATS = ['readings', 'packets', 'batches'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** The tag a readings line without a `tag` field is about (the dataset carries one beacon). */
export const OFFLINE_DEFAULT_TAG = 'ble:000000000001';
/** How many leading non-blank lines format detection looks at before giving up. */
const DETECT_LINES = 50;

export interface OfflineRead {
  gatewayId: string;
  tag: string;
  rssi: number;
  /** Time of the read in the input's time base, ms (fractional allowed). */
  tMs: number;
  /** Tag-advertised power, dBm (native batches only). */
  tx?: number;
}

export interface InputLine {
  /** 1-based line number in the input. */
  line: number;
  /** The line's time as the input states it, seconds (batches: batch t / 1000). */
  tS: number;
  /** The same in ms: when the reads are delivered to the pipeline. */
  tMs: number;
  /** The tags this line is about, in order of appearance: one output per tag (a readings line may hold no reads). */
  tags: string[];
  reads: OfflineRead[];
}

export interface LineIssue {
  line: number;
  /** 'line': the whole line was skipped; 'read': one read of the line was dropped, the rest used. */
  scope: 'line' | 'read';
  reason: string;
}

export interface StreamContext {
  /** Gateway ids the site knows. */
  hasGateway(id: string): boolean;
  /** Receiver MAC (normalised) → gateway id. */
  gatewayByMac: ReadonlyMap<string, string>;
}

export interface ParsedInput {
  format: InputFormat;
  lines: InputLine[];
  issues: LineIssue[];
}

type LineResult = { ok: true; value: InputLine; issues: LineIssue[] } | { ok: false; issue: LineIssue };

/** Removes every `truth…` key (truth, truth_z) while JSON is parsed, so no later code can reach ground truth. */
const stripTruth = (key: string, value: unknown): unknown => (key.startsWith('truth') ? undefined : value);

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text, stripTruth) };
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const rssiProblem = (v: unknown): string | null =>
  typeof v !== 'number' || !Number.isFinite(v)
    ? 'not a number'
    : v < LIMITS.minRssiDbm || v > LIMITS.maxRssiDbm
      ? `${v} dBm outside ${LIMITS.minRssiDbm}..${LIMITS.maxRssiDbm}`
      : null;

function timeProblem(t: unknown): string | null {
  if (typeof t !== 'number' || !Number.isFinite(t)) return 't: missing or not a number';
  if (t < 0) return 't: negative';
  return null;
}

export function parseReadingsLine(text: string, line: number, ctx: StreamContext): LineResult {
  const fail = (reason: string): LineResult => ({ ok: false, issue: { line, scope: 'line', reason } });
  const json = parseJson(text);
  if (!json.ok) return fail(json.reason);
  if (!isObject(json.value)) return fail('not a JSON object');
  const { t, rssi, tag: rawTag } = json.value;
  const tp = timeProblem(t);
  if (tp) return fail(tp);
  if (!isObject(rssi)) return fail('rssi: missing or not an object of anchorId → dBm');
  let tag = OFFLINE_DEFAULT_TAG;
  if (rawTag !== undefined) {
    if (typeof rawTag !== 'string' || tagTech(rawTag) === null) return fail(`tag: ${JSON.stringify(rawTag)} is not a tag id`);
    tag = rawTag;
  }
  const tS = t as number;
  const issues: LineIssue[] = [];
  const reads: OfflineRead[] = [];
  for (const [anchor, v] of Object.entries(rssi)) {
    const p = rssiProblem(v);
    if (p) issues.push({ line, scope: 'read', reason: `rssi.${anchor}: ${p}` });
    else if (!ctx.hasGateway(anchor)) issues.push({ line, scope: 'read', reason: `rssi.${anchor}: unknown anchor` });
    else reads.push({ gatewayId: anchor, tag, rssi: v as number, tMs: tS * 1000 });
  }
  return { ok: true, value: { line, tS, tMs: tS * 1000, tags: [tag], reads }, issues };
}

export function parsePacketLine(text: string, line: number, ctx: StreamContext): LineResult {
  const fail = (reason: string): LineResult => ({ ok: false, issue: { line, scope: 'line', reason } });
  // Only the first four fields are split off: the ground-truth columns after them are never looked at.
  const fields: string[] = [];
  let from = 0;
  for (let i = 0; i < 4; i++) {
    const comma = text.indexOf(',', from);
    fields.push((comma < 0 ? text.slice(from) : text.slice(from, comma)).trim());
    if (comma < 0) break;
    from = comma + 1;
  }
  if (fields.length < 4) return fail(`expected unix_seconds,receiverMAC,beaconMAC,RSSI,…; got ${fields.length} field(s)`);
  const [tText, receiver, beacon, rssiText] = fields as [string, string, string, string];
  const t = tText === '' ? NaN : Number(tText);
  const tp = timeProblem(t);
  if (tp) return fail(tp);
  const mac = normaliseMac(receiver);
  const gatewayId = (mac !== null ? ctx.gatewayByMac.get(mac) : undefined) ?? (ctx.hasGateway(receiver) ? receiver : undefined);
  if (!gatewayId) return fail(`receiver ${JSON.stringify(receiver)}: no anchor with this MAC or id`);
  const tag = bleTagId(beacon);
  if (!tag) return fail(`beacon ${JSON.stringify(beacon)}: not a 12-hex-digit MAC`);
  const rssi = rssiText === '' ? NaN : Number(rssiText);
  const p = rssiProblem(rssi);
  if (p) return fail(`RSSI: ${p}`);
  return { ok: true, value: { line, tS: t, tMs: t * 1000, tags: [tag], reads: [{ gatewayId, tag, rssi, tMs: t * 1000 }] }, issues: [] };
}

// The envelope of ReadBatchSchema with reads left to be judged one by one, as the native decoder does.
const EnvelopeSchema = z.strictObject({
  gw: ReadBatchSchema.shape.gw,
  seq: ReadBatchSchema.shape.seq,
  t: ReadBatchSchema.shape.t,
  reads: z.array(z.unknown()).max(LIMITS.maxReadsPerBatch),
});

export function parseBatchLine(text: string, line: number, ctx: StreamContext): LineResult {
  const fail = (reason: string): LineResult => ({ ok: false, issue: { line, scope: 'line', reason } });
  const json = parseJson(text);
  if (!json.ok) return fail(json.reason);
  const env = EnvelopeSchema.safeParse(json.value);
  if (!env.success) return fail(describeZodError(env.error).join('; '));
  const { gw, t } = env.data;
  if (!ctx.hasGateway(gw)) return fail(`gw ${gw}: not a gateway of the site`);
  const issues: LineIssue[] = [];
  const reads: OfflineRead[] = [];
  const tags: string[] = [];
  env.data.reads.forEach((raw, i) => {
    const r = ReadSchema.safeParse(raw);
    if (!r.success) {
      issues.push({ line, scope: 'read', reason: `reads[${i}]: ${describeZodError(r.error).join('; ')}` });
      return;
    }
    const read: OfflineRead = { gatewayId: gw, tag: r.data.tag, rssi: r.data.rssi, tMs: r.data.t ?? t };
    if (r.data.tx !== undefined) read.tx = r.data.tx;
    reads.push(read);
    if (!tags.includes(read.tag)) tags.push(read.tag);
  });
  return { ok: true, value: { line, tS: t / 1000, tMs: t, tags, reads }, issues };
}

const PARSERS: Record<InputFormat, (text: string, line: number, ctx: StreamContext) => LineResult> = {
  readings: parseReadingsLine,
  packets: parsePacketLine,
  batches: parseBatchLine,
};

const PACKET_RE = /^\s*\d+(\.\d*)?([eE][+-]?\d+)?\s*,[^,]*,[^,]*,\s*[-+]?\d/;

/** The format of the first recognisable line among the first DETECT_LINES non-blank ones, or null. */
export function detectFormat(lines: readonly string[]): InputFormat | null {
  let looked = 0;
  for (const raw of lines) {
    const text = raw.trim();
    if (text === '') continue;
    if (++looked > DETECT_LINES) break;
    if (text.startsWith('{')) {
      const j = parseJson(text);
      if (!j.ok || !isObject(j.value)) continue;
      if ('gw' in j.value && Array.isArray(j.value.reads)) return 'batches';
      if (isObject(j.value.rssi)) return 'readings';
    } else if (PACKET_RE.test(text)) return 'packets';
  }
  return null;
}

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/**
 * Parses a whole input. `format` undefined → detected from content. Blank lines are neither output nor issues.
 * Throws OfflineInputError when the format is not given and no line among the first ones is recognisable (an empty
 * input parses as an empty readings stream).
 */
export function parseInput(text: string, ctx: StreamContext, format?: InputFormat): ParsedInput {
  const raw = splitLines(text);
  const empty = raw.every((l) => l.trim() === '');
  const fmt = format ?? (empty ? 'readings' : detectFormat(raw));
  if (fmt === null) {
    throw new OfflineInputError(`input format not recognised in the first ${DETECT_LINES} lines (expected ${INPUT_FORMATS.join(', ')}); name it with --format`);
  }
  const lines: InputLine[] = [];
  const issues: LineIssue[] = [];
  const parse = PARSERS[fmt];
  raw.forEach((l, i) => {
    if (l.trim() === '') return;
    const r = parse(l, i + 1, ctx);
    if (r.ok) {
      lines.push(r.value);
      issues.push(...r.issues);
    } else issues.push(r.issue);
  });
  return { format: fmt, lines, issues };
}
