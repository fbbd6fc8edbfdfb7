import { createMemo, createSignal, For, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { ZONE_FAMILY } from '../map/palette.ts';
import { filterZones, indexZones, type ZoneEntry } from '../stores/replay.ts';

/** Pick a room or zone from the floor plans (every floor's plan is loaded by the replay view). */
export function ReplayZonePicker(props: { onPick(zone: ZoneEntry): void }) {
  const { stores } = useApp();
  const { floors } = stores;
  const [query, setQuery] = createSignal('');
  const all = createMemo(() => indexZones(floors.list(), floors.plans()));
  const shown = createMemo(() => (query().trim() === '' ? [] : filterZones(all(), query(), 30)));

  return (
    <div class="replay-picker" role="search">
      <label for="replay-zone-search" class="sr-only">Find a room or zone</label>
      <input
        id="replay-zone-search"
        type="search"
        class="replay-input"
        placeholder="Find a room or zone (name, id, floor)"
        autocomplete="off"
        spellcheck={false}
        value={query()}
        data-testid="replay-zone-search"
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => {
          const first = shown()[0];
          if (e.key === 'Enter' && first) {
            setQuery('');
            props.onPick(first);
          } else if (e.key === 'Escape') setQuery('');
        }}
      />
      <Show when={query().trim() !== ''}>
        <div class="search-results" data-testid="replay-zone-results">
          <Show when={shown().length > 0} fallback={<p class="muted">{all().length === 0 ? 'Loading the floor plans…' : `No room or zone matches “${query()}”.`}</p>}>
            <ul>
              <For each={shown()}>
                {(z) => (
                  <li>
                    <button
                      type="button"
                      class="result"
                      data-testid="replay-zone-result"
                      data-zone-id={z.id}
                      onClick={() => {
                        setQuery('');
                        props.onPick(z);
                      }}
                    >
                      <span class="room-swatch" style={{ background: ZONE_FAMILY[z.zoneType].fill, 'border-color': ZONE_FAMILY[z.zoneType].stroke }} aria-hidden="true" />
                      <span class="result-main">
                        <span class="result-label">{z.name}</span>
                        <span class="result-sub">{z.kind === 'zone' ? 'Zone' : 'Room'} · {z.floor} · <span class="mono">{z.id}</span></span>
                      </span>
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </div>
      </Show>
    </div>
  );
}
