import { createSignal, For, onCleanup, Show } from 'solid-js';
import type { TagInfo } from '@rtls/protocol';
import { useApp } from '../context.ts';
import { KIND_LABEL } from '../format.ts';
import { KIND_STYLE } from '../map/palette.ts';

const DEBOUNCE_MS = 250;
const LIMIT = 20;

/** Find a tag by id or label across all floors (REST, not the floor-filtered live feed). */
export function SearchBox() {
  const { stores, api, showFloor } = useApp();
  const { ui, tags, floors } = stores;
  const [results, setResults] = createSignal<TagInfo[] | null>(null);
  const [total, setTotal] = createSignal(0);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: AbortController | null = null;
  onCleanup(() => {
    clearTimeout(timer);
    inflight?.abort();
  });

  const run = async (q: string) => {
    inflight?.abort();
    if (q.trim() === '') {
      setResults(null);
      setError(null);
      return;
    }
    const ac = new AbortController();
    inflight = ac;
    setBusy(true);
    try {
      const r = await api.tags({ q: q.trim(), limit: LIMIT }, ac.signal);
      if (ac.signal.aborted) return;
      setResults(r.tags);
      setTotal(r.total);
      setError(null);
    } catch (e) {
      if (ac.signal.aborted) return;
      setResults(null);
      setError(e instanceof Error ? e.message : 'Search failed');
    } finally {
      if (inflight === ac) setBusy(false);
    }
  };

  const onInput = (q: string) => {
    ui.setQuery(q);
    clearTimeout(timer);
    timer = setTimeout(() => void run(q), DEBOUNCE_MS);
  };

  const choose = (t: TagInfo) => {
    tags.upsertInfo(t);
    ui.select(t.id);
    if (t.lastFix) {
      showFloor(t.lastFix.floor);
      ui.requestFocus(t.id);
    }
    setResults(null);
  };

  const where = (t: TagInfo) => {
    const f = t.lastFix;
    if (!f) return 'No position yet';
    const room = floors.roomName(f.floor, f.room) ?? f.room;
    return room ? `${f.floor} · ${room}` : f.floor;
  };

  return (
    <section class="panel search" role="search" data-testid="search">
      <label for="tag-search" class="panel-title">Find a tag</label>
      <div class="search-row">
        <input
          id="tag-search"
          type="search"
          placeholder="Label or tag id"
          autocomplete="off"
          spellcheck={false}
          value={ui.query()}
          data-testid="search-input"
          aria-controls="search-results"
          onInput={(e) => onInput(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              clearTimeout(timer);
              const first = results()?.[0];
              if (first) choose(first);
              else void run(e.currentTarget.value);
            } else if (e.key === 'Escape') {
              setResults(null);
            }
          }}
        />
        <Show when={busy()}>
          <span class="spinner" aria-label="Searching" />
        </Show>
      </div>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
      <Show when={results()}>
        {(list) => (
          <div class="search-results" id="search-results" data-testid="search-results">
            <Show when={list().length > 0} fallback={<p class="muted">No tags match “{ui.query()}”.</p>}>
              <ul>
                <For each={list()}>
                  {(t) => (
                    <li>
                      <button type="button" class="result" data-testid="search-result" data-tag-id={t.id} onClick={() => choose(t)}>
                        <span class={`swatch shape-${KIND_STYLE[t.kind].shape}`} style={{ '--fill': KIND_STYLE[t.kind].fill, '--stroke': KIND_STYLE[t.kind].stroke }} aria-hidden="true" />
                        <span class="result-main">
                          <span class="result-label">{t.label}</span>
                          <span class="result-sub">{KIND_LABEL[t.kind]} · {where(t)}</span>
                        </span>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
              <Show when={total() > list().length}>
                <p class="muted small">Showing {list().length} of {total()} — refine the search to narrow it down.</p>
              </Show>
            </Show>
          </div>
        )}
      </Show>
    </section>
  );
}
