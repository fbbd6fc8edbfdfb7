/**
 * Gateway faults on demand (issue #4 item 4): what real gateways do to the messages they publish, so the locator's
 * counting of bad input can be exercised with the simulator. A fault plan is data — a list of
 * `{ gatewayId, kind, fromMs, toMs, ...params }` — and the injector applying it is pure and seeded: no I/O, no
 * clock; every random choice is a hash of (seed, gateway, time, message index), so the same plan and seed give the
 * same faults however the run is chunked.
 *
 * Times `fromMs`/`toMs` are simulated ms since the simulation's start; a fault is active on [fromMs, toMs).
 * `gatewayId` is a gateway id or `*` for every gateway.
 *
 *   offline     the gateway publishes nothing (its batches are lost, as a gateway without network loses them). The
 *               runner also drops its MQTT connection without DISCONNECT, so the broker publishes a native
 *               gateway's last will, and reconnects when the span ends.
 *   clock-skew  the gateway's clock is `skewS` seconds off: every timestamp it writes is shifted by that much.
 *   duplicate   each message is published twice (with `probability`, default 1).
 *   burst       messages are held and published all at once: after `holdIntervals` held publish rounds, or when
 *               the span ends (whichever first; without holdIntervals, at the end of the span).
 *   truncate    each message loses its tail at a seeded byte position (with `probability`, default 1).
 */
import { z } from 'zod';
import type { ReadBatch } from '@rtls/protocol';
import { hash32 } from './random.ts';

const Span = {
  gatewayId: z.string().min(1).max(64),
  fromMs: z.number().int().min(0),
  toMs: z.number().int().min(1),
};

export const FaultSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ ...Span, kind: z.literal('offline') }),
    z.strictObject({ ...Span, kind: z.literal('clock-skew'), skewS: z.number().finite().min(-86_400 * 365).max(86_400 * 365) }),
    z.strictObject({ ...Span, kind: z.literal('duplicate'), probability: z.number().min(0).max(1).optional() }),
    z.strictObject({ ...Span, kind: z.literal('burst'), holdIntervals: z.number().int().min(1).optional() }),
    z.strictObject({ ...Span, kind: z.literal('truncate'), probability: z.number().min(0).max(1).optional() }),
  ])
  .refine((f) => f.toMs > f.fromMs, { message: 'toMs must be after fromMs', path: ['toMs'] });
export type Fault = z.infer<typeof FaultSchema>;
export type FaultKind = Fault['kind'];

export const FaultPlanSchema = z.array(FaultSchema).max(10_000);
export type FaultPlan = Fault[];

/** The message shape faults act on (a vendor encoder's VendorMessage fits). */
export interface FaultMessage {
  topic: string;
  payload: Buffer;
  retain?: boolean;
}

export interface FaultStats {
  /** Messages not published because their gateway was offline. */
  offlineDropped: number;
  /** Batches whose timestamps were shifted. */
  skewed: number;
  /** Extra copies published. */
  duplicated: number;
  /** Messages cut short. */
  truncated: number;
  /** Messages held back by a burst, and released again. */
  burstHeld: number;
  burstReleased: number;
}

interface Burst {
  held: FaultMessage[];
  rounds: number;
}

export class FaultInjector {
  private readonly plan: readonly Fault[];
  private readonly seed: string;
  private readonly startTime: number;
  private readonly bursts = new Map<string, Burst>();
  private readonly counters: FaultStats = { offlineDropped: 0, skewed: 0, duplicated: 0, truncated: 0, burstHeld: 0, burstReleased: 0 };

  /** `startTime`: the simulation's start, epoch ms (fault spans are relative to it). */
  constructor(plan: readonly Fault[], opts: { seed: number | string; startTime: number }) {
    this.plan = FaultPlanSchema.parse(plan);
    this.seed = String(opts.seed);
    this.startTime = opts.startTime;
  }

  /** True when the plan has no fault for `gatewayId` at all (the runner can skip it). */
  idle(gatewayId: string): boolean {
    return !this.plan.some((f) => f.gatewayId === gatewayId || f.gatewayId === '*');
  }

