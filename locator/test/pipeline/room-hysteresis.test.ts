import { describe, expect, it } from 'vitest';
import { stepHysteresis, stepRoom, stepZones } from '../../src/zones/room-hysteresis.ts';
import type { HysteresisState, Placement } from '../../src/zones/room-hysteresis.ts';
import { T0 } from './helpers.ts';

const HOLD = 3000;

describe('room hysteresis', () => {
  it('a tag alternating between two rooms every second does not flap', () => {
    let s: HysteresisState<Placement> | undefined;
    const reported: (string | null)[] = [];
    for (let i = 0; i < 60; i++) {
      s = stepRoom(s, { floor: 'f1', room: i % 2 ? 'room-b' : 'room-a' }, T0 + i * 1000, HOLD, false);
      reported.push(s.stable.room);
    }
    expect(new Set(reported)).toEqual(new Set(['room-a']));
  });

  it('changes room once the new room has held for the hysteresis time', () => {
    let s = stepRoom(undefined, { floor: 'f1', room: 'room-a' }, T0, HOLD, false);
    const at = (t: number, room: string | null) => (s = stepRoom(s, { floor: 'f1', room }, T0 + t, HOLD, false)).stable.room;
    expect(at(1000, 'room-b')).toBe('room-a');
    expect(at(2000, 'room-b')).toBe('room-a');
    expect(at(3999, 'room-b')).toBe('room-a');
    expect(at(4000, 'room-b')).toBe('room-b');
    expect(s.stableSince).toBe(T0 + 4000);
  });

  it('changes at once on certain (RFID) evidence', () => {
    let s = stepRoom(undefined, { floor: 'f1', room: 'room-a' }, T0, HOLD, false);
    s = stepRoom(s, { floor: 'f1', room: 'store' }, T0 + 100, HOLD, true);
    expect(s.stable).toEqual({ floor: 'f1', room: 'store' });
  });

  it('a floor change is a change like any other', () => {
    let s = stepRoom(undefined, { floor: 'f1', room: 'x' }, T0, HOLD, false);
    s = stepRoom(s, { floor: 'f2', room: 'x' }, T0 + 1000, HOLD, false);
    expect(s.stable.floor).toBe('f1');
    s = stepRoom(s, { floor: 'f2', room: 'x' }, T0 + 4000, HOLD, false);
    expect(s.stable.floor).toBe('f2');
  });

  it('generic step: a hold of 0 follows the observation at once', () => {
    const s = stepHysteresis(stepHysteresis(undefined, 1, T0, 0, false), 2, T0 + 1, 0, false);
    expect(s.stable).toBe(2);
  });

  it('zones: each zone holds independently', () => {
    let st = stepZones(new Map(), new Set(['z1']), T0, HOLD, false);
    expect(st.zones).toEqual([]); // a zone not yet known is "out": entering it takes the hold time too
    st = stepZones(new Map(), new Set(['z1']), T0, HOLD, true); // first fix: the caller passes certain
    expect(st.zones).toEqual(['z1']);
    // z1 flickers out, z2 comes in and stays.
    st = stepZones(st.state, new Set(['z2']), T0 + 1000, HOLD, false);
    st = stepZones(st.state, new Set(['z1', 'z2']), T0 + 2000, HOLD, false);
    st = stepZones(st.state, new Set(['z2']), T0 + 3000, HOLD, false);
    expect(st.zones).toEqual(['z1']);
    st = stepZones(st.state, new Set(['z2']), T0 + 4000, HOLD, false);
    expect(st.zones).toEqual(['z1', 'z2']);
    st = stepZones(st.state, new Set(['z2']), T0 + 6000, HOLD, false);
    expect(st.zones).toEqual(['z2']);
  });
});
