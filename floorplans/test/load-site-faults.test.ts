import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE_SITE_DIR, SiteValidationError, loadSite } from '../src/index.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the fixtures mutate raw JSON on purpose */
type Json = any;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Copies the sample into a temp dir, lets `mutate` edit the parsed files, and returns loadSite's problems. */
function problemsAfter(mutate: (files: { site: Json; L0: Json; L1: Json }) => void): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'rtls-floorplans-'));
  dirs.push(dir);
  cpSync(SAMPLE_SITE_DIR, dir, { recursive: true });
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json;
  const files = { site: read('site.json'), L0: read('L0.geojson'), L1: read('L1.geojson') };
  mutate(files);
  writeFileSync(join(dir, 'site.json'), JSON.stringify(files.site));
  writeFileSync(join(dir, 'L0.geojson'), JSON.stringify(files.L0));
  writeFileSync(join(dir, 'L1.geojson'), JSON.stringify(files.L1));
  try {
    loadSite(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(SiteValidationError);
    expect((err as Error).message).toContain(dir);
    return (err as SiteValidationError).problems;
  }
  throw new Error('loadSite accepted a faulty site');
}

const feature = (plan: Json, id: string): Json => {
  const f = plan.features.find((x: Json) => x.properties.id === id);
  if (!f) throw new Error(`fixture: no feature ${id}`);
  return f;
};
const indexOf = (plan: Json, id: string): number => plan.features.findIndex((x: Json) => x.properties.id === id);

