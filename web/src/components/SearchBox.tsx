import { createSignal, For, onCleanup, Show } from 'solid-js';
import type { Patient, TagInfo } from '@rtls/protocol';
import { useApp } from '../context.ts';
import { KIND_LABEL } from '../format.ts';
import { KIND_STYLE } from '../map/palette.ts';

const DEBOUNCE_MS = 250;
const LIMIT = 20;

/** Patient search needs this much of a name or MRN (protocol PatientSearchQuerySchema). */
const PATIENT_MIN_CHARS = 2;

/**
 * Find a tag by id or label across all floors (REST, not the floor-filtered live feed); for roles that see patient
 * identity (issue #6 item 3) also a patient by name or MRN, which jumps to the patient's tag.
 */
export function SearchBox() {
  const { stores, api, auth, showFloor } = useApp();
  const { ui, tags, floors } = stores;
  const [results, setResults] = createSignal<TagInfo[] | null>(null);
  const [patients, setPatients] = createSignal<Patient[]>([]);
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
      setPatients([]);
      setError(null);
      return;
    }
    const ac = new AbortController();
    inflight = ac;
    setBusy(true);
    try {
      const wantPatients = auth.seesIdentity() && q.trim().length >= PATIENT_MIN_CHARS;
      const [r, p] = await Promise.all([
        api.tags({ q: q.trim(), limit: LIMIT }, ac.signal),
        // A failed patient search must not cost the tag results.
        wantPatients ? api.patients(q.trim(), ac.signal).catch((): Patient[] => []) : Promise.resolve([]),
      ]);
      if (ac.signal.aborted) return;
      setPatients(p.slice(0, LIMIT));
      setResults(r.tags);
      setTotal(r.total);
      setError(null);
    } catch (e) {
      if (ac.signal.aborted) return;
      setResults(null);
      setPatients([]);
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
    setPatients([]);
  };

  /** A patient found by name or MRN: their tag, fetched so the map can jump to it. */
  const choosePatient = async (p: Patient) => {
    try {
      choose(await api.tag(p.tag));
    } catch (e) {
      setError(`Could not open the tag of ${p.identity.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const identityText = (t: TagInfo) => {
    const id = t.patient?.identity;
    return id ? `${id.name} · MRN ${id.mrn} · ` : '';
  };

  const where = (t: TagInfo) => {
    const f = t.lastFix;
    if (!f) return 'No position yet';
    const room = floors.roomName(f.floor, f.room) ?? f.room;
    return room ? `${f.floor} · ${room}` : f.floor;
  };

  return (
    <section class="panel search" role="search" data-testid="search">
      <label for="tag-search" class="panel-title">{auth.seesIdentity() ? 'Find a tag or patient' : 'Find a tag'}</label>
      <div class="search-row">
        <input
          id="tag-search"
          type="search"
          placeholder={auth.seesIdentity() ? 'Label, tag id, patient name or MRN' : 'Label or tag id'}
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
              const firstPatient = patients()[0];
              if (firstPatient && !first) void choosePatient(firstPatient);
              else if (first) choose(first);
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
            <Show when={patients().length > 0}>
              <h3 class="result-group">Patients</h3>
              <ul data-testid="patient-results">
                <For each={patients()}>
                  {(p) => (
                    <li>
                      <button type="button" class="result" data-testid="patient-result" data-tag-id={p.tag} onClick={() => void choosePatient(p)}>
                        <span class={`swatch shape-${KIND_STYLE.patient.shape}`} style={{ '--fill': KIND_STYLE.patient.fill, '--stroke': KIND_STYLE.patient.stroke }} aria-hidden="true" />
                        <span class="result-main">
                          <span class="result-label">{p.identity.name}</span>
                          <span class="result-sub">MRN {p.identity.mrn} · {p.unit} · {p.pseudonym}</span>
                        </span>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
              <Show when={list().length > 0}>
                <h3 class="result-group">Tags</h3>
              </Show>
            </Show>
            <Show when={list().length > 0 || patients().length > 0} fallback={<p class="muted">No tags match “{ui.query()}”.</p>}>
              <ul>
                <For each={list()}>
                  {(t) => (
                    <li>
                      <button type="button" class="result" data-testid="search-result" data-tag-id={t.id} onClick={() => choose(t)}>
                        <span class={`swatch shape-${KIND_STYLE[t.kind].shape}`} style={{ '--fill': KIND_STYLE[t.kind].fill, '--stroke': KIND_STYLE[t.kind].stroke }} aria-hidden="true" />
                        <span class="result-main">
                          <span class="result-label">{t.label}</span>
                          <span class="result-sub">{KIND_LABEL[t.kind]} · {identityText(t)}{where(t)}</span>
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
