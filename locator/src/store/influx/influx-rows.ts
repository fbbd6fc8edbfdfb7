/**
 * InfluxQL rows back into fixes and zone events (the inverse of line-protocol.ts), pure. A row is one point's tags
 * and fields by column name (influx-query.ts rowsOf). A fix's time is t_ms when the row has it — a GROUP BY time()
 * row's `time` is the bucket start — else the point time.
 */
import type { Fix, FixMethod, ZoneEvent } from '@rtls/protocol';
import { decodeEvidence } from './line-protocol.ts';
import type { InfluxRow } from './influx-query.ts';

function num(row: InfluxRow, col: string): number {
  const v = row[col];
  if (typeof v !== 'number') throw new Error(`InfluxDB row: column ${col} is ${JSON.stringify(v)}, expected a number`);
  return v;
}

function str(row: InfluxRow, col: string): string {
  const v = row[col];
  if (typeof v !== 'string') throw new Error(`InfluxDB row: column ${col} is ${JSON.stringify(v)}, expected a string`);
  return v;
}

function optStr(row: InfluxRow, col: string): string {
  const v = row[col];
  return typeof v === 'string' ? v : '';
}

export function fixFromRow(row: InfluxRow): Fix {
  const room = optStr(row, 'room');
  const zones = optStr(row, 'zones');
  return {
    tag: str(row, 'tag'),
    t: typeof row.t_ms === 'number' ? row.t_ms : num(row, 'time'),
    floor: str(row, 'floor'),
    x: num(row, 'x'),
    y: num(row, 'y'),
    accuracyM: num(row, 'accuracy_m'),
    confidence: num(row, 'confidence'),
    room: room === '' ? null : room,
    zones: zones === '' ? [] : zones.split(','),
    method: str(row, 'method') as FixMethod,
    evidence: decodeEvidence(optStr(row, 'evidence')),
  };
}

export function zoneEventFromRow(row: InfluxRow): ZoneEvent {
  const kind = str(row, 'event');
  if (kind !== 'enter' && kind !== 'exit') throw new Error(`InfluxDB row: event is ${JSON.stringify(kind)}`);
  const e: ZoneEvent = { tag: str(row, 'tag'), t: num(row, 'time'), floor: str(row, 'floor'), zone: str(row, 'zone'), kind };
  if (typeof row.dwell_ms === 'number') e.dwellMs = row.dwell_ms;
  return e;
}

/** Zone-event order: time, then enter before exit (HistoryStore), then zone and tag so equal times sort the same way everywhere. */
export function compareZoneEvents(a: ZoneEvent, b: ZoneEvent): number {
  return a.t - b.t || (a.kind === b.kind ? 0 : a.kind === 'enter' ? -1 : 1) || cmp(a.zone, b.zone) || cmp(a.tag, b.tag);
}

/** Fix order for floor queries: (t, tag). */
export function compareFixesByTimeThenTag(a: Fix, b: Fix): number {
  return a.t - b.t || cmp(a.tag, b.tag);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
