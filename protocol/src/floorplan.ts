import { z } from 'zod';
import { GatewayIdSchema, SlugSchema } from './ids.ts';

/**
 * Floor plans (DESIGN.md §3): a site file plus one GeoJSON FeatureCollection per floor, in the floor's
 * local metre frame (origin bottom-left, x east, y north/up). The web app shows it with Leaflet's simple CRS.
 */

export const ZoneTypeSchema = z.enum([
  'patient-room', 'icu-bay', 'operating-room', 'sterile-store', 'nursery', 'maternity-room', 'delivery-room',
  'equipment-storage', 'clean-utility', 'soiled-utility', 'biomed-workshop', 'receiving-dock', 'corridor',
  'exit', 'entrance', 'stairs', 'elevator', 'emergency', 'waiting', 'nurse-station', 'office', 'pharmacy',
  'restricted', 'other',
]);
export type ZoneType = z.infer<typeof ZoneTypeSchema>;

export const GatewayTechSchema = z.enum(['ble', 'rfid-portal', 'rfid-cabinet']);
export type GatewayTech = z.infer<typeof GatewayTechSchema>;

/** Payload format a gateway publishes; decoders per format arrive with issue #4. */
export const GatewayFormatSchema = z.enum([
  'native', 'zebra-iotc', 'impinj-iot', 'minew-jsonlong', 'moko-mkgw', 'espresense', 'openmqttgateway', 'ruuvi',
]);
export type GatewayFormat = z.infer<typeof GatewayFormatSchema>;

const finite = z.number().finite();
export const PositionSchema = z.tuple([finite, finite]);
export type Position = z.infer<typeof PositionSchema>;
const Ring = z.array(PositionSchema).min(4, 'a polygon ring needs at least 4 positions (closed)').refine(
  (r) => r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1],
  'a polygon ring must be closed (first position equals last)',
);
export const PolygonGeometrySchema = z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) });
export const LineStringGeometrySchema = z.strictObject({
  type: z.literal('LineString'),
  coordinates: z.array(PositionSchema).min(2),
});
export const PointGeometrySchema = z.strictObject({ type: z.literal('Point'), coordinates: PositionSchema });

export const OutlinePropsSchema = z.strictObject({ kind: z.literal('outline') });
export const RoomPropsSchema = z.strictObject({
  kind: z.literal('room'),
  id: SlugSchema,
  name: z.string().min(1).max(80),
  zoneType: ZoneTypeSchema,
  /** Department / clinical unit the room belongs to (e.g. "icu", "maternity"); used for scoping later. */
  unit: z.string().max(40).optional(),
});
export const ZonePropsSchema = z.strictObject({
  kind: z.literal('zone'),
  id: SlugSchema,
  name: z.string().min(1).max(80),
  zoneType: ZoneTypeSchema,
  /** A monitored zone (e.g. the area in front of an exit) raises alarms once rules exist (issue #7). */
  monitored: z.boolean().optional(),
});
export const WallPropsSchema = z.strictObject({
  kind: z.literal('wall'),
  /** Signal loss crossing this wall, in dB at 2.4 GHz. */
  attenuationDb: z.number().min(0).max(60),
  material: z.string().max(40).optional(),
});
export const DoorPropsSchema = z.strictObject({
  kind: z.literal('door'),
  id: SlugSchema,
  /** The two rooms (ids) this door joins; 'outside' for an exterior door. */
  connects: z.tuple([SlugSchema, SlugSchema]),
  exit: z.boolean().optional(),
});
export const GatewayPropsSchema = z.strictObject({
  kind: z.literal('gateway'),
  id: GatewayIdSchema,
  tech: GatewayTechSchema,
  format: GatewayFormatSchema,
  /** MQTT topic filter a vendor-format gateway publishes on (topic-filters.ts); native gateways use rtls/v1/gw/<id>/. */
  topic: z.string().min(1).max(200).optional(),
  mountHeightM: z.number().min(0).max(20),
  /** Room the gateway is in (portals: the room on the inside of the door they guard). */
  room: SlugSchema.optional(),
  /** RFID: number of antennas (a portal with 2 can tell direction). */
  antennas: z.number().int().min(1).max(64).optional(),
  /** RFID portal: the door it guards. */
  door: SlugSchema.optional(),
});

