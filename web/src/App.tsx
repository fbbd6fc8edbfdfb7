import { createSignal, onCleanup, onMount, Show } from 'solid-js';
import type { ApiClient } from './api/client.ts';
import { AppContext, type AppServices } from './context.ts';
import type { LiveFeed } from './live/feed.ts';
import type { Stores } from './stores/index.ts';
import { ConnectionBanner } from './components/ConnectionBanner.tsx';
import { FloorMap } from './components/FloorMap.tsx';
import { FloorSwitcher } from './components/FloorSwitcher.tsx';
import { Header } from './components/Header.tsx';
import { Legend } from './components/Legend.tsx';
import { SearchBox } from './components/SearchBox.tsx';
import { TagDetail } from './components/TagDetail.tsx';

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
    props.onFloorShown?.(id);
  };

  const loadFloors = () => {
    floors.setListState('loading');
    api.floors().then(
      (list) => {
        floors.setList(list);
        const sorted = floors.list();
        const wanted = sorted.find((f) => f.id === props.initialFloor) ?? sorted.find((f) => f.level === 0) ?? sorted[0];
        if (!wanted) return;
        showFloor(wanted.id);
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
    feed.stop();
  });

  const services: AppServices = { stores, api, now, showFloor, debug: props.debug };

  return (
    <AppContext.Provider value={services}>
      <div class="app">
        <Header />
        <ConnectionBanner />
        <div class="workspace">
          <main class="map-area">
            <div class="map-toolbar">
              <FloorSwitcher />
            </div>
            <Show when={floors.error()}>
              <p class="load-error" role="alert" data-testid="load-error">{floors.error()}</p>
            </Show>
            <FloorMap />
          </main>
          <aside class="sidebar" aria-label="Search and details">
            <SearchBox />
            <TagDetail />
            <Legend />
          </aside>
        </div>
      </div>
    </AppContext.Provider>
  );
}
