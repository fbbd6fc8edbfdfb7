/**
 * Writes floorplans/sample-hospital/{site.json, L0.geojson, L1.geojson} from the layout in
 * sample-hospital-layout.ts, then loads the result through the package loader so a bad layout never gets committed.
 * Run: npx tsx floorplans/scripts/generate-sample-hospital.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_SITE_DIR, loadSite } from '../src/index.ts';
import { formatJson } from './plan-builder.ts';
import { buildSampleHospital } from './sample-hospital-layout.ts';

const { site, plans } = buildSampleHospital();
writeFileSync(join(SAMPLE_SITE_DIR, 'site.json'), formatJson(site) + '\n');
for (const [file, plan] of Object.entries(plans)) writeFileSync(join(SAMPLE_SITE_DIR, file), formatJson(plan) + '\n');

const loaded = loadSite(SAMPLE_SITE_DIR);
for (const f of loaded.floors) {
  const count = (tech: string) => f.gateways.filter((g) => g.properties.tech === tech).length;
  console.log(
    `${f.summary.id}: ${f.rooms.length} rooms, ${f.zones.length} zones, ${f.walls.length} walls, ${f.doors.length} doors, ` +
      `gateways ble ${count('ble')} / rfid-portal ${count('rfid-portal')} / rfid-cabinet ${count('rfid-cabinet')}`,
  );
}
