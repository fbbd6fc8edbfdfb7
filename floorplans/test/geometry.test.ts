import { describe, expect, it } from 'vitest';
import type { Position } from '@rtls/protocol';
import { intersectionArea, pointBoundaryDistance, pointInPolygon, polygonArea } from '../src/index.ts';

const rect = (x0: number, y0: number, x1: number, y1: number): Position[][] => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];

// Floors are in local metres; turf's own measures are geodesic and would read x=120 as a longitude.
describe('planar geometry in the local metre frame', () => {
  it('areas are planar square metres, holes subtracted', () => {
    expect(polygonArea(rect(0, 0, 120, 51.2))).toBeCloseTo(6144, 6);
    expect(polygonArea([...rect(0, 0, 10, 10), ...rect(2, 2, 4, 4)])).toBeCloseTo(96, 6);
  });

  it('intersection area is 0 for rooms sharing only a wall and the overlap otherwise', () => {
    expect(intersectionArea(rect(0, 0, 4, 7), rect(4, 0, 8, 7))).toBe(0);
    expect(intersectionArea(rect(64, 0, 72, 7), rect(70, 0, 78, 7))).toBeCloseTo(14, 6);
    expect(intersectionArea(rect(0, 0, 1, 1), rect(5, 5, 6, 6))).toBe(0);
  });

  it('point-in-polygon counts the boundary as inside; boundary distance is Euclidean metres', () => {
    expect(pointInPolygon([100, 20], rect(90, 10, 110, 30))).toBe(true);
    expect(pointInPolygon([90, 20], rect(90, 10, 110, 30))).toBe(true);
    expect(pointInPolygon([89.9, 20], rect(90, 10, 110, 30))).toBe(false);
    expect(pointBoundaryDistance([100, 20], rect(90, 10, 110, 30))).toBeCloseTo(10, 9);
    expect(pointBoundaryDistance([113, 34], rect(90, 10, 110, 30))).toBeCloseTo(5, 9);
  });
});
