import { createMemo, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { GATEWAYS_HASH } from '../stores/gateway-diagnostics.ts';
import { REPLAY_HASH } from '../stores/replay.ts';
import { ALARM_CONSOLE_HASH, ALARMS_HASH, AUDIT_HASH, USERS_HASH, type AppView } from '../stores/routes.ts';
import { UserMenu } from './UserMenu.tsx';

export interface HeaderProps {
  /** The view shown, for the navigation tabs. */
  view: AppView;
}

const SUBTITLE: Partial<Record<AppView, string>> = {
  gateways: 'Gateways', replay: 'Replay', users: 'Users', audit: 'Audit log', 'security-alarms': 'Security alarms', alarms: 'Alarm console', password: 'Account',
};

export function Header(props: HeaderProps) {
  const { stores, auth } = useApp();
  const { tags, floors, gateways, connection, securityAlarms, alarms } = stores;
  const openAlarms = createMemo(() => alarms.openCount());
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
  const current = (v: AppView) => (props.view === v ? 'page' : undefined);
  const stateLabel = () => ({ connecting: 'Connecting…', live: 'Live', disconnected: 'Offline', refused: 'No access' })[connection.status().state];
  return (
    <header class="app-header">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true" />
        <h1>Open Hospital RTLS</h1>
        <span class="brand-sub">{SUBTITLE[props.view] ?? (floors.summary(floors.current())?.name ?? 'Live map')}</span>
      </div>
      {/* Only what the role may use is offered (ROLE_PERMISSIONS); the server refuses the rest regardless. */}
      <nav class="view-nav" aria-label="Views">
        <a href={mapHref()} aria-current={current('map')} data-testid="nav-map">Live map</a>
        <Show when={auth.can('alarms:view')}>
          {/* Open = nobody has acknowledged it yet: the number that must go to zero (issue #7 item 5). */}
          <a href={ALARM_CONSOLE_HASH} aria-current={current('alarms')} data-testid="nav-console">
            Alarms
            <Show when={openAlarms() > 0}>
              <span class="nav-badge alarm-badge" data-testid="nav-console-open" aria-label={`${openAlarms()} open`}>{openAlarms()}</span>
            </Show>
          </a>
        </Show>
        <Show when={auth.can('history:view')}>
          <a href={REPLAY_HASH} aria-current={current('replay')} data-testid="nav-replay">Replay</a>
        </Show>
        <a href={GATEWAYS_HASH} aria-current={current('gateways')} data-testid="nav-gateways">Gateways</a>
        <Show when={auth.can('security-alarms:view')}>
          <a href={ALARMS_HASH} aria-current={current('security-alarms')} data-testid="nav-alarms">
            Security
            <Show when={securityAlarms.unseen() > 0}>
              <span class="nav-badge" data-testid="nav-alarms-unseen" aria-label={`${securityAlarms.unseen()} new`}>{securityAlarms.unseen()}</span>
            </Show>
          </a>
        </Show>
        <Show when={auth.can('users:manage')}>
          <a href={USERS_HASH} aria-current={current('users')} data-testid="nav-users">Users</a>
        </Show>
        <Show when={auth.can('audit:view')}>
          <a href={AUDIT_HASH} aria-current={current('audit')} data-testid="nav-audit">Audit</a>
        </Show>
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
      <UserMenu />
    </header>
  );
}
