/**
 * Broker flood, broker side (a child of broker-modes.ts): the real createBroker() with the production limits from
 * loadBrokerConfig(), an authenticator that knows one service principal and N gateway principals, and — in
 * `in-process` mode — a counting subscriber on broker.messageSource(), the way the locator subscribes in the demo.
 *
 * Argument: JSON { mode: 'in-process' | 'tcp', gateways: number, password: string }.
 * Messages to the parent: ready { port }, report { … } on request; exits on stop.
 */
import { performance } from 'node:perf_hooks';
import { GATEWAY_READS_FILTER } from '@rtls/protocol';
import { createBroker, loadBrokerConfig, type Principal } from '@rtls/broker';
import { cpuMs, mb } from './lib/stats.ts';
import { onParentMessage, report } from './lib/child.ts';
import { BENCH_SERVICE_USER, benchGatewayIdFor } from './lib/flood-ids.ts';

export interface FloodBrokerArgs {
  mode: 'in-process' | 'tcp';
  gateways: number;
  password: string;
  /** Extra RTLS_MQTT_* settings (e.g. a different RTLS_MQTT_CONCURRENCY) on top of the production defaults. */
  env?: Record<string, string>;
}

const args = JSON.parse(process.argv[2] ?? '{}') as FloodBrokerArgs;
const principals = new Map<string, Principal>([[BENCH_SERVICE_USER, { kind: 'service', name: 'bench' }]]);
for (let i = 0; i < args.gateways; i++) principals.set(benchGatewayIdFor(i), { kind: 'gateway', gatewayId: benchGatewayIdFor(i) });

const broker = await createBroker({
  config: loadBrokerConfig({ RTLS_MQTT_HOST: '127.0.0.1', RTLS_MQTT_PORT: '0', RTLS_MQTT_WS_PORT: 'off', RTLS_LOG_LEVEL: 'silent', ...args.env }),
  // A plain comparison: the bench measures message delivery, not the cost of scrypt at CONNECT.
  authenticate: async (username, password) => (password === args.password ? principals.get(username) ?? null : null),
});

const delivered = { messages: 0, bytes: 0, firstAt: 0, lastAt: 0 };
if (args.mode === 'in-process') {
  const source = broker.messageSource();
  await source.subscribe(GATEWAY_READS_FILTER, (msg) => {
    const now = Date.now();
    if (delivered.messages === 0) delivered.firstAt = now;
    delivered.lastAt = now;
    delivered.messages++;
    delivered.bytes += msg.payload.byteLength;
  });
}

// CPU is counted from `mark` (sent just before the flood starts), so start-up is not in the figure.
let cpu0 = process.cpuUsage();
let t0 = performance.now();
onParentMessage((msg) => {
  if (msg.type === 'mark') {
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  } else if (msg.type === 'report') {
    const elapsed = performance.now() - t0;
    report({
      type: 'report',
      delivered: args.mode === 'in-process' ? { ...delivered } : null,
      broker: broker.stats(),
      cpuPct: (cpuMs(process.cpuUsage(cpu0)) / elapsed) * 100,
      rssMB: mb(process.memoryUsage().rss),
      maxRssMB: mb(process.resourceUsage().maxRSS * 1024),
    });
  } else if (msg.type === 'stop') {
    void broker.close().finally(() => process.exit(0));
  }
});
report({ type: 'ready', port: broker.tcpPort });
