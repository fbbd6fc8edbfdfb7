import { For, onCleanup, onMount, Show } from 'solid-js';
import type { SecurityAlarm } from '@rtls/protocol';
import { useApp } from '../context.ts';
import { timeLabel } from '../stores/replay.ts';
import { auditHash } from '../stores/routes.ts';

export const ALARM_KIND_LABEL: Readonly<Record<SecurityAlarm['kind'], string>> = Object.freeze({
  'many-patients': 'Many patients viewed',
  'unusual-hour': 'Unusual hour',
  'break-glass': 'Break-glass',
  'login-lockout': 'Login lockout',
});

/** Unusual-access alarms raised from the audit log (issue #6 item 4), newest first, live ones included. */
export function SecurityAlarmsPage() {
  const { api, stores, auth } = useApp();
  const alarms = stores.securityAlarms;
  const ac = new AbortController();
  onMount(() => {
    alarms.markSeen();
    api.securityAlarms(ac.signal).then(
      (list) => alarms.setList(list),
      (e: unknown) => {
        if (!ac.signal.aborted) alarms.loadFailed(`Could not load the security alarms: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  });
  onCleanup(() => {
    ac.abort();
    alarms.markSeen();
  });
  return (
    <div class="admin-page" data-testid="security-alarms-page">
      <section class="panel admin-panel">
        <header class="admin-head">
          <h2>Security alarms</h2>
          <span class="muted small">Unusual access found in the audit log: many patients viewed in a short time, look-ups at unusual hours, break-glass, login lockouts.</span>
        </header>
        <Show when={alarms.error()}>
          <p class="load-error boxed" role="alert">{alarms.error()}</p>
        </Show>
        <Show when={alarms.list().length > 0} fallback={<p class="muted">{alarms.state() === 'ready' ? 'No security alarms.' : 'Loading…'}</p>}>
          <div class="table-scroll tall">
            <table class="data-table admin-table">
              <thead>
                <tr><th>Time</th><th>Kind</th><th>User</th><th>What happened</th><th /></tr>
              </thead>
              <tbody>
                <For each={alarms.list()}>
                  {(a) => (
                    <tr data-testid="security-alarm-row" data-alarm-id={a.id}>
                      <td class="nowrap">{timeLabel(a.t, true)}</td>
                      <td><span class={`badge kind-${a.kind}`}>{ALARM_KIND_LABEL[a.kind]}</span></td>
                      <td class="strong">{a.actor}</td>
                      <td>{a.message}</td>
                      <td>
                        <Show when={auth.can('audit:view')}>
                          <a class="secondary-link" href={auditHash({ actor: a.actor })}>Audit trail</a>
                        </Show>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </section>
    </div>
  );
}
