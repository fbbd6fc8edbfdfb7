/** Test fixtures for the pure pipeline: a small two-floor site, a registry over its gateways, a recording sink. */
import type { DoorFeature, Fix, GatewayStatus, RoomFeature, TagSummary, ZoneEvent, ZoneFeature, ZoneType } from '@rtls/protocol';
import type { GatewayRecord, PipelineSink, RegistryView } from '../../src/contracts.ts';
import type { SiteLike } from '../../src/zones/site-model.ts';

/** 2025-01-01T00:00:00Z: a realistic epoch so fixes pass EpochMsSchema. */
export const T0 = 1_735_689_600_000;

export function rect(x0: number, y0: number, x1: number, y1: number): [number, number][][] {
  return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
}

export function room(id: string, coords: [number, number][][], zoneType: ZoneType = 'patient-room'): RoomFeature {
  return { type: 'Feature', properties: { kind: 'room', id, name: id, zoneType }, geometry: { type: 'Polygon', coordinates: coords } };
}

export function zone(id: string, coords: [number, number][][]): ZoneFeature {
  return { type: 'Feature', properties: { kind: 'zone', id, name: id, zoneType: 'exit' }, geometry: { type: 'Polygon', coordinates: coords } };
}

export function door(id: string, a: string, b: string, from: [number, number], to: [number, number]): DoorFeature {
  return { type: 'Feature', properties: { kind: 'door', id, connects: [a, b] }, geometry: { type: 'LineString', coordinates: [from, to] } };
}

/**
 * Floor f1 (30 × 20 m): room-a [0,10]×[0,10], room-b [10,20]×[0,10], store [20,30]×[0,10], corridor [0,30]×[10,20],
 * zone exit-zone [25,30]×[15,20] inside the corridor. Floor f2 (30 × 20 m): ward [0,30]×[0,20].
 */
export function fixtureSite(): SiteLike {
  const summary = (id: string, level: number) => ({ id, name: id, level, elevationM: level * 4, heightM: 4, widthM: 30, depthM: 20 });
  return {
    id: 'fixture',
    floors: [
      {
        summary: summary('f1', 0),
        rooms: [
          room('room-a', rect(0, 0, 10, 10)),
          room('room-b', rect(10, 0, 20, 10)),
          room('store', rect(20, 0, 30, 10), 'equipment-storage'),
          room('corridor', rect(0, 10, 30, 20), 'corridor'),
        ],
        zones: [zone('exit-zone', rect(25, 15, 30, 20))],
        doors: [door('door-a', 'room-a', 'corridor', [4, 10], [6, 10]), door('door-exit', 'corridor', 'outside', [30, 14], [30, 16])],
      },
      { summary: summary('f2', 1), rooms: [room('ward', rect(0, 0, 30, 20))], zones: [], doors: [] },
    ],
  };
}

export function ble(id: string, floor: string, x: number, y: number, room: string | null = null): GatewayRecord {
  return { id, tech: 'ble', format: 'native', floor, x, y, mountHeightM: 2.8, room, door: null, antennas: null };
}

/** BLE gateways on a 10 m grid on both floors, an RFID portal on door-a and a cabinet in the store. */
export function fixtureGateways(): GatewayRecord[] {
  const out: GatewayRecord[] = [];
  for (const floor of ['f1', 'f2']) {
    for (const x of [5, 15, 25]) for (const y of [5, 15]) out.push(ble(`${floor}-gw-${x}-${y}`, floor, x, y));
  }
  out.push({ id: 'portal-a', tech: 'rfid-portal', format: 'native', floor: 'f1', x: 5, y: 10, mountHeightM: 2.2, room: 'room-a', door: 'door-a', antennas: 2 });
  out.push({ id: 'cabinet-1', tech: 'rfid-cabinet', format: 'native', floor: 'f1', x: 28, y: 2, mountHeightM: 1, room: 'store', door: null, antennas: 4 });
  return out;
}

export function fakeRegistry(gateways: GatewayRecord[] = fixtureGateways(), tags: TagSummary[] = []): RegistryView {
  const g = new Map(gateways.map((x) => [x.id, x]));
  const t = new Map(tags.map((x) => [x.id, x]));
  return { gateway: (id) => g.get(id), tag: (id) => t.get(id) };
}

export class RecordingSink implements PipelineSink {
  seen: { tag: string; t: number; battery: number | undefined }[] = [];
  fixes: Fix[] = [];
  events: ZoneEvent[] = [];
  statuses: { status: GatewayStatus; receivedAt: number }[] = [];
  tagSeen(tag: string, t: number, battery: number | undefined): void {
    this.seen.push({ tag, t, battery });
  }
  fix(fix: Fix): void {
    this.fixes.push(fix);
  }
  zoneEvent(event: ZoneEvent): void {
    this.events.push(event);
  }
  gatewayStatus(status: GatewayStatus, receivedAt: number): void {
    this.statuses.push({ status, receivedAt });
  }
}

/** A settable clock. */
export function fakeClock(start = T0): { now: () => number; set: (t: number) => void; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (v) => (t = v), advance: (ms) => (t += ms) };
}

export const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

/** Seeded PRNG (mulberry32) and a standard normal from it (Box–Muller). */
export function seeded(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, normal };
}

/** RSSI the log-distance model predicts for a tag at (x, y) (tag 1 m high) heard by gateway g. */
export function modelRssi(g: GatewayRecord, x: number, y: number, at1m = -59, exponent = 2.2): number {
  const dh = g.mountHeightM - 1;
  const d = Math.sqrt((x - g.x) ** 2 + (y - g.y) ** 2 + dh * dh);
  return at1m - 10 * exponent * Math.log10(d);
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
