import { createEffect, onCleanup, onMount, Show } from 'solid-js';
import { ApiError } from '../api/client.ts';
import { useApp } from '../context.ts';
import { createPoller, LIST_REFRESH_MS, type GatewayDiagnosticsSlice, type PollTimers } from '../stores/gateway-diagnostics.ts';
import { GatewayDetail } from './GatewayDetail.tsx';
import { GatewayList } from './GatewayList.tsx';

export interface GatewaysPageProps {
  diagnostics: GatewayDiagnosticsSlice;
  /** Changes location.hash; the App's router does the rest (so every view has a link an installer can share). */
  navigate(hash: string): void;
}

const timers: PollTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The installer's view (issue #4 item 3): all gateways, and the diagnostics of the open one beside them. */
export function GatewaysPage(props: GatewaysPageProps) {
  const { api, stores } = useApp();
  const d = props.diagnostics;

  // The list refreshes only while this page is shown.
  const listPoller = createPoller(timers, LIST_REFRESH_MS, async (signal) => {
    try {
      // Polling is not the user being there: it must not keep an idle session alive.
      const list = await api.background.gateways(signal);
      if (!signal.aborted) d.setList(list);
    } catch (e) {
      if (signal.aborted) return;
      d.listFailed(`Could not load the gateway list: ${e instanceof ApiError || e instanceof Error ? e.message : String(e)}`);
    }
  });
  onMount(() => listPoller.start());
  onCleanup(() => listPoller.stop());

  // Room names for every floor (the map loads only the floors it shows), so rooms read and filter by name.
  const planRequests = new Set<string>();
  createEffect(() => {
    const plans = stores.floors.plans();
    for (const f of stores.floors.list()) {
      if (plans.has(f.id) || planRequests.has(f.id)) continue;
      planRequests.add(f.id);
      api.floor(f.id).then(
        (plan) => {
          if (!stores.floors.plans().has(plan.id)) stores.floors.setPlan(plan);
        },
        // Rooms then show by id; the list is still usable, so this is not worth an error on screen.
        () => planRequests.delete(f.id),
      );
    }
  });

  return (
    <div class="gateways-page" classList={{ 'with-detail': d.openId() !== null }} data-testid="gateways-page">
      <GatewayList diagnostics={d} navigate={props.navigate} />
      <Show when={d.openId() !== null}>
        <div class="gw-detail-pane">
          <GatewayDetail diagnostics={d} navigate={props.navigate} />
        </div>
      </Show>
    </div>
  );
}
