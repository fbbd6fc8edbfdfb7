/**
 * History routes (issue #5 item 4): where a tag was (trail, position at a time), where it went and for how long
 * (visits, dwell per day), who was in a zone, who was near a tag (contacts). The stores answer raw questions; the
 * composition is history-queries.ts, shared by both stores. Every answer is JSON by default or CSV with `format=csv`;
 * `deidentify=true` replaces patient ids and labels with pseudonyms numbered per export (consistent within it, never
 * across exports).
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import type { Site } from '@rtls/floorplans';
import {
  ContactsQuerySchema, ContactsResponseSchema, DwellQuerySchema, DwellResponseSchema, ErrorBodySchema, ExportOptionsSchema,
  HISTORY_MAX_RANGE_MS, PositionAtQuerySchema, PositionAtResponseSchema, RtlsError, SlugSchema, TagVisitsQuerySchema,
  TagVisitsResponseSchema, TrailQuerySchema, TrailResponseSchema, ZoneVisitsQuerySchema, ZoneVisitsResponseSchema,
  normaliseTagId, type Clock, type Contact, type Fix, type TagKind, type Visit,
} from '@rtls/protocol';
import type { HistoryStore } from '../store/history-store.ts';
import { contactsFrom, dwellByDay, visitsFromEvents } from '../store/history-queries.ts';
import type { LiveState } from '../state/live-state.ts';
import { toCsv } from './csv.ts';
import type { AccessService } from '../auth/access.ts';
import { projectTag, type Viewer } from '../auth/viewer.ts';
import { viewerOf } from './auth-guard.ts';
import type { FastifyRequest } from 'fastify';

export interface HistoryRouteDeps {
  site: Site;
  state: LiveState;
  store: HistoryStore;
  clock: Clock;
  /** Who may see which patient, and the audit of what they saw (issue #6). */
  access: AccessService;
}

// Every history answer can be exported: the query schemas plus format / deidentify.
const TrailQuery = TrailQuerySchema.extend(ExportOptionsSchema.shape);
const TagVisitsQuery = TagVisitsQuerySchema.extend(ExportOptionsSchema.shape);
const ZoneVisitsQuery = ZoneVisitsQuerySchema.extend(ExportOptionsSchema.shape);
const ContactsQuery = ContactsQuerySchema.extend(ExportOptionsSchema.shape);
const DwellQuery = DwellQuerySchema.extend(ExportOptionsSchema.shape);

const TagParams = z.object({ id: z.string().min(1).max(200) });
const ZoneParams = z.object({ id: z.string().min(1).max(200) });
const errors = { 400: ErrorBodySchema, 404: ErrorBodySchema };
/** Contact tracing looks at most this far around the index tag, m (bounds the floor query's area). */
const CONTACT_BOX_MARGIN_M = 50;
/** Events read per zone/tag selection; beyond it the answer says so with a 400 rather than silently truncating. */
const MAX_EVENTS = 200_000;

/** Per-export pseudonyms: the first patient seen is "patient-0001", and so on (issue #5: de-identified for research). */
class Pseudonyms {
  readonly #map = new Map<string, string>();
  constructor(readonly kindOf: (tag: string) => TagKind | undefined) {}
  id(tag: string): string {
    if (this.kindOf(tag) !== 'patient') return tag;
    let p = this.#map.get(tag);
    if (!p) this.#map.set(tag, (p = `patient-${String(this.#map.size + 1).padStart(4, '0')}`));
    return p;
  }
}

function checkRange(from: number, to: number): void {
  if (from > to) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, ['from: must not be after to']);
  if (to - from > HISTORY_MAX_RANGE_MS) {
    throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`to: a range may span at most ${HISTORY_MAX_RANGE_MS / 86_400_000} days`]);
  }
}

/** Sends CSV past the JSON response schema (a string body with a text/csv type is not serialised). */
function sendCsv(reply: FastifyReply, name: string, header: string[], rows: unknown[][]): FastifyReply {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(toCsv(header, rows));
}

