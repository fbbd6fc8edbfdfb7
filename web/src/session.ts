import type { Clock } from '@rtls/protocol';
import { isSessionEnded, type ApiClient } from './api/client.ts';
import type { AuthSlice } from './stores/auth.ts';
import type { Timers } from './live/feed.ts';

/** A stored token that could not be checked (server unreachable) is tried again after this long. */
const RESTORE_RETRY_MS = 5000;
/** A live socket that keeps failing to open checks the session at most this often. */
const CHECK_INTERVAL_MS = 60_000;

/** What a person does with their session: the I/O around the auth slice, in one place for every view. */
export interface SessionActions {
  /** Page load: resume the session this tab kept, if the server still knows it. */
  restore(): void;
  /** Throws the ApiError for the login page to word (invalid credentials, rate limited). */
  login(username: string, password: string): Promise<void>;
  logout(): void;
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  startBreakGlass(reason: string, minutes: number): Promise<void>;
  endBreakGlass(): Promise<void>;
  /** Re-read who the user is (break-glass lapsed) without counting as user activity. */
  reloadUser(): Promise<void>;
  /**
   * The live socket failed to open: a refused upgrade (HTTP 401) is invisible to the browser, so ask REST whether the
   * session still stands; a 401 there ends it through the API client's hook. At most once a minute.
   */
  checkSession(): void;
}

export function createSessionActions(api: ApiClient, auth: AuthSlice, clock: Clock, timers: Timers): SessionActions {
  let lastCheck = Number.NEGATIVE_INFINITY;
  let checking = false;
  const restore = () => {
    if (auth.restore() === null) return;
    const attempt = () => {
      api.session().then(
        (r) => auth.restored(r),
        (e: unknown) => {
          // 401: the hook has already shown the login page. Anything else: the server is not there yet.
          if (!isSessionEnded(e) && auth.phase() === 'restoring') timers.setTimeout(attempt, RESTORE_RETRY_MS);
        },
      );
    };
    attempt();
  };
  return {
    restore,
    async login(username, password) {
      auth.signedIn(await api.login(username, password));
    },
    logout() {
      // The request reads the token before the slice forgets it (createApiClient sends synchronously up to fetch).
      api.logout().catch(() => {});
      auth.end('logout');
    },
    async changePassword(currentPassword, newPassword) {
      await api.changePassword(currentPassword, newPassword);
      auth.refreshed(await api.session());
    },
    async startBreakGlass(reason, minutes) {
      auth.refreshed(await api.startBreakGlass(reason, minutes));
    },
    async endBreakGlass() {
      auth.refreshed(await api.endBreakGlass());
    },
    async reloadUser() {
      auth.refreshed(await api.background.session(), false);
    },
    checkSession() {
      const now = clock();
      if (checking || auth.token() === null || now - lastCheck < CHECK_INTERVAL_MS) return;
      checking = true;
      api.background.session().then(
        // The session stands: the socket failed for another reason; ask again in a minute at the earliest.
        () => {
          checking = false;
          lastCheck = clock();
        },
        // 401: the API client's hook has ended the session. No answer (server down): ask again on the next failure.
        () => {
          checking = false;
        },
      );
    },
  };
}
