import { createEffect, createSignal, Match, on, onCleanup, onMount, Show, Switch } from 'solid-js';
import type { ApiClient } from './api/client.ts';
import { AppContext, type AppServices } from './context.ts';
import type { LiveFeed } from './live/feed.ts';
import type { SessionActions } from './session.ts';
import type { AuthSlice } from './stores/auth.ts';
import type { Stores } from './stores/index.ts';
import { AuditPage } from './components/AuditPage.tsx';
import { BreakGlassBanner } from './components/BreakGlassBanner.tsx';
import { ChangePasswordForm } from './components/ChangePasswordPage.tsx';
import { NotAllowed } from './components/NotAllowed.tsx';
import { SecurityAlarmsPage } from './components/SecurityAlarmsPage.tsx';
import { SecurityAlarmToasts } from './components/SecurityAlarmToasts.tsx';
import { UsersPage } from './components/UsersPage.tsx';
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
import { createReplaySlice } from './stores/replay.ts';
import { isPageView, parseAppRoute, VIEW_PERMISSION, type AppRoute } from './stores/routes.ts';
import { AlarmAlerts, type AlarmAlerter } from './components/AlarmAlerts.tsx';
import { AlarmConsole } from './components/AlarmConsole.tsx';
import { createAlarmOverlay } from './components/AlarmOverlay.ts';
import { browserNotifications, createAlarmNotifier } from './alerts/alarm-notifications.ts';
import { createAlarmSound } from './alerts/alarm-sound.ts';

export interface AppProps {
  stores: Stores;
  api: ApiClient;
  feed: LiveFeed;
  auth: AuthSlice;
  session: SessionActions;
  clock: () => number;
  debug: Record<string, unknown>;
  /** Floor asked for in the URL (#floor=L1), if any. */
  initialFloor: string | null;
  onFloorShown?: (id: string) => void;
}

const FLOORS_RETRY_MS = 5000;

