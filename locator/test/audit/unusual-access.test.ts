import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '@rtls/protocol';
import { openAuditLog, type AuditLog } from '../../src/audit/audit-log.ts';
import { UnusualAccessDetector, type AccessHistory, type UnusualAccessOptions } from '../../src/audit/unusual-access.ts';
import { bleTag, rmDir, tmpDir } from '../io/helpers.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Monday 12 January 2026, 00:00 UTC: winter, Berlin is UTC+1. */
const JAN12 = Date.UTC(2026, 0, 12);
/** Wednesday 15 July 2026, 00:00 UTC: summer, Berlin is UTC+2. */
const JUL15 = Date.UTC(2026, 6, 15);

let seq = 0;
function rec(actor: string, t: number, patients: string[], outcome: 'ok' | 'denied' = 'ok'): AuditRecord {
  seq++;
  return {
    seq, t, actor, role: 'clinical', action: 'view-location', object: 'tag', patients, source: null, outcome,
    breakGlass: false, detail: null, prevHash: '0'.repeat(64), hash: '1'.repeat(64),
  };
}

const noHistory: AccessHistory = () => [];
const manyOpts: UnusualAccessOptions = {
  windowMs: 10 * MIN, maxDistinctPatients: 5, minHistory: 1_000_000, rareHourShare: 0.05, historyDays: 30,
  timeZone: 'Europe/Berlin', cooldownMs: 30 * MIN,
};
const hourOpts: UnusualAccessOptions = {
  windowMs: 10 * MIN, maxDistinctPatients: 1000, minHistory: 50, rareHourShare: 0.05, historyDays: 30,
  timeZone: 'Europe/Berlin', cooldownMs: 30 * MIN,
};

/** Asserts no message leaks a patient tag. */
function expectNoPatientIds(messages: string[], patients: string[]): void {
  for (const m of messages) for (const p of patients) expect(m).not.toContain(p);
  for (const m of messages) expect(m).not.toMatch(/ble:|epc:|ibeacon:/);
}

