import { describe, expect, it } from 'vitest';
import { gatewayReadsTopic } from '@rtls/protocol';
import { OfflineInputError, parseAnchors, siteFromAnchors } from '../../src/offline/anchors.ts';
import { OFFLINE_DEFAULT_TAG, detectFormat, parseInput } from '../../src/offline/read-streams.ts';
import type { StreamContext } from '../../src/offline/read-streams.ts';
import { ANCHORS, BEACON_MAC, anchorsJson, packetLines, readingsLines } from './fixture.ts';

const site = siteFromAnchors(parseAnchors(anchorsJson()));
const ids = new Set(site.gateways.map((g) => g.id));
const ctx: StreamContext = { hasGateway: (id) => ids.has(id), gatewayByMac: site.gatewayByMac };

describe('format detection', () => {
  it('recognises each kind from content, skipping blank and unrecognisable leading lines', () => {
    expect(detectFormat(readingsLines(2))).toBe('readings');
    expect(detectFormat(packetLines(1))).toBe('packets');
    expect(detectFormat([JSON.stringify({ gw: 'a1', seq: 0, t: 1_700_000_000_000, reads: [] })])).toBe('batches');
    expect(detectFormat(['', 'garbage', ...packetLines(1)])).toBe('packets');
    expect(detectFormat(['hello', '{"x":1}'])).toBeNull();
  });

  it('refuses an input it cannot recognise instead of guessing', () => {
    expect(() => parseInput('hello\nworld\n', ctx)).toThrow(OfflineInputError);
    expect(parseInput('\n\n', ctx).lines).toEqual([]);
  });
});

describe('readings (1-s windows)', () => {
  it('parses t and rssi per anchor, one read per anchor at the line time, with the default tag', () => {
    const [line] = readingsLines(1);
    const p = parseInput(line!, ctx);
    expect(p.format).toBe('readings');
    expect(p.issues).toEqual([]);
    const l = p.lines[0]!;
    const json = JSON.parse(line!) as { t: number; rssi: Record<string, number> };
    expect(l.line).toBe(1);
    expect(l.tS).toBe(json.t);
    expect(l.tags).toEqual([OFFLINE_DEFAULT_TAG]);
    expect(l.reads.map((r) => [r.gatewayId, r.rssi])).toEqual(Object.entries(json.rssi));
    expect(l.reads.every((r) => r.tMs === json.t * 1000)).toBe(true);
  });

  it('keeps a line with no reads (an output is still due) and honours a tag field', () => {
    const p = parseInput('{"t": 5, "rssi": {}, "tag": "ble:AABBCCDDEEFF"}', ctx, 'readings');
    expect(p.issues).toEqual([]);
    expect(p.lines[0]).toMatchObject({ tags: ['ble:AABBCCDDEEFF'], reads: [] });
  });

  it('skips malformed lines with their number and reason and keeps the rest', () => {
    const good = readingsLines(2);
    const text = [good[0], '{"t": 1, "rssi": {', '', '[1,2]', '{"rssi": {"a1": -70}}', '{"t": "x", "rssi": {"a1": -70}}',
      '{"t": 3, "rssi": 5}', '{"t": 4, "rssi": {"a1": -70}, "tag": "pump-7"}', '{"t": -1, "rssi": {"a1": -70}}', good[1]].join('\n');
    const p = parseInput(text, ctx);
    expect(p.lines.map((l) => l.line)).toEqual([1, 10]);
    expect(p.issues.map((i) => i.line)).toEqual([2, 4, 5, 6, 7, 8, 9]);
    expect(p.issues.every((i) => i.scope === 'line' && i.reason.length > 0)).toBe(true);
    expect(p.issues[0]!.reason).toMatch(/not JSON/);
    expect(p.issues[2]!.reason).toMatch(/^t:/);
    expect(p.issues[4]!.reason).toMatch(/^rssi:/);
    expect(p.issues[5]!.reason).toMatch(/^tag:/);
  });

  it('drops single bad reads (unknown anchor, absurd or non-numeric RSSI) and keeps the good ones of the line', () => {
    const p = parseInput('{"t": 1, "rssi": {"a1": -70, "nope": -60, "a2": 42, "a3": "-71", "a4": -80}}', ctx);
    expect(p.lines[0]!.reads.map((r) => r.gatewayId)).toEqual(['a1', 'a4']);
    expect(p.issues.map((i) => [i.line, i.scope])).toEqual([[1, 'read'], [1, 'read'], [1, 'read']]);
    expect(p.issues.map((i) => i.reason).join(' ')).toMatch(/nope: unknown anchor.*a2: 42 dBm outside.*a3: not a number/);
  });

  it('strips truth while parsing: nothing downstream can see it', () => {
    const p = parseInput(readingsLines(1)[0]!, ctx);
    expect(JSON.stringify(p)).not.toMatch(/truth/);
  });
});

