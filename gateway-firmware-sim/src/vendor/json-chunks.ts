/**
 * Splits the elements of a JSON array message so no message exceeds a byte budget. Batching formats (Zebra's data
 * batching, Minew JSON-LONG, MOKO scan data) send one array per report period; a crowded gateway's array must still
 * fit the broker's packet limit, which a real gateway respects by sending several reports.
 */
import { Buffer } from 'node:buffer';

/**
 * Groups already-serialised elements (`items`, JSON text) so that `overheadBytes` plus the elements and their commas
 * stays within `maxBytes`. An element that alone exceeds the budget travels alone (the broker then refuses it, which
 * is what would happen to the real gateway too). Order is kept; an empty input gives no groups.
 */
export function packJsonElements(items: readonly string[], overheadBytes: number, maxBytes: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let size = overheadBytes;
  for (const item of items) {
    const bytes = Buffer.byteLength(item, 'utf8') + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && size + bytes > maxBytes) {
      groups.push(current);
      current = [];
      size = overheadBytes;
    }
    size += Buffer.byteLength(item, 'utf8') + (current.length > 0 ? 1 : 0);
    current.push(item);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
