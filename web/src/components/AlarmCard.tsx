import { createEffect, For, Show } from 'solid-js';
import type { Alarm } from '@rtls/protocol';
import { accuracyText, confidenceText, placeName, SEVERITY_LABEL, STATE_LABEL } from '../alarm-format.ts';
import { useApp } from '../context.ts';
import { clockTime, KIND_LABEL, METHOD_LABEL } from '../format.ts';
import { subjectName } from '../stores/alarms.ts';
import { formatDwell, replayHash } from '../stores/replay.ts';
import { AlarmActions } from './AlarmActions.tsx';

export interface AlarmCardProps {
  alarm: Alarm;
  focused: boolean;
  onSelect(): void;
  onClose(): void;
}

/**
 * One open or acknowledged alarm: severity (colour and word), what, who (the patient's name when this viewer may see
 * it), where, how long ago, escalation and whether the condition still holds. The focused one also shows why it fired
 * (the evidence) and, for alarms:act, the actions.
 */
export function AlarmCard(props: AlarmCardProps) {
  const { stores, now } = useApp();
  const a = () => props.alarm;
  const where = () => placeName(a(), stores.floors.plans());
  const floorName = () => {
    const f = a().evidence.floor;
    return f === null ? null : (stores.floors.summary(f)?.name ?? f);
  };
  const named = () => a().subject.patient?.identity != null;
  let el!: HTMLLIElement;
  // Opened by a link (a notification, a shared URL), the focused alarm may be far down the list: bring it into view.
  createEffect(() => {
    if (props.focused) el.scrollIntoView({ block: 'nearest' });
  });
  return (
    <li
      ref={el}
      class={`alarm-card sev-${a().severity} state-${a().state}`}
      classList={{ focused: props.focused, cleared: !a().active }}
      data-testid="alarm-card"
      data-alarm-id={a().id}
      data-state={a().state}
      data-severity={a().severity}
    >
      <button type="button" class="alarm-main" aria-expanded={props.focused} data-testid="alarm-select" onClick={() => props.onSelect()}>
        <span class="alarm-top">
          <span class={`sev-badge sev-${a().severity}`}>{SEVERITY_LABEL[a().severity]}</span>
          <span class={`state-badge state-${a().state}`} data-testid="alarm-state">{STATE_LABEL[a().state]}</span>
          <Show when={a().escalationLevel > 0}>
            <span class="escalation-badge" data-testid="alarm-escalation" title="Not acknowledged in time: escalated">Escalated · level {a().escalationLevel}</span>
          </Show>
          <span class="alarm-age" data-testid="alarm-age" title={`Opened ${clockTime(a().openedAt)}`}>{formatDwell(now() - a().openedAt)}</span>
        </span>
        <span class="alarm-title">{a().ruleName}</span>
        <span class="alarm-subject">
          <strong data-testid="alarm-subject">{subjectName(a())}</strong>
          <Show when={named()}>
            <span class="muted"> · {a().subject.label}</span>
          </Show>
          <Show when={!named() && a().subject.kind}>
            {(k) => <span class="muted"> · {KIND_LABEL[k()]}</span>}
          </Show>
        </span>
        <span class="alarm-where">
          <span data-testid="alarm-where">{where()}</span>
          <Show when={floorName()}>{(f) => <span class="muted"> · {f()}</span>}</Show>
        </span>
        <span class="alarm-foot">
          <span class={`cond-badge ${a().active ? 'active' : 'cleared'}`} data-testid="alarm-active">{a().active ? 'Condition active' : 'Condition cleared'}</span>
          <Show when={a().occurrences > 1}>
            <span class="muted small">×{a().occurrences}</span>
          </Show>
          <Show when={a().assignee}>{(who) => <span class="small" data-testid="alarm-assignee">Assigned to <strong>{who()}</strong></span>}</Show>
        </span>
      </button>
      <Show when={props.focused}>
        <div class="alarm-details" data-testid="alarm-details">
          <div class="alarm-details-head">
            <span class="panel-title">Why it fired</span>
            <button type="button" class="icon-button small" aria-label="Close alarm details" data-testid="alarm-close" onClick={() => props.onClose()}>×</button>
          </div>
          <AlarmEvidence alarm={a()} />
          <Show when={a().subject.type === 'tag'}>
            <a class="secondary-link" data-testid="alarm-replay" href={replayHash({ tag: a().subject.id, from: a().openedAt - 10 * 60_000, to: now() })}>
              Replay from 10 min before
            </a>
          </Show>
          <AlarmActions alarm={a()} />
        </div>
      </Show>
    </li>
  );
}

/** The gateways that heard the subject best: enough to see why, without a wall of ids. */
const GATEWAYS_SHOWN = 3;
const strongest = (gws: Alarm['evidence']['gateways']) => [...gws].sort((a, b) => b.rssi - a.rssi).slice(0, GATEWAYS_SHOWN);

/** The evidence: what was seen, by which gateways, how sure; and what has been done so far. */
export function AlarmEvidence(props: { alarm: Alarm }) {
  const e = () => props.alarm.evidence;
  return (
    <>
      <p class="alarm-detail-text" data-testid="alarm-evidence-detail">{e().detail}</p>
      <dl class="detail-grid alarm-evidence" data-testid="alarm-evidence">
        <dt>Seen</dt>
        <dd>{clockTime(e().t)}</dd>
        <dt>Accuracy</dt>
        <dd data-testid="alarm-accuracy">{accuracyText(e().accuracyM)}</dd>
        <dt>Confidence</dt>
        <dd data-testid="alarm-confidence">{confidenceText(e().confidence)}</dd>
        <dt>Method</dt>
        <dd>{e().method ? METHOD_LABEL[e().method!] : '—'}</dd>
        <dt>Gateways</dt>
        <dd data-testid="alarm-gateways">
          <Show when={e().gateways.length > 0} fallback="—">
            <For each={strongest(e().gateways)}>
              {(g, i) => (
                <>
                  {i() > 0 ? ', ' : ''}
                  <span class="mono">{g.gw}</span> <span class="muted">{Math.round(g.rssi)} dBm ×{g.n}</span>
                </>
              )}
            </For>
            <Show when={e().gateways.length > GATEWAYS_SHOWN}>
              <span class="muted"> and {e().gateways.length - GATEWAYS_SHOWN} more</span>
            </Show>
          </Show>
        </dd>
        <dt>Rule</dt>
        <dd class="mono">{props.alarm.ruleId}</dd>
      </dl>
      <Show when={props.alarm.history.length > 0}>
        <details class="alarm-log">
          <summary>History ({props.alarm.history.length})</summary>
          <ol>
            <For each={props.alarm.history}>
              {(h) => (
                <li>
                  <span class="nowrap">{clockTime(h.t)}</span> <strong>{h.action}</strong> <span class="muted">by {h.by}</span>
                  <Show when={h.note}>{(n) => <span class="alarm-log-note">“{n()}”</span>}</Show>
                </li>
              )}
            </For>
          </ol>
        </details>
      </Show>
    </>
  );
}
