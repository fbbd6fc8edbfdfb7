import { describe, expect, it } from 'vitest';
import { loadSampleSite } from '@rtls/floorplans';
import { buildRoomGraph } from '../../src/zones/room-graph.ts';
import type { RoomGraph } from '../../src/zones/room-graph.ts';
import type { SiteLike } from '../../src/zones/site-model.ts';
import { door, rect, room } from './helpers.ts';

const summary = (id: string, level: number) => ({ id, name: id, level, elevationM: level * 4, heightM: 4, widthM: 40, depthM: 20 });

/**
 * f0: a [0,10]×[0,8] —door— b [10,20]×[0,8]; c [0,10]×[8,16] shares a wall with a but has no door to it; corridor d
 * [10,20]×[8,16] joins b and c and has the exterior door; bay [12,14]×[10,12] is drawn inside d (overlap); stairs
 * s0 and lift l0 off d. f1 and f2: stairs s1/s2 and lift l1/l2 only.
 */
function fixture(): SiteLike {
  return {
    id: 'graph-fixture',
    floors: [
      {
        summary: summary('f0', 0),
        rooms: [
          room('a', rect(0, 0, 10, 8)), room('b', rect(10, 0, 20, 8)), room('c', rect(0, 8, 10, 16)),
          room('d', rect(10, 8, 20, 16), 'corridor'), room('bay', rect(12, 10, 14, 12)),
          room('s0', rect(20, 8, 24, 12), 'stairs'), room('l0', rect(20, 12, 24, 16), 'elevator'),
        ],
        zones: [],
        doors: [
          door('ab', 'a', 'b', [10, 3], [10, 5]), door('ab2', 'a', 'b', [10, 6], [10, 7]),
          door('bd', 'b', 'd', [14, 8], [16, 8]), door('dc', 'd', 'c', [10, 11], [10, 13]),
          door('ds', 'd', 's0', [20, 9], [20, 11]), door('dl', 'd', 'l0', [20, 13], [20, 15]),
          door('exit', 'd', 'outside', [15, 16], [16, 16]), door('ghost', 'd', 'nowhere', [11, 16], [12, 16]),
        ],
      },
      {
        summary: summary('f1', 1),
        rooms: [room('s1', rect(20, 8, 24, 12), 'stairs'), room('l1', rect(20, 12, 24, 16), 'elevator')],
        zones: [], doors: [],
      },
      {
        summary: summary('f2', 2),
        rooms: [room('s2', rect(20, 8, 24, 12), 'stairs'), room('l2', rect(20, 12, 24, 16), 'elevator')],
        zones: [], doors: [],
      },
    ],
  };
}

const verticals = [
  { id: 'stairs', kind: 'stairs', rooms: ['s0', 's1', 's2'] },
  { id: 'lift', kind: 'elevator', rooms: ['l0', 'l1', 'l2'] },
];

function neighbourIds(g: RoomGraph, id: string): string[] {
  return g.byId.get(id)!.neighbours.map((e) => g.rooms[e.to]!.id).sort();
}

describe('room graph', () => {
  const g = buildRoomGraph(fixture(), verticals);

  it('links rooms through doors only: sharing a wall is not enough', () => {
    expect(neighbourIds(g, 'a')).toEqual(['b']);
    expect(neighbourIds(g, 'c')).toEqual(['d']);
    expect(g.byId.get('a')!.neighbours[0]!.via).toEqual(['ab', 'ab2']);
    expect(g.byId.get('a')!.neighbours[0]!.kind).toBe('door');
  });

  it('marks rooms with an exterior door and ignores doors to unknown rooms', () => {
    expect(g.rooms.filter((r) => r.exterior).map((r) => r.id)).toEqual(['d']);
    expect(neighbourIds(g, 'd')).toEqual(['b', 'bay', 'c', 'l0', 's0']);
  });

  it('links overlapping rooms (no wall between them)', () => {
    const e = g.byId.get('bay')!.neighbours;
    expect(e.map((x) => [g.rooms[x.to]!.id, x.kind])).toEqual([['d', 'overlap']]);
  });

  it('links floors through vertical rooms only, flagged: stairs floor by floor, a lift between any two floors', () => {
    const vertical = (id: string) => g.byId.get(id)!.neighbours.filter((e) => e.kind === 'vertical').map((e) => g.rooms[e.to]!.id).sort();
    expect(vertical('s0')).toEqual(['s1']);
    expect(vertical('s1')).toEqual(['s0', 's2']);
    expect(vertical('l0')).toEqual(['l1', 'l2']);
    expect([...g.verticalRooms].map((i) => g.rooms[i]!.id).sort()).toEqual(['l0', 'l1', 'l2', 's0', 's1', 's2']);
    for (const r of g.rooms) {
      for (const e of r.neighbours) expect(e.kind === 'vertical').toBe(g.rooms[e.to]!.floor !== r.floor);
    }
  });

  it('records floor, bounding box and area per room, and indexes rooms per floor', () => {
    const b = g.byId.get('b')!;
    expect(b).toMatchObject({ floor: 'f0', minX: 10, minY: 0, maxX: 20, maxY: 8, area: 80 });
    expect(g.rooms[b.index]).toBe(b);
    expect(g.floorRooms.get('f1')!.map((i) => g.rooms[i]!.id)).toEqual(['s1', 'l1']);
  });

  it('is cached per site and verticals; without verticals the floors are not linked', () => {
    const site = fixture();
    const g1 = buildRoomGraph(site, verticals);
    expect(buildRoomGraph(site, verticals)).toBe(g1);
    const flat = buildRoomGraph(site);
    expect(flat).not.toBe(g1);
    expect(flat.rooms.every((r) => r.neighbours.every((e) => e.kind !== 'vertical'))).toBe(true);
  });
});

describe('room graph of the sample hospital', () => {
  const site = loadSampleSite();
  const g = buildRoomGraph(site);

  it('takes the verticals from the site and links stairs and lift across floors', () => {
    for (const v of site.verticals) {
      const [lo, hi] = v.rooms.map((id) => g.byId.get(id)!);
      expect(lo!.neighbours.some((e) => e.to === hi!.index && e.kind === 'vertical')).toBe(true);
    }
  });

  it('has an edge for every door between two rooms, and none between rooms that only share a wall', () => {
    const doorPairs = new Set<string>();
    for (const f of site.floors) {
      for (const d of f.doors) {
        const [a, b] = d.properties.connects;
        if (a === 'outside' || b === 'outside') continue;
        doorPairs.add(`${a}|${b}`).add(`${b}|${a}`);
        expect(neighbourIds(g, a)).toContain(b);
      }
    }
    // Rooms whose outlines share a wall segment longer than 0.5 m but no door.
    let wallOnly = 0;
    for (const list of g.floorRooms.values()) {
      for (const i of list) {
        for (const j of list) {
          const a = g.rooms[i]!;
          const b = g.rooms[j]!;
          if (i >= j || doorPairs.has(`${a.id}|${b.id}`)) continue;
          const yShared = Math.min(a.maxY, b.maxY) - Math.max(a.minY, b.minY);
          const xShared = Math.min(a.maxX, b.maxX) - Math.max(a.minX, b.minX);
          const touch = ((a.maxX === b.minX || b.maxX === a.minX) && yShared > 0.5) || ((a.maxY === b.minY || b.maxY === a.minY) && xShared > 0.5);
          if (!touch) continue;
          wallOnly++;
          expect(neighbourIds(g, a.id)).not.toContain(b.id);
        }
      }
    }
    expect(wallOnly).toBeGreaterThan(50);
  });
});
