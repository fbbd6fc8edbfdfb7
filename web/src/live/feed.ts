import { LiveServerMessageSchema, type Clock, type LiveClientMessage, type LiveServerMessage } from '@rtls/protocol';
import type { ConnectionSlice } from '../stores/connection.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';

/** The part of the browser WebSocket the feed uses, so tests can drive it without a network. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LiveFeedOptions {
  /** URL for a connection subscribed to `floor` (null = all floors). Called on every (re)connect. */
  url: (floor: string | null) => string;
  /** `protocols`: the WebSocket subprotocols to offer (the bearer token rides in one: a browser cannot set headers). */
  createSocket: (url: string, protocols: string[]) => SocketLike;
  /** Subprotocols for each (re)connect; read per connect, so a new session's token is used. */
  protocols?: () => string[];
  /**
   * The server closed the socket because the session ended (4401) or the role may not see the feed (4403). The feed
   * has stopped by then: reconnecting would be refused the same way.
   */
  onAuthClose?: (code: typeof WS_SESSION_ENDED | typeof WS_FORBIDDEN) => void;
  /**
   * A socket closed before it ever opened while the server could be reached: a server that refuses the upgrade with
   * HTTP 401 looks exactly like this to a browser, which is never shown the status. The app may check the session.
   */
  onClosedBeforeOpen?: () => void;
  clock: Clock;
  random: () => number;
  timers: Timers;
  /** Applies a validated message to the store slices. */
  dispatch: (msg: LiveServerMessage) => void;
  connection: ConnectionSlice;
  backoff?: BackoffOptions;
  /** Ping period, ms: keeps proxies from idling the socket out and proves the server still answers. */
  heartbeatMs?: number;
  /** No message at all for this long (ms) means the socket is dead even if the browser has not noticed. */
  staleMs?: number;
}

const OPEN = 1;
/** Close codes of /api/live (issue #6): the session ended, or the role may not see the feed. */
export const WS_SESSION_ENDED = 4401;
export const WS_FORBIDDEN = 4403;
/** Subprotocol the server selects; the second offered one carries the token (`rtls.bearer.<token>`). */
export const WS_PROTOCOL = 'rtls.v1';
export const bearerProtocols = (token: string | null): string[] => (token === null ? [WS_PROTOCOL] : [WS_PROTOCOL, `rtls.bearer.${token}`]);

export type BadMessageReason = 'not-text' | 'not-json' | 'schema';

/**
 * The one live feed (ws.ts): validates every message with LiveServerMessageSchema (bad ones are counted by
 * reason and dropped), reconnects with capped exponential backoff and jitter, pings, detects a silent socket,
 * and re-subscribes to the current floor on every reconnect.
 */
export class LiveFeed {
  private socket: SocketLike | null = null;
  private floor: string | null = null;
  /** The floor the open socket's URL or last subscribe asked for. */
  private subscribedFloor: string | null | undefined = undefined;
  private attempt = 0;
  private retryTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private lastMessageAt = 0;
  private stopped = true;
  private readonly backoff: BackoffOptions;
  private readonly heartbeatMs: number;
  private readonly staleMs: number;

  constructor(private readonly o: LiveFeedOptions) {
    this.backoff = o.backoff ?? DEFAULT_BACKOFF;
    this.heartbeatMs = o.heartbeatMs ?? 15_000;
    this.staleMs = o.staleMs ?? 40_000;
  }

  start(floor: string | null): void {
    this.floor = floor;
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const s = this.socket;
    this.socket = null;
    if (s) {
      detach(s);
      s.close(1000, 'client stopped');
    }
  }

  /** Reconnect at once: a changed patient scope (break-glass began or ended) needs a fresh snapshot from the server. */
  restart(): void {
    if (this.stopped) return;
    const floor = this.floor;
    this.stop();
    this.attempt = 0;
    this.start(floor);
  }

  /** Switch the subscription; the server answers with a fresh snapshot for that floor. */
  setFloor(floor: string | null): void {
    this.floor = floor;
    if (this.socket?.readyState === OPEN && this.subscribedFloor !== floor) this.subscribe();
  }

  currentFloor(): string | null {
    return this.floor;
  }

