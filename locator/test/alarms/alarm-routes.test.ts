/**
 * The alarm API through app.inject with the real access service (one user per role) and the real auth guard:
 * alarms about patients scoped exactly like their tags, every action audited (and refused without an audit record),
 * rules validated against the site, webhooks never showing their secrets.
 */
import path from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlarmListResponseSchema, AlarmSchema, BypassSchema, ErrorBodySchema, RuleSchema, WebhookListResponseSchema,
  type Alarm, type AuditAction,
} from '@rtls/protocol';
import { apiErrorHandler } from '../../src/api/error-handler.ts';
import { installAuthGuard } from '../../src/api/auth-guard.ts';
import { alarmRoutes } from '../../src/api/alarm-routes.ts';
import { createAlarmManager, type AlarmManager } from '../../src/alarms/alarm-manager.ts';
import { openRuleStore, type RuleStore } from '../../src/alarms/rule-store.ts';
import { openDeliveryStore, type DeliveryStore } from '../../src/alarms/delivery-store.ts';
import { openRegistry, type Registry } from '../../src/registry/sqlite-registry.ts';
import { createLiveState } from '../../src/state/live-state.ts';
import { openTestAccess, type TestAccess, type TestUser } from '../io/auth-fixture.ts';
import { fixtureSite } from '../io/fixture-site.ts';
import { rmDir, silentLogger, tmpDir } from '../io/helpers.ts';
import { ICU_PATIENT, INFANT, MOTHER, PUMP, T0, change, makeRule } from './alarm-fixtures.ts';

const INFANT_NAME = 'Baby Quenby';
const ICU_NAME = 'Harriet Oldcastle';

interface AlarmApi {
  app: FastifyInstance;
  t: TestAccess;
  manager: AlarmManager;
  rules: RuleStore;
  delivery: DeliveryStore;
  registry: Registry;
  dir: string;
  /** Alarm ids by subject. */
  ids: Record<string, number>;
  close(): Promise<void>;
}

async function openAlarmApi(): Promise<AlarmApi> {
  const dir = tmpDir('rtls-alarm-api-');
  const data = path.join(dir, 'data');
  const site = fixtureSite();
  const registry = openRegistry(data);
  registry.syncGatewaysFromSite(site);
  registry.upsertTags([
    { id: INFANT, kind: 'patient', label: 'Infant 07', category: 'infant' },
    { id: MOTHER, kind: 'patient', label: 'Mother 07', category: 'mother' },
    { id: ICU_PATIENT, kind: 'patient', label: 'Bed 3', category: null },
    { id: PUMP, kind: 'equipment', label: 'Pump 12', category: 'infusion-pump' },
  ]);
  const t = await openTestAccess(data, { clock: () => T0 });
  const { patients } = t.opened;
  patients.enrol({ tag: INFANT, unit: 'maternity', pseudonym: 'Infant 07', category: 'infant', identity: { mrn: 'MRN-INF-7', name: INFANT_NAME, birthDate: null } }, 'test');
  patients.enrol({ tag: MOTHER, unit: 'maternity', pseudonym: 'Mother 07', category: 'mother', identity: { mrn: 'MRN-MOT-7', name: 'Ada Quenby', birthDate: null } }, 'test');
  patients.enrol({ tag: ICU_PATIENT, unit: 'icu', pseudonym: 'Bed 3', category: null, identity: { mrn: 'MRN-ICU-3', name: ICU_NAME, birthDate: null } }, 'test');
  const state = createLiveState(registry.view());
  const rules = openRuleStore(data, () => T0);
  rules.syncSiteRules([makeRule('exit', { name: 'Exit approached', severity: 'critical' })]);
  const delivery = openDeliveryStore(data, () => T0);
  // The alarms open after the enrolments (an alarm older than an enrolment belongs to an earlier wearer).
  const now = T0 + 1000;
  const manager = createAlarmManager({
    dataDir: data, clock: () => now, rules: () => rules.map(),
    describeTag: (tag) => {
      const s = state.summary(tag);
      return { label: s.label, kind: s.kind, unit: patients.binding(tag)?.unit ?? null };
    },
    activeConditions: () => [], onNotify: () => {}, logger: silentLogger(),
  });
  manager.apply([INFANT, ICU_PATIENT, PUMP].map((tag) => change('exit', tag, 'L0-corridor', true, T0)));
  const ids: Record<string, number> = {};
  for (const a of manager.list({ limit: 10 })) ids[a.subject.id] = a.id;

  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(apiErrorHandler);
  installAuthGuard(app, t.opened.access, []);
  app.register(alarmRoutes({ manager, ruleStore: rules, delivery, access: t.opened.access, state, site }));
  await app.ready();
  return {
    app, t, manager, rules, delivery, registry, dir, ids,
    async close() {
      await app.close();
      manager.close();
      rules.close();
      delivery.close();
      registry.close();
      t.close();
      rmDir(dir);
    },
  };
}

