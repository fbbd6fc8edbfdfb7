import { createContext, useContext, type Accessor } from 'solid-js';
import type { ApiClient } from './api/client.ts';
import type { SessionActions } from './session.ts';
import type { AuthSlice } from './stores/auth.ts';
import type { Stores } from './stores/index.ts';

/** What every component may use: the store slices, the REST client, a ticking clock and floor switching. */
export interface AppServices {
  stores: Stores;
  api: ApiClient;
  /** Who is logged in and what the role may do (issue #6); outlives the per-session stores. */
  auth: AuthSlice;
  session: SessionActions;
  /** Wall-clock ms, ticking once a second, for "3 s ago" texts. */
  now: Accessor<number>;
  /** Show a floor: loads its plan and moves the live subscription. */
  showFloor(id: string): void;
  /** Change location.hash; the App's router does the rest. */
  navigate(hash: string): void;
  /** Debug hook registry exposed as window.__rtls (tests read marker positions through it). */
  debug: Record<string, unknown>;
}

export const AppContext = createContext<AppServices>();

export function useApp(): AppServices {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('AppContext missing');
  return ctx;
}