export function App(props: AppProps) {
  const { stores, api, feed, auth } = props;
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
  // A changed patient scope (break-glass began or ended) must reach what is on screen: the tags held in memory carry
  // identity as the old scope allowed it, so they are dropped and the live feed sends a fresh snapshot.
  createEffect(on(() => {
    const u = auth.user();
    return u === null ? '' : `${u.patientScope}|${u.breakGlass?.until ?? ''}`;
  }, () => {
    stores.tags.replaceAll([]);
    // Alarms carry the subject's identity as the old scope allowed it, too.
    stores.alarms.clear();
    if (auth.can('alarms:view')) void stores.alarms.load();
    feed.restart();
  }, { defer: true }));
  // Break-glass lapses on the server at its end time; the app learns it by asking (not counted as user activity).
  let breakGlassTimer: ReturnType<typeof setTimeout> | undefined;
  createEffect(() => {
    const until = auth.session()?.breakGlassUntil ?? null;
    clearTimeout(breakGlassTimer);
    if (until !== null) breakGlassTimer = setTimeout(() => void props.session.reloadUser().catch(() => {}), Math.max(0, until - props.clock()) + 1000);
  });

  // The replay (issue #5 item 5) draws on the same map as the live view; the slice outlives the panel so the map's
  // overlay has one source.
  const replay = createReplaySlice(props.clock, api);
  props.debug.replay = replay;
  const replaying = () => route().view === 'replay';
  const replayOverlay = createReplayOverlay(replay, floors, replaying);

  // The alarm console (issue #7 item 5) sits beside the live map like the replay; its focused alarm is drawn on the map.
  const consoleRoute = () => {
    const r = route();
    return r.view === 'alarms' && auth.can('alarms:view') ? r : null;
  };
  const alarmOverlay = createAlarmOverlay(stores, () => consoleRoute() !== null);
  const alerter: AlarmAlerter = {
    sound: createAlarmSound({
      storage: (() => {
        try {
          return window.localStorage;
        } catch {
          return null;
        }
      })(),
      createContext: () => (typeof AudioContext === 'undefined' ? null : new AudioContext()),
      clock: props.clock,
    }),
    notifier: createAlarmNotifier(browserNotifications(window)),
  };
  props.debug.alarmAlerts = () => ({ beeps: alerter.sound.played(), notifications: alerter.notifier.shown(), muted: alerter.sound.muted() });
  props.debug.alarms = () => ({ visible: stores.alarms.visible().map((a) => a.id), open: stores.alarms.openCount(), focused: stores.alarms.focused() });
  // The open and acknowledged alarms: at start, and again whenever the live feed comes back (alarm messages sent while
  // it was away are lost; the list is made whole from the server).
  let everLive = false;
  createEffect(on(() => stores.connection.status().state, (st, prev) => {
    if (st !== 'live' || prev === 'live') return;
    if (everLive && auth.can('alarms:view')) void stores.alarms.load();
    everLive = true;
  }));
  // The focused subject's trail follows it with the live fixes.
  const unsubscribeTrail = stores.tags.subscribe((c) => {
    if (c.kind === 'fixes' && c.fixes.length > 0) stores.alarms.addLiveFixes(c.fixes);
  });

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

  onMount(() => {
    loadFloors();
    if (auth.can('alarms:view')) void stores.alarms.load();
  });
  onCleanup(() => {
    unsubscribeTrail();
    stores.alarms.dispose();
    alerter.sound.dispose();
    clearInterval(tick);
    clearTimeout(retry);
    clearTimeout(breakGlassTimer);
    window.removeEventListener('hashchange', onHashChange);
    feed.stop();
  });

  const services: AppServices = { stores, api, auth, session: props.session, now, showFloor, navigate, debug: props.debug };
  const page = () => isPageView(route().view);
  /** A page, or the alarm console for a role without it: covered by the page or the "not available" notice. */
  const covered = () => page() || (route().view === 'alarms' && !allowed());
  const allowed = () => {
    const p = VIEW_PERMISSION[route().view];
    return p === null || auth.can(p);
  };
  const mapHash = () => {
    const f = floors.current();
    return f === null ? '#' : `#floor=${encodeURIComponent(f)}`;
  };

  return (
    <AppContext.Provider value={services}>
      <div class="app">
        <Header view={route().view} />
        <BreakGlassBanner />
        <ConnectionBanner />
        <div class="views">
          {/* The map stays mounted under the gateway page: its zoom, floor and live feed survive a look at a gateway.
              The replay uses the same map, with its own panel in the sidebar and its time slider under the map. */}
          <div class="workspace" classList={{ replaying: replaying(), console: consoleRoute() !== null }} inert={covered()} aria-hidden={covered() ? 'true' : undefined}>
            <main class="map-area">
              <div class="map-toolbar">
                <FloorSwitcher />
              </div>
              <Show when={floors.error()}>
                <p class="load-error" role="alert" data-testid="load-error">{floors.error()}</p>
              </Show>
              <FloorMap replay={replayOverlay} alarm={alarmOverlay} />
              <Show when={replaying() && replay.params()?.tag}>
                <ReplayTimeline replay={replay} />
              </Show>
            </main>
            <aside class="sidebar" aria-label={replaying() ? 'Replay' : consoleRoute() ? 'Alarms' : 'Search and details'}>
              <Switch
                fallback={
                  <>
                    <SearchBox />
                    <TagDetail />
                    <Legend />
                  </>
                }
              >
                <Match when={replaying() && auth.can('history:view')}>
                  <ReplayPanel replay={replay} route={route} navigate={navigate} />
                </Match>
                <Match when={consoleRoute()}>
                  {(r) => <AlarmConsole route={r} navigate={navigate} overlay={alarmOverlay} alerter={alerter} />}
                </Match>
              </Switch>
            </aside>
          </div>
          <Show when={covered()}>
            <Show when={allowed()} fallback={<NotAllowed view={route().view} />}>
              <Switch>
                <Match when={route().view === 'gateways'}>
                  <GatewaysPage diagnostics={gatewayDiagnostics} navigate={navigate} />
                </Match>
                <Match when={route().view === 'users'}>
                  <UsersPage />
                </Match>
                <Match when={(() => { const r = route(); return r.view === 'audit' ? r : null; })()}>
                  {(r) => <AuditPage query={r().query} />}
                </Match>
                <Match when={route().view === 'security-alarms'}>
                  <SecurityAlarmsPage />
                </Match>
                <Match when={route().view === 'password'}>
                  <div class="admin-page centred" data-testid="account-password-page">
                    <ChangePasswordForm session={props.session} forced={false} username={auth.user()?.username ?? ''} onDone={() => navigate(mapHash())} />
                  </div>
                </Match>
              </Switch>
            </Show>
          </Show>
        </div>
        <Show when={auth.can('security-alarms:view')}>
          <SecurityAlarmToasts />
        </Show>
        <Show when={auth.can('alarms:view')}>
          <AlarmAlerts alerter={alerter} />
        </Show>
      </div>
    </AppContext.Provider>
  );
}
