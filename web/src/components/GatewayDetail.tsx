import { createEffect, createMemo, For, Index, on, onCleanup, Show } from 'solid-js';
import { GATEWAY_FAILED_PAYLOAD_BYTES, type GatewayDiagnostics } from '@rtls/protocol';
import { ApiError } from '../api/client.ts';
import { useApp } from '../context.ts';
import { ago, clockTime } from '../format.ts';
import {
  createPoller, DETAIL_REFRESH_MS, detailErrorText, GATEWAYS_HASH, rejectionRows, silentLabel, skewView, STATE_LABEL,
  STATE_SOURCE_LABEL, type DetailError, type GatewayDiagnosticsSlice, type Poller, type PollTimers,
} from '../stores/gateway-diagnostics.ts';

export interface GatewayDetailProps {
  diagnostics: GatewayDiagnosticsSlice;
  navigate(hash: string): void;
}

const timers: PollTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

function toDetailError(e: unknown): DetailError {
  if (e instanceof ApiError) return { status: e.status, code: e.code, message: e.message };
  // fetch() rejects without a status when the locator cannot be reached at all.
  return { status: 0, code: 'RTLS_ERR_UNAVAILABLE', message: e instanceof Error ? e.message : String(e) };
}

const num = new Intl.NumberFormat('en-GB');

/** One gateway as an installer checks it: is it heard, is its clock right, what does it send, what was refused. */
export function GatewayDetail(props: GatewayDetailProps) {
  const { api, now, stores } = useApp();
  const d = props.diagnostics;

  // Poll while a gateway is open; a new id (or closing) stops the old poller and aborts its request in flight.
  let poller: Poller | null = null;
  createEffect(on(d.openId, (id) => {
    poller?.stop();
    poller = null;
    if (id === null) return;
    poller = createPoller(timers, DETAIL_REFRESH_MS, async (signal) => {
      try {
        const r = await api.background.gateway(id, signal);
        if (!signal.aborted) d.setDetail(id, r);
      } catch (e) {
        if (!signal.aborted) d.detailFailed(id, toDetailError(e));
      }
    });
    poller.start();
  }));
  onCleanup(() => poller?.stop());

  /** Header facts: from the diagnostics once loaded, from the list row until then. */
  const info = createMemo(() => d.detail()?.gateway ?? d.list().find((g) => g.id === d.openId()) ?? null);
  const state = () => info()?.state ?? 'unknown';
  const room = () => {
    const g = info();
    if (!g || g.room === null) return null;
    return stores.floors.roomName(g.floor, g.room) ?? g.room;
  };

  return (
    <section class="panel gw-detail" aria-labelledby="gw-detail-title" data-testid="gateway-detail" data-gateway-id={d.openId() ?? ''}>
      <div class="detail-head">
        <Show when={info()}>
          <span class={`gw-state-badge large state-${state()}`} data-testid="gateway-state" data-state={state()}>{STATE_LABEL[state()]}</span>
        </Show>
        <div>
          <h2 id="gw-detail-title" class="mono-title" data-testid="gateway-detail-title">{d.openId()}</h2>
          <Show when={info()}>
            {(g) => (
              <p class="detail-kind">
                {g().tech} · {g().format} · floor {g().floor}
                <Show when={room()}> · {room()}</Show>
              </p>
            )}
          </Show>
        </div>
        <button type="button" class="icon-button" aria-label="Close gateway details" data-testid="gateway-detail-close" onClick={() => props.navigate(GATEWAYS_HASH)}>
          ×
        </button>
      </div>

      <Show when={d.detailError()}>
        {(err) => (
          <p class="load-error boxed" role="alert" data-testid="gateway-detail-error" data-code={err().code} data-status={err().status}>
            {detailErrorText(err(), d.openId() ?? '')}
            <Show when={d.detail()}> Showing the last good values.</Show>
          </p>
        )}
      </Show>
      <Show when={d.detailState() === 'loading'}>
        <p class="muted">Loading diagnostics…</p>
      </Show>

      <Show when={d.detail()}>{(x) => <DiagnosticsBody d={x()} now={now()} />}</Show>

      <Show when={d.detailUpdatedAt()}>
        {(t) => (
          <p class="muted small gw-updated" data-testid="gateway-updated">
            Updated {clockTime(t())} · refreshes every {DETAIL_REFRESH_MS / 1000} s while open
          </p>
        )}
      </Show>
      <Show when={info()}>
        {(g) => <a class="secondary-link" href={`#floor=${encodeURIComponent(g().floor)}`}>Show floor {g().floor} on the map</a>}
      </Show>
    </section>
  );
}

