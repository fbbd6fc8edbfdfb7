import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { RoleSchema, type Role, type User } from '@rtls/protocol';
import { ApiError } from '../api/client.ts';
import { useApp } from '../context.ts';
import { ROLE_LABEL } from '../format.ts';
import { timeLabel } from '../stores/replay.ts';
import { createUsersSlice, parseUnits, type UsersSlice } from '../stores/users.ts';
import { MIN_PASSWORD_LENGTH } from './ChangePasswordPage.tsx';

const ROLES: readonly Role[] = RoleSchema.options;
const errText = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : String(e));

/** Users and roles (issue #6 item 1: "Admin API and web pages to manage users and roles"); users:manage only. */
export function UsersPage() {
  const { api } = useApp();
  const users = createUsersSlice();
  const [creating, setCreating] = createSignal(false);
  const ac = new AbortController();
  onMount(() => {
    api.users(ac.signal).then(
      (list) => users.setList(list),
      (e: unknown) => {
        if (!ac.signal.aborted) users.loadFailed(`Could not load the users: ${errText(e)}`);
      },
    );
  });
  onCleanup(() => {
    ac.abort();
    // The one-time password is never kept past this page.
    users.showOneTimePassword(null);
  });

  return (
    <div class="admin-page" data-testid="users-page">
      <section class="panel admin-panel">
        <header class="admin-head">
          <h2>Users</h2>
          <span class="muted small" data-testid="users-count">{users.list().length} {users.list().length === 1 ? 'user' : 'users'}</span>
          <button type="button" class="primary push-right" data-testid="user-new" onClick={() => setCreating((c) => !c)} aria-expanded={creating()}>
            {creating() ? 'Close' : 'New user'}
          </button>
        </header>
        <OneTimePasswordBox users={users} />
        <Show when={creating()}>
          <NewUserForm users={users} onCreated={() => setCreating(false)} />
        </Show>
        <Show when={users.error()}>
          <p class="load-error boxed" role="alert">{users.error()}</p>
        </Show>
        <div class="table-scroll tall">
          <table class="data-table admin-table" data-testid="users-table">
            <thead>
              <tr>
                <th>Username</th><th>Name</th><th>Role</th><th>Units</th><th>Status</th><th>Last login</th><th class="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              <For each={users.list()} fallback={<tr><td colSpan={7} class="muted">{users.state() === 'ready' ? 'No users.' : 'Loading…'}</td></tr>}>
                {(u) => <UserRow user={u} users={users} />}
              </For>
            </tbody>
          </table>
        </div>
        <p class="muted small">
          Roles decide what a user sees: only Security and Clinical users (Clinical for their own units) see patient names and
          identifiers; everyone else sees a pseudonymous label. Disabling a user ends their sessions at once.
        </p>
      </section>
    </div>
  );
}

/** Shown once, right after it is made; the admin hands it over in person and the user must change it at first login. */
function OneTimePasswordBox(props: { users: UsersSlice }) {
  const [copied, setCopied] = createSignal(false);
  const copy = async (pw: string) => {
    try {
      await navigator.clipboard.writeText(pw);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <Show when={props.users.oneTimePassword()}>
      {(otp) => (
        <div class="otp-box" role="alert" data-testid="one-time-password-box">
          <p>
            <strong>{otp().reason === 'created' ? `User “${otp().username}” created.` : `Password of “${otp().username}” reset.`}</strong> One-time password:
          </p>
          <div class="otp-row">
            <code class="otp" data-testid="one-time-password">{otp().password}</code>
            <button type="button" class="secondary" data-testid="one-time-password-copy" onClick={() => void copy(otp().password)}>
              {copied() ? 'Copied' : 'Copy'}
            </button>
          </div>
          <p class="otp-warning">
            <strong>This password is shown only now and cannot be shown again.</strong> Give it to {otp().username} in person or by
            phone, never by e-mail; they must choose their own password when they first log in.
          </p>
          <button type="button" class="secondary otp-done" data-testid="one-time-password-done" onClick={() => props.users.showOneTimePassword(null)}>
            Handed over — hide it
          </button>
        </div>
      )}
    </Show>
  );
}

function NewUserForm(props: { users: UsersSlice; onCreated: () => void }) {
  const { api } = useApp();
  const [username, setUsername] = createSignal('');
  const [displayName, setDisplayName] = createSignal('');
  const [role, setRole] = createSignal<Role>('clinical');
  const [units, setUnits] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const name = username().trim().toLowerCase();
    if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(name)) return setError('Username: 2–64 characters of a–z, 0–9, “.”, “_” or “-”.');
    if (displayName().trim() === '') return setError('Enter the person’s name.');
    if (password() !== '' && password().length < MIN_PASSWORD_LENGTH) return setError(`A password must be at least ${MIN_PASSWORD_LENGTH} characters (or leave it empty).`);
    if (role() === 'clinical' && parseUnits(units()).length === 0) return setError('Clinical users see the patients of their units only: give at least one unit.');
    setBusy(true);
    setError(null);
    try {
      const r = await api.createUser({
        username: name, displayName: displayName().trim(), role: role(), units: parseUnits(units()),
        ...(password() === '' ? {} : { password: password() }),
      });
      props.users.upsert(r.user);
      if (r.oneTimePassword !== null) props.users.showOneTimePassword({ username: r.user.username, password: r.oneTimePassword, reason: 'created' });
      props.onCreated();
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'RTLS_ERR_CONFLICT' ? `A user “${name}” already exists.` : `Not created: ${errText(err)}`);
    } finally {
      setBusy(false);
      setPassword('');
    }
  };
  return (
    <form class="user-form" onSubmit={(e) => void submit(e)} data-testid="user-form" novalidate>
      <label class="field">
        <span>Username</span>
        <input value={username()} autocomplete="off" spellcheck={false} data-testid="user-form-username" onInput={(e) => setUsername(e.currentTarget.value)} />
      </label>
      <label class="field">
        <span>Name</span>
        <input value={displayName()} autocomplete="off" data-testid="user-form-name" onInput={(e) => setDisplayName(e.currentTarget.value)} />
      </label>
      <label class="field">
        <span>Role</span>
        <select value={role()} data-testid="user-form-role" onChange={(e) => setRole(e.currentTarget.value as Role)}>
          <For each={ROLES}>{(r) => <option value={r}>{ROLE_LABEL[r]}</option>}</For>
        </select>
      </label>
      <label class="field">
        <span>Units</span>
        <input value={units()} placeholder="icu, maternity" autocomplete="off" data-testid="user-form-units" onInput={(e) => setUnits(e.currentTarget.value)} />
      </label>
      <label class="field">
        <span>Password (optional)</span>
        <input type="password" value={password()} autocomplete="new-password" placeholder="empty: a one-time password" data-testid="user-form-password" onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy()} data-testid="user-form-submit">{busy() ? 'Creating…' : 'Create user'}</button>
      </div>
      <Show when={error()}>
        <p class="form-error" role="alert" data-testid="user-form-error">{error()}</p>
      </Show>
    </form>
  );
}

