import { createSignal, type Accessor } from 'solid-js';
import type { Floor, FloorSummary } from '@rtls/protocol';

export type LoadState = 'idle' | 'loading' | 'ready' | 'error';

export interface FloorsSlice {
  list: Accessor<readonly FloorSummary[]>;
  current: Accessor<string | null>;
  /** Plans by floor id; replaced (not mutated) on each load so readers re-render. */
  plans: Accessor<ReadonlyMap<string, Floor>>;
  listState: Accessor<LoadState>;
  error: Accessor<string | null>;
  setList(floors: readonly FloorSummary[]): void;
  setListState(state: LoadState, error?: string | null): void;
  setCurrent(id: string | null): void;
  setPlan(floor: Floor): void;
  summary(id: string | null): FloorSummary | undefined;
  /** Room id → display name for a floor whose plan is loaded. */
  roomName(floor: string | null, room: string | null): string | null;
}

export function createFloorsSlice(): FloorsSlice {
  const [list, setListSig] = createSignal<readonly FloorSummary[]>([]);
  const [current, setCurrent] = createSignal<string | null>(null);
  const [plans, setPlans] = createSignal<ReadonlyMap<string, Floor>>(new Map());
  const [listState, setListStateSig] = createSignal<LoadState>('idle');
  const [error, setError] = createSignal<string | null>(null);
  const roomNames = new Map<string, Map<string, string>>();

  return {
    list,
    current,
    plans,
    listState,
    error,
    setList(floors) {
      setListSig([...floors].sort((a, b) => a.level - b.level));
      setListStateSig('ready');
      setError(null);
    },
    setListState(state, err = null) {
      setListStateSig(state);
      setError(err);
    },
    setCurrent: (id) => setCurrent(id),
    setPlan(floor) {
      const names = new Map<string, string>();
      for (const f of floor.plan.features) {
        if (f.properties.kind === 'room' || f.properties.kind === 'zone') names.set(f.properties.id, f.properties.name);
      }
      roomNames.set(floor.id, names);
      const next = new Map(plans());
      next.set(floor.id, floor);
      setPlans(next);
    },
    summary: (id) => list().find((f) => f.id === id),
    roomName(floor, room) {
      // Read the plans signal so a caller re-renders when the floor's plan arrives after the tag did.
      plans();
      if (floor === null || room === null) return null;
      return roomNames.get(floor)?.get(room) ?? null;
    },
  };
}
