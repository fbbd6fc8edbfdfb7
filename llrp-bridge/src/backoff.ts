/**
 * Reconnect delays: doubling from `minMs` to `maxMs`, spread ±20 % so that bridges (and their MQTT links) do not
 * retry in lock-step after a shared outage — a broker restart or a site-wide network blip. The spread comes from a
 * hash of a key (the gateway id) and the attempt number instead of Math.random, so it is reproducible. Pure.
 */

/** Delay before retry number `attempt` (0 = the first retry after a failure), ms. */
export function backoffDelayMs(attempt: number, minMs: number, maxMs: number, key: string): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(base * (0.8 + 0.4 * unitHash(`${key}#${attempt}`)));
}

/** FNV-1a 32-bit of `s`, scaled to [0, 1). */
function unitHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}
