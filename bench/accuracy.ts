/**
 * `npm run accuracy`: the locator's BLE solver against real ground truth — the Daniş et al. 2022 dataset in
 * ../shared/datasets/danis2022-ble-tetam (12 fixed receivers, one carried beacon, camera ground truth; 698 one-second
 * windows of mean RSSI per receiver). Each window is located on its own (no tracking, no calibration) with the
 * locator's default path-loss model — nothing is fitted to this data — and compared with the dataset README's
 * baselines, recomputed here on the same windows. Figures only; the regression gate comes with issue #3.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_PIPELINE_OPTIONS, type GatewayRecord } from '@rtls/locator';
import { locateBle, type BleLink } from '../locator/src/positioning/locate-ble.ts';

const DIR = resolve(import.meta.dirname, '..', '..', 'shared', 'datasets', 'danis2022-ble-tetam');

interface Anchor { id: string; x: number; y: number; z: number }
interface Window { t: number; truth: { x: number; y: number }; rssi: Record<string, number>; track: string }

function summary(errors: number[]): { mean: number; median: number; p90: number } {
  const s = [...errors].sort((a, b) => a - b);
  return {
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    median: s[Math.floor(s.length / 2)]!,
    p90: s[Math.floor(s.length * 0.9)]!,
  };
}

function main(): void {
  if (!existsSync(DIR)) {
    process.stderr.write(`accuracy: dataset not found at ${DIR}\n`);
    process.exit(2);
  }
  const anchors = (JSON.parse(readFileSync(resolve(DIR, 'anchors.json'), 'utf8')) as { anchors: Anchor[] }).anchors;
  const gateways = new Map<string, GatewayRecord>(anchors.map((a) => [a.id, {
    id: a.id, tech: 'ble', format: 'native', floor: 'tetam', x: a.x, y: a.y, mountHeightM: a.z, room: null, door: null, antennas: null,
  }]));
  const windows = readFileSync(resolve(DIR, 'readings.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Window);
  // The area's limits from cnf/tetam.par (0..20.66 × 0..17.64 m).
  const bounds = () => ({ minX: 0, minY: 0, maxX: 20.66, maxY: 17.64 });
  const pathLoss = DEFAULT_PIPELINE_OPTIONS.pathLoss;

  const err = { locator: [] as number[], nearest: [] as number[], centroid3: [] as number[] };
  let unlocated = 0;
  for (const w of windows) {
    const links: BleLink[] = Object.entries(w.rssi).map(([id, rssi]) => ({
      gateway: gateways.get(id)!, rssi, n: 1, spreadDb: 0, rssiAt1mDbm: pathLoss.rssiAt1mDbm,
    }));
    const loc = locateBle(links, bounds, pathLoss);
    if (!loc) {
      unlocated++;
      continue;
    }
    const d = (x: number, y: number) => Math.hypot(x - w.truth.x, y - w.truth.y);
    err.locator.push(d(loc.x, loc.y));
    const byRssi = [...links].sort((a, b) => b.rssi - a.rssi);
    err.nearest.push(d(byRssi[0]!.gateway.x, byRssi[0]!.gateway.y));
    const top = byRssi.slice(0, 3);
    const wts = top.map((l) => 10 ** (l.rssi / 20));
    const sum = wts.reduce((a, b) => a + b, 0);
    err.centroid3.push(d(
      top.reduce((a, l, i) => a + l.gateway.x * wts[i]!, 0) / sum,
      top.reduce((a, l, i) => a + l.gateway.y * wts[i]!, 0) / sum,
    ));
  }

  const rows = [
    ['locator BLE solve (per window, defaults)', summary(err.locator)],
    ['weighted centroid of 3 strongest (the bar)', summary(err.centroid3)],
    ['nearest receiver (strongest RSSI)', summary(err.nearest)],
  ] as const;
  const out = [
    `danis2022-ble-tetam: ${err.locator.length} of ${windows.length} windows located (${unlocated} not), 2-D error in metres`,
    `path loss: ${pathLoss.rssiAt1mDbm} dBm at 1 m, exponent ${pathLoss.exponent} (locator defaults, not fitted)`,
    '',
    `${'method'.padEnd(44)}  ${'mean'.padStart(5)}  ${'median'.padStart(6)}  ${'p90'.padStart(5)}`,
    ...rows.map(([name, s]) => `${name.padEnd(44)}  ${s.mean.toFixed(2).padStart(5)}  ${s.median.toFixed(2).padStart(6)}  ${s.p90.toFixed(2).padStart(5)}`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
