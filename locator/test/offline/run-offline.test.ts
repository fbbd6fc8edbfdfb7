import { describe, expect, it } from 'vitest';
import { parseAnchors, siteFromAnchors } from '../../src/offline/anchors.ts';
import { parseInput } from '../../src/offline/read-streams.ts';
import type { InputFormat } from '../../src/offline/read-streams.ts';
import { runOffline } from '../../src/offline/run-offline.ts';
import type { OfflineRunOptions } from '../../src/offline/run-offline.ts';
import { T_START_S, anchorsJson, packetLines, readingsLines, truthAt } from './fixture.ts';

const site = siteFromAnchors(parseAnchors(anchorsJson()), { minX: -2, minY: -2, maxX: 22, maxY: 14 });
const ids = new Set(site.gateways.map((g) => g.id));

function locate(lines: readonly string[], opts: OfflineRunOptions = {}, format?: InputFormat) {
  const parsed = parseInput(lines.join('\n'), { hasGateway: (id) => ids.has(id), gatewayByMac: site.gatewayByMac }, format);
  return runOffline(parsed.lines, site, opts);
}

describe('offline run over 1-s windows', () => {
  const lines = readingsLines(40);
  const run = locate(lines);

  it('writes one output per input line, in order, located through the pipeline', () => {
    expect(run.outputs).toHaveLength(lines.length);
    expect(run.outputs.map((o) => o.line)).toEqual(lines.map((_, i) => i + 1));
    expect(run.outputs.map((o) => o.t)).toEqual(lines.map((l) => (JSON.parse(l) as { t: number }).t));
    expect(run.summary).toMatchObject({ lines: lines.length, outputs: lines.length, sessions: 1 });
    expect(run.summary.fixes).toBeGreaterThan(0);
    expect(run.summary.dropped).toEqual({});
    const located = run.outputs.filter((o) => o.x !== null);
    expect(located.length).toBeGreaterThan(lines.length / 2);
    for (const o of located) {
      expect(o).toMatchObject({ floor: 'offline', room: null });
      expect(o.method).toMatch(/^ble-/);
      expect(o.links.length).toBeGreaterThan(0);
      // Strictly causal: a fix is never newer than the output that carries it.
      expect(o.fixT!).toBeLessThanOrEqual(o.t);
    }
  });

  it('tracks the synthetic walk (the model the data was drawn from is the default one)', () => {
    // Once parked (x = 17 from 28 s on), every located output is near the truth.
    const parked = run.outputs.filter((o) => o.t - T_START_S >= 32 && o.x !== null);
    expect(parked.length).toBeGreaterThan(3);
    for (const o of parked) {
      const tr = truthAt(o.t - T_START_S);
      expect(Math.hypot(o.x! - tr.x, o.y! - tr.y)).toBeLessThan(3);
    }
  });

  it('is causal: appending future lines never changes an earlier output', () => {
    for (const k of [1, 5, 17, 39]) expect(locate(lines.slice(0, k)).outputs).toEqual(run.outputs.slice(0, k));
  });

  it('never reads truth: removing or garbling it changes nothing', () => {
    const edit = (f: (o: Record<string, unknown>) => void) => lines.map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      f(o);
      return JSON.stringify(o);
    });
    const variants = [
      edit((o) => { delete o.truth; delete o.truth_z; }),
      edit((o) => { o.truth = { x: 1e9, y: -1e9 }; o.truth_z = 'high'; }),
      edit((o) => { o.truth = 'garbage'; }),
      edit((o) => { o.truth = { x: null, y: [1, 2], nested: { truth: 1 } }; }),
      // The true position of a different line: a leak would pull the fix there.
      edit((o) => { o.truth = { x: 0, y: 0 }; }),
    ];
    for (const v of variants) expect(locate(v).outputs).toEqual(run.outputs);
  });

  it('starts a new session (fresh pipeline) where time goes back, as between the dataset\'s tracks', () => {
    const again = [...lines.slice(0, 10), ...readingsLines(10, 99).map((l) => l.replace(/"t":([0-9.]+)/, (_, t: string) => `"t":${Number(t) - 600}`))];
    const r = locate(again);
    expect(r.summary.sessions).toBe(2);
    expect(r.outputs.map((o) => o.session)).toEqual([...Array(10).fill(0), ...Array(10).fill(1)]);
    // The second session's first output owes nothing to the first session: the same lines alone give the same fix.
    expect(locate(again.slice(10)).outputs[0]).toEqual({ ...r.outputs[10], line: 1, session: 0 });
    expect(r.summary.dropped).toEqual({});
  });

  it('locates inputs with relative times (t from 0) and writes times back in their base', () => {
    const rel = lines.map((l) => l.replace(/"t":([0-9.]+)/, (_, t: string) => `"t":${Math.round((Number(t) - T_START_S) * 1000) / 1000}`));
    const r = locate(rel);
    expect(r.outputs.map((o) => o.t)).toEqual(rel.map((_, i) => i));
    expect(r.outputs.map((o) => [o.x, o.y])).toEqual(run.outputs.map((o) => [o.x, o.y]));
    for (const o of r.outputs) if (o.fixT !== null) expect(o.fixT).toBeLessThanOrEqual(o.t);
  });
});