describe('packets (raw track files)', () => {
  it('maps the receiver MAC to its anchor, the beacon MAC to a ble: tag, and reads t and RSSI', () => {
    const lines = packetLines(1);
    const p = parseInput(lines.join('\n'), ctx);
    expect(p.format).toBe('packets');
    expect(p.issues).toEqual([]);
    expect(p.lines).toHaveLength(lines.length);
    const first = lines[0]!.split(',');
    expect(p.lines[0]!.reads).toEqual([{ gatewayId: ANCHORS.find((a) => a.mac === first[1])!.id, tag: `ble:${BEACON_MAC.toUpperCase()}`, rssi: Number(first[3]), tMs: Number(first[0]) * 1000 }]);
  });

  it('accepts receivers named by anchor id or by MAC in another spelling', () => {
    const p = parseInput('1581249601.5,a2,e78f135624ce,-70\n1581249601.6,B8:27:EB:00:00:03,e78f135624ce,-71', ctx, 'packets');
    expect(p.lines.map((l) => l.reads[0]!.gatewayId)).toEqual(['a2', 'a3']);
  });

  it('never parses the ground-truth columns: garbling them leaves the parse unchanged', () => {
    const lines = packetLines(1);
    const garbled = lines.map((l) => [...l.split(',').slice(0, 4), 'x', 'NaN', '', 'garbage'].join(','));
    const truncated = lines.map((l) => l.split(',').slice(0, 4).join(','));
    const a = parseInput(lines.join('\n'), ctx);
    expect(parseInput(garbled.join('\n'), ctx)).toEqual(a);
    expect(parseInput(truncated.join('\n'), ctx)).toEqual(a);
  });

  it('skips malformed packets (unknown receiver, bad beacon, positive/absent RSSI, bad time, too few fields)', () => {
    const text = ['1581249601.5,b827eb000001,e78f135624ce,-70', '1581249601.5,ffffffffffff,e78f135624ce,-70',
      '1581249601.5,b827eb000001,zz,-70', '1581249601.5,b827eb000001,e78f135624ce,42', '1581249601.5,b827eb000001,e78f135624ce,',
      'abc,b827eb000001,e78f135624ce,-70', '1581249601.5,b827eb000001', '1581249601.6,b827eb000002,e78f135624ce,-71.5'].join('\n');
    const p = parseInput(text, ctx, 'packets');
    expect(p.lines.map((l) => l.line)).toEqual([1, 8]);
    expect(p.issues.map((i) => i.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(p.issues.map((i) => i.reason)).toEqual([
      expect.stringMatching(/^receiver/), expect.stringMatching(/^beacon/), expect.stringMatching(/^RSSI: 42 dBm outside/),
      expect.stringMatching(/^RSSI: not a number/), expect.stringMatching(/^t:/), expect.stringMatching(/field/),
    ]);
  });
});

describe('batches (native ReadBatch lines)', () => {
  const t = 1_700_000_000_000;
  it('takes every read with its own time (or the batch time) and tx, one output tag per distinct tag', () => {
    const batch = { gw: 'a1', seq: 3, t, reads: [{ tag: 'ble:AABBCCDDEEFF', rssi: -70, t: t - 200, tx: -59 }, { tag: 'ble:112233445566', rssi: -80 }, { tag: 'ble:AABBCCDDEEFF', rssi: -71 }] };
    const p = parseInput(JSON.stringify(batch), ctx);
    expect(p.format).toBe('batches');
    expect(p.lines[0]).toMatchObject({ line: 1, tS: t / 1000, tMs: t, tags: ['ble:AABBCCDDEEFF', 'ble:112233445566'] });
    expect(p.lines[0]!.reads).toEqual([
      { gatewayId: 'a1', tag: 'ble:AABBCCDDEEFF', rssi: -70, tMs: t - 200, tx: -59 },
      { gatewayId: 'a1', tag: 'ble:112233445566', rssi: -80, tMs: t },
      { gatewayId: 'a1', tag: 'ble:AABBCCDDEEFF', rssi: -71, tMs: t },
    ]);
  });

  it('skips batches failing the envelope schema or from unknown gateways, and single bad reads', () => {
    const lines = [
      JSON.stringify({ gw: 'a1', seq: 0, t: 1_700_000_000, reads: [] }), // seconds, not ms
      JSON.stringify({ gw: 'zz', seq: 0, t, reads: [] }),
      JSON.stringify({ gw: 'a1', seq: 0, t, reads: [], extra: 1 }),
      JSON.stringify({ gw: 'a1', seq: 1, t, reads: [{ tag: 'bad', rssi: -70 }, { tag: 'ble:AABBCCDDEEFF', rssi: -70 }] }),
    ];
    const p = parseInput(lines.join('\n'), ctx, 'batches');
    expect(p.lines.map((l) => l.line)).toEqual([4]);
    expect(p.lines[0]!.reads).toHaveLength(1);
    expect(p.issues.map((i) => [i.line, i.scope])).toEqual([[1, 'line'], [2, 'line'], [3, 'line'], [4, 'read']]);
    expect(p.issues[0]!.reason).toMatch(/^t:/);
    expect(p.issues[1]!.reason).toMatch(/not a gateway/);
  });

  it('uses gateway ids that make valid topics', () => {
    for (const g of site.gateways) expect(() => gatewayReadsTopic(g.id)).not.toThrow();
  });
});
