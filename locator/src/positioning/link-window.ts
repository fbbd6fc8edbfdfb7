/**
 * The window of recent reads for one (tag, gateway) link, and its robust RSSI estimate (DESIGN.md §4).
 *
 * Samples are kept for the longest window behind the link's newest sample (estimates may use a shorter span); the link itself is considered alive until
 * `linkStaleMs` after its newest sample. Keeping the two apart lets a tag that advertises slowly (every 5 s, say)
 * still contribute its last estimate without mixing in readings from where it was long ago.
 *
 * The estimate is a median for small windows and a 20 % trimmed mean above that: a single reflection or a body
 * blocking the line of sight produces an outlier of 10–20 dB that a plain mean would carry straight into the range.
 */

export interface LinkSample {
  t: number;
  rssi: number;
}

export interface LinkEstimate {
  /** Robust RSSI, dBm. */
  rssi: number;
  /** Samples in the window. */
  n: number;
  /** Robust spread (1.4826 × median absolute deviation), dB; 0 with a single sample. */
  spreadDb: number;
  /** Newest sample time. */
  lastT: number;
}

let rssiBuf = new Float64Array(64);

export class LinkWindow {
  /** Sorted by t ascending (reads mostly arrive in order; out-of-order ones are inserted in place). */
  readonly samples: LinkSample[] = [];
  /** Tag-advertised power from the latest read that carried one (iBeacon measured power at 1 m). */
  txDbm: number | undefined = undefined;
  private cached: LinkEstimate | null = null;
  private cachedSpan = NaN;

  constructor(readonly gatewayId: string) {}

  add(t: number, rssi: number, txDbm?: number): void {
    const s = this.samples;
    let i = s.length;
    while (i > 0 && s[i - 1]!.t > t) i--;
    if (i === s.length) s.push({ t, rssi });
    else s.splice(i, 0, { t, rssi });
    if (txDbm !== undefined) this.txDbm = txDbm;
    this.cached = null;
  }

  get lastT(): number {
    return this.samples.length ? this.samples[this.samples.length - 1]!.t : -Infinity;
  }

  get oldestT(): number {
    return this.samples.length ? this.samples[0]!.t : Infinity;
  }

  /** Drops samples older than windowMs behind the newest one; returns how many were dropped. */
  trim(windowMs: number): number {
    const s = this.samples;
    if (s.length === 0) return 0;
    const cutoff = s[s.length - 1]!.t - windowMs;
    let k = 0;
    while (k < s.length && s[k]!.t < cutoff) k++;
    if (k > 0) {
      // In place: splice would allocate the removed elements on every tick.
      s.copyWithin(0, k);
      s.length -= k;
      this.cached = null;
    }
    return k;
  }

  /** Removes the oldest sample (queue overflow). */
  dropOldest(): void {
    this.samples.shift();
    this.cached = null;
  }

  isStale(now: number, linkStaleMs: number): boolean {
    return this.samples.length === 0 || now - this.lastT > linkStaleMs;
  }

  /**
   * Robust estimate over the samples at most `spanMs` behind the newest (default: all held). The caller picks the
   * span per tag (issue #3 item 1: short while the tag moves, so the estimate follows it; long while it is parked,
   * so fading and part of the shadowing average out).
   */
  estimate(spanMs = Infinity): LinkEstimate | null {
    const s = this.samples;
    if (s.length === 0) return null;
    if (!this.cached || this.cachedSpan !== spanMs) {
      const cutoff = this.lastT - spanMs;
      let k = s.length;
      while (k > 0 && s[k - 1]!.t >= cutoff) k--;
      const n = s.length - k;
      if (n > rssiBuf.length) rssiBuf = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) rssiBuf[i] = s[k + i]!.rssi;
      this.cached = { ...robustRssi(rssiBuf.subarray(0, n)), lastT: this.lastT };
      this.cachedSpan = spanMs;
    }
    return this.cached;
  }
}

// Scratch buffers for the hot path: estimates run once per link per fix and must not allocate.
let bufA = new Float64Array(64);
let bufB = new Float64Array(64);

function sortPrefix(a: Float64Array, n: number): void {
  // Insertion sort: windows hold a handful of samples, where it beats a general sort.
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}

function medianPrefix(a: Float64Array, n: number): number {
  const m = n >> 1;
  return n % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Robust location and spread of a set of RSSI values (dBm). */
export function robustRssi(values: ArrayLike<number>): { rssi: number; n: number; spreadDb: number } {
  const n = values.length;
  if (n === 0) throw new RangeError('robustRssi needs at least one value');
  if (n > bufA.length) {
    bufA = new Float64Array(n * 2);
    bufB = new Float64Array(n * 2);
  }
  for (let i = 0; i < n; i++) bufA[i] = values[i]!;
  sortPrefix(bufA, n);
  const med = medianPrefix(bufA, n);
  let rssi = med;
  if (n >= 5) {
    const k = Math.floor(n * 0.2);
    let sum = 0;
    for (let i = k; i < n - k; i++) sum += bufA[i]!;
    rssi = sum / (n - 2 * k);
  }
  let spreadDb = 0;
  if (n > 1) {
    for (let i = 0; i < n; i++) bufB[i] = Math.abs(bufA[i]! - med);
    sortPrefix(bufB, n);
    spreadDb = 1.4826 * medianPrefix(bufB, n);
  }
  return { rssi, n, spreadDb };
}
