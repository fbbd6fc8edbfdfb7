/**
 * Alarm notifications on MQTT (issue #7 item 4), on rtls/v1/alarms/<severity>/<alarmId> (protocol alarmTopic), with
 * the webhook payload: QoS 1 so the broker acknowledges, never retained (a stale alarm must not greet every future
 * subscriber). Each publish is logged and retried with backoff through the durable outbox, like webhooks.
 *
 * `publish` is the transport: the embedded broker's in-process publish, or an MQTT client to an external broker.
 */
import type { Logger } from 'pino';
import { alarmTopic, type AlarmNotification, type Clock } from '@rtls/protocol';
import { externalNotification } from './alarm-view.ts';
import { createDeliveryQueue, type DeliveryQueueStats, type Schedule } from './delivery-queue.ts';
import type { DeliveryStore } from './delivery-store.ts';

export type AlarmPublish = (topic: string, payload: Buffer, opts: { qos: 1; retain: false }) => Promise<void>;

export interface MqttAlarmPublisherOptions {
  store: DeliveryStore;
  clock: Clock;
  logger: Logger;
  /** A publish not acknowledged within this counts as failed (and is retried). Default 5000 ms. */
  timeoutMs?: number;
  retryBaseMs?: number;
  maxAttempts?: number;
  schedule?: Schedule;
}

export interface MqttAlarmPublisher {
  notify(n: AlarmNotification): void;
  /** Resumes publishes left in the outbox by the previous run. */
  start(): void;
  idle(): Promise<void>;
  stats(): DeliveryQueueStats;
  close(): Promise<void>;
}

export function createMqttAlarmPublisher(publish: AlarmPublish, opts: MqttAlarmPublisherOptions): MqttAlarmPublisher {
  const { store, clock, logger } = opts;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const queue = createDeliveryQueue({
    store, channel: 'mqtt', clock, logger,
    ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}),
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
    ...(opts.schedule ? { schedule: opts.schedule } : {}),
    target: (row) => row.targetRef,
    async send(row) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not acknowledged within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([publish(row.targetRef, Buffer.from(row.payload, 'utf8'), { qos: 1, retain: false }), timeout]);
        return { ok: true, status: null, error: null };
      } catch (err) {
        return { ok: false, status: null, error: (err as Error).message };
      } finally {
        clearTimeout(timer);
      }
    },
  });
  return {
    notify(n) {
      const payload = JSON.stringify(externalNotification(n));
      queue.enqueue([{ channel: 'mqtt', targetRef: alarmTopic(n.alarm.severity, n.alarm.id), alarmId: n.alarm.id, event: n.event, payload, nextAt: clock() }]);
    },
    start: () => queue.resume(),
    idle: () => queue.idle(),
    stats: () => queue.stats(),
    close: () => queue.close(),
  };
}
