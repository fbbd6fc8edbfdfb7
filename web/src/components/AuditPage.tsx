import { createEffect, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { AuditActionSchema, type AuditAction } from '@rtls/protocol';
import { ApiError, type AuditQuery } from '../api/client.ts';
import { useApp } from '../context.ts';
import { ROLE_LABEL } from '../format.ts';
import { AUDIT_PAGE_SIZE, createAuditSlice } from '../stores/audit.ts';
import { fromLocalInput, timeLabel, toLocalInput } from '../stores/replay.ts';
import { auditHash } from '../stores/routes.ts';

const ACTIONS: readonly AuditAction[] = AuditActionSchema.options;
const LIMITS = [50, 200, 1000] as const;
const errText = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e));

/**
 * The audit log (issue #6 item 4: "An admin page to search it"): who did what to which object and which patients, from
 * where; filters live in the URL (#/admin/audit?actor=…), so a search can be shared with an investigator. "Verify"
 * re-checks the hash chain on the server and names the first broken record.
 */
export function AuditPage(props: { query: AuditQuery }) {
  const { api, navigate } = useApp();
  const audit = createAuditSlice();
  // The form's fields, seeded from the URL and re-seeded when it changes (back button, a shared link).
  const [actor, setActor] = createSignal('');
  const [action, setAction] = createSignal('');
  const [patient, setPatient] = createSignal('');
  const [from, setFrom] = createSignal('');
  const [to, setTo] = createSignal('');
  const [breakGlass, setBreakGlass] = createSignal('');
  const [limit, setLimit] = createSignal<number>(AUDIT_PAGE_SIZE);
  let inflight: AbortController | null = null;
  onCleanup(() => inflight?.abort());

  const load = (q: AuditQuery, append: boolean) => {
    inflight?.abort();
    const ac = new AbortController();
    inflight = ac;
    const query = { ...q, limit: q.limit ?? AUDIT_PAGE_SIZE };
    if (!append) audit.begin(query);
    const page = append ? { ...query, before: audit.nextBefore() } : query;
    api.audit(page, ac.signal).then(
      (records) => audit.page(query, records, append),
      (e: unknown) => {
        if (!ac.signal.aborted) audit.failed(query, `Could not search the audit log: ${errText(e)}`);
      },
    );
  };

  createEffect(on(() => props.query, (q) => {
    setActor(q.actor ?? '');
    setAction(q.action ?? '');
    setPatient(q.patient ?? '');
    setFrom(q.from === undefined ? '' : toLocalInput(q.from));
    setTo(q.to === undefined ? '' : toLocalInput(q.to));
    setBreakGlass(q.breakGlass === undefined ? '' : String(q.breakGlass));
    setLimit(q.limit ?? AUDIT_PAGE_SIZE);
    load(q, false);
  }));

  const search = (e: Event) => {
    e.preventDefault();
    const q: AuditQuery = {};
    if (actor().trim()) q.actor = actor().trim();
    if (action()) q.action = action() as AuditAction;
    if (patient().trim()) q.patient = patient().trim();
    const f = fromLocalInput(from());
    if (f !== null) q.from = f;
    const t = fromLocalInput(to());
    if (t !== null) q.to = t;
    if (breakGlass() !== '') q.breakGlass = breakGlass() === 'true';
    if (limit() !== AUDIT_PAGE_SIZE) q.limit = limit();
    const hash = auditHash(q);
    // The same search again is a refresh.
    if (window.location.hash === hash) load(q, false);
    else navigate(hash);
  };

  const verify = async () => {
    audit.setVerify({ state: 'loading', result: null, error: null });
    try {
      audit.setVerify({ state: 'ready', result: await api.verifyAudit(), error: null });
    } catch (e) {
      audit.setVerify({ state: 'error', result: null, error: errText(e) });
    }
  };

  return (
    <div class="admin-page" data-testid="audit-page">
      <section class="panel admin-panel">
        <header class="admin-head">
          <h2>Audit log</h2>
          <span class="muted small">Append-only and hash-chained: every login, every view of a patient, every change.</span>
          <div class="push-right verify">
            <button type="button" class="secondary" disabled={audit.verify().state === 'loading'} data-testid="audit-verify" onClick={() => void verify()}>
              {audit.verify().state === 'loading' ? 'Verifying…' : 'Verify chain'}
            </button>
          </div>
        </header>
        <Show when={audit.verify().state !== 'idle' && audit.verify().state !== 'loading'}>
          <VerifyResult v={audit.verify()} />
        </Show>
        <form class="audit-filters" onSubmit={search} data-testid="audit-filters">
          <label class="field">
            <span>User</span>
            <input value={actor()} spellcheck={false} data-testid="audit-actor" onInput={(e) => setActor(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>Action</span>
            <select value={action()} data-testid="audit-action" onChange={(e) => setAction(e.currentTarget.value)}>
              <option value="">Any</option>
              <For each={ACTIONS}>{(a) => <option value={a}>{a}</option>}</For>
            </select>
          </label>
          <label class="field">
            <span>Patient tag</span>
            <input value={patient()} spellcheck={false} placeholder="ble:…" data-testid="audit-patient" onInput={(e) => setPatient(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>From</span>
            <input type="datetime-local" value={from()} data-testid="audit-from" onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>To</span>
            <input type="datetime-local" value={to()} data-testid="audit-to" onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>Break-glass</span>
            <select value={breakGlass()} data-testid="audit-break-glass" onChange={(e) => setBreakGlass(e.currentTarget.value)}>
              <option value="">Any</option>
              <option value="true">Only break-glass</option>
              <option value="false">Without break-glass</option>
            </select>
          </label>
          <label class="field narrow-field">
            <span>Rows</span>
            <select value={String(limit())} onChange={(e) => setLimit(Number(e.currentTarget.value))}>
              <For each={LIMITS}>{(n) => <option value={String(n)}>{n}</option>}</For>
            </select>
          </label>
          <div class="form-actions">
            <button type="submit" class="primary" data-testid="audit-search">Search</button>
            <a class="plain-link" href={auditHash({})}>Clear</a>
          </div>
        </form>
        <Show when={audit.error()}>
          <p class="load-error boxed" role="alert" data-testid="audit-error">{audit.error()}</p>
        </Show>
        <div class="table-scroll tall">
          <table class="data-table admin-table audit-table" data-testid="audit-table">
            <thead>
              <tr>
                <th class="num">#</th><th>Time</th><th>User</th><th>Action</th><th>Object</th><th>Patients</th><th>Source</th><th>Outcome</th><th>Detail</th>
              </tr>
            </thead>
            <tbody>
              <For each={audit.records()} fallback={<tr><td colSpan={9} class="muted">{audit.state() === 'loading' ? 'Searching…' : 'No records match.'}</td></tr>}>
                {(r) => (
                  <tr data-testid="audit-row" data-seq={r.seq} data-action={r.action} data-actor={r.actor} classList={{ 'row-denied': r.outcome === 'denied', 'row-break-glass': r.breakGlass }}>
                    <td class="num">{r.seq}</td>
                    <td class="nowrap">{timeLabel(r.t, true)}</td>
                    <td>
                      <span class="strong">{r.actor}</span>
                      <Show when={r.role}>{(role) => <span class="muted small block">{ROLE_LABEL[role()]}</span>}</Show>
                    </td>
                    <td class="nowrap">
                      {r.action}
                      <Show when={r.breakGlass}> <span class="badge danger" title="Done under break-glass access">break-glass</span></Show>
                    </td>
                    <td class="mono wrap">{r.object}</td>
                    <td class="mono wrap small" title={r.patients.join('\n')}>{r.patients.length === 0 ? '—' : r.patients.length <= 2 ? r.patients.join(', ') : `${r.patients.length} patients`}</td>
                    <td class="mono small">{r.source ?? '—'}</td>
                    <td><span class={r.outcome === 'ok' ? 'badge ok' : 'badge danger'}>{r.outcome}</span></td>
                    <td class="small wrap">{r.detail ?? ''}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <div class="audit-foot">
          <span class="muted small" data-testid="audit-count">{audit.records().length} records shown</span>
          <Show when={audit.more()}>
            <button type="button" class="secondary" disabled={audit.state() === 'loading'} data-testid="audit-more" onClick={() => load(props.query, true)}>Load older</button>
          </Show>
        </div>
      </section>
    </div>
  );
}

function VerifyResult(props: { v: ReturnType<ReturnType<typeof createAuditSlice>['verify']> }) {
  return (
    <Show when={props.v.result} fallback={<p class="verify-result bad" role="alert" data-testid="audit-verify-result" data-ok="error">Could not verify: {props.v.error}</p>}>
      {(r) => (
        <Show
          when={r().ok}
          fallback={
            <p class="verify-result bad" role="alert" data-testid="audit-verify-result" data-ok="false">
              <strong>Chain broken at record #{r().brokenAt ?? '?'}</strong> — {r().problem ?? 'hash mismatch'}. {r().records} records checked. Records
              from #{r().brokenAt ?? '?'} on may have been altered: preserve the database and investigate.
            </p>
          }
        >
          <p class="verify-result ok" role="status" data-testid="audit-verify-result" data-ok="true">
            <strong>Chain intact</strong> — {r().records} records verified
            <Show when={r().headHash}>{(h) => <>, head <code title={h()}>{h().slice(0, 16)}…</code></>}</Show>.
          </p>
        </Show>
      )}
    </Show>
  );
}
