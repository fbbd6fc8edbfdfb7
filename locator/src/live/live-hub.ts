/**
 * WebSocket live feed, /api/live (DESIGN.md §3; contract in protocol/ws.ts).
 * On connect: one `snapshot` (optionally for `?floor=L0,L1`). Then deltas, batched every flushMs: `tags` (summaries
 * the client has not been told about, before their first fix), `fixes` (latest fix per tag in the interval),
 * `zone`, `gateway`. Fixes are coalesced per tag globally between flushes, so the hub's cost per flush grows with
 * moving tags × clients, not with the fix rate.
 * Back-pressure: a client whose socket buffer is above maxBufferedBytes skips a delta (counted); what it missed
 * stays pending for it (latest fix per tag, bounded zone-event queue), so a slow client catches up instead of
 * keeping stale positions.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  LiveClientMessageSchema, describeZodError,
  type Alarm, type Clock, type Fix, type GatewayInfo, type LiveServerMessage, type SecurityAlarm, type TagSummary, type ZoneEvent,
} from '@rtls/protocol';
import type { LiveState } from '../state/live-state.ts';

/** `?floor=L0,L1`: comma-separated floor ids (same rule as SlugSchema). */
const SLUG = '[A-Za-z0-9][A-Za-z0-9_.-]{0,63}';
export const LiveQuerySchema = z.object({
  floor: z.string().max(2000).regex(new RegExp(`^${SLUG}(,${SLUG})*$`), 'floor must be comma-separated floor ids').optional(),
});

/**
 * What one live client may see (issue #6): built from the authenticated request. Patient tags outside a clinician's
 * units are never sent (their fixes and zone events neither); identity only where the role allows.
 */
export interface LiveViewer {
  project<T extends TagSummary>(t: T): T | null;
  /** An alarm as this viewer may see it (issue #7), or null: hidden, or the viewer has no `alarms:view`. */
  projectAlarm(a: Alarm): Alarm | null;
  /** Security alarms go to viewers with `security-alarms:view` only. */
  readonly securityAlarms: boolean;
  /**
   * 'ended' once the session ended (logout, idle expiry, disabled user): closed with 4401. 'changed' when what the
   * viewer may see changed (break-glass began or ended): closed with 4000 so the client reconnects under the new
   * rights.
   */
  status(): 'ok' | 'ended' | 'changed';
  /** Audits a snapshot (which patient tags it placed on the map); throws to refuse it. */
  audit(patientTags: readonly string[]): void;
}

/** Close codes (4000–4999 are the application's, RFC 6455 §7.4.2). */
export const LIVE_CLOSE_SESSION_ENDED = 4401;
export const LIVE_CLOSE_FORBIDDEN = 4403;

export const LIVE_CLOSE_RECONNECT = 4000;

const EVERYTHING: LiveViewer = { project: (t) => t, projectAlarm: (a) => a, securityAlarms: true, status: () => 'ok', audit: () => {} };

export interface LiveHubOptions {
  state: LiveState;
  clock: Clock;
  /** Delta batching interval, ms (RTLS_LIVE_FLUSH_MS); 0 = no timer (the caller runs flush()). */
  flushMs: number;
  logger: Logger;
  /** A client with more than this many bytes unsent skips a delta. */
  maxBufferedBytes?: number;
  /** Zone events kept per lagging client (and per interval) before the oldest are dropped and counted. */
  maxQueuedZoneEvents?: number;
  /**
   * Liveness: every this many ms each client is pinged; one that has not answered the previous ping is terminated.
   * A tablet that sleeps or walks out of Wi-Fi range never sends a TCP FIN, and without this its socket (and its
   * queued deltas) would stay until the kernel's keepalive gives up, hours later. 0 disables.
   */
  pingIntervalMs?: number;
  /** The viewer of a new connection (from the auth guard's request); without it a client sees everything (tests). */
  viewerFor?: (req: FastifyRequest) => LiveViewer;
  /** Client messages a socket may send per minute; more closes it (1008 policy violation). */
  maxMessagesPerMin?: number;
  /** How often sessions of open sockets are re-checked, ms. */
  sessionCheckMs?: number;
}