function UserRow(props: { user: User; users: UsersSlice }) {
  const { api, auth } = useApp();
  const [editing, setEditing] = createSignal(false);
  const [confirmReset, setConfirmReset] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [displayName, setDisplayName] = createSignal('');
  const [role, setRole] = createSignal<Role>('clinical');
  const [units, setUnits] = createSignal('');
  const self = () => auth.user()?.username === props.user.username;
  const u = () => props.user;

  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  const startEdit = () => {
    setDisplayName(u().displayName);
    setRole(u().role);
    setUnits(u().units.join(', '));
    setEditing(true);
  };
  const save = () => run(async () => {
    props.users.upsert(await api.updateUser(u().username, { displayName: displayName().trim(), role: role(), units: parseUnits(units()) }));
    setEditing(false);
  });
  const toggleDisabled = () => run(async () => {
    props.users.upsert(await api.updateUser(u().username, { disabled: !u().disabled }));
  });
  const reset = () => run(async () => {
    const r = await api.resetPassword(u().username);
    props.users.upsert(r.user);
    if (r.oneTimePassword !== null) props.users.showOneTimePassword({ username: r.user.username, password: r.oneTimePassword, reason: 'reset' });
    setConfirmReset(false);
  });

  return (
    <tr data-testid="user-row" data-username={u().username} classList={{ 'row-disabled': u().disabled }}>
      <td class="mono strong">{u().username}</td>
      <Show
        when={editing()}
        fallback={
          <>
            <td>{u().displayName}</td>
            <td data-testid="user-role">{ROLE_LABEL[u().role]}</td>
            <td>{u().units.length > 0 ? u().units.join(', ') : <span class="muted">—</span>}</td>
          </>
        }
      >
        <td><input class="cell-input" value={displayName()} aria-label="Name" onInput={(e) => setDisplayName(e.currentTarget.value)} /></td>
        <td>
          <select class="cell-input" value={role()} aria-label="Role" onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <For each={ROLES}>{(r) => <option value={r}>{ROLE_LABEL[r]}</option>}</For>
          </select>
        </td>
        <td><input class="cell-input" value={units()} aria-label="Units" placeholder="icu, maternity" onInput={(e) => setUnits(e.currentTarget.value)} /></td>
      </Show>
      <td>
        <Show when={u().disabled} fallback={<span class="badge ok">Active</span>}>
          <span class="badge off">Disabled</span>
        </Show>
        <Show when={u().mustChangePassword}>
          {' '}<span class="badge warn" title="Has a one-time password not yet changed">Password pending</span>
        </Show>
      </td>
      <td class="nowrap">{u().lastLoginAt === null ? <span class="muted">never</span> : timeLabel(u().lastLoginAt!, true)}</td>
      <td class="row-actions">
        <Show
          when={editing()}
          fallback={
            <Show
              when={confirmReset()}
              fallback={
                <>
                  <button type="button" class="link-button" disabled={busy()} data-testid="user-edit" onClick={startEdit}>Edit</button>
                  <button type="button" class="link-button" disabled={busy()} data-testid="user-reset" onClick={() => setConfirmReset(true)}>Reset password</button>
                  <Show when={!self()}>
                    <button type="button" class="link-button" classList={{ danger: !u().disabled }} disabled={busy()} data-testid="user-toggle-disabled" onClick={() => void toggleDisabled()}>
                      {u().disabled ? 'Enable' : 'Disable'}
                    </button>
                  </Show>
                </>
              }
            >
              <span class="small">Replace the password with a one-time one?</span>
              <button type="button" class="link-button danger" disabled={busy()} data-testid="user-reset-confirm" onClick={() => void reset()}>Reset</button>
              <button type="button" class="link-button" onClick={() => setConfirmReset(false)}>Cancel</button>
            </Show>
          }
        >
          <button type="button" class="link-button" disabled={busy()} data-testid="user-save" onClick={() => void save()}>Save</button>
          <button type="button" class="link-button" onClick={() => setEditing(false)}>Cancel</button>
        </Show>
        <Show when={error()}>
          <span class="form-error block small" role="alert">{error()}</span>
        </Show>
      </td>
    </tr>
  );
}
