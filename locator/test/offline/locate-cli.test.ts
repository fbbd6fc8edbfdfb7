import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorsJson, packetLines, readingsLines } from './fixture.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'locator', 'src', 'cli', 'locate.ts');

/** Generous per-spawn allowance (npx + tsx start-up on a loaded machine); a limit on hanging, not a timing assertion. */
const SPAWN_BUDGET_MS = 30_000;

let dir: string;
const file = (name: string) => join(dir, name);

function locate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtls-locate-'));
  writeFileSync(file('anchors.json'), anchorsJson());
  const readings = readingsLines(12);
  // Line 4 is truncated JSON, line 9 lacks t: both must be reported and skipped, the other 12 located.
  writeFileSync(file('readings.jsonl'), [...readings.slice(0, 3), '{"t": 1581249604.25, "rssi": {"a1"', ...readings.slice(3, 7), '{"rssi": {"a1": -70}}', ...readings.slice(7)].join('\n') + '\n');
  writeFileSync(file('track.mbd'), packetLines(5).join('\n'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run locate', () => {
  it('writes one fix line per good input line and reports malformed lines by number on stderr', () => {
    const r = locate('--anchors', file('anchors.json'), '--in', file('readings.jsonl'), '--out', file('fixes.jsonl'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/line 4: skipped: not JSON/);
    expect(r.stderr).toMatch(/line 9: skipped: t:/);
    expect(r.stderr).toMatch(/12 lines used, 2 skipped/);
    const out = jsonLines(readFileSync(file('fixes.jsonl'), 'utf8'));
    expect(out).toHaveLength(12);
    expect(out.map((o) => o.line)).toEqual([1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 14]);
    for (const o of out) {
      expect(Object.keys(o)).toEqual(expect.arrayContaining(['t', 'x', 'y', 'floor', 'room', 'accuracyM', 'confidence', 'method', 'links', 'fixT']));
      expect(typeof o.t).toBe('number');
    }
    expect(out.filter((o) => typeof o.x === 'number' && typeof o.y === 'number').length).toBeGreaterThan(6);
    expect(JSON.stringify(out)).not.toMatch(/truth/);
  }, SPAWN_BUDGET_MS);

  it('reads a raw packet track (format detected) to stdout, one line per packet or per --every-ms step', () => {
    const lines = packetLines(5);
    const perPacket = locate('--anchors', file('anchors.json'), '--in', file('track.mbd'));
    expect(perPacket.status).toBe(0);
    expect(perPacket.stderr).toMatch(/packets:/);
    expect(jsonLines(perPacket.stdout)).toHaveLength(lines.length);

    const stepped = locate('--anchors', file('anchors.json'), '--in', file('track.mbd'), '--format', 'packets', '--every-ms', '1000', '--out', '-');
    expect(stepped.status).toBe(0);
    const steps = new Set(lines.map((l) => Math.ceil(Math.round(Number(l.split(',')[0]) * 1000) / 1000)));
    const out = jsonLines(stepped.stdout);
    expect(out).toHaveLength(steps.size);
    for (const o of out) expect(Number.isInteger(Math.round((o.t as number) * 1000) / 1000)).toBe(true);
  }, SPAWN_BUDGET_MS * 2);

  it('rejects bad arguments with the usage and exit code 2', () => {
    const cases = [
      [],
      ['--anchors', file('anchors.json')],
      ['--anchors', file('anchors.json'), '--in', file('readings.jsonl'), '--format', 'csv'],
      ['--anchors', file('anchors.json'), '--in', file('readings.jsonl'), '--every-ms', '0'],
      ['--anchors', file('anchors.json'), '--in', file('readings.jsonl'), '--bounds', '1,2,3'],
      ['--anchors', file('missing.json'), '--in', file('readings.jsonl')],
      ['--anchors', file('readings.jsonl'), '--in', file('readings.jsonl')],
      ['--anchors', file('anchors.json'), '--in', file('anchors.json')],
    ];
    for (const args of cases) {
      const r = locate(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/usage: npm run locate/);
    }
  }, SPAWN_BUDGET_MS * 8);
});
