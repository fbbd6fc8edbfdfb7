import { createEffect, createMemo, For, on, Show, type Accessor } from 'solid-js';
import { SeveritySchema } from '@rtls/protocol';
import { SEVERITY_LABEL } from '../alarm-format.ts';
import { useApp } from '../context.ts';
import type { AlarmOverlay } from '../map/alarm-overlay.ts';
import type { AlarmStateFilter, SeverityFilter } from '../stores/alarms.ts';
import { loadErrorText } from '../stores/replay.ts';
import { alarmConsoleHash, type AlarmConsoleRoute } from '../stores/routes.ts';
import type { AlarmAlerter } from './AlarmAlerts.tsx';
import { AlarmCard } from './AlarmCard.tsx';
import { AlarmHistory } from './AlarmHistory.tsx';
import { BypassList } from './BypassList.tsx';
import { loadAllPlans } from './load-all-plans.ts';

export interface AlarmConsoleProps {
  route: Accessor<AlarmConsoleRoute>;
  navigate(hash: string): void;
  overlay: AlarmOverlay;
  alerter: AlarmAlerter;
}

const SEVERITIES = SeveritySchema.options;

/**
 * The alarm console beside the live map (issue #7 item 5): live list sorted by severity and age, filters, a history
 * view; the alarm in the URL is focused — the map centres on its subject with the recent trail.
 */
