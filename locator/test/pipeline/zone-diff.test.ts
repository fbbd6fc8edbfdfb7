import { describe, expect, it } from 'vitest';
import { ZoneEventSchema } from '@rtls/protocol';
import { diffZones } from '../../src/zones/zone-diff.ts';
import { T0 } from './helpers.ts';

const tag = 'ble:AABBCCDDEEFF';

describe('zone diff', () => {
  it('emits enter, then exit with dwell, exits before enters', () => {
    const a = diffZones(tag, new Map(), [{ id: 'room-a', floor: 'f1' }], T0);
    expect(a.events).toEqual([{ tag, t: T0, floor: 'f1', zone: 'room-a', kind: 'enter' }]);

    const b = diffZones(tag, a.next, [{ id: 'room-a', floor: 'f1' }, { id: 'exit-zone', floor: 'f1' }], T0 + 5000);
    expect(b.events).toEqual([{ tag, t: T0 + 5000, floor: 'f1', zone: 'exit-zone', kind: 'enter' }]);

    const c = diffZones(tag, b.next, [{ id: 'corridor', floor: 'f1' }], T0 + 65_000);
    expect(c.events).toEqual([
      { tag, t: T0 + 65_000, floor: 'f1', zone: 'room-a', kind: 'exit', dwellMs: 65_000 },
      { tag, t: T0 + 65_000, floor: 'f1', zone: 'exit-zone', kind: 'exit', dwellMs: 60_000 },
      { tag, t: T0 + 65_000, floor: 'f1', zone: 'corridor', kind: 'enter' },
    ]);
    for (const e of [...a.events, ...b.events, ...c.events]) expect(ZoneEventSchema.safeParse(e).success).toBe(true);
  });

  it('no change, no events; the same id on another floor is an exit and an enter', () => {
    const a = diffZones(tag, new Map(), [{ id: 'x', floor: 'f1' }], T0);
    expect(diffZones(tag, a.next, [{ id: 'x', floor: 'f1' }], T0 + 1).events).toEqual([]);
    expect(diffZones(tag, a.next, [{ id: 'x', floor: 'f2' }], T0 + 2).events.map((e) => `${e.kind}:${e.floor}`)).toEqual(['exit:f1', 'enter:f2']);
  });
});
