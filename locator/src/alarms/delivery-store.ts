/**
 * Outbound alarm delivery state (issue #7 item 4), in the registry database: webhooks (with their signing secrets,
 * which the API never returns), the delivery log (one row per attempt), and the outbox of deliveries not yet done —
 * durable, so a restart loses nothing that was announced but not yet delivered.
 */
import {
  SEVERITY_RANK,
  type Clock, type Severity,
} from '@rtls/protocol';
import type { z } from 'zod';
import type { DeliverySchema, WebhookBodySchema, WebhookSchema } from '@rtls/protocol';
import { openAlarmDb } from './alarm-db.ts';

export type Webhook = z.infer<typeof WebhookSchema>;
export type WebhookBody = z.infer<typeof WebhookBodySchema>;
export type Delivery = z.infer<typeof DeliverySchema>;
export type DeliveryChannel = Delivery['channel'];

/** A webhook as the sender needs it: with its secret. Never leaves the process. */
export interface WebhookTarget {
  id: number;
  url: string;
  minSeverity: Severity;
  secret: string | null;
  enabled: boolean;
}

export interface OutboxRow {
  id: number;
  channel: DeliveryChannel;
  /** Webhook id, or the MQTT topic. */
  targetRef: string;
  alarmId: number;
  event: string;
  payload: string;
  /** Attempts made so far. */
  attempts: number;
  /** Earliest time of the next attempt, epoch ms. */
  nextAt: number;
  createdAt: number;
}

export interface DeliveryStore {
  webhooks(): Webhook[];
  /** Enabled webhooks that take alarms of this severity. */
  webhookTargets(severity: Severity): WebhookTarget[];
  webhookTarget(id: number): WebhookTarget | undefined;
  addWebhook(body: WebhookBody): Webhook;
  /** Removes a webhook and its pending deliveries; false when there was none. */
  deleteWebhook(id: number): boolean;
  /** Adds rows to the outbox; when it is over `maxOutbox` the oldest rows are dropped (returned as `dropped`). */
  enqueue(rows: readonly Omit<OutboxRow, 'id' | 'attempts' | 'createdAt'>[]): { rows: OutboxRow[]; dropped: number };
  pending(channel: DeliveryChannel): OutboxRow[];
  reschedule(id: number, attempts: number, nextAt: number): void;
  remove(id: number): void;
  log(d: Omit<Delivery, 'id'>): Delivery;
  deliveries(q: { alarm?: number | undefined; limit: number }): Delivery[];
  close(): void;
}

/** The log keeps this many newest attempts (pruned as it grows). */
const MAX_LOG_ROWS = 100_000;
/** Undelivered notifications kept at most; past this the oldest go (a receiver down for days cannot fill the disk). */
const DEFAULT_MAX_OUTBOX = 20_000;

interface WebhookRow {
  id: number;
  url: string;
  min_severity: Severity;
  secret: string | null;
  enabled: number;
}
interface OutboxDbRow {
  id: number;
  channel: DeliveryChannel;
  target_ref: string;
  alarm_id: number;
  event: string;
  payload: string;
  attempts: number;
  next_at: number;
  created_at: number;
}
interface DeliveryRow {
  id: number;
  alarm_id: number;
  channel: DeliveryChannel;
  target: string;
  event: string;
  attempt: number;
  t: number;
  ok: number;
  status: number | null;
  error: string | null;
}

const toTarget = (r: WebhookRow): WebhookTarget => ({ id: r.id, url: r.url, minSeverity: r.min_severity, secret: r.secret, enabled: r.enabled === 1 });
const toWebhook = (r: WebhookRow): Webhook => ({ id: r.id, url: r.url, minSeverity: r.min_severity, enabled: r.enabled === 1, hasSecret: r.secret !== null });
const toOutbox = (r: OutboxDbRow): OutboxRow => ({
  id: r.id, channel: r.channel, targetRef: r.target_ref, alarmId: r.alarm_id, event: r.event, payload: r.payload, attempts: r.attempts,
  nextAt: r.next_at, createdAt: r.created_at,
});
const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id, alarmId: r.alarm_id, channel: r.channel, target: r.target, event: r.event, attempt: r.attempt, t: r.t, ok: r.ok === 1,
  status: r.status, error: r.error,
});

