import { createSignal, For, Show } from 'solid-js';
import type { HistoryExport } from '../api/client.ts';
import { useApp } from '../context.ts';

/** "trail-ble_AC23…-1760000000000.csv": what the saved file is called. */
function fileName(e: HistoryExport): string {
  const subject = e.kind === 'zone-visits' ? e.zone : e.tag;
  return `${e.kind}-${subject.replace(/[^\w.-]+/g, '_')}-${e.query.from}.csv`;
}

/**
 * "Export CSV" links for what the view shows (`format=csv` on the same query, issue #5 item 4); de-identified exports
 * pseudonymise patients consistently within one file — done by the server, the link only asks for it.
 */
export function ReplayExport(props: { exports: readonly { label: string; query: HistoryExport }[] }) {
  const { api } = useApp();
  const [deidentify, setDeidentify] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  // The link keeps its real URL (copyable, and what a test reads), but the click fetches it with the bearer header a
  // plain link cannot carry (issue #6 item 2: every route needs the token) and saves the answer.
  const save = async (ev: MouseEvent, e: HistoryExport) => {
    ev.preventDefault();
    setError(null);
    try {
      const blob = await api.download(api.csvUrl(e, deidentify()));
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName(e);
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(`Export failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <div class="replay-export" data-testid="replay-export">
      <span class="muted small">Export CSV:</span>
      <For each={props.exports}>
        {(e) => (
          <a class="csv-link" href={api.csvUrl(e.query, deidentify())} download="" data-testid={`replay-csv-${e.query.kind}`} onClick={(ev) => void save(ev, e.query)}>
            {e.label}
          </a>
        )}
      </For>
      <label class="deid small">
        <input type="checkbox" checked={deidentify()} data-testid="replay-deidentify" onChange={(e) => setDeidentify(e.currentTarget.checked)} />
        de-identified
      </label>
      <Show when={error()}>
        <p class="error small" role="alert">{error()}</p>
      </Show>
    </div>
  );
}
