import { describe, expect, it } from 'vitest';
import { loadSampleSite } from '@rtls/floorplans';
import { ROOM_HMM_DEFAULTS, createRoomHmmModel, stepRoomHmm } from '../../src/zones/room-hmm.ts';
import type { GatewayRoomEvidence, RoomHmmModel, RoomHmmResult, RoomHmmState, RoomObservation } from '../../src/zones/room-hmm.ts';
import { createRoomStamper } from '../../src/zones/room-stamp.ts';
import type { SiteLike } from '../../src/zones/site-model.ts';
import { door, rect, room, seeded } from './helpers.ts';

const summary = (id: string, level: number) => ({ id, name: id, level, elevationM: level * 4, heightM: 4, widthM: 30, depthM: 20 });

/**
 * f0: a [0,10]×[0,8] —door (x=10, y 3–5)— b [10,20]×[0,8]; c [0,10]×[8,16] shares a wall with a (y = 8) but no door:
 * from a it is three doors away (a→b→d→c). Corridor d [10,20]×[8,16] has the exterior door and the stairs s0.
 * f1: stairs s1 —door— e [0,20]×[0,16]. Stairs s0/s1 are the only link between the floors.
 */
const site: SiteLike = {
  id: 'hmm-fixture',
  floors: [
    {
      summary: summary('f0', 0),
      rooms: [
        room('a', rect(0, 0, 10, 8)), room('b', rect(10, 0, 20, 8)), room('c', rect(0, 8, 10, 16)),
        room('d', rect(10, 8, 20, 16), 'corridor'), room('s0', rect(20, 8, 24, 16), 'stairs'),
      ],
      zones: [],
      doors: [
        door('ab', 'a', 'b', [10, 3], [10, 5]), door('bd', 'b', 'd', [14, 8], [16, 8]), door('dc', 'd', 'c', [10, 11], [10, 13]),
        door('ds', 'd', 's0', [20, 11], [20, 13]), door('exit', 'd', 'outside', [14, 16], [16, 16]),
      ],
    },
    {
      summary: summary('f1', 1),
      rooms: [room('e', rect(0, 0, 20, 16)), room('s1', rect(20, 8, 24, 16), 'stairs')],
      zones: [],
      doors: [door('es', 'e', 's1', [20, 11], [20, 13])],
    },
  ],
};
const verticals = [{ id: 'stairs', kind: 'stairs', rooms: ['s0', 's1'] }];
const model = createRoomHmmModel(site, { verticals });

/** Ceiling gateways at the room centres of f0 (one per room, as in the sample hospital). */
const gateways: [string, number, number][] = [['a', 5, 4], ['b', 15, 4], ['c', 5, 12], ['d', 15, 12]];
const stamper = createRoomStamper(site);

/**
 * The strongest three gateways for a tag at (x, y) on f0: log-distance (−59 dBm at 1 m, exponent 2.2, 2 m height
 * difference), one 6 dB wall for every gateway outside the tag's room, 4 dB of fading per estimate.
 */
function gatewayEvidence(x: number, y: number, normal: () => number): GatewayRoomEvidence[] {
  const own = stamper.stamp('f0', x, y).room;
  return gateways
    .map(([r, gx, gy]) => ({ room: r, rssi: -59 - 22 * Math.log10(Math.hypot(gx - x, gy - y, 2)) - (r === own ? 0 : 6) + 4 * normal() }))
    .sort((p, q) => q.rssi - p.rssi)
    .slice(0, 3);
}

const obs = (t: number, x: number, y: number, extra: Partial<RoomObservation> = {}): RoomObservation => ({
  t: t * 1000, floor: 'f0', x, y, cov: [1, 0, 1], ...extra,
});

/** Runs a sequence of observations through one tag's filter. */
function run(seq: RoomObservation[], m: RoomHmmModel = model, start?: RoomHmmState): RoomHmmResult[] {
  let state = start;
  return seq.map((o) => {
    const r = stepRoomHmm(state, o, m);
    state = r.state;
    return r;
  });
}

/** 20 observations parked at the centre of room a, then the given sequence. */
function settledInA(): RoomHmmState {
  return run(Array.from({ length: 20 }, (_, k) => obs(k, 5, 4))).at(-1)!.state;
}

