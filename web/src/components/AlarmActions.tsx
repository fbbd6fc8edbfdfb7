import { createSignal, For, Show } from 'solid-js';
import type { Alarm } from '@rtls/protocol';
import { findPlace, type PlaceKind } from '../alarm-format.ts';
import { useApp } from '../context.ts';

/** Resolve notes and bypass reasons as the server checks them (protocol alarms.ts): refused early, with the same words. */
const MIN_NOTE = 3;
const MIN_REASON = 5;
const MAX_BYPASS_MIN = 720;
const DEFAULT_BYPASS_MIN = 30;

type BypassTargetType = 'tag' | 'zone' | 'door' | 'gateway';

/** The bypass targets an alarm offers: its subject, and the zone or door it is about. */
export function bypassTargets(a: Alarm, placeKind: PlaceKind | null): { type: BypassTargetType; id: string; label: string }[] {
  const out: { type: BypassTargetType; id: string; label: string }[] = [];
  if (a.subject.type === 'tag') out.push({ type: 'tag', id: a.subject.id, label: `This tag (${a.subject.label})` });
  else out.push({ type: 'gateway', id: a.subject.id, label: `This gateway (${a.subject.id})` });
  if (a.where !== null && a.where !== a.subject.id) {
    // A door alarm (exit crossed at a portal) names the door; otherwise the place is a room or zone.
    const type: BypassTargetType = placeKind === 'door' ? 'door' : placeKind === 'gateway' ? 'gateway' : 'zone';
    out.push({ type, id: a.where, label: type === 'door' ? 'This door' : type === 'gateway' ? 'This gateway' : 'This zone' });
  }
  return out;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Acknowledge, assign (to me or a name), resolve (note required), bypass (target, reason, minutes): alarms:act only. */
export function AlarmActions(props: { alarm: Alarm }) {
  const { api, auth, stores } = useApp();
  const a = () => props.alarm;
  const [busy, setBusy] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [done, setDone] = createSignal<string | null>(null);
  const [assignee, setAssignee] = createSignal('');
  const [note, setNote] = createSignal('');
  const [bypassOpen, setBypassOpen] = createSignal(false);
  const [target, setTarget] = createSignal(0);
  const [reason, setReason] = createSignal('');
  const [minutes, setMinutes] = createSignal(DEFAULT_BYPASS_MIN);

  const run = async (what: string, fn: () => Promise<Alarm | null | void>, ok: string) => {
    setBusy(what);
    setError(null);
    setDone(null);
    try {
      const r = await fn();
      if (r) stores.alarms.upsert(r);
      setDone(ok);
      return true;
    } catch (e) {
      setError(message(e));
      return false;
    } finally {
      setBusy(null);
    }
  };
  const me = () => auth.user()?.username ?? '';
  const place = () => findPlace(a().where, a().evidence.floor, stores.floors.plans());
  const targets = () => bypassTargets(a(), place()?.kind ?? null);
  const noteOk = () => note().trim().length >= MIN_NOTE;
  const reasonOk = () => reason().trim().length >= MIN_REASON;
  const minutesOk = () => Number.isInteger(minutes()) && minutes() >= 1 && minutes() <= MAX_BYPASS_MIN;

  return (
    <Show when={auth.can('alarms:act') && a().state !== 'resolved'}>
      <div class="alarm-actions" data-testid="alarm-actions">
        <div class="action-row">
          <Show when={a().state === 'open'}>
            <button type="button" class="primary" data-testid="alarm-ack" disabled={busy() !== null}
              onClick={() => void run('ack', () => api.acknowledgeAlarm(a().id), 'Acknowledged')}>
              Acknowledge
            </button>
          </Show>
          <Show when={a().assignee !== me()}>
            <button type="button" class="secondary" data-testid="alarm-assign-me" disabled={busy() !== null}
              onClick={() => void run('assign', () => api.assignAlarm(a().id, me()), `Assigned to ${me()}`)}>
              Assign to me
            </button>
          </Show>
        </div>
        <form class="action-row" onSubmit={(e) => {
          e.preventDefault();
          const who = assignee().trim();
          if (who === '') return;
          void run('assign', () => api.assignAlarm(a().id, who), `Assigned to ${who}`).then((ok) => ok && setAssignee(''));
        }}>
          <input class="cell-input grow" placeholder="Assign to (username)" aria-label="Assign to (username)" maxLength={64} data-testid="alarm-assignee-input"
            value={assignee()} onInput={(e) => setAssignee(e.currentTarget.value)} />
          <button type="submit" class="secondary" data-testid="alarm-assign" disabled={busy() !== null || assignee().trim() === ''}>Assign</button>
        </form>
        <form class="action-col" onSubmit={(e) => {
          e.preventDefault();
          if (!noteOk()) return;
          void run('resolve', () => api.resolveAlarm(a().id, note().trim()), 'Resolved').then((ok) => ok && setNote(''));
        }}>
          <label class="field">
            <span>How was it resolved? (required)</span>
            <textarea rows="2" maxLength={500} data-testid="alarm-resolve-note" value={note()} onInput={(e) => setNote(e.currentTarget.value)}
              placeholder="e.g. Infant returned to the nursery with its mother" />
          </label>
          <div class="action-row">
            <button type="submit" class="danger-button" data-testid="alarm-resolve" disabled={busy() !== null || !noteOk()}>Resolve</button>
            <Show when={note().trim() !== '' && !noteOk()}>
              <span class="muted small">Say how it was resolved (at least {MIN_NOTE} characters).</span>
            </Show>
            <button type="button" class="plain push-right" data-testid="alarm-bypass-open" aria-expanded={bypassOpen()} onClick={() => setBypassOpen((v) => !v)}>
              Bypass…
            </button>
          </div>
        </form>
        <Show when={bypassOpen()}>
          <form class="action-col bypass-form" data-testid="alarm-bypass-form" onSubmit={(e) => {
            e.preventDefault();
            const t = targets()[target()];
            if (!t || !reasonOk() || !minutesOk()) return;
            void run('bypass', async () => {
              const b = await api.createBypass({ target: { type: t.type, id: t.id }, reason: reason().trim(), minutes: minutes() });
              if (b) stores.bypasses.upsert(b);
              else stores.bypasses.setList(await api.bypasses());
            }, `Bypassed for ${minutes()} min`).then((ok) => {
              if (!ok) return;
              setReason('');
              setBypassOpen(false);
            });
          }}>
            <p class="small muted">No alarms for the target while the bypass lasts (e.g. an infant taken to a procedure); it re-arms by itself.</p>
            <fieldset class="target-choice">
              <legend class="small strong">Target</legend>
              <For each={targets()}>
                {(t, i) => (
                  <label class="toggle">
                    <input type="radio" name={`bypass-target-${a().id}`} data-testid={`alarm-bypass-target-${t.type}`} checked={target() === i()} onChange={() => setTarget(i())} />
                    {t.label}
                  </label>
                )}
              </For>
            </fieldset>
            <label class="field">
              <span>Reason (required)</span>
              <input maxLength={500} data-testid="alarm-bypass-reason" value={reason()} onInput={(e) => setReason(e.currentTarget.value)} placeholder="e.g. Taken to the OR for a procedure" />
            </label>
            <div class="action-row">
              <label class="field narrow-field">
                <span>Minutes</span>
                <input type="number" min="1" max={MAX_BYPASS_MIN} step="1" data-testid="alarm-bypass-minutes" value={minutes()}
                  onInput={(e) => setMinutes(Number(e.currentTarget.value))} />
              </label>
              <button type="submit" class="secondary" data-testid="alarm-bypass-submit" disabled={busy() !== null || !reasonOk() || !minutesOk()}>Start bypass</button>
            </div>
            <Show when={reason().trim() !== '' && !reasonOk()}>
              <span class="muted small">Give the reason (at least {MIN_REASON} characters).</span>
            </Show>
          </form>
        </Show>
        <Show when={error()}>
          <p class="form-error" role="alert" data-testid="alarm-action-error">{error()}</p>
        </Show>
        <Show when={done()}>
          <p class="form-ok" role="status" data-testid="alarm-action-done">{done()}</p>
        </Show>
      </div>
    </Show>
  );
}
