import { createMemo, For, Show } from 'solid-js';
import { useApp } from '../context.ts';
import { ZONE_FAMILY } from '../map/palette.ts';
import { formatDwell, spansDays, SPEEDS, timeLabel, visitStrip, type ReplaySlice } from '../stores/replay.ts';
import { createZoneLookup, zoneName } from './ReplayLookups.tsx';

/** Keyboard steps of the slider: one arrow press is one second, Page Up/Down a minute (the range input's own keys). */
const STEP_MS = 1000;

/**
 * The time slider under the map: play/pause at 1×/10×/60×, the rooms passed through as bands along the time axis,
 * and what the marker shows at the slider time (floor, room, or how long the tag had not been located).
 */
export function ReplayTimeline(props: { replay: ReplaySlice }) {
  const r = props.replay;
  const { stores } = useApp();
  const { floors } = stores;
  const zones = createZoneLookup(floors);
  const range = () => r.params();
  const withDate = () => {
    const p = range();
    return p ? spansDays(p) : false;
  };
  const visits = () => r.visits().data?.visits ?? [];
  const strip = createMemo(() => {
    const p = range();
    if (!p) return [];
    const lookup = zones();
    return visitStrip(visits(), p, (v) => lookup.get(`${v.floor}\n${v.zone}`)?.kind !== 'zone');
  });
  const active = createMemo(() => new Set(r.activeVisits()));
  const trail = () => r.trail();

  const status = () => {
    const tr = trail();
    if (tr.state === 'loading' || tr.state === 'idle') return 'Loading the trail…';
    if (tr.state === 'error') return 'No trail (see the panel).';
    if (!tr.data || tr.data.fixes.length === 0) return 'No fixes stored for this tag in the range.';
    const pos = r.position();
    if (!pos) return `Not located yet — first fix at ${timeLabel(tr.data.fixes[0]!.t, withDate())}.`;
    const floor = floors.summary(pos.floor)?.name ?? pos.floor;
    const room = pos.room === null ? 'between rooms' : (floors.roomName(pos.floor, pos.room) ?? pos.room);
    if (pos.stale) return `${floor} · ${room} · not located for ${formatDwell(pos.ageMs)} (last fix ${timeLabel(pos.fixT, withDate())})`;
    return `${floor} · ${room}`;
  };

  return (
    <Show when={range()}>
      {(p) => (
        <section class="replay-timeline" aria-label="Replay time" data-testid="replay-timeline">
          <div class="replay-controls">
            <button
              type="button"
              class="play-button"
              data-testid="replay-play"
              aria-label={r.playing() ? 'Pause' : 'Play'}
              aria-pressed={r.playing()}
              disabled={!trail().data || trail().data!.fixes.length === 0}
              onClick={() => (r.playing() ? r.pause() : r.play())}
            >
              {r.playing() ? '❚❚' : '▶'}
            </button>
            <div class="speed-group" role="group" aria-label="Playback speed">
              <For each={SPEEDS}>
                {(s) => (
                  <button type="button" class="speed" classList={{ active: r.speed() === s }} aria-pressed={r.speed() === s} data-testid={`replay-speed-${s}`} onClick={() => r.setSpeed(s)}>
                    {s}×
                  </button>
                )}
              </For>
            </div>
            <output class="replay-time" data-testid="replay-time" data-t={Math.round(r.t())}>{timeLabel(r.t(), withDate())}</output>
            <span class="replay-status" data-testid="replay-status" role="status">{status()}</span>
          </div>
          <div class="replay-track">
            <div class="visit-strip" aria-hidden="true">
              <For each={strip()}>
                {(s) => {
                  const v = () => visits()[s.index]!;
                  const fam = () => {
                    const z = zones().get(`${v().floor}\n${v().zone}`);
                    return z ? ZONE_FAMILY[z.zoneType] : null;
                  };
                  return (
                    <span
                      class="visit-band"
                      classList={{ active: active().has(s.index) }}
                      style={{ left: `${s.leftPct}%`, width: `max(2px, ${s.widthPct}%)`, '--fill': fam()?.fill ?? '#e5e7eb', '--stroke': fam()?.stroke ?? '#9ca3af' }}
                      title={`${zoneName(zones(), v().floor, v().zone)} · ${formatDwell(v().dwellMs)}`}
                    />
                  );
                }}
              </For>
            </div>
            <input
              type="range"
              class="replay-slider"
              data-testid="replay-slider"
              aria-label="Replay time"
              aria-valuetext={timeLabel(r.t(), true)}
              min={p().from}
              max={p().to}
              step={STEP_MS}
              value={r.t()}
              onInput={(e) => r.seek(Number(e.currentTarget.value))}
            />
            <div class="replay-ends small muted">
              <span>{timeLabel(p().from, withDate())}</span>
              <span>{timeLabel(p().to, withDate())}</span>
            </div>
          </div>
        </section>
      )}
    </Show>
  );
}
