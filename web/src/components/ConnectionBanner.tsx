import { Show } from 'solid-js';
import { useApp } from '../context.ts';
import { ago, clockTime } from '../format.ts';

/** Impossible to miss while the live feed is down: positions on screen are getting stale. */
export function ConnectionBanner() {
  const { stores, now } = useApp();
  const status = stores.connection.status;
  return (
    <>
    <Show when={status().state === 'refused'}>
      <div class="connection-banner" role="alert" data-testid="connection-banner" data-state="refused">
        <strong>Live feed refused for your role.</strong>
        <span>The server does not send live positions to this account; ask an administrator if you need them.</span>
      </div>
    </Show>
    <Show when={status().state === 'disconnected'}>
      <div class="connection-banner" role="alert" data-testid="connection-banner">
        <strong>Live feed disconnected — reconnecting…</strong>
        <span>
          Positions shown are from {clockTime(status().since)} ({ago(status().since, now())}) and may be out of date.
        </span>
      </div>
    </Show>
    </>
  );
}
