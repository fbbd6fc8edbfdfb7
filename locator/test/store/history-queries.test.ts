import { describe, expect, it } from 'vitest';
import type { Fix, Visit, ZoneEvent } from '@rtls/protocol';
import { contactsFrom, dwellByDay, visitsFromEvents } from '../../src/store/history-queries.ts';

const D = Date.UTC(2026, 10, 20); // a UTC midnight
const H = 3_600_000;
const tag = (n: number) => `ble:${n.toString(16).toUpperCase().padStart(12, '0')}`;
const [A, B, C, E] = [tag(0xa), tag(0xb), tag(0xc), tag(0xe)];

function ev(t: string, at: number, zone: string, kind: 'enter' | 'exit', floor = 'L1'): ZoneEvent {
  return { tag: t, t: at, floor, zone, kind };
}

function visit(t: string, zone: string, from: number, to: number, complete: boolean, floor = 'L1'): Visit {
  return { tag: t, zone, floor, from, to, dwellMs: to - from, complete };
}

describe('visitsFromEvents', () => {
  // Range [1 s, 10 s], now = 20 s.
  const before = [ev(A, 500, 'icu', 'enter'), ev(E, 700, 'lab', 'exit')];
  const events = [
    ev(B, 2000, 'lab', 'enter', 'L2'),
    ev(A, 3000, 'icu', 'exit'),
    ev(C, 4000, 'icu', 'exit'), // its enter is older than the data
    ev(B, 5000, 'lab', 'exit', 'L2'),
    ev(B, 5000, 'icu', 'enter'),
    ev(E, 6000, 'icu', 'enter'),
    ev(E, 7000, 'icu', 'enter'), // repeated: the stay goes on
    ev(E, 8000, 'icu', 'exit'),
  ];

  it('pairs enters and exits per (tag, zone), clips stays to the range and flags the partial ones', () => {
    expect(visitsFromEvents(before, events, 1000, 10_000, 20_000)).toEqual([
      visit(A, 'icu', 1000, 3000, false), // inside when the range began (from `before`)
      visit(C, 'icu', 1000, 4000, false), // exit without a known enter
      visit(B, 'lab', 2000, 5000, true, 'L2'),
      visit(B, 'icu', 5000, 10_000, false), // still inside at the end
      visit(E, 'icu', 6000, 8000, true),
    ]);
  });

  it('ends open stays at now when now is before the range end', () => {
    const v = visitsFromEvents(before, events, 1000, 10_000, 9000);
    expect(v.find((x) => x.tag === B && x.zone === 'icu')).toEqual(visit(B, 'icu', 5000, 9000, false));
    expect(visitsFromEvents([ev(A, 500, 'icu', 'enter')], [], 1000, 10_000, 500)).toEqual([visit(A, 'icu', 1000, 1000, false)]);
  });

  it('has no visits without events or an enter before the range', () => {
    expect(visitsFromEvents([], [], 0, 10_000, 10_000)).toEqual([]);
    expect(visitsFromEvents([ev(A, 500, 'icu', 'exit')], [], 1000, 10_000, 10_000)).toEqual([]);
  });
});

describe('dwellByDay', () => {
  it('splits visits at UTC midnights, sums per day and zone, counts distinct tags', () => {
    const rows = dwellByDay([
      visit(A, 'icu', D - 2 * H, D + 3 * H, true), // 2 h on the 19th, 3 h on the 20th
      visit(B, 'icu', D + H, D + 2 * H, true),
      visit(A, 'icu', D + 5 * H, D + 6 * H, true), // A again: time adds, the tag count does not
      visit(A, 'lab', D + 23 * H, D + 24 * H, true), // ends exactly at midnight: nothing on the 21st
      visit(C, 'lab', D + 2 * H, D + 2 * H, true), // no time
    ]);
    expect(rows).toEqual([
      { day: '2026-11-19', zone: 'icu', floor: 'L1', dwellMs: 2 * H, tags: 1 },
      { day: '2026-11-20', zone: 'icu', floor: 'L1', dwellMs: 5 * H, tags: 2 },
      { day: '2026-11-20', zone: 'lab', floor: 'L1', dwellMs: H, tags: 1 },
    ]);
  });

  it('spreads a stay over every day it covers', () => {
    expect(dwellByDay([visit(A, 'ward', D - H, D + 25 * H, false)]).map((r) => [r.day, r.dwellMs / H])).toEqual([
      ['2026-11-19', 1], ['2026-11-20', 24], ['2026-11-21', 1],
    ]);
  });
});

describe('contactsFrom', () => {
  const fix = (t: string, dt: number, x: number, floor = 'L1', room: string | null = null): Fix => ({
    tag: t, t: D + dt, floor, x, y: 0, accuracyM: 1, confidence: 1, room, zones: [], method: 'ble-wls', evidence: [],
  });
  // Bins of 10 s from D. Target A: x=0 in bins 0 and 1 (room r1), x=10 in bin 2 (room r2, then held in bins 3, 4),
  // x=0 in bin 5 (held in 6, 7).
  const target = [fix(A, 0, 0, 'L1', 'r1'), fix(A, 10_000, 0, 'L1', 'r1'), fix(A, 20_000, 10, 'L1', 'r2'), fix(A, 50_000, 0)];
  const others = [
    // B: bin 0's last fix is the near one (x=1, the earlier x=5 is 5 m off); x=1.5 in bin 1; x=9 in bin 2, held to bin 4.
    fix(B, 3000, 5), fix(B, 5000, 1), fix(B, 15_000, 1.5), fix(B, 25_000, 9, 'L1', 'r2'),
    fix(C, 1000, 0, 'L2'), fix(C, 21_000, 10, 'L2'), // same spot, other floor
    fix(E, 52_000, 0), // bin 5, held to bin 7, next to the held target
    fix(tag(0xf), 1000, 2), // exactly at the radius in bin 0, held into bin 1 (target still at 0); bin 2 is 8 m off
    fix(A, 0, 0), // the target itself
  ];

  it('counts common bins on one floor within the radius, holding a sample at most two bins', () => {
    expect(contactsFrom(target, others, 2, 10_000)).toEqual([
      { tag: B, overlapMs: 50_000, firstAt: D, lastAt: D + 50_000, minDistanceM: 1, rooms: ['r2', 'r1'] },
      { tag: E, overlapMs: 30_000, firstAt: D + 50_000, lastAt: D + 80_000, minDistanceM: 0, rooms: [] },
      { tag: tag(0xf), overlapMs: 20_000, firstAt: D, lastAt: D + 20_000, minDistanceM: 2, rooms: ['r1'] },
    ]);
  });

  it('finds nobody with a smaller radius or without target fixes', () => {
    expect(contactsFrom(target, others, 0.5, 10_000).map((c) => c.tag)).toEqual([E]);
    expect(contactsFrom([], others, 2, 10_000)).toEqual([]);
  });
});
