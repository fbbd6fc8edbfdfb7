import { createEffect, createSignal, onCleanup, onMount, Show } from 'solid-js';
import type { ApiClient } from './api/client.ts';
import { AppContext, type AppServices } from './context.ts';
import type { LiveFeed } from './live/feed.ts';
import type { Stores } from './stores/index.ts';
import { ConnectionBanner } from './components/ConnectionBanner.tsx';
import { FloorMap } from './components/FloorMap.tsx';
import { FloorSwitcher } from './components/FloorSwitcher.tsx';
import { GatewaysPage } from './components/GatewaysPage.tsx';
import { Header } from './components/Header.tsx';
import { Legend } from './components/Legend.tsx';
import { SearchBox } from './components/SearchBox.tsx';
import { TagDetail } from './components/TagDetail.tsx';
import { createReplayOverlay } from './components/ReplayOverlay.tsx';
import { ReplayPanel } from './components/ReplayPanel.tsx';
import { ReplayTimeline } from './components/ReplayTimeline.tsx';
import { createGatewayDiagnosticsSlice } from './stores/gateway-diagnostics.ts';
import { createReplaySlice, parseAppRoute, type AppRoute } from './stores/replay.ts';

export interface AppProps {
  stores: Stores;
  api: ApiClient;
  feed: LiveFeed;
  clock: () => number;
  debug: Record<string, unknown>;
  /** Floor asked for in the URL (#floor=L1), if any. */
  initialFloor: string | null;
  onFloorShown?: (id: string) => void;
}

const FLOORS_RETRY_MS = 5000;

export function App(props: AppProps) {
  const { stores, api, feed } = props;
  const { floors } = stores;
  const [now, setNow] = createSignal(props.clock());
  const tick = setInterval(() => setNow(props.clock()), 1000);
  const planRequests = new Set<string>();
  let retry: ReturnType<typeof setTimeout> | undefined;

  // Views live in the URL hash (#floor=L1, #/gateways, #/gateways/<id>, #/replay?tag=…) so a view can be shared.
  const [route, setRoute] = createSignal<AppRoute>(parseAppRoute(window.location.hash));
  const navigate = (hash: string) => {
    if (window.location.hash === hash) setRoute(parseAppRoute(hash));
    else window.location.hash = hash;
  };
  const onHashChange = () => {
    const r = parseAppRoute(window.location.hash);
    setRoute(r);
    if (r.view === 'map' && r.floor !== null && r.floor !== floors.current() && floors.list().some((f) => f.id === r.floor)) showFloor(r.floor);
  };
  window.addEventListener('hashchange', onHashChange);
  const gatewayDiagnostics = createGatewayDiagnosticsSlice(props.clock);
  props.debug.gatewayDiagnostics = gatewayDiagnostics;
  createEffect(() => {
    const r = route();
    if (r.view === 'gateways' && r.gateway !== null) gatewayDiagnostics.open(r.gateway);
    else gatewayDiagnostics.close();
  });
  // The replay (issue #5 item 5) draws on the same map as the live view; the slice outlives the panel so the map's
  // overlay has one source.
  const replay = createReplaySlice(props.clock, api);
  props.debug.replay = replay;
  const replaying = () => route().view === 'replay';
  const replayOverlay = createReplayOverlay(replay, floors, replaying);

  const loadPlan = (id: string) => {
    if (floors.plans().has(id) || planRequests.has(id)) return;
    planRequests.add(id);
    api.floor(id).then(
      (f) => floors.setPlan(f),
      (e: unknown) => floors.setListState('error', `Could not load floor ${id}: ${e instanceof Error ? e.message : String(e)}`),
    ).finally(() => planRequests.delete(id));
  };

  const showFloor = (id: string) => {
    if (floors.current() === id) stores.ui.requestFit();
    floors.setCurrent(id);
    loadPlan(id);
    feed.setFloor(id);
    // Only the map's URL names a floor; the gateway page keeps its own link when floors load behind it.
    if (route().view === 'map') props.onFloorShown?.(id);
  };

  const loadFloors = () => {
    floors.setListState('loading');
    api.floors().then(
      (list) => {
        floors.setList(list);
        const sorted = floors.list();
        // A replay opened by link starts on the replayed tag's floor when its trail came first.
        const first = replaying() ? replay.floorAt() : props.initialFloor;
        const wanted = sorted.find((f) => f.id === first) ?? sorted.find((f) => f.level === 0) ?? sorted[0];
        if (!wanted) return;
        // Already shown (the replay switched to it as the list arrived): showing it again would re-fit the whole floor
        // over the replay's fit to the trail.
        if (floors.current() !== wanted.id) showFloor(wanted.id);
        feed.start(wanted.id);
      },
      (e: unknown) => {
        floors.setListState('error', `Could not load the floor list: ${e instanceof Error ? e.message : String(e)}`);
        retry = setTimeout(loadFloors, FLOORS_RETRY_MS);
      },
    );
  };

  onMount(loadFloors);
  onCleanup(() => {
    clearInterval(tick);
    clearTimeout(retry);
    window.removeEventListener('hashchange', onHashChange);
    feed.stop();
  });

  const services: AppServices = { stores, api, now, showFloor, debug: props.debug };

  return (
    <AppContext.Provider value={services}>
      <div class="app">
        <Header view={route().view} />
        <ConnectionBanner />
        <div class="views">
          {/* The map stays mounted under the gateway page: its zoom, floor and live feed survive a look at a gateway.
              The replay uses the same map, with its own panel in the sidebar and its time slider under the map. */}
          <div class="workspace" classList={{ replaying: replaying() }} inert={route().view === 'gateways'} aria-hidden={route().view === 'gateways' ? 'true' : undefined}>
            <main class="map-area">
              <div class="map-toolbar">
                <FloorSwitcher />
              </div>
              <Show when={floors.error()}>
                <p class="load-error" role="alert" data-testid="load-error">{floors.error()}</p>
              </Show>
              <FloorMap replay={replayOverlay} />
              <Show when={replaying() && replay.params()?.tag}>
                <ReplayTimeline replay={replay} />
              </Show>
            </main>
            <aside class="sidebar" aria-label={replaying() ? 'Replay' : 'Search and details'}>
              <Show
                when={replaying()}
                fallback={
                  <>
                    <SearchBox />
                    <TagDetail />
                    <Legend />
                  </>
                }
              >
                <ReplayPanel replay={replay} route={route} navigate={navigate} />
              </Show>
            </aside>
          </div>
          <Show when={route().view === 'gateways'}>
            <GatewaysPage diagnostics={gatewayDiagnostics} navigate={navigate} />
          </Show>
        </div>
      </div>
    </AppContext.Provider>
  );
}
