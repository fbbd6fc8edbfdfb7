import { createMemo } from 'solid-js';
import { useApp } from '../context.ts';
import { GATEWAYS_HASH } from '../stores/gateway-diagnostics.ts';
import { REPLAY_HASH, type AppRoute } from '../stores/replay.ts';

export interface HeaderProps {
  /** The view shown, for the navigation tabs. */
  view: AppRoute['view'];
}

export function Header(props: HeaderProps) {
  const { stores } = useApp();
  const { tags, floors, gateways, connection } = stores;
  const onFloor = createMemo(() => {
    tags.version();
    return tags.onFloor(floors.current()).length;
  });
  const gw = createMemo(() => {
    gateways.version();
    return gateways.onlineCount(floors.current());
  });
  // Back to the map at the floor it shows (the URL the map keeps for itself).
  const mapHref = () => {
    const f = floors.current();
    return f === null ? '#' : `#floor=${encodeURIComponent(f)}`;
  };
  const stateLabel = () => ({ connecting: 'Connecting…', live: 'Live', disconnected: 'Offline' })[connection.status().state];
  return (
    <header class="app-header">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true" />
        <h1>Open Hospital RTLS</h1>
        <span class="brand-sub">{props.view === 'gateways' ? 'Gateways' : props.view === 'replay' ? 'Replay' : (floors.summary(floors.current())?.name ?? 'Live map')}</span>
      </div>
      <nav class="view-nav" aria-label="Views">
        <a href={mapHref()} aria-current={props.view === 'map' ? 'page' : undefined} data-testid="nav-map">Live map</a>
        <a href={REPLAY_HASH} aria-current={props.view === 'replay' ? 'page' : undefined} data-testid="nav-replay">Replay</a>
        <a href={GATEWAYS_HASH} aria-current={props.view === 'gateways' ? 'page' : undefined} data-testid="nav-gateways">Gateways</a>
      </nav>
      <dl class="header-stats">
        <div>
          <dt>Tags on floor</dt>
          <dd data-testid="count-floor-tags">{onFloor()}</dd>
        </div>
        <div>
          <dt>Gateways online</dt>
          <dd data-testid="count-gateways">{gw().online}/{gw().total}</dd>
        </div>
      </dl>
      <span class={`conn-pill conn-${connection.status().state}`} data-testid="connection-status" data-state={connection.status().state} role="status">
        <span class="dot" aria-hidden="true" />
        {stateLabel()}
      </span>
    </header>
  );
}
