/**
 * Alarms as a viewer may see them (issue #6 scoping applied to issue #7): an alarm about a patient is shown exactly
 * like the patient's tag — not at all to a clinician of another unit, with identity only for scopes that include it —
 * and as it leaves the building (webhooks, MQTT) without identity. Pure.
 *
 * Stored alarms never hold identity: `subject.patient` is written at opening with the unit the patient was enrolled
 * in then and `identity: null`. Identity is looked up at view time, and only from the enrolment the alarm belongs
 * to: a band reused for another patient later must not put the new patient's name on an old alarm.
 */
import type { Alarm, AlarmNotification, PatientIdentity } from '@rtls/protocol';
import { seesIdentity, seesTag, type Viewer } from '../auth/viewer.ts';

/** The patient store's look-ups this needs (PatientStore satisfies it). */
export interface AlarmPatientLookup {
  binding(tag: string): { unit: string; enrolledAt: number } | undefined;
  patient(tag: string): { identity: PatientIdentity } | undefined;
}

/** The patient tag an alarm is about, or null (equipment, consumables, gateways). */
export function alarmPatientTag(a: Alarm): string | null {
  if (a.subject.type !== 'tag') return null;
  return a.subject.kind === 'patient' || a.subject.patient !== undefined ? a.subject.id : null;
}

/** The alarm for this viewer, or null when its subject is a patient the viewer may not see. */
export function projectAlarm(v: Viewer, a: Alarm, patients: AlarmPatientLookup): Alarm | null {
  if (a.subject.type !== 'tag') return a;
  const tag = a.subject.id;
  const b = patients.binding(tag);
  // The current enrolment speaks for this alarm only if it began before the alarm opened.
  const current = b && b.enrolledAt <= a.openedAt ? b : undefined;
  const unit = a.subject.patient?.unit ?? current?.unit;
  if (a.subject.kind !== 'patient' && unit === undefined) return a;
  if (!seesTag(v, 'patient', unit)) return null;
  if (unit === undefined) return a;
  const identity = current !== undefined && current.unit === unit && seesIdentity(v, unit) ? patients.patient(tag)?.identity ?? null : null;
  return { ...a, subject: { ...a.subject, patient: { unit, identity } } };
}

/**
 * What webhooks and the MQTT alarms topic carry (protocol AlarmNotificationSchema): receivers are systems, not people
 * with roles, so never identity; the subject's label is already its pseudonym, and the unit stays (pagers and nurse
 * call route by unit).
 */
export function externalNotification(n: AlarmNotification): AlarmNotification {
  const s = n.alarm.subject;
  const subject = s.patient ? { ...s, patient: { unit: s.patient.unit, identity: null } } : s;
  return { event: n.event, alarm: { ...n.alarm, subject } };
}
