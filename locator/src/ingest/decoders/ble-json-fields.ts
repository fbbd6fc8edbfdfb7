/**
 * Field readers shared by the one-device-per-message JSON BLE decoders (ESPresense, OpenMQTTGateway/Theengs, Ruuvi;
 * issue #4). Each reader returns a value or a field-naming error, never throws, so a decoder stays a pure function.
 *
 * Identity fields (ESPresense ids, device names) can carry a person's name ("watch:darrell"), so error messages
 * echo a value only when it cannot hold one (see `echo`).
 */
import { LIMITS, ReadSchema, describeZodError } from '@rtls/protocol';
import type { Read } from '@rtls/protocol';
import type { VendorDecodeContext, VendorDecodeResult } from './vendor.ts';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON type of a value, for "expected X, got Y" messages. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/** A value safe to put in an error message: numbers, and short strings of hex and separators (MACs, UUIDs). */
export function echo(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string' && /^[0-9A-Fa-f:.-]{0,40}$/.test(v)) return JSON.stringify(v);
  const t = jsonType(v);
  const article = t === 'null' || t.startsWith('an ') ? '' : /^[aeiou]/.test(t) ? 'an ' : 'a ';
  return `${article}${t}${typeof v === 'string' ? ` of ${v.length} chars` : ''}`;
}

// One separator style throughout (colons, dashes or none), or Cisco-style dotted quads.
const MAC_RE = /^[0-9A-F]{2}([:-]?)[0-9A-F]{2}(?:\1[0-9A-F]{2}){4}$/i;
const DOTTED_MAC_RE = /^[0-9A-F]{4}\.[0-9A-F]{4}\.[0-9A-F]{4}$/i;

/**
 * A MAC in any usual spelling → 12 upper hex, else null. Stricter than protocol's bleTagId, which strips every
 * non-hex character: a device name such as "name:deadbeefcafe" must not turn into a MAC.
 */
export function strictMac(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (!MAC_RE.test(s) && !DOTTED_MAC_RE.test(s)) return null;
  return s.replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
}

export type Field<T> = { ok: true; value: T } | { ok: false; error: string };

/** RSSI in dBm (integer or float), within LIMITS. JSON.parse turns 1e400 into Infinity, hence the finite check. */
export function readRssi(obj: JsonObject, field = 'rssi'): Field<number> {
  const v = obj[field];
  if (v === undefined) return { ok: false, error: `${field}: required (dBm)` };
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    return { ok: false, error: `${field}: expected a number in dBm, got ${jsonType(v)}` };
  }
  if (v < LIMITS.minRssiDbm || v > LIMITS.maxRssiDbm) {
    return {
      ok: false,
      error: `${field}: ${v} dBm is outside the plausible range ${LIMITS.minRssiDbm}..${LIMITS.maxRssiDbm}`,
    };
  }
  return { ok: true, value: v };
}

/**
 * Advertised power (tx power or iBeacon reference RSSI at 1 m), dBm. It only refines ranging, so an implausible
 * value is left out rather than costing the read.
 */
export function optionalTxDbm(v: unknown): number | undefined {
  return typeof v === 'number' && ReadSchema.shape.tx.safeParse(v).success ? v : undefined;
}

/** major/minor: JSON numbers, or decimal strings from firmware that sends every field as text. */
export function uint16Like(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,5}$/.test(v.trim())) return Number(v.trim());
  return null;
}

/** Read time: the gateway's own time when it is within maxClockSkewMs of receive time, else receive time (flagged). */
export function readTime(gatewayMs: number | undefined, ctx: VendorDecodeContext): { t: number; skewed: boolean } {
  if (gatewayMs === undefined) return { t: ctx.receivedAt, skewed: false };
  if (!Number.isFinite(gatewayMs) || Math.abs(gatewayMs - ctx.receivedAt) > ctx.maxClockSkewMs) {
    return { t: ctx.receivedAt, skewed: true };
  }
  return { t: Math.round(gatewayMs), skewed: false };
}

export function rejectSchema(...errors: string[]): VendorDecodeResult {
  return { kind: 'rejected', reason: 'schema', errors };
}

/**
 * The result for a one-device message. The read is checked against ReadSchema as the last step, so whatever the
 * input, an emitted read is a valid native read (e.g. a receive time outside the epoch-ms bounds is rejected here).
 */
export function singleRead(read: Read, skewed: boolean, gatewayHint: string | undefined): VendorDecodeResult {
  const r = ReadSchema.safeParse(read);
  if (!r.success) return { kind: 'rejected', reason: 'schema', errors: describeZodError(r.error) };
  return {
    kind: 'reads',
    reads: [r.data],
    rejected: [],
    clockSkewed: skewed ? 1 : 0,
    ...(gatewayHint ? { gatewayHint } : {}),
  };
}
