/** Plain-text tables for the console (numbers right-aligned, thousands separated). */

export type Cell = string | number | null | undefined;

function show(c: Cell): string {
  if (c === null || c === undefined) return '–';
  if (typeof c === 'number') {
    if (Number.isNaN(c)) return 'n/a';
    return c.toLocaleString('en-US', { maximumFractionDigits: 2 });
  }
  return c;
}

export function renderTable(title: string, headers: readonly string[], rows: readonly (readonly Cell[])[], notes: readonly string[] = []): string {
  const text = rows.map((r) => r.map(show));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [
    title,
    '='.repeat(title.length),
    line(headers),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map(line),
    ...notes.map((n) => `  ${n}`),
    '',
  ].join('\n');
}
