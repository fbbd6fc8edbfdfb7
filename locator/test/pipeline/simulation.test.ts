import { describe, expect, it } from 'vitest';
import { loadSampleSite } from '@rtls/floorplans';
import { runSimulation } from './sim-helpers.ts';

describe('pipeline on the simulator (sample hospital, 300 tags, 2 simulated minutes)', () => {
  it('has a lower median error than the strongest-gateway baseline on the same data', () => {
    const score = runSimulation(loadSampleSite(), { tags: 300, seconds: 120, seed: 1 });
    console.info(
      `simulation: ${score.bleFixes} BLE fixes, median error ${score.medianErrorM.toFixed(2)} m vs strongest-gateway ` +
      `${score.baselineMedianErrorM.toFixed(2)} m; floor ${(score.floorHitRate * 100).toFixed(1)} %, room ${(score.roomHitRate * 100).toFixed(1)} %`,
    );
    expect(score.bleFixes).toBeGreaterThan(10_000);
    expect(score.dropped).toBe(0);
    expect(score.medianErrorM).toBeLessThan(score.baselineMedianErrorM);
    expect(score.floorHitRate).toBeGreaterThan(0.95);
  }, 120_000);
});
