/**
 * The locator service: wires message source → pipeline → (live state, history store, live feed) → API.
 * Everything with I/O is created or passed in here; the pipeline stays pure. The host process (standalone, or the
 * demo with an embedded broker) supplies config, site, registry, message source, clock and logger.
 */
import path from 'node:path';
import { backupDataDir, pruneBackups, scheduledBackupName } from './backup/backup.ts';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Site } from '@rtls/floorplans';
import {
  ALARMS_TOPIC_PREFIX, GATEWAY_READS_FILTER, GATEWAY_STATUS_FILTER, gatewayTopicFilters,
  type Clock, type DropReason, type Fix, type GatewayStatus, type TagFlag, type InboundMessage, type MessageSource, type ZoneEvent,
} from '@rtls/protocol';
import type { LocatorConfig } from './config.ts';
import type { PipelineSink, PipelineStats } from './contracts.ts';
import { createPipeline as createRealPipeline, type CreatePipelineOptions, type Pipeline } from './pipeline.ts';
import type { Registry } from './registry/sqlite-registry.ts';
import { openSqliteHistoryStore } from './store/sqlite-history-store.ts';
import { ForwardedHistoryStore, type ForwardedHistoryStoreStats } from './store/forwarded-history-store.ts';
import { openInfluxHistoryStore } from './store/influx/influx-history-store.ts';
import { encodeGatewayStats } from './store/influx/line-protocol.ts';
import type { InfluxWriter } from './store/influx/influx-writer.ts';
import type { HistoryStore, HistoryStoreStats } from './store/history-store.ts';
import { createLiveState, type LiveState, type LiveStateCounts } from './state/live-state.ts';
import { createLiveHub, type LiveHubStats, type LiveViewer } from './live/live-hub.ts';
import { openAccess, type OpenedAccess } from './auth/open-access.ts';
import { projectTag } from './auth/viewer.ts';
import { createRuleEngine } from './rules/rule-engine.ts';
import { siteRules } from './rules/site-rules.ts';
import type { ConditionChange } from './rules/rule-types.ts';
import { openRuleStore } from './alarms/rule-store.ts';
import { openDeliveryStore } from './alarms/delivery-store.ts';
import { createAlarmManager, type AlarmManager } from './alarms/alarm-manager.ts';
import { createWebhookDelivery } from './alarms/webhook-delivery.ts';
import { createMqttAlarmPublisher, type AlarmPublish } from './alarms/mqtt-delivery.ts';
import { projectAlarm } from './alarms/alarm-view.ts';
import type { FastifyRequest } from 'fastify';
import { buildApi } from './api/build-api.ts';
import type { HealthParts } from './api/routes.ts';

/** How often learned calibration is written to the registry, ms. */
const CALIBRATION_SAVE_MS = 60_000;
/** How often the registry is checked for changes made by another process (the admin CLI), ms. */
const REGISTRY_REFRESH_MS = 2000;
/** At most one log line per drop reason per this interval, ms (bad input is counted, not logged per message). */
const DROP_LOG_INTERVAL_MS = 10_000;

export interface LocatorServiceDeps {
  config: LocatorConfig;
  site: Site;
  registry: Registry;
  messageSource: MessageSource;
  clock: Clock;
  logger: Logger;
  /** Pipeline factory; the real one by default (tests may pass a fake with the same signature). */
  createPipeline?: (opts: CreatePipelineOptions) => Pipeline;
  /** History store; the embedded SQLite store in config.dataDir by default. */
  store?: HistoryStore;
  /** Called after a gateway's MQTT credentials are revoked (the embedded broker re-checks its clients at once). */
  onGatewayCredentialsRevoked?: () => Promise<unknown>;
  /** Publishes alarm notifications on the MQTT alarms topic (issue #7: nurse call, pagers, door locks). */
  publishAlarm?: AlarmPublish;
}

export interface LocatorStats {
  mqtt: { mode: 'embedded' | 'external'; connected: boolean };
  pipeline: PipelineStats;
  store: HistoryStoreStats;
  live: LiveHubStats;
  state: LiveStateCounts;
}

export interface LocatorService {
  readonly app: FastifyInstance;
  readonly state: LiveState;
  readonly store: HistoryStore;
  /** Users, sessions, patients, audit (issue #6); `adminOneTimePassword` is for the host to print once. */
  readonly access: OpenedAccess;
  /** The alarm lifecycle (issue #7). */
  readonly alarms: AlarmManager;
  /** Starts the HTTP server on RTLS_HTTP_HOST:RTLS_HTTP_PORT. */
  listen(): Promise<{ url: string; port: number }>;
  stats(): LocatorStats;
  /** Runs one pipeline tick and flushes the live feed and store now (tests, shutdown). */
  flushNow(): Promise<void>;
  /** Stops timers, closes HTTP and WebSocket clients, flushes and closes the store. Not the source or registry. */
  close(): Promise<void>;
}

