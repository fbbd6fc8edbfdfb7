import { For } from 'solid-js';
import { useApp } from '../context.ts';
import { clockTime } from '../format.ts';
import { ALARMS_HASH } from '../stores/routes.ts';
import { ALARM_KIND_LABEL } from './SecurityAlarmsPage.tsx';

/** Live unusual-access alarms (ws `security-alarm`) for security and admin: they stay until dismissed. */
export function SecurityAlarmToasts() {
  const { stores } = useApp();
  const alarms = stores.securityAlarms;
  return (
    <div class="toasts" aria-live="assertive" data-testid="security-toasts">
      <For each={alarms.toasts()}>
        {(a) => (
          <div class="toast" role="alert" data-testid="security-toast" data-alarm-id={a.id}>
            <div class="toast-head">
              <strong>{ALARM_KIND_LABEL[a.kind]}</strong>
              <span class="muted small">{clockTime(a.t)}</span>
              <button type="button" class="icon-button small" aria-label="Dismiss" onClick={() => alarms.dismiss(a.id)}>×</button>
            </div>
            <p>{a.message}</p>
            <p class="small"><span class="muted">User:</span> {a.actor} · <a href={ALARMS_HASH} onClick={() => alarms.dismiss(a.id)}>All security alarms</a></p>
          </div>
        )}
      </For>
    </div>
  );
}
