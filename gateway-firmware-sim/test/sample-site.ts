import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OutlineFeature, RoomFeature } from '@rtls/protocol';
import { SAMPLE_SITE_DIR, loadSampleSite } from '@rtls/floorplans';
import type { SimFloor, SimSite } from '../src/index.ts';

/** A site the tests can inspect: the simulator's view plus the outline and room features. */
export interface TestFloor extends SimFloor {
  outline: OutlineFeature;
  rooms: readonly RoomFeature[];
}
export interface TestSite extends SimSite {
  floors: readonly TestFloor[];
}

/** The floorplans package's sample hospital, or null while its data is not committed yet. */
export function sampleSiteOrNull(): TestSite | null {
  if (!existsSync(join(SAMPLE_SITE_DIR, 'site.json'))) return null;
  return loadSampleSite();
}
