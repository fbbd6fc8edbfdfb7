import { render } from 'solid-js/web';
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { systemClock } from '@rtls/protocol';
import { App } from './App.tsx';
import { createApiClient } from './api/client.ts';
import { createDispatcher } from './live/dispatch.ts';
import { LiveFeed, liveUrl } from './live/feed.ts';
import { createStores } from './stores/index.ts';

const stores = createStores(systemClock);
const feed = new LiveFeed({
  url: (floor) => liveUrl(window.location, floor),
  createSocket: (url) => new WebSocket(url),
  clock: systemClock,
  random: Math.random,
  timers: { setTimeout: (fn, ms) => window.setTimeout(fn, ms), clearTimeout: (h) => window.clearTimeout(h as number) },
  dispatch: createDispatcher(stores),
  connection: stores.connection,
});

/** Read-only debug hook (window.__rtls) for support staff and the end-to-end test; never used by the app itself. */
const debug: Record<string, unknown> = {
  stores,
  tag: (id: string) => stores.tags.get(id),
  connection: () => stores.connection.status(),
  badMessages: () => stores.connection.bad(),
};
(window as unknown as { __rtls: unknown }).__rtls = debug;

const floorFromHash = /(?:^#|&)floor=([^&]+)/.exec(window.location.hash)?.[1];

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
render(
  () => (
    <App
      stores={stores}
      api={createApiClient()}
      feed={feed}
      clock={systemClock}
      debug={debug}
      initialFloor={floorFromHash ? decodeURIComponent(floorFromHash) : null}
      onFloorShown={(id) => history.replaceState(null, '', `#floor=${encodeURIComponent(id)}`)}
    />
  ),
  root,
);
