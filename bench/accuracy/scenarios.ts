/**
 * The accuracy harness's seeded scenarios on the sample hospital (issue #3, "Measure"): parked tags over hours,
 * walking staff and patients, stairs and lift trips, a gateway failing, 1,000 tags crowding one ward, and 20 %
 * packet loss (beside the same mixed hospital at the simulator's default loss, so the loss's cost is visible).
 *
 * Two profiles run the same scenarios: `full` (about 5 minutes) and `quick` (fewer tags, shorter; CI, well under
 * 2 minutes). Seeds are fixed: a run is deterministic given the code, which is what makes the regression gate exact.
 */
import type { ScenarioBehaviour } from '@rtls/gateway-firmware-sim';

export type ProfileName = 'full' | 'quick';

export interface ScenarioSpec {
  id: string;
  title: string;
  seed: number;
  tags: number;
  /** Simulated duration, s. */
  durationS: number;
  /** Not scored: the pipeline has no history yet, s. */
  warmupS: number;
  behaviour: ScenarioBehaviour;
  /** Room-id prefix of the ward the tags crowd into (its rooms are listed from the site). */
  wardPrefix?: string;
  /** Packets lost whatever the level (the simulator's default is 0.05). */
  baseLossProb?: number;
  /**
   * A gateway failing: the strongest gateway of each of the first `tags` BLE tags goes down at `atS` for good; the
   * scenario is then scored from `atS` on the tags whose strongest gateway failed.
   */
  failure?: { tags: number; atS: number };
}

interface Size {
  tags: number;
  durationS: number;
}

function build(size: (id: string) => Size, failure: { tags: number; atS: number }): ScenarioSpec[] {
  const s = (id: string, rest: Omit<ScenarioSpec, 'id' | 'tags' | 'durationS'>): ScenarioSpec => ({ id, ...size(id), ...rest });
  return [
    s('parked', { title: 'parked tags over hours', seed: 101, warmupS: 30, behaviour: 'parked' }),
    s('walking', { title: 'walking staff and patients', seed: 102, warmupS: 30, behaviour: 'walking' }),
    s('floor-trips', { title: 'stairs and lift trips', seed: 103, warmupS: 30, behaviour: 'floor-trips' }),
    s('gateway-failure', { title: 'strongest gateway of parked tags fails', seed: 104, warmupS: 30, behaviour: 'parked', failure }),
    s('crowded-ward', { title: 'tags crowding Ward 1A', seed: 105, warmupS: 30, behaviour: 'mixed', wardPrefix: 'L1-w1a-' }),
    s('mixed', { title: 'everyday mixed hospital, 5 % loss', seed: 106, warmupS: 30, behaviour: 'mixed' }),
    s('packet-loss', { title: 'mixed hospital, 20 % packet loss', seed: 106, warmupS: 30, behaviour: 'mixed', baseLossProb: 0.2 }),
  ];
}

/**
 * Sizes: the pipeline costs about 0.4–0.5 ms per fix and a BLE tag gets about one fix per simulated second, so a
 * scenario costs ≈ BLE tags × seconds × 0.45 ms; the full profile is sized to about 5 minutes, quick to well under 1.
 */
const FULL: Record<string, Size> = {
  parked: { tags: 30, durationS: 2 * 3600 },
  walking: { tags: 60, durationS: 600 },
  'floor-trips': { tags: 40, durationS: 900 },
  'gateway-failure': { tags: 40, durationS: 1200 },
  'crowded-ward': { tags: 1000, durationS: 120 },
  mixed: { tags: 200, durationS: 300 },
  'packet-loss': { tags: 200, durationS: 300 },
};

const QUICK: Record<string, Size> = {
  parked: { tags: 20, durationS: 600 },
  walking: { tags: 30, durationS: 240 },
  'floor-trips': { tags: 20, durationS: 360 },
  'gateway-failure': { tags: 30, durationS: 900 },
  'crowded-ward': { tags: 400, durationS: 60 },
  mixed: { tags: 120, durationS: 300 },
  'packet-loss': { tags: 120, durationS: 300 },
};

export function scenarios(profile: ProfileName): ScenarioSpec[] {
  const sizes = profile === 'full' ? FULL : QUICK;
  const failure = profile === 'full' ? { tags: 10, atS: 300 } : { tags: 10, atS: 180 };
  return build((id) => sizes[id]!, failure);
}