describe('unusual access: many different patients in a short time', () => {
  it('alarms once the actor has viewed more than maxDistinctPatients different patients within the window', () => {
    const d = new UnusualAccessDetector(manyOpts, noHistory);
    const drafts = [];
    for (let i = 0; i < 5; i++) drafts.push(...d.observe(rec('alice', JAN12 + 9 * HOUR + i * MIN, [bleTag(i)])));
    expect(drafts).toEqual([]);
    const t6 = JAN12 + 9 * HOUR + 5 * MIN;
    const alarm = d.observe(rec('alice', t6, [bleTag(5)]));
    expect(alarm).toHaveLength(1);
    expect(alarm[0]).toMatchObject({ t: t6, kind: 'many-patients', actor: 'alice' });
    expect(alarm[0]!.message).toContain('alice');
    expect(alarm[0]!.message).toContain('6 different patients');
    expectNoPatientIds(alarm.map((a) => a.message), Array.from({ length: 6 }, (_, i) => bleTag(i)));
  });

  it('the window slides: a steady pace that never has more than the threshold in any window raises nothing', () => {
    const d = new UnusualAccessDetector(manyOpts, noHistory);
    // One new patient every 3 minutes: at most 4 distinct within any 10 minutes.
    for (let i = 0; i < 200; i++) expect(d.observe(rec('bob', JAN12 + i * 3 * MIN, [bleTag(i)]))).toEqual([]);
    // The same pace at one every 100 s puts 6 in a window.
    const fast = new UnusualAccessDetector(manyOpts, noHistory);
    const kinds = Array.from({ length: 10 }, (_, i) => fast.observe(rec('bob', JAN12 + i * 100_000, [bleTag(i)]))).flat();
    expect(kinds.map((k) => k.kind)).toEqual(['many-patients']);
  });

  it('the same patient viewed again and again counts once', () => {
    const d = new UnusualAccessDetector(manyOpts, noHistory);
    for (let i = 0; i < 100; i++) expect(d.observe(rec('carol', JAN12 + i * 1000, [bleTag(1), bleTag(2)]))).toEqual([]);
  });

  it('one record that shows many patients (an export) is enough', () => {
    const d = new UnusualAccessDetector(manyOpts, noHistory);
    const out = d.observe(rec('dave', JAN12, Array.from({ length: 6 }, (_, i) => bleTag(i))));
    expect(out.map((a) => a.kind)).toEqual(['many-patients']);
  });

  it('denied records and records without patients do not count', () => {
    const d = new UnusualAccessDetector(manyOpts, noHistory);
    for (let i = 0; i < 20; i++) {
      expect(d.observe(rec('erin', JAN12 + i * 1000, [bleTag(i)], 'denied'))).toEqual([]);
      expect(d.observe(rec('erin', JAN12 + i * 1000, []))).toEqual([]);
    }
    // Only the ok ones: 5 distinct → still quiet.
    for (let i = 0; i < 5; i++) expect(d.observe(rec('erin', JAN12 + 30_000 + i, [bleTag(100 + i)]))).toEqual([]);
  });

  it('actors are counted separately', () => {
    const d = new UnusualAccessDetector(manyOpts, noHistory);
    for (let i = 0; i < 5; i++) {
      expect(d.observe(rec('frank', JAN12 + i * 1000, [bleTag(i)]))).toEqual([]);
      expect(d.observe(rec('grace', JAN12 + i * 1000, [bleTag(10 + i)]))).toEqual([]);
    }
  });

  it('cool-down: after an alarm the same actor stays quiet for cooldownMs, then alarms again if it goes on', () => {
    const d = new UnusualAccessDetector(manyOpts, noHistory);
    let n = 0;
    const burst = (actor: string, t0: number) =>
      Array.from({ length: 8 }, (_, i) => d.observe(rec(actor, t0 + i * 1000, [bleTag(n++)]))).flat();
    const first = burst('heidi', JAN12);
    expect(first).toHaveLength(1);
    // Within the cool-down: another burst, quiet.
    expect(burst('heidi', JAN12 + 15 * MIN)).toEqual([]);
    // Another actor is not muted by heidi's cool-down.
    expect(burst('ivan', JAN12 + 15 * MIN)).toHaveLength(1);
    // After the cool-down: alarms again.
    const later = burst('heidi', first[0]!.t + manyOpts.cooldownMs);
    expect(later).toHaveLength(1);
    expect(later[0]!.t).toBeGreaterThanOrEqual(first[0]!.t + manyOpts.cooldownMs);
  });
});

/** Day-shift history: 4 look-ups a day at the given local Berlin hours in January (UTC+1), for `days` days before JAN12. */
function dayShiftHistory(days: number, berlinHours = [8, 10, 13, 16]): number[] {
  const out: number[] = [];
  for (let d = 1; d <= days; d++) for (const h of berlinHours) out.push(JAN12 - d * DAY + (h - 1) * HOUR + 20 * MIN);
  return out;
}
const fromList = (times: number[]): AccessHistory => (_actor, since) => times.filter((t) => t >= since);

