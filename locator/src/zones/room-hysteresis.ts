/**
 * Hysteresis for what a tag is reported to be in (DESIGN.md §4, §5): a parked tag near a wall must not flap between
 * two rooms and fire enter/exit events every second. A new value replaces the reported one only after it has been
 * observed continuously for holdMs (roomHysteresisMs), or at once on certain evidence (an RFID cabinet read or an
 * observed portal crossing). Any observation of the reported value cancels a pending change.
 *
 * The first observation is reported at once: there is nothing to flap from.
 */

export interface HysteresisState<T> {
  stable: T;
  /** When the stable value was adopted. */
  stableSince: number;
  /** The value waiting to replace `stable` (equal to it when nothing is pending). */
  candidate: T;
  candidateSince: number;
}

/** Pure update step: the state after observing `observed` at time t. */
export function stepHysteresis<T>(
  prev: HysteresisState<T> | undefined,
  observed: T,
  t: number,
  holdMs: number,
  certain: boolean,
  eq: (a: T, b: T) => boolean = Object.is,
): HysteresisState<T> {
  if (!prev || certain) {
    if (prev && eq(prev.stable, observed)) return { ...prev, candidate: prev.stable, candidateSince: t };
    return { stable: observed, stableSince: t, candidate: observed, candidateSince: t };
  }
  if (eq(observed, prev.stable)) return { ...prev, candidate: prev.stable, candidateSince: t };
  const candidateSince = eq(observed, prev.candidate) && !eq(prev.candidate, prev.stable) ? prev.candidateSince : t;
  if (t - candidateSince >= holdMs) return { stable: observed, stableSince: t, candidate: observed, candidateSince: t };
  return { ...prev, candidate: observed, candidateSince };
}

/** Where a tag is reported: floor and room (null = between rooms / unknown). */
export interface Placement {
  floor: string;
  room: string | null;
}

export const samePlacement = (a: Placement, b: Placement): boolean => a.floor === b.floor && a.room === b.room;

/** Room hysteresis for one tag. */
export function stepRoom(
  prev: HysteresisState<Placement> | undefined,
  observed: Placement,
  t: number,
  holdMs: number,
  certain: boolean,
): HysteresisState<Placement> {
  return stepHysteresis(prev, observed, t, holdMs, certain, samePlacement);
}

/**
 * Zone (geofence) membership with the same rule applied per zone, so a tag flapping at the edge of one zone does
 * not delay its entry into another. Returns the new state map and the stable set of zone ids. A zone missing from
 * `prev` is stably "out"; the caller passes certain = true for a tag's first fix so its zones are reported at once.
 */
export function stepZones(
  prev: ReadonlyMap<string, HysteresisState<boolean>>,
  observed: ReadonlySet<string>,
  t: number,
  holdMs: number,
  certain: boolean,
): { state: ReadonlyMap<string, HysteresisState<boolean>>; zones: string[] } {
  if (prev.size === 0 && observed.size === 0) return { state: prev, zones: [] };
  const state = new Map<string, HysteresisState<boolean>>();
  const ids = new Set([...prev.keys(), ...observed]);
  const zones: string[] = [];
  for (const id of ids) {
    const before = prev.get(id) ?? { stable: false, stableSince: t, candidate: false, candidateSince: t };
    const next = stepHysteresis(before, observed.has(id), t, holdMs, certain);
    // A zone that is stably out with nothing pending needs no state.
    if (!next.stable && !next.candidate) continue;
    state.set(id, next);
    if (next.stable) zones.push(id);
  }
  zones.sort();
  return { state, zones };
}
