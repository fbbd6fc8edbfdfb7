/**
 * The part of a loaded site (`Site` from @rtls/floorplans) the pipeline reads. Declared structurally so the pipeline
 * depends on the shape, not on the loader: any `Site` satisfies it, and tests build small fixtures by hand.
 */
import type { DoorFeature, FloorSummary, OutlineFeature, RoomFeature, VerticalLink, WallFeature, ZoneFeature } from '@rtls/protocol';

export interface FloorLike {
  summary: FloorSummary;
  /** The building outline; positions are clamped to its bounding box (else to the floor's width × depth). */
  outline?: OutlineFeature;
  rooms: readonly RoomFeature[];
  zones: readonly ZoneFeature[];
  doors: readonly DoorFeature[];
  /** Walls with their attenuation: the BLE solver charges a link for the walls it crosses (issue #3 item 4). */
  walls?: readonly WallFeature[];
}

export interface SiteLike {
  id: string;
  floors: readonly FloorLike[];
  /** Stairs and lifts: the only places a tag changes floor (issue #3 item 3). */
  verticals?: readonly VerticalLink[];
}
