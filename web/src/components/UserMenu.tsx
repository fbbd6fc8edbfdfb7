import { createSignal, onCleanup, onMount, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { roleWithUnits } from '../format.ts';
import { PASSWORD_HASH } from '../stores/routes.ts';
import { BreakGlassDialog } from './BreakGlassDialog.tsx';

/** Who is logged in, and the session's actions: change password, break glass (issue #6 item 3), log out. */
export function UserMenu() {
  const { auth, session, navigate } = useApp();
  const [open, setOpen] = createSignal(false);
  const [breakGlass, setBreakGlass] = createSignal(false);
  let root!: HTMLDivElement;
  const onDocClick = (e: MouseEvent) => {
    if (open() && !root.contains(e.target as Node)) setOpen(false);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') setOpen(false);
  };
  onMount(() => {
    document.addEventListener('click', onDocClick);
    document.addEventListener('keydown', onKey);
  });
  onCleanup(() => {
    document.removeEventListener('click', onDocClick);
    document.removeEventListener('keydown', onKey);
  });
  // Break-glass is for roles that do not already see every patient's identity, and only once at a time.
  const mayBreakGlass = () => {
    const u = auth.user();
    return u !== null && u.patientScope !== 'identity-all' && u.breakGlass === null;
  };
  const logout = () => {
    setOpen(false);
    // A deliberate logout leaves no trace of the view for the next person at this screen.
    history.replaceState(null, '', window.location.pathname + window.location.search);
    session.logout();
  };
  return (
    <Show when={auth.user()}>
      {(u) => (
        <div class="user-menu" ref={root}>
          <button
            type="button"
            class="user-button"
            aria-haspopup="menu"
            aria-expanded={open()}
            data-testid="user-menu"
            onClick={() => setOpen((o) => !o)}
          >
            <span class="user-name" data-testid="user-name">{u().displayName}</span>
            <span class="user-role" data-testid="user-role">{roleWithUnits(u().role, u().units)}</span>
          </button>
          <Show when={open()}>
            <div class="menu" role="menu" data-testid="user-menu-list">
              <div class="menu-head">
                <strong>{u().displayName}</strong>
                <span class="mono">{u().username}</span>
                <span class="muted small">{roleWithUnits(u().role, u().units)}</span>
              </div>
              <button type="button" role="menuitem" data-testid="menu-password" onClick={() => { setOpen(false); navigate(PASSWORD_HASH); }}>
                Change password
              </button>
              <Show when={mayBreakGlass()}>
                <button type="button" role="menuitem" class="danger" data-testid="menu-break-glass" onClick={() => { setOpen(false); setBreakGlass(true); }}>
                  Break glass…
                </button>
              </Show>
              <button type="button" role="menuitem" data-testid="menu-logout" onClick={logout}>Log out</button>
            </div>
          </Show>
          <Show when={breakGlass()}>
            <BreakGlassDialog onClose={() => setBreakGlass(false)} />
          </Show>
        </div>
      )}
    </Show>
  );
}
