import { createMemo, For, Show } from 'solid-js';
import type { TagKind } from '@rtls/protocol';
import { KIND_LABEL } from '../format.ts';
import { KIND_STYLE } from '../map/palette.ts';
import { formatDwell, loadErrorText, timeLabel, type ReplaySlice, type TagLabel } from '../stores/replay.ts';

export interface ReplayZoneVisitsProps {
  replay: ReplaySlice;
  label(id: string, kind?: TagKind): TagLabel & { known: boolean };
  withDate: boolean;
  /** Replay that tag from the start of its stay. */
  onTag(tag: string, t: number): void;
}

/** Which tags were in the room or zone during the range, each stay with its duration (GET /api/zones/:id/visits). */
export function ReplayZoneVisits(props: ReplayZoneVisitsProps) {
  const r = props.replay;
  const visits = () => r.zoneVisits().data?.visits ?? [];
  /** Per tag: total time and number of stays, most time first — the question is usually "who was in there longest". */
  const totals = createMemo(() => {
    const by = new Map<string, { tag: string; dwellMs: number; stays: number; first: number }>();
    for (const v of visits()) {
      const e = by.get(v.tag);
      if (e) {
        e.dwellMs += v.dwellMs;
        e.stays++;
        e.first = Math.min(e.first, v.from);
      } else by.set(v.tag, { tag: v.tag, dwellMs: v.dwellMs, stays: 1, first: v.from });
    }
    return [...by.values()].sort((a, b) => b.dwellMs - a.dwellMs || a.first - b.first);
  });

  return (
    <div class="replay-zone-visits">
      <Show when={r.zoneVisits().state === 'loading'}>
        <p class="muted">Loading visits…</p>
      </Show>
      <Show when={r.zoneVisits().error}>
        {(e) => <p class="load-error boxed" role="alert" data-testid="replay-zone-visits-error" data-code={e().code} data-status={e().status}>{loadErrorText(e(), 'zone visits')}</p>}
      </Show>
      <Show when={r.zoneVisits().data}>
        <Show when={visits().length > 0} fallback={<p class="muted" data-testid="replay-no-zone-visits">No tag was recorded here in this range.</p>}>
          <p class="muted small">{totals().length} tag{totals().length === 1 ? '' : 's'}, {visits().length} stay{visits().length === 1 ? '' : 's'} · click a tag to replay it</p>
          <div class="table-scroll tall">
            <table class="data-table replay-table" data-testid="replay-zone-visits">
              <thead>
                <tr>
                  <th scope="col">Tag</th>
                  <th scope="col" class="num">Time inside</th>
                  <th scope="col" class="num">Stays</th>
                  <th scope="col">First entry</th>
                </tr>
              </thead>
              <tbody>
                <For each={totals()}>
                  {(x) => {
                    const l = () => props.label(x.tag);
                    return (
                      <tr data-testid="replay-zone-visit-row" data-tag={x.tag} tabIndex={0} onClick={() => props.onTag(x.tag, x.first)} onKeyDown={(e) => e.key === 'Enter' && props.onTag(x.tag, x.first)}>
                        <td>
                          <span class="tag-cell">
                            <span class={`swatch shape-${KIND_STYLE[l().kind].shape}`} style={{ '--fill': KIND_STYLE[l().kind].fill, '--stroke': KIND_STYLE[l().kind].stroke }} aria-hidden="true" />
                            <span>
                              <span class="strong">{l().label}</span>
                              <span class="muted small block">{l().known ? KIND_LABEL[l().kind] : <span class="mono">{x.tag}</span>}</span>
                            </span>
                          </span>
                        </td>
                        <td class="num strong">{formatDwell(x.dwellMs)}</td>
                        <td class="num">{x.stays}</td>
                        <td class="nowrap">{timeLabel(x.first, props.withDate)}</td>
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
