import { describe, expect, it } from 'vitest';
import { floorBounds, fromLatLng, pixelsPerMetre, ringBox, ringCentroid, ringToLatLngs, toLatLng, toScreen } from '../src/map/coords.ts';

describe('floor frame ↔ Leaflet CRS.Simple', () => {
  it('maps GeoJSON [x, y] to LatLng(y, x) and back', () => {
    expect(toLatLng([12.5, 3])).toEqual([3, 12.5]);
    expect(fromLatLng(3, 12.5)).toEqual({ x: 12.5, y: 3 });
    expect(ringToLatLngs([[0, 0], [4, 0], [4, 2], [0, 0]])).toEqual([[0, 0], [0, 4], [2, 4], [0, 0]]);
  });

  it('spans the floor from the bottom-left origin to (depth, width)', () => {
    expect(floorBounds(120, 60)).toEqual([[0, 0], [60, 120]]);
  });

  it('finds the area centroid of a room, also for an L-shape, and its box', () => {
    const square = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]] as const;
    expect(ringCentroid(square)).toEqual({ x: 2, y: 2 });
    // L: a 4x2 bar plus a 2x2 block on its left end; area-weighted centroid is pulled left and down.
    const l = [[0, 0], [4, 0], [4, 2], [2, 2], [2, 4], [0, 4], [0, 0]] as const;
    const c = ringCentroid(l);
    expect(c.x).toBeCloseTo(5 / 3, 9);
    expect(c.y).toBeCloseTo(5 / 3, 9);
    expect(ringBox(l)).toEqual({ minX: 0, minY: 0, maxX: 4, maxY: 4 });
  });

  it('falls back to the box centre for a degenerate ring', () => {
    expect(ringCentroid([[0, 0], [6, 0], [0, 0], [0, 0]])).toEqual({ x: 3, y: 0 });
  });

  it('doubles pixels per metre per zoom level and applies the sampled screen transform', () => {
    expect(pixelsPerMetre(0)).toBe(1);
    expect(pixelsPerMetre(3)).toBe(8);
    // y up in metres, y down on screen: a negative y scale.
    expect(toScreen({ ox: 100, oy: 500, sx: 8, sy: -8 }, 10, 20)).toEqual({ px: 180, py: 340 });
  });
});

describe('marker size by zoom', () => {
  it('shrinks markers when zoomed out and caps them when zoomed in', async () => {
    const { markerScale } = await import('../src/map/palette.ts');
    expect(markerScale(-2)).toBe(0.65);
    expect(markerScale(3)).toBeCloseTo(0.95, 9);
    expect(markerScale(10)).toBe(1.1);
    expect(markerScale(2)).toBeLessThan(markerScale(3));
  });
});