describe('unusual access: patient look-ups at an hour unusual for that user', () => {
  it('a day-shift nurse looking up a patient at 03:10 Berlin time raises unusual-hour; day hours do not', () => {
    const d = new UnusualAccessDetector(hourOpts, fromList(dayShiftHistory(30)));
    const night = d.observe(rec('judy', JAN12 + 2 * HOUR + 10 * MIN, [bleTag(1)])); // 03:10 CET
    expect(night).toHaveLength(1);
    expect(night[0]).toMatchObject({ kind: 'unusual-hour', actor: 'judy', t: JAN12 + 2 * HOUR + 10 * MIN });
    expect(night[0]!.message).toContain('03:00 Europe/Berlin');
    expectNoPatientIds(night.map((a) => a.message), [bleTag(1)]);
    const d2 = new UnusualAccessDetector(hourOpts, fromList(dayShiftHistory(30)));
    for (const berlinHour of [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]) {
      expect(d2.observe(rec('judy', JAN12 + (berlinHour - 1) * HOUR + 5 * MIN, [bleTag(1)]))).toEqual([]);
    }
    // 18:xx is two hours from her last usual hour (16): unusual.
    expect(d2.observe(rec('judy', JAN12 + 17 * HOUR + 5 * MIN, [bleTag(1)])).map((a) => a.kind)).toEqual(['unusual-hour']);
  });

  it('without minHistory look-ups on record there is no baseline and no unusual-hour alarm', () => {
    const history = dayShiftHistory(10); // 40 < 50
    const d = new UnusualAccessDetector(hourOpts, fromList(history));
    expect(d.observe(rec('ken', JAN12 + 2 * HOUR, [bleTag(1)]))).toEqual([]);
    // Look-ups older than historyDays are not part of the baseline either.
    const old = dayShiftHistory(60).filter((t) => t < JAN12 - 31 * DAY);
    expect(old.length).toBeGreaterThanOrEqual(50);
    expect(new UnusualAccessDetector(hourOpts, fromList(old)).observe(rec('ken', JAN12 + 2 * HOUR, [bleTag(1)]))).toEqual([]);
  });

  it('a share at or above rareHourShare is not unusual', () => {
    // 5 of 100 look-ups at 03:xx: share exactly 5 % with rareHourShare 5 %.
    const history = [...dayShiftHistory(24).slice(0, 95), ...Array.from({ length: 5 }, (_, i) => JAN12 - (i + 1) * DAY + 2 * HOUR)];
    const d = new UnusualAccessDetector(hourOpts, fromList(history));
    expect(d.observe(rec('liz', JAN12 + 2 * HOUR + 30 * MIN, [bleTag(1)]))).toEqual([]);
    const stricter = new UnusualAccessDetector({ ...hourOpts, rareHourShare: 0.06 }, fromList(history));
    expect(stricter.observe(rec('liz', JAN12 + 2 * HOUR + 30 * MIN, [bleTag(1)])).map((a) => a.kind)).toEqual(['unusual-hour']);
  });

  it('hours are circular: 23:xx is next to 00:xx', () => {
    const opts = { ...hourOpts, timeZone: 'UTC', minHistory: 20 };
    const history = Array.from({ length: 60 }, (_, i) => JAN12 - (i + 1) * DAY + 30 * MIN); // 00:30 UTC daily
    expect(new UnusualAccessDetector(opts, fromList(history)).observe(rec('mo', JAN12 - 30 * MIN, [bleTag(1)]))).toEqual([]); // 23:30
    expect(new UnusualAccessDetector(opts, fromList(history)).observe(rec('mo', JAN12 + HOUR + 30 * MIN, [bleTag(1)]))).toEqual([]); // 01:30
    expect(new UnusualAccessDetector(opts, fromList(history)).observe(rec('mo', JAN12 - 90 * MIN, [bleTag(1)])).map((a) => a.kind))
      .toEqual(['unusual-hour']); // 22:30
  });

  it('hours are local: a winter habit of 09:30 Berlin makes 08:30 summer time (06:30 UTC) usual in Berlin, unusual in UTC', () => {
    // Every day of January at 08:30 UTC = 09:30 CET.
    const history = Array.from({ length: 31 }, (_, i) => Date.UTC(2026, 0, 1 + i, 8, 30));
    const opts = { ...hourOpts, minHistory: 20, historyDays: 365 };
    const summerMorning = JUL15 + 6 * HOUR + 30 * MIN; // 08:30 CEST
    expect(new UnusualAccessDetector(opts, fromList(history)).observe(rec('nina', summerMorning, [bleTag(1)]))).toEqual([]);
    const utc = new UnusualAccessDetector({ ...opts, timeZone: 'UTC' }, fromList(history));
    expect(utc.observe(rec('nina', summerMorning, [bleTag(1)])).map((a) => a.kind)).toEqual(['unusual-hour']);
  });

  it('local hours match Intl in zones with half- and quarter-hour offsets and DST', () => {
    for (const timeZone of ['Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe']) {
      const d = new UnusualAccessDetector({ ...hourOpts, timeZone }, noHistory);
      const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' });
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 23 * MIN + 13_000) {
        expect(d.localHour(t), `${timeZone} ${new Date(t).toISOString()}`).toBe(Number(fmt.format(t)) % 24);
      }
    }
  });

  it('an unknown time zone is refused at construction', () => {
    expect(() => new UnusualAccessDetector({ ...hourOpts, timeZone: 'Mars/Olympus_Mons' }, noHistory)).toThrow(RangeError);
  });

  it('cool-down applies to unusual-hour too', () => {
    const d = new UnusualAccessDetector(hourOpts, fromList(dayShiftHistory(30)));
    const out = [0, 10, 20, 29].flatMap((m) => d.observe(rec('olga', JAN12 + 2 * HOUR + m * MIN, [bleTag(m)])));
    expect(out.map((a) => a.kind)).toEqual(['unusual-hour']);
    expect(d.observe(rec('olga', JAN12 + 2 * HOUR + 30 * MIN, [bleTag(1)])).map((a) => a.kind)).toEqual(['unusual-hour']);
  });

  it('history is read once per actor per hour, from historyDays before the hour; the current hour is never its own baseline', () => {
    const calls: { actor: string; since: number }[] = [];
    // The log already holds this hour's look-ups (the caller appends before observing): they must not make 03:xx usual.
    const thisHour = Array.from({ length: 100 }, (_, i) => JAN12 + 2 * HOUR + i * 1000);
    const history: AccessHistory = (actor, since) => {
      calls.push({ actor, since });
      return [...dayShiftHistory(30), ...thisHour].filter((t) => t >= since);
    };
    const d = new UnusualAccessDetector({ ...hourOpts, cooldownMs: 0 }, history);
    const hourStart = JAN12 + 2 * HOUR;
    for (let i = 0; i < 20; i++) {
      expect(d.observe(rec('pat', hourStart + 40 * MIN + i * 1000, [bleTag(i)])).map((a) => a.kind)).toEqual(['unusual-hour']);
    }
    d.observe(rec('quinn', hourStart + 50 * MIN, [bleTag(1)]));
    d.observe(rec('pat', hourStart + 59 * MIN, [bleTag(1)]));
    d.observe(rec('pat', hourStart, [bleTag(1)], 'denied')); // not a look-up: no history read
    expect(calls).toEqual([
      { actor: 'pat', since: hourStart - 30 * DAY },
      { actor: 'quinn', since: hourStart - 30 * DAY },
    ]);
    d.observe(rec('pat', hourStart + HOUR, [bleTag(1)]));
    expect(calls).toHaveLength(3);
    expect(calls[2]).toEqual({ actor: 'pat', since: hourStart + HOUR - 30 * DAY });
  });
});

