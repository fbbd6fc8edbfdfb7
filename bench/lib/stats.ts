/** Small numeric helpers shared by the bench sections (no I/O). */

/** The p-th percentile (0–100) of `values` by nearest rank; NaN when empty. Sorts a copy. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Rounds to `digits` decimals (figures are printed, not compared, so this is only for readability). */
export function round(v: number, digits = 0): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export const mb = (bytes: number): number => round(bytes / (1024 * 1024), 1);

/** Per second over `ms` milliseconds. */
export const perSecond = (count: number, ms: number): number => (ms > 0 ? count / (ms / 1000) : NaN);

export function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

/** Sum of a counter record (e.g. drops by reason). */
export function total(counts: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}

/** Per-key difference b − a, keeping only keys that changed. */
export function deltaCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = (b[k] ?? 0) - (a[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}
