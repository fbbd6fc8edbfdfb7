/**
 * UHF RFID readers (pure): door portals and smart cabinets. They read EPC tags only (BLE gateways never hear EPC
 * tags; RFID readers never hear BLE tags).
 *
 * Portal: two antennas either side of the door it guards — antenna 1 on the outside, antenna 2 on the inside
 * (the gateway's `room` is the inside room) — so a tag carried through is read first on one antenna, then on both,
 * then on the other, and the order tells the direction. Inventory rounds run every `portalRoundMs`.
 * Cabinet: an inventory of everything on its shelves every `cabinetCycleMs`; a consumable "in the cabinet" sits
 * at the cabinet's point (movement.ts), so "on the shelves" is "in the cabinet's room within `cabinetRangeM`".
 */
import type { Pt } from './geometry.ts';
import type { Rng } from './random.ts';
import type { CabinetSlot } from './world.ts';
import type { GatewayModel, SiteIndex } from './site.ts';

export interface RfidParams {
  /** Time between portal inventory rounds, ms. */
  portalRoundMs: number;
  /** Antennas sit this far from the door line, each on its side, metres. */
  portalAntennaOffsetM: number;
  /** An antenna reads tags within this distance of itself, metres (so ~1.5 m either side of the door). */
  portalAntennaRangeM: number;
  /** Probability a tag in range answers in one round (RF collisions, orientation). */
  portalReadProb: number;
  /** Time between cabinet inventories, ms. */
  cabinetCycleMs: number;
  /** A tag this close to the cabinet's point, in the cabinet's room, is on its shelves, metres. */
  cabinetRangeM: number;
  /** RSSI range of RFID reads, dBm: strongest at the antenna, weakest at the edge of range. */
  rssiNearDbm: number;
  rssiFarDbm: number;
}

export const DEFAULT_RFID: Readonly<RfidParams> = Object.freeze({
  portalRoundMs: 250,
  portalAntennaOffsetM: 0.5,
  portalAntennaRangeM: 1.2,
  portalReadProb: 0.8,
  cabinetCycleMs: 10_000,
  cabinetRangeM: 1.0,
  rssiNearDbm: -45,
  rssiFarDbm: -70,
});

export interface PortalModel {
  gatewayId: string;
  floor: string;
  door: string;
  /** Rooms the portal sees tags in (the two the door joins). */
  rooms: ReadonlySet<string>;
  /** Antenna 1 (outside) and antenna 2 (inside). */
  antennas: readonly [Pt, Pt];
}

export interface CabinetModel extends CabinetSlot {
  floor: string;
  antennas: number;
  /** Offset of this cabinet's inventory cycle, ms (cabinets are not synchronised). */
  phaseMs: number;
}

/** Portals of the site; a portal whose door cannot be found is left out (it would never read anything). */
export function buildPortals(index: SiteIndex, p: RfidParams): PortalModel[] {
  const out: PortalModel[] = [];
  for (const g of index.gateways) {
    if (g.tech !== 'rfid-portal') continue;
    const door = g.door ? index.doors.find((d) => d.id === g.door) : nearestDoor(index, g);
    if (!door) continue;
    const inside = g.room && door.rooms.includes(g.room) ? g.room : door.rooms[1];
    const outside = door.rooms[0] === inside ? door.rooms[1] : door.rooms[0];
    const inPt = door.approach.get(inside);
    const outPt = door.approach.get(outside);
    const mid = door.mid;
    // An exterior door has no 'outside' room to line up with: mirror the inside point through the door.
    const inDir = inPt ? unit(inPt[0] - mid[0], inPt[1] - mid[1]) : outPt ? unit(mid[0] - outPt[0], mid[1] - outPt[1]) : null;
    if (!inDir) continue;
    const off = p.portalAntennaOffsetM;
    out.push({
      gatewayId: g.id,
      floor: door.floor,
      door: door.id,
      rooms: new Set(door.rooms),
      antennas: [
        [mid[0] - inDir[0] * off, mid[1] - inDir[1] * off],
        [mid[0] + inDir[0] * off, mid[1] + inDir[1] * off],
      ],
    });
  }
  return out;
}

function nearestDoor(index: SiteIndex, g: GatewayModel) {
  let best = null;
  let bestD = 3; // a portal is mounted at its door; further than this it guards none
  for (const d of index.doors) {
    if (d.floor !== g.floor) continue;
    const dd = Math.hypot(d.mid[0] - g.x, d.mid[1] - g.y);
    if (dd < bestD) [best, bestD] = [d, dd];
  }
  return best;
}

function unit(x: number, y: number): Pt | null {
  const l = Math.hypot(x, y);
  return l > 1e-9 ? [x / l, y / l] : null;
}

/** RSSI of an RFID read at distance d of range r (linear in distance, ±2 dB noise, within the configured range). */
export function rfidRssi(p: RfidParams, d: number, range: number, rng: Rng): number {
  const f = Math.min(1, Math.max(0, d / range));
  const v = p.rssiNearDbm + (p.rssiFarDbm - p.rssiNearDbm) * f + rng.normal(0, 2);
  const lo = Math.min(p.rssiNearDbm, p.rssiFarDbm), hi = Math.max(p.rssiNearDbm, p.rssiFarDbm);
  return Math.round(Math.min(hi, Math.max(lo, v)));
}

/**
 * One portal round for one tag at (x, y) in `room`: the antennas (1 = outside, 2 = inside) that read it, with RSSI.
 * Calls `emit` once per read.
 */
export function portalRound(
  p: RfidParams, portal: PortalModel, room: string, x: number, y: number, rng: Rng, emit: (ant: number, rssi: number) => void,
): void {
  if (!portal.rooms.has(room)) return;
  for (let k = 0; k < 2; k++) {
    const a = portal.antennas[k]!;
    const d = Math.hypot(x - a[0], y - a[1]);
    if (d > p.portalAntennaRangeM) continue;
    if (!rng.chance(p.portalReadProb)) continue;
    emit(k + 1, rfidRssi(p, d, p.portalAntennaRangeM, rng));
  }
}

/** True when a tag at (x, y) in `room` is on the cabinet's shelves. */
export function inCabinet(p: RfidParams, cab: CabinetModel, floor: string, room: string, x: number, y: number): boolean {
  return floor === cab.floor && room === cab.room && Math.hypot(x - cab.pt[0], y - cab.pt[1]) <= p.cabinetRangeM;
}