export interface LiveHubStats {
  clients: number;
  /** Deltas not sent to a client because its socket buffer was over the bound. */
  skippedDeltas: number;
  messagesSent: number;
  /** Zone events dropped from a lagging client's queue. */
  droppedZoneEvents: number;
  clientErrors: number;
  /** Clients terminated for not answering a ping. */
  deadClients: number;
}

interface Client {
  socket: WebSocket;
  floors: Set<string> | null;
  /** Tags whose summary the client has (from a snapshot or a `tags` delta). */
  known: Set<string>;
  /** Tags whose last fix sent to this client was on its floors: their move off those floors is sent too. */
  onFloor: Set<string>;
  fixes: Map<string, Fix>;
  zone: ZoneEvent[];
  gateways: Map<string, GatewayInfo>;
  /** Answered the last ping (or has not been pinged yet). */
  alive: boolean;
  viewer: LiveViewer;
  /** Message times within the last minute (rate cap). */
  messageTimes: number[];
}

export class LiveHub {
  readonly #o: Required<Omit<LiveHubOptions, 'viewerFor'>> & Pick<LiveHubOptions, 'viewerFor'>;
  #sessionTimer: NodeJS.Timeout | null = null;
  readonly #clients = new Set<Client>();
  #fixes = new Map<string, Fix>();
  #zone: ZoneEvent[] = [];
  #gateways = new Map<string, GatewayInfo>();
  #timer: NodeJS.Timeout | null = null;
  #pingTimer: NodeJS.Timeout | null = null;
  #dead = 0;
  #skipped = 0;
  #sent = 0;
  #droppedZone = 0;
  #clientErrors = 0;

  constructor(opts: LiveHubOptions) {
    this.#o = { maxBufferedBytes: 1024 * 1024, maxQueuedZoneEvents: 5000, pingIntervalMs: 30_000, maxMessagesPerMin: 120, sessionCheckMs: 5000, ...opts };
  }

  // --- inputs (from the pipeline fan-out) ---

  /**
   * An alarm opened or changed (issue #7): sent at once, not at the next flush — the target is alarm on the console
   * within a second of the read that showed it.
   */
  alarm(alarm: Alarm): void {
    for (const c of this.#clients) {
      const shown = c.viewer.projectAlarm(alarm);
      if (shown) this.#send(c, { type: 'alarm', alarm: shown });
    }
  }

