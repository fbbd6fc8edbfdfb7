/**
 * Field checks shared by the vendor decoders (issue #4). Each check either returns the normalised value or pushes
 * one field-naming message (`data[3].rssi: …`) onto `errs` and returns undefined, so a decoder can judge every
 * field of a record and report all that are wrong at once. Units are normalised here: RSSI to dBm, times to
 * epoch ms, tag ids to `ble:` / `ibeacon:` / `epc:`.
 */
import { LIMITS, bleTagId, epcTagId, ibeaconTagId } from '@rtls/protocol';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `prefix` + `.field`, without a leading dot when the record is the message root. */
export function fieldPath(prefix: string, field: string): string {
  return prefix ? `${prefix}.${field}` : field;
}

/**
 * A value for an error message: short, and never serialised whole (a hostile payload can nest thousands deep,
 * which JSON.stringify would recurse through until the stack overflows).
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** RSSI in dBm after `scale` (0.01 for centi-dBm); outside LIMITS it is absurd and the record is dropped. */
export function rssiField(v: unknown, path: string, errs: string[], scale = 1): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    errs.push(`${path}: expected a number, got ${describeValue(v)}`);
    return undefined;
  }
  const dbm = v * scale;
  if (dbm < LIMITS.minRssiDbm || dbm > LIMITS.maxRssiDbm) {
    errs.push(`${path}: ${dbm} dBm is outside the plausible range ${LIMITS.minRssiDbm}..${LIMITS.maxRssiDbm}`);
    return undefined;
  }
  return dbm;
}

/** Optional 1-based antenna port, 1..64 as ReadSchema allows. */
export function antennaField(v: unknown, path: string, errs: string[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 64) {
    errs.push(`${path}: expected an antenna port 1..64, got ${describeValue(v)}`);
    return undefined;
  }
  return v;
}

/**
 * An iBeacon's calibrated RSSI at 1 m becomes `tx`. It is advisory metadata, so an unset (0, which both Minew and
 * MOKO send for unconfigured beacons) or absurd value is left out rather than costing the read.
 */
export function txAt1m(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= -100 && v < 0 ? v : undefined;
}

const MAC_RE = /^[0-9A-Fa-f]{2}(?:[:-]?[0-9A-Fa-f]{2}){5}$/;

/** 12 hex digits, with or without ':' / '-' separators, any case → 12 upper hex; anything else → undefined. */
export function normaliseMac(v: unknown): string | undefined {
  if (typeof v !== 'string' || !MAC_RE.test(v)) return undefined;
  return v.replace(/[:-]/g, '').toUpperCase();
}

/** Gateway hint from the first topic level that is a bare 12-hex MAC (MOKO and Minew put the MAC there). */
export function macFromTopic(topic: string): string | undefined {
  for (const level of topic.split('/')) {
    if (/^[0-9A-Fa-f]{12}$/.test(level)) return level.toUpperCase();
  }
  return undefined;
}

export function bleTagField(v: unknown, path: string, errs: string[]): string | undefined {
  const mac = normaliseMac(v);
  const id = mac === undefined ? null : bleTagId(mac);
  if (id === null) {
    errs.push(`${path}: expected a 12-hex-digit MAC, got ${describeValue(v)}`);
    return undefined;
  }
  return id;
}

/** EPC (or TID) hex → `epc:<upper hex>`; whole 16-bit words, 2..31 of them (EPC_TAG_RE). */
export function epcTagField(v: unknown, path: string, errs: string[]): string | undefined {
  const id = typeof v === 'string' ? epcTagId(v) : null;
  if (id === null) {
    errs.push(`${path}: expected EPC hex of whole 16-bit words (8..124 hex digits), got ${describeValue(v)}`);
    return undefined;
  }
  return id;
}

const ZERO_UUID_RE = /^[0-]*$/;

/**
 * The iBeacon identity of a record, or undefined when the record is to be identified by its MAC instead.
 * A record counts as an iBeacon when it carries a UUID that is not empty or all zeros: an all-zero UUID (major/minor 0) is
 * what MOKO and Minew report for a beacon whose iBeacon frame is unconfigured, and naming every such beacon
 * `ibeacon:000…-0-0` would merge them all into one tag. A non-zero UUID with bad major/minor is an error.
 */
export function ibeaconTagField(
  uuid: unknown,
  major: unknown,
  minor: unknown,
  paths: { uuid: string; major: string; minor: string },
  errs: string[],
): string | undefined {
  if (uuid === undefined || uuid === null || (typeof uuid === 'string' && ZERO_UUID_RE.test(uuid))) return undefined;
  const before = errs.length;
  if (typeof uuid !== 'string' || !/^[0-9A-Fa-f]{32}$/.test(uuid.replace(/-/g, ''))) {
    errs.push(`${paths.uuid}: expected a 32-hex-digit UUID, got ${describeValue(uuid)}`);
  }
  for (const [v, p] of [
    [major, paths.major],
    [minor, paths.minor],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) {
      errs.push(`${p}: expected an integer 0..65535, got ${describeValue(v)}`);
    }
  }
  if (errs.length > before) return undefined;
  return ibeaconTagId(uuid as string, major as number, minor as number) ?? undefined;
}

// ISO-8601 date-time with a mandatory zone: `Z`, `+hh:mm` or `+hhmm` (Zebra's IoT Connector omits the colon, which
// Date.parse does not promise to accept). Fractions of any length are truncated to ms.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})$/;

/** ISO-8601 → epoch ms, or null when it is not a valid calendar time with a zone. */
export function parseIsoMs(s: string): number | null {
  const m = ISO_RE.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  // Date.UTC rolls 31 February over into March; a rolled date is not the date the gateway wrote.
  if (new Date(utc).getUTCDate() !== d) return null;
  const zone = m[8]!;
  if (zone === 'Z' || zone === 'z') return utc;
  const digits = zone.replace(':', '');
  const offH = Number(digits.slice(1, 3));
  const offM = Number(digits.slice(3, 5));
  if (offH > 23 || offM > 59) return null;
  const sign = digits[0] === '-' ? -1 : 1;
  return utc - sign * (offH * 60 + offM) * 60_000;
}

/** Optional ISO-8601 timestamp → epoch ms; undefined when absent (receive time is used). */
export function isoTimeField(v: unknown, path: string, errs: string[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' ? parseIsoMs(v) : null;
  if (ms === null) {
    errs.push(`${path}: expected an ISO-8601 time with a zone, got ${describeValue(v)}`);
    return undefined;
  }
  return ms;
}