  /** The faults of `kind` active for `gatewayId` at simulated epoch time `t`. */
  active<K extends FaultKind>(gatewayId: string, kind: K, t: number): Array<Extract<Fault, { kind: K }>> {
    const rel = t - this.startTime;
    return this.plan.filter(
      (f): f is Extract<Fault, { kind: K }> =>
        f.kind === kind && (f.gatewayId === gatewayId || f.gatewayId === '*') && rel >= f.fromMs && rel < f.toMs,
    );
  }

  offline(gatewayId: string, t: number): boolean {
    return this.active(gatewayId, 'offline', t).length > 0;
  }

  /** How far the gateway's clock is off at `t`, ms (skews of overlapping faults add up). */
  skewMs(gatewayId: string, t: number): number {
    return this.active(gatewayId, 'clock-skew', t).reduce((s, f) => s + Math.round(f.skewS * 1000), 0);
  }

  /** The batch as the gateway stamps it: batch and read times shifted by the active skew (a new object). */
  skewBatch(batch: ReadBatch): ReadBatch {
    const d = this.skewMs(batch.gw, batch.t);
    if (d === 0) return batch;
    this.counters.skewed++;
    return { ...batch, t: batch.t + d, reads: batch.reads.map((r) => (r.t === undefined ? r : { ...r, t: r.t + d })) };
  }

  /**
   * One publish round of a gateway at simulated time `t`: the messages it would publish now, after offline,
   * truncation, duplication and bursts. Held messages whose burst is over come first, in their original order.
   */
  process(gatewayId: string, t: number, messages: readonly FaultMessage[]): FaultMessage[] {
    if (this.offline(gatewayId, t)) {
      // Nothing leaves an offline gateway; what a burst still holds waits for the next round it is online.
      this.counters.offlineDropped += messages.length;
      return [];
    }
    const out: FaultMessage[] = [];
    const truncs = this.active(gatewayId, 'truncate', t);
    const dups = this.active(gatewayId, 'duplicate', t);
    messages.forEach((m, i) => {
      let msg = m;
      if (truncs.some((f) => this.draw(gatewayId, t, i, 'truncate') < (f.probability ?? 1)) && msg.payload.length > 1) {
        // Cut somewhere in [1, length − 1]: at least one byte kept and at least one lost.
        const keep = 1 + Math.floor(this.draw(gatewayId, t, i, 'truncate-at') * (msg.payload.length - 1));
        msg = { ...msg, payload: msg.payload.subarray(0, keep) };
        this.counters.truncated++;
      }
      out.push(msg);
      if (dups.some((f) => this.draw(gatewayId, t, i, 'duplicate') < (f.probability ?? 1))) {
        out.push(msg);
        this.counters.duplicated++;
      }
    });

    const bursts = this.active(gatewayId, 'burst', t);
    if (bursts.length === 0) return [...this.release(gatewayId, t), ...out];
    const b = this.bursts.get(gatewayId) ?? { held: [], rounds: 0 };
    this.bursts.set(gatewayId, b);
    b.held.push(...out);
    this.counters.burstHeld += out.length;
    b.rounds++;
    const hold = Math.min(...bursts.map((f) => f.holdIntervals ?? Number.POSITIVE_INFINITY));
    return b.rounds >= hold ? this.flushBurst(gatewayId) : [];
  }

  /**
   * Messages held by a burst that is over at `t` (empty otherwise). Call once per tick for every gateway, so a
   * burst ending in a quiet interval is still released.
   */
  release(gatewayId: string, t: number): FaultMessage[] {
    if (!this.bursts.has(gatewayId) || this.active(gatewayId, 'burst', t).length > 0 || this.offline(gatewayId, t)) return [];
    return this.flushBurst(gatewayId);
  }

  stats(): FaultStats {
    return { ...this.counters };
  }

  private flushBurst(gatewayId: string): FaultMessage[] {
    const b = this.bursts.get(gatewayId);
    this.bursts.delete(gatewayId);
    if (!b) return [];
    this.counters.burstReleased += b.held.length;
    return b.held;
  }

  /** A uniform draw in [0, 1) fixed by (seed, gateway, time, message index, purpose). */
  private draw(gatewayId: string, t: number, index: number, purpose: string): number {
    return hash32(`fault/${this.seed}/${gatewayId}/${t}/${index}/${purpose}`) / 4294967296;
  }
}
