import type { Accessor } from 'solid-js';
import type { Severity } from '@rtls/protocol';
import type { XY } from './coords.ts';

/**
 * What the alarm console (issue #7 item 5: "clicking one centres the map on the subject with its recent trail") asks
 * the floor map to draw, as plain data in floor metres. The live markers stay: the subject's own marker is the live
 * one, selected; this adds its trail, the place the alarm is about and the spot where it fired.
 */
export interface AlarmOverlay {
  focus: Accessor<AlarmFocusData | null>;
}

export interface FloorPoint {
  floor: string;
  x: number;
  y: number;
}

export interface AlarmFocusData {
  /** Bumped per click: the map centres once per request (the person may pan away afterwards). */
  seq: number;
  alarmId: number;
  severity: Severity;
  /** The subject's recent trail, in runs per floor (no line across a gap in the data). */
  paths: readonly { floor: string; points: readonly XY[] }[];
  /** Where the evidence put the subject when the alarm fired. */
  firedAt: FloorPoint | null;
  /** The room, zone or door the alarm is about (`where`), outlined. */
  place: { floor: string; id: string } | null;
  /** Where to centre: the subject now (live, else its last trail fix), or where it fired for a resolved alarm. */
  centre: FloorPoint | null;
  /** False while the subject's position may still come (trail loading): centring waits rather than jumps twice. */
  ready: boolean;
}
