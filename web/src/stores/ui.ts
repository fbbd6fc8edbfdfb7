import { createSignal, type Accessor } from 'solid-js';

export interface FocusRequest {
  tag: string;
  /** Increments per request, so choosing the same tag twice still re-centres. */
  seq: number;
}

export interface UiSlice {
  selected: Accessor<string | null>;
  select(id: string | null): void;
  showGateways: Accessor<boolean>;
  setShowGateways(v: boolean): void;
  query: Accessor<string>;
  setQuery(q: string): void;
  /** Ask the map to centre on a tag once its position on the current floor is known. */
  focus: Accessor<FocusRequest | null>;
  requestFocus(tag: string): void;
  /** Ask the map to show the whole floor again (choosing the floor that is already shown). */
  fit: Accessor<number>;
  requestFit(): void;
}

export function createUiSlice(): UiSlice {
  const [selected, select] = createSignal<string | null>(null);
  const [showGateways, setShowGateways] = createSignal(true);
  const [query, setQuery] = createSignal('');
  const [focus, setFocus] = createSignal<FocusRequest | null>(null);
  const [fit, setFit] = createSignal(0);
  let seq = 0;
  return {
    selected,
    select: (id) => select(id),
    showGateways,
    setShowGateways: (v) => setShowGateways(v),
    query,
    setQuery: (q) => setQuery(q),
    focus,
    requestFocus: (tag) => setFocus({ tag, seq: ++seq }),
    fit,
    requestFit: () => setFit((n) => n + 1),
  };
}
