/**
 * The LLRP bridge (issue #4 item 5): an RFID reader that speaks LLRP instead of MQTT, republished as one native
 * gateway. Reader side: connect, wait for the connection-attempt notification, install and start a ROSpec that
 * reports every RTLS_LLRP_REPORT_INTERVAL_MS (reader-session.ts), answer KEEPALIVEs, and on any loss reconnect with
 * backoff. Each RO_ACCESS_REPORT is converted (tag-reports.ts), queued, and published as native batches
 * (read-batcher.ts), at most once per RTLS_LLRP_BATCH_INTERVAL_MS, through the gateway's own MQTT connection (gateway-link.ts), whose
 * retained status follows the reader: online while the ROSpec runs, offline while the reader is lost.
 *
 * Time comes from the injected clock (batch time) and from the reader (read time); timers only pace the work.
 */
import type { Clock } from '@rtls/protocol';
import type { LlrpBridgeConfig } from './config.ts';
import type { LlrpMessage } from './llrp-codec.ts';
import { LlrpConnection } from './llrp-connection.ts';
import { isConnectionCloseEvent, setUpReader } from './reader-session.ts';
import { ReadBatcher } from './read-batcher.ts';
import { convertTagReports, emptyRejectCounts, TAG_REPORT_REJECT_REASONS, type RejectCounts } from './tag-reports.ts';
import { GatewayLink, type BridgeLogger, type GatewayLinkStats } from './gateway-link.ts';
import { backoffDelayMs } from './backoff.ts';

export const BRIDGE_FIRMWARE = 'rtls-llrp-bridge/0.1.0';

/** Largest LLRP message accepted. A 1,000-tag report with every field enabled is ~45 kB; a reader flushing reports
 *  it buffered while disconnected may send more at once, and anything near this is a corrupt length field. */
