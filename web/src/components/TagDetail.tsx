import { createEffect, createMemo, Show } from 'solid-js';
import { ReplayEntry } from './ReplayEntry.tsx';
import { useApp } from '../context.ts';
import { ago, humanise, KIND_LABEL, METHOD_LABEL } from '../format.ts';
import { KIND_STYLE } from '../map/palette.ts';

/** The selected tag: what it is, where it is, and how sure the locator is. */
export function TagDetail() {
  const { stores, api, now, showFloor } = useApp();
  const { tags, ui, floors } = stores;
  const view = createMemo(() => {
    tags.version();
    const id = ui.selected();
    return id === null ? undefined : tags.get(id);
  });

  // The live feed only carries the shown floor; a tag selected elsewhere is fetched once so the panel stays filled.
  const fetching = new Set<string>();
  createEffect(() => {
    const id = ui.selected();
    if (id === null || view() || fetching.has(id)) return;
    fetching.add(id);
    api.tag(id).then(
      (t) => {
        fetching.delete(id);
        if (ui.selected() === id) tags.upsertInfo(t);
      },
      () => fetching.delete(id),
    );
  });

  const centre = () => {
    const v = view();
    if (!v?.fix) return;
    if (v.fix.floor !== floors.current()) showFloor(v.fix.floor);
    ui.requestFocus(v.summary.id);
  };

  return (
    <Show when={ui.selected() !== null}>
      <section class="panel tag-detail" aria-labelledby="tag-detail-title" data-testid="tag-detail">
        <Show when={view()} fallback={<p class="muted">Loading tag…</p>}>
          {(v) => {
            const fix = () => v().fix;
            const room = () => {
              const f = fix();
              if (!f) return '—';
              if (f.room === null) return 'Between rooms';
              return floors.roomName(f.floor, f.room) ?? f.room;
            };
            const style = () => KIND_STYLE[v().summary.kind];
            return (
              <>
                <div class="detail-head">
                  <span class={`swatch large shape-${style().shape}`} style={{ '--fill': style().fill, '--stroke': style().stroke }} aria-hidden="true" />
                  <div>
                    <h2 id="tag-detail-title" data-testid="detail-label">{v().summary.label}</h2>
                    <p class="detail-kind">
                      {KIND_LABEL[v().summary.kind]}
                      <Show when={v().summary.category}> · {humanise(v().summary.category)}</Show>
                    </p>
                  </div>
                  <button type="button" class="icon-button" aria-label="Close tag details" data-testid="detail-close" onClick={() => ui.select(null)}>
                    ×
                  </button>
                </div>
                {/* Identity only when the server sent it for this viewer's scope (protocol tags.ts `patient.identity`). */}
                <Show when={v().summary.patient}>
                  {(p) => (
                    <Show
                      when={p().identity}
                      fallback={
                        <dl class="detail-grid patient-grid">
                          <dt>Unit</dt>
                          <dd data-testid="detail-patient-unit">{p().unit}</dd>
                        </dl>
                      }
                    >
                      {(id) => (
                        <dl class="detail-grid patient-grid identity" data-testid="detail-patient">
                          <dt>Patient</dt>
                          <dd class="strong" data-testid="detail-patient-name">{id().name}</dd>
                          <dt>MRN</dt>
                          <dd class="mono" data-testid="detail-patient-mrn">{id().mrn}</dd>
                          <Show when={id().birthDate}>
                            <dt>Born</dt>
                            <dd>{id().birthDate}</dd>
                          </Show>
                          <dt>Unit</dt>
                          <dd data-testid="detail-patient-unit">{p().unit}</dd>
                        </dl>
                      )}
                    </Show>
                  )}
                </Show>
                <dl class="detail-grid">
                  <dt>Room</dt>
                  <dd data-testid="detail-room" class="strong">{room()}</dd>
                  <dt>Floor</dt>
                  <dd data-testid="detail-floor">{fix() ? floors.summary(fix()!.floor)?.name ?? fix()!.floor : '—'}</dd>
                  <dt>Accuracy</dt>
                  <dd data-testid="detail-accuracy">{fix() ? `± ${fix()!.accuracyM.toFixed(1)} m` : '—'}</dd>
                  <dt>Confidence</dt>
                  <dd data-testid="detail-confidence">{fix() ? `${Math.round(fix()!.confidence * 100)} %` : '—'}</dd>
                  <dt>Method</dt>
                  <dd data-testid="detail-method">{fix() ? METHOD_LABEL[fix()!.method] : '—'}</dd>
                  <dt>Last seen</dt>
                  <dd data-testid="detail-last-seen">{ago(v().lastSeen, now())}</dd>
                  <dt>Battery</dt>
                  <dd data-testid="detail-battery" classList={{ warn: v().battery !== null && v().battery! < 20 }}>
                    {v().battery === null ? '—' : `${Math.round(v().battery!)} %`}
                  </dd>
                  <dt>Tag id</dt>
                  <dd class="mono" data-testid="detail-id">{v().summary.id}</dd>
                </dl>
                <Show when={!v().summary.registered}>
                  <p class="note">Not in the registry — seen by gateways but not enrolled yet.</p>
                </Show>
                <Show when={fix()}>
                  <button type="button" class="secondary" data-testid="detail-centre" onClick={centre}>Centre on map</button>
                </Show>
                <ReplayEntry />
              </>
            );
          }}
        </Show>
      </section>
    </Show>
  );
}
