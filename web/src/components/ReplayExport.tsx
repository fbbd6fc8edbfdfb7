import { createSignal, For } from 'solid-js';
import type { HistoryExport } from '../api/client.ts';
import { useApp } from '../context.ts';

/**
 * "Export CSV" links for what the view shows (`format=csv` on the same query, issue #5 item 4); de-identified exports
 * pseudonymise patients consistently within one file — done by the server, the link only asks for it.
 */
export function ReplayExport(props: { exports: readonly { label: string; query: HistoryExport }[] }) {
  const { api } = useApp();
  const [deidentify, setDeidentify] = createSignal(false);
  return (
    <div class="replay-export" data-testid="replay-export">
      <span class="muted small">Export CSV:</span>
      <For each={props.exports}>
        {(e) => (
          <a class="csv-link" href={api.csvUrl(e.query, deidentify())} download="" data-testid={`replay-csv-${e.query.kind}`}>
            {e.label}
          </a>
        )}
      </For>
      <label class="deid small">
        <input type="checkbox" checked={deidentify()} data-testid="replay-deidentify" onChange={(e) => setDeidentify(e.currentTarget.checked)} />
        de-identified
      </label>
    </div>
  );
}