export const OutlineFeatureSchema = z.strictObject({ type: z.literal('Feature'), properties: OutlinePropsSchema, geometry: PolygonGeometrySchema });
export const RoomFeatureSchema = z.strictObject({ type: z.literal('Feature'), properties: RoomPropsSchema, geometry: PolygonGeometrySchema });
export const ZoneFeatureSchema = z.strictObject({ type: z.literal('Feature'), properties: ZonePropsSchema, geometry: PolygonGeometrySchema });
export const WallFeatureSchema = z.strictObject({ type: z.literal('Feature'), properties: WallPropsSchema, geometry: LineStringGeometrySchema });
export const DoorFeatureSchema = z.strictObject({ type: z.literal('Feature'), properties: DoorPropsSchema, geometry: LineStringGeometrySchema });
export const GatewayFeatureSchema = z.strictObject({ type: z.literal('Feature'), properties: GatewayPropsSchema, geometry: PointGeometrySchema });

export const FloorFeatureSchema = z.union([
  OutlineFeatureSchema, RoomFeatureSchema, ZoneFeatureSchema, WallFeatureSchema, DoorFeatureSchema, GatewayFeatureSchema,
]);
export type FloorFeature = z.infer<typeof FloorFeatureSchema>;
export type RoomFeature = z.infer<typeof RoomFeatureSchema>;
export type ZoneFeature = z.infer<typeof ZoneFeatureSchema>;
export type WallFeature = z.infer<typeof WallFeatureSchema>;
export type DoorFeature = z.infer<typeof DoorFeatureSchema>;
export type GatewayFeature = z.infer<typeof GatewayFeatureSchema>;
export type OutlineFeature = z.infer<typeof OutlineFeatureSchema>;

export const FloorPlanSchema = z.strictObject({
  type: z.literal('FeatureCollection'),
  features: z.array(FloorFeatureSchema).min(1),
});
export type FloorPlan = z.infer<typeof FloorPlanSchema>;

export const FloorSummarySchema = z.strictObject({
  id: SlugSchema,
  name: z.string().min(1).max(80),
  /** Storey number: 0 ground, 1 first, -1 basement. */
  level: z.number().int().min(-10).max(200),
  /** Height of the floor slab above site datum, metres. */
  elevationM: z.number(),
  /** Storey height, metres. */
  heightM: z.number().positive().max(20),
  /** Extent of the local frame, metres (x from 0 to widthM, y from 0 to depthM). */
  widthM: z.number().positive().max(2000),
  depthM: z.number().positive().max(2000),
});
export type FloorSummary = z.infer<typeof FloorSummarySchema>;

/**
 * A vertical connection between floors: the stairwell or lift shaft rooms (one per floor it serves) that a tag can
 * change floor through. The floor state machine (issue #3) and the simulator's movement use it.
 */
export const VerticalLinkSchema = z.strictObject({
  id: SlugSchema,
  kind: z.enum(['stairs', 'elevator']),
  /** Room ids, one per floor served, bottom to top. */
  rooms: z.array(SlugSchema).min(2),
});
export type VerticalLink = z.infer<typeof VerticalLinkSchema>;

/**
 * A care unit (ICU, maternity, …): the object-level scope of clinical users and of enrolled patients (issue #6).
 * `zoneTypes`: the room types the unit's patients normally occupy (used to suggest a unit at enrolment).
 */
export const CareUnitSchema = z.strictObject({
  id: SlugSchema,
  name: z.string().min(1).max(120),
  zoneTypes: z.array(z.string().min(1).max(40)).default([]),
});
export type CareUnit = z.infer<typeof CareUnitSchema>;

/** Site file: floors with the file holding each floor's plan, the vertical links between them, the care units. */
export const SiteFileSchema = z.strictObject({
  id: SlugSchema,
  name: z.string().min(1).max(120),
  floors: z.array(FloorSummarySchema.extend({ file: z.string().regex(/^[A-Za-z0-9_.-]+\.geojson$/) })).min(1),
  verticals: z.array(VerticalLinkSchema).default([]),
  units: z.array(CareUnitSchema).default([]),
});
export type SiteFile = z.infer<typeof SiteFileSchema>;

/** A floor as the API serves it: its summary and its plan. */
export const FloorSchema = FloorSummarySchema.extend({ plan: FloorPlanSchema });
export type Floor = z.infer<typeof FloorSchema>;
