/**
 * MessageSource over mqtt.js for an external broker (any MQTT 3.1.1/5 broker: Mosquitto, EMQX, HiveMQ, …;
 * DESIGN.md §1, §8). Clean sessions, so after a reconnect the broker has forgotten our subscriptions: we
 * resubscribe every filter ourselves (mqtt.js's own resubscribe is off so there is exactly one path).
 * receivedAt comes from the injected clock. Credentials are never logged; URLs are logged without userinfo.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { topicMatchesFilter } from '@rtls/protocol';
import type { Clock, InboundMessage, MessageSource } from '@rtls/protocol';

export interface MqttSourceOptions {
  url: string;
  username?: string | null;
  password?: string | null;
  clock: Clock;
  logger?: Logger;
  clientId?: string;
  /** Delay between reconnect attempts, ms. */
  reconnectPeriodMs?: number;
  /** MQTT protocol version: 4 = 3.1.1 (default; every broker speaks it), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
}

export interface MqttMessageSource extends MessageSource {
  readonly mode: 'external';
  /** Times the client (re)connected; 1 after the first connection. */
  connects(): number;
}

type Handler = (msg: InboundMessage) => void;

/** MQTT topic-filter match, as the broker applies it (the one implementation lives in protocol). */
export const topicMatches = topicMatchesFilter;

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

export function createMqttSource(opts: MqttSourceOptions): MqttMessageSource {
  const handlers = new Map<string, Handler[]>();
  /** Subscribe calls waiting for the filter to become active (we were offline when they came). */
  const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }[]>();
  let connects = 0;
  let closed = false;
  const log = opts.logger;
  const where = redactUrl(opts.url);

  const clientOpts: IClientOptions = {
    clean: true,
    resubscribe: false,
    reconnectPeriod: opts.reconnectPeriodMs ?? 2000,
    connectTimeout: 10_000,
    protocolVersion: opts.protocolVersion ?? 4,
    clientId: opts.clientId ?? `rtls-locator-${Math.random().toString(16).slice(2, 10)}`,
  };
  if (opts.username) clientOpts.username = opts.username;
  if (opts.password) clientOpts.password = opts.password;
  const client: MqttClient = mqtt.connect(opts.url, clientOpts);

  const subscribeNow = (filters: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      client.subscribe(filters, { qos: 1 }, (err, granted) => {
        if (err) return reject(err);
        // 0x80 (128) in a SUBACK = the broker refused this filter (ACL).
        const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
        if (refused.length > 0) return reject(new Error(`broker refused subscription to ${refused.join(', ')}`));
        resolve();
      });
    });

  const settle = (filters: string[], err: Error | null) => {
    for (const f of filters) {
      const ws = waiting.get(f);
      waiting.delete(f);
      for (const w of ws ?? []) {
        if (err) w.reject(err);
        else w.resolve();
      }
    }
  };

  client.on('connect', () => {
    connects++;
    log?.info({ broker: where, reconnect: connects > 1 }, 'mqtt source connected');
    const filters = [...handlers.keys()];
    if (filters.length === 0) return;
    subscribeNow(filters).then(
      () => settle(filters, null),
      (err: Error) => {
        log?.error({ err: err.message, filters }, 'mqtt resubscribe failed');
        settle(filters, err);
      },
    );
  });
  client.on('reconnect', () => log?.debug({ broker: where }, 'mqtt source reconnecting'));
  client.on('offline', () => log?.warn({ broker: where }, 'mqtt source offline'));
  client.on('error', (err) => log?.warn({ broker: where, err: err.message }, 'mqtt source error'));
  client.on('message', (topic, payload) => {
    const receivedAt = opts.clock();
    for (const [filter, hs] of handlers) {
      if (!topicMatches(filter, topic)) continue;
      const msg: InboundMessage = { topic, payload, receivedAt };
      for (const h of hs) {
        try {
          h(msg);
        } catch (err) {
          // A handler bug must not take the connection down; the pipeline counts bad input itself.
          log?.error({ err, topic }, 'message handler threw');
        }
      }
    }
  });

  return {
    mode: 'external',
    async subscribe(filter, onMessage) {
      if (closed) throw new Error('mqtt source is closed');
      const hs = handlers.get(filter);
      if (hs) {
        hs.push(onMessage);
        return;
      }
      handlers.set(filter, [onMessage]);
      if (client.connected) return subscribeNow([filter]);
      // Offline: the 'connect' handler subscribes every filter, then resolves us.
      return new Promise<void>((resolve, reject) => {
        const ws = waiting.get(filter) ?? [];
        ws.push({ resolve, reject });
        waiting.set(filter, ws);
      });
    },
    isConnected: () => client.connected,
    connects: () => connects,
    async close() {
      if (closed) return;
      closed = true;
      settle([...waiting.keys()], new Error('mqtt source closed'));
      await client.endAsync();
    },
  };
}