const errorOf = (r: LightMyRequestResponse) => ({ status: r.statusCode, code: ErrorBodySchema.parse(r.json()).code });
const enc = encodeURIComponent;

/** Audit records of `action` written since `seq` (exclusive). */
const auditSince = (api: AlarmApi, seq: number, action: AuditAction) =>
  api.t.opened.access.deps.audit.query({ action, limit: 100 }).filter((r) => r.seq > seq);
const headSeq = (api: AlarmApi) => api.t.opened.access.deps.audit.query({ limit: 1 })[0]?.seq ?? 0;

describe('alarm API: who sees which alarm', () => {
  let api: AlarmApi;
  beforeAll(async () => {
    api = await openAlarmApi();
  });
  afterAll(() => api?.close());

  const list = async (user: TestUser, query = '') => {
    const r = await api.t.inject(api.app, user, `/api/alarms${query}`);
    expect(r.statusCode, r.body).toBe(200);
    return { body: r.body, alarms: AlarmListResponseSchema.parse(r.json()).alarms };
  };
  const bySubject = (alarms: Alarm[]) => Object.fromEntries(alarms.map((a) => [a.subject.id, a.subject.patient?.identity?.name ?? null]));

  it('projects alarms per role: clinicians see their units only, identity only for identity scopes', async () => {
    expect(bySubject((await list('security')).alarms)).toEqual({ [INFANT]: INFANT_NAME, [ICU_PATIENT]: ICU_NAME, [PUMP]: null });
    expect(bySubject((await list('maternity-nurse')).alarms)).toEqual({ [INFANT]: INFANT_NAME, [PUMP]: null });
    const icu = await list('icu-nurse');
    expect(bySubject(icu.alarms)).toEqual({ [ICU_PATIENT]: ICU_NAME, [PUMP]: null });
    expect(icu.body).not.toContain(INFANT);
    expect(icu.body).not.toContain(INFANT_NAME);
    for (const user of ['admin', 'biomed', 'materials'] as const) {
      const { alarms, body } = await list(user);
      expect(bySubject(alarms), user).toEqual({ [INFANT]: null, [ICU_PATIENT]: null, [PUMP]: null });
      // The unit stays (the patient scope of these roles is pseudonymous, not blind), the names never appear.
      expect(alarms.find((a) => a.subject.id === INFANT)!.subject.patient).toEqual({ unit: 'maternity', identity: null });
      expect(body).not.toContain(INFANT_NAME);
      expect(body).not.toContain(ICU_NAME);
    }
  });

  it('a page is filled after scoping (the limit counts visible alarms)', async () => {
    const { alarms } = await list('icu-nurse', '?limit=2');
    expect(alarms.map((a) => a.subject.id).sort()).toEqual([ICU_PATIENT, PUMP].sort());
  });

  it("audits lists that show patients ('view-alarms'), not lists without", async () => {
    let seq = headSeq(api);
    await list('icu-nurse');
    const recs = auditSince(api, seq, 'view-alarms');
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ actor: 'icu-nurse', object: 'alarms:list', patients: [ICU_PATIENT] });
    seq = headSeq(api);
    await list('icu-nurse', `?tag=${enc(PUMP)}`);
    expect(auditSince(api, seq, 'view-alarms')).toHaveLength(0);
  });

  it("another unit's patient alarm answers 404 like a missing one; one's own is shown and audited as a look-up", async () => {
    const id = api.ids[INFANT]!;
    expect(errorOf(await api.t.inject(api.app, 'icu-nurse', `/api/alarms/${id}`))).toEqual({ status: 404, code: 'RTLS_ERR_ALARM_NOT_FOUND' });
    expect(errorOf(await api.t.inject(api.app, 'icu-nurse', '/api/alarms/99999'))).toEqual({ status: 404, code: 'RTLS_ERR_ALARM_NOT_FOUND' });
    const seq = headSeq(api);
    const r = await api.t.inject(api.app, 'maternity-nurse', `/api/alarms/${id}`);
    expect(AlarmSchema.parse(r.json()).subject.patient).toEqual({ unit: 'maternity', identity: { mrn: 'MRN-INF-7', name: INFANT_NAME, birthDate: null } });
    expect(auditSince(api, seq, 'view-alarms').map((x) => [x.object, x.patients])).toEqual([[`alarm:${id}`, [INFANT]]]);
    expect((await api.app.inject({ url: '/api/alarms' })).statusCode).toBe(401);
  });
});

