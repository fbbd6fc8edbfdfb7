/**
 * `npm run locate -- --anchors <anchors.json|siteDir> --in <input> [--out <fixes.jsonl>] [--format readings|packets|batches]
 *                    [--every-ms N] [--bounds minX,minY,maxX,maxY | --margin M]`
 *
 * The offline locator of issue #3: recorded reads through the live pipeline on a virtual clock, strictly causal.
 * Argument parsing and I/O only; everything else is in ../offline/. Output: one JSON line per input line (per tag;
 * with --every-ms one per step holding reads); malformed input lines are reported on stderr with their line number
 * and skipped. Exit codes: 0 done (even with skipped lines), 2 usage error or unusable anchors/input, 1 anything else.
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { INPUT_FORMATS, OfflineInputError, formatIssue, formatOutput, locateFiles, parseBounds } from '../offline/index.ts';
import type { InputFormat, LocateFilesOptions } from '../offline/index.ts';

const USAGE = `usage: npm run locate -- --anchors <anchors.json | site dir> --in <input> [--out <fixes.jsonl>] [options]
  --anchors  anchors file {"anchors":[{"id","mac","x","y","z"}]} (metres), or a site directory (site.json + plans)
  --in       readings (JSON lines {"t": s, "rssi": {anchorId: dBm}}), packets (unix_s,receiverMAC,beaconMAC,RSSI,…)
             or native read batches (JSON lines of ReadBatch); detected from content unless --format is given
  --out      output file, one JSON line per input line; "-" or absent: standard output
  --format   ${INPUT_FORMATS.join(' | ')}
  --every-ms one output per N ms step (grid-aligned, steps with reads only) instead of one per input line
  --bounds   minX,minY,maxX,maxY: the floor outline (anchors file only; default: anchors' box grown by --margin)
  --margin   metres added around the anchors' box (default 2)`;

/** Maximum malformed-line messages written; the rest are counted. */
const MAX_ISSUE_LINES = 200;

class UsageError extends Error {}
class HelpRequested extends Error {}

function options(argv: string[]): LocateFilesOptions & { out: string | undefined } {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        anchors: { type: 'string' }, in: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' },
        'every-ms': { type: 'string' }, bounds: { type: 'string' }, margin: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (v.help) throw new HelpRequested();
  if (!v.anchors || !v.in) throw new UsageError('--anchors and --in are required');
  const o: LocateFilesOptions & { out: string | undefined } = { anchorsPath: v.anchors, inPath: v.in, out: v.out };
  if (v.format !== undefined) {
    if (!(INPUT_FORMATS as readonly string[]).includes(v.format)) throw new UsageError(`--format must be one of ${INPUT_FORMATS.join(', ')}`);
    o.format = v.format as InputFormat;
  }
  if (v['every-ms'] !== undefined) {
    const n = Number(v['every-ms']);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError('--every-ms must be a positive integer');
    o.everyMs = n;
  }
  if (v.bounds !== undefined && v.margin !== undefined) throw new UsageError('give --bounds or --margin, not both');
  if (v.bounds !== undefined) o.bounds = parseBounds(v.bounds);
  if (v.margin !== undefined) {
    const m = Number(v.margin);
    if (v.margin.trim() === '' || !Number.isFinite(m) || m < 0) throw new UsageError('--margin must be a number of metres >= 0');
    o.marginM = m;
  }
  return o;
}

async function main(argv: string[]): Promise<void> {
  const o = options(argv);
  const r = locateFiles(o);
  const shown = r.issues.slice(0, MAX_ISSUE_LINES);
  for (const i of shown) process.stderr.write(`locate: ${formatIssue(i)}\n`);
  if (r.issues.length > shown.length) process.stderr.write(`locate: … and ${r.issues.length - shown.length} more\n`);

  const text = r.outputs.map((x) => `${formatOutput(x)}\n`).join('');
  if (o.out === undefined || o.out === '-') process.stdout.write(text);
  else {
    const out = createWriteStream(o.out);
    await new Promise<void>((resolve, reject) => {
      out.on('error', reject);
      out.end(text, resolve);
    });
  }
  const s = r.summary;
  const skipped = r.issues.filter((i) => i.scope === 'line').length;
  const dropped = Object.entries(s.dropped).map(([k, n]) => `${k} ${n}`).join(', ');
  process.stderr.write(
    `locate: ${r.format}: ${s.lines} lines used, ${skipped} skipped, ${r.issues.length - skipped} reads dropped at parse; ` +
      `${s.outputs} outputs (${s.located} with a fix), ${s.fixes} fixes, ${s.sessions} session(s)` +
      `${dropped ? `; pipeline dropped: ${dropped}` : ''}\n`,
  );
}

main(process.argv.slice(2)).then(
  () => {
    process.exitCode = 0;
  },
  (err: unknown) => {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${USAGE}\n`);
      process.exitCode = 0;
    } else if (err instanceof UsageError || err instanceof OfflineInputError) {
      process.stderr.write(`locate: ${err.message}\n`);
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`locate: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
