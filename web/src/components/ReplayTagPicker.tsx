import { createSignal, For, onCleanup, Show } from 'solid-js';
import type { TagInfo } from '@rtls/protocol';
import { useApp } from '../context.ts';
import { KIND_LABEL } from '../format.ts';
import { KIND_STYLE } from '../map/palette.ts';

const DEBOUNCE_MS = 250;
const LIMIT = 20;

/** Pick the tag to replay: the same search as the map's (REST, all floors, by label or id). */
export function ReplayTagPicker(props: { onPick(tag: TagInfo): void }) {
  const { api } = useApp();
  const [query, setQuery] = createSignal('');
  const [results, setResults] = createSignal<TagInfo[] | null>(null);
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
    try {
      const r = await api.tags({ q: q.trim(), limit: LIMIT }, ac.signal);
      if (ac.signal.aborted) return;
      setResults(r.tags);
      setError(null);
    } catch (e) {
      if (ac.signal.aborted) return;
      setResults(null);
      setError(e instanceof Error ? e.message : 'Search failed');
    }
  };

  const pick = (t: TagInfo) => {
    setResults(null);
    setQuery('');
    props.onPick(t);
  };

  return (
    <div class="replay-picker" role="search">
      <label for="replay-tag-search" class="sr-only">Find a tag to replay</label>
      <input
        id="replay-tag-search"
        type="search"
        class="replay-input"
        placeholder="Find a tag by label or id"
        autocomplete="off"
        spellcheck={false}
        value={query()}
        data-testid="replay-tag-search"
        onInput={(e) => {
          const q = e.currentTarget.value;
          setQuery(q);
          clearTimeout(timer);
          timer = setTimeout(() => void run(q), DEBOUNCE_MS);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            clearTimeout(timer);
            const first = results()?.[0];
            if (first) pick(first);
            else void run(e.currentTarget.value);
          } else if (e.key === 'Escape') setResults(null);
        }}
      />
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
      <Show when={results()}>
        {(list) => (
          <div class="search-results" data-testid="replay-tag-results">
            <Show when={list().length > 0} fallback={<p class="muted">No tags match “{query()}”.</p>}>
              <ul>
                <For each={list()}>
                  {(t) => (
                    <li>
                      <button type="button" class="result" data-testid="replay-tag-result" data-tag-id={t.id} onClick={() => pick(t)}>
                        <span class={`swatch shape-${KIND_STYLE[t.kind].shape}`} style={{ '--fill': KIND_STYLE[t.kind].fill, '--stroke': KIND_STYLE[t.kind].stroke }} aria-hidden="true" />
                        <span class="result-main">
                          <span class="result-label">{t.label}</span>
                          <span class="result-sub">{KIND_LABEL[t.kind]} · <span class="mono">{t.id}</span></span>
                        </span>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </div>
        )}
      </Show>
    </div>
  );
}
