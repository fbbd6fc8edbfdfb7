/**
 * A site directory (site.json + floor GeoJSON, as the live locator loads it) as the site of an offline run: the
 * gateways are the site's gateway features, exactly as the registry syncs them, so recorded native read batches are
 * located against the same floors, rooms and gateways as live. Optional input of the offline locate CLI (issue #3).
 */
import { loadSite } from '@rtls/floorplans';
import type { GatewayRecord } from '../contracts.ts';
import { OfflineInputError, registryOver } from './anchors.ts';
import type { OfflineSite } from './anchors.ts';

export function siteFromDirectory(dir: string): OfflineSite {
  let site: ReturnType<typeof loadSite>;
  try {
    site = loadSite(dir);
  } catch (err) {
    throw new OfflineInputError(`site ${dir}: ${(err as Error).message}`);
  }
  const gateways: GatewayRecord[] = [];
  for (const floor of site.floors) {
    for (const g of floor.gateways) {
      const p = g.properties;
      const [x, y] = g.geometry.coordinates;
      gateways.push({
        id: p.id, tech: p.tech, format: p.format, floor: floor.summary.id, x: x!, y: y!, mountHeightM: p.mountHeightM,
        room: p.room ?? null, door: p.door ?? null, antennas: p.antennas ?? null,
      });
    }
  }
  if (gateways.length === 0) throw new OfflineInputError(`site ${dir}: no gateways`);
  // Recorded batches are fed as native batches whatever the gateway's live payload format (see run-offline.ts).
  const native = gateways.map((g) => ({ ...g, format: 'native' as const }));
  return { site, gateways: native, registry: registryOver(native), gatewayByMac: new Map(), bounds: null };
}