describe('unusual access over the real audit log', () => {
  let dir: string | null = null;
  let log: AuditLog | null = null;
  afterEach(() => {
    log?.close();
    if (dir) rmDir(dir);
    log = null;
    dir = null;
  });

  it('a baseline learned from patientAccessTimes flags a night look-up by a day-shift user, and a burst of patients', () => {
    dir = tmpDir('rtls-audit-ua-');
    let now = 0;
    log = openAuditLog(dir, { clock: () => now });
    for (const t of dayShiftHistory(25)) {
      now = t;
      log.append({ actor: 'rosa', role: 'clinical', action: 'view-location', object: 'tag', patients: [bleTag(t % 7)] });
      log.append({ actor: 'rosa', role: 'clinical', action: 'login', object: 'user:rosa' }); // no patients: not in the baseline
    }
    const l = log;
    const d = new UnusualAccessDetector({ ...hourOpts, maxDistinctPatients: 5 }, (actor, since) => l.patientAccessTimes(actor, since));
    now = JAN12 + 9 * HOUR; // 10:00 CET
    expect(d.observe(log.append({ actor: 'rosa', role: 'clinical', action: 'view-location', object: 'tag', patients: [bleTag(1)] }))).toEqual([]);
    const burst = [];
    for (let i = 0; i < 6; i++) {
      now = JAN12 + 9 * HOUR + 10 * MIN + i * 1000;
      burst.push(...d.observe(log.append({ actor: 'rosa', role: 'clinical', action: 'view-location', object: 'tag', patients: [bleTag(100 + i)] })));
    }
    expect(burst.map((a) => a.kind)).toEqual(['many-patients']);
    now = JAN12 + 23 * HOUR; // 00:00 CET
    const night = d.observe(log.append({ actor: 'rosa', role: 'clinical', action: 'view-history', object: 'tag', patients: [bleTag(2)] }));
    expect(night.map((a) => a.kind)).toEqual(['unusual-hour']);
    expect(log.verify().ok).toBe(true);
  });
});
