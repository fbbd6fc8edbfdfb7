/**
 * Splits a text of JSON values written back to back (`{…}{…}`, or separated by whitespace/newlines) into its values.
 * Zebra's IoT Connector does this over WebSocket (issue #4). Only the top-level boundaries are found here, by
 * tracking brackets outside strings; each piece is then parsed by JSON.parse, so no JSON is interpreted by hand.
 */

/**
 * The values, or null when the text is not a sequence of JSON objects/arrays. Stops after `maxValues` + 1 values so
 * an oversized stream is cheap to refuse.
 */
export function parseConcatenatedJson(text: string, maxValues: number): unknown[] | null {
  const values: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
    if (i >= n) break;
    if (text[i] !== '{' && text[i] !== '[') return null;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) break;
        if (depth < 0) return null;
      }
    }
    if (depth !== 0 || i >= n) return null;
    i++;
    try {
      values.push(JSON.parse(text.slice(start, i)) as unknown);
    } catch {
      return null;
    }
    // Past the caller's limit the rest is not worth parsing: the caller rejects the message as too many reads.
    if (values.length > maxValues) return values;
  }
  return values.length > 0 ? values : null;
}