describe('alarm API: actions are audited', () => {
  let api: AlarmApi;
  beforeAll(async () => {
    api = await openAlarmApi();
  });
  afterAll(() => api?.close());

  const post = (user: TestUser, url: string, payload?: object) => api.t.inject(api.app, user, { method: 'POST', url, ...(payload ? { payload } : {}) });

  it('acknowledge, assign, resolve: permission, scope, validation, then one audit record each', async () => {
    const id = api.ids[INFANT]!;
    let seq = headSeq(api);
    expect(errorOf(await post('materials', `/api/alarms/${id}/acknowledge`, {}))).toEqual({ status: 403, code: 'RTLS_ERR_FORBIDDEN' });
    expect(errorOf(await post('icu-nurse', `/api/alarms/${id}/acknowledge`, {}))).toEqual({ status: 404, code: 'RTLS_ERR_ALARM_NOT_FOUND' });
    expect(auditSince(api, seq, 'acknowledge-alarm')).toHaveLength(0);

    const ack = await post('maternity-nurse', `/api/alarms/${id}/acknowledge`, { note: 'checking the nursery' });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(AlarmSchema.parse(ack.json())).toMatchObject({ state: 'acknowledged', subject: { patient: { identity: { name: INFANT_NAME } } } });
    expect(auditSince(api, seq, 'acknowledge-alarm').map((r) => [r.actor, r.object, r.patients, r.detail])).toEqual([
      ['maternity-nurse', `alarm:${id}`, [INFANT], 'checking the nursery'],
    ]);
    expect(errorOf(await post('security', `/api/alarms/${id}/acknowledge`))).toEqual({ status: 409, code: 'RTLS_ERR_CONFLICT' });

    seq = headSeq(api);
    expect(errorOf(await post('security', `/api/alarms/${id}/assign`, { assignee: 'nobody-here' }))).toEqual({ status: 400, code: 'RTLS_ERR_VALIDATION' });
    const assigned = await post('security', `/api/alarms/${id}/assign`, { assignee: 'maternity-nurse' });
    expect(AlarmSchema.parse(assigned.json()).assignee).toBe('maternity-nurse');
    expect(auditSince(api, seq, 'assign-alarm').map((r) => [r.actor, r.detail])).toEqual([['security', 'assignee=maternity-nurse']]);

    seq = headSeq(api);
    expect(errorOf(await post('security', `/api/alarms/${id}/resolve`, {}))).toEqual({ status: 400, code: 'RTLS_ERR_VALIDATION' });
    const resolved = await post('security', `/api/alarms/${id}/resolve`, { note: 'infant back in the nursery with its mother' });
    expect(AlarmSchema.parse(resolved.json()).state).toBe('resolved');
    expect(auditSince(api, seq, 'resolve-alarm').map((r) => [r.actor, r.object, r.patients])).toEqual([['security', `alarm:${id}`, [INFANT]]]);
    expect(api.manager.get(id)!.history.map((h) => [h.action, h.by])).toEqual([
      ['opened', 'system'], ['acknowledged', 'maternity-nurse'], ['assigned', 'security'], ['resolved', 'security'],
    ]);
  });

  it('bypasses: target checked and scoped, audited, listed per viewer, ended early', async () => {
    let seq = headSeq(api);
    const body = { target: { type: 'tag', id: INFANT }, reason: 'to the OR for a procedure', minutes: 45 };
    expect(errorOf(await post('icu-nurse', '/api/bypasses', body))).toEqual({ status: 404, code: 'RTLS_ERR_TAG_NOT_FOUND' });
    expect(errorOf(await post('security', '/api/bypasses', { ...body, target: { type: 'zone', id: 'L9-nowhere' } }))).toEqual({ status: 400, code: 'RTLS_ERR_VALIDATION' });
    expect(errorOf(await post('security', '/api/bypasses', { ...body, reason: 'x' }))).toEqual({ status: 400, code: 'RTLS_ERR_VALIDATION' });
    expect(errorOf(await post('security', '/api/bypasses', { ...body, minutes: 721 }))).toEqual({ status: 400, code: 'RTLS_ERR_VALIDATION' });
    expect(auditSince(api, seq, 'bypass')).toHaveLength(0);
    const r = await post('maternity-nurse', '/api/bypasses', body);
    expect(r.statusCode, r.body).toBe(201);
    const b = BypassSchema.parse(r.json());
    const door = BypassSchema.parse((await post('security', '/api/bypasses', { target: { type: 'door', id: 'L0-entry' }, reason: 'deliveries this morning', minutes: 30 })).json());
    expect(auditSince(api, seq, 'bypass').map((x) => [x.actor, x.object, x.patients]).reverse()).toEqual([
      ['maternity-nurse', `tag:${INFANT}`, [INFANT]], ['security', 'door:L0-entry', []],
    ]);
    const listed = async (user: TestUser) => ((await api.t.inject(api.app, user, '/api/bypasses')).json() as { bypasses: { id: number }[] }).bypasses.map((x) => x.id).sort();
    expect(await listed('security')).toEqual([b.id, door.id].sort());
    expect(await listed('icu-nurse')).toEqual([door.id]);

    seq = headSeq(api);
    expect(errorOf(await api.t.inject(api.app, 'icu-nurse', { method: 'DELETE', url: `/api/bypasses/${b.id}` }))).toEqual({ status: 404, code: 'RTLS_ERR_NOT_FOUND' });
    const ended = await api.t.inject(api.app, 'maternity-nurse', { method: 'DELETE', url: `/api/bypasses/${b.id}` });
    expect(BypassSchema.parse(ended.json()).endedAt).not.toBeNull();
    expect(errorOf(await api.t.inject(api.app, 'maternity-nurse', { method: 'DELETE', url: `/api/bypasses/${b.id}` }))).toEqual({ status: 409, code: 'RTLS_ERR_CONFLICT' });
    expect(auditSince(api, seq, 'bypass').map((x) => x.detail)).toEqual([`bypass ${b.id} ended early`]);
    expect(await listed('security')).toEqual([door.id]);
  });

  it('rules: read with alarms:view, written by admins only, validated against the site, audited', async () => {
    expect((await api.t.inject(api.app, 'materials', '/api/rules')).statusCode).toBe(200);
    const rule = {
      name: 'Pump leaves L0', severity: 'medium', condition: { kind: 'off-floor', floors: ['L0'], minutes: 2 },
      subjects: { kinds: ['equipment'], categories: ['infusion-pump'], tags: [] },
    };
    expect(errorOf(await post('security', '/api/rules', rule))).toEqual({ status: 403, code: 'RTLS_ERR_FORBIDDEN' });
    const bad = await post('admin', '/api/rules', { ...rule, condition: { kind: 'exit-cross', zones: ['L0-corridor', 'L7-roof'], doors: ['no-door'] } });
    expect(errorOf(bad)).toEqual({ status: 400, code: 'RTLS_ERR_VALIDATION' });
    expect(ErrorBodySchema.parse(bad.json()).details).toEqual([
      'condition.zones: no room or zone L7-roof in the site', 'condition.doors: no door no-door in the site',
    ]);
    const seq = headSeq(api);
    const created = await post('admin', '/api/rules', rule);
    expect(created.statusCode, created.body).toBe(201);
    const r = RuleSchema.parse(created.json());
    expect(r).toMatchObject({ id: 'pump-leaves-l0', origin: 'user', enabled: true, autoResolve: false });
    const put = await api.t.inject(api.app, 'admin', { method: 'PUT', url: `/api/rules/${r.id}`, payload: { ...rule, enabled: false } });
    expect(RuleSchema.parse(put.json()).enabled).toBe(false);
    expect(errorOf(await api.t.inject(api.app, 'admin', { method: 'PUT', url: '/api/rules/nope', payload: rule }))).toEqual({ status: 404, code: 'RTLS_ERR_RULE_NOT_FOUND' });
    expect((await api.t.inject(api.app, 'admin', { method: 'DELETE', url: `/api/rules/${r.id}` })).statusCode).toBe(204);
    expect(errorOf(await api.t.inject(api.app, 'admin', `/api/rules/${r.id}`))).toEqual({ status: 404, code: 'RTLS_ERR_RULE_NOT_FOUND' });
    expect(auditSince(api, seq, 'change-rules').map((x) => [x.object, x.detail?.split(' ')[0]]).reverse()).toEqual([
      ['rule:pump-leaves-l0', 'create'], ['rule:pump-leaves-l0', 'update'], ['rule:pump-leaves-l0', 'delete'],
    ]);
  });

  it('pairings: nurses pair their own unit’s patients; others neither see nor change them', async () => {
    const pair = { subject: INFANT, companion: MOTHER };
    expect(errorOf(await api.t.inject(api.app, 'icu-nurse', { method: 'PUT', url: '/api/pairings', payload: pair }))).toEqual({ status: 404, code: 'RTLS_ERR_TAG_NOT_FOUND' });
    expect(errorOf(await api.t.inject(api.app, 'materials', { method: 'PUT', url: '/api/pairings', payload: pair }))).toEqual({ status: 403, code: 'RTLS_ERR_FORBIDDEN' });
    const seq = headSeq(api);
    const r = await api.t.inject(api.app, 'maternity-nurse', { method: 'PUT', url: '/api/pairings', payload: pair });
    expect(r.statusCode, r.body).toBe(200);
    expect(auditSince(api, seq, 'change-rules').map((x) => [x.object, [...x.patients].sort()])).toEqual([[`pairing:${INFANT}`, [INFANT, MOTHER].sort()]]);
    expect(api.rules.pairings()).toHaveLength(1);
    const seen = async (user: TestUser) => ((await api.t.inject(api.app, user, '/api/pairings')).json() as { pairings: unknown[] }).pairings.length;
    expect(await seen('security')).toBe(1);
    expect(await seen('icu-nurse')).toBe(0);
    expect(errorOf(await api.t.inject(api.app, 'icu-nurse', { method: 'DELETE', url: `/api/pairings/${enc(INFANT)}` }))).toEqual({ status: 404, code: 'RTLS_ERR_NOT_FOUND' });
    expect((await api.t.inject(api.app, 'maternity-nurse', { method: 'DELETE', url: `/api/pairings/${enc(INFANT)}?companion=${enc(MOTHER)}` })).statusCode).toBe(204);
    expect(api.rules.pairings()).toHaveLength(0);
  });

  it('webhooks: admin only, secrets stored but never returned, removal audited', async () => {
    const hook = { url: 'https://pager.example.org/hook?token=abc', minSeverity: 'high', secret: 'a-shared-secret-of-some-length' };
    expect(errorOf(await post('security', '/api/webhooks', hook))).toEqual({ status: 403, code: 'RTLS_ERR_FORBIDDEN' });
    const seq = headSeq(api);
    const r = await post('admin', '/api/webhooks', hook);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ url: hook.url, minSeverity: 'high', enabled: true, hasSecret: true });
    expect(r.body).not.toContain(hook.secret);
    const listed = await api.t.inject(api.app, 'admin', '/api/webhooks');
    expect(WebhookListResponseSchema.parse(listed.json()).webhooks).toHaveLength(1);
    expect(listed.body).not.toContain(hook.secret);
    const id = (r.json() as { id: number }).id;
    expect(api.delivery.webhookTarget(id)!.secret).toBe(hook.secret);
    expect((await api.t.inject(api.app, 'admin', { method: 'DELETE', url: `/api/webhooks/${id}` })).statusCode).toBe(204);
    expect(errorOf(await api.t.inject(api.app, 'admin', { method: 'DELETE', url: `/api/webhooks/${id}` }))).toEqual({ status: 404, code: 'RTLS_ERR_NOT_FOUND' });
    // The audit log names the host and path, never the token in the query string or the secret.
    const recs = auditSince(api, seq, 'change-rules');
    expect(recs.map((x) => x.object).reverse()).toEqual(['webhook:https://pager.example.org/hook', `webhook:${id}`]);
    expect(JSON.stringify(recs)).not.toContain('abc');
    expect(JSON.stringify(recs)).not.toContain(hook.secret);
    expect((await api.t.inject(api.app, 'admin', '/api/deliveries')).statusCode).toBe(200);
    expect((await api.t.inject(api.app, 'security', '/api/deliveries')).statusCode).toBe(403);
  });

  it('no audit record, no action: with the audit log down, acting is refused and nothing changes', async () => {
    const id = api.ids[ICU_PATIENT]!;
    api.t.opened.access.deps.audit.close();
    expect(errorOf(await post('security', `/api/alarms/${id}/acknowledge`, {}))).toEqual({ status: 503, code: 'RTLS_ERR_AUDIT_UNAVAILABLE' });
    expect(errorOf(await post('security', `/api/alarms/${id}/resolve`, { note: 'resolved while the audit was down' }))).toEqual({ status: 503, code: 'RTLS_ERR_AUDIT_UNAVAILABLE' });
    expect(errorOf(await api.t.inject(api.app, 'security', '/api/alarms'))).toEqual({ status: 503, code: 'RTLS_ERR_AUDIT_UNAVAILABLE' });
    expect(api.manager.get(id)!.state).toBe('open');
  });
});