export function openDeliveryStore(dataDir: string, clock: Clock, opts: { maxOutbox?: number } = {}): DeliveryStore {
  const db = openAlarmDb(dataDir);
  const maxOutbox = opts.maxOutbox ?? DEFAULT_MAX_OUTBOX;
  const q = {
    webhooks: db.prepare<[], WebhookRow>('SELECT id, url, min_severity, secret, enabled FROM alarm_webhooks WHERE deleted_at IS NULL ORDER BY id'),
    webhook: db.prepare<[number], WebhookRow>('SELECT id, url, min_severity, secret, enabled FROM alarm_webhooks WHERE id = ? AND deleted_at IS NULL'),
    addWebhook: db.prepare('INSERT INTO alarm_webhooks (url, min_severity, secret, enabled, created_at) VALUES (?, ?, ?, ?, ?)'),
    // Soft delete with the secret wiped: the delivery log still names the webhook by id.
    deleteWebhook: db.prepare('UPDATE alarm_webhooks SET deleted_at = ?, secret = NULL, enabled = 0 WHERE id = ? AND deleted_at IS NULL'),
    dropWebhookOutbox: db.prepare("DELETE FROM alarm_outbox WHERE channel = 'webhook' AND target_ref = ?"),
    enqueue: db.prepare('INSERT INTO alarm_outbox (channel, target_ref, alarm_id, event, payload, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)'),
    outboxCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM alarm_outbox'),
    dropOldest: db.prepare('DELETE FROM alarm_outbox WHERE id IN (SELECT id FROM alarm_outbox ORDER BY id LIMIT ?)'),
    pending: db.prepare<[string], OutboxDbRow>('SELECT * FROM alarm_outbox WHERE channel = ? ORDER BY id'),
    reschedule: db.prepare('UPDATE alarm_outbox SET attempts = ?, next_at = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM alarm_outbox WHERE id = ?'),
    log: db.prepare('INSERT INTO alarm_deliveries (alarm_id, channel, target, event, attempt, t, ok, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    prune: db.prepare('DELETE FROM alarm_deliveries WHERE id <= ?'),
    deliveries: db.prepare<[number], DeliveryRow>('SELECT * FROM alarm_deliveries ORDER BY id DESC LIMIT ?'),
    deliveriesOf: db.prepare<[number, number], DeliveryRow>('SELECT * FROM alarm_deliveries WHERE alarm_id = ? ORDER BY id DESC LIMIT ?'),
  };
  let logged = 0;

  const enqueue = db.transaction((rows: readonly Omit<OutboxRow, 'id' | 'attempts' | 'createdAt'>[]) => {
    const t = clock();
    const out: OutboxRow[] = [];
    for (const r of rows) {
      const id = Number(q.enqueue.run(r.channel, r.targetRef, r.alarmId, r.event, r.payload, r.nextAt, t).lastInsertRowid);
      out.push({ ...r, id, attempts: 0, createdAt: t });
    }
    const over = q.outboxCount.get()!.n - maxOutbox;
    if (over > 0) q.dropOldest.run(over);
    return { rows: out, dropped: Math.max(0, over) };
  });

  return {
    webhooks: () => q.webhooks.all().map(toWebhook),
    webhookTargets: (severity) => q.webhooks.all().map(toTarget)
      .filter((w) => w.enabled && SEVERITY_RANK[severity] <= SEVERITY_RANK[w.minSeverity]),
    webhookTarget(id) {
      const r = q.webhook.get(id);
      return r ? toTarget(r) : undefined;
    },
    addWebhook(body) {
      const id = Number(q.addWebhook.run(body.url, body.minSeverity, body.secret ?? null, body.enabled ? 1 : 0, clock()).lastInsertRowid);
      return toWebhook(q.webhook.get(id)!);
    },
    deleteWebhook: (id) => db.transaction(() => {
      if (q.deleteWebhook.run(clock(), id).changes === 0) return false;
      q.dropWebhookOutbox.run(String(id));
      return true;
    })(),
    enqueue: (rows) => enqueue(rows),
    pending: (channel) => q.pending.all(channel).map(toOutbox),
    reschedule: (id, attempts, nextAt) => void q.reschedule.run(attempts, nextAt, id),
    remove: (id) => void q.remove.run(id),
    log(d) {
      const id = Number(q.log.run(d.alarmId, d.channel, d.target, d.event, d.attempt, d.t, d.ok ? 1 : 0, d.status, d.error).lastInsertRowid);
      if (++logged % 1000 === 0 && id > MAX_LOG_ROWS) q.prune.run(id - MAX_LOG_ROWS);
      return { ...d, id };
    },
    deliveries: (o) => (o.alarm === undefined ? q.deliveries.all(o.limit) : q.deliveriesOf.all(o.alarm, o.limit)).map(toDelivery),
    close: () => db.close(),
  };
}