describe('offline run over packet streams', () => {
  const lines = packetLines(12);

  it('writes one output per packet by default, each with the latest fix at or before that packet', () => {
    const r = locate(lines);
    expect(r.outputs).toHaveLength(lines.length);
    expect(r.outputs.every((o) => o.tag === 'ble:E78F135624CE')).toBe(true);
    expect(r.outputs.filter((o) => o.x !== null).length).toBeGreaterThan(lines.length / 2);
    for (const o of r.outputs) if (o.fixT !== null) expect(o.fixT).toBeLessThanOrEqual(o.t + 1e-9);
    // The pipeline rate-limits fixes, so most packets carry a fix made at an earlier packet.
    expect(r.summary.fixes).toBeLessThan(lines.length);
    for (const k of [1, 7, 50]) expect(locate(lines.slice(0, k)).outputs).toEqual(r.outputs.slice(0, k));
  });

  it('with everyMs writes one output per grid step holding packets, at the step end, causal per step', () => {
    const everyMs = 250;
    const r = locate(lines, { everyMs });
    const times = lines.map((l) => Number(l.split(',')[0]));
    const steps = new Set(times.map((t) => Math.ceil(Math.round(t * 1000) / everyMs)));
    expect(r.outputs).toHaveLength(steps.size);
    for (const o of r.outputs) {
      expect(Math.round(o.t * 1000) % everyMs).toBe(0);
      const lastT = times[o.line - 1]!;
      expect(lastT).toBeLessThanOrEqual(o.t);
      expect(o.t - lastT).toBeLessThan(everyMs / 1000);
      if (o.fixT !== null) expect(o.fixT).toBeLessThanOrEqual(o.t + 1e-9);
    }
    // Appending later packets never changes the steps that ended before them.
    const cut = 60;
    const prefix = locate(lines.slice(0, cut), { everyMs }).outputs;
    const before = r.outputs.filter((o) => o.t < times[cut]!);
    expect(prefix.slice(0, before.length)).toEqual(before);
  });

  it('never reads the pose columns: garbling them changes nothing', () => {
    const garbled = lines.map((l) => [...l.split(',').slice(0, 4), '999', '-999', 'z', 'q'].join(','));
    expect(locate(garbled).outputs).toEqual(locate(lines).outputs);
  });
});

describe('offline run over native batches', () => {
  it('writes one output per tag read in each batch', () => {
    const t0 = 1_700_000_000_000;
    const lines: string[] = [];
    for (let s = 0; s < 6; s++) {
      for (const [i, gw] of ['a1', 'a2', 'a5'].entries()) {
        lines.push(JSON.stringify({ gw, seq: s, t: t0 + s * 1000 + i, reads: [{ tag: 'ble:AABBCCDDEEFF', rssi: -65 - 3 * i }, { tag: 'ble:112233445566', rssi: -80 + 3 * i }] }));
      }
    }
    const r = locate(lines);
    expect(r.outputs).toHaveLength(lines.length * 2);
    expect(r.outputs.slice(0, 2).map((o) => o.tag)).toEqual(['ble:AABBCCDDEEFF', 'ble:112233445566']);
    const last = r.outputs.slice(-2);
    expect(last.every((o) => o.x !== null)).toBe(true);
    // Tag 1 is loudest at a1 (x = 0), tag 2 at a5 (x = 10): their fixes fall on those sides.
    expect(last[0]!.x!).toBeLessThan(last[1]!.x!);
  });
});
