/**
 * Collects converted reads and cuts them into native ReadBatches (DESIGN.md §3): sequence numbers from 0 per bridge
 * process (the locator keys duplicates on seq AND batch time, so a restart at 0 is not a replay), at most
 * `maxReadsPerBatch` reads each (protocol LIMITS cap), reads kept in arrival order. Pure: the batch time is passed in.
 *
 * Memory is bounded: reads beyond `maxPendingReads` between two flushes are refused and counted. A reader that
 * produces more than that per batch interval is misconfigured for this bridge (shorten the interval instead).
 */
import { LIMITS, type Read, type ReadBatch } from '@rtls/protocol';

export interface ReadBatcherOptions {
  gatewayId: string;
  /** 1..LIMITS.maxReadsPerBatch. */
  maxReadsPerBatch: number;
  /** Reads held between flushes before new ones are refused. */
  maxPendingReads: number;
}

export class ReadBatcher {
  private pending: Read[] = [];
  private nextSeq = 0;
  private overflowed = 0;

  constructor(private readonly opts: ReadBatcherOptions) {
    if (!Number.isInteger(opts.maxReadsPerBatch) || opts.maxReadsPerBatch < 1 || opts.maxReadsPerBatch > LIMITS.maxReadsPerBatch) {
      throw new RangeError(`maxReadsPerBatch must be an integer 1..${LIMITS.maxReadsPerBatch}`);
    }
    if (!Number.isInteger(opts.maxPendingReads) || opts.maxPendingReads < opts.maxReadsPerBatch) {
      throw new RangeError('maxPendingReads must be an integer >= maxReadsPerBatch');
    }
  }

  /** Queues reads for the next flush; returns how many were refused because the queue was full. */
  add(reads: readonly Read[]): number {
    const room = Math.max(0, this.opts.maxPendingReads - this.pending.length);
    const taken = reads.length <= room ? reads : reads.slice(0, room);
    for (const r of taken) this.pending.push(r);
    const refused = reads.length - taken.length;
    this.overflowed += refused;
    return refused;
  }

  get pendingReads(): number {
    return this.pending.length;
  }

  /** Reads refused since construction. */
  get refusedReads(): number {
    return this.overflowed;
  }

  /** The seq the next batch will carry. */
  get seq(): number {
    return this.nextSeq;
  }

  /** Everything pending as batches stamped `t` (epoch ms); none when nothing is pending. */
  flush(t: number): ReadBatch[] {
    if (this.pending.length === 0) return [];
    const reads = this.pending;
    this.pending = [];
    const out: ReadBatch[] = [];
    for (let i = 0; i < reads.length; i += this.opts.maxReadsPerBatch) {
      out.push({ gw: this.opts.gatewayId, seq: this.nextSeq++, t, reads: reads.slice(i, i + this.opts.maxReadsPerBatch) });
    }
    return out;
  }
}
