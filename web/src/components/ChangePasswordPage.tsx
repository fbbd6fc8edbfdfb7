import { createSignal, Show } from 'solid-js';
import { ApiError } from '../api/client.ts';
import type { SessionActions } from '../session.ts';

/** protocol NewPasswordSchema: length over composition rules (NIST SP 800-63B §5.1.1.2). */
export const MIN_PASSWORD_LENGTH = 12;

export interface ChangePasswordProps {
  session: SessionActions;
  /** A one-time password must be replaced before anything else works (every route answers 403 until then). */
  forced: boolean;
  username: string;
  /** "Back" from the voluntary form. */
  onDone?: () => void;
}

/** Why a new password is refused before it is sent; null when it may go. */
export function newPasswordProblem(current: string, next: string, confirm: string): string | null {
  if (current === '') return 'Enter your current password.';
  if (next.length < MIN_PASSWORD_LENGTH) return `The new password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (next === current) return 'The new password must differ from the current one.';
  if (next !== confirm) return 'The two new passwords do not match.';
  return null;
}

export function ChangePasswordForm(props: ChangePasswordProps) {
  const [current, setCurrent] = createSignal('');
  const [next, setNext] = createSignal('');
  const [confirm, setConfirm] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [done, setDone] = createSignal(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = newPasswordProblem(current(), next(), confirm());
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await props.session.changePassword(current(), next());
      setCurrent('');
      setNext('');
      setConfirm('');
      // Forced: the session now says the password is changed and the app replaces this form. Voluntary: say so here.
      setDone(true);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.code === 'RTLS_ERR_INVALID_CREDENTIALS')) setError('The current password is wrong.');
      else if (err instanceof ApiError && err.code === 'RTLS_ERR_RATE_LIMITED') setError(`Too many attempts, try again in ${err.retryAfterS ?? 60} s`);
      else if (err instanceof ApiError) setError(`The password was not changed: ${err.message}`);
      else setError('Cannot reach the server. Check the network connection and try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="auth-card panel" onSubmit={(e) => void submit(e)} aria-labelledby="pw-title" data-testid="change-password" novalidate>
      <h1 id="pw-title">{props.forced ? 'Choose your password' : 'Change password'}</h1>
      <Show when={props.forced}>
        <p class="auth-info">
          You logged in with a one-time password. Choose your own before you continue; nobody else should know it.
        </p>
      </Show>
      {/* For password managers: which account this is. */}
      <input type="text" name="username" autocomplete="username" value={props.username} readOnly hidden />
      <label class="field">
        <span>{props.forced ? 'One-time password' : 'Current password'}</span>
        <input type="password" autocomplete="current-password" value={current()} data-testid="pw-current" onInput={(e) => setCurrent(e.currentTarget.value)} />
      </label>
      <label class="field">
        <span>New password</span>
        <input type="password" autocomplete="new-password" minLength={MIN_PASSWORD_LENGTH} value={next()} data-testid="pw-new" onInput={(e) => setNext(e.currentTarget.value)} />
        <small class="muted">At least {MIN_PASSWORD_LENGTH} characters. A phrase of several words is easy to remember and hard to guess.</small>
      </label>
      <label class="field">
        <span>New password again</span>
        <input type="password" autocomplete="new-password" value={confirm()} data-testid="pw-confirm" onInput={(e) => setConfirm(e.currentTarget.value)} />
      </label>
      <Show when={error()}>
        <p class="form-error" role="alert" data-testid="pw-error">{error()}</p>
      </Show>
      <Show when={done() && !props.forced}>
        <p class="form-ok" role="status" data-testid="pw-done">Your password has been changed.</p>
      </Show>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy()} data-testid="pw-submit">{busy() ? 'Saving…' : 'Change password'}</button>
        <Show when={props.forced} fallback={<button type="button" class="plain" onClick={() => props.onDone?.()}>Back</button>}>
          <button type="button" class="plain" data-testid="pw-logout" onClick={() => props.session.logout()}>Log out</button>
        </Show>
      </div>
    </form>
  );
}