export function AlarmConsole(props: AlarmConsoleProps) {
  const { stores, showFloor, auth } = useApp();
  const { alarms, floors, ui } = stores;
  // Place names for every floor (an alarm may be about a floor the map is not showing).
  loadAllPlans();

  // The URL says which alarm is looked at; a click on the same one again re-centres (navigate re-sets the route).
  createEffect(on(props.route, (r) => {
    if (r.alarm !== null) alarms.focus(r.alarm);
    else if (alarms.focused() !== null) alarms.focus(null);
  }));
  // Once per click, when it is known where the subject is: show its floor and select its live marker.
  let placedSeq = 0;
  createEffect(() => {
    const f = props.overlay.focus();
    if (!f || !f.ready || f.seq === placedSeq) return;
    placedSeq = f.seq;
    const a = alarms.focusedAlarm();
    if (a?.subject.type === 'tag') ui.select(a.subject.id);
    if (f.centre && f.centre.floor !== floors.current()) showFloor(f.centre.floor);
  });

  const visible = createMemo(() => alarms.visible());
  // Rows are keyed by id, not by object: an update (escalated, cleared) must not throw away a resolve note being typed.
  const ids = createMemo(() => visible().map((a) => a.id), [], { equals: (x, y) => x.length === y.length && x.every((v, i) => v === y[i]) });
  const byId = createMemo(() => new Map(visible().map((a) => [a.id, a])));
  const openCount = createMemo(() => alarms.openCount());
  const activeCount = createMemo(() => alarms.activeCount());
  /** The focused alarm when the list does not show it (resolved meanwhile, or filtered out): kept in view above. */
  const focusedOutside = createMemo(() => {
    const a = alarms.focusedAlarm();
    if (!a || props.route().tab !== 'live') return null;
    return visible().some((v) => v.id === a.id) ? null : a;
  });
  const select = (id: number) => props.navigate(alarmConsoleHash({ tab: props.route().tab, alarm: id }));
  const close = () => props.navigate(alarmConsoleHash({ tab: props.route().tab }));
  const { sound, notifier } = props.alerter;

  return (
    <section class="alarm-console" aria-label="Alarm console" data-testid="alarm-console">
      <header class="console-head">
        <h2>Alarms</h2>
        <span class="console-counts" data-testid="alarm-counts">
          <strong data-testid="alarm-open-count">{openCount()}</strong> open · {activeCount() - openCount()} acknowledged
        </span>
        <div class="console-tools">
          <button type="button" class="tool-toggle" aria-pressed={!sound.muted()} data-testid="alarm-sound-toggle"
            title={sound.muted() ? 'Alarm sound is off' : 'Alarm sound is on'} onClick={() => sound.setMuted(!sound.muted())}>
            {sound.muted() ? 'Sound off' : 'Sound on'}
          </button>
          <Show when={notifier.permission() === 'default'}>
            <button type="button" class="tool-toggle" data-testid="alarm-notify-enable" onClick={() => void notifier.ask()}>Notify me</button>
          </Show>
          <Show when={notifier.permission() === 'denied'}>
            <span class="muted small" title="Allow notifications for this site in the browser's settings">Notifications blocked</span>
          </Show>
        </div>
      </header>
      <div class="list-tabs" role="tablist">
        <a role="tab" class="tab-link" classList={{ active: props.route().tab === 'live' }} aria-selected={props.route().tab === 'live'}
          href={alarmConsoleHash({ tab: 'live' })} data-testid="alarm-tab-live">Live ({activeCount()})</a>
        <a role="tab" class="tab-link" classList={{ active: props.route().tab === 'history' }} aria-selected={props.route().tab === 'history'}
          href={alarmConsoleHash({ tab: 'history' })} data-testid="alarm-tab-history">History</a>
      </div>
      <div class="alarm-filters">
        <Show when={props.route().tab === 'live'}>
          <label class="field">
            <span>State</span>
            <select data-testid="alarm-filter-state" value={alarms.filters().state}
              onChange={(e) => alarms.setFilters({ state: e.currentTarget.value as AlarmStateFilter })}>
              <option value="all">Open and acknowledged</option>
              <option value="open">Open</option>
              <option value="acknowledged">Acknowledged</option>
            </select>
          </label>
        </Show>
        <label class="field">
          <span>Severity</span>
          <select data-testid="alarm-filter-severity" value={alarms.filters().severity}
            onChange={(e) => alarms.setFilters({ severity: e.currentTarget.value as SeverityFilter })}>
            <option value="all">All</option>
            <For each={SEVERITIES}>{(s) => <option value={s}>{SEVERITY_LABEL[s]}</option>}</For>
          </select>
        </label>
      </div>
      <Show when={props.route().tab === 'live'} fallback={<AlarmHistory focused={alarms.focused()} onSelect={select} onClose={close} />}>
        <Show when={alarms.error()}>
          {(e) => <p class="load-error boxed" role="alert" data-testid="alarm-load-error">{loadErrorText(e(), 'the alarms')}</p>}
        </Show>
        <Show when={alarms.trail().error}>
          {(e) => <p class="muted small" data-testid="alarm-trail-error">{loadErrorText(e(), 'the trail')}</p>}
        </Show>
        <Show when={focusedOutside()}>
          {(a) => (
            <ul class="alarm-list focused-outside">
              <AlarmCard alarm={a()} focused onSelect={() => select(a().id)} onClose={close} />
            </ul>
          )}
        </Show>
        <Show
          when={visible().length > 0}
          fallback={
            <p class="muted" data-testid="alarm-empty">
              {alarms.state() === 'loading' || alarms.state() === 'idle' ? 'Loading…' : activeCount() > 0 ? 'No alarms match the filters.' : 'No open alarms.'}
            </p>
          }
        >
          <ul class="alarm-list" data-testid="alarm-list">
            <For each={ids()}>
              {(id) => (
                <Show when={byId().get(id)}>
                  {(a) => <AlarmCard alarm={a()} focused={alarms.focused() === id} onSelect={() => select(id)} onClose={close} />}
                </Show>
              )}
            </For>
          </ul>
        </Show>
        <BypassList />
        <Show when={!auth.can('alarms:act')}>
          <p class="muted small">Your role may look at alarms; acknowledging and resolving them is for security, clinical and biomedical staff.</p>
        </Show>
      </Show>
    </section>
  );
}