describe('room HMM', () => {
  it('starts from the evidence alone and reports the room the position is in', () => {
    const r = stepRoomHmm(undefined, obs(0, 5, 4), model);
    expect(r.room).toBe('a');
    expect(r.probability).toBeGreaterThan(0.9);
    expect(r.top[0]).toEqual({ room: 'a', p: r.probability });
    expect(r.evidence).toEqual({ positionMass: expect.closeTo(1, 9) as number, gatewayRank: null, certain: false });
  });

  it('follows a walk through a door within a few observations', () => {
    const { normal } = seeded(11);
    const seq: RoomObservation[] = [];
    let crossedAt = -1;
    // 1.2 m/s from (5, 4) in a through the door at x = 10 to (16, 4) in b, 1 Hz, 0.7 m noise on the positions.
    for (let k = 0; k < 25; k++) {
      const x = Math.min(16, 5 + 1.2 * k);
      if (crossedAt < 0 && x > 10) crossedAt = k;
      seq.push(obs(20 + k, x + 0.7 * normal(), 4 + 0.7 * normal(), { cov: [2.25, 0, 2.25] }));
    }
    const out = run(seq, model, settledInA());
    const firstB = out.findIndex((r) => r.room === 'b');
    expect(out.slice(0, crossedAt).every((r) => r.room === 'a')).toBe(true);
    expect(firstB).toBeGreaterThanOrEqual(crossedAt);
    expect(firstB - crossedAt).toBeLessThanOrEqual(5);
    expect(out.slice(firstB).every((r) => r.room === 'b')).toBe(true);
  });

  it('does not follow a position through a wall into a room that is not a door neighbour without sustained evidence', () => {
    const start = settledInA();
    // A two-second excursion deep into c, then back: never reported.
    const blip = run([obs(20, 5, 12), obs(21, 5, 12), ...Array.from({ length: 10 }, (_, k) => obs(22 + k, 5, 4))], model, start);
    expect(blip.every((r) => r.room !== 'c')).toBe(true);
    // A jump that persists: not at once, but the filter recovers (the teleport floor).
    const jump = run(Array.from({ length: 30 }, (_, k) => obs(20 + k, 5, 12)), model, start);
    const firstC = jump.findIndex((r) => r.room === 'c');
    expect(firstC).toBeGreaterThanOrEqual(4);
    expect(firstC).toBeLessThan(30);
    // The same displacement through a door (a → b) is followed sooner.
    const door = run(Array.from({ length: 30 }, (_, k) => obs(20 + k, 15, 4)), model, start);
    expect(door.findIndex((r) => r.room === 'b')).toBeLessThan(firstC);
  });

  it('prefers the room of the strongest gateway when the position is ambiguous', () => {
    // At the corner where a, b, c and d meet, with a 2 m posterior: no room reaches the report threshold…
    const corner = obs(0, 10, 8, { cov: [4, 0, 4] });
    expect(stepRoomHmm(undefined, corner, model).room).toBeNull();
    // …until b's gateway is heard 8 dB above the next.
    const withGw = stepRoomHmm(undefined, { ...corner, gatewayRooms: [{ room: 'b', rssi: -62 }, { room: 'a', rssi: -70 }] }, model);
    expect(withGw.room).toBe('b');
    expect(withGw.evidence).toMatchObject({ gatewayRank: 0, certain: false });
    expect(withGw.evidence.positionMass).toBeGreaterThan(0.1);
    expect(withGw.evidence.positionMass).toBeLessThan(0.5);
  });

  it('does not penalise a room without a gateway for its gateway not being heard', () => {
    // Centred on the a|c wall; only b's gateway (through a wall) is heard. If a had the tag, its own gateway would
    // be the strongest: its silence counts against a — but not against c when c is known to have no gateway.
    const o = obs(0, 5, 8, { cov: [4, 0, 4], gatewayRooms: [{ room: 'b', rssi: -75 }] });
    expect(stepRoomHmm(undefined, o, model).room).toBeNull();
    const known = createRoomHmmModel(site, { verticals, roomsWithGateway: ['a', 'b', 'd'] });
    expect(stepRoomHmm(undefined, o, known).room).toBe('c');
  });

  it('lets a tag the tracker holds parked change room more reluctantly', () => {
    const walk = (parked: boolean) => run(Array.from({ length: 30 }, (_, k) => obs(20 + k, 11, 4, { parked })), model, settledInA())
      .findIndex((r) => r.room === 'b');
    expect(walk(false)).toBeGreaterThanOrEqual(0);
    expect(walk(true)).toBeGreaterThan(walk(false));
  });

  it('flips at most twice in an hour for a tag parked near a wall (σ 1.5 m position noise, 1 Hz)', () => {
    const cases = [
      { name: 'near the wall to c (no door)', x: 5, y: 7, gw: false },
      { name: 'near the wall to b (door), position only', x: 9, y: 4, gw: false },
      { name: 'near the wall to b (door), with gateways', x: 9, y: 4, gw: true },
    ];
    for (const c of cases) {
      const { normal } = seeded(c.name.length * 7919);
      let state: RoomHmmState | undefined;
      let last: string | null | undefined;
      let flips = 0;
      let inA = 0;
      for (let k = 0; k < 3600; k++) {
        const o = obs(k, c.x + 1.5 * normal(), c.y + 1.5 * normal(), { cov: [2.25, 0, 2.25] });
        if (c.gw) o.gatewayRooms = gatewayEvidence(c.x, c.y, normal);
        const r = stepRoomHmm(state, o, model);
        state = r.state;
        // The first minute is acquisition (the first fix may well land across the wall), not flapping.
        if (k >= 60 && r.room !== last) flips++;
        if (r.room === 'a') inA++;
        last = r.room;
      }
      expect(flips, c.name).toBeLessThanOrEqual(2);
      expect(inA / 3600, c.name).toBeGreaterThan(0.95);
    }
  });

  it('keeps a reported room while its posterior stays above keepP, and needs switchP to hand it to another', () => {
    // Settled in a, the tag is then seen in b: the posterior moves over step by step.
    const seq = Array.from({ length: 60 }, (_, k) => obs(20 + k, 15, 4, { cov: [4, 0, 4] }));
    const pOf = (r: RoomHmmResult, room: string) => r.top.find((e) => e.room === room)?.p ?? 0;
    const moved = run(seq, model, settledInA());
    const firstB = moved.findIndex((r) => r.room === 'b');
    expect(firstB).toBeGreaterThan(0);
    expect(pOf(moved[firstB]!, 'b')).toBeGreaterThan(ROOM_HMM_DEFAULTS.switchP);
    // In the band between reportP and switchP the held room a stays reported (no detour through "unknown").
    const band = moved.slice(0, firstB).filter((r) => pOf(r, 'b') > ROOM_HMM_DEFAULTS.reportP);
    expect(band.length).toBeGreaterThan(0);
    for (const r of band) expect(r.room).toBe('a');
    // A single-level report (keepP = switchP = reportP) hands over earlier: the trigger is what delays it.
    const plain = createRoomHmmModel(site, { verticals, params: { keepP: 0.5, switchP: 0.5 } });
    const plainMoved = run(seq, plain, run(Array.from({ length: 20 }, (_, k) => obs(k, 5, 4)), plain).at(-1)!.state);
    expect(plainMoved.findIndex((r) => r.room === 'b')).toBeLessThan(firstB);
  });

  it('treats a room whose gateways are all silent (failed) as having no gateway, without rebuilding the model', () => {
    // Same observation as above: near the a|c wall, only b heard. a's silence counts against a…
    const o = obs(0, 5, 8, { cov: [4, 0, 4], gatewayRooms: [{ room: 'b', rssi: -75 }] });
    expect(stepRoomHmm(undefined, o, model).room).toBeNull();
    // …and so does c's, unless c's gateway is known to be down: then c is favoured, as for a room without one.
    const silent = new Set(['c']);
    expect(stepRoomHmm(undefined, { ...o, silentRooms: silent }, model).room).toBe('c');
    // A different set (a down instead) favours a: the cached index form follows the Set object.
    expect(stepRoomHmm(undefined, { ...o, silentRooms: new Set(['a']) }, model).room).toBe('a');
    expect(stepRoomHmm(undefined, { ...o, silentRooms: silent }, model).room).toBe('c');
  });

  it('counts evidence once per evidenceTimeS of the observation (a long-parked tag changes room more slowly)', () => {
    const moveAt = (evidenceTimeS?: number) => run(
      Array.from({ length: 120 }, (_, k) => obs(20 + k, 15, 4, { parked: true, ...(evidenceTimeS ? { evidenceTimeS } : {}) })),
      model, settledInA(),
    ).findIndex((r) => r.room === 'b');
    const fast = moveAt();
    const slow = moveAt(15);
    expect(fast).toBeGreaterThanOrEqual(0);
    expect(slow).toBeGreaterThan(fast);
  });

  it('collapses onto a certain room at once, even one that no door path reaches', () => {
    const r = stepRoomHmm(settledInA(), obs(20, 5, 4, { certainRoom: 'c' }), model);
    expect(r.room).toBe('c');
    expect(r.probability).toBe(1);
    expect(r.evidence.certain).toBe(true);
    expect(Array.from(r.state.p)).toEqual([1]);
    // The next ordinary observation carries on from there.
    expect(stepRoomHmm(r.state, obs(21, 5, 12), model).room).toBe('c');
  });

  it('reports unknown between rooms and outside every room', () => {
    // A first fix where a, b, c and d meet: no room is probable enough.
    const corner = stepRoomHmm(undefined, obs(0, 10, 8, { cov: [4, 0, 4] }), model);
    expect(corner.room).toBeNull();
    expect(corner.probability).toBeLessThan(ROOM_HMM_DEFAULTS.reportP);
    expect(corner.top.map((t) => t.room).every((r) => r !== null && ['a', 'b', 'c', 'd'].includes(r))).toBe(true);
    // Centred on the a|c wall: an even split is not a room either.
    const wall = stepRoomHmm(undefined, obs(0, 5, 8, { cov: [4, 0, 4] }), model);
    expect(wall.room).toBeNull();
    expect(wall.top.map((t) => t.room).sort()).toEqual(['a', 'c']);
    // A tag walking out of the exterior door of d: outside every room within a few fixes.
    const inD = run(Array.from({ length: 10 }, (_, k) => obs(k, 15, 12)));
    expect(inD.at(-1)!.room).toBe('d');
    const out = run(Array.from({ length: 10 }, (_, k) => obs(10 + k, 15, 22)), model, inD.at(-1)!.state);
    const firstNull = out.findIndex((r) => r.room === null);
    expect(firstNull).toBeGreaterThanOrEqual(0);
    expect(firstNull).toBeLessThanOrEqual(4);
    expect(out.at(-1)!.top[0]!.room).toBeNull();
    // Far from any room on a floor whose rooms do not reach there: unknown too (through the teleport, slower).
    const far = run(Array.from({ length: 30 }, (_, k) => obs(20 + k, 5, 40)), model, settledInA());
    expect(far.at(-1)!.room).toBeNull();
  });

  it('changes floor through the stairs, not from the middle of a room', () => {
    // Parked in a (f0); the floor machine now says f1 and the position is in e: no path, so no e for a while
    // (and no a either: it is not on the observed floor).
    const wrong = run(Array.from({ length: 40 }, (_, k) => ({ ...obs(20 + k, 10, 8), floor: 'f1' })), model, settledInA());
    expect(wrong.slice(0, 4).every((r) => r.room === null)).toBe(true);
    const firstE = wrong.findIndex((r) => r.room === 'e');
    expect(firstE).toBeGreaterThanOrEqual(4);
    // In the stairwell s0, then the floor changes: s1 follows within a few fixes, then e through its door.
    const up = run([
      ...Array.from({ length: 10 }, (_, k) => obs(k, 22, 12)),
      ...Array.from({ length: 6 }, (_, k) => ({ ...obs(10 + k, 22, 12), floor: 'f1' })),
      ...Array.from({ length: 10 }, (_, k) => ({ ...obs(16 + k, 12, 12), floor: 'f1' })),
    ]);
    expect(up[9]!.room).toBe('s0');
    const firstS1 = up.findIndex((r) => r.room === 's1');
    expect(firstS1).toBeGreaterThanOrEqual(10);
    expect(firstS1).toBeLessThanOrEqual(13);
    expect(firstS1 - 10).toBeLessThan(firstE);
    expect(up.at(-1)!.room).toBe('e');
  });

  it('keeps the state sparse and normalised, whatever the gap', () => {
    const sample = loadSampleSite();
    const m = createRoomHmmModel(sample);
    const { normal, uniform } = seeded(3);
    let state: RoomHmmState | undefined;
    let t = 0;
    for (let k = 0; k < 2000; k++) {
      // Gaps from 0 to 20 min, broad and narrow covariances, positions anywhere on either floor.
      t += uniform() < 0.1 ? uniform() * 1_200_000 : 1000;
      const s = 0.5 + 6 * uniform();
      const r = stepRoomHmm(state, {
        t, floor: uniform() < 0.5 ? 'L0' : 'L1', x: 120 * uniform(), y: 51 * uniform(), cov: [s * s, 0.3 * s * s * normal(), s * s],
      }, m);
      state = r.state;
      expect(state.idx.length).toBeGreaterThanOrEqual(1);
      expect(state.idx.length).toBeLessThanOrEqual(ROOM_HMM_DEFAULTS.maxEntries);
      expect(state.p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(Array.from(state.p).every((p) => Number.isFinite(p) && p >= 0)).toBe(true);
      expect(Array.from(state.p)).toEqual([...state.p].sort((a, b) => b - a));
    }
    // A gap of years stays finite.
    const r = stepRoomHmm(state, { t: t + 1e11, floor: 'L1', x: 60, y: 30, cov: [4, 0, 4] }, m);
    expect(Number.isFinite(r.probability)).toBe(true);
  });

  it('discards a state built for another site', () => {
    const other = createRoomHmmModel(site, { verticals: [] });
    const r = stepRoomHmm(settledInA(), obs(20, 15, 4), other);
    expect(r.room).toBe('b');
  });
});

describe('room HMM on the sample hospital', () => {
  const sample = loadSampleSite();
  const m = createRoomHmmModel(sample);
  const f = sample.floor('L1')!;
  const ble = f.gateways.filter((g) => g.properties.tech === 'ble' && g.properties.room !== undefined);
  // A patient room with one door, onto a corridor: walk along the corridor, in through the door, to the room centre.
  const target = f.rooms.find((r) => r.properties.zoneType === 'patient-room'
    && f.doors.filter((d) => d.properties.connects.includes(r.properties.id)).length === 1)!;
  const entry = f.doors.find((d) => d.properties.connects.includes(target.properties.id))!;
  const corridor = entry.properties.connects.find((id) => id !== target.properties.id)!;
  const [[x0, y0], [x1, y1]] = entry.geometry.coordinates as [[number, number], [number, number]];
  const ring = target.geometry.coordinates[0]!;
  const cx = ring.slice(0, -1).reduce((s, p) => s + p[0], 0) / (ring.length - 1);
  const cy = ring.slice(0, -1).reduce((s, p) => s + p[1], 0) / (ring.length - 1);
  const dx = (x0 + x1) / 2;
  const dy = (y0 + y1) / 2;
  // The corridor side of the door: 1.4 m out from the door's midpoint, away from the room centre.
  const len = Math.hypot(cx - dx, cy - dy);
  const ox = dx - ((cx - dx) / len) * 1.4;
  const oy = dy - ((cy - dy) / len) * 1.4;
  // Along the corridor (parallel to the door) for 8 m, then through the door to the room centre, 1 Hz.
  const ux = (x1 - x0) / Math.hypot(x1 - x0, y1 - y0);
  const uy = (y1 - y0) / Math.hypot(x1 - x0, y1 - y0);
  const path: [number, number][] = [];
  for (let k = 0; k < 15; k++) path.push([ox - ux * 8 * (1 - k / 15), oy - uy * 8 * (1 - k / 15)]);
  for (let k = 0; k <= 10; k++) path.push([ox + ((cx - ox) * k) / 10, oy + ((cy - oy) * k) / 10]);
  for (let k = 0; k < 10; k++) path.push([cx, cy]);

  /** The four strongest BLE gateways (log-distance, one 6 dB wall unless in the tag's room, 4 dB fading). */
  function gatewayEvidence(x: number, y: number, truth: string | null, normal: () => number): GatewayRoomEvidence[] {
    return ble
      .map((g) => ({
        room: g.properties.room!,
        rssi: -59 - 22 * Math.log10(Math.hypot(g.geometry.coordinates[0] - x, g.geometry.coordinates[1] - y, 2))
          - (g.properties.room === truth ? 0 : 6) + 4 * normal(),
      }))
      .sort((p, q) => q.rssi - p.rssi)
      .slice(0, 4);
  }

  it('walks from the corridor into a patient room within a few seconds', () => {
    const { normal } = seeded(5);
    let crossedAt = -1;
    const seq = path.map(([x, y], k): RoomObservation => {
      const truth = m.stamper.stamp('L1', x, y).room;
      if (crossedAt < 0 && truth === target.properties.id) crossedAt = k;
      return {
        t: k * 1000, floor: 'L1', x: x + 0.8 * normal(), y: y + 0.8 * normal(), cov: [2.25, 0, 2.25],
        gatewayRooms: gatewayEvidence(x, y, truth, normal),
      };
    });
    const out = run(seq, m);
    expect(out[14]!.room).toBe(corridor);
    const firstIn = out.findIndex((r) => r.room === target.properties.id);
    expect(firstIn).toBeGreaterThanOrEqual(crossedAt);
    expect(firstIn - crossedAt).toBeLessThanOrEqual(5);
    expect(out.slice(firstIn).every((r) => r.room === target.properties.id)).toBe(true);
  });
});
