/**
 * The file edge of the offline locator: reads the anchors file (or site directory) and the input, runs them, and
 * formats output lines. The CLI (cli/locate.ts) only parses arguments and writes what this returns (issue #3).
 */
import { readFileSync, statSync } from 'node:fs';
import { OfflineInputError, anchorBounds, parseAnchors, siteFromAnchors } from './anchors.ts';
import type { Bounds, OfflineSite } from './anchors.ts';
import { siteFromDirectory } from './site-dir.ts';
import { parseInput } from './read-streams.ts';
import type { InputFormat, LineIssue } from './read-streams.ts';
import { runOffline } from './run-offline.ts';
import type { OfflineOutput, OfflineRunOptions, OfflineSummary } from './run-offline.ts';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new OfflineInputError(`${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * An anchors file (`{anchors:[…]}`), outline = `bounds` or the anchors' box grown by `marginM`; or a site directory
 * (site.json + floor plans), whose own outlines apply (bounds must then be absent).
 */
export function loadOfflineSite(path: string, opts: { bounds?: Bounds; marginM?: number } = {}): OfflineSite {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new OfflineInputError(`anchors ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (isDir) {
    if (opts.bounds || opts.marginM !== undefined) throw new OfflineInputError('bounds and margin apply to an anchors file, not to a site directory');
    return siteFromDirectory(path);
  }
  const anchors = parseAnchors(readText(path, 'anchors'));
  return siteFromAnchors(anchors, opts.bounds ?? anchorBounds(anchors, opts.marginM));
}

export interface LocateFilesOptions extends OfflineRunOptions {
  anchorsPath: string;
  inPath: string;
  format?: InputFormat;
  bounds?: Bounds;
  marginM?: number;
}

export interface LocateFilesResult {
  format: InputFormat;
  outputs: OfflineOutput[];
  issues: LineIssue[];
  summary: OfflineSummary;
}

export function locateFiles(o: LocateFilesOptions): LocateFilesResult {
  const site = loadOfflineSite(o.anchorsPath, { bounds: o.bounds, marginM: o.marginM });
  const ids = new Set(site.gateways.map((g) => g.id));
  const parsed = parseInput(readText(o.inPath, 'input'), { hasGateway: (id) => ids.has(id), gatewayByMac: site.gatewayByMac }, o.format);
  const { outputs, summary } = runOffline(parsed.lines, site, { pipeline: o.pipeline, everyMs: o.everyMs });
  return { format: parsed.format, outputs, issues: parsed.issues, summary };
}

/** One output as a JSON line (no trailing newline). */
export function formatOutput(o: OfflineOutput): string {
  return JSON.stringify(o);
}

export function formatIssue(i: LineIssue): string {
  return `line ${i.line}: ${i.scope === 'read' ? 'read dropped: ' : 'skipped: '}${i.reason}`;
}
