/**
 * Broker flood, external subscriber (a child of broker-modes.ts): one mqtt.js client over TCP, authenticated as the
 * `bench` service principal, subscribed to every gateway's reads at QoS 0 — what a locator does with RTLS_MQTT_URL.
 *
 * Argument: JSON { port, password }. Messages to the parent: ready, report { … } on request; exits on stop.
 */
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { GATEWAY_READS_FILTER } from '@rtls/protocol';
import { onParentMessage, report } from './lib/child.ts';
import { cpuMs } from './lib/stats.ts';
import { BENCH_SERVICE_USER } from './lib/flood-ids.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as { port: number; password: string };
const delivered = { messages: 0, bytes: 0, firstAt: 0, lastAt: 0 };
const events = { closes: 0, errors: [] as string[] };

const client = mqtt.connect(`mqtt://127.0.0.1:${args.port}`, {
  username: BENCH_SERVICE_USER, password: args.password, clientId: 'bench-subscriber', protocolVersion: 4, clean: true,
  reconnectPeriod: 0, connectTimeout: 10_000,
});
client.on('message', (_topic, payload) => {
  const now = Date.now();
  if (delivered.messages === 0) delivered.firstAt = now;
  delivered.lastAt = now;
  delivered.messages++;
  delivered.bytes += payload.byteLength;
});
client.on('close', () => { events.closes++; });
client.on('error', (err) => { if (events.errors.length < 5) events.errors.push(err.message); });

let cpu0 = process.cpuUsage();
let t0 = performance.now();
onParentMessage((msg) => {
  if (msg.type === 'mark') {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  } else if (msg.type === 'report') {
    const cpuPct = (cpuMs(process.cpuUsage(cpu0)) / (performance.now() - t0)) * 100;
    report({ type: 'report', delivered: { ...delivered }, ...events, connected: client.connected, cpuPct });
  }
  else if (msg.type === 'stop') client.end(true, {}, () => process.exit(0));
});

await new Promise<void>((resolve, reject) => {
  client.once('connect', () => resolve());
  client.once('error', reject);
});
await client.subscribeAsync(GATEWAY_READS_FILTER, { qos: 0 });
report({ type: 'ready' });