const MAX_LLRP_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Missed keepalives before the reader counts as gone (the keepalive period is the reader's, so allow for jitter). */
const KEEPALIVES_MISSED = 3;
/** Queue bound between flushes, in batches' worth of reads (see read-batcher.ts). */
const PENDING_BATCHES = 20;
/** Waits for the reader's goodbye answers during stop(), ms. */
const STOP_ANSWER_MS = 2000;

export type BridgeConfig = Pick<LlrpBridgeConfig,
  | 'readerHost' | 'readerPort' | 'gatewayId' | 'mqttUrl' | 'mqttUsername' | 'mqttPassword' | 'batchIntervalMs'
  | 'maxReadsPerBatch' | 'reportIntervalMs' | 'antennas' | 'rospecId' | 'keepaliveMs' | 'factoryReset'
  | 'connectTimeoutMs' | 'responseTimeoutMs' | 'reconnectMinMs' | 'reconnectMaxMs' | 'heartbeatMs'>;

export interface LlrpBridgeOptions {
  config: BridgeConfig;
  clock: Clock;
  logger?: BridgeLogger;
  /** Firmware string in status messages. */
  firmware?: string;
}

export interface LlrpBridgeStats {
  reader: {
    connected: boolean;
    /** Sessions that got as far as a running ROSpec. */
    sessions: number;
    /** Sessions after the first (each one a recovery from a loss). */
    reconnects: number;
    /** Attempts that failed before the ROSpec ran: refused, timed out, or an LLRP error answer. */
    failedAttempts: number;
    lastError: string | null;
    keepalives: number;
    /** Messages from the reader that llrpjs could not decode (skipped, connection kept). */
    undecodableMessages: number;
  };
  /** RO_ACCESS_REPORT messages. */
  reports: number;
  /** TagReportData entries in them. */
  tagReports: number;
  /** Entries turned into reads. */
  reads: number;
  rejected: RejectCounts;
  /** Accepted reads without a usable reader timestamp. */
  untimedReads: number;
  /** Reads refused because the queue was full. */
  readsRefused: number;
  batchesPublished: number;
  readsPublished: number;
  /** Batches lost because the broker was not reachable at flush time (QoS 0, as a native gateway). */
  batchesDropped: number;
  readsDropped: number;
  mqtt: GatewayLinkStats;
}

export class LlrpBridge {
  private readonly cfg: BridgeConfig;
  private readonly clock: Clock;
  private readonly log: BridgeLogger | undefined;
  private readonly link: GatewayLink;
  private readonly batcher: ReadBatcher;
  private running = false;
  private loop: Promise<void> | null = null;
  private conn: LlrpConnection | null = null;
  private readerUp = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private abort: AbortController | null = null;
  private wake: (() => void) | null = null;
  private lastFlushAt = -Infinity;
  private readonly loggedReasons = new Set<string>();
  private readonly c = {
    sessions: 0, failedAttempts: 0, keepalivesBefore: 0, undecodableBefore: 0, lastError: null as string | null,
    reports: 0, tagReports: 0, reads: 0, untimedReads: 0, batchesPublished: 0, readsPublished: 0, batchesDropped: 0,
    readsDropped: 0,
  };
  private readonly rejected = emptyRejectCounts();

  constructor(opts: LlrpBridgeOptions) {
    this.cfg = opts.config;
    this.clock = opts.clock;
    this.log = opts.logger;
    this.link = new GatewayLink({
      url: this.cfg.mqttUrl, gatewayId: this.cfg.gatewayId, clock: opts.clock, heartbeatMs: this.cfg.heartbeatMs,
      reconnectMinMs: this.cfg.reconnectMinMs, reconnectMaxMs: this.cfg.reconnectMaxMs, firmware: opts.firmware ?? BRIDGE_FIRMWARE,
      ...(this.cfg.mqttUsername !== undefined ? { username: this.cfg.mqttUsername } : {}),
      ...(this.cfg.mqttPassword !== undefined ? { password: this.cfg.mqttPassword } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    this.batcher = new ReadBatcher({
      gatewayId: this.cfg.gatewayId, maxReadsPerBatch: this.cfg.maxReadsPerBatch,
      maxPendingReads: this.cfg.maxReadsPerBatch * PENDING_BATCHES,
    });
  }

  /** Connects to the broker (first attempt awaited) and starts the reader loop (not awaited: the reader may be down). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.link.start();
    this.loop = this.readerLoop();
  }

  /**
   * Stops the reader politely (deletes our ROSpec so the reader stops transmitting, then CLOSE_CONNECTION), publishes
   * what is queued, then `offline` and disconnects from the broker.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort?.abort();
    this.wake?.();
    const conn = this.conn;
    if (conn?.isOpen && this.readerUp) {
      await conn.request('DELETE_ROSPEC', { ROSpecID: this.cfg.rospecId }, STOP_ANSWER_MS).catch(() => undefined);
      await conn.request('CLOSE_CONNECTION', {}, STOP_ANSWER_MS).catch(() => undefined);
    }
    conn?.close('bridge stopping');
    await this.loop;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.flush();
    await this.link.stop();
  }

  stats(): LlrpBridgeStats {
    const conn = this.conn;
    return {
      reader: {
        connected: this.readerUp,
        sessions: this.c.sessions,
        reconnects: Math.max(0, this.c.sessions - 1),
        failedAttempts: this.c.failedAttempts,
        lastError: this.c.lastError,
        keepalives: this.c.keepalivesBefore + (conn?.counters.keepalives ?? 0),
        undecodableMessages: this.c.undecodableBefore + (conn?.counters.undecodable ?? 0),
      },
      reports: this.c.reports,
      tagReports: this.c.tagReports,
      reads: this.c.reads,
      rejected: { ...this.rejected },
      untimedReads: this.c.untimedReads,
      readsRefused: this.batcher.refusedReads,
      batchesPublished: this.c.batchesPublished,
      readsPublished: this.c.readsPublished,
      batchesDropped: this.c.batchesDropped,
      readsDropped: this.c.readsDropped,
      mqtt: this.link.stats(),
    };
  }

  private async readerLoop(): Promise<void> {
    const cfg = this.cfg;
    const reader = `${cfg.readerHost}:${cfg.readerPort}`;
    let attempt = 0;
    let failing = false;
    while (this.running) {
      let conn: LlrpConnection | null = null;
      try {
        this.abort = new AbortController();
        conn = await LlrpConnection.connect({
          host: cfg.readerHost, port: cfg.readerPort, connectTimeoutMs: cfg.connectTimeoutMs,
          silenceTimeoutMs: cfg.keepaliveMs * KEEPALIVES_MISSED, maxMessageBytes: MAX_LLRP_MESSAGE_BYTES,
          signal: this.abort.signal,
          onMessage: (m) => this.onReaderMessage(m),
          onUndecodable: (err) => this.logOnce('undecodable', { gw: cfg.gatewayId, reason: err.message }, 'skipped an LLRP message that does not decode'),
        });
        this.conn = conn;
        if (!this.running) break;
        await setUpReader(conn, {
          rospecId: cfg.rospecId, antennas: cfg.antennas, reportIntervalMs: cfg.reportIntervalMs,
          keepaliveMs: cfg.keepaliveMs, resetToFactoryDefault: cfg.factoryReset, responseTimeoutMs: cfg.responseTimeoutMs,
        });
        if (!this.running) break;
        this.c.sessions++;
        this.readerUp = true;
        this.link.setState('online');
        attempt = 0;
        failing = false;
        this.log?.info({ gw: cfg.gatewayId, reader, rospecId: cfg.rospecId, reconnects: this.c.sessions - 1 }, 'reader connected; ROSpec running');
        const reason = await conn.closed;
        if (this.running) {
          this.c.lastError = reason;
          this.log?.warn({ gw: cfg.gatewayId, reader, reason }, 'reader connection lost; reconnecting with backoff');
        }
      } catch (err) {
        if (!this.running) break;
        const failure = err instanceof Error ? err.message : String(err);
        this.c.failedAttempts++;
        this.c.lastError = failure;
        // One warning per outage, not one per retry: a reader that is off for an hour would flood the log.
        if (!failing) this.log?.warn({ gw: cfg.gatewayId, reader, reason: failure }, 'cannot start the reader; retrying with backoff');
        else this.log?.debug({ gw: cfg.gatewayId, reader, reason: failure }, 'reader attempt failed');
        failing = true;
      } finally {
        this.endSession(conn);
      }
      if (!this.running) break;
      await this.sleep(backoffDelayMs(attempt++, cfg.reconnectMinMs, cfg.reconnectMaxMs, `${cfg.gatewayId}/llrp`));
    }
  }

  private endSession(conn: LlrpConnection | null): void {
    if (!conn) return;
    conn.close();
    if (this.conn === conn) {
      this.c.keepalivesBefore += conn.counters.keepalives;
      this.c.undecodableBefore += conn.counters.undecodable;
      this.conn = null;
    }
    if (this.readerUp) {
      this.readerUp = false;
      // Published while the broker link is up, so the diagnostics show a lost reader, not a silent gateway.
      if (this.running) this.link.setState('offline');
    }
  }

  /** Waits `ms`, or less when stop() wakes the loop. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private onReaderMessage(m: LlrpMessage): void {
    if (m.type === 'RO_ACCESS_REPORT') {
      this.onReport(m.data);
    } else if (m.type === 'READER_EVENT_NOTIFICATION' && isConnectionCloseEvent(m)) {
      this.log?.info({ gw: this.cfg.gatewayId }, 'reader announced it is closing the connection');
    } else {
      this.log?.debug({ gw: this.cfg.gatewayId, type: m.type }, 'LLRP message ignored');
    }
  }

  private onReport(data: Record<string, unknown>): void {
    const r = convertTagReports(data['TagReportData']);
    this.c.reports++;
    this.c.tagReports += r.tagReports;
    this.c.reads += r.reads.length;
    this.c.untimedReads += r.untimed;
    for (const reason of TAG_REPORT_REJECT_REASONS) {
      const n = r.rejected[reason];
      if (n === 0) continue;
      this.rejected[reason] += n;
      this.logOnce(`reject:${reason}`, { gw: this.cfg.gatewayId, reason, count: n }, 'tag reports rejected (counted in stats; logged once per reason)');
    }
    if (this.batcher.add(r.reads) > 0) {
      this.logOnce('queue-full', { gw: this.cfg.gatewayId, pending: this.batcher.pendingReads }, 'read queue full; reads refused (shorten RTLS_LLRP_BATCH_INTERVAL_MS)');
    }
    this.scheduleFlush();
  }

  /**
   * Publishes at most one round of batches per batch interval, each as early as that allows. A report ends an
   * inventory round, so its reads are as complete as they will get: they go out at once, or when the interval since
   * the last publish is up. A free-running interval timer instead has an arbitrary phase against the reports and
   * added up to one batch interval of latency (~470 ms of 500 in a manual run; the simulator's runner had the same).
   */
  private scheduleFlush(): void {
    if (this.flushTimer || this.batcher.pendingReads === 0) return;
    const wait = this.lastFlushAt + this.cfg.batchIntervalMs - this.clock();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    const now = this.clock();
    const batches = this.batcher.flush(now);
    if (batches.length > 0) this.lastFlushAt = now;
    for (const batch of batches) {
      if (this.link.publishBatch(batch)) {
        this.c.batchesPublished++;
        this.c.readsPublished += batch.reads.length;
      } else {
        this.c.batchesDropped++;
        this.c.readsDropped += batch.reads.length;
      }
    }
  }

  private logOnce(key: string, obj: object, msg: string): void {
    if (this.loggedReasons.has(key)) return;
    this.loggedReasons.add(key);
    this.log?.warn(obj, msg);
  }
}
