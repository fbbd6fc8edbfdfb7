/**
 * LLRP TagReportData (from an RO_ACCESS_REPORT, in llrpjs's JSON form) → native Reads (DESIGN.md §3). Pure: no
 * clock, no I/O; every rejected tag report is counted under one reason.
 *
 *   EPC_96.EPC / EPCData.EPC       → tag `epc:<HEX>` (protocol's EPC_TAG_RE: upper-case hex, whole 16-bit words)
 *   PeakRSSI.PeakRSSI (s8, dBm)    → rssi, dBm (LLRP defines PeakRSSI in dBm); outside LIMITS' plausible range it is rejected
 *   AntennaID.AntennaID (u16)      → ant; LLRP antenna ids are already 1-based (0 means "all" and never names a port)
 *   LastSeen/FirstSeenTimestampUTC → t, epoch ms from µs
 *   TagSeenCount.TagCount          → counted as sightings (the native Read has no count)
 *
 * Time: LastSeen is preferred to FirstSeen because the locator treats an RFID read as "the tag was at this reader at
 * t" and holds the position for a while after it; the last sighting in the report window is the one that says when
 * the tag was still there. A timestamp outside the protocol's epoch-ms range (a reader whose clock was never set
 * reports 1970) is left out rather than rejecting the read: the locator then uses the batch time.
 */
import { EpochMsSchema, LIMITS, epcTagId, type Read } from '@rtls/protocol';

export const TAG_REPORT_REJECT_REASONS = [
  'malformed', // the TagReportData is not an object
  'no-epc', // neither EPC_96 nor EPCData
  'bad-epc', // not hex, or not whole 16-bit words of 32..496 bits
  'no-rssi', // PeakRSSI missing (the ROSpec asks for it; a native read needs it)
  'bad-rssi', // not a number, or outside LIMITS.minRssiDbm..maxRssiDbm
  'bad-antenna', // AntennaID not an integer 1..64 (the native read's range)
] as const;
export type TagReportRejectReason = (typeof TAG_REPORT_REJECT_REASONS)[number];
export type RejectCounts = Record<TagReportRejectReason, number>;

export function emptyRejectCounts(): RejectCounts {
  return Object.fromEntries(TAG_REPORT_REJECT_REASONS.map((r) => [r, 0])) as RejectCounts;
}

export type TagReportResult =
  | { ok: true; read: Read; timed: boolean; sightings: number }
  | { ok: false; reason: TagReportRejectReason };

export interface TagReportConversion {
  reads: Read[];
  /** TagReportData entries seen (accepted + rejected). */
  tagReports: number;
  rejected: RejectCounts;
  /** Accepted reads without a usable reader timestamp. */
  untimed: number;
  /** Sum of TagSeenCount (1 for a report without it): how many singulations the accepted reads summarise. */
  sightings: number;
}

/** Highest antenna number a native Read may carry (ReadSchema.ant). */
const MAX_ANTENNA = 64;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value of single-field parameter `param` (llrpjs: `{ PeakRSSI: { PeakRSSI: -61 } }`), or undefined. */
function field(report: Record<string, unknown>, param: string, name: string = param): unknown {
  const p = report[param];
  return isObject(p) ? p[name] : undefined;
}

/** EPC as upper-case hex from llrpjs's hex string (or a byte array when a message was built in-process). */
function epcHex(v: unknown): string | null {
  if (typeof v === 'string') return v.replace(/\s+/g, '');
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return (v as number[]).map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  return null;
}

const ISO_UTC_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * An LLRP UTC timestamp (µs since the epoch) as epoch ms, or null when absent or outside the protocol's range.
 * llrpjs decodes u64 timestamps with format "Datetime" to an ISO string with microseconds; a bigint or number of µs
 * (messages built in-process) and a Date are accepted too. Sub-millisecond digits are truncated, never rounded up,
 * so a read is never stamped later than it happened.
 */
export function llrpUtcToEpochMs(v: unknown): number | null {
  let ms: number | null = null;
  if (typeof v === 'bigint') ms = v >= 0n ? Number(v / 1000n) : null;
  else if (typeof v === 'number') ms = Number.isFinite(v) && v >= 0 ? Math.floor(v / 1000) : null;
  else if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'string') {
    const m = ISO_UTC_RE.exec(v);
    if (m) {
      const [, y, mo, d, h, mi, s, frac = ''] = m;
      ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + Number(frac.padEnd(3, '0').slice(0, 3));
    } else if (/^\d{1,20}$/.test(v)) {
      ms = Number(BigInt(v) / 1000n);
    }
  }
  if (ms === null || !EpochMsSchema.safeParse(ms).success) return null;
  return ms;
}

export function convertTagReport(report: unknown): TagReportResult {
  if (!isObject(report)) return { ok: false, reason: 'malformed' };
  const rawEpc = field(report, 'EPC_96', 'EPC') ?? field(report, 'EPCData', 'EPC');
  if (rawEpc === undefined) return { ok: false, reason: 'no-epc' };
  const hex = epcHex(rawEpc);
  const tag = hex === null ? null : epcTagId(hex);
  if (tag === null) return { ok: false, reason: 'bad-epc' };

  const rssi = field(report, 'PeakRSSI');
  if (rssi === undefined) return { ok: false, reason: 'no-rssi' };
  if (typeof rssi !== 'number' || !Number.isFinite(rssi) || rssi < LIMITS.minRssiDbm || rssi > LIMITS.maxRssiDbm) {
    return { ok: false, reason: 'bad-rssi' };
  }

  const ant = field(report, 'AntennaID');
  if (ant !== undefined && !(typeof ant === 'number' && Number.isInteger(ant) && ant >= 1 && ant <= MAX_ANTENNA)) {
    return { ok: false, reason: 'bad-antenna' };
  }

  const t = llrpUtcToEpochMs(field(report, 'LastSeenTimestampUTC', 'Microseconds')) ??
    llrpUtcToEpochMs(field(report, 'FirstSeenTimestampUTC', 'Microseconds'));
  const count = field(report, 'TagSeenCount', 'TagCount');
  const sightings = typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : 1;

  const read: Read = { tag, rssi };
  if (t !== null) read.t = t;
  if (typeof ant === 'number') read.ant = ant;
  return { ok: true, read, timed: t !== null, sightings };
}

/** Converts an RO_ACCESS_REPORT's TagReportData (one object, an array, or absent for an empty report). */
export function convertTagReports(tagReportData: unknown): TagReportConversion {
  const list = tagReportData === undefined ? [] : Array.isArray(tagReportData) ? tagReportData : [tagReportData];
  const out: TagReportConversion = { reads: [], tagReports: list.length, rejected: emptyRejectCounts(), untimed: 0, sightings: 0 };
  for (const one of list) {
    const r = convertTagReport(one);
    if (!r.ok) {
      out.rejected[r.reason]++;
      continue;
    }
    out.reads.push(r.read);
    if (!r.timed) out.untimed++;
    out.sightings += r.sightings;
  }
  return out;
}
