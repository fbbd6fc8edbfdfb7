import { createSignal, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { hhmm } from '../format.ts';

/** While break-glass is active (issue #6 item 3): red, on every view, with its end time and a way to end it now. */
export function BreakGlassBanner() {
  const { auth, session } = useApp();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const end = async () => {
    setBusy(true);
    setError(null);
    try {
      await session.endBreakGlass();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Show when={auth.user()?.breakGlass}>
      {(bg) => (
        <div class="break-glass-banner" role="alert" data-testid="break-glass-banner">
          <strong>Break-glass access until {hhmm(bg().until)} — every view is audited</strong>
          <span class="bg-reason">Reason: {bg().reason}</span>
          <Show when={error()}>
            <span class="bg-error">Could not end it: {error()}</span>
          </Show>
          <button type="button" class="banner-button" disabled={busy()} data-testid="break-glass-end" onClick={() => void end()}>
            End
          </button>
        </div>
      )}
    </Show>
  );
}
