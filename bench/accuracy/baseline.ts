/**
 * The committed baselines (bench/accuracy/baseline.json for the full profile, baseline-quick.json for quick): the
 * flat figure map of a run, rounded for readable diffs. `npm run accuracy -- [--quick] --update-baseline` rewrites
 * one, `npm run accuracy -- --all-profiles --update-baseline` both. Rounding is far below the gate's floors, so it never decides a comparison.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ProfileName } from './scenarios.ts';

export interface Baseline {
  profile: ProfileName;
  note: string;
  figures: Record<string, number | null>;
}

export function baselinePath(profile: ProfileName): string {
  return resolve(import.meta.dirname, profile === 'full' ? 'baseline.json' : 'baseline-quick.json');
}

export function readBaseline(profile: ProfileName): Baseline | null {
  const p = baselinePath(profile);
  if (!existsSync(p)) return null;
  return JSON.parse(readFileSync(p, 'utf8')) as Baseline;
}

const round4 = (v: number | null): number | null => (v === null ? null : Math.round(v * 1e4) / 1e4);

export function writeBaseline(profile: ProfileName, figures: Readonly<Record<string, number | null>>): string {
  const rounded: Record<string, number | null> = {};
  for (const k of Object.keys(figures).sort()) rounded[k] = round4(figures[k] ?? null);
  const b: Baseline = {
    profile,
    note: `Written by: npm run accuracy -- ${profile === 'quick' ? '--quick ' : ''}--update-baseline. Compared by bench/accuracy/gate.ts.`,
    figures: rounded,
  };
  const p = baselinePath(profile);
  writeFileSync(p, `${JSON.stringify(b, null, 2)}\n`);
  return p;
}
