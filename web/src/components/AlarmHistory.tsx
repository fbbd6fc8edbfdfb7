import { createEffect, For, Show } from 'solid-js';
import type { Alarm } from '@rtls/protocol';
import { placeName, SEVERITY_LABEL } from '../alarm-format.ts';
import { useApp } from '../context.ts';
import { subjectName } from '../stores/alarms.ts';
import { formatDwell, loadErrorText, timeLabel } from '../stores/replay.ts';
import { AlarmEvidence } from './AlarmCard.tsx';

/** Who closed it and how: the last resolve (or auto-resolve) in the alarm's own history. */
export function resolution(a: Alarm): { t: number; by: string; note: string | null; auto: boolean } | null {
  for (let i = a.history.length - 1; i >= 0; i--) {
    const h = a.history[i]!;
    if (h.action === 'resolved' || h.action === 'auto-resolved') return { t: h.t, by: h.by, note: h.note, auto: h.action === 'auto-resolved' };
  }
  return null;
}

/** Resolved alarms, newest first, "Load older" paging backwards by opening time (issue #7 item 5: "a history view"). */
export function AlarmHistory(props: { focused: number | null; onSelect(id: number): void; onClose(): void }) {
  const { stores } = useApp();
  const alarms = stores.alarms;
  createEffect(() => {
    if (alarms.historyState() === 'idle') void alarms.loadHistory(true);
  });
  return (
    <div class="alarm-history" data-testid="alarm-history">
      <Show when={alarms.historyError()}>
        {(e) => <p class="load-error boxed" role="alert">{loadErrorText(e(), 'the alarm history')}</p>}
      </Show>
      <Show when={alarms.history().length > 0} fallback={<p class="muted">{alarms.historyState() === 'loading' ? 'Loading…' : 'No resolved alarms.'}</p>}>
        <ul class="alarm-list">
          <For each={alarms.history()}>
            {(a) => {
              const r = () => resolution(a);
              const focused = () => props.focused === a.id;
              return (
                <li class={`alarm-card history sev-${a.severity} state-resolved`} classList={{ focused: focused() }} data-testid="alarm-history-row" data-alarm-id={a.id}>
                  <button type="button" class="alarm-main" aria-expanded={focused()} onClick={() => props.onSelect(a.id)}>
                    <span class="alarm-top">
                      <span class={`sev-badge sev-${a.severity}`}>{SEVERITY_LABEL[a.severity]}</span>
                      <span class="state-badge state-resolved">{r()?.auto ? 'Auto-resolved' : 'Resolved'}</span>
                      <span class="alarm-age">{timeLabel(a.openedAt, true)}</span>
                    </span>
                    <span class="alarm-title">{a.ruleName}</span>
                    <span class="alarm-subject"><strong>{subjectName(a)}</strong></span>
                    <span class="alarm-where">{placeName(a, stores.floors.plans())}</span>
                    <Show when={r()}>
                      {(res) => (
                        <span class="alarm-foot small">
                          <span>
                            {res().auto ? 'Cleared' : `By ${res().by}`} after {formatDwell(res().t - a.openedAt)}
                            <Show when={res().note}>{(n) => <span class="alarm-log-note">“{n()}”</span>}</Show>
                          </span>
                        </span>
                      )}
                    </Show>
                  </button>
                  <Show when={focused()}>
                    <div class="alarm-details">
                      <div class="alarm-details-head">
                        <span class="panel-title">Why it fired</span>
                        <button type="button" class="icon-button small" aria-label="Close alarm details" onClick={() => props.onClose()}>×</button>
                      </div>
                      <AlarmEvidence alarm={a} />
                    </div>
                  </Show>
                </li>
              );
            }}
          </For>
        </ul>
      </Show>
      <Show when={alarms.historyMore()}>
        <button type="button" class="secondary" data-testid="alarm-history-more" disabled={alarms.historyState() === 'loading'} onClick={() => void alarms.loadHistory(false)}>
          {alarms.historyState() === 'loading' ? 'Loading…' : 'Load older'}
        </button>
      </Show>
    </div>
  );
}
