import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { clockTime, humanise } from '../format.ts';
import { formatDwell } from '../stores/replay.ts';

const TARGET_WORD = { tag: 'Tag', zone: 'Zone', door: 'Door', gateway: 'Gateway' } as const;

/** Bypasses in force (issue #7 item 2), with how long each still runs; alarms:act may end one early. */
export function BypassList() {
  const { api, auth, stores, now } = useApp();
  const bypasses = stores.bypasses;
  const [error, setError] = createSignal<string | null>(null);
  const ac = new AbortController();
  onMount(() => {
    api.bypasses(ac.signal).then(
      (l) => bypasses.setList(l),
      (e: unknown) => {
        if (!ac.signal.aborted) bypasses.loadFailed(`Could not load the bypasses: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  });
  onCleanup(() => ac.abort());
  const end = async (id: number) => {
    setError(null);
    try {
      await api.endBypass(id);
      bypasses.setList(await api.bypasses());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const active = () => bypasses.activeAt(now());
  return (
    <Show when={active().length > 0 || bypasses.error()}>
      <section class="bypass-list" data-testid="bypass-list">
        <span class="panel-title">Bypasses in force</span>
        <Show when={bypasses.error()}>
          <p class="load-error boxed" role="alert">{bypasses.error()}</p>
        </Show>
        <ul>
          <For each={active()}>
            {(b) => (
              <li data-testid="bypass-row" data-bypass-id={b.id}>
                <span>
                  <strong>{TARGET_WORD[b.target.type]}</strong> <span class="mono">{b.target.type === 'tag' ? b.target.id : humanise(b.target.id)}</span>
                  <span class="muted small"> · by {b.by} · until {clockTime(b.until)} ({formatDwell(b.until - now())} left)</span>
                  <span class="block small">{b.reason}</span>
                </span>
                <Show when={auth.can('alarms:act')}>
                  <button type="button" class="link-button danger" data-testid="bypass-end" onClick={() => void end(b.id)}>End now</button>
                </Show>
              </li>
            )}
          </For>
        </ul>
        <Show when={error()}>
          <p class="form-error" role="alert">{error()}</p>
        </Show>
      </section>
    </Show>
  );
}