const fixRow = (f: Fix, id: string) => [id, new Date(f.t).toISOString(), f.t, f.floor, f.x, f.y, f.room ?? '', f.zones.join(' '), f.accuracyM, f.confidence, f.method];
const FIX_HEADER = ['tag', 'time', 't_ms', 'floor', 'x_m', 'y_m', 'room', 'zones', 'accuracy_m', 'confidence', 'method'];
const visitRow = (v: Visit, id: string) => [id, v.zone, v.floor, new Date(v.from).toISOString(), new Date(v.to).toISOString(), v.dwellMs, v.complete];
const VISIT_HEADER = ['tag', 'zone', 'floor', 'from', 'to', 'dwell_ms', 'complete'];

export function historyRoutes(deps: HistoryRouteDeps): FastifyPluginAsyncZod {
  const { site, state, store, clock, access } = deps;
  const kindOf = (tag: string): TagKind | undefined => state.getTag(tag)?.kind;
  /** May this viewer see the tag at all (a clinician: not another unit's patients)? */
  const visible = (v: Viewer, tag: string): boolean => projectTag(v, state.summary(tag), access) !== null;
  const isPatient = (tag: string) => kindOf(tag) === 'patient';
  /**
   * A band is reused: what it did before its current enrolment belongs to someone else (or to nobody), so a
   * patient tag's own history starts at its enrolment — otherwise a nurse enrolling a reused band would see, under
   * the new patient's name, where the previous wearer went.
   */
  const sinceEnrolment = (tag: string, from: number): number => {
    const enrolledAt = access.deps.patients.binding(tag)?.enrolledAt;
    return enrolledAt !== undefined && from < enrolledAt ? enrolledAt : from;
  };

  /**
   * Audits a history answer before it is sent: one record naming every patient it shows. A CSV is an export.
   * `lookup`: the question named one tag (its trail, visits, contacts), which the unusual-access rules count.
   */
  const audit = (req: FastifyRequest, object: string, tags: Iterable<string>, csv: boolean, lookup: boolean) => {
    const patients = [...new Set([...tags].filter(isPatient))];
    if (patients.length === 0 && !csv) return;
    access.record(viewerOf(req), csv ? 'export' : 'view-history', object, { patients, lookup: lookup && patients.length > 0, detail: (req.raw.url ?? '').split('?')[1]?.slice(0, 300) ?? null });
  };
  const zoneIds = new Set(site.floors.flatMap((f) => [...f.rooms.map((r) => r.properties.id), ...f.zones.map((z) => z.properties.id)]));

  const knownTag = (req: FastifyRequest, raw: string): string => {
    const id = normaliseTagId(raw);
    if (!id) throw new RtlsError('RTLS_ERR_BAD_TAG_ID', undefined, [`id: ${JSON.stringify(raw.slice(0, 64))} is not a ble:, ibeacon: or epc: id`]);
    // Another unit's patient answers like an unknown tag for a clinician (no existence oracle).
    if (!state.getTag(id) || !visible(viewerOf(req), id)) throw new RtlsError('RTLS_ERR_TAG_NOT_FOUND', `Tag not found: ${id}`);
    return id;
  };

  /** Visits of a selection in [from, to], with the stays that began before `from`. */
  const visitsOf = async (sel: { tag: string } | { tags: readonly string[] } | { zone: string }, from: number, to: number): Promise<Visit[]> => {
    const { before, events } = await store.zoneEventsBetween(sel, from, to, MAX_EVENTS + 1);
    if (events.length > MAX_EVENTS) {
      throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`to: more than ${MAX_EVENTS} zone events in the range; ask for a shorter one`]);
    }
    return visitsFromEvents(before, events, from, to, clock());
  };

  return async (app) => {
    app.get('/api/tags/:id/trail', {
      config: { auth: 'history:view' },
      schema: {
        tags: ['history'], summary: "A tag's fixes from history, oldest first (resolutionMs: last fix per bucket; format=csv)",
        params: TagParams, querystring: TrailQuery, response: { 200: TrailResponseSchema, ...errors },
      },
    }, async (req, reply) => {
      const id = knownTag(req, req.params.id);
      const q = req.query;
      const exp = q;
      const to = q.to ?? clock();
      const from = q.from ?? to - 3_600_000;
      checkRange(from, to);
      const fixes = await store.trail(id, Math.min(sinceEnrolment(id, from), to), to, q.limit, q.resolutionMs);
      audit(req, `tag:${id}`, [id], exp.format === 'csv', true);
      const p = new Pseudonyms(kindOf);
      if (exp.format === 'csv') return sendCsv(reply, 'trail', FIX_HEADER, fixes.map((f) => fixRow(f, exp.deidentify ? p.id(id) : id)));
      return { tag: id, fixes };
    });

    app.get('/api/tags/:id/at', {
      config: { auth: 'history:view' },
      schema: {
        tags: ['history'], summary: 'Where a tag was at time t (its last fix at or before t, at most maxAgeMs old)',
        params: TagParams, querystring: PositionAtQuerySchema, response: { 200: PositionAtResponseSchema, ...errors },
      },
    }, async (req) => {
      const id = knownTag(req, req.params.id);
      const enrolledAt = access.deps.patients.binding(id)?.enrolledAt;
      const found = await store.positionAt(id, req.query.t, req.query.maxAgeMs);
      const fix = found && enrolledAt !== undefined && found.t < enrolledAt ? null : found;
      audit(req, `tag:${id}`, [id], false, true);
      return { tag: id, t: req.query.t, fix };
    });

    app.get('/api/tags/:id/visits', {
      config: { auth: 'history:view' },
      schema: {
        tags: ['history'], summary: 'Rooms and zones a tag passed through in a range, with how long (format=csv)',
        params: TagParams, querystring: TagVisitsQuery, response: { 200: TagVisitsResponseSchema, ...errors },
      },
    }, async (req, reply) => {
      const id = knownTag(req, req.params.id);
      const q = req.query;
      const exp = q;
      checkRange(q.from, q.to);
      const visits = (await visitsOf({ tag: id }, Math.min(sinceEnrolment(id, q.from), q.to), q.to)).slice(0, q.limit);
      audit(req, `tag:${id}`, [id], exp.format === 'csv', true);
      const p = new Pseudonyms(kindOf);
      if (exp.format === 'csv') return sendCsv(reply, 'visits', VISIT_HEADER, visits.map((v) => visitRow(v, exp.deidentify ? p.id(v.tag) : v.tag)));
      return { tag: id, from: q.from, to: q.to, visits };
    });

    app.get('/api/zones/:id/visits', {
      config: { auth: 'history:view' },
      schema: {
        tags: ['history'], summary: 'Which tags were in a room or zone during a range, with how long (format=csv, deidentify)',
        params: ZoneParams, querystring: ZoneVisitsQuery, response: { 200: ZoneVisitsResponseSchema, ...errors },
      },
    }, async (req, reply) => {
      const zone = SlugSchema.safeParse(req.params.id);
      if (!zone.success || !zoneIds.has(zone.data)) throw new RtlsError('RTLS_ERR_NOT_FOUND', `No room or zone ${req.params.id.slice(0, 64)}`);
      const q = req.query;
      const exp = q;
      checkRange(q.from, q.to);
      const viewer = viewerOf(req);
      const visits = (await visitsOf({ zone: zone.data }, q.from, q.to)).filter((v) => visible(viewer, v.tag)).slice(0, q.limit);
      audit(req, `zone:${zone.data}`, visits.map((v) => v.tag), exp.format === 'csv', false);
      const p = new Pseudonyms(kindOf);
      const shown = exp.deidentify ? visits.map((v) => ({ ...v, tag: p.id(v.tag) })) : visits;
      if (exp.format === 'csv') return sendCsv(reply, 'zone-visits', VISIT_HEADER, shown.map((v) => visitRow(v, v.tag)));
      return { zone: zone.data, from: q.from, to: q.to, visits: shown };
    });

    app.get('/api/tags/:id/contacts', {
      config: { auth: 'history:view' },
      schema: {
        tags: ['history'], summary: 'Contact tracing: tags within radiusM of this tag on the same floor, with overlap (format=csv, deidentify)',
        params: TagParams, querystring: ContactsQuery, response: { 200: ContactsResponseSchema, ...errors },
      },
    }, async (req, reply) => {
      const id = knownTag(req, req.params.id);
      const q = req.query;
      const exp = q;
      checkRange(q.from, q.to);
      const target = await store.trail(id, Math.min(sinceEnrolment(id, q.from), q.to), q.to, 100_000, q.binMs);
      const others: Fix[] = [];
      for (const floor of new Set(target.map((f) => f.floor))) {
        const on = target.filter((f) => f.floor === floor);
        const box = {
          minX: Math.min(...on.map((f) => f.x)) - CONTACT_BOX_MARGIN_M, maxX: Math.max(...on.map((f) => f.x)) + CONTACT_BOX_MARGIN_M,
          minY: Math.min(...on.map((f) => f.y)) - CONTACT_BOX_MARGIN_M, maxY: Math.max(...on.map((f) => f.y)) + CONTACT_BOX_MARGIN_M,
        };
        for (const f of await store.floorFixes(floor, q.from, q.to, q.binMs, box)) if (f.tag !== id) others.push(f);
      }
      const p = new Pseudonyms(kindOf);
      const shownId = exp.deidentify ? p.id(id) : id; // the index patient is numbered first
      const viewer = viewerOf(req);
      const found = contactsFrom(target, others, q.radiusM, q.binMs, { fromMs: q.from, toMs: q.to }).filter((c) => visible(viewer, c.tag));
      audit(req, `tag:${id}`, [id, ...found.map((c) => c.tag)], exp.format === 'csv', true);
      const contacts: Contact[] = found
        .map((c) => ({ ...c, tag: exp.deidentify ? p.id(c.tag) : c.tag, kind: kindOf(c.tag) ?? 'unknown' }));
      if (exp.format === 'csv') {
        return sendCsv(reply, 'contacts', ['index_tag', 'contact_tag', 'kind', 'overlap_ms', 'first', 'last', 'min_distance_m', 'rooms'],
          contacts.map((c) => [shownId, c.tag, c.kind, c.overlapMs, new Date(c.firstAt).toISOString(), new Date(c.lastAt).toISOString(), c.minDistanceM, c.rooms.join(' ')]));
      }
      return { tag: shownId, from: q.from, to: q.to, radiusM: q.radiusM, binMs: q.binMs, contacts };
    });

    app.get('/api/dwell', {
      config: { auth: 'history:view' },
      schema: {
        tags: ['history'], summary: 'Time per room/zone per UTC day for a tag, a category or a kind of tag (format=csv)',
        querystring: DwellQuery, response: { 200: DwellResponseSchema, ...errors },
      },
    }, async (req, reply) => {
      const q = req.query;
      const exp = q;
      checkRange(q.from, q.to);
      const chosen = [q.tag, q.category, q.kind].filter((v) => v !== undefined).length;
      if (chosen !== 1) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, ['query: give exactly one of tag, category, kind']);
      let sel: { tag: string } | { tags: readonly string[] };
      if (q.tag !== undefined) sel = { tag: knownTag(req, q.tag) };
      else {
        const viewer = viewerOf(req);
        const tags = state.listTags({ limit: 5000, offset: 0, ...(q.kind ? { kind: q.kind } : {}) }, (t) => projectTag(viewer, t, access)).tags
          .filter((t) => q.category === undefined || t.category === q.category).map((t) => t.id);
        sel = { tags };
      }
      const dwellFrom = 'tag' in sel ? Math.min(sinceEnrolment(sel.tag, q.from), q.to) : q.from;
      const rows = 'tags' in sel && sel.tags.length === 0 ? [] : dwellByDay(await visitsOf(sel, dwellFrom, q.to));
      // Dwell sums stays per room and day: it shows where patients were, so it is audited like their history.
      audit(req, q.tag !== undefined ? `tag:${q.tag}` : `dwell:${q.kind ?? q.category}`, 'tag' in sel ? [sel.tag] : sel.tags, exp.format === 'csv', 'tag' in sel);
      if (exp.format === 'csv') return sendCsv(reply, 'dwell', ['day', 'zone', 'floor', 'dwell_ms', 'tags'], rows.map((r) => [r.day, r.zone, r.floor, r.dwellMs, r.tags]));
      return { from: q.from, to: q.to, rows };
    });
  };
}
