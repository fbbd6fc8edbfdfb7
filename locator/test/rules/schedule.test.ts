import { describe, expect, it } from 'vitest';
import { compileSchedule, createLocalClock } from '../../src/rules/schedule.ts';
import { AT, MIN, S, fix, harness, rule, summary, tagId } from './helpers.ts';

const A = tagId(1);
const berlin = createLocalClock('Europe/Berlin');
/** Berlin is UTC+1 in early March 2024 (summer time starts on 31 March). 2024-03-01 is a Friday. */
const local = (day: number, hh: number, mm = 0) => Date.UTC(2024, 2, day, hh - 1, mm);

describe('local time', () => {
  it('gives the weekday and minute of day in the time zone, not in UTC', () => {
    expect(berlin(local(1, 22, 30))).toEqual({ day: 5, minute: 22 * 60 + 30 });
    expect(berlin(Date.UTC(2024, 2, 1, 23, 30))).toEqual({ day: 6, minute: 30 });
    expect(createLocalClock('America/New_York')(Date.UTC(2024, 2, 2, 3, 0))).toEqual({ day: 5, minute: 22 * 60 });
    // Summer time in Berlin: UTC+2.
    expect(berlin(Date.UTC(2024, 6, 1, 12, 0))).toEqual({ day: 1, minute: 14 * 60 });
  });

  it('rejects an unknown time zone at creation', () => {
    expect(() => createLocalClock('Mars/Olympus')).toThrow(RangeError);
  });
});

describe('schedules', () => {
  it('a window across midnight belongs to the day it starts on', () => {
    const fridayNight = compileSchedule({ days: [5], from: '22:00', to: '06:00' });
    const at = (t: number) => fridayNight(berlin(t));
    expect(at(local(1, 21, 59))).toBe(false);
    expect(at(local(1, 22, 0))).toBe(true);
    expect(at(local(2, 0, 0))).toBe(true);
    expect(at(local(2, 5, 59))).toBe(true);
    expect(at(local(2, 6, 0))).toBe(false);
    expect(at(local(2, 22, 30))).toBe(false); // Saturday night is not listed
    expect(at(local(1, 5, 30))).toBe(false); // Friday early morning belongs to Thursday's window
    // In UTC, Friday 21:30 would be outside the window; in Berlin it is 22:30, inside.
    expect(at(Date.UTC(2024, 2, 1, 21, 30))).toBe(true);
  });

  it('a daytime window, and from = to meaning the whole day', () => {
    const office = compileSchedule({ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' });
    expect(office(berlin(local(4, 8, 0)))).toBe(true);
    expect(office(berlin(local(4, 18, 0)))).toBe(false);
    expect(office(berlin(local(3, 12, 0)))).toBe(false); // Sunday
    const sundays = compileSchedule({ days: [0], from: '00:00', to: '00:00' });
    expect(sundays(berlin(local(3, 0, 0)))).toBe(true);
    expect(sundays(berlin(local(3, 23, 59)))).toBe(true);
    expect(sundays(berlin(local(4, 0, 0)))).toBe(false);
  });
});

describe('rules with schedules in the engine', () => {
  const night = rule('night', { kind: 'zone-enter', zones: ['L0-zone-or-restricted'] }, { schedule: { from: '22:00', to: '06:00' } });

  it('is disarmed outside its window (conditions clear on tick) and re-arms at the next window', () => {
    const h = harness({ rules: [night], timeZone: 'Europe/Berlin' });
    let t = local(4, 21, 58);
    const park = (to: number) => {
      for (; t <= to; t += 30 * S) {
        h.run(h.engine.fix(fix(A, t, AT.theatre1)));
        h.run(h.engine.tick(t + 500));
      }
    };
    park(local(4, 21, 59));
    expect(h.log).toEqual([]);
    park(local(5, 5, 59));
    expect(summary(h.log)).toEqual([`+night|${A}|L0-zone-or-restricted`]);
    expect(h.log[0]!.t).toBe(local(4, 22, 0));
    const [down] = h.engine.tick(local(5, 6, 0));
    expect(down).toMatchObject({ active: false, t: local(5, 6, 0) });
    expect(down!.evidence).toMatchObject({ room: 'L0-or-1', detail: "outside the rule's schedule" });
    h.log.push(down!);
    // A fix dated a moment before 06:00 but arriving after the tick does not re-raise (no flapping at the edge).
    expect(h.engine.fix(fix(A, local(5, 5, 59) + 45 * S, AT.theatre1))).toEqual([]);
    t = local(5, 6, 0) + 30 * S;
    park(local(5, 21, 59));
    expect(h.log).toHaveLength(2);
    park(local(5, 22, 1));
    expect(summary(h.log.slice(2))).toEqual([`+night|${A}|L0-zone-or-restricted`]);
  });

  it('a timed condition whose threshold passed while disarmed is dated at the arming moment', () => {
    const r = rule('long', { kind: 'inside-too-long', zones: ['L0-zone-or-restricted'], minutes: 10 }, { schedule: { from: '22:00', to: '06:00' } });
    const h = harness({ rules: [r], timeZone: 'Europe/Berlin' });
    h.run(h.engine.fix(fix(A, local(4, 20, 0), AT.theatre1)));
    for (let t = local(4, 20, 0); t <= local(4, 22, 5); t += MIN) h.run(h.engine.tick(t));
    expect(h.log).toHaveLength(1);
    expect(h.log[0]).toMatchObject({ active: true, t: local(4, 22, 0) });
  });

  it('read-driven conditions respect the schedule too', () => {
    const h = harness({ rules: [rule('bat', { kind: 'low-battery' }, { schedule: { days: [1], from: '08:00', to: '18:00' } })], timeZone: 'Europe/Berlin' });
    expect(h.engine.tagSeen(A, local(3, 12, 0), 5, undefined)).toEqual([]); // Sunday
    expect(summary(h.engine.tagSeen(A, local(4, 12, 0), 5, undefined))).toEqual([`+bat|${A}|`]);
    expect(summary(h.engine.tick(local(4, 18, 0)))).toEqual([`-bat|${A}|`]);
  });
});
