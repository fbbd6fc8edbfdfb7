/**
 * Tag and gateway identities in each vendor's spelling (issue #4 item 4). The simulator's tags carry normalised ids
 * (protocol ids.ts: `ble:<12 upper hex>`, `ibeacon:<32 upper hex>-<major>-<minor>`, `epc:<upper hex>`); a real
 * gateway reports the same tag as a MAC with or without colons, in either case, or as an iBeacon UUID with dashes.
 * The spellings here are the ones each format's locator decoder normalises back to the same id.
 */
import { BLE_TAG_RE, EPC_TAG_RE, IBEACON_TAG_RE, tagTech } from '@rtls/protocol';
import { hash32 } from '../random.ts';

export type TagParts =
  | { kind: 'ble'; mac: string }
  /** `mac`: the advertiser address the beacon is heard from (derived, see beaconMac). */
  | { kind: 'ibeacon'; uuid: string; major: number; minor: number; mac: string }
  | { kind: 'epc'; hex: string };

/** The parts of a normalised tag id, or null for an id that is not one (never produced by the simulator). */
export function tagParts(tagId: string): TagParts | null {
  const tech = tagTech(tagId);
  if (tech === 'ble' && BLE_TAG_RE.test(tagId)) return { kind: 'ble', mac: tagId.slice(4) };
  if (tech === 'epc' && EPC_TAG_RE.test(tagId)) return { kind: 'epc', hex: tagId.slice(4) };
  const m = IBEACON_TAG_RE.exec(tagId);
  if (tech === 'ibeacon' && m) {
    const uuid = tagId.slice('ibeacon:'.length, 'ibeacon:'.length + 32);
    return { kind: 'ibeacon', uuid, major: Number(m[1]), minor: Number(m[2]), mac: beaconMac(tagId) };
  }
  return null;
}

/**
 * A simulated iBeacon's advertiser address. An iBeacon id names no MAC, but every BLE report carries one; it is
 * derived from the id (so it is stable) as a random static address (two top bits set, Core spec Vol 6 Part B
 * §1.3.2.1), which cannot collide with the public (OUI) MACs of the simulator's `ble:` tags.
 */
export function beaconMac(tagId: string): string {
  const a = hash32(`beacon-mac/a/${tagId}`);
  const b = hash32(`beacon-mac/b/${tagId}`);
  const first = ((a >>> 24) | 0xc0) & 0xff;
  return hex(first, 2) + hex(a & 0xffffff, 6) + hex(b & 0xffff, 4);
}

/**
 * The simulated gateway's own MAC, derived from its id: the first 40 bits of two 32-bit hashes of the id behind a
 * locally administered unicast first octet (0x02; IEEE 802 "U/L" bit), so a simulated gateway can never share a
 * MAC with real hardware. Deterministic: the locator's registry can be given the same MAC for the same id.
 * 12 upper hex, no separators.
 */
export function simGatewayMac(gatewayId: string): string {
  const a = hash32(`gateway-mac/a/${gatewayId}`);
  const b = hash32(`gateway-mac/b/${gatewayId}`);
  return `02${hex(a, 8)}${hex(b & 0xff, 2)}`;
}

/** `AC233FA03208` → `AC:23:3F:A0:32:08` (upper) or `ac:23:…` (lower). */
export function colonMac(mac12: string, upper = true): string {
  const s = mac12.match(/../g)!.join(':');
  return upper ? s.toUpperCase() : s.toLowerCase();
}

/** 32 hex → `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case (how ESPresense and most stacks print a UUID). */
export function dashedUuid(uuid32: string): string {
  const u = uuid32.toLowerCase();
  return `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`;
}

export function hex(v: number, width: number): string {
  return (v >>> 0).toString(16).toUpperCase().padStart(width, '0').slice(-width);
}
