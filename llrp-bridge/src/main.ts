/**
 * Standalone LLRP bridge: one RFID reader over LLRP → one native gateway over MQTT (issue #4 item 5).
 *
 *   RTLS_LLRP_READER_HOST=10.0.0.21 RTLS_LLRP_GATEWAY_ID=L0-rfid-portal-1 RTLS_LLRP_MQTT_PASSWORD=… \
 *   RTLS_MQTT_URL=mqtt://rtls-host:1883 npx tsx llrp-bridge/src/main.ts
 *
 * Every setting is an environment variable (llrp-bridge/src/config.ts). SIGINT/SIGTERM stop it cleanly: the reader's
 * ROSpec is deleted, queued reads are published, then the gateway's status goes offline.
 */
import pino from 'pino';
import { systemClock } from '@rtls/protocol';
import { loadLlrpBridgeConfig, LLRP_BRIDGE_ENV_NAMES } from './config.ts';
import { LlrpBridge } from './bridge.ts';

const USAGE = `usage: RTLS_LLRP_READER_HOST=<reader> RTLS_LLRP_GATEWAY_ID=<gateway id> [RTLS_LLRP_MQTT_PASSWORD=…] \\
       [RTLS_MQTT_URL=mqtt://host:1883] npx tsx llrp-bridge/src/main.ts
settings (environment): ${Object.values(LLRP_BRIDGE_ENV_NAMES).join(', ')}
defaults and units: llrp-bridge/src/config.ts
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadLlrpBridgeConfig();
  const logger = pino({ level: config.logLevel });
  const bridge = new LlrpBridge({ config, clock: systemClock, logger });
  await bridge.start();
  logger.info({ gw: config.gatewayId, reader: `${config.readerHost}:${config.readerPort}`, mqtt: redactUrl(config.mqttUrl) }, 'LLRP bridge started');
  const statsTimer = setInterval(() => logger.info(bridge.stats(), 'LLRP bridge stats'), 60_000);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(statsTimer);
    await bridge.stop();
    logger.info(bridge.stats(), 'LLRP bridge stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

/** The broker URL without any user:password part, for logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
