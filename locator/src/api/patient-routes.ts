/**
 * Patients bound to tags (issue #6 item 3). Reading identity needs a patient scope with identity (security, clinical
 * for their units, or break-glass); enrolling needs `patients:enrol` (a clinician enrols only into their units).
 * Every identity shown and every enrolment is audited; a failed audit write refuses the access.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Site } from '@rtls/floorplans';
import {
  ErrorBodySchema, PatientEnrolRequestSchema, PatientListResponseSchema, PatientSchema, PatientSearchQuerySchema,
  RtlsError, normaliseTagId, type Patient,
} from '@rtls/protocol';
import type { AccessService } from '../auth/access.ts';
import { pseudonymProblem, type PatientStore } from '../auth/patient-store.ts';
import { seesIdentity, type Viewer } from '../auth/viewer.ts';
import type { Registry } from '../registry/sqlite-registry.ts';
import { viewerOf } from './auth-guard.ts';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema };
const TagParams = z.object({ tag: z.string().min(1).max(200) });
/** Search answers are capped: a look-up finds a patient, it does not list the hospital. */
const SEARCH_LIMIT = 20;

function requireIdentityScope(v: Viewer): void {
  if (v.patientScope === 'pseudonymous') throw new RtlsError('RTLS_ERR_FORBIDDEN', 'Your role does not see patient identity (break-glass if this is an emergency)');
}

export function patientRoutes(access: AccessService, patients: PatientStore, registry: Pick<Registry, 'upsertTags'>, site: Site): FastifyPluginAsyncZod {
  const units = new Set(site.units.map((u) => u.id));
  const tagParam = (raw: string) => {
    const id = normaliseTagId(raw);
    if (!id) throw new RtlsError('RTLS_ERR_BAD_TAG_ID', undefined, [`tag: ${JSON.stringify(raw.slice(0, 64))} is not a tag id`]);
    return id;
  };

  return async (app) => {
    app.get('/api/patients', {
      config: { auth: 'map:view' },
      schema: {
        tags: ['patients'], summary: 'Find patients by name or MRN (roles that see identity; audited)',
        querystring: PatientSearchQuerySchema, response: { 200: PatientListResponseSchema, ...errors },
      },
    }, async (req) => {
      const viewer = viewerOf(req);
      requireIdentityScope(viewer);
      const found = patients.search(req.query.q, 500).filter((p) => seesIdentity(viewer, p.unit)).slice(0, SEARCH_LIMIT);
      // The search text itself may be a name: it is not written to the audit log, only what it revealed.
      access.record(viewer, 'view-identity', 'patients:search', { patients: found.map((p) => p.tag), lookup: found.length > 0, detail: `${found.length} found` });
      return { patients: found };
    });

    app.get('/api/patients/:tag', {
      config: { auth: 'map:view' },
      schema: { tags: ['patients'], summary: "The patient wearing a tag (roles that see identity; audited)", params: TagParams, response: { 200: PatientSchema, ...errors } },
    }, async (req) => {
      const viewer = viewerOf(req);
      requireIdentityScope(viewer);
      const tag = tagParam(req.params.tag);
      const p = patients.patient(tag);
      if (!p || !seesIdentity(viewer, p.unit)) {
        // Another unit's patient answers like no patient: a clinician's scope does not reveal who is elsewhere.
        access.record(viewer, 'view-identity', `tag:${tag}`, { outcome: 'denied' });
        throw new RtlsError('RTLS_ERR_PATIENT_NOT_FOUND');
      }
      access.record(viewer, 'view-identity', `tag:${tag}`, { patients: [tag], lookup: true });
      return p;
    });

    app.post('/api/patients', {
      config: { auth: 'patients:enrol' },
      schema: {
        tags: ['patients'], summary: 'Bind a tag to a patient (the pseudonym is what other roles see); audited',
        body: PatientEnrolRequestSchema, response: { 201: PatientSchema, ...errors },
      },
    }, async (req, reply) => {
      const viewer = viewerOf(req);
      const tag = tagParam(req.body.tag);
      if (units.size > 0 && !units.has(req.body.unit)) {
        throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`unit: no unit ${JSON.stringify(req.body.unit)} in the site (${[...units].join(', ')})`]);
      }
      if (viewer.patientScope === 'identity-units' && !viewer.units.includes(req.body.unit)) {
        throw new RtlsError('RTLS_ERR_FORBIDDEN', 'You can enrol patients only into your own units');
      }
      // Enrolling ends the tag's current binding: a clinician must not end another unit's (and so take over that
      // patient's band, its live position and its history) by enrolling the tag into their own unit.
      const current = patients.binding(tag);
      if (current && viewer.patientScope === 'identity-units' && !viewer.units.includes(current.unit)) {
        access.record(viewer, 'enrol-patient', `tag:${tag}`, { outcome: 'denied', detail: 'bound to a patient of another unit' });
        throw new RtlsError('RTLS_ERR_FORBIDDEN', 'This tag is bound to a patient of another unit: that unit discharges it first');
      }
      // Refused before the audit record is written, so the log never shows an enrolment that did not happen.
      const problem = pseudonymProblem(req.body.pseudonym, req.body.identity);
      if (problem) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [problem]);
      access.record(viewer, 'enrol-patient', `tag:${tag}`, { patients: [tag], detail: `unit=${req.body.unit}` });
      const p: Patient = patients.enrol({ ...req.body, tag }, viewer.username);
      registry.upsertTags([{ id: tag, kind: 'patient', label: p.pseudonym, category: p.category }]);
      return reply.code(201).send(p);
    });

    app.delete('/api/patients/:tag', {
      config: { auth: 'patients:enrol' },
      schema: { tags: ['patients'], summary: "End a tag's patient binding (discharge, band removed); audited", params: TagParams, response: { 204: z.null(), ...errors } },
    }, async (req, reply) => {
      const viewer = viewerOf(req);
      const tag = tagParam(req.params.tag);
      const b = patients.binding(tag);
      if (!b || (viewer.patientScope === 'identity-units' && !viewer.units.includes(b.unit))) throw new RtlsError('RTLS_ERR_PATIENT_NOT_FOUND');
      access.record(viewer, 'enrol-patient', `tag:${tag}`, { patients: [tag], detail: 'discharged' });
      patients.discharge(tag);
      return reply.code(204).send(null);
    });
  };
}
