/**
 * Read filter: decides, for a decoded batch and for each of its reads, every reason it should not be used.
 * It returns ALL reasons rather than the first one, so the counters (and tests) see the whole picture; the caller
 * counts each reason and drops the batch/read when any reason is a dropping one.
 *
 * Batch reasons:
 *   unknown-gateway  the topic's gateway is not in the registry, so its reads have no position.
 *   duplicate-batch  same gateway + seq + batch time seen within DUPLICATE_MEMORY_MS (QoS 1 redelivery). The batch
 *                    time is part of the key so a rebooted gateway restarting at seq 0 is not mistaken for a replay.
 *   clock-skew       batch time further than maxClockSkewMs from receive time. NOT a drop: counted, and receive
 *                    time is used for every read in the batch, since the gateway's clock cannot be trusted.
 * Read reasons:
 *   schema           tag technology the gateway cannot read: a BLE gateway reporting an epc: tag, or an RFID reader
 *                    reporting a ble:/ibeacon: tag. Chosen over a new reason because it is the same class of fault as
 *                    any other payload that does not fit the gateway's contract (a misconfigured or lying gateway).
 *   clock-skew       (unskewed batch) the read's own time is beyond maxClockSkewMs: counted, receive time used.
 *   stale-read       the read is older than windowMs at receive time (a gateway flushing a backlog): it could only
 *                    pull a live position into the past.
 *
 * The duplicate memory is per gateway, not per tag; if tags are sharded across locators (DESIGN.md §8) every shard
 * keeps its own memory of the batches it sees, which is still correct.
 */
import { tagTech } from '@rtls/protocol';
import type { DropReason, Read, ReadBatch } from '@rtls/protocol';
import type { GatewayRecord } from '../contracts.ts';

/** How long a (gateway, seq, t) is remembered; MQTT redelivery happens within seconds of the original. */
export const DUPLICATE_MEMORY_MS = 60_000;
/** Bound on remembered batches per gateway, so a gateway publishing very fast cannot grow memory without limit. */
export const DUPLICATE_MEMORY_MAX_PER_GATEWAY = 512;

export interface ReadFilterOptions {
  windowMs: number;
  maxClockSkewMs: number;
}

export interface BatchVerdict {
  reasons: DropReason[];
  /** True when any reason other than clock-skew applies. */
  drop: boolean;
  /** True when the batch clock was not trusted (reads use receivedAt). */
  skewed: boolean;
}

export interface ReadVerdict {
  reasons: DropReason[];
  drop: boolean;
  /** The time to use for the read (epoch ms, never after receivedAt). */
  t: number;
}

export interface ReadFilter {
  checkBatch(batch: ReadBatch, gateway: GatewayRecord | undefined, receivedAt: number): BatchVerdict;
  checkRead(read: Read, batch: ReadBatch, gateway: GatewayRecord | undefined, verdict: BatchVerdict, receivedAt: number): ReadVerdict;
  /** Forget remembered batches older than the memory; called from the pipeline's tick. */
  prune(now: number): void;
}

/** Whether a gateway of this tech can physically read a tag with this id. */
export function tagFitsGateway(tag: string, gateway: GatewayRecord): boolean {
  const tech = tagTech(tag);
  if (tech === null) return false;
  return gateway.tech === 'ble' ? tech !== 'epc' : tech === 'epc';
}

export function createReadFilter(opts: ReadFilterOptions): ReadFilter {
  // gateway → (seq:t key → first seen at). Map keeps insertion order, so the oldest entries come first.
  const seen = new Map<string, Map<string, number>>();

  function rememberOrDuplicate(batch: ReadBatch, receivedAt: number): boolean {
    let m = seen.get(batch.gw);
    if (!m) {
      m = new Map();
      seen.set(batch.gw, m);
    }
    const key = `${batch.seq}:${batch.t}`;
    const first = m.get(key);
    if (first !== undefined && receivedAt - first <= DUPLICATE_MEMORY_MS) return true;
    m.delete(key);
    m.set(key, receivedAt);
    if (m.size > DUPLICATE_MEMORY_MAX_PER_GATEWAY) {
      const oldest = m.keys().next().value;
      if (oldest !== undefined) m.delete(oldest);
    }
    return false;
  }

  return {
    checkBatch(batch, gateway, receivedAt) {
      const reasons: DropReason[] = [];
      if (!gateway) reasons.push('unknown-gateway');
      if (rememberOrDuplicate(batch, receivedAt)) reasons.push('duplicate-batch');
      const skewed = Math.abs(batch.t - receivedAt) > opts.maxClockSkewMs;
      if (skewed) reasons.push('clock-skew');
      return { reasons, drop: reasons.some((r) => r !== 'clock-skew'), skewed };
    },

    checkRead(read, batch, gateway, verdict, receivedAt) {
      const reasons: DropReason[] = [];
      if (gateway && !tagFitsGateway(read.tag, gateway)) reasons.push('schema');
      let t: number;
      if (verdict.skewed) t = receivedAt;
      else {
        t = read.t ?? batch.t;
        if (Math.abs(t - receivedAt) > opts.maxClockSkewMs) {
          reasons.push('clock-skew');
          t = receivedAt;
        }
      }
      // A gateway clock slightly ahead would otherwise put the read in the future of the fix that uses it.
      if (t > receivedAt) t = receivedAt;
      if (receivedAt - t > opts.windowMs) reasons.push('stale-read');
      return { reasons, drop: reasons.some((r) => r !== 'clock-skew'), t };
    },

    prune(now) {
      for (const [gw, m] of seen) {
        for (const [key, at] of m) {
          if (now - at <= DUPLICATE_MEMORY_MS) break;
          m.delete(key);
        }
        if (m.size === 0) seen.delete(gw);
      }
    },
  };
}
