import { render } from 'solid-js/web';
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { systemClock } from '@rtls/protocol';
import { App } from './App.tsx';
import { Root } from './Root.tsx';
import { createApiClient } from './api/client.ts';
import { createDispatcher } from './live/dispatch.ts';
import { bearerProtocols, LiveFeed, liveUrl, WS_SESSION_ENDED, type Timers } from './live/feed.ts';
import { createSessionActions } from './session.ts';
import { createAuthSlice } from './stores/auth.ts';
import { createStores } from './stores/index.ts';

const timers: Timers = { setTimeout: (fn, ms) => window.setTimeout(fn, ms), clearTimeout: (h) => window.clearTimeout(h as number) };

// The session outlives the per-session stores below; the API client asks it for the token and reports 401/403 to it
// (each needs the other: the slice reaches `api` only from callbacks, after both exist).
const auth = createAuthSlice({
  clock: systemClock,
  // sessionStorage, not localStorage: the token dies with the tab (issue #6 brief).
  storage: window.sessionStorage,
  timers,
  keepalive: () => api.session(),
  endOnServer: () => void api.logout().catch(() => {}),
});
const api = createApiClient((i, init) => fetch(i, init), '/api', { token: auth.token, onAuthError: (e, t) => auth.onApiAuthError(e, t) });
const session = createSessionActions(api, auth, systemClock, timers);

// Only a person at the screen keeps the session alive (HIPAA automatic logoff): pointer and keyboard input, never the
// live feed or a polling page.
for (const ev of ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const) {
  window.addEventListener(ev, () => auth.noteActivity(), { capture: true, passive: true });
}

/** Read-only debug hook (window.__rtls) for support staff and the end-to-end test; never used by the app itself. */
const debug: Record<string, unknown> = {
  auth: () => ({ phase: auth.phase(), user: auth.user(), warning: auth.warning() }),
};
(window as unknown as { __rtls: unknown }).__rtls = debug;

/** One session's app: its own stores and live feed, so nothing survives into the next user's session. */
function sessionApp() {
  const stores = createStores(systemClock, { api, canViewHistory: () => auth.can('history:view') });
  const feed = new LiveFeed({
    url: (floor) => liveUrl(window.location, floor),
    // The browser cannot set headers on a WebSocket: the token rides in a subprotocol; the server selects 'rtls.v1'.
    protocols: () => bearerProtocols(auth.token()),
    createSocket: (url, protocols) => new WebSocket(url, protocols),
    clock: systemClock,
    random: Math.random,
    timers,
    dispatch: createDispatcher(stores),
    connection: stores.connection,
    onAuthClose: (code) => {
      if (code === WS_SESSION_ENDED) auth.end('expired');
    },
    onClosedBeforeOpen: () => session.checkSession(),
  });
  debug.stores = stores;
  debug.tag = (id: string) => stores.tags.get(id);
  debug.connection = () => stores.connection.status();
  debug.badMessages = () => stores.connection.bad();
  const route = window.location.hash;
  const floorFromHash = /(?:^#|&)floor=([^&]+)/.exec(route)?.[1];
  return (
    <App
      stores={stores}
      api={api}
      feed={feed}
      auth={auth}
      session={session}
      clock={systemClock}
      debug={debug}
      initialFloor={floorFromHash ? decodeURIComponent(floorFromHash) : null}
      onFloorShown={(id) => history.replaceState(null, '', `#floor=${encodeURIComponent(id)}`)}
    />
  );
}

session.restore();

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
render(() => <Root auth={auth} session={session} clock={systemClock} app={sessionApp} />, root);
