import { z } from 'zod';

/**
 * Normalised tag ids (DESIGN.md §3):
 *   ble:<12 upper hex MAC>            BLE tag by MAC
 *   ibeacon:<uuid>-<major>-<minor>    iBeacon: uuid as 32 upper hex, no dashes; major/minor decimal 0..65535
 *   epc:<upper hex>                   RFID EPC, 8..124 hex chars (whole 16-bit words)
 */
export const BLE_TAG_RE = /^ble:[0-9A-F]{12}$/;
export const IBEACON_TAG_RE = /^ibeacon:[0-9A-F]{32}-(\d{1,5})-(\d{1,5})$/;
export const EPC_TAG_RE = /^epc:(?:[0-9A-F]{4}){2,31}$/;

export type TagTech = 'ble' | 'ibeacon' | 'epc';

export function tagTech(id: string): TagTech | null {
  if (BLE_TAG_RE.test(id)) return 'ble';
  const m = IBEACON_TAG_RE.exec(id);
  if (m && Number(m[1]) <= 65535 && Number(m[2]) <= 65535) return 'ibeacon';
  if (EPC_TAG_RE.test(id)) return 'epc';
  return null;
}

export const TagIdSchema = z
  .string()
  .max(96)
  .refine((s) => tagTech(s) !== null, {
    message: 'tag id must be ble:<12 hex>, ibeacon:<32 hex uuid>-<major>-<minor> or epc:<hex>',
  });
export type TagId = z.infer<typeof TagIdSchema>;

/** Gateway ids appear in MQTT topics, so no '/', '+', '#' or whitespace. */
export const GatewayIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'gateway id must be 1-64 chars of A-Z a-z 0-9 _ . - (starting alphanumeric)');
export type GatewayId = z.infer<typeof GatewayIdSchema>;

/** Generic id for floors, rooms, zones: URL- and topic-safe. */
export const SlugSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'id must be 1-64 chars of A-Z a-z 0-9 _ . -');

const hex = (s: string) => s.replace(/[^0-9a-fA-F]/g, '').toUpperCase();

export function bleTagId(mac: string): string | null {
  const h = hex(mac);
  return h.length === 12 ? `ble:${h}` : null;
}

export function ibeaconTagId(uuid: string, major: number, minor: number): string | null {
  const h = hex(uuid);
  if (h.length !== 32) return null;
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return null;
  if (major < 0 || major > 65535 || minor < 0 || minor > 65535) return null;
  return `ibeacon:${h}-${major}-${minor}`;
}

export function epcTagId(epcHex: string): string | null {
  const h = epcHex.trim().toUpperCase();
  if (!/^[0-9A-F]+$/.test(h)) return null;
  const id = `epc:${h}`;
  return EPC_TAG_RE.test(id) ? id : null;
}

/**
 * Accepts a tag id in a loose spelling (case, separators) and returns the normalised form, or null.
 * Used at the edges (API paths, CLI), never as a substitute for per-vendor decoding.
 */
export function normaliseTagId(raw: string): string | null {
  const s = raw.trim();
  const i = s.indexOf(':');
  if (i < 0) return null;
  const scheme = s.slice(0, i).toLowerCase();
  const rest = s.slice(i + 1);
  if (scheme === 'ble') return bleTagId(rest);
  if (scheme === 'epc') return epcTagId(rest);
  if (scheme === 'ibeacon') {
    const m = /^([0-9a-fA-F-]+)-(\d{1,5})-(\d{1,5})$/.exec(rest);
    if (!m) return null;
    return ibeaconTagId(m[1]!, Number(m[2]), Number(m[3]));
  }
  return null;
}