function DiagnosticsBody(props: { d: GatewayDiagnostics; now: number }) {
  const silent = () => silentLabel(props.d, props.now);
  const skew = () => skewView(props.d.clockSkewMs);
  const rejections = () => rejectionRows(props.d.rejections);
  const reads = () => [...props.d.recentReads].sort((a, b) => b.t - a.t);
  const hasAntenna = () => props.d.recentReads.some((r) => r.antenna !== undefined);
  const failed = () => [...props.d.failedPayloads].sort((a, b) => b.receivedAt - a.receivedAt);
  const totals = () => {
    const t = props.d.totals;
    return [
      ['messages', 'Messages', t.messages],
      ['reads', 'Reads', t.reads],
      ['heartbeats', 'Heartbeats', t.heartbeats],
      ['rejected-messages', 'Rejected messages', t.rejectedMessages],
      ['rejected-reads', 'Rejected reads', t.rejectedReads],
      ['duplicates', 'Duplicates', t.duplicates],
      ['clock-skewed', 'Clock-skewed', t.clockSkewed],
    ] as const;
  };

  return (
    <>
      <Show when={silent()}>
        <p class="gw-silent" role="status" data-testid="gateway-silent">
          <strong>{silent()}</strong> — no heartbeat or message. Check its power and network.
        </p>
      </Show>
      <dl class="detail-grid gw-status">
        <dt>State</dt>
        <dd data-testid="gateway-state-source">{STATE_LABEL[props.d.gateway.state ?? 'unknown']}, {STATE_SOURCE_LABEL[props.d.stateSource]}</dd>
        <dt>Last message</dt>
        <dd data-testid="gateway-last-message">{ago(props.d.lastMessageAt, props.now)}</dd>
        <dt>Last heartbeat</dt>
        <dd data-testid="gateway-last-heartbeat">{ago(props.d.lastHeartbeatAt, props.now)}</dd>
        <dt>Traffic</dt>
        <dd data-testid="gateway-rates">
          {props.d.messagesPerS.toFixed(1)} msg/s · {props.d.readsPerS.toFixed(1)} reads/s <span class="muted small">(last 60 s)</span>
        </dd>
        <dt>Tags heard</dt>
        <dd data-testid="gateway-tags-heard">{num.format(props.d.tagsHeard)} <span class="muted small">(last 5 min)</span></dd>
        <dt>Clock skew</dt>
        <dd data-testid="gateway-skew" classList={{ warn: skew().warn }} data-warn={String(skew().warn)} title={skew().detail}>
          {skew().text}
          <Show when={skew().warn}> <span class="skew-note">⚠ {skew().detail}</span></Show>
        </dd>
        <dt>Topic</dt>
        <dd class="mono" data-testid="gateway-topic">{props.d.gateway.topic}</dd>
      </dl>

      <h3 class="panel-title">Totals since start</h3>
      <dl class="gw-totals">
        <For each={totals()}>
          {([key, label, value]) => (
            <div classList={{ bad: key.startsWith('rejected') && value > 0 }}>
              <dt>{label}</dt>
              <dd data-testid={`gateway-total-${key}`} data-value={value}>{num.format(value)}</dd>
            </div>
          )}
        </For>
      </dl>

      <h3 class="panel-title">Rejections by reason</h3>
      <Show when={rejections().length > 0} fallback={<p class="muted small" data-testid="gateway-no-rejections">Nothing rejected.</p>}>
        <table class="data-table" data-testid="gateway-rejections">
          <thead>
            <tr><th scope="col">Reason</th><th scope="col" class="num">Count</th></tr>
          </thead>
          <tbody>
            <For each={rejections()}>
              {(r) => (
                <tr data-testid="rejection-row" data-reason={r.reason}>
                  <td><span class="mono">{r.reason}</span> <span class="muted small">{r.label}</span></td>
                  <td class="num">{num.format(r.count)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>

      <h3 class="panel-title">Recent reads ({reads().length})</h3>
      <Show when={reads().length > 0} fallback={<p class="muted small" data-testid="gateway-no-reads">No reads decoded yet.</p>}>
        <div class="table-scroll">
          <table class="data-table" data-testid="gateway-recent-reads">
            <thead>
              <tr>
                <th scope="col">Tag</th>
                <th scope="col" class="num">dBm</th>
                <Show when={hasAntenna()}><th scope="col" class="num">Antenna</th></Show>
                <th scope="col" class="num">When</th>
              </tr>
            </thead>
            <tbody>
              {/* Index: a refresh every 2 s updates rows in place instead of rebuilding 100 of them. */}
              <Index each={reads()}>
                {(r) => (
                  <tr data-testid="recent-read-row" data-tag={r().tag}>
                    <td class="mono">{r().tag}</td>
                    <td class="num">{Math.round(r().rssi)}</td>
                    <Show when={hasAntenna()}><td class="num">{r().antenna ?? '—'}</td></Show>
                    <td class="num">{ago(r().t, props.now)}</td>
                  </tr>
                )}
              </Index>
            </tbody>
          </table>
        </div>
      </Show>

      <h3 class="panel-title">Failed payloads ({failed().length})</h3>
      <Show when={failed().length > 0} fallback={<p class="muted small" data-testid="gateway-no-failed">No payload failed to decode.</p>}>
        {/* Index keeps an unchanged payload's text node, so an installer's text selection survives a refresh. */}
        <Index each={failed()}>
          {(p) => (
            <article class="failed-payload" data-testid="failed-payload" data-reason={p().reason}>
              <header>
                <span class="reason-badge mono">{p().reason}</span>
                <span class="muted small">{ago(p().receivedAt, props.now)} · {clockTime(p().receivedAt)} · <span class="mono">{p().topic}</span></span>
              </header>
              <Show when={p().errors.length > 0}>
                <ul class="payload-errors">
                  <For each={p().errors}>{(e) => <li>{e}</li>}</For>
                </ul>
              </Show>
              {/* Untrusted bytes from the network: rendered as a text node, never as HTML. */}
              <pre class="payload" data-testid="failed-payload-text">{p().payload}</pre>
              <Show when={p().truncated}>
                <p class="muted small">
                  Cut to the first {num.format(Math.min(GATEWAY_FAILED_PAYLOAD_BYTES, p().payloadBytes))} of {num.format(p().payloadBytes)} bytes.
                </p>
              </Show>
            </article>
          )}
        </Index>
      </Show>
    </>
  );
}
