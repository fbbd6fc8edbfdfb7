import { Show } from 'solid-js';
import { useApp } from '../context.ts';
import { HOUR_MS, replayHash } from '../stores/replay.ts';

/** "Replay last hour" for the tag selected on the live map (issue #5 item 5: the replay is reachable from a tag). */
export function ReplayEntry() {
  const { stores, now } = useApp();
  const { ui } = stores;
  return (
    <Show when={ui.selected()}>
      {(id) => (
        <div class="replay-entry">
          <a
            class="secondary-button"
            data-testid="detail-replay"
            href={replayHash({ tag: id(), from: now() - HOUR_MS, to: now() })}
          >
            Replay last hour
          </a>
        </div>
      )}
    </Show>
  );
}
