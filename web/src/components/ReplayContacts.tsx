import { For, Show, type Accessor } from 'solid-js';
import type { TagKind } from '@rtls/protocol';
import { KIND_LABEL } from '../format.ts';
import { KIND_STYLE } from '../map/palette.ts';
import { CONTACT_RADII, formatDwell, loadErrorText, timeLabel, type ReplaySlice, type TagLabel, type ZoneEntry } from '../stores/replay.ts';
import { zoneName } from './ReplayLookups.tsx';

export interface ReplayContactsProps {
  replay: ReplaySlice;
  zones: Accessor<ReadonlyMap<string, ZoneEntry>>;
  label(id: string, kind?: TagKind): TagLabel;
  withDate: boolean;
  onRadius(r: number): void;
}

/**
 * Contact tracing for the replayed tag (issue #5 item 4/5): who was within the radius on the same floor, for how long,
 * first and last, and in which rooms. Labels are whatever the API returns (pseudonymous for patients).
 */
export function ReplayContacts(props: ReplayContactsProps) {
  const r = props.replay;
  const c = () => r.contacts().data;
  return (
    <div class="replay-contacts">
      <div class="radius-group" role="group" aria-label="Contact radius">
        <span class="muted small">Within</span>
        <For each={CONTACT_RADII}>
          {(m) => (
            <button type="button" class="preset" classList={{ active: r.params()?.radiusM === m }} aria-pressed={r.params()?.radiusM === m} data-testid={`replay-radius-${m}`} onClick={() => props.onRadius(m)}>
              {m} m
            </button>
          )}
        </For>
      </div>
      <Show when={r.contacts().state === 'loading'}>
        <p class="muted">Loading contacts…</p>
      </Show>
      <Show when={r.contacts().error}>
        {(e) => <p class="load-error boxed" role="alert" data-testid="replay-contacts-error" data-code={e().code} data-status={e().status}>{loadErrorText(e(), 'contacts')}</p>}
      </Show>
      <Show when={c()}>
        {(data) => (
          <>
            <p class="muted small" data-testid="replay-contacts-summary">
              {data().contacts.length} tag{data().contacts.length === 1 ? '' : 's'} within {data().radiusM} m on the same floor; positions compared every {formatDwell(data().binMs)}.
            </p>
            <Show when={data().contacts.length > 0} fallback={<p class="muted" data-testid="replay-no-contacts">No contacts in this range.</p>}>
              <div class="table-scroll tall">
                <table class="data-table replay-table" data-testid="replay-contacts">
                  <thead>
                    <tr>
                      <th scope="col">Tag</th>
                      <th scope="col" class="num">Together</th>
                      <th scope="col">First – last</th>
                      <th scope="col" class="num">Closest</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={data().contacts}>
                      {(x) => {
                        const l = () => props.label(x.tag, x.kind);
                        const style = KIND_STYLE[x.kind];
                        return (
                          <tr data-testid="replay-contact-row" data-tag={x.tag} tabIndex={0} title="Move the slider to the first contact" onClick={() => r.seek(x.firstAt)} onKeyDown={(e) => e.key === 'Enter' && r.seek(x.firstAt)}>
                            <td>
                              <span class="tag-cell">
                                <span class={`swatch shape-${style.shape}`} style={{ '--fill': style.fill, '--stroke': style.stroke }} aria-hidden="true" />
                                <span>
                                  <span class="strong">{l().label}</span>
                                  <span class="muted small block">
                                    {KIND_LABEL[x.kind]}
                                    <Show when={x.rooms.length > 0}> · in {x.rooms.map((room) => roomName(props.zones(), room)).join(', ')}</Show>
                                  </span>
                                </span>
                              </span>
                            </td>
                            <td class="num strong">{formatDwell(x.overlapMs)}</td>
                            <td class="nowrap small">{timeLabel(x.firstAt, props.withDate)}<br />{timeLabel(x.lastAt, props.withDate)}</td>
                            <td class="num">{x.minDistanceM.toFixed(1)} m</td>
                          </tr>
                        );
                      }}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          </>
        )}
      </Show>
    </div>
  );
}

/** Contacts name rooms without their floor; ids are unique across a site (floorplans validate-site.ts), so the id finds it. */
function roomName(zones: ReadonlyMap<string, ZoneEntry>, room: string): string {
  for (const z of zones.values()) if (z.id === room) return zoneName(zones, z.floor, z.id);
  return room;
}
