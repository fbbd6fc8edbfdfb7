/**
 * The alarm console's API (issue #7): alarms (see with `alarms:view`, act with `alarms:act`), bypasses, rules,
 * pairings, webhooks and the delivery log. Alarms about patients are scoped exactly like the patients' tags
 * (issue #6): a clinician never sees another unit's, identity only for scopes that include it; an alarm the viewer
 * may not see answers like one that does not exist. Every action is audited once its input is valid and before it is
 * made; a failed audit write refuses it (RTLS_ERR_AUDIT_UNAVAILABLE).
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Site } from '@rtls/floorplans';
import {
  AlarmAckRequestSchema, AlarmAssignRequestSchema, AlarmListQuerySchema, AlarmListResponseSchema, AlarmResolveRequestSchema,
  AlarmSchema, BypassListResponseSchema, BypassRequestSchema, BypassSchema, DeliveryListResponseSchema, ErrorBodySchema,
  PairingSchema, RtlsError, RuleBodySchema, RuleListResponseSchema, RuleSchema, TagIdSchema, UsernameSchema,
  WebhookBodySchema, WebhookListResponseSchema, WebhookSchema, normaliseTagId,
  type Alarm, type RuleBody,
} from '@rtls/protocol';
import type { AccessService } from '../auth/access.ts';
import { seesTag, type Viewer } from '../auth/viewer.ts';
import type { LiveState } from '../state/live-state.ts';
import type { AlarmManager, AlarmVerb } from '../alarms/alarm-manager.ts';
import { transitionProblem } from '../alarms/alarm-manager.ts';
import { alarmPatientTag, projectAlarm } from '../alarms/alarm-view.ts';
import type { DeliveryStore } from '../alarms/delivery-store.ts';
import type { RuleStore } from '../alarms/rule-store.ts';
import { loggableUrl } from '../alarms/webhook-delivery.ts';
import { viewerOf } from './auth-guard.ts';

export interface AlarmRouteDeps {
  manager: AlarmManager;
  ruleStore: RuleStore;
  delivery: DeliveryStore;
  access: AccessService;
  /** Tag summaries (kind) for bypass and pairing targets; gateways registered outside the floor plan. */
  state: Pick<LiveState, 'summary' | 'getTag' | 'gateway'>;
  site: Site;
}

