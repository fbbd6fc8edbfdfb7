/**
 * Reconnect delays: capped exponential backoff with jitter, so a locator restart is not met by every open
 * browser reconnecting in the same instant ("equal jitter": half the delay is fixed, half random, which keeps
 * a lower bound while still spreading clients out).
 */
export interface BackoffOptions {
  /** First retry delay, ms. */
  baseMs: number;
  /** Ceiling for any delay, ms. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
  /** Share of the delay that is randomised, 0..1. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 500, maxMs: 15_000, factor: 2, jitter: 0.5 });

/** The delay before retry number `attempt` (0 = first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, random: () => number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const n = Math.max(0, Math.floor(attempt));
  // Cap the exponent too, so a long outage never overflows to Infinity.
  const capped = Math.min(opts.maxMs, opts.baseMs * opts.factor ** Math.min(n, 40));
  const jitter = Math.min(1, Math.max(0, opts.jitter));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(capped * (1 - jitter) + capped * jitter * r);
}