describe('loadSite rejects faulty sites, naming the bad feature or field', () => {
  it('accepts an unmodified copy (the fixtures below start from a valid site)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtls-floorplans-'));
    dirs.push(dir);
    cpSync(SAMPLE_SITE_DIR, dir, { recursive: true });
    expect(loadSite(dir).floors).toHaveLength(2);
  });

  it('duplicate id across floors', () => {
    const problems = problemsAfter(({ L1 }) => {
      feature(L1, 'L1-icu-bay-2').properties.id = 'L0-or-1';
    });
    expect(problems).toContainEqual(expect.stringMatching(/duplicate id 'L0-or-1': room on floor L1 \(already used by room on floor L0\)/));
  });

  it('door connecting an unknown room', () => {
    const problems = problemsAfter(({ L0 }) => {
      feature(L0, 'L0-door-ed-bay-1').properties.connects = ['L0-ed-bay-1', 'L0-nowhere'];
    });
    expect(problems).toContain("L0.geojson: floor L0: door L0-door-ed-bay-1: connects[1] names unknown room 'L0-nowhere' (not a room on floor L0)");
  });

  it('overlapping rooms', () => {
    const problems = problemsAfter(({ L0 }) => {
      const or2 = feature(L0, 'L0-or-2');
      or2.geometry.coordinates = [or2.geometry.coordinates[0].map(([x, y]: [number, number]) => [x - 2, y])];
    });
    expect(problems).toContain('L0.geojson: floor L0: rooms L0-or-1 and L0-or-2 overlap by 14 m²');
  });

  it('gateway outside its room', () => {
    const problems = problemsAfter(({ L1 }) => {
      feature(L1, 'L1-ble-icu-bay-3-1').geometry.coordinates = [9.5, 8.4]; // in the ICU corridor
    });
    expect(problems).toContainEqual(expect.stringMatching(/^L1\.geojson: floor L1: gateway L1-ble-icu-bay-3-1: at \(9\.5, 8\.4\) lies [\d.]+ m outside its room L1-icu-bay-3$/));
    expect(problems).toContain('L1.geojson: floor L1: room L1-icu-bay-3: has no BLE gateway inside it');
  });

  it('polygon ring missing its closing position', () => {
    let i = -1;
    const problems = problemsAfter(({ L0 }) => {
      i = indexOf(L0, 'L0-lobby');
      L0.features[i].geometry.coordinates[0].pop();
    });
    expect(problems).toEqual([`L0.geojson: features[${i}] (room L0-lobby).geometry.coordinates[0]: a polygon ring must be closed (first position equals last)`]);
  });

  it('property of the wrong type', () => {
    let i = -1;
    const problems = problemsAfter(({ L1 }) => {
      i = indexOf(L1, 'L1-portal-nursery');
      L1.features[i].properties.mountHeightM = '2.2';
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^L1\\.geojson: features\\[${i}\\] \\(gateway L1-portal-nursery\\)\\.properties\\.mountHeightM: .*expected number`));
  });

  it('unknown feature kind and unknown zoneType are both reported in one pass', () => {
    const problems = problemsAfter(({ L0, L1 }) => {
      feature(L0, 'L0-cafe').properties.zoneType = 'cafeteria';
      L1.features.push({ type: 'Feature', properties: { kind: 'plant' }, geometry: { type: 'Point', coordinates: [1, 1] } });
    });
    expect(problems).toContainEqual(expect.stringMatching(/^L0\.geojson: features\[\d+\] \(room L0-cafe\)\.properties\.zoneType: /));
    expect(problems).toContainEqual(expect.stringMatching(/^L1\.geojson: features\[\d+\]\.properties\.kind: expected one of outline, room/));
  });

  it('site.json field errors name the field path; a missing floor file names the file', () => {
    expect(problemsAfter(({ site }) => { site.floors[1].level = 1.5; })).toEqual([
      expect.stringMatching(/^site\.json: floors\[1\]\.level: /),
    ]);
    expect(problemsAfter(({ site }) => { site.floors[1].file = 'L7.geojson'; })).toEqual([
      expect.stringMatching(/^L7\.geojson: cannot read file: /),
    ]);
  });

  it('portal whose door does not exist, and a room no door reaches', () => {
    const problems = problemsAfter(({ L0 }) => {
      feature(L0, 'L0-portal-dock').properties.door = 'L0-door-gone';
      L0.features.splice(indexOf(L0, 'L0-door-faith'), 1);
    });
    expect(problems).toContain("L0.geojson: floor L0: gateway L0-portal-dock: door 'L0-door-gone' is not a door on floor L0");
    expect(problems).toContain('L0.geojson: floor L0: room L0-faith: cannot be reached through doors from a corridor');
  });

  it('corridor coverage gap, missing lift, and a vertical link to an unknown room', () => {
    const problems = problemsAfter(({ site, L0, L1 }) => {
      // Room gateways near a corridor cover it too, so clear every BLE gateway within 8 m of a corridor point.
      L0.features = L0.features.filter((f: Json) => {
        if (f.properties.kind !== 'gateway' || f.properties.tech !== 'ble') return true;
        const [x, y] = f.geometry.coordinates as [number, number];
        return Math.hypot(x - 100, y - 42.8) > 8;
      });
      feature(L1, 'L1-lift').properties.zoneType = 'other';
      site.verticals[0].rooms[1] = 'L1-stairs-x';
    });
    expect(problems).toContainEqual(expect.stringMatching(/^L0\.geojson: floor L0: room L0-nc: corridor point \([\d.]+, [\d.]+\) is [\d.]+ m from the nearest BLE gateway \(max 6 m\)$/));
    expect(problems).toContain('L1.geojson: floor L1: has no elevator room');
    expect(problems).toContain("site: vertical lift-main: rooms[1] 'L1-lift' has zoneType other, expected elevator");
    expect(problems).toContain("site: vertical stairs-west: rooms[1] names unknown room 'L1-stairs-x'");
  });

  it('door drawn away from the rooms it connects', () => {
    const problems = problemsAfter(({ L1 }) => {
      feature(L1, 'L1-door-nursery').geometry.coordinates = [[67, 13], [68.6, 13]];
    });
    expect(problems).toContainEqual(expect.stringMatching(/^L1\.geojson: floor L1: door L1-door-nursery: lies [\d.]+ m from the boundary of room L1-nursery \(max 0\.5 m\)$/));
    expect(problems).toContainEqual(expect.stringMatching(/gateway L1-portal-nursery: lies [\d.]+ m from the door L1-door-nursery it guards/));
  });
});
