/**
 * The behaviour every HistoryStore must show (issue #5 item 1: "one history-store interface, two implementations, one
 * contract test suite run against both"). Each test gets a fresh, empty store from `make` and hands it back through
 * `cleanup`. Timestamps are fixed epoch ms a few days before this suite was written (CONTRACT_T0), so a server-side
 * retention (InfluxDB) keeps them — give a store with its own retention a clock near CONTRACT_T0. Ids are ASCII tag
 * ids and slugs only.
 *
 * Points the stores must agree on, pinned here because the interface text leaves them open:
 *  - a fix appended twice (same tag and t) comes back once (InfluxDB overwrites identical points);
 *  - trail with resolutionMs and floorFixes return the fixes themselves (their own t), not bucket starts;
 *  - floorFixes filters by floor, range and box first, then keeps the last remaining fix per tag per bin.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Fix, ZoneEvent } from '@rtls/protocol';
import type { HistoryStore } from '../../src/store/history-store.ts';

export interface ContractStore {
  store: HistoryStore;
  cleanup: () => Promise<void>;
}

/** 2026-11-20T00:00:00Z: a UTC midnight, so every bucket width dividing a day starts exactly here. */
export const CONTRACT_T0 = Date.UTC(2026, 10, 20);

/** Slow stores (a real server) get this long per test. */
const TEST_TIMEOUT_MS = 60_000;

export function contractTag(n: number): string {
  return `ble:${n.toString(16).toUpperCase().padStart(12, '0')}`;
}

export function contractFix(tag: string, t: number, floor: string, x: number, y = 1, extra: Partial<Fix> = {}): Fix {
  return {
    tag, t, floor, x, y, accuracyM: 1.5, confidence: 0.75, room: null, zones: [], method: 'ble-wls',
    evidence: [{ gw: 'gw-1', rssi: -71.5, n: 3 }, { gw: 'gw-2', rssi: -80, n: 1 }], ...extra,
  };
}

function zoneEvent(tag: string, t: number, zone: string, kind: 'enter' | 'exit', dwellMs?: number, floor = 'L1'): ZoneEvent {
  return dwellMs === undefined ? { tag, t, floor, zone, kind } : { tag, t, floor, zone, kind, dwellMs };
}

const byTagZone = (p: ZoneEvent, q: ZoneEvent) => p.tag.localeCompare(q.tag) || p.zone.localeCompare(q.zone) || p.t - q.t;

