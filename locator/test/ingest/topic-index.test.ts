import { describe, expect, it } from 'vitest';
import { topicMatchesFilter } from '@rtls/protocol';
import { TopicIndex } from '../../src/ingest/topic-index.ts';
import { seeded } from '../pipeline/helpers.ts';

describe('vendor topic index', () => {
  it('finds the one gateway whose filter matches, or none', () => {
    const ix = new TopicIndex<string>();
    expect(ix.add('/gw/ac233fc001ea/status', 'minew-1')).toBeNull();
    expect(ix.add('espresense/devices/+/icu-3', 'esp-icu-3')).toBeNull();
    expect(ix.add('zebra/fx-1/#', 'zebra-1')).toBeNull();
    expect(ix.lookup('/gw/ac233fc001ea/status')).toEqual({ kind: 'one', owner: 'minew-1' });
    expect(ix.lookup('espresense/devices/iBeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0-1-2/icu-3')).toEqual({ kind: 'one', owner: 'esp-icu-3' });
    expect(ix.lookup('espresense/devices/x/icu-4')).toEqual({ kind: 'none' });
    expect(ix.lookup('zebra/fx-1')).toEqual({ kind: 'one', owner: 'zebra-1' });
    expect(ix.lookup('zebra/fx-1/data/more')).toEqual({ kind: 'one', owner: 'zebra-1' });
    expect(ix.lookup('zebra/fx-2/data')).toEqual({ kind: 'none' });
    expect(ix.size).toBe(3);
  });

  it('reports overlapping filters as ambiguous instead of guessing, and refuses unusable filters', () => {
    const ix = new TopicIndex<string>();
    ix.add('home/+/BTtoMQTT/+', 'a');
    ix.add('home/gw1/BTtoMQTT/+', 'b');
    const r = ix.lookup('home/gw1/BTtoMQTT/AABB');
    expect(r.kind).toBe('ambiguous');
    expect(r.kind === 'ambiguous' ? [...r.owners].sort() : []).toEqual(['a', 'b']);
    expect(ix.lookup('home/gw2/BTtoMQTT/AABB')).toEqual({ kind: 'one', owner: 'a' });
    expect(ix.add('#', 'c')).toMatch(/literal/);
    expect(ix.size).toBe(2);
  });

  it('agrees with the reference matcher on random filters and topics', () => {
    const rnd = seeded(11);
    const words = ['a', 'b', 'gw', '', 'x1'];
    const pick = () => words[Math.floor(rnd.uniform() * words.length)]!;
    let matched = 0;
    for (let round = 0; round < 200; round++) {
      const filters = Array.from({ length: 6 }, () => {
        const n = 1 + Math.floor(rnd.uniform() * 4);
        const levels = Array.from({ length: n }, () => (rnd.uniform() < 0.25 ? '+' : pick()));
        if (rnd.uniform() < 0.2) levels.push('#');
        return ['lit', ...levels].join('/');
      });
      const ix = new TopicIndex<number>();
      filters.forEach((f, i) => ix.add(f, i));
      for (let k = 0; k < 20; k++) {
        const topic = ['lit', ...Array.from({ length: 1 + Math.floor(rnd.uniform() * 5) }, pick)].join('/');
        const expected = [...new Set(filters.flatMap((f, i) => (topicMatchesFilter(f, topic) ? [i] : [])))].sort();
        const r = ix.lookup(topic);
        const got = r.kind === 'none' ? [] : r.kind === 'one' ? [r.owner] : [...r.owners].sort();
        expect(got, `${topic} vs ${filters.join(' | ')}`).toEqual(expected);
        if (expected.length) matched++;
      }
    }
    // The random cases must exercise matches, not only misses.
    expect(matched).toBeGreaterThan(200);
  });
});
