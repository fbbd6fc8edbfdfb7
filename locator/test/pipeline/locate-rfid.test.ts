import { describe, expect, it } from 'vitest';
import { RfidTrack } from '../../src/positioning/locate-rfid.ts';
import type { DoorLookup } from '../../src/positioning/locate-rfid.ts';
import { T0, fixtureGateways } from './helpers.ts';

const holds = { portalHoldMs: 10_000, cabinetHoldMs: 30_000 };
const portal = fixtureGateways().find((g) => g.id === 'portal-a')!; // room-a inside, door-a → corridor outside
const cabinet = fixtureGateways().find((g) => g.id === 'cabinet-1')!;
const doorOf: DoorLookup = (id) => (id === 'door-a' ? { connects: ['room-a', 'corridor'] } : undefined);

describe('RFID locate', () => {
  it('a cabinet read puts the tag in the cabinet with certainty, held for cabinetHoldMs after the last read', () => {
    const r = new RfidTrack();
    r.add(cabinet, T0, -40, 3);
    r.add(cabinet, T0 + 5000, -42, 1);
    const loc = r.locate(T0 + 5000, holds, doorOf)!;
    expect(loc).toMatchObject({ floor: 'f1', x: 28, y: 2, room: 'store', method: 'rfid-cabinet', confidence: 1, certain: true, t: T0 + 5000 });
    expect(loc.evidence).toEqual({ gw: 'cabinet-1', rssi: -42, n: 2 });
    expect(r.locate(T0 + 35_000, holds, doorOf)).not.toBeNull();
    expect(r.locate(T0 + 35_001, holds, doorOf)).toBeNull();
  });

  it('outside antenna then inside antenna: the tag went in (inside room, certain)', () => {
    const r = new RfidTrack();
    r.add(portal, T0, -50, 1);
    r.add(portal, T0 + 400, -48, 2);
    expect(r.locate(T0 + 500, holds, doorOf)).toMatchObject({ method: 'rfid-portal', room: 'room-a', certain: true, x: 5, y: 10 });
  });

  it('inside antenna then outside antenna: the tag went out (room on the other side of the door)', () => {
    const r = new RfidTrack();
    r.add(portal, T0, -50, 2);
    r.add(portal, T0 + 400, -48, 1);
    expect(r.locate(T0 + 500, holds, doorOf)).toMatchObject({ room: 'corridor', certain: true });
  });

  it('one antenna only gives the side, not certainty; no antenna gives no room; held for portalHoldMs', () => {
    const one = new RfidTrack();
    one.add(portal, T0, -50, 2);
    expect(one.locate(T0, holds, doorOf)).toMatchObject({ room: 'room-a', certain: false });
    const none = new RfidTrack();
    none.add(portal, T0, -50, undefined);
    expect(none.locate(T0, holds, doorOf)).toMatchObject({ room: null, certain: false });
    expect(none.locate(T0 + 10_001, holds, doorOf)).toBeNull();
  });

  it('follows the latest reader, and ignores a late read from the previous one', () => {
    const r = new RfidTrack();
    r.add(cabinet, T0, -40, 1);
    r.add(portal, T0 + 1000, -50, 1);
    r.add(cabinet, T0 + 500, -40, 1); // delayed delivery of an older cabinet read
    expect(r.locate(T0 + 1000, holds, doorOf)).toMatchObject({ method: 'rfid-portal', room: 'corridor' });
  });
});