  /** A security alarm: to every client allowed to see them, at once (they are rare and urgent). */
  securityAlarm(alarm: SecurityAlarm): void {
    for (const c of this.#clients) if (c.viewer.securityAlarms) this.#send(c, { type: 'security-alarm', alarm });
  }

  fix(fix: Fix): void {
    if (this.#clients.size > 0) this.#fixes.set(fix.tag, fix);
  }

  zoneEvent(event: ZoneEvent): void {
    if (this.#clients.size === 0) return;
    this.#zone.push(event);
    this.#trimZone(this.#zone);
  }

  gatewayStatus(gatewayId: string): void {
    if (this.#clients.size === 0) return;
    const g = this.#o.state.gateway(gatewayId);
    if (g) this.#gateways.set(g.id, g);
  }

  // --- lifecycle ---

  /** Registers GET /api/live. The app must have @fastify/websocket registered. */
  register(app: FastifyInstance): void {
    app.get('/api/live', {
      websocket: true,
      config: { auth: 'map:view' },
      schema: {
        querystring: LiveQuerySchema,
        description: 'WebSocket live feed: a snapshot, then batched deltas (see protocol/ws.ts).',
        tags: ['live'],
      },
    }, (socket, req) => {
      const { floor } = req.query as z.infer<typeof LiveQuerySchema>;
      this.#accept(socket, floor ? floor.split(',') : null, this.#o.viewerFor ? this.#o.viewerFor(req) : EVERYTHING);
    });
  }

  start(): void {
    if (!this.#timer && this.#o.flushMs > 0) {
      this.#timer = setInterval(() => this.flush(), this.#o.flushMs);
      this.#timer.unref();
    }
    if (!this.#sessionTimer && this.#o.sessionCheckMs > 0) {
      this.#sessionTimer = setInterval(() => this.checkSessions(), this.#o.sessionCheckMs);
      this.#sessionTimer.unref();
    }
    if (!this.#pingTimer && this.#o.pingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => this.checkLiveness(), this.#o.pingIntervalMs);
      this.#pingTimer.unref();
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    if (this.#sessionTimer) clearInterval(this.#sessionTimer);
    this.#timer = this.#pingTimer = this.#sessionTimer = null;
  }

  /** Closes (4401) the sockets whose session ended: logout, idle expiry, disabled user, changed role. */
  checkSessions(): number {
    let n = 0;
    for (const c of this.#clients) {
      const status = c.viewer.status();
      if (status === 'ok') continue;
      this.#clients.delete(c);
      if (status === 'ended') c.socket.close(LIVE_CLOSE_SESSION_ENDED, 'session ended');
      else c.socket.close(LIVE_CLOSE_RECONNECT, 'access changed: reconnect');
      n++;
    }
    return n;
  }

  /** Terminates clients that did not answer the previous ping, and pings the rest. */
  checkLiveness(): void {
    for (const c of this.#clients) {
      if (!c.alive) {
        this.#dead++;
        this.#clients.delete(c);
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.socket.ping();
      } catch {
        // Socket already closing: its 'close' handler removes it.
      }
    }
  }

  /** Closes every client socket (1001 going away) and stops the timer. */
  close(): void {
    this.stop();
    for (const c of this.#clients) c.socket.close(1001, 'server shutting down');
    this.#clients.clear();
  }

  stats(): LiveHubStats {
    return {
      clients: this.#clients.size, skippedDeltas: this.#skipped, messagesSent: this.#sent,
      droppedZoneEvents: this.#droppedZone, clientErrors: this.#clientErrors, deadClients: this.#dead,
    };
  }

  /** Sends one delta round to every client. */
  flush(): void {
    const fixes = this.#fixes;
    const zone = this.#zone;
    const gateways = this.#gateways;
    this.#fixes = new Map();
    this.#zone = [];
    this.#gateways = new Map();
    for (const c of this.#clients) {
      for (const f of fixes.values()) {
        if (!this.#sees(c, f.tag)) continue;
        if (this.#wants(c, f.floor)) {
          c.fixes.set(f.tag, f);
          c.onFloor.add(f.tag);
        } else if (c.onFloor.delete(f.tag)) {
          c.fixes.set(f.tag, f); // it left the client's floors: tell it once so the marker can go
        }
      }
      for (const e of zone) if (this.#wants(c, e.floor) && this.#sees(c, e.tag)) c.zone.push(e);
      this.#trimZone(c.zone);
      for (const g of gateways.values()) if (this.#wants(c, g.floor)) c.gateways.set(g.id, g);
      this.#deliver(c);
    }
  }

  // --- per client ---

  #accept(socket: WebSocket, floors: string[] | null, viewer: LiveViewer): void {
    const c: Client = {
      socket, floors: null, known: new Set(), onFloor: new Set(), fixes: new Map(), zone: [], gateways: new Map(), alive: true,
      viewer, messageTimes: [],
    };
    this.#clients.add(c);
    socket.on('pong', () => {
      c.alive = true;
    });
    socket.on('message', (data, isBinary) => this.#onMessage(c, data, isBinary));
    socket.on('close', () => this.#clients.delete(c));
    socket.on('error', (err) => {
      this.#clientErrors++;
      this.#o.logger.debug({ err: err.message }, 'live client socket error');
    });
    this.#snapshot(c, floors);
  }

  #onMessage(c: Client, data: unknown, isBinary: boolean): void {
    const now = this.#o.clock();
    c.messageTimes = c.messageTimes.filter((t) => t > now - 60_000);
    c.messageTimes.push(now);
    if (c.messageTimes.length > this.#o.maxMessagesPerMin) {
      // A client that floods subscribe requests makes the hub build snapshot after snapshot (issue #6 item 5).
      this.#clients.delete(c);
      c.socket.close(1008, 'message rate limit');
      return;
    }
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary');
      parsed = JSON.parse(String(data));
    } catch {
      this.#send(c, { type: 'error', code: 'RTLS_ERR_VALIDATION', message: 'message must be a JSON text frame' });
      return;
    }
    const r = LiveClientMessageSchema.safeParse(parsed);
    if (!r.success) {
      this.#send(c, { type: 'error', code: 'RTLS_ERR_VALIDATION', message: describeZodError(r.error).join('; ') });
      return;
    }
    if (r.data.type === 'ping') this.#send(c, { type: 'pong', t: this.#o.clock() });
    else this.#snapshot(c, r.data.floors);
  }

  #snapshot(c: Client, floors: readonly string[] | null): void {
    c.floors = floors && floors.length > 0 ? new Set(floors) : null;
    const tags = [];
    for (const t of this.#o.state.tagsOnFloors(c.floors)) {
      const shown = c.viewer.project(t);
      if (shown) tags.push(shown);
    }
    try {
      c.viewer.audit(tags.filter((t) => t.kind === 'patient' && t.lastFix !== null).map((t) => t.id));
    } catch {
      // No audit record, no patient locations (issue #6 item 4): the snapshot is refused and the socket closed.
      this.#clients.delete(c);
      c.socket.close(1011, 'audit log unavailable');
      return;
    }
    c.known = new Set(tags.map((t) => t.id));
    c.onFloor = new Set(tags.filter((t) => t.lastFix !== null).map((t) => t.id));
    c.fixes.clear();
    c.zone = [];
    c.gateways.clear();
    const gateways = this.#o.state.gateways().filter((g) => this.#wants(c, g.floor));
    this.#send(c, { type: 'snapshot', t: this.#o.clock(), floors: c.floors ? [...c.floors] : null, tags, gateways });
  }

  #deliver(c: Client): void {
    if (c.fixes.size === 0 && c.zone.length === 0 && c.gateways.size === 0) return;
    if (c.socket.readyState !== c.socket.OPEN) return;
    if (c.socket.bufferedAmount > this.#o.maxBufferedBytes) {
      this.#skipped++;
      return;
    }
    if (c.fixes.size > 0) {
      const fresh: TagSummary[] = [];
      for (const tag of c.fixes.keys()) {
        if (!c.known.has(tag)) {
          c.known.add(tag);
          const shown = c.viewer.project(this.#o.state.summary(tag));
          if (shown) fresh.push(shown);
        }
      }
      if (fresh.length > 0) this.#send(c, { type: 'tags', tags: fresh });
      this.#send(c, { type: 'fixes', t: this.#o.clock(), fixes: [...c.fixes.values()] });
      c.fixes.clear();
    }
    for (const event of c.zone) this.#send(c, { type: 'zone', event });
    c.zone = [];
    for (const gateway of c.gateways.values()) this.#send(c, { type: 'gateway', gateway });
    c.gateways.clear();
  }

  #sees(c: Client, tag: string): boolean {
    const s = this.#o.state.summary(tag);
    return s.kind !== 'patient' || c.viewer.project(s) !== null;
  }

  #wants(c: Client, floor: string): boolean {
    return c.floors === null || c.floors.has(floor);
  }

  #trimZone(queue: ZoneEvent[]): void {
    const over = queue.length - this.#o.maxQueuedZoneEvents;
    if (over > 0) {
      queue.splice(0, over);
      this.#droppedZone += over;
    }
  }

  #send(c: Client, msg: LiveServerMessage): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    c.socket.send(JSON.stringify(msg));
    this.#sent++;
  }
}

export function createLiveHub(opts: LiveHubOptions): LiveHub {
  return new LiveHub(opts);
}
