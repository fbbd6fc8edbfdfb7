/**
 * Rule schedules (issue #7 item 1: "rules apply … with schedules"): is a rule armed at a given moment, in the site's
 * local time. Pure: the moment comes from the data (fix or read time) or from tick(now), never from a clock.
 */
import type { Schedule } from '@rtls/protocol';

export interface LocalTime {
  /** Day of week, 0 = Sunday (as Schedule.days). */
  day: number;
  /** Minutes since local midnight, 0…1439. */
  minute: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const MINUTE_MS = 60_000;
const CACHE_LIMIT = 4096;

/**
 * Local weekday and minute of day of an epoch-ms time in an IANA time zone. Intl formatting costs microseconds, and
 * the engine asks for every fix of a scheduled rule, so results are cached per UTC minute: every UTC offset in use
 * today is a whole number of minutes, so all instants of one UTC minute share the local minute.
 * Throws RangeError for an unknown time zone (at creation, so a misconfigured zone fails at start).
 */
export function createLocalClock(timeZone: string): (t: number) => LocalTime {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit' });
  const cache = new Map<number, LocalTime>();
  return (t: number): LocalTime => {
    const key = Math.floor(t / MINUTE_MS);
    const hit = cache.get(key);
    if (hit) return hit;
    let day = 0;
    let hour = 0;
    let minute = 0;
    for (const p of fmt.formatToParts(key * MINUTE_MS)) {
      if (p.type === 'weekday') day = WEEKDAYS[p.value] ?? 0;
      else if (p.type === 'hour') hour = Number(p.value) % 24;
      else if (p.type === 'minute') minute = Number(p.value);
    }
    const local = { day, minute: hour * 60 + minute };
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, local);
    return local;
  };
}

export type ScheduleTest = (local: LocalTime) => boolean;

const hhmm = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * Whether a schedule is armed at a local time. `from` ≤ `to`: armed on the listed days from `from` (inclusive) to
 * `to` (exclusive). `from` > `to` spans midnight: the window belongs to the day it starts on, so "Fri 22:00–06:00"
 * is armed late on Friday and early on Saturday, not early on Friday. `from` = `to`: the whole of the listed days.
 */
export function compileSchedule(s: Schedule): ScheduleTest {
  const days = new Set(s.days);
  const from = hhmm(s.from);
  const to = hhmm(s.to);
  if (from === to) return (l) => days.has(l.day);
  if (from < to) return (l) => days.has(l.day) && l.minute >= from && l.minute < to;
  return (l) => (days.has(l.day) && l.minute >= from) || (days.has((l.day + 6) % 7) && l.minute < to);
}
