import { describe, expect, it } from 'vitest';
import { SNAP_DISTANCE_M, createRoomStamper } from '../../src/zones/room-stamp.ts';
import { fixtureSite, rect, room } from './helpers.ts';

describe('room stamping', () => {
  const s = createRoomStamper(fixtureSite());

  it('finds the room containing a point, per floor', () => {
    expect(s.stamp('f1', 5, 5)).toEqual({ room: 'room-a', zones: [], snapped: false });
    expect(s.stamp('f1', 15, 5).room).toBe('room-b');
    expect(s.stamp('f1', 12, 15).room).toBe('corridor');
    expect(s.stamp('f2', 5, 5).room).toBe('ward');
    expect(s.stamp('nope', 5, 5)).toEqual({ room: null, zones: [], snapped: false });
  });

  it('stamps zones (geofences) along with the room', () => {
    expect(s.stamp('f1', 27, 17)).toEqual({ room: 'corridor', zones: ['exit-zone'], snapped: false });
    expect(s.stamp('f1', 24, 17).zones).toEqual([]);
  });

  it('snaps a point just outside the outline to the nearest room within 1.5 m, and not beyond', () => {
    expect(s.stamp('f1', -1, 5)).toEqual({ room: 'room-a', zones: [], snapped: true });
    expect(s.stamp('f1', 31.2, 15)).toEqual({ room: 'corridor', zones: [], snapped: true });
    expect(s.stamp('f1', -SNAP_DISTANCE_M - 0.1, 5).room).toBeNull();
    expect(s.stamp('f1', 40, 40).room).toBeNull();
    // Zones never snap.
    expect(s.stamp('f1', 30.5, 17).zones).toEqual([]);
  });

  it('snaps into a room across a gap between rooms, and prefers the smaller of overlapping rooms', () => {
    const site = {
      id: 's',
      floors: [{
        summary: { id: 'f', name: 'f', level: 0, elevationM: 0, heightM: 3, widthM: 50, depthM: 50 },
        rooms: [room('ward', rect(0, 0, 20, 20)), room('bay', rect(2, 2, 6, 6)), room('annex', rect(21, 0, 30, 10))],
        zones: [],
        doors: [],
      }],
    };
    const st = createRoomStamper(site);
    expect(st.stamp('f', 3, 3).room).toBe('bay');
    expect(st.stamp('f', 10, 10).room).toBe('ward');
    expect(st.stamp('f', 20.7, 5)).toEqual({ room: 'annex', zones: [], snapped: true });
  });

  it('respects holes in room polygons', () => {
    const site = {
      id: 's',
      floors: [{
        summary: { id: 'f', name: 'f', level: 0, elevationM: 0, heightM: 3, widthM: 50, depthM: 50 },
        rooms: [room('ring', [...rect(0, 0, 20, 20), ...rect(5, 5, 15, 15)])],
        zones: [],
        doors: [],
      }],
    };
    const st = createRoomStamper(site);
    expect(st.stamp('f', 2, 2).room).toBe('ring');
    expect(st.stamp('f', 10, 10).room).toBeNull();
    expect(st.stamp('f', 6, 10)).toEqual({ room: 'ring', zones: [], snapped: true });
  });
});
