import { describe, expect, it } from 'vitest';
import { ReadBatchSchema, type Read } from '@rtls/protocol';
import { ReadBatcher } from '../src/read-batcher.ts';

const T = 1_760_000_000_000;
const reads = (n: number, from = 0): Read[] =>
  Array.from({ length: n }, (_, i) => ({ tag: `epc:${(from + i).toString(16).toUpperCase().padStart(24, '0')}`, rssi: -60 }));

describe('ReadBatcher', () => {
  it('cuts pending reads into batches of at most the cap, in order, with consecutive seq from 0', () => {
    const b = new ReadBatcher({ gatewayId: 'portal-1', maxReadsPerBatch: 1000, maxPendingReads: 5000 });
    b.add(reads(1200));
    b.add(reads(1300, 1200));
    const out = b.flush(T);
    expect(out.map((x) => x.reads.length)).toEqual([1000, 1000, 500]);
    expect(out.map((x) => x.seq)).toEqual([0, 1, 2]);
    expect(out.every((x) => x.gw === 'portal-1' && x.t === T)).toBe(true);
    expect(out.flatMap((x) => x.reads)).toEqual(reads(2500));
    for (const x of out) expect(ReadBatchSchema.safeParse(x).success).toBe(true);
  });

  it('publishes nothing when nothing is pending, and continues the sequence afterwards', () => {
    const b = new ReadBatcher({ gatewayId: 'portal-1', maxReadsPerBatch: 10, maxPendingReads: 10 });
    expect(b.flush(T)).toEqual([]);
    b.add(reads(3));
    expect(b.flush(T).map((x) => x.seq)).toEqual([0]);
    expect(b.flush(T + 500)).toEqual([]);
    b.add(reads(1));
    expect(b.flush(T + 1000)).toEqual([{ gw: 'portal-1', seq: 1, t: T + 1000, reads: reads(1) }]);
  });

  it('refuses reads beyond the pending bound and counts them', () => {
    const b = new ReadBatcher({ gatewayId: 'portal-1', maxReadsPerBatch: 10, maxPendingReads: 25 });
    expect(b.add(reads(20))).toBe(0);
    expect(b.add(reads(10, 20))).toBe(5);
    expect(b.refusedReads).toBe(5);
    expect(b.flush(T).flatMap((x) => x.reads)).toEqual(reads(25));
    expect(b.add(reads(25))).toBe(0);
  });

  it('rejects a cap above the protocol limit', () => {
    expect(() => new ReadBatcher({ gatewayId: 'g', maxReadsPerBatch: 1001, maxPendingReads: 2000 })).toThrow(RangeError);
    expect(() => new ReadBatcher({ gatewayId: 'g', maxReadsPerBatch: 10, maxPendingReads: 5 })).toThrow(RangeError);
  });
});