function outboxOf(s: HistoryStoreStats): NonNullable<HealthParts['store']['outbox']> | undefined {
  const o = (s as Partial<ForwardedHistoryStoreStats>).outbox;
  if (!o) return undefined;
  return {
    backlog: o.backlog, forwardedFixes: o.forwardedFixes, forwardedEvents: o.forwardedEvents, failures: o.failures,
    rejected: o.rejected, lost: o.lost, lastError: o.lastError, lastSuccessAt: o.lastSuccessAt,
  };
}

/** How often time-based rule conditions and alarm escalation are evaluated, ms. */
const RULES_TICK_MS = 1000;
/** When, after start, alarms are reconciled with what the rule engine sees, ms. */
const ALARM_RECONCILE_AFTER_MS = 60_000;

/** How often gateway statistics are written to InfluxDB, ms. */
const GATEWAY_STATS_MS = 60_000;

export function healthParts(s: LocatorStats): HealthParts {
  const p = s.pipeline;
  return {
    mqtt: s.mqtt,
    ingest: { messages: p.messages, batches: p.batches, reads: p.reads, dropped: { ...p.dropped } },
    pipeline: { tags: p.tags, fixes: p.fixes, queued: p.queued },
    store: {
      kind: s.store.kind, fixesWritten: s.store.fixesWritten, pending: s.store.pending,
      ...(outboxOf(s.store) ? { outbox: outboxOf(s.store)! } : {}),
    },
    live: { clients: s.live.clients },
  };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

export async function createLocatorService(deps: LocatorServiceDeps): Promise<LocatorService> {
  const { config, site, registry, messageSource, clock, logger } = deps;

  const sync = registry.syncGatewaysFromSite(site);
  logger.info({ added: sync.added, updated: sync.updated, notInSite: sync.notInSite.length }, 'gateways synced from site');

  const view = registry.view();
  const kindOf = (tag: string) => view.tag(tag)?.kind ?? 'unknown';
  const local = (outbox: boolean) => openSqliteHistoryStore(config.dataDir, {
    flushMs: config.storeFlushMs,
    retentionMs: config.historyRetentionMs,
    downsampleMs: config.historyDownsampleMs,
    downsampleRetentionMs: config.historyDownsampleRetentionMs,
    outboxMaxBytes: config.outboxMaxBytes,
    clock,
    outbox,
    onError: (err) => logger.error({ err: err.message }, 'history store write failed; batch kept for retry'),
  });
  // With InfluxDB configured, the embedded store is the durable outbox and InfluxDB the history of record (issue #5).
  let store: HistoryStore;
  let influxWriter: InfluxWriter | null = null;
  if (deps.store) store = deps.store;
  else if (config.influx) {
    const { store: influx, retention } = await openInfluxHistoryStore(config.influx, {
      kindOf, clock, onError: (err) => logger.error({ err: err.message }, 'InfluxDB write failed'),
    });
    if (retention.errors.length) logger.warn({ errors: retention.errors }, 'InfluxDB retention/downsampling not set up (writes still work)');
    store = new ForwardedHistoryStore(local(true), influx, clock, { pumpMs: config.storeFlushMs });
    influxWriter = influx.writer;
    logger.info({ url: config.influx.url, api: config.influx.api }, 'history: embedded outbox forwarding to InfluxDB');
  } else store = local(false);
  const state = createLiveState(view, await store.lastFixes());
  const opened = await openAccess({ auth: config.auth, dataDir: config.dataDir, clock, logger });
  const { access } = opened;
  /** The live feed's view of one authenticated connection (the auth guard set req.viewer and req.session). */
  const liveViewerFor = (req: FastifyRequest): LiveViewer => {
    const viewer = req.viewer!;
    const session = req.session!;
    const glassUntil = viewer.breakGlass?.until ?? null;
    return {
      project: (t) => projectTag(viewer, t, access),
      projectAlarm: (a) => (viewer.permissions.has('alarms:view') ? projectAlarm(viewer, a, opened.patients) : null),
      securityAlarms: viewer.permissions.has('security-alarms:view'),
      status: () => {
        if (!access.stillValid(session)) return 'ended';
        const now = clock();
        const current = session.breakGlass && session.breakGlass.until > now ? session.breakGlass.until : null;
        return current === (glassUntil !== null && glassUntil > now ? glassUntil : null) ? 'ok' : 'changed';
      },
      audit: (patientTags) => {
        if (patientTags.length > 0) access.record(viewer, 'view-live', 'live:snapshot', { patients: patientTags });
      },
    };
  };
  const hub = createLiveHub({
    state, clock, flushMs: config.liveFlushMs, logger, viewerFor: liveViewerFor, maxMessagesPerMin: config.auth.wsMaxMessagesPerMin,
  });
  const stopAlarmFeed = access.deps.alarms.onAlarm((a) => hub.securityAlarm(a));

  // Rules and alarms (issue #7): the pure engine says what is true; the manager turns it into alarms with a
  // lifecycle; the console, webhooks and the MQTT alarms topic hear about every change at once.
  const ruleStore = openRuleStore(config.dataDir, clock);
  ruleStore.syncSiteRules(siteRules(site, clock()));
  const deliveryStore = openDeliveryStore(config.dataDir, clock);
  const webhooks = createWebhookDelivery({ store: deliveryStore, clock, logger: logger.child({ svc: 'webhooks' }) });
  const mqttAlarms = deps.publishAlarm ? createMqttAlarmPublisher(deps.publishAlarm, { store: deliveryStore, clock, logger: logger.child({ svc: 'alarm-mqtt' }) }) : null;
  const engine = createRuleEngine({
    site, gateways: () => view.gateways(), timeZone: config.auth.unusualAccess.timeZone,
    tagInfo: (tag) => {
      const t = view.tag(tag);
      return t ? { kind: t.kind, category: t.category } : undefined;
    },
  });
  const alarms = createAlarmManager({
    dataDir: config.dataDir, clock, rules: () => ruleStore.map(),
    describeTag: (tag) => {
      const s = state.summary(tag);
      return { label: s.label, kind: s.kind, unit: opened.patients.binding(tag)?.unit ?? null };
    },
    activeConditions: () => engine.active(),
    onNotify: (n) => {
      webhooks.notify(n);
      mqttAlarms?.notify(n);
    },
    onChange: (a) => hub.alarm(a),
    logger: logger.child({ svc: 'alarms' }),
  });
  /** The rules stage of the pipeline (pipeline.ts: … → zones → rules → store → publish). */
  const applyRules = (changes: ConditionChange[]) => {
    if (changes.length === 0) return;
    try {
      alarms.apply(changes);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'alarm update failed');
    }
  };
  applyRules(engine.setRules(ruleStore.list(), clock()));
  engine.setPairings(ruleStore.pairings());
  const stopRuleFeed = ruleStore.onChange((what) => {
    if (what === 'rules') applyRules(engine.setRules(ruleStore.list(), clock()));
    else engine.setPairings(ruleStore.pairings());
  });
  webhooks.start();
  mqttAlarms?.start();

  const sink: PipelineSink = {
    tagSeen: (tag: string, t: number, battery: number | undefined, flags?: readonly TagFlag[]) => {
      state.tagSeen(tag, t, battery);
      applyRules(engine.tagSeen(tag, t, battery, flags));
    },
    fix: (fix: Fix) => {
      state.fix(fix);
      applyRules(engine.fix(fix));
      store.appendFixes([fix]);
      hub.fix(fix);
    },
    zoneEvent: (event: ZoneEvent) => {
      state.zoneEvent(event);
      store.appendZoneEvents([event]);
      hub.zoneEvent(event);
    },
    gatewayStatus: (status: GatewayStatus, receivedAt: number) => {
      state.gatewayStatus(status, receivedAt);
      applyRules(engine.gatewayState(status.gw, status.state, receivedAt));
      hub.gatewayStatus(status.gw);
    },
  };

  const lastDropLog = new Map<DropReason, number>();
  const pipeline = (deps.createPipeline ?? createRealPipeline)({
    site, registry: view, sink, clock, options: config.pipeline,
    onDrop: (reason, info) => {
      const now = clock();
      if (now - (lastDropLog.get(reason) ?? -Infinity) < DROP_LOG_INTERVAL_MS) return;
      lastDropLog.set(reason, now);
      logger.warn({ reason, topic: info.topic, gatewayId: info.gatewayId, errors: info.errors.slice(0, 3) }, 'input dropped (further drops of this reason counted, not logged, for 10 s)');
    },
  });

  // Gateway state for the API: the ingest's diagnostics know vendor gateways' traffic and heartbeats as well as
  // native births and last wills (issue #4 item 3).
  const diagnostics = pipeline.diagnostics;
  if (diagnostics) {
    state.useGatewayActivity((id) => {
      const s = diagnostics.state(id);
      return s.source === 'never' ? undefined : { state: s.state, lastSeen: s.lastSeen };
    });
  }

  // Calibration (issue #3 item 2): learning resumes from the stored snapshot; estimates are written back every minute
  // and on close, where the view (and so the pipeline) picks them up.
  const learner = pipeline.calibration;
  if (learner) {
    const snap = registry.learnerSnapshot();
    if (snap !== undefined && !learner.load(snap)) logger.warn('stored calibration snapshot not usable; learning from scratch');
  }
  const saveCalibration = () => {
    if (!learner) return;
    try {
      const pick = (e: { offsetDb: number; samples: number; updatedAt: number }) => ({ offsetDb: e.offsetDb, samples: e.samples, updatedAt: e.updatedAt });
      registry.recordLearnedCalibration({
        gateways: [...learner.gatewayOffsets()].map(([id, e]) => ({ id, ...pick(e) })),
        tagModels: [...learner.tagModelOffsets()].map(([model, e]) => ({ model, ...pick(e) })),
        snapshot: learner.snapshot(),
      });
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'saving calibration failed');
    }
  };

  const stats = (): LocatorStats => ({
    mqtt: { mode: messageSource.mode, connected: messageSource.isConnected() },
    pipeline: pipeline.stats(),
    store: store.stats(),
    live: hub.stats(),
    state: state.counts(),
  });

  const app = buildApi({
    config, site, registry, state, store, stats: () => healthParts(stats()), logger, clock, live: hub, access, patients: opened.patients,
    alarms: { manager: alarms, ruleStore, delivery: deliveryStore },
    ...(deps.onGatewayCredentialsRevoked ? { onGatewayCredentialsRevoked: deps.onGatewayCredentialsRevoked } : {}),
    ...(pipeline.diagnostics ? { diagnostics: pipeline.diagnostics } : {}),
  });

  // The locator subscribes to '#' by default; its own alarm notifications come back on it and are not gateway input.
  const onMessage = (msg: InboundMessage) => {
    if (msg.topic.startsWith(ALARMS_TOPIC_PREFIX)) return;
    pipeline.handle(msg);
  };
  // Native topics plus every vendor gateway's filter, or everything (config.mqtt.subscribe). New vendor gateways
  // (POST /api/gateways, the CLI) are picked up on the registry refresh; filters are never dropped, since a removed
  // gateway's messages should still be counted as unknown-topic rather than vanish.
  const subscribed = new Set<string>();
  const syncSubscriptions = (): Promise<void>[] => {
    const wanted = config.mqtt.subscribe === 'all'
      ? ['#']
      : [GATEWAY_READS_FILTER, GATEWAY_STATUS_FILTER, ...view.gateways().filter((g) => g.format !== 'native' && g.topic).flatMap((g) => gatewayTopicFilters(g.format, g.topic!))];
    const added: Promise<void>[] = [];
    for (const f of wanted) {
      if (subscribed.has(f)) continue;
      subscribed.add(f);
      added.push(messageSource.subscribe(f, onMessage));
    }
    return added;
  };
  const subscriptions = Promise.all(syncSubscriptions());
  if (messageSource.isConnected()) {
    await subscriptions;
  } else {
    // An unreachable broker must not keep the API down: health shows 'degraded' until the source connects.
    logger.warn({ mode: messageSource.mode }, 'message source not connected yet; subscribing when it connects');
    subscriptions.catch((err: Error) => logger.error({ err: err.message }, 'subscribing to gateway topics failed'));
  }

  let tickErrorLoggedAt = -Infinity;
  const tick = () => {
    try {
      pipeline.tick();
    } catch (err) {
      const now = clock();
      if (now - tickErrorLoggedAt >= DROP_LOG_INTERVAL_MS) {
        tickErrorLoggedAt = now;
        logger.error({ err }, 'pipeline tick failed');
      }
    }
  };
  /** Time-based conditions (too long, silent, gateway offline, schedules) and escalation: once a second. */
  const rulesTick = () => {
    const now = clock();
    applyRules(engine.tick(now));
    try {
      alarms.tick(now);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'alarm tick failed');
    }
  };
  const timers = [
    setInterval(tick, config.tickMs),
    setInterval(rulesTick, RULES_TICK_MS),
    setInterval(() => {
      try {
        if (registry.refreshIfChanged()) logger.info('registry changed; view reloaded');
        for (const p of syncSubscriptions()) p.catch((err: Error) => logger.error({ err: err.message }, 'subscribing to a vendor topic failed'));
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'registry refresh failed');
      }
    }, REGISTRY_REFRESH_MS),
    setInterval(saveCalibration, CALIBRATION_SAVE_MS),
  ];
  // Gateway statistics into InfluxDB every minute (issue #5 item 2: a measurement per gateway for Grafana). These are
  // samples of counters, not records: a failed write is logged and the next minute's sample carries on.
  const writer = influxWriter;
  const diag = pipeline.diagnostics;
  if (writer && diag) {
    let statsFailureLogged = false;
    timers.push(setInterval(() => {
      const t = clock();
      const lines = registry.listGateways().map((g) => {
        const d = diag.view({ id: g.id, tech: g.tech, format: g.format, floor: g.floor, x: g.x, y: g.y, room: g.room, topic: g.topic }, t);
        return encodeGatewayStats({
          t, gateway: g.id, floor: g.floor, tech: g.tech, format: g.format, state: d.gateway.state ?? 'unknown',
          messages: d.totals.messages, reads: d.totals.reads, heartbeats: d.totals.heartbeats,
          rejectedMessages: d.totals.rejectedMessages, rejectedReads: d.totals.rejectedReads, clockSkewed: d.totals.clockSkewed,
          messagesPerS: d.messagesPerS, readsPerS: d.readsPerS, tagsHeard: d.tagsHeard, clockSkewMs: d.clockSkewMs,
        });
      });
      writer.writeLines(lines).then(
        () => {
          statsFailureLogged = false;
        },
        (err: Error) => {
          if (!statsFailureLogged) logger.warn({ err: err.message }, 'gateway statistics not written to InfluxDB (retried next minute)');
          statsFailureLogged = true;
        },
      );
    }, GATEWAY_STATS_MS));
  }

  // Scheduled backups (issue #5 item 6): online, consistent, the newest `keep` kept. A failure is logged, never fatal.
  let backingUp = false;
  if (config.backup.intervalMs > 0) {
    timers.push(setInterval(() => {
      if (backingUp) return;
      backingUp = true;
      const at = clock();
      backupDataDir(config.dataDir, path.join(config.backup.dir, scheduledBackupName(at)), at)
        .then((m) => {
          const removed = pruneBackups(config.backup.dir, config.backup.keep);
          logger.info({ files: m.files.map((f) => `${f.name} ${f.bytes} B`), removed: removed.length }, 'scheduled backup written');
        })
        .catch((err: Error) => logger.error({ err: err.message }, 'scheduled backup failed'))
        .finally(() => {
          backingUp = false;
        });
    }, config.backup.intervalMs));
  }
  // After a restart, alarms whose condition ended while the service was down are cleared once the engine has seen
  // the site again (every tag located at least once: a minute covers silent-tag reporting intervals).
  const reconcileTimer = setTimeout(() => {
    try {
      alarms.reconcile(engine.active());
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'alarm reconcile failed');
    }
  }, ALARM_RECONCILE_AFTER_MS);
  reconcileTimer.unref();
  for (const t of timers) t.unref();
  hub.start();

  let closing: Promise<void> | null = null;

  return {
    app,
    state,
    store,
    access: opened,
    alarms,
    async listen() {
      const { host, port } = config.http;
      try {
        await app.listen({ host, port });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new Error(`RTLS_HTTP_PORT=${port}: port already in use on ${host}; choose another port (0 = random)`);
        if (code === 'EADDRNOTAVAIL') throw new Error(`RTLS_HTTP_HOST=${host}: address not available on this machine`);
        throw err;
      }
      const actual = (app.server.address() as AddressInfo).port;
      const url = `${config.auth.https ? 'https' : 'http'}://${urlHost(host)}:${actual}`;
      logger.info({ url }, 'locator listening');
      return { url, port: actual };
    },
    stats,
    async flushNow() {
      tick();
      hub.flush();
      await store.flush();
    },
    close() {
      closing ??= (async () => {
        for (const t of timers) clearInterval(t);
        saveCalibration();
        clearTimeout(reconcileTimer);
        stopAlarmFeed();
        stopRuleFeed();
        hub.close();
        await app.close();
        await webhooks.close();
        await mqttAlarms?.close();
        alarms.close();
        ruleStore.close();
        deliveryStore.close();
        await store.close();
        opened.close();
      })();
      return closing;
    },
  };
}
