/**
 * Everything a mover needs from the site, computed once per simulation: the navigator, rooms by type, the rooms
 * a tag may park in, and the smart cabinets' shelf points.
 */
import type { ZoneType } from '@rtls/protocol';
import { type Pt, pointInPolygon } from './geometry.ts';
import type { Navigator } from './navigation.ts';
import { type RoomModel, type SiteIndex, clearance } from './site.ts';

/** An RFID smart cabinet: the point a consumable "in the cabinet" sits at. */
export interface CabinetSlot {
  gatewayId: string;
  room: string;
  pt: Pt;
}

/** Rooms nobody parks in: floor changes happen there, and exits lead out. */
const NO_PARK: ReadonlySet<ZoneType> = new Set(['stairs', 'elevator', 'exit']);

/** Everything a mover needs from the site, computed once per simulation. */
export class World {
  readonly index: SiteIndex;
  readonly nav: Navigator;
  readonly cabinets: CabinetSlot[];
  private readonly byType = new Map<ZoneType, RoomModel[]>();
  readonly parkable: RoomModel[];

  constructor(index: SiteIndex, nav: Navigator) {
    this.index = index;
    this.nav = nav;
    for (const f of index.floors) {
      for (const r of f.rooms) {
        const list = this.byType.get(r.zoneType) ?? [];
        list.push(r);
        this.byType.set(r.zoneType, list);
      }
    }
    this.parkable = index.floors.flatMap((f) => f.rooms).filter((r) => !NO_PARK.has(r.zoneType) && !index.verticalRooms.has(r.id));
    this.cabinets = [];
    for (const g of index.gateways) {
      if (g.tech !== 'rfid-cabinet' || !g.room) continue;
      const room = index.rooms.get(g.room);
      if (!room) continue;
      this.cabinets.push({ gatewayId: g.id, room: room.id, pt: slotNear(room, g.x, g.y) });
    }
  }

  rooms(...types: ZoneType[]): RoomModel[] {
    return types.flatMap((t) => this.byType.get(t) ?? []);
  }

  cabinetsIn(roomId: string): CabinetSlot[] {
    return this.cabinets.filter((c) => c.room === roomId);
  }
}

/** The cabinet's point, moved just inside its room when it is mounted on (or beyond) a wall. */
function slotNear(room: RoomModel, x: number, y: number): Pt {
  if (pointInPolygon(x, y, room.rings) && clearance(room, x, y) >= 0.25) return [x, y];
  let best: Pt = room.anchor;
  let bestD = Infinity;
  for (let dx = -1; dx <= 1.0001; dx += 0.1) {
    for (let dy = -1; dy <= 1.0001; dy += 0.1) {
      const px = x + dx, py = y + dy;
      const d = Math.hypot(dx, dy);
      if (d < bestD && pointInPolygon(px, py, room.rings) && clearance(room, px, py) >= 0.3) {
        best = [px, py];
        bestD = d;
      }
    }
  }
  return best;
}
