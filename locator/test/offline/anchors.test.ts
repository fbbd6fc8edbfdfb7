import { describe, expect, it } from 'vitest';
import { ANCHORS_FLOOR_ID, OfflineInputError, anchorBounds, normaliseMac, parseAnchors, parseBounds, siteFromAnchors } from '../../src/offline/anchors.ts';
import { ANCHORS, anchorsJson } from './fixture.ts';

describe('anchors file', () => {
  it('becomes one BLE gateway per anchor at its position, mount height = z, looked up by id and MAC', () => {
    const site = siteFromAnchors(parseAnchors(anchorsJson()));
    expect(site.gateways.map((g) => [g.id, g.tech, g.floor, g.x, g.y, g.mountHeightM])).toEqual(
      ANCHORS.map((a) => [a.id, 'ble', ANCHORS_FLOOR_ID, a.x, a.y, a.z]),
    );
    for (const a of ANCHORS) {
      expect(site.registry.gateway(a.id)?.id).toBe(a.id);
      expect(site.gatewayByMac.get(a.mac)).toBe(a.id);
    }
    expect(site.registry.gateway('nope')).toBeUndefined();
  });

  it('has one floor whose outline is the anchors\' box grown by the margin, or the given bounds', () => {
    const anchors = parseAnchors(anchorsJson());
    const xs = ANCHORS.map((a) => a.x), ys = ANCHORS.map((a) => a.y);
    expect(anchorBounds(anchors, 3)).toEqual({ minX: Math.min(...xs) - 3, minY: Math.min(...ys) - 3, maxX: Math.max(...xs) + 3, maxY: Math.max(...ys) + 3 });
    const site = siteFromAnchors(anchors, { minX: -1, minY: -2, maxX: 30, maxY: 40 });
    expect(site.site.floors).toHaveLength(1);
    const ring = site.site.floors[0]!.outline!.geometry.coordinates[0]!;
    expect(Math.min(...ring.map((p) => p[0]!))).toBe(-1);
    expect(Math.max(...ring.map((p) => p[1]!))).toBe(40);
  });

  it('rejects unusable files with a reason', () => {
    const bad = [
      'not json',
      '{}',
      '{"anchors": []}',
      '{"anchors": [{"id": "a/b", "x": 0, "y": 0, "z": 2}]}',
      '{"anchors": [{"id": "a", "x": "0", "y": 0, "z": 2}]}',
      '{"anchors": [{"id": "a", "x": 0, "y": 0}]}',
      '{"anchors": [{"id": "a", "x": 0, "y": 0, "z": 2}, {"id": "a", "x": 1, "y": 0, "z": 2}]}',
      '{"anchors": [{"id": "a", "mac": "xyz", "x": 0, "y": 0, "z": 2}]}',
    ];
    for (const text of bad) expect(() => parseAnchors(text), text).toThrow(OfflineInputError);
  });

  it('parses bounds and normalises MACs', () => {
    expect(parseBounds('0,0,20.66,17.64')).toEqual({ minX: 0, minY: 0, maxX: 20.66, maxY: 17.64 });
    for (const b of ['0,0,20', '0,0,a,1', '5,0,1,1', '0,,1,1']) expect(() => parseBounds(b), b).toThrow(OfflineInputError);
    expect(normaliseMac('B8:27:EB:45:21:B4')).toBe('b827eb4521b4');
    expect(normaliseMac('b827eb4521')).toBeNull();
  });
});
