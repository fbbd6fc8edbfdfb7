/**
 * Which floor a tag is on (issue #3 item 3): a state machine that changes floor only through stairs or a lift, or on
 * certain evidence (an RFID read), with a margin and a minimum time, so a tag never flickers between floors.
 *
 * Evidence per floor = the sum of the top-3 linear powers of its gateways (locate-ble chooseFloor's score). A slab
 * costs ~20 dB, so a tag on its floor normally out-scores the floor above by far more than the margin; near a stairwell
 * or an atrium the two come close, which is exactly where flicker would come from.
 *
 * A change of floor is accepted when the other floor has out-scored the current one by `marginDb` continuously for
 * `minHoldMs`, AND the tag was recently in a vertical room (stairs or lift) of the floor it leaves or is now heard in
 * one of the floor it enters. A tag that is lost — its current floor silent — or whose other floor has out-scored it
 * by `strongMarginDb` for `lostHoldMs` also moves: a floor state that can never recover from a wrong first guess
 * would be worse than a rare jump. Certain evidence (RFID cabinet or portal) sets the floor at once.
 */

export interface FloorStateOptions {
  /** The other floor must be stronger by this much (top-3 power sum), dB. */
  marginDb: number;
  /** ...continuously for this long before the floor changes through stairs or a lift, ms. */
  minHoldMs: number;
  /** The tag counts as "at the stairs/lift" for this long after its last fix in a vertical room, ms. */
  verticalMemoryMs: number;
  /** Without vertical evidence, a floor change needs this margin, dB... */
  strongMarginDb: number;
  /** ...held this long, ms (or the current floor silent this long). */
  lostHoldMs: number;
}

export const DEFAULT_FLOOR_STATE_OPTIONS: Readonly<FloorStateOptions> = Object.freeze({
  marginDb: 6,
  // Stairs take ~15 s a storey and the lift ~40 s; 3 s of consistent evidence is short next to either.
  minHoldMs: 3000,
  // A lift ride with doors, waiting and travel can take a couple of minutes.
  verticalMemoryMs: 120_000,
  strongMarginDb: 15,
  lostHoldMs: 30_000,
});

export interface FloorState {
  floor: string;
  /** The floor challenging the current one, and since when it has out-scored it by the margin. */
  candidate: string | null;
  candidateSince: number;
  strongSince: number;
  /** Last time the tag was placed in a vertical room of its current floor. */
  lastVerticalT: number;
}

export interface FloorObservation {
  t: number;
  /** Evidence per floor (top-3 power sum, dBm-equivalent); floors with no links are absent. */
  scores: ReadonlyMap<string, number>;
  /** Certain floor from RFID (cabinet or portal read), if any. */
  certainFloor?: string;
  /** Whether the strongest gateway of the candidate floor is in a vertical room (arriving by stairs/lift). */
  candidateAtVertical?: (floor: string) => boolean;
}

export interface FloorDecision {
  state: FloorState;
  changed: boolean;
  /** Why the floor changed ('first', 'certain', 'vertical', 'lost', 'strong'), for evidence and tests. */
  reason?: 'first' | 'certain' | 'vertical' | 'lost' | 'strong';
}

/** Converts a sum of linear powers back to dB (−Infinity for 0). */
const toDb = (linear: number) => (linear > 0 ? 10 * Math.log10(linear) : -Infinity);

/** Per-floor evidence: sum of the top-3 linear powers, in dB. */
export function floorScores(links: Iterable<{ floor: string; rssi: number }>): Map<string, number> {
  const top = new Map<string, number[]>();
  for (const l of links) {
    const a = top.get(l.floor);
    if (a) a.push(l.rssi);
    else top.set(l.floor, [l.rssi]);
  }
  const out = new Map<string, number>();
  for (const [f, rssis] of top) {
    rssis.sort((a, b) => b - a);
    let s = 0;
    for (let i = 0; i < Math.min(3, rssis.length); i++) s += Math.pow(10, rssis[i]! / 10);
    out.set(f, toDb(s));
  }
  return out;
}

function best(scores: ReadonlyMap<string, number>): [string, number] | null {
  let b: [string, number] | null = null;
  for (const [f, s] of scores) if (!b || s > b[1] || (s === b[1] && f < b[0])) b = [f, s];
  return b;
}

/** Pure step. `inVertical` says whether the tag's latest fix on its current floor was in a stairs/lift room. */
export function stepFloor(
  prev: FloorState | undefined,
  obs: FloorObservation,
  o: FloorStateOptions,
): FloorDecision | null {
  const { t, scores } = obs;
  if (obs.certainFloor !== undefined) {
    if (prev && prev.floor === obs.certainFloor) return { state: { ...prev, candidate: null }, changed: false };
    return {
      state: { floor: obs.certainFloor, candidate: null, candidateSince: t, strongSince: Infinity, lastVerticalT: -Infinity },
      changed: true,
      reason: prev ? 'certain' : 'first',
    };
  }
  const top = best(scores);
  if (!prev) {
    if (!top) return null;
    return { state: { floor: top[0], candidate: null, candidateSince: t, strongSince: Infinity, lastVerticalT: -Infinity }, changed: true, reason: 'first' };
  }
  if (!top || top[0] === prev.floor) return { state: { ...prev, candidate: null, strongSince: Infinity }, changed: false };

  const [cand, candScore] = top;
  const cur = scores.get(prev.floor) ?? -Infinity;
  const lead = candScore - cur;
  if (lead < o.marginDb) return { state: { ...prev, candidate: null, strongSince: Infinity }, changed: false };
  const sameCandidate = prev.candidate === cand;
  const candidateSince = sameCandidate ? prev.candidateSince : t;
  const strongSince = lead < o.strongMarginDb ? Infinity : sameCandidate && Number.isFinite(prev.strongSince) ? prev.strongSince : t;
  const state: FloorState = { ...prev, candidate: cand, candidateSince, strongSince };

  const held = t - candidateSince;
  const viaVertical = t - prev.lastVerticalT <= o.verticalMemoryMs || (obs.candidateAtVertical?.(cand) ?? false);
  let reason: FloorDecision['reason'];
  if (held >= o.minHoldMs && viaVertical) reason = 'vertical';
  else if (cur === -Infinity && held >= o.lostHoldMs) reason = 'lost';
  else if (t - strongSince >= o.lostHoldMs) reason = 'strong';
  if (!reason) return { state, changed: false };
  return {
    state: { floor: cand, candidate: null, candidateSince: t, strongSince: Infinity, lastVerticalT: viaVertical ? t : -Infinity },
    changed: true,
    reason,
  };
}

/** Records that the tag was placed in a vertical room of its current floor at time t. */
export function markVertical(s: FloorState, t: number): FloorState {
  return { ...s, lastVerticalT: t };
}
