import { createEffect, createMemo, createSignal, Match, on, onCleanup, Show, Switch, untrack, type Accessor } from 'solid-js';
import type { HistoryExport } from '../api/client.ts';
import { useApp } from '../context.ts';
import { humanise, KIND_LABEL } from '../format.ts';
import { KIND_STYLE } from '../map/palette.ts';
import {
  EMPTY_REPLAY, formatDwell, loadErrorText, replayHash, resolveRange, spansDays, type ReplayParams, type ReplaySlice,
  type ReplayTab,
} from '../stores/replay.ts';
import type { AppRoute } from '../stores/routes.ts';
import { ReplayContacts } from './ReplayContacts.tsx';
import { ReplayExport } from './ReplayExport.tsx';
import { createTagLabel, createZoneLookup } from './ReplayLookups.tsx';
import { ReplayRange } from './ReplayRange.tsx';
import { ReplayTagPicker } from './ReplayTagPicker.tsx';
import { ReplayVisits } from './ReplayVisits.tsx';
import { ReplayZonePicker } from './ReplayZonePicker.tsx';
import { ReplayZoneVisits } from './ReplayZoneVisits.tsx';

export interface ReplayPanelProps {
  replay: ReplaySlice;
  route: Accessor<AppRoute>;
  /** Changes location.hash; the App's router calls back through `route`. */
  navigate(hash: string): void;
}

/**
 * The replay view's side panel and its controller (issue #5 item 5): the URL opens the slice, the map follows the
 * marker's floor, playback runs on animation frames, and every choice here is a new URL (so a replay can be shared).
 */
