/**
 * Small synthetic recordings in the shapes of danis2022-ble-tetam (anchors.json, readings.jsonl, raw packet tracks)
 * for the offline locator tests: a tag walking a known path among 6 anchors, RSSI from the log-distance model plus
 * seeded noise. Ground truth is written into the files exactly where the dataset has it.
 */
import { seeded } from '../pipeline/helpers.ts';

export interface FixtureAnchor { id: string; mac: string; x: number; y: number; z: number }

export const ANCHORS: FixtureAnchor[] = [
  { id: 'a1', mac: 'b827eb000001', x: 0, y: 0, z: 2.3 },
  { id: 'a2', mac: 'b827eb000002', x: 10, y: 0, z: 2.3 },
  { id: 'a3', mac: 'b827eb000003', x: 20, y: 0, z: 2.3 },
  { id: 'a4', mac: '000000000104', x: 0, y: 12, z: 1.2 },
  { id: 'a5', mac: '000000000105', x: 10, y: 12, z: 1.2 },
  { id: 'a6', mac: '000000000106', x: 20, y: 12, z: 1.2 },
];

export const BEACON_MAC = 'e78f135624ce';
export const T_START_S = 1_581_249_601.25;

export function anchorsJson(): string {
  return JSON.stringify({ units: 'm', anchors: ANCHORS });
}

/** Where the tag is at time s after the start: walks along y = 6 from x = 3 to x = 17 at 0.5 m/s, then parks. */
export function truthAt(s: number): { x: number; y: number } {
  return { x: Math.min(17, 3 + 0.5 * s), y: 6 };
}

function modelRssi(a: FixtureAnchor, x: number, y: number, noise: number): number {
  const d = Math.hypot(a.x - x, a.y - y, a.z - 1);
  return Math.round((-59 - 22 * Math.log10(d) + noise) * 100) / 100;
}

/** `seconds` one-second windows: {t, truth, rssi, track, n_packets, truth_z}, as readings.jsonl. */
export function readingsLines(seconds: number, seed = 7): string[] {
  const rnd = seeded(seed);
  const out: string[] = [];
  for (let s = 0; s < seconds; s++) {
    const tr = truthAt(s + 0.5);
    const rssi: Record<string, number> = {};
    for (const a of ANCHORS) rssi[a.id] = modelRssi(a, tr.x, tr.y, 3 * rnd.normal());
    out.push(JSON.stringify({ t: T_START_S + s, truth: { x: tr.x, y: tr.y }, rssi, track: 'synthetic', n_packets: 6, truth_z: 1.8 }));
  }
  return out;
}

/** Packet lines `unix_s,receiverMAC,beaconMAC,RSSI,x,y,z,<9 orientation>`: a burst to all anchors every 0.45 s. */
export function packetLines(seconds: number, seed = 11): string[] {
  const rnd = seeded(seed);
  const out: string[] = [];
  for (let k = 0; k * 0.45 < seconds; k++) {
    ANCHORS.forEach((a, i) => {
      const s = k * 0.45 + i * 0.0011;
      const tr = truthAt(s);
      const rssi = Math.round(modelRssi(a, tr.x, tr.y, 4 * rnd.normal()));
      out.push([(T_START_S + s).toFixed(7), a.mac, BEACON_MAC, rssi, tr.x.toFixed(6), tr.y.toFixed(6), '1.8', '0.06', '0', '-0.99', '0.99', '0.01', '0.06', '0.01', '-1', '0'].join(','));
    });
  }
  return out;
}
