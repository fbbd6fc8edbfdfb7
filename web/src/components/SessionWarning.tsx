import { Show, type Accessor } from 'solid-js';
import type { AuthSlice } from '../stores/auth.ts';

/**
 * The minute before an automatic logoff (issue #6; HIPAA automatic logoff): impossible to miss, and one click (any
 * activity, in fact) keeps an idle session. A session at its maximum age cannot be kept; the text says so.
 */
export function SessionWarning(props: { auth: AuthSlice; now: Accessor<number> }) {
  const left = (endsAt: number) => Math.max(0, Math.ceil((endsAt - props.now()) / 1000));
  return (
    <Show when={props.auth.warning()}>
      {(w) => (
        <div class="session-warning" role="alertdialog" aria-live="assertive" data-testid="session-warning" data-kind={w().kind} data-ends-at={w().endsAt}>
          <Show
            when={w().kind === 'idle'}
            fallback={<span>Your session reaches its time limit in <strong>{left(w().endsAt)} s</strong>; you will need to log in again.</span>}
          >
            <span>
              No activity: you will be logged out in <strong>{left(w().endsAt)} s</strong>.
            </span>
            <button type="button" class="primary" data-testid="session-stay" onClick={() => props.auth.noteActivity()}>
              Stay logged in
            </button>
          </Show>
        </div>
      )}
    </Show>
  );
}
