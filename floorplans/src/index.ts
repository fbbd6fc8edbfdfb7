export type { LoadedFloor, Site } from './site.ts';
export { createSite, floorFromPlan } from './site.ts';
export { SiteValidationError, loadSite, parseFloorPlan, parseSiteFile } from './load-site.ts';
export { validateSite, VALIDATION_LIMITS } from './validate-site.ts';
export { SAMPLE_SITE_DIR, loadSampleSite } from './sample-site.ts';
export { polygonArea, pointInPolygon, pointBoundaryDistance, pointPolylineDistance, intersectionArea } from './geometry.ts';
