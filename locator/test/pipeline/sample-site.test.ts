import { describe, expect, it } from 'vitest';
import { loadSampleSite, pointBoundaryDistance, pointInPolygon, polygonArea } from '@rtls/floorplans';
import type { Position, RoomFeature } from '@rtls/protocol';
import { FixSchema, gatewayReadsTopic } from '@rtls/protocol';
import type { GatewayRecord } from '../../src/contracts.ts';
import { DEFAULT_PIPELINE_OPTIONS, createPipeline } from '../../src/pipeline.ts';
import { createRoomStamper } from '../../src/zones/room-stamp.ts';
import type { SiteLike } from '../../src/zones/site-model.ts';
import { RecordingSink, T0, bytes, fakeRegistry, modelRssi } from './helpers.ts';

const sample = loadSampleSite();
// Compile-time check: the floorplans loader's Site is what the pipeline takes.
const site: SiteLike = sample;

function gatewayRecords(): GatewayRecord[] {
  return sample.floors.flatMap((f) =>
    f.gateways.map((g) => ({
      id: g.properties.id, tech: g.properties.tech, format: g.properties.format, floor: f.summary.id,
      x: g.geometry.coordinates[0], y: g.geometry.coordinates[1], mountHeightM: g.properties.mountHeightM,
      room: g.properties.room ?? null, door: g.properties.door ?? null, antennas: g.properties.antennas ?? null,
    })),
  );
}

/** A point inside the room at least `margin` from its boundary, or null. */
function interiorPoint(room: RoomFeature, margin: number): Position | null {
  const ring = room.geometry.coordinates[0]!;
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  let best: Position | null = null;
  let bestD = margin;
  for (let x = Math.min(...xs); x <= Math.max(...xs); x += 0.5) {
    for (let y = Math.min(...ys); y <= Math.max(...ys); y += 0.5) {
      const p: Position = [x, y];
      if (!pointInPolygon(p, room.geometry.coordinates)) continue;
      const d = pointBoundaryDistance(p, room.geometry.coordinates);
      if (d >= bestD) [best, bestD] = [p, d];
    }
  }
  return best;
}

describe('pipeline on the sample hospital', () => {
  it('stamps every room: an interior point of each room resolves to the smallest room containing it', () => {
    const stamper = createRoomStamper(site);
    let checked = 0;
    for (const f of sample.floors) {
      for (const room of f.rooms) {
        const p = interiorPoint(room, 0.2);
        expect(p, `room ${room.properties.id} has an interior point`).not.toBeNull();
        const containing = f.rooms
          .filter((r) => pointInPolygon(p!, r.geometry.coordinates))
          .sort((a, b) => polygonArea(a.geometry.coordinates) - polygonArea(b.geometry.coordinates));
        expect(stamper.stamp(f.summary.id, p![0], p![1]).room).toBe(containing[0]!.properties.id);
        checked++;
      }
    }
    expect(checked).toBe(sample.floors.reduce((n, f) => n + f.rooms.length, 0));
  });

  it('noiseless reads from the floor\'s BLE gateways put a tag in the right room', () => {
    const gws = gatewayRecords();
    const clock = { t: T0 };
    const sink = new RecordingSink();
    const p = createPipeline({ site, registry: fakeRegistry(gws), sink, clock: () => clock.t, options: { ...DEFAULT_PIPELINE_OPTIONS, maxLocatesPerTick: Number.MAX_SAFE_INTEGER } });
    const truth = new Map<string, string>();
    let i = 0;
    for (const f of sample.floors) {
      for (const room of f.rooms) {
        const pt = interiorPoint(room, 1.2);
        if (!pt) continue;
        const tag = `ble:${(0xb00000000000 + i++).toString(16).toUpperCase()}`;
        truth.set(tag, room.properties.id);
        for (const g of gws) {
          if (g.tech !== 'ble' || g.floor !== f.summary.id || Math.hypot(g.x - pt[0], g.y - pt[1]) > 25) continue;
          p.handle({ topic: gatewayReadsTopic(g.id), payload: bytes({ gw: g.id, seq: i, t: T0, reads: [{ tag, rssi: modelRssi(g, pt[0], pt[1]) }] }), receivedAt: T0 });
        }
      }
    }
    p.tick();
    expect(truth.size).toBeGreaterThan(50);
    let right = 0;
    for (const fix of sink.fixes) {
      expect(FixSchema.safeParse(fix).success).toBe(true);
      if (fix.room === truth.get(fix.tag)) right++;
    }
    expect(sink.fixes).toHaveLength(truth.size);
    // Rooms overlapping smaller ones (a bay drawn inside a ward) can legitimately resolve to the smaller room.
    expect(right / truth.size).toBeGreaterThan(0.9);
  });
});
