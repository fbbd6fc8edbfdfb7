/**
 * Broker flood, publishers (a child of broker-modes.ts): K mqtt.js connections, each authenticated as its own
 * gateway, publishing valid native batches on its own reads topic at QoS 0 as fast as the socket takes them.
 *
 * "As fast as possible" still respects TCP backpressure: a publisher waits for 'drain' when the socket buffer is
 * full (mqtt.js calls a QoS 0 publish callback only then), so memory stays bounded and the broker sets the pace.
 * Each publisher stops at the deadline or after its share of the message bound, whichever comes first.
 *
 * Argument: JSON { port, password, publishers, payload, durationMs, maxMessages }.
 * Messages to the parent: ready { connected }, done { … } after go; exits on stop.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { gatewayReadsTopic } from '@rtls/protocol';
import { floodPayload, type FloodPayloadKind } from './lib/flood-payloads.ts';
import { onParentMessage, report } from './lib/child.ts';
import { benchGatewayIdFor } from './lib/flood-ids.ts';

interface Args {
  port: number;
  password: string;
  publishers: number;
  payload: FloodPayloadKind;
  durationMs: number;
  maxMessages: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const events = { closes: 0, errors: [] as string[] };
let payloadBytes = 0;

function connect(i: number): Promise<MqttClient | null> {
  const id = benchGatewayIdFor(i);
  return new Promise((resolve) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${args.port}`, {
      username: id, password: args.password, clientId: id, protocolVersion: 4, clean: true,
      reconnectPeriod: 0, connectTimeout: 20_000, queueQoSZero: false,
    });
    c.once('connect', () => resolve(c));
    c.on('close', () => { events.closes++; resolve(null); });
    c.on('error', (err) => {
      if (events.errors.length < 5) events.errors.push(err.message);
      resolve(null);
    });
  });
}

const clients = (await Promise.all(Array.from({ length: args.publishers }, (_, i) => connect(i)))).filter((c): c is MqttClient => c !== null);
report({ type: 'ready', connected: clients.length });

/** Publishes until the deadline or `quota`; resolves with the count written. */
function flood(client: MqttClient, index: number, quota: number, deadline: number): Promise<number> {
  const id = benchGatewayIdFor(index);
  const topic = gatewayReadsTopic(id);
  const payload = floodPayload(args.payload, id, Date.now());
  payloadBytes = payload.length;
  let sent = 0;
  return new Promise((resolve) => {
    // The deadline holds even while waiting for 'drain': a broker that stopped reading must not stretch the flood.
    const timer = setTimeout(() => finish(), Math.max(0, deadline - Date.now()));
    const finish = () => {
      clearTimeout(timer);
      resolve(sent);
    };
    client.once('close', finish);
    const pump = () => {
      // Yield to the event loop every 64 messages so the K publishers take turns and timers still run.
      for (let burst = 0; burst < 64; burst++) {
        if (sent >= quota || Date.now() >= deadline || !client.connected) return finish();
        let waiting = true;
        let called = false;
        client.publish(topic, payload, { qos: 0 }, () => {
          called = true;
          if (!waiting) pump();
        });
        sent++;
        waiting = false;
        if (!called) return; // socket full: carry on from 'drain'
      }
      setImmediate(pump);
    };
    pump();
  });
}

onParentMessage((msg) => {
  if (msg.type === 'go') {
    const startedAt = Date.now();
    const deadline = startedAt + args.durationMs;
    const quota = Math.ceil(args.maxMessages / Math.max(1, clients.length));
    void Promise.all(clients.map((c, i) => flood(c, i, quota, deadline))).then((counts) => {
      const published = counts.reduce((a, b) => a + b, 0);
      report({ type: 'done', published, startedAt, endedAt: Date.now(), ...events, payloadBytes });
    });
  } else if (msg.type === 'stop') {
    for (const c of clients) c.end(true);
    process.exit(0);
  }
});
