/**
 * A patient band is reused: its history before the current enrolment belongs to the previous wearer (or to nobody),
 * so trail, visits, contacts, position-at and dwell of a patient tag start at its enrolment — even for security,
 * who sees the new patient's name next to it. Equipment history is not affected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrailResponseSchema } from '@rtls/protocol';
import { ICU_IDENTITY, ICU_PATIENT, PUMP, openAuthApi, type AuthApi } from './api-fixture.ts';
import { T0 } from '../io/helpers.ts';

let api: AuthApi;
const enc = encodeURIComponent;

beforeAll(async () => {
  api = await openAuthApi();
});
afterAll(async () => api?.close());

describe('a reused patient band', () => {
  it('shows no history from before its current enrolment, and equipment history is unaffected', async () => {
    const range = `from=${T0 - 3_600_000}&to=${T0 + 3_600_000}`;
    const trail = async (tag: string) =>
      TrailResponseSchema.parse((await api.app.inject({ url: `/api/tags/${enc(tag)}/trail?${range}`, headers: api.t.as('security') })).json()).fixes;
    const before = await trail(ICU_PATIENT);
    expect(before.length).toBeGreaterThan(0); // enrolled before the fixture's history: all of it is the patient's

    // The band is re-enrolled (a new patient) after all of its history.
    api.clock.now = T0 + 90_000; // after the last fixture fix (T0 + 20 s), within the sessions' idle time
    api.t.opened.patients.enrol({ tag: ICU_PATIENT, unit: 'icu', pseudonym: 'Bed 5', category: null, identity: { ...ICU_IDENTITY, mrn: 'MRN-NEW-1', name: 'Next Wearer-Test' } }, 'test');
    expect(await trail(ICU_PATIENT)).toEqual([]);
    const at = await api.app.inject({ url: `/api/tags/${enc(ICU_PATIENT)}/at?t=${before.at(-1)!.t}`, headers: api.t.as('security') });
    expect(at.json().fix).toBeNull();
    const visits = await api.app.inject({ url: `/api/tags/${enc(ICU_PATIENT)}/visits?${range}`, headers: api.t.as('icu-nurse') });
    expect(visits.statusCode).toBe(200);
    expect(visits.json().visits).toEqual([]);
    expect((await trail(PUMP)).length).toBeGreaterThan(0);
  });
});
