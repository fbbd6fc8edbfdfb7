import type { Accessor } from 'solid-js';
import type { TagKind } from '@rtls/protocol';
import type { XY } from './coords.ts';

/**
 * What the replay view (issue #5 item 5) asks the floor map to draw. The map stays the only Leaflet user: the replay
 * hands it plain data in floor metres, per floor, and the map draws whatever belongs to the floor it shows.
 */
export interface ReplayOverlay {
  /** While true the live markers give way to the replay (two sources of position on one plan would be misread). */
  active: Accessor<boolean>;
  /** Trail lines, each on one floor; the map draws those of the shown floor. */
  paths: Accessor<readonly ReplayPathData[]>;
  /** The replayed tag at the slider time, or null (no fix yet, or nothing replayed). */
  marker: Accessor<ReplayMarkerData | null>;
  /** Rooms and zones to outline and label ("ICU bay 3 · 12 min"); `current` is the one at the slider time. */
  rooms: Accessor<readonly ReplayRoomData[]>;
  /** Bumped when a new trail or zone is shown: the map fits it into view once its floor is drawn. */
  fitSeq: Accessor<number>;
}

export interface ReplayPathData {
  floor: string;
  points: readonly XY[];
}

export interface ReplayMarkerData {
  floor: string;
  x: number;
  y: number;
  kind: TagKind;
  label: string;
  /** Held at an old fix: the tag was not located at the slider time (drawn faded). */
  stale: boolean;
}

export interface ReplayRoomData {
  floor: string;
  /** Room or zone id in the floor plan. */
  zone: string;
  text: string;
  current: boolean;
}