export function ReplayPanel(props: ReplayPanelProps) {
  const { stores, api, showFloor, now } = useApp();
  const { floors } = stores;
  const r = props.replay;
  const zones = createZoneLookup(floors);
  const label = createTagLabel(r, stores.tags);

  createEffect(() => {
    const route = props.route();
    if (route.view !== 'replay') return;
    untrack(() => {
      r.open(route);
      const p = r.params();
      // A link without a range means "the last hour" as of opening it: pin that in the URL so a reload shows the same.
      if (p && (p.tag !== null || p.zone !== null) && (route.from === null || route.to === null)) history.replaceState(null, '', replayHash(p));
    });
  });
  onCleanup(() => r.close());

  const go = (patch: Partial<ReplayParams>) => {
    const cur = r.params() ?? { ...EMPTY_REPLAY, ...resolveRange(EMPTY_REPLAY, now()) };
    props.navigate(replayHash({ ...cur, t: null, ...patch }));
  };

  // Names for every floor's rooms (the map loads only the floors it shows); the zone picker lists them all.
  const planRequests = new Set<string>();
  createEffect(() => {
    const plans = floors.plans();
    for (const f of floors.list()) {
      if (plans.has(f.id) || planRequests.has(f.id)) continue;
      planRequests.add(f.id);
      api.floor(f.id).then(
        (plan) => {
          if (!floors.plans().has(plan.id)) floors.setPlan(plan);
        },
        () => planRequests.delete(f.id),
      );
    }
  });

  // The map shows the floor the tag was on at the slider time (or the zone's floor). Once per floor change, so the
  // user may look at another floor while the marker stays put.
  let applied: string | null = null;
  createEffect(on(r.loadSeq, () => {
    applied = null;
  }));
  const zoneEntry = createMemo(() => {
    const z = r.params()?.zone;
    if (z === null || z === undefined) return null;
    for (const e of zones().values()) if (e.id === z) return e;
    return null;
  });
  createEffect(() => {
    const p = r.params();
    const target = p?.tag !== null && p?.tag !== undefined ? r.floorAt() : (zoneEntry()?.floor ?? null);
    if (target === null || target === applied || !floors.list().some((f) => f.id === target)) return;
    applied = target;
    untrack(() => {
      if (floors.current() !== target) showFloor(target);
    });
  });

  // Playback: one slider step per animation frame, by the clock time that passed (so 60× is 60× on any frame rate).
  createEffect(() => {
    if (!r.playing()) return;
    let raf = requestAnimationFrame(function step() {
      r.tick();
      if (r.playing()) raf = requestAnimationFrame(step);
    });
    onCleanup(() => cancelAnimationFrame(raf));
  });

  const [mode, setMode] = createSignal<'tag' | 'zone'>('tag');
  createEffect(() => {
    const p = r.params();
    if (p?.zone) setMode('zone');
    else if (p?.tag) setMode('tag');
  });

  const p = () => r.params();
  const withDate = () => {
    const x = p();
    return x ? spansDays(x) : false;
  };
  const tab = (): ReplayTab => p()?.tab ?? 'visits';

  const tagExports = (): { label: string; query: HistoryExport }[] => {
    const x = p();
    if (!x?.tag) return [];
    const range = { from: x.from, to: x.to };
    const tr = r.trail().data;
    return tab() === 'contacts'
      ? [{ label: 'Contacts', query: { kind: 'contacts', tag: x.tag, query: { ...range, radiusM: x.radiusM } } }]
      : [
        { label: 'Visits', query: { kind: 'tag-visits', tag: x.tag, query: range } },
        { label: 'Trail', query: { kind: 'trail', tag: x.tag, query: { ...range, ...(tr ? { resolutionMs: tr.resolutionMs } : {}), limit: 10_000 } } },
      ];
  };

  return (
    <div class="replay-panel" data-testid="replay-panel">
      <section class="panel">
        <div class="replay-head">
          <h2 class="panel-title">Replay</h2>
          <div class="mode-tabs" role="tablist" aria-label="Replay a tag or a room">
            <button type="button" role="tab" aria-selected={mode() === 'tag'} classList={{ active: mode() === 'tag' }} data-testid="replay-mode-tag" onClick={() => setMode('tag')}>Tag</button>
            <button type="button" role="tab" aria-selected={mode() === 'zone'} classList={{ active: mode() === 'zone' }} data-testid="replay-mode-zone" onClick={() => setMode('zone')}>Room or zone</button>
          </div>
        </div>
        <Show when={mode() === 'tag'} fallback={<ReplayZonePicker onPick={(z) => go({ zone: z.id, tag: null })} />}>
          <ReplayTagPicker onPick={(t) => go({ tag: t.id, zone: null })} />
        </Show>

        <Switch>
          <Match when={p()?.tag}>
            {(id) => {
              const info = () => r.tagInfo().data;
              const kind = () => info()?.kind ?? 'unknown';
              return (
                <div class="replay-subject" data-testid="replay-subject" data-tag={id()}>
                  <span class={`swatch large shape-${KIND_STYLE[kind()].shape}`} style={{ '--fill': KIND_STYLE[kind()].fill, '--stroke': KIND_STYLE[kind()].stroke }} aria-hidden="true" />
                  <div>
                    <h3 data-testid="replay-subject-label">{info()?.label ?? id()}</h3>
                    <p class="detail-kind">
                      {KIND_LABEL[kind()]}
                      <Show when={info()?.category}> · {humanise(info()!.category)}</Show>
                      {' · '}<span class="mono">{id()}</span>
                    </p>
                  </div>
                </div>
              );
            }}
          </Match>
          <Match when={p()?.zone}>
            {(id) => (
              <div class="replay-subject" data-testid="replay-subject" data-zone={id()}>
                <div>
                  <h3 data-testid="replay-subject-label">{zoneEntry()?.name ?? id()}</h3>
                  <p class="detail-kind">
                    {zoneEntry()?.kind === 'zone' ? 'Zone' : 'Room'}
                    <Show when={zoneEntry()}>{(z) => <> · {floors.summary(z().floor)?.name ?? z().floor} · {humanise(z().zoneType)}</>}</Show>
                  </p>
                </div>
              </div>
            )}
          </Match>
        </Switch>

        <Show when={p()}>
          {(x) => <ReplayRange from={x().from} to={x().to} now={now} onRange={(from, to) => go({ from, to })} onReload={() => r.reload()} />}
        </Show>

        <Show when={p()?.tag}>
          <Show when={r.tagInfo().error}>
            {(e) => <p class="load-error boxed" role="alert" data-testid="replay-tag-error" data-code={e().code}>{loadErrorText(e(), 'this tag')}</p>}
          </Show>
          <Show when={r.trail().error}>
            {(e) => <p class="load-error boxed" role="alert" data-testid="replay-trail-error" data-code={e().code} data-status={e().status}>{loadErrorText(e(), 'the trail')}</p>}
          </Show>
          <Show when={r.trail().data}>
            {(d) => (
              <p class="muted small" data-testid="replay-trail-summary" data-fixes={d().fixes.length}>
                {d().fixes.length} fix{d().fixes.length === 1 ? '' : 'es'} on the trail, at most one per {formatDwell(d().resolutionMs)}
                {d().paths.length > 1 ? ` · ${d().paths.length} pieces (gaps over ${formatDwell(d().gapMs)} or floor changes are not joined)` : ''}
              </p>
            )}
          </Show>
          <Show when={r.trail().data?.truncated}>
            <p class="note" data-testid="replay-trail-truncated">The locator returned the most fixes one request may carry: the end of the range may be missing. Choose a shorter range.</p>
          </Show>
        </Show>
        <Show when={!p()?.tag && !p()?.zone}>
          <p class="muted" data-testid="replay-empty">Pick a tag to see where it went, or a room or zone to see who was there.</p>
        </Show>
      </section>

      <Show when={p()?.tag}>
        <section class="panel replay-lists">
          <div class="list-tabs" role="tablist" aria-label="Visits or contacts">
            <button type="button" role="tab" aria-selected={tab() === 'visits'} classList={{ active: tab() === 'visits' }} data-testid="replay-tab-visits" onClick={() => go({ tab: 'visits' })}>
              Rooms visited
            </button>
            <button type="button" role="tab" aria-selected={tab() === 'contacts'} classList={{ active: tab() === 'contacts' }} data-testid="replay-tab-contacts" onClick={() => go({ tab: 'contacts' })}>
              Contacts
            </button>
          </div>
          <Show when={tab() === 'visits'} fallback={<ReplayContacts replay={r} zones={zones} label={label} withDate={withDate()} onRadius={(m) => go({ radiusM: m })} />}>
            <ReplayVisits replay={r} zones={zones} withDate={withDate()} />
          </Show>
          <ReplayExport exports={tagExports()} />
        </section>
      </Show>
      <Show when={p()?.zone}>
        {(zone) => (
          <section class="panel replay-lists">
            <h3 class="panel-title">Who was there</h3>
            <ReplayZoneVisits replay={r} label={label} withDate={withDate()} onTag={(tag, t) => go({ tag, zone: null, t })} />
            <ReplayExport exports={[{ label: 'Visits', query: { kind: 'zone-visits', zone: zone(), query: { from: p()!.from, to: p()!.to } } }]} />
          </section>
        )}
      </Show>
    </div>
  );
}
