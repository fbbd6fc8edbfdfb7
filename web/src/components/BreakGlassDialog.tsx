import { BREAK_GLASS_MAX_MINUTES } from '@rtls/protocol';
import { createSignal, onMount, Show } from 'solid-js';
import { ApiError } from '../api/client.ts';
import { useApp } from '../context.ts';

/** protocol BreakGlassRequestSchema: a reason of at least 10 characters, 1–60 minutes, 15 by default. */
export const BREAK_GLASS_MIN_REASON = 10;
export const BREAK_GLASS_DEFAULT_MINUTES = 15;

/** Why a break-glass request is refused before it is sent; null when it may go. */
export function breakGlassProblem(reason: string, minutes: number): string | null {
  if (reason.trim().length < BREAK_GLASS_MIN_REASON) return `Give the reason (at least ${BREAK_GLASS_MIN_REASON} characters).`;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > BREAK_GLASS_MAX_MINUTES) return `Minutes: a whole number from 1 to ${BREAK_GLASS_MAX_MINUTES}.`;
  return null;
}

/**
 * Emergency access to every patient's identity (issue #6 item 3: "time-limited, reason required, always audited and
 * flagged"). The dialog says all of that before anyone uses it.
 */
export function BreakGlassDialog(props: { onClose: () => void }) {
  const { session } = useApp();
  const [reason, setReason] = createSignal('');
  const [minutes, setMinutes] = createSignal(BREAK_GLASS_DEFAULT_MINUTES);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let dialog!: HTMLDialogElement;
  onMount(() => dialog.showModal());
  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = breakGlassProblem(reason(), minutes());
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      await session.startBreakGlass(reason().trim(), minutes());
      dialog.close();
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? `Not granted: ${err.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} class="modal" aria-labelledby="bg-title" data-testid="break-glass-dialog" onClose={() => props.onClose()}>
      <form onSubmit={(e) => void submit(e)} novalidate>
        <h2 id="bg-title">Break glass</h2>
        <p>
          Break-glass shows every patient’s name and identifiers for a limited time, for an emergency your role does not otherwise
          cover. <strong>Every view is audited and flagged, and security is alerted.</strong>
        </p>
        <label class="field">
          <span>Reason</span>
          <textarea rows={3} value={reason()} required data-testid="break-glass-reason" placeholder="e.g. infant security alarm in maternity, locating the infant" onInput={(e) => setReason(e.currentTarget.value)} />
          <small class="muted">{reason().trim().length}/{BREAK_GLASS_MIN_REASON} characters at least</small>
        </label>
        <label class="field narrow-field">
          <span>Minutes</span>
          <input type="number" min={1} max={BREAK_GLASS_MAX_MINUTES} step={1} value={minutes()} data-testid="break-glass-minutes" onInput={(e) => setMinutes(Number(e.currentTarget.value))} />
        </label>
        <Show when={error()}>
          <p class="form-error" role="alert" data-testid="break-glass-error">{error()}</p>
        </Show>
        <div class="form-actions">
          <button type="submit" class="danger-button" disabled={busy()} data-testid="break-glass-submit">{busy() ? 'Requesting…' : 'Break glass'}</button>
          <button type="button" class="plain" onClick={() => dialog.close()}>Cancel</button>
        </div>
      </form>
    </dialog>
  );
}
