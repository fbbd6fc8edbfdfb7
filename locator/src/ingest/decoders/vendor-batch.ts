/**
 * Collects the reads and rejections of one vendor message and turns them into a VendorDecodeResult (issue #4).
 * Every read is checked against protocol's ReadSchema before it leaves, so a decoder bug surfaces as a counted
 * 'schema' rejection rather than an invalid read in the pipeline. Reads leave sorted by time (stable), because
 * gateways such as Minew's do not send their records in time order.
 */
import { ReadSchema, issuePath } from '@rtls/protocol';
import type { DropReason, Read } from '@rtls/protocol';
import type { VendorDecodeContext, VendorDecodeResult, VendorRejection } from './vendor.ts';

/** When the gateway says the read happened: epoch ms, absent, or a value known not to be wall-clock time. */
export interface GatewayTime {
  ms?: number;
  /** The gateway's clock is unsynced (e.g. MOKO uptime seconds): receive time is used and the read counted. */
  untrusted?: boolean;
}

export interface VendorBatch {
  /** `path` is the record's location in the message (`data[3]`, or '' for the root), used in error messages. */
  add(index: number, path: string, read: Omit<Read, 't'>, time: GatewayTime): void;
  reject(index: number, errors: string[], reason?: DropReason): void;
  /** A record identical to an earlier one in the same message, dropped. */
  duplicate(): void;
  result(gatewayHint?: string): VendorDecodeResult;
}

export function createVendorBatch(ctx: VendorDecodeContext): VendorBatch {
  const reads: Read[] = [];
  const rejected: VendorRejection[] = [];
  let clockSkewed = 0;
  let timedReads = 0;
  let duplicates = 0;

  const reject = (index: number, errors: string[], reason: DropReason = 'schema') => {
    rejected.push({ index, reason, errors });
  };

  return {
    reject,
    duplicate: () => {
      duplicates++;
    },
    add(index, path, read, time) {
      let t = ctx.receivedAt;
      let skewed = false;
      if (time.untrusted) skewed = true;
      else if (time.ms !== undefined) {
        // Vendor times may carry µs fractions; ReadSchema wants whole ms.
        if (Math.abs(time.ms - ctx.receivedAt) > ctx.maxClockSkewMs) skewed = true;
        else t = Math.floor(time.ms);
      }
      const candidate: Record<string, unknown> = { t };
      for (const [k, v] of Object.entries(read)) if (v !== undefined) candidate[k] = v;
      const checked = ReadSchema.safeParse(candidate);
      if (!checked.success) {
        reject(
          index,
          checked.error.issues.map((i) => `${issuePath([...(path ? [path] : []), ...i.path])}: ${i.message}`),
        );
        return;
      }
      if (skewed) clockSkewed++;
      if (time.untrusted || time.ms !== undefined) timedReads++;
      reads.push(checked.data);
    },
    result(gatewayHint) {
      reads.sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
      return {
        kind: 'reads',
        reads,
        rejected,
        clockSkewed,
        timedReads,
        ...(duplicates > 0 ? { duplicates } : {}),
        ...(gatewayHint !== undefined ? { gatewayHint } : {}),
      };
    },
  };
}
