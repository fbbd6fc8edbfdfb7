import { createMemo, For, Show } from 'solid-js';
import type { ZoneType } from '@rtls/protocol';
import { useApp } from '../context.ts';
import { familiesFor, KIND_STYLE, MONITORED_ZONE_COLOUR } from '../map/palette.ts';
import { TAG_KINDS } from '../stores/tags.ts';

/** Marker legend with live counts for the shown floor, and the room colour key. */
export function Legend() {
  const { stores } = useApp();
  const { tags, floors, ui } = stores;
  const counts = createMemo(() => {
    tags.version();
    return tags.countsByKind(floors.current());
  });
  const families = createMemo(() => {
    const id = floors.current();
    const plan = id === null ? undefined : floors.plans().get(id);
    const types: ZoneType[] = [];
    for (const f of plan?.plan.features ?? []) if (f.properties.kind === 'room') types.push(f.properties.zoneType);
    return familiesFor(types);
  });
  return (
    <section class="panel legend" aria-labelledby="legend-title" data-testid="legend">
      <h2 id="legend-title" class="panel-title">On this floor</h2>
      <ul class="kind-list">
        <For each={TAG_KINDS}>
          {(kind) => (
            <li class="kind-row">
              <span class={`swatch shape-${KIND_STYLE[kind].shape}`} style={{ '--fill': KIND_STYLE[kind].fill, '--stroke': KIND_STYLE[kind].stroke }} aria-hidden="true" />
              <span class="kind-label">{KIND_STYLE[kind].label}</span>
              <span class="kind-count" data-testid={`legend-count-${kind}`}>{counts()[kind]}</span>
            </li>
          )}
        </For>
      </ul>
      <label class="toggle">
        <input type="checkbox" checked={ui.showGateways()} onChange={(e) => ui.setShowGateways(e.currentTarget.checked)} data-testid="toggle-gateways" />
        <span class="gw gw-ble gw-online" aria-hidden="true" /> Show gateways
      </label>
      <details class="zone-key" open>
        <summary>Room colours</summary>
        <ul>
          <For each={families()}>
            {(f) => (
              <li>
                <span class="room-swatch" style={{ background: f.fill, 'border-color': f.stroke }} aria-hidden="true" />
                {f.label}
              </li>
            )}
          </For>
          <Show when={families().length > 0}>
            <li>
              <span class="line-swatch" style={{ 'border-color': MONITORED_ZONE_COLOUR }} aria-hidden="true" />
              Monitored exit zone
            </li>
            <li>
              <span class="line-swatch solid" style={{ 'border-color': '#2e7d32' }} aria-hidden="true" />
              Exit door
            </li>
          </Show>
        </ul>
      </details>
    </section>
  );
}
