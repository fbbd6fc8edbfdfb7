/**
 * `npm run accuracy`: the accuracy harness of issue #3 — seeded simulator scenarios on the sample hospital through
 * the locator's real pipeline, the Cramér–Rao bound beside each error figure, the real-data rows
 * (../shared/datasets/danis2022-ble-tetam, when present), the targets, and the regression gate against the
 * committed baseline. Everything is in bench/accuracy/; this file only parses flags and does the I/O.
 *
 *   npm run accuracy                          full profile (about 5 min), gate against bench/accuracy/baseline.json
 *   npm run accuracy -- --quick               quick profile (CI), gate against bench/accuracy/baseline-quick.json
 *   npm run accuracy -- --update-baseline     rewrite the profile's baseline from this run
 *   npm run accuracy -- --all-profiles [--update-baseline]   full then quick, gating (or rewriting) both baselines
 *   npm run accuracy -- --only parked,walking run some scenarios (gate on those only; cannot update the baseline)
 *
 * Writes bench/results/accuracy.json (full) or accuracy-quick.json (quick). Exit code 1 when a figure regressed by
 * more than 10 % (or is missing).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadSampleSite } from '@rtls/floorplans';
import { baselinePath, readBaseline, writeBaseline } from './accuracy/baseline.ts';
import { compareToBaseline } from './accuracy/gate.ts';
import { renderGate, renderReport } from './accuracy/report.ts';
import { notMeasured, runProfile } from './accuracy/run-profile.ts';
import { type ProfileName, scenarios } from './accuracy/scenarios.ts';

const REPO = resolve(import.meta.dirname, '..');
const DATASET = resolve(REPO, '..', 'shared', 'datasets', 'danis2022-ble-tetam');
const RESULTS = resolve(REPO, 'bench', 'results');

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function runOne(profile: ProfileName, update: boolean, only: string[] | undefined): Promise<boolean> {
  const report = await runProfile(profile, {
    site: loadSampleSite(),
    wallMs: () => performance.now(),
    realDataDir: DATASET,
    ...(only ? { only } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`\n${renderReport(report)}\n`);
  const out = resolve(RESULTS, profile === 'full' ? 'accuracy.json' : 'accuracy-quick.json');
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), ...report }, null, 2)}\n`);
  process.stdout.write(`JSON: ${out}\n`);

  if (update) {
    if (report.realData.status !== 'ok') process.stderr.write(`accuracy: baseline written without real-data figures (${report.realData.status})\n`);
    process.stdout.write(`Baseline written: ${writeBaseline(profile, report.figures)}\n`);
    return true;
  }
  const baseline = readBaseline(profile);
  const gate = baseline ? compareToBaseline(baseline.figures, report.figures, { skip: notMeasured(report) }) : null;
  process.stdout.write(renderGate(gate, baselinePath(profile)));
  return gate?.ok ?? false;
}

async function main(): Promise<number> {
  const profiles: ProfileName[] = process.argv.includes('--all-profiles') ? ['full', 'quick'] : process.argv.includes('--quick') ? ['quick'] : ['full'];
  const update = process.argv.includes('--update-baseline');
  const only = flag('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
  const known = new Set(scenarios('full').map((s) => s.id));
  const unknown = only?.filter((id) => !known.has(id)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`accuracy: unknown scenario(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}\n`);
    return 2;
  }
  if (update && only) {
    process.stderr.write('accuracy: --update-baseline needs every scenario (drop --only)\n');
    return 2;
  }
  let ok = true;
  for (const profile of profiles) ok = (await runOne(profile, update, only)) && ok;
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`accuracy: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