  /** Parse, validate and dispatch one raw message. Public so the message handling is testable on its own. */
  handleData(data: unknown): LiveServerMessage | null {
    this.lastMessageAt = this.o.clock();
    if (typeof data !== 'string') return this.bad('not-text');
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.bad('not-json');
    }
    const r = LiveServerMessageSchema.safeParse(json);
    if (!r.success) return this.bad('schema');
    this.o.connection.countReceived();
    // A valid message proves the server is really serving us; only now forget earlier failed attempts, so a
    // server that accepts and immediately drops connections still gets backed off.
    this.attempt = 0;
    this.o.dispatch(r.data);
    return r.data;
  }

  private bad(reason: BadMessageReason): null {
    this.o.connection.countBad(reason);
    return null;
  }

  private connect(): void {
    if (this.stopped) return;
    this.retryTimer = null;
    const now = this.o.clock();
    this.o.connection.connecting(now);
    let s: SocketLike;
    try {
      s = this.o.createSocket(this.o.url(this.floor), this.o.protocols?.() ?? [WS_PROTOCOL]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = s;
    this.subscribedFloor = this.floor;
    let opened = false;
    s.onopen = () => {
      if (s !== this.socket) return;
      opened = true;
      this.lastMessageAt = this.o.clock();
      this.o.connection.live(this.lastMessageAt);
      // The floor may have changed while the socket was connecting with the old floor in its URL.
      if (this.subscribedFloor !== this.floor) this.subscribe();
      this.armHeartbeat();
    };
    s.onmessage = (ev) => {
      if (s !== this.socket) return;
      this.handleData(ev.data);
    };
    s.onerror = () => {
      // Browsers always follow an error with close; reconnecting happens there, once.
    };
    s.onclose = (ev) => {
      if (s !== this.socket) return;
      this.socket = null;
      detach(s);
      const code = ev?.code;
      if (code === WS_SESSION_ENDED || code === WS_FORBIDDEN) {
        // Not an outage: every retry would be refused alike (issue #6: no reconnect loop after a logout).
        this.stopped = true;
        this.clearTimers();
        if (code === WS_FORBIDDEN) this.o.connection.refused(this.o.clock());
        this.o.onAuthClose?.(code);
        return;
      }
      if (!opened) this.o.onClosedBeforeOpen?.();
      this.scheduleReconnect();
    };
  }

  private subscribe(): void {
    const msg: LiveClientMessage = { type: 'subscribe', floors: this.floor === null ? null : [this.floor] };
    this.send(msg);
    this.subscribedFloor = this.floor;
  }

  private send(msg: LiveClientMessage): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(msg));
  }

  private scheduleReconnect(): void {
    this.clearTimers();
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.o.random, this.backoff);
    this.attempt++;
    const now = this.o.clock();
    this.o.connection.disconnected(now, now + delay);
    this.retryTimer = this.o.timers.setTimeout(() => this.connect(), delay);
  }

  private armHeartbeat(): void {
    if (this.heartbeatTimer !== null) this.o.timers.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = this.o.timers.setTimeout(() => this.beat(), this.heartbeatMs);
  }

  private beat(): void {
    this.heartbeatTimer = null;
    const s = this.socket;
    if (!s || this.stopped) return;
    if (this.o.clock() - this.lastMessageAt > this.staleMs) {
      // Half-open TCP (laptop sleep, Wi-Fi roam): the browser may never fire close, so drop it ourselves.
      this.socket = null;
      detach(s);
      s.close(4000, 'heartbeat timeout');
      this.scheduleReconnect();
      return;
    }
    this.send({ type: 'ping' });
    this.armHeartbeat();
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) this.o.timers.clearTimeout(this.retryTimer);
    if (this.heartbeatTimer !== null) this.o.timers.clearTimeout(this.heartbeatTimer);
    this.retryTimer = null;
    this.heartbeatTimer = null;
  }
}

function detach(s: SocketLike): void {
  s.onopen = null;
  s.onmessage = null;
  s.onerror = null;
  s.onclose = null;
}

/** ws(s)://<host>/api/live?floor=… for the page's own origin (the locator serves the app same-origin). */
export function liveUrl(loc: { protocol: string; host: string }, floor: string | null): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  const q = floor === null ? '' : `?floor=${encodeURIComponent(floor)}`;
  return `${scheme}://${loc.host}/api/live${q}`;
}
