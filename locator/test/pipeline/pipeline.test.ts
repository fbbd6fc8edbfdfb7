import { describe, expect, it } from 'vitest';
import { FixSchema, ZoneEventSchema, gatewayReadsTopic, gatewayStatusTopic } from '@rtls/protocol';
import type { ReadBatch } from '@rtls/protocol';
import { DEFAULT_PIPELINE_OPTIONS, createPipeline } from '../../src/pipeline.ts';
import type { PipelineOptions } from '../../src/pipeline.ts';
import { RecordingSink, T0, bytes, fakeClock, fakeRegistry, fixtureGateways, fixtureSite, modelRssi, seeded } from './helpers.ts';

const TAG = 'ble:AABBCCDDEEF1';
const EPC = 'epc:E2801160600002084A1B2C3D';
const f1Ble = fixtureGateways().filter((g) => g.tech === 'ble' && g.floor === 'f1');

function setup(over: Partial<PipelineOptions> = {}) {
  const clock = fakeClock();
  const sink = new RecordingSink();
  const drops: string[] = [];
  const p = createPipeline({
    site: fixtureSite(), registry: fakeRegistry(), sink, clock: clock.now,
    options: { ...DEFAULT_PIPELINE_OPTIONS, ...over },
    onDrop: (reason) => drops.push(reason),
  });
  const seqs = new Map<string, number>();
  const msg = (gw: string, batch: Partial<ReadBatch> & Pick<ReadBatch, 'reads'>) => {
    const seq = (seqs.get(gw) ?? 0) + 1;
    seqs.set(gw, seq);
    const b = { gw, seq, t: clock.now(), ...batch };
    return { topic: gatewayReadsTopic(gw), payload: bytes(b), receivedAt: clock.now() };
  };
  /** Every f1 BLE gateway reports the tag at (x, y) once, with a little seeded noise. */
  const rnd = seeded(3);
  const round = (x: number, y: number, tag = TAG) => {
    for (const g of f1Ble) p.handle(msg(g.id, { reads: [{ tag, rssi: Math.round(modelRssi(g, x, y) + 1.5 * rnd.normal()) }] }));
  };
  return { p, sink, clock, msg, round, drops };
}