export function describeHistoryStoreContract(name: string, make: () => Promise<ContractStore>): void {
  describe(`HistoryStore contract: ${name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    const open: ContractStore[] = [];
    async function fresh(): Promise<HistoryStore> {
      const c = await make();
      open.push(c);
      return c.store;
    }
    afterEach(async () => {
      for (const c of open.splice(0)) await c.cleanup();
    });

    const T0 = CONTRACT_T0;
    const a = contractTag(0xa1);
    const b = contractTag(0xb2);
    const c = contractTag(0xc3);

    describe('trail', () => {
      it('returns appended fixes after flush, whole and oldest first, and only the asked tag', async () => {
        const s = await fresh();
        const fixes = [
          contractFix(a, T0 + 2000, 'L1', 2, 1, { room: 'r-101', zones: ['icu', 'wing-a'], method: 'ble-centroid', confidence: 0.5 }),
          contractFix(a, T0, 'L1', 0),
          contractFix(b, T0 + 1000, 'L2', 9),
          contractFix(a, T0 + 1000, 'L2', 1, 2.25, { evidence: [], accuracyM: 0, method: 'ble-nearest' }),
        ];
        s.appendFixes(fixes);
        await s.flush();
        expect(await s.trail(a, T0, T0 + 10_000, 100)).toEqual([fixes[1], fixes[3], fixes[0]]);
        expect(await s.trail(b, T0, T0 + 10_000, 100)).toEqual([fixes[2]]);
        expect(await s.trail(contractTag(0xdead), T0, T0 + 10_000, 100)).toEqual([]);
      });

      it('orders fixes appended out of order over several flushes', async () => {
        const s = await fresh();
        const order = [5, 1, 9, 3, 7, 0, 8, 2, 6, 4];
        for (let i = 0; i < order.length; i += 3) {
          s.appendFixes(order.slice(i, i + 3).map((k) => contractFix(a, T0 + k * 1000, 'L1', k)));
          await s.flush();
        }
        expect((await s.trail(a, T0, T0 + 60_000, 100)).map((f) => f.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });

      it('bounds are inclusive, and limit keeps the most recent fixes', async () => {
        const s = await fresh();
        s.appendFixes(Array.from({ length: 10 }, (_, i) => contractFix(a, T0 + i * 1000, 'L1', i)));
        await s.flush();
        expect((await s.trail(a, T0 + 2000, T0 + 5000, 100)).map((f) => f.x)).toEqual([2, 3, 4, 5]);
        expect((await s.trail(a, T0, T0 + 9000, 3)).map((f) => f.x)).toEqual([7, 8, 9]);
        expect((await s.trail(a, T0 + 2500, T0 + 2600, 100))).toEqual([]);
      });

      it('resolutionMs keeps the last fix of each epoch-aligned bucket, with the fix’s own time', async () => {
        const s = await fresh();
        // Buckets of 10 s from T0 (a midnight): [0, 10) holds 0, 4000, 9999; [10, 20) holds 10000; [20, 30) 25000, 29000.
        const ts = [0, 4000, 9999, 10_000, 25_000, 29_000];
        s.appendFixes(ts.map((dt, i) => contractFix(a, T0 + dt, 'L1', i)));
        await s.flush();
        const at = async (from: number, to: number, limit: number, res: number) => (await s.trail(a, T0 + from, T0 + to, limit, res)).map((f) => f.t - T0);
        expect(await at(0, 60_000, 100, 10_000)).toEqual([9999, 10_000, 29_000]);
        expect(await at(0, 60_000, 2, 10_000)).toEqual([10_000, 29_000]);
        // The range cuts a bucket: only the fixes inside it count.
        expect(await at(0, 9000, 100, 10_000)).toEqual([4000]);
        expect(await at(0, 60_000, 100, 0)).toEqual(ts);
        expect(await at(0, 60_000, 100, 60_000)).toEqual([29_000]);
      });

      it('resolution buckets are aligned to the epoch, not to the range start', async () => {
        const s = await fresh();
        const w = 7000; // does not divide a day, so its epoch buckets do not start at T0
        const edge = Math.ceil((T0 + 20_000) / w) * w; // a bucket boundary
        s.appendFixes([contractFix(a, edge - 1, 'L1', 1), contractFix(a, edge, 'L1', 2), contractFix(a, edge + w - 1, 'L1', 3), contractFix(a, edge + w, 'L1', 4)]);
        await s.flush();
        expect((await s.trail(a, edge - 3000, edge + 3 * w, 100, w)).map((f) => f.x)).toEqual([1, 3, 4]);
      });

      it('a fix appended twice comes back once', async () => {
        const s = await fresh();
        const f1 = contractFix(a, T0 + 1000, 'L1', 1);
        const f2 = contractFix(a, T0 + 2000, 'L1', 2);
        s.appendFixes([f1, f2, f1]);
        await s.flush();
        s.appendFixes([f2]);
        await s.flush();
        expect(await s.trail(a, T0, T0 + 10_000, 100)).toEqual([f1, f2]);
        expect(await s.trail(a, T0, T0 + 10_000, 100, 1000)).toEqual([f1, f2]);
        expect(await s.floorFixes('L1', T0, T0 + 10_000, 1000)).toEqual([f1, f2]);
      });

      it('round-trips a large batch (20,000 fixes of 50 tags)', async () => {
        const s = await fresh();
        const tags = Array.from({ length: 50 }, (_, i) => contractTag(0x1000 + i));
        const fixes: Fix[] = [];
        for (let i = 0; i < 400; i++) {
          for (const [k, tag] of tags.entries()) fixes.push(contractFix(tag, T0 + i * 1000 + k, k % 2 ? 'L1' : 'L2', i / 4, k, { room: `r-${k}` }));
        }
        s.appendFixes(fixes);
        await s.flush();
        const one = await s.trail(tags[7]!, T0, T0 + 3_600_000, 10_000);
        expect(one).toEqual(fixes.filter((f) => f.tag === tags[7]));
        expect(one).toHaveLength(400);
        expect(await s.trail(tags[49]!, T0, T0 + 3_600_000, 5)).toEqual(fixes.filter((f) => f.tag === tags[49]).slice(-5));
        const last = await s.lastFixes();
        expect(last).toHaveLength(50);
        expect(last.every((f) => f.t - T0 >= 399_000)).toBe(true);
      });
    });

    describe('positionAt', () => {
      it('is the last fix at or before t, within maxAge; null before the first fix or when too old', async () => {
        const s = await fresh();
        const f1 = contractFix(a, T0 + 10_000, 'L1', 1);
        const f2 = contractFix(a, T0 + 20_000, 'L2', 2);
        s.appendFixes([f1, f2, contractFix(b, T0 + 15_000, 'L1', 9)]);
        await s.flush();
        expect(await s.positionAt(a, T0 + 9999, 60_000)).toBeNull();
        expect(await s.positionAt(a, T0 + 10_000, 60_000)).toEqual(f1);
        expect(await s.positionAt(a, T0 + 19_999, 60_000)).toEqual(f1);
        expect(await s.positionAt(a, T0 + 25_000, 60_000)).toEqual(f2);
        expect(await s.positionAt(a, T0 + 25_000, 5000)).toEqual(f2); // exactly maxAge old still counts
        expect(await s.positionAt(a, T0 + 25_001, 5000)).toBeNull();
        expect(await s.positionAt(c, T0 + 25_000, 60_000)).toBeNull();
      });
    });

    describe('zone events', () => {
      it('zoneEvents returns a tag’s events in range, oldest first, the most recent `limit`', async () => {
        const s = await fresh();
        const evs = [
          zoneEvent(a, T0, 'icu', 'enter'),
          zoneEvent(a, T0 + 5000, 'icu', 'exit', 5000),
          zoneEvent(a, T0 + 6000, 'lab', 'enter', undefined, 'L2'),
          zoneEvent(b, T0 + 1000, 'icu', 'enter'),
        ];
        s.appendZoneEvents(evs);
        await s.flush();
        expect(await s.zoneEvents(a, T0, T0 + 10_000, 100)).toEqual([evs[0], evs[1], evs[2]]);
        expect(await s.zoneEvents(a, T0, T0 + 10_000, 2)).toEqual([evs[1], evs[2]]);
        expect(await s.zoneEvents(a, T0 + 1, T0 + 5000, 100)).toEqual([evs[1]]);
      });

      // a: in the lab (−20 s … −15 s), in the ICU from −10 s, leaves it for the lab at +5 s (exit and enter at one t).
      // b: in the ICU from −5 s, still there. c: in the ICU from +1 s to +2 s. Range [T0, T0 + 10 s].
      const history = [
        zoneEvent(a, T0 - 20_000, 'lab', 'enter'),
        zoneEvent(a, T0 - 15_000, 'lab', 'exit', 5000),
        zoneEvent(a, T0 - 10_000, 'icu', 'enter'),
        zoneEvent(b, T0 - 5000, 'icu', 'enter'),
        zoneEvent(c, T0 + 1000, 'icu', 'enter'),
        zoneEvent(c, T0 + 2000, 'icu', 'exit', 1000),
        zoneEvent(a, T0 + 5000, 'icu', 'exit', 15_000),
        zoneEvent(a, T0 + 5000, 'lab', 'enter'),
        zoneEvent(b, T0 + 20_000, 'icu', 'exit', 25_000),
      ];
      const [aLabIn, , aIcuIn, bIcuIn, cIn, cOut, aIcuOut, aLabIn2] = history;

      it('zoneEventsBetween a zone: its events in range, and who was inside when it began', async () => {
        const s = await fresh();
        s.appendZoneEvents(history);
        await s.flush();
        const r = await s.zoneEventsBetween({ zone: 'icu' }, T0, T0 + 10_000, 100);
        expect(r.events).toEqual([cIn, cOut, aIcuOut]);
        expect(r.before.sort(byTagZone)).toEqual([aIcuIn, bIcuIn]);
        expect((await s.zoneEventsBetween({ zone: 'icu' }, T0, T0 + 10_000, 2)).events).toEqual([cIn, cOut]);
        expect(await s.zoneEventsBetween({ zone: 'nowhere' }, T0, T0 + 10_000, 100)).toEqual({ before: [], events: [] });
      });

      it('zoneEventsBetween a tag: enter before exit at the same time; `before` only where the last event was an enter', async () => {
        const s = await fresh();
        s.appendZoneEvents(history);
        await s.flush();
        const r = await s.zoneEventsBetween({ tag: a }, T0, T0 + 10_000, 100);
        expect(r.events).toEqual([aLabIn2, aIcuOut]);
        expect(r.before).toEqual([aIcuIn]); // the lab's last event before the range was an exit
        const earlier = await s.zoneEventsBetween({ tag: a }, T0 - 17_000, T0 + 10_000, 100);
        expect(earlier.before).toEqual([aLabIn]);
        expect(await s.zoneEventsBetween({ tag: contractTag(0xdead) }, T0, T0 + 10_000, 100)).toEqual({ before: [], events: [] });
      });

      it('zoneEventsBetween several tags: their events merged in time order, the oldest `limit`', async () => {
        const s = await fresh();
        s.appendZoneEvents(history);
        await s.flush();
        const r = await s.zoneEventsBetween({ tags: [a, c, contractTag(0xdead)] }, T0, T0 + 10_000, 100);
        expect(r.events).toEqual([cIn, cOut, aLabIn2, aIcuOut]);
        expect(r.before).toEqual([aIcuIn]);
        expect((await s.zoneEventsBetween({ tags: [a, c] }, T0, T0 + 10_000, 3)).events).toEqual([cIn, cOut, aLabIn2]);
        expect(await s.zoneEventsBetween({ tags: [] }, T0, T0 + 10_000, 100)).toEqual({ before: [], events: [] });
      });
    });

    describe('floorFixes', () => {
      // a on L1: x=1 @1 s, x=5 @4 s, x=50 @9 s, then L2 @12 s, back on L1 x=6 @15 s. b on L1: x=20 @2 s, x=8 @11 s. c on L2 @3 s.
      const fa = [
        contractFix(a, T0 + 1000, 'L1', 1), contractFix(a, T0 + 4000, 'L1', 5), contractFix(a, T0 + 9000, 'L1', 50),
        contractFix(a, T0 + 12_000, 'L2', 3), contractFix(a, T0 + 15_000, 'L1', 6),
      ] as const;
      const fb = [contractFix(b, T0 + 2000, 'L1', 20), contractFix(b, T0 + 11_000, 'L1', 8)] as const;
      const fc = contractFix(c, T0 + 3000, 'L2', 4);
      async function seeded(): Promise<HistoryStore> {
        const s = await fresh();
        s.appendFixes([...fa, fc]);
        await s.flush();
        s.appendFixes([...fb]);
        await s.flush();
        return s;
      }

      it('keeps the last fix per tag per bin on that floor, ordered by time then tag', async () => {
        const s = await seeded();
        expect(await s.floorFixes('L1', T0, T0 + 20_000, 10_000)).toEqual([fb[0], fa[2], fb[1], fa[4]]);
        expect(await s.floorFixes('L2', T0, T0 + 20_000, 10_000)).toEqual([fc, fa[3]]);
        expect(await s.floorFixes('L1', T0, T0 + 20_000, 1000)).toEqual([fa[0], fb[0], fa[1], fa[2], fb[1], fa[4]]);
        expect(await s.floorFixes('L9', T0, T0 + 20_000, 10_000)).toEqual([]);
      });

      it('keeps to the range (bounds inclusive)', async () => {
        const s = await seeded();
        expect(await s.floorFixes('L1', T0 + 10_000, T0 + 20_000, 10_000)).toEqual([fb[1], fa[4]]);
        expect(await s.floorFixes('L1', T0 + 2000, T0 + 11_000, 10_000)).toEqual([fb[0], fa[2], fb[1]]);
        expect(await s.floorFixes('L1', T0 + 2001, T0 + 10_999, 10_000)).toEqual([fa[2]]);
        expect(await s.floorFixes('L1', T0 + 2000, T0 + 8000, 10_000)).toEqual([fb[0], fa[1]]);
      });

      it('with a box: only fixes inside it, then the last per bin', async () => {
        const s = await seeded();
        const box = { minX: 0, minY: 0, maxX: 10, maxY: 10 };
        // a's last fix of the first bin (x=50) is outside, so its last inside (x=5) stands; b's x=20 is outside.
        expect(await s.floorFixes('L1', T0, T0 + 20_000, 10_000, box)).toEqual([fa[1], fb[1], fa[4]]);
        expect(await s.floorFixes('L1', T0, T0 + 20_000, 10_000, { minX: 5, minY: 1, maxX: 6, maxY: 1 })).toEqual([fa[1], fa[4]]);
        expect(await s.floorFixes('L1', T0, T0 + 20_000, 10_000, { minX: 100, minY: 0, maxX: 200, maxY: 10 })).toEqual([]);
      });
    });

    describe('lastFixes', () => {
      it('holds the newest fix of every tag, over several flushes and late fixes', async () => {
        const s = await fresh();
        s.appendFixes([contractFix(a, T0 + 3000, 'L2', 3), contractFix(b, T0, 'L1', 7)]);
        await s.flush();
        s.appendFixes([contractFix(a, T0 + 1000, 'L1', 1)]); // late, older
        await s.flush();
        const last = (await s.lastFixes()).sort((p, q) => p.tag.localeCompare(q.tag));
        expect(last).toEqual([contractFix(a, T0 + 3000, 'L2', 3), contractFix(b, T0, 'L1', 7)]);
      });

      it('is empty for an empty store', async () => {
        const s = await fresh();
        expect(await s.lastFixes()).toEqual([]);
        expect(await s.trail(a, T0, T0 + 1000, 10)).toEqual([]);
        expect(await s.floorFixes('L1', T0, T0 + 1000, 1000)).toEqual([]);
      });
    });

    it('counts what it wrote', async () => {
      const s = await fresh();
      s.appendFixes([contractFix(a, T0, 'L1', 1), contractFix(b, T0, 'L1', 2)]);
      s.appendZoneEvents([zoneEvent(a, T0, 'icu', 'enter')]);
      await s.flush();
      expect(s.stats()).toMatchObject({ fixesWritten: 2, zoneEventsWritten: 1, pending: 0 });
    });
  });
}
