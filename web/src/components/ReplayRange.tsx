import { createEffect, createSignal, For, Show } from 'solid-js';
import { HISTORY_MAX_RANGE_MS } from '@rtls/protocol';
import { formatDwell, fromLocalInput, RANGE_PRESETS, toLocalInput } from '../stores/replay.ts';

export interface ReplayRangeProps {
  from: number;
  to: number;
  /** Wall-clock ms: presets are "the last N" from now. */
  now(): number;
  onRange(from: number, to: number): void;
  onReload(): void;
}

/** Range presets (the last 15 min, 1 h, 8 h, 24 h) and a custom from–to, both in local time. */
export function ReplayRange(props: ReplayRangeProps) {
  const [from, setFrom] = createSignal('');
  const [to, setTo] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  createEffect(() => {
    setFrom(toLocalInput(props.from));
    setTo(toLocalInput(props.to));
    setError(null);
  });

  const apply = (e: SubmitEvent) => {
    e.preventDefault();
    const a = fromLocalInput(from());
    const b = fromLocalInput(to());
    if (a === null || b === null) return setError('Enter both dates and times.');
    if (a >= b) return setError('“From” must be before “to”.');
    if (b - a > HISTORY_MAX_RANGE_MS) return setError(`At most ${formatDwell(HISTORY_MAX_RANGE_MS)} at once.`);
    setError(null);
    props.onRange(a, b);
  };

  return (
    <div class="replay-range">
      <div class="preset-group" role="group" aria-label="Time range">
        <span class="muted small">Last</span>
        <For each={RANGE_PRESETS}>
          {(p) => (
            <button
              type="button"
              class="preset"
              classList={{ active: props.to - props.from === p.ms }}
              data-testid={`replay-preset-${p.id}`}
              onClick={() => {
                const now = props.now();
                props.onRange(now - p.ms, now);
              }}
            >
              {p.label}
            </button>
          )}
        </For>
        <button type="button" class="preset reload" title="Load the same range again" aria-label="Reload" data-testid="replay-reload" onClick={() => props.onReload()}>
          ↻
        </button>
      </div>
      <form class="custom-range" onSubmit={apply}>
        <label class="muted small" for="replay-from">From</label>
        <input id="replay-from" type="datetime-local" value={from()} data-testid="replay-from" onInput={(e) => setFrom(e.currentTarget.value)} />
        <span />
        <label class="muted small" for="replay-to">To</label>
        <input id="replay-to" type="datetime-local" value={to()} data-testid="replay-to" onInput={(e) => setTo(e.currentTarget.value)} />
        <button type="submit" class="secondary" data-testid="replay-apply">Show</button>
      </form>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
    </div>
  );
}