describe('pipeline end to end', () => {
  it('locates at most maxLocatesPerTick tags per tick and the rest on the next ticks, none starved', () => {
    const { p, sink, round } = setup({ maxLocatesPerTick: 3 });
    const ids = Array.from({ length: 7 }, (_, i) => `ble:AABBCCDD00${String(i).padStart(2, '0')}`);
    for (const id of ids) round(5, 5, id);
    p.tick();
    expect(sink.fixes).toHaveLength(3);
    p.tick();
    expect(sink.fixes).toHaveLength(6);
    p.tick();
    expect(sink.fixes.map((f) => f.tag).sort()).toEqual([...ids].sort());
    expect(p.stats().queued).toBe(0);
  });

  it('turns batches into valid fixes with the room set, one per minFixIntervalMs, and counts right', () => {
    const { p, sink, clock, round } = setup();
    for (let s = 0; s < 5; s++) {
      round(5, 5);
      p.tick();
      p.tick(); // a second tick in the same instant must not produce a second fix
      clock.advance(1000);
    }
    expect(sink.fixes).toHaveLength(5);
    for (const f of sink.fixes) {
      expect(FixSchema.safeParse(f).success).toBe(true);
      expect(f).toMatchObject({ tag: TAG, floor: 'f1', room: 'room-a', method: 'ble-wls' });
      expect(f.evidence.length).toBeLessThanOrEqual(8);
      expect(f.evidence.map((e) => e.rssi)).toEqual([...f.evidence.map((e) => e.rssi)].sort((a, b) => b - a));
    }
    const last = sink.fixes.at(-1)!;
    expect(Math.hypot(last.x - 5, last.y - 5)).toBeLessThan(2);
    expect(sink.events).toEqual([{ tag: TAG, t: sink.fixes[0]!.t, floor: 'f1', zone: 'room-a', kind: 'enter' }]);
    expect(sink.seen).toHaveLength(5 * f1Ble.length);
    const st = p.stats();
    expect(st).toMatchObject({ messages: 30, batches: 30, reads: 30, fixes: 5, tags: 1, queued: 0 });
    expect(Object.values(st.dropped).every((n) => n === 0)).toBe(true);
  });

  it('moves the tag into the corridor only after the hysteresis, with exit dwell and enter events', () => {
    const { p, sink, clock, round } = setup();
    for (let s = 0; s < 3; s++) {
      round(5, 5);
      p.tick();
      clock.advance(1000);
    }
    for (let s = 0; s < 8; s++) {
      round(15, 16);
      p.tick();
      clock.advance(1000);
    }
    const rooms = sink.fixes.map((f) => f.room);
    expect(rooms.slice(0, 4)).toEqual(['room-a', 'room-a', 'room-a', 'room-a']);
    expect(rooms.at(-1)).toBe('corridor');
    const firstCorridor = rooms.indexOf('corridor');
    expect(rooms.slice(firstCorridor).every((r) => r === 'corridor')).toBe(true);
    const exit = sink.events.find((e) => e.kind === 'exit')!;
    expect(exit).toMatchObject({ zone: 'room-a', kind: 'exit' });
    expect(exit.dwellMs).toBe(exit.t - sink.fixes[0]!.t);
    expect(sink.events.map((e) => `${e.kind}:${e.zone}`)).toEqual(['enter:room-a', 'exit:room-a', 'enter:corridor']);
    for (const e of sink.events) expect(ZoneEventSchema.safeParse(e).success).toBe(true);
  });

  it('counts every bad message under its reason, keeps going, and the next valid batch is still accepted', () => {
    const { p, sink, clock, msg, drops } = setup();
    const gw = f1Ble[0]!.id;
    const good = { reads: [{ tag: TAG, rssi: -60 }] };
    const dup = msg(gw, good);
    const bad = [
      { topic: 'rtls/v1/gw/x/other', payload: bytes({}), receivedAt: clock.now() }, // unknown-topic
      { topic: gatewayReadsTopic(gw), payload: bytes('{oops'), receivedAt: clock.now() }, // not-json
      { topic: gatewayReadsTopic('ghost'), payload: bytes({ gw: 'ghost', seq: 1, t: T0, reads: [] }), receivedAt: clock.now() }, // unknown-gateway
      msg(gw, { gw: f1Ble[1]!.id, reads: [] }), // gateway-mismatch
      msg(gw, { reads: [{ tag: TAG, rssi: 99 }, { tag: TAG, rssi: -61 }] }), // schema (1 read), other read kept
      msg(gw, { reads: [{ tag: EPC, rssi: -50 }] }), // schema: a BLE gateway cannot read an EPC tag
      msg(gw, { reads: [{ tag: TAG, rssi: -60, t: T0 - 7000 }] }), // stale-read (older than the longest window, 6 s)
      msg(gw, { t: T0 - 3_600_000, ...good }), // clock-skew: counted, read kept
      { topic: gatewayStatusTopic(gw), payload: bytes({ gw, state: 'bogus' }), receivedAt: clock.now() }, // schema
      dup, dup, // duplicate-batch once
    ];
    for (const m of bad) expect(() => p.handle(m)).not.toThrow();
    p.handle(msg(gw, good));
    p.tick();
    const d = p.stats().dropped;
    expect(d).toMatchObject({
      'unknown-topic': 1, 'not-json': 1, 'unknown-gateway': 1, 'gateway-mismatch': 1, schema: 3, 'stale-read': 1,
      'clock-skew': 1, 'duplicate-batch': 1, 'payload-too-large': 0, 'too-many-reads': 0, 'queue-full': 0,
    });
    expect(drops).toHaveLength(10);
    // Accepted: the good read beside the bad rssi, the skewed batch's read, dup once, the final good batch.
    expect(p.stats()).toMatchObject({ messages: 12, reads: 4, fixes: 1 });
    expect(sink.seen.at(-1)).toEqual({ tag: TAG, t: T0, battery: undefined });
  });

  it('forwards gateway status to the sink', () => {
    const { p, sink, clock } = setup();
    p.handle({ topic: gatewayStatusTopic('gw-any'), payload: bytes({ gw: 'gw-any', state: 'offline' }), receivedAt: clock.now() });
    expect(sink.statuses).toEqual([{ status: { gw: 'gw-any', state: 'offline' }, receivedAt: T0 }]);
  });

  it('drops the oldest reads beyond maxQueuePerTag as queue-full', () => {
    const { p, sink, msg } = setup({ maxQueuePerTag: 4 });
    const reads = Array.from({ length: 10 }, (_, i) => ({ tag: TAG, rssi: -60 - i, t: T0 - 1000 + i * 100 }));
    p.handle(msg(f1Ble[0]!.id, { reads }));
    expect(p.stats().dropped['queue-full']).toBe(6);
    expect(p.stats().queued).toBe(10);
    p.tick();
    expect(p.stats().queued).toBe(0);
    // The newest four survive: their median is −67.5 dBm.
    expect(sink.fixes[0]!.evidence).toEqual([{ gw: f1Ble[0]!.id, rssi: -67.5, n: 4 }]);
  });

  it('an RFID cabinet read gives a certain fix at the cabinet, in its room', () => {
    const { p, sink, clock, msg, round } = setup();
    round(15, 15);
    p.tick();
    clock.advance(1000);
    // The same tag id cannot be read by both technologies, so use an EPC tag for the cabinet and check the hold.
    p.handle(msg('cabinet-1', { reads: [{ tag: EPC, rssi: -40, ant: 1 }] }));
    p.tick();
    const cab = sink.fixes.at(-1)!;
    expect(cab).toMatchObject({ tag: EPC, method: 'rfid-cabinet', room: 'store', confidence: 1, x: 28, y: 2 });
    expect(FixSchema.safeParse(cab).success).toBe(true);
    expect(sink.events.at(-1)).toMatchObject({ tag: EPC, zone: 'store', kind: 'enter' });
  });

  it('portal crossing moves an EPC tag into the inside room immediately (certain evidence)', () => {
    const { p, sink, clock, msg } = setup();
    p.handle(msg('portal-a', { reads: [{ tag: EPC, rssi: -50, ant: 2 }] }));
    p.tick();
    expect(sink.fixes.at(-1)).toMatchObject({ method: 'rfid-portal', room: 'room-a' });
    clock.advance(1000);
    p.handle(msg('portal-a', { reads: [{ tag: EPC, rssi: -50, ant: 1 }] }));
    p.tick();
    expect(sink.fixes.at(-1)).toMatchObject({ method: 'rfid-portal', room: 'corridor' });
    expect(sink.events.map((e) => `${e.kind}:${e.zone}`)).toEqual(['enter:room-a', 'exit:room-a', 'enter:corridor']);
  });

  it('never throws on garbage and counts every message it drops', () => {
    const { p, clock } = setup();
    const rnd = seeded(99);
    const topics = [gatewayReadsTopic(f1Ble[0]!.id), gatewayStatusTopic(f1Ble[0]!.id), 'junk/topic'];
    for (let i = 0; i < 300; i++) {
      const len = Math.floor(rnd.uniform() * 200);
      const payload = new Uint8Array(len).map(() => Math.floor(rnd.uniform() * 256));
      // Half of the inputs are JSON-ish, so the schema paths get exercised too.
      const body = i % 2 ? payload : bytes({ gw: f1Ble[0]!.id, seq: i, t: clock.now(), reads: [{ tag: 'ble:1', rssi: rnd.uniform() }] });
      expect(() => p.handle({ topic: topics[i % 3]!, payload: body, receivedAt: clock.now() })).not.toThrow();
    }
    p.tick();
    const st = p.stats();
    expect(st.messages).toBe(300);
    expect(st.reads).toBe(0);
    const droppedMessages = Object.values(st.dropped).reduce((a, b) => a + b, 0);
    expect(droppedMessages).toBeGreaterThanOrEqual(300 - st.batches);
    expect(st.fixes).toBe(0);
  });

  it('exposes defaults matching the documented values', () => {
    expect(DEFAULT_PIPELINE_OPTIONS).toEqual({
      windowMs: 2000, parkedWindowMs: 6000, linkStaleMs: 8000, minFixIntervalMs: 500, portalHoldMs: 10_000, cabinetHoldMs: 30_000,
      maxQueuePerTag: 512, maxClockSkewMs: 300_000, pathLoss: { rssiAt1mDbm: -59, exponent: 2.2 }, roomHysteresisMs: 3000,
      maxLocatesPerTick: 200,
    });
  });
});
