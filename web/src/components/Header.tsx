import { createMemo } from 'solid-js';
import { useApp } from '../context.ts';

export function Header() {
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
  const stateLabel = () => ({ connecting: 'Connecting…', live: 'Live', disconnected: 'Offline' })[connection.status().state];
  return (
    <header class="app-header">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true" />
        <h1>Open Hospital RTLS</h1>
        <span class="brand-sub">{floors.summary(floors.current())?.name ?? 'Live map'}</span>
      </div>
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