const errors = {
  400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 503: ErrorBodySchema,
};
const IdParams = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
const RuleParams = z.object({ id: z.string().min(1).max(200) });
const PairingRequestSchema = z.strictObject({ subject: TagIdSchema, companion: TagIdSchema });
const PairingListResponseSchema = z.strictObject({ pairings: z.array(PairingSchema) });
const BypassQuerySchema = z.strictObject({
  /** Also bypasses that ended at or after this time (epoch ms); without it, only those in force now. */
  since: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
const DeliveryQuerySchema = z.strictObject({
  alarm: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

const AUDIT_ACTION: Record<AlarmVerb, 'acknowledge-alarm' | 'assign-alarm' | 'resolve-alarm'> = {
  acknowledge: 'acknowledge-alarm', assign: 'assign-alarm', resolve: 'resolve-alarm',
};

export function alarmRoutes(deps: AlarmRouteDeps): FastifyPluginAsyncZod {
  const { manager, ruleStore, delivery, access, state, site } = deps;
  const { patients, users } = access.deps;

  const placeIds = new Set(site.floors.flatMap((f) => [...f.rooms.map((r) => r.properties.id), ...f.zones.map((z) => z.properties.id)]));
  const gatewayKnown = (id: string) => site.gateway(id) !== undefined || state.gateway(id) !== undefined;

  /** May this viewer see the tag at all (a patient of another unit: no)? As projectTag decides for the map. */
  const tagVisible = (v: Viewer, tag: string): boolean => {
    const unit = patients.binding(tag)?.unit;
    return seesTag(v, unit !== undefined ? 'patient' : state.summary(tag).kind, unit);
  };
  const tagParam = (raw: string, field: string): string => {
    const id = normaliseTagId(raw);
    if (!id) throw new RtlsError('RTLS_ERR_BAD_TAG_ID', undefined, [`${field}: ${JSON.stringify(raw.slice(0, 64))} is not a tag id`]);
    return id;
  };
  /** A known tag the viewer may see, or 404 (another unit's patient answers like an unknown tag). */
  const visibleTag = (v: Viewer, raw: string, field: string): string => {
    const tag = tagParam(raw, field);
    if (!state.getTag(tag) || !tagVisible(v, tag)) throw new RtlsError('RTLS_ERR_TAG_NOT_FOUND', `Tag not found: ${tag}`);
    return tag;
  };
  const isPatient = (tag: string) => patients.binding(tag) !== undefined || state.summary(tag).kind === 'patient';

  const view = (v: Viewer, a: Alarm): Alarm | null => projectAlarm(v, a, patients);
  const visibleAlarm = (v: Viewer, id: number): Alarm => {
    const a = manager.get(id);
    const shown = a ? view(v, a) : null;
    if (!shown) throw new RtlsError('RTLS_ERR_ALARM_NOT_FOUND', `Alarm not found: ${id}`);
    return shown;
  };

  /** Rule conditions name places of this site: unknown ids are refused, listed. */
  const ruleProblems = (body: RuleBody): string[] => {
    const c = body.condition;
    const out: string[] = [];
    const zones = 'zones' in c ? c.zones : [];
    const badZones = zones.filter((z) => !placeIds.has(z));
    if (badZones.length) out.push(`condition.zones: no room or zone ${badZones.join(', ')} in the site`);
    if (c.kind === 'exit-cross') {
      const bad = c.doors.filter((d) => !site.door(d));
      if (bad.length) out.push(`condition.doors: no door ${bad.join(', ')} in the site`);
      if (c.zones.length === 0 && c.doors.length === 0) out.push('condition: an exit-cross rule needs exit zones or doors');
    }
    if (c.kind === 'gateway-offline') {
      const bad = c.gateways.filter((g) => !gatewayKnown(g));
      if (bad.length) out.push(`condition.gateways: no gateway ${bad.join(', ')}`);
      if (c.gateways.length === 0 && c.zones.length === 0) out.push('condition: a gateway-offline rule needs gateways or zones');
    }
    if (c.kind === 'off-floor') {
      const bad = c.floors.filter((f) => !site.floor(f));
      if (bad.length) out.push(`condition.floors: no floor ${bad.join(', ')} in the site`);
    }
    return out;
  };
  const checkRule = (body: RuleBody) => {
    const problems = ruleProblems(body);
    if (problems.length) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, problems);
  };

  /** A bypass target that exists (and a tag the viewer may see); 404 for tags, 400 for places. */
  const checkBypassTarget = (v: Viewer, target: { type: 'tag' | 'zone' | 'door' | 'gateway'; id: string }): { type: 'tag' | 'zone' | 'door' | 'gateway'; id: string } => {
    switch (target.type) {
      case 'tag':
        return { type: 'tag', id: visibleTag(v, target.id, 'target.id') };
      case 'zone':
        if (!placeIds.has(target.id)) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`target.id: no room or zone ${target.id.slice(0, 64)} in the site`]);
        return target;
      case 'door':
        if (!site.door(target.id)) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`target.id: no door ${target.id.slice(0, 64)} in the site`]);
        return target;
      case 'gateway':
        if (!gatewayKnown(target.id)) throw new RtlsError('RTLS_ERR_GATEWAY_NOT_FOUND', `Gateway not found: ${target.id.slice(0, 64)}`);
        return target;
    }
  };

  return async (app) => {
    // ── alarms ──

    app.get('/api/alarms', {
      config: { auth: 'alarms:view' },
      schema: {
        tags: ['alarms'], summary: 'Alarms, newest first (patients as your role may see them; audited when patients are shown)',
        querystring: AlarmListQuerySchema, response: { 200: AlarmListResponseSchema, ...errors },
      },
    }, async (req) => {
      const viewer = viewerOf(req);
      const tag = req.query.tag !== undefined ? tagParam(req.query.tag, 'tag') : undefined;
      const raw = manager.list({ ...req.query, tag }, (a) => view(viewer, a) !== null);
      const alarms = raw.map((a) => view(viewer, a)!);
      const shown = [...new Set(alarms.map(alarmPatientTag).filter((t): t is string => t !== null))];
      // The list shows where patients were: audited before it is sent (an overview, not a look-up of each).
      if (shown.length > 0) access.record(viewer, 'view-alarms', 'alarms:list', { patients: shown, detail: `${alarms.length} alarms` });
      return { alarms };
    });

    app.get('/api/alarms/:id', {
      config: { auth: 'alarms:view' },
      schema: { tags: ['alarms'], summary: 'One alarm with its evidence and history', params: IdParams, response: { 200: AlarmSchema, ...errors } },
    }, async (req) => {
      const viewer = viewerOf(req);
      const a = visibleAlarm(viewer, req.params.id);
      const tag = alarmPatientTag(a);
      if (tag) access.record(viewer, 'view-alarms', `alarm:${a.id}`, { patients: [tag], lookup: true });
      return a;
    });

    const act = (verb: AlarmVerb, v: Viewer, id: number, detail: string | null, run: () => Alarm): Alarm => {
      const a = visibleAlarm(v, id);
      const problem = transitionProblem(a, verb);
      if (problem) throw new RtlsError('RTLS_ERR_CONFLICT', problem);
      const tag = alarmPatientTag(a);
      access.record(v, AUDIT_ACTION[verb], `alarm:${id}`, { patients: tag ? [tag] : [], detail });
      return view(v, run())!;
    };

    app.post('/api/alarms/:id/acknowledge', {
      config: { auth: 'alarms:act' },
      schema: {
        tags: ['alarms'], summary: 'Acknowledge an open alarm (stops escalation); audited',
        params: IdParams, body: AlarmAckRequestSchema.nullish(), response: { 200: AlarmSchema, ...errors },
      },
    }, async (req) => {
      const v = viewerOf(req);
      const note = req.body?.note || undefined;
      return act('acknowledge', v, req.params.id, note?.slice(0, 200) ?? null, () => manager.acknowledge(req.params.id, v.username, note));
    });

    app.post('/api/alarms/:id/assign', {
      config: { auth: 'alarms:act' },
      schema: {
        tags: ['alarms'], summary: 'Assign an alarm to a user; audited',
        params: IdParams, body: AlarmAssignRequestSchema, response: { 200: AlarmSchema, ...errors },
      },
    }, async (req) => {
      const v = viewerOf(req);
      const name = req.body.assignee.toLowerCase();
      const u = UsernameSchema.safeParse(name).success ? users.get(name) : undefined;
      if (!u || u.disabled) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, [`assignee: no active user ${JSON.stringify(req.body.assignee.slice(0, 64))}`]);
      return act('assign', v, req.params.id, `assignee=${name}`, () => manager.assign(req.params.id, name, v.username));
    });

    app.post('/api/alarms/:id/resolve', {
      config: { auth: 'alarms:act' },
      schema: {
        tags: ['alarms'], summary: 'Resolve an alarm with a note saying how; audited',
        params: IdParams, body: AlarmResolveRequestSchema, response: { 200: AlarmSchema, ...errors },
      },
    }, async (req) => {
      const v = viewerOf(req);
      return act('resolve', v, req.params.id, req.body.note.slice(0, 200), () => manager.resolve(req.params.id, v.username, req.body.note));
    });

    // ── bypasses ──

    app.get('/api/bypasses', {
      config: { auth: 'alarms:view' },
      schema: { tags: ['alarms'], summary: 'Bypasses in force (or also those ended since `since`)', querystring: BypassQuerySchema, response: { 200: BypassListResponseSchema, ...errors } },
    }, async (req) => {
      const viewer = viewerOf(req);
      const list = manager.bypasses(req.query.since !== undefined ? { since: req.query.since, limit: req.query.limit } : {});
      return { bypasses: list.filter((b) => b.target.type !== 'tag' || tagVisible(viewer, b.target.id)).slice(0, req.query.limit) };
    });

    app.post('/api/bypasses', {
      config: { auth: 'alarms:act' },
      schema: {
        tags: ['alarms'], summary: 'Bypass a tag, zone, door or gateway for a while (reason required; re-arms by itself); audited',
        body: BypassRequestSchema, response: { 201: BypassSchema, ...errors },
      },
    }, async (req, reply) => {
      const v = viewerOf(req);
      const target = checkBypassTarget(v, req.body.target);
      const patientTags = target.type === 'tag' && isPatient(target.id) ? [target.id] : [];
      access.record(v, 'bypass', `${target.type}:${target.id}`, { patients: patientTags, detail: `${req.body.minutes} min: ${req.body.reason}`.slice(0, 400) });
      return reply.code(201).send(manager.bypass({ ...req.body, target }, v.username));
    });

    app.delete('/api/bypasses/:id', {
      config: { auth: 'alarms:act' },
      schema: { tags: ['alarms'], summary: 'End a bypass early (conditions still true alarm at once); audited', params: IdParams, response: { 200: BypassSchema, ...errors } },
    }, async (req) => {
      const v = viewerOf(req);
      const b = manager.getBypass(req.params.id);
      if (!b || (b.target.type === 'tag' && !tagVisible(v, b.target.id))) throw new RtlsError('RTLS_ERR_NOT_FOUND', `Bypass not found: ${req.params.id}`);
      if (b.endedAt !== null || manager.bypasses().every((x) => x.id !== b.id)) throw new RtlsError('RTLS_ERR_CONFLICT', `Bypass ${b.id} has already ended`);
      const patientTags = b.target.type === 'tag' && isPatient(b.target.id) ? [b.target.id] : [];
      access.record(v, 'bypass', `${b.target.type}:${b.target.id}`, { patients: patientTags, detail: `bypass ${b.id} ended early` });
      return manager.endBypass(b.id, v.username);
    });

    // ── rules ──

    app.get('/api/rules', {
      config: { auth: 'alarms:view' },
      schema: { tags: ['rules'], summary: 'Rules (from the floor plan and made by admins)', response: { 200: RuleListResponseSchema, ...errors } },
    }, async () => ({ rules: ruleStore.list() }));

    app.get('/api/rules/:id', {
      config: { auth: 'alarms:view' },
      schema: { tags: ['rules'], summary: 'One rule', params: RuleParams, response: { 200: RuleSchema, ...errors } },
    }, async (req) => {
      const r = ruleStore.get(req.params.id);
      if (!r) throw new RtlsError('RTLS_ERR_RULE_NOT_FOUND', `Rule not found: ${req.params.id.slice(0, 64)}`);
      return r;
    });

    app.post('/api/rules', {
      config: { auth: 'rules:write' },
      schema: { tags: ['rules'], summary: 'Create a rule; audited', body: RuleBodySchema, response: { 201: RuleSchema, ...errors } },
    }, async (req, reply) => {
      checkRule(req.body);
      const id = ruleStore.nextId(req.body.name);
      access.record(viewerOf(req), 'change-rules', `rule:${id}`, { detail: `create ${JSON.stringify(req.body)}`.slice(0, 400) });
      return reply.code(201).send(ruleStore.create(req.body, id));
    });

    app.put('/api/rules/:id', {
      config: { auth: 'rules:write' },
      schema: { tags: ['rules'], summary: 'Replace a rule (site rules too: the edit survives restarts); audited', params: RuleParams, body: RuleBodySchema, response: { 200: RuleSchema, ...errors } },
    }, async (req) => {
      const id = req.params.id;
      if (!ruleStore.get(id)) throw new RtlsError('RTLS_ERR_RULE_NOT_FOUND', `Rule not found: ${id.slice(0, 64)}`);
      checkRule(req.body);
      access.record(viewerOf(req), 'change-rules', `rule:${id}`, { detail: `update ${JSON.stringify(req.body)}`.slice(0, 400) });
      return ruleStore.update(id, req.body);
    });

    app.delete('/api/rules/:id', {
      config: { auth: 'rules:write' },
      schema: { tags: ['rules'], summary: 'Delete a rule (a site rule stays deleted); audited', params: RuleParams, response: { 204: z.null(), ...errors } },
    }, async (req, reply) => {
      const id = req.params.id;
      if (!ruleStore.get(id)) throw new RtlsError('RTLS_ERR_RULE_NOT_FOUND', `Rule not found: ${id.slice(0, 64)}`);
      access.record(viewerOf(req), 'change-rules', `rule:${id}`, { detail: 'delete' });
      ruleStore.delete(id);
      return reply.code(204).send(null);
    });

    // ── pairings (mother and infant, escort and patient) ──

    app.get('/api/pairings', {
      config: { auth: 'alarms:view' },
      schema: { tags: ['rules'], summary: 'Subjects paired with their companions (tags you may see)', response: { 200: PairingListResponseSchema, ...errors } },
    }, async (req) => {
      const viewer = viewerOf(req);
      return { pairings: ruleStore.pairings().filter((p) => tagVisible(viewer, p.subject) && tagVisible(viewer, p.companion)) };
    });

    app.put('/api/pairings', {
      config: { auth: 'alarms:act' },
      schema: { tags: ['rules'], summary: 'Pair a subject with a companion (an infant with its mother); audited', body: PairingRequestSchema, response: { 200: PairingSchema, ...errors } },
    }, async (req) => {
      const v = viewerOf(req);
      const subject = visibleTag(v, req.body.subject, 'subject');
      const companion = visibleTag(v, req.body.companion, 'companion');
      if (subject === companion) throw new RtlsError('RTLS_ERR_VALIDATION', undefined, ['companion: a tag cannot be its own companion']);
      access.record(v, 'change-rules', `pairing:${subject}`, { patients: [subject, companion].filter(isPatient), detail: `pair with ${companion}` });
      return ruleStore.pair(subject, companion, v.username);
    });

    app.delete('/api/pairings/:subject', {
      config: { auth: 'alarms:act' },
      schema: {
        tags: ['rules'], summary: "End a subject's pairing with `companion` (or all of its pairings); audited",
        params: z.object({ subject: z.string().min(1).max(200) }), querystring: z.strictObject({ companion: z.string().min(1).max(200).optional() }),
        response: { 204: z.null(), ...errors },
      },
    }, async (req, reply) => {
      const v = viewerOf(req);
      const subject = tagParam(req.params.subject, 'subject');
      const companion = req.query.companion !== undefined ? tagParam(req.query.companion, 'companion') : undefined;
      const existing = ruleStore.pairings().filter((p) => p.subject === subject && (companion === undefined || p.companion === companion));
      if (existing.length === 0 || !tagVisible(v, subject) || existing.some((p) => !tagVisible(v, p.companion))) {
        throw new RtlsError('RTLS_ERR_NOT_FOUND', `No pairing of ${subject}${companion ? ` with ${companion}` : ''}`);
      }
      const involved = [subject, ...existing.map((p) => p.companion)];
      access.record(v, 'change-rules', `pairing:${subject}`, { patients: involved.filter(isPatient), detail: `unpair ${existing.map((p) => p.companion).join(' ')}` });
      ruleStore.unpair(subject, companion);
      return reply.code(204).send(null);
    });

    // ── webhooks and the delivery log ──

    app.get('/api/webhooks', {
      config: { auth: 'rules:write' },
      schema: { tags: ['rules'], summary: 'Alarm webhooks (secrets are never shown)', response: { 200: WebhookListResponseSchema, ...errors } },
    }, async () => ({ webhooks: delivery.webhooks() }));

    app.post('/api/webhooks', {
      config: { auth: 'rules:write' },
      schema: { tags: ['rules'], summary: 'Add an alarm webhook (optionally signed with a secret); audited', body: WebhookBodySchema, response: { 201: WebhookSchema, ...errors } },
    }, async (req, reply) => {
      access.record(viewerOf(req), 'change-rules', `webhook:${loggableUrl(req.body.url)}`, {
        detail: `add minSeverity=${req.body.minSeverity} signed=${req.body.secret !== undefined} enabled=${req.body.enabled}`,
      });
      return reply.code(201).send(delivery.addWebhook(req.body));
    });

    app.delete('/api/webhooks/:id', {
      config: { auth: 'rules:write' },
      schema: { tags: ['rules'], summary: 'Remove a webhook and its pending deliveries; audited', params: IdParams, response: { 204: z.null(), ...errors } },
    }, async (req, reply) => {
      const w = delivery.webhookTarget(req.params.id);
      if (!w) throw new RtlsError('RTLS_ERR_NOT_FOUND', `Webhook not found: ${req.params.id}`);
      access.record(viewerOf(req), 'change-rules', `webhook:${w.id}`, { detail: `remove ${loggableUrl(w.url)}` });
      delivery.deleteWebhook(w.id);
      return reply.code(204).send(null);
    });

    app.get('/api/deliveries', {
      config: { auth: 'rules:write' },
      schema: { tags: ['rules'], summary: 'Delivery attempts (webhooks, MQTT), newest first', querystring: DeliveryQuerySchema, response: { 200: DeliveryListResponseSchema, ...errors } },
    }, async (req) => ({ deliveries: delivery.deliveries(req.query) }));
  };
}
