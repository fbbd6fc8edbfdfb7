import { createSignal, Show, type Accessor } from 'solid-js';
import { ApiError } from '../api/client.ts';
import type { SessionActions } from '../session.ts';
import type { EndReason } from '../stores/auth.ts';

export interface LoginPageProps {
  session: SessionActions;
  /** Why the page is shown again (null on a first visit). */
  endReason: EndReason | null;
  /** Local wall-clock ms, ticking once a second (the rate-limit countdown). */
  now: Accessor<number>;
  clock: () => number;
}

const END_TEXT: Readonly<Record<EndReason, string>> = Object.freeze({
  logout: 'You have logged out.',
  idle: 'You were logged out automatically because the screen was left without activity.',
  expired: 'Your session has ended. Log in again to continue.',
  unauthorized: 'Your session is no longer valid. Log in again to continue.',
});

/** The only page shown without a session (issue #6 item 1); the URL hash is kept, so the app returns to it. */
export function LoginPage(props: LoginPageProps) {
  const [username, setUsername] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  /** Local ms until which the server refuses attempts (429 Retry-After). */
  const [blockedUntil, setBlockedUntil] = createSignal<number | null>(null);
  const waitS = () => {
    const until = blockedUntil();
    return until === null ? 0 : Math.max(0, Math.ceil((until - props.now()) / 1000));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy() || waitS() > 0) return;
    if (username().trim() === '' || password() === '') {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await props.session.login(username().trim(), password());
      // The app replaces this page; the password is not kept in a signal a moment longer than needed.
      setPassword('');
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && err.code === 'RTLS_ERR_RATE_LIMITED') {
        const s = err.retryAfterS ?? 60;
        setBlockedUntil(props.clock() + s * 1000);
        setError(null);
      } else if (err instanceof ApiError && (err.code === 'RTLS_ERR_INVALID_CREDENTIALS' || err.status === 401)) {
        setError('Unknown username or wrong password.');
      } else if (err instanceof ApiError) {
        setError(`Could not log in: ${err.message}`);
      } else {
        setError('Cannot reach the server. Check the network connection and try again.');
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="auth-page" data-testid="login-page">
      <form class="auth-card panel" onSubmit={(e) => void submit(e)} aria-labelledby="login-title" novalidate>
        <div class="auth-brand">
          <span class="brand-mark" aria-hidden="true" />
          <span>Open Hospital RTLS</span>
        </div>
        <h1 id="login-title">Log in</h1>
        <Show when={props.endReason}>
          {(r) => <p class="auth-info" role="status" data-testid="login-reason" data-reason={r()}>{END_TEXT[r()]}</p>}
        </Show>
        <label class="field">
          <span>Username</span>
          <input
            name="username"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            required
            value={username()}
            data-testid="login-username"
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password()}
            data-testid="login-password"
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <Show when={error()}>
          <p class="form-error" role="alert" data-testid="login-error">{error()}</p>
        </Show>
        <Show when={waitS() > 0}>
          <p class="form-error" role="alert" data-testid="login-error" data-code="RTLS_ERR_RATE_LIMITED">
            Too many attempts, try again in {waitS()} s
          </p>
        </Show>
        <button type="submit" class="primary wide" disabled={busy() || waitS() > 0} data-testid="login-submit">
          {busy() ? 'Logging in…' : 'Log in'}
        </button>
        <p class="muted small auth-foot">
          Patient locations are protected health information. Every view of a patient is recorded in the audit log.
        </p>
      </form>
    </div>
  );
}
