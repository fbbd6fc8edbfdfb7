/**
 * Alarm webhooks (issue #7 item 4: nurse call, pagers, door locks): every notification is POSTed as JSON
 * (protocol AlarmNotification, without patient identity) to each enabled webhook whose minimum severity it meets,
 * signed with HMAC-SHA256 of the body in `X-RTLS-Signature: sha256=<hex>` when the webhook has a secret. A receiver
 * gets 5 s to answer 2xx; anything else is retried with backoff through the durable outbox (delivery-queue.ts).
 */
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { AlarmNotification, Clock } from '@rtls/protocol';
import { externalNotification } from './alarm-view.ts';
import { createDeliveryQueue, type DeliveryQueue, type DeliveryQueueStats, type Schedule } from './delivery-queue.ts';
import type { DeliveryStore } from './delivery-store.ts';

export const SIGNATURE_HEADER = 'x-rtls-signature';

/** `sha256=<hex HMAC-SHA256 of body>`: what a receiver recomputes with the shared secret. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** A URL as logs show it: scheme, host and path; never userinfo or a query string (either may carry a token). */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`.slice(0, 300);
  } catch {
    return '(invalid url)';
  }
}

export interface WebhookDeliveryOptions {
  store: DeliveryStore;
  clock: Clock;
  logger: Logger;
  /** Per attempt. Default 5000 ms. */
  timeoutMs?: number;
  retryBaseMs?: number;
  maxAttempts?: number;
  schedule?: Schedule;
  /** Node's fetch (undici) unless given. */
  fetch?: typeof fetch;
}

export interface WebhookDelivery {
  /** Queues the notification for every webhook that takes it; returns at once (the write is synchronous). */
  notify(n: AlarmNotification): void;
  /** Resumes deliveries left in the outbox by the previous run. */
  start(): void;
  idle(): Promise<void>;
  stats(): DeliveryQueueStats;
  close(): Promise<void>;
}

export function createWebhookDelivery(opts: WebhookDeliveryOptions): WebhookDelivery {
  const { store, clock, logger } = opts;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const doFetch = opts.fetch ?? fetch;

  const queue: DeliveryQueue = createDeliveryQueue({
    store, channel: 'webhook', clock, logger,
    ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}),
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
    ...(opts.schedule ? { schedule: opts.schedule } : {}),
    // A webhook deleted since the notification was queued takes nothing more.
    target: (row) => {
      const w = store.webhookTarget(Number(row.targetRef));
      return w ? loggableUrl(w.url) : null;
    },
    async send(row) {
      const w = store.webhookTarget(Number(row.targetRef));
      if (!w) return { ok: false, status: null, error: 'webhook deleted' };
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'rtls-locator',
        'x-rtls-event': row.event,
        'x-rtls-delivery': String(row.id),
      };
      if (w.secret) headers[SIGNATURE_HEADER] = webhookSignature(w.secret, row.payload);
      try {
        // No redirects: a 3xx is a failure the admin sees in the log, not a silent hop to another host.
        const res = await doFetch(w.url, { method: 'POST', headers, body: row.payload, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        // The body is read (and discarded) so the connection goes back to the pool.
        await res.arrayBuffer().catch(() => undefined);
        return res.ok ? { ok: true, status: res.status, error: null } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        const reason = e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : e.cause?.code ?? e.cause?.message ?? e.message;
        return { ok: false, status: null, error: reason };
      }
    },
  });

  return {
    notify(n) {
      const targets = store.webhookTargets(n.alarm.severity);
      if (targets.length === 0) return;
      const payload = JSON.stringify(externalNotification(n));
      const now = clock();
      queue.enqueue(targets.map((w) => ({ channel: 'webhook' as const, targetRef: String(w.id), alarmId: n.alarm.id, event: n.event, payload, nextAt: now })));
    },
    start: () => queue.resume(),
    idle: () => queue.idle(),
    stats: () => queue.stats(),
    close: () => queue.close(),
  };
}
