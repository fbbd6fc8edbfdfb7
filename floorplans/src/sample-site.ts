import { fileURLToPath } from 'node:url';
import { loadSite } from './load-site.ts';
import type { Site } from './site.ts';

/** Absolute path of the committed sample hospital (floorplans/sample-hospital). */
export const SAMPLE_SITE_DIR: string = fileURLToPath(new URL('../sample-hospital/', import.meta.url)).replace(/[\\/]$/, '');

let cached: Site | undefined;

/** The sample hospital, loaded and validated once per process. */
export function loadSampleSite(): Site {
  cached ??= loadSite(SAMPLE_SITE_DIR);
  return cached;
}
