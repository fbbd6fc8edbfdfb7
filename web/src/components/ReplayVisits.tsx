import { createEffect, createMemo, For, Show, type Accessor } from 'solid-js';
import { useApp } from '../context.ts';
import { formatDwell, loadErrorText, timeLabel, type ReplaySlice, type ZoneEntry } from '../stores/replay.ts';
import { zoneName } from './ReplayLookups.tsx';

/**
 * The rooms and zones the tag passed through, in order, with how long (GET /api/tags/:id/visits). The stays containing
 * the slider time are highlighted; a click puts the slider at the entry.
 */
export function ReplayVisits(props: { replay: ReplaySlice; zones: Accessor<ReadonlyMap<string, ZoneEntry>>; withDate: boolean }) {
  const r = props.replay;
  const { stores } = useApp();
  const active = createMemo(() => new Set(r.activeVisits()));
  const visits = () => r.visits().data?.visits ?? [];
  const floorsSeen = createMemo(() => new Set(visits().map((v) => v.floor)).size);
  let list: HTMLTableSectionElement | undefined;

  // While playing, keep the current stay in view as the list scrolls past it.
  createEffect(() => {
    const a = active();
    if (!r.playing() || a.size === 0 || !list) return;
    const row = list.querySelector('tr.active');
    row?.scrollIntoView({ block: 'nearest' });
  });

  return (
    <div class="replay-visits">
      <Show when={r.visits().state === 'loading'}>
        <p class="muted">Loading visits…</p>
      </Show>
      <Show when={r.visits().error}>
        {(e) => <p class="load-error boxed" role="alert" data-testid="replay-visits-error" data-code={e().code} data-status={e().status}>{loadErrorText(e(), 'room visits')}</p>}
      </Show>
      <Show when={r.visits().data}>
        <Show when={visits().length > 0} fallback={<p class="muted" data-testid="replay-no-visits">No room or zone visits stored in this range.</p>}>
          <p class="muted small">{visits().length} stay{visits().length === 1 ? '' : 's'} · click one to move the slider there</p>
          <div class="table-scroll tall">
            <table class="data-table replay-table" data-testid="replay-visits">
              <thead>
                <tr>
                  <th scope="col">Room / zone</th>
                  <th scope="col">From – to</th>
                  <th scope="col" class="num">Time</th>
                </tr>
              </thead>
              <tbody ref={list}>
                <For each={visits()}>
                  {(v, i) => {
                    const z = () => props.zones().get(`${v.floor}\n${v.zone}`);
                    return (
                      <tr
                        data-testid="replay-visit-row"
                        data-zone={v.zone}
                        data-from={v.from}
                        data-to={v.to}
                        classList={{ active: active().has(i()), zone: z()?.kind === 'zone' }}
                        aria-current={active().has(i()) ? 'true' : undefined}
                        tabIndex={0}
                        onClick={() => r.seek(v.from)}
                        onKeyDown={(e) => {
                          if (e.key === 'Enter' || e.key === ' ') {
                            e.preventDefault();
                            r.seek(v.from);
                          }
                        }}
                      >
                        <td>
                          <span class="strong">{zoneName(props.zones(), v.floor, v.zone)}</span>
                          <Show when={z()?.kind === 'zone'}> <span class="muted small">zone</span></Show>
                          <Show when={floorsSeen() > 1}> <span class="muted small">· {stores.floors.summary(v.floor)?.name ?? v.floor}</span></Show>
                        </td>
                        <td class="nowrap">
                          {v.complete || v.from > (r.params()?.from ?? 0) ? '' : '… '}
                          {timeLabel(v.from, props.withDate)} – {timeLabel(v.to, props.withDate)}
                          {v.complete || v.to < (r.params()?.to ?? 0) ? '' : ' …'}
                        </td>
                        <td class="num" title={v.complete ? undefined : 'The stay continues beyond the range'}>{formatDwell(v.dwellMs)}{v.complete ? '' : '+'}</td>
                      </tr>
                    );
                  }}
                </For>
              </tbody>
            </table>
          </div>
        </Show>
      </Show>
    </div>
  );
}
