import { createSignal, type Accessor } from 'solid-js';
import type { Bypass } from '@rtls/protocol';
import type { LoadState } from './floors.ts';

/**
 * Alarm bypasses (issue #7 item 2: "for a subject or door … requires a reason and a duration and re-arms by itself"):
 * the list from GET /api/bypasses, and which of them still hold at a given time.
 */
export interface BypassesSlice {
  list: Accessor<readonly Bypass[]>;
  state: Accessor<LoadState>;
  error: Accessor<string | null>;
  setList(list: readonly Bypass[]): void;
  loadFailed(message: string): void;
  /** A bypass just made or ended (the server's answer), merged by id. */
  upsert(b: Bypass): void;
  /** Those in force at `now`, ending soonest first. */
  activeAt(now: number): Bypass[];
}

/** In force: started, not yet run out, not ended early. */
export const bypassActive = (b: Bypass, now: number) => b.endedAt === null && b.from <= now && now < b.until;

export function createBypassesSlice(): BypassesSlice {
  const [list, setListSig] = createSignal<readonly Bypass[]>([]);
  const [state, setState] = createSignal<LoadState>('idle');
  const [error, setError] = createSignal<string | null>(null);
  return {
    list,
    state,
    error,
    setList(l) {
      setListSig([...l]);
      setState('ready');
      setError(null);
    },
    loadFailed(message) {
      setState('error');
      setError(message);
    },
    upsert(b) {
      setListSig((cur) => [...cur.filter((x) => x.id !== b.id), b]);
    },
    activeAt: (now) => list().filter((b) => bypassActive(b, now)).sort((a, b) => a.until - b.until || a.id - b.id),
  };
}
