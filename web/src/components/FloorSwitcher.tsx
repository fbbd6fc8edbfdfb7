import { For, Show } from 'solid-js';
import { useApp } from '../context.ts';

export function FloorSwitcher() {
  const { stores, showFloor } = useApp();
  const { floors } = stores;
  return (
    <nav class="floor-switcher" aria-label="Floors" data-testid="floor-switcher">
      <Show when={floors.listState() === 'loading' && floors.list().length === 0}>
        <span class="muted">Loading floors…</span>
      </Show>
      <For each={floors.list()}>
        {(f) => (
          <button
            type="button"
            class="floor-button"
            classList={{ active: floors.current() === f.id }}
            aria-pressed={floors.current() === f.id}
            data-testid={`floor-button-${f.id}`}
            title={f.name}
            onClick={() => showFloor(f.id)}
          >
            <span class="floor-id">{f.id}</span>
            <span class="floor-name">{f.name}</span>
          </button>
        )}
      </For>
    </nav>
  );
}
