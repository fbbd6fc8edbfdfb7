/**
 * CSV for history exports (issue #5 item 4), RFC 4180: fields with a comma, quote, CR or LF are quoted and quotes
 * doubled. A field starting with = + - @ (or tab/CR) is prefixed with a single quote so a spreadsheet does not run it
 * as a formula (OWASP "CSV injection") — numbers are written as numbers and never prefixed.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) lines.push(r.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
