/**
 * RFID evidence: smart cabinets and door portals (DESIGN.md §4). RFID tells *where* by *which reader*, not by
 * signal strength, so it is strong room evidence and overrides BLE for the same tag while it is held.
 *
 * Cabinet: a read means the item is in the cabinet. Position = the cabinet, room = its room, confidence 1,
 *   held for cabinetHoldMs after the last read (cabinets inventory periodically, so silence between scans is normal).
 * Portal: a read means the tag is at the door. Position = the portal; the side is given by whichever antenna saw
 *   the tag last (ant 2 = inside, ant 1 = outside, by installation convention): inside → the portal's room,
 *   outside → the room on the other side of the guarded door ('outside' or unknown → null). When both antennas saw
 *   the tag the crossing direction is observed, which is certain enough to change the room without hysteresis;
 *   one antenna alone only tells the side it is on. Held for portalHoldMs after the last read.
 * The latest RFID read wins: a tag moved from a cabinet through a portal follows the portal.
 */
import type { DoorFeature, FixMethod } from '@rtls/protocol';
import type { GatewayRecord } from '../contracts.ts';

export const PORTAL_INSIDE_ANTENNA = 2;
export const PORTAL_OUTSIDE_ANTENNA = 1;

export interface RfidHoldOptions {
  portalHoldMs: number;
  cabinetHoldMs: number;
}

export interface RfidLocation {
  floor: string;
  x: number;
  y: number;
  room: string | null;
  /** Strong enough to change the reported room immediately (skips hysteresis). */
  certain: boolean;
  method: Extract<FixMethod, 'rfid-cabinet' | 'rfid-portal'>;
  confidence: number;
  accuracyM: number;
  evidence: { gw: string; rssi: number; n: number };
  /** Time of the last read behind this location. */
  t: number;
}

/** Looks up which rooms a door joins (from the floor plan). */
export type DoorLookup = (doorId: string) => Pick<DoorFeature['properties'], 'connects'> | undefined;

/** RFID state of one tag. */
export class RfidTrack {
  private gateway: GatewayRecord | null = null;
  private lastT = -Infinity;
  private n = 0;
  private lastRssi = 0;
  private readonly antennaT = new Map<number, number>();

  /** Records a read by an RFID gateway (portal or cabinet). Reads of a different reader start a new episode. */
  add(gateway: GatewayRecord, t: number, rssi: number, ant: number | undefined): void {
    if (this.gateway?.id !== gateway.id) {
      // A late read from the previous reader must not take the tag back.
      if (t < this.lastT) return;
      this.gateway = gateway;
      this.n = 0;
      this.antennaT.clear();
    }
    this.n++;
    if (t >= this.lastT) {
      this.lastT = t;
      this.lastRssi = rssi;
    }
    if (ant !== undefined) this.antennaT.set(ant, Math.max(t, this.antennaT.get(ant) ?? -Infinity));
  }

  /** Whether RFID evidence still holds at `now`. */
  isHeld(now: number, opts: RfidHoldOptions): boolean {
    if (!this.gateway) return false;
    const hold = this.gateway.tech === 'rfid-cabinet' ? opts.cabinetHoldMs : opts.portalHoldMs;
    return now - this.lastT <= hold;
  }

  /** The RFID location while held, else null. */
  locate(now: number, opts: RfidHoldOptions, doorOf: DoorLookup): RfidLocation | null {
    const g = this.gateway;
    if (!g || !this.isHeld(now, opts)) return null;
    const evidence = { gw: g.id, rssi: this.lastRssi, n: this.n };
    if (g.tech === 'rfid-cabinet') {
      return { floor: g.floor, x: g.x, y: g.y, room: g.room, certain: true, method: 'rfid-cabinet', confidence: 1, accuracyM: 1, evidence, t: this.lastT };
    }
    const tin = this.antennaT.get(PORTAL_INSIDE_ANTENNA);
    const tout = this.antennaT.get(PORTAL_OUTSIDE_ANTENNA);
    let room: string | null = null;
    let certain = false;
    let confidence = 0.5;
    if (tin !== undefined || tout !== undefined) {
      const inside = (tin ?? -Infinity) >= (tout ?? -Infinity);
      room = inside ? g.room : outsideRoom(g, doorOf);
      certain = tin !== undefined && tout !== undefined;
      confidence = certain ? 0.95 : 0.7;
    }
    return { floor: g.floor, x: g.x, y: g.y, room, certain, method: 'rfid-portal', confidence, accuracyM: 1.5, evidence, t: this.lastT };
  }
}

function outsideRoom(g: GatewayRecord, doorOf: DoorLookup): string | null {
  if (!g.door) return null;
  const door = doorOf(g.door);
  if (!door) return null;
  const [a, b] = door.connects;
  const other = a === g.room ? b : b === g.room ? a : null;
  return other === null || other === 'outside' ? null : other;
}
