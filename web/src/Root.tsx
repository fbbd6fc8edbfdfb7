import { createSignal, Match, onCleanup, Show, Switch, type JSX } from 'solid-js';
import { ChangePasswordForm } from './components/ChangePasswordPage.tsx';
import { LoginPage } from './components/LoginPage.tsx';
import { SessionWarning } from './components/SessionWarning.tsx';
import type { SessionActions } from './session.ts';
import type { AuthSlice } from './stores/auth.ts';

export interface RootProps {
  auth: AuthSlice;
  session: SessionActions;
  clock: () => number;
  /** Builds the app for one session: its own stores and live feed, dropped when the session ends. */
  app: () => JSX.Element;
}

/**
 * The gate in front of everything (issue #6 item 2, as the browser sees it): the login page without a session, the
 * password form while a one-time password is in use, else the app — made anew per session token.
 */
export function Root(props: RootProps) {
  const { auth } = props;
  const [now, setNow] = createSignal(props.clock());
  const tick = setInterval(() => setNow(props.clock()), 1000);
  onCleanup(() => clearInterval(tick));
  return (
    <>
      <Switch>
        <Match when={auth.phase() === 'restoring'}>
          <div class="auth-page" data-testid="session-restoring">
            <p class="auth-card panel muted">Checking your session…</p>
          </div>
        </Match>
        <Match when={auth.phase() === 'anonymous'}>
          <LoginPage session={props.session} endReason={auth.endReason()} now={now} clock={props.clock} />
        </Match>
        <Match when={auth.phase() === 'password-change'}>
          <div class="auth-page" data-testid="password-change-page">
            <ChangePasswordForm session={props.session} forced username={auth.user()?.username ?? ''} />
          </div>
        </Match>
        <Match when={auth.phase() === 'ready'}>
          {/* Keyed on the token: a new login gets fresh stores, never the previous user's data. */}
          <Show when={auth.session()?.token} keyed>
            {(_token) => props.app()}
          </Show>
        </Match>
      </Switch>
      <SessionWarning auth={auth} now={now} />
    </>
  );
}
