import { createMemo, Index, Show } from 'solid-js';
import type { GatewayInfo } from '@rtls/protocol';
import { useApp } from '../context.ts';
import { ago } from '../format.ts';
import {
  gatewayHash, STATE_LABEL, stateOf, type GatewayDiagnosticsSlice, type GatewaySortKey,
} from '../stores/gateway-diagnostics.ts';

export interface GatewayListProps {
  diagnostics: GatewayDiagnosticsSlice;
  navigate(hash: string): void;
}

/** Every registered gateway: state counts, a filter box and a sortable table; a row opens its diagnostics. */
export function GatewayList(props: GatewayListProps) {
  const { stores, now } = useApp();
  const d = props.diagnostics;
  const roomName = (g: GatewayInfo) => stores.floors.roomName(g.floor, g.room);
  const rows = createMemo(() => d.visible(roomName));
  const counts = createMemo(() => d.counts());

  const SortHeader = (p: { key: GatewaySortKey; label: string }) => {
    const active = () => d.sort().key === p.key;
    return (
      <th scope="col" aria-sort={active() ? (d.sort().dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button type="button" class="sort-button" classList={{ active: active() }} data-testid={`sort-${p.key}`} onClick={() => d.toggleSort(p.key)}>
          {p.label}
          <span class="sort-mark" aria-hidden="true">{active() ? (d.sort().dir === 'asc' ? '▲' : '▼') : '↕'}</span>
        </button>
      </th>
    );
  };

  return (
    <section class="gw-list-pane" aria-labelledby="gw-list-title" data-testid="gateway-list">
      <div class="gw-list-head">
        <h2 id="gw-list-title">Gateways</h2>
        <ul class="gw-counts" aria-label="Gateway states">
          <li class="count-online"><span class="state-dot online" aria-hidden="true" />Online <strong data-testid="gw-count-online">{counts().online}</strong></li>
          <li class="count-offline" classList={{ alarm: counts().offline > 0 }}>
            <span class="state-dot offline" aria-hidden="true" />Offline <strong data-testid="gw-count-offline">{counts().offline}</strong>
          </li>
          <li><span class="state-dot unknown" aria-hidden="true" />No status <strong data-testid="gw-count-unknown">{counts().unknown}</strong></li>
          <li class="muted">of <strong data-testid="gw-count-total">{counts().total}</strong></li>
        </ul>
        <input
          type="search"
          class="gw-filter"
          placeholder="Filter: id, floor, room, format, topic, offline…"
          aria-label="Filter gateways"
          autocomplete="off"
          spellcheck={false}
          value={d.filter()}
          data-testid="gateway-filter"
          onInput={(e) => d.setFilter(e.currentTarget.value)}
        />
      </div>
      <Show when={d.listError()}>
        <p class="load-error" role="alert" data-testid="gateway-list-error">{d.listError()}</p>
      </Show>
      <Show when={d.listState() === 'idle'}>
        <p class="muted gw-pad">Loading gateways…</p>
      </Show>
      <Show when={d.filter().trim() !== ''}>
        <p class="muted small gw-pad" data-testid="gw-count-shown">Showing {rows().length} of {counts().total}</p>
      </Show>
      <div class="gw-table-wrap">
        <table class="gw-table">
          <thead>
            <tr>
              <SortHeader key="state" label="State" />
              <SortHeader key="id" label="Gateway" />
              <th scope="col">Tech</th>
              <th scope="col">Format</th>
              <SortHeader key="floor" label="Floor" />
              <th scope="col">Room</th>
              <SortHeader key="lastSeen" label="Last seen" />
              <th scope="col">Topic</th>
            </tr>
          </thead>
          <tbody>
            {/* Index, not For: each 5 s refresh brings new objects, and rows should update in place, not be rebuilt. */}
            <Index each={rows()}>
              {(g) => {
                const state = () => stateOf(g());
                const room = () => {
                  const r = g().room;
                  return r === null ? '—' : (roomName(g()) ?? r);
                };
                return (
                  <tr
                    classList={{ [`row-${state()}`]: true, 'row-open': d.openId() === g().id }}
                    data-testid="gateway-row"
                    data-gateway-id={g().id}
                    data-state={state()}
                    data-last-seen={g().lastSeen ?? ''}
                    onClick={(e) => {
                      if (!(e.target as Element).closest('a')) props.navigate(gatewayHash(g().id));
                    }}
                  >
                    <td><span class={`gw-state-badge state-${state()}`}>{STATE_LABEL[state()]}</span></td>
                    <td class="mono strong"><a href={gatewayHash(g().id)} data-testid="gateway-link">{g().id}</a></td>
                    <td>{g().tech}</td>
                    <td>{g().format}</td>
                    <td>{g().floor}</td>
                    <td title={g().room ?? ''}>{room()}</td>
                    <td class="num" data-testid="gateway-last-seen">{ago(g().lastSeen, now())}</td>
                    <td class="mono topic" title={g().topic}>{g().topic}</td>
                  </tr>
                );
              }}
            </Index>
          </tbody>
        </table>
        <Show when={d.list().length > 0 && rows().length === 0}>
          <p class="muted gw-pad">No gateway matches “{d.filter()}”.</p>
        </Show>
      </div>
    </section>
  );
}
