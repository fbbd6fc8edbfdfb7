/**
 * The locator on its own, against any MQTT broker (Mosquitto, EMQX, HiveMQ, or this project's broker run alone):
 *   RTLS_MQTT_URL=mqtt://broker:1883 RTLS_MQTT_USERNAME=locator RTLS_MQTT_PASSWORD=… npx tsx locator/src/main.ts
 * The demo (scripts/start-demo.ts) instead hosts the broker in the same process and subscribes in-process.
 */
import pino from 'pino';
import { systemClock } from '@rtls/protocol';
import { loadSite } from '@rtls/floorplans';
import { loadLocatorConfig } from './config.ts';
import { openRegistry } from './registry/sqlite-registry.ts';
import { createMqttSource } from './sources/mqtt-source.ts';
import { createLocatorService } from './service.ts';

async function main(): Promise<void> {
  const config = loadLocatorConfig();
  if (!config.mqtt.url) throw new Error('the locator alone needs a broker: set RTLS_MQTT_URL (e.g. mqtt://localhost:1883)');
  const logger = pino({ level: config.logLevel });
  const site = loadSite(config.siteDir);
  const registry = openRegistry(config.dataDir, { defaultPathLoss: config.pipeline.pathLoss });
  const source = createMqttSource({
    url: config.mqtt.url, username: config.mqtt.username, password: config.mqtt.password, clock: systemClock, logger,
  });
  const service = await createLocatorService({ config, site, registry, messageSource: source, clock: systemClock, logger });
  const { url } = await service.listen();
  process.stdout.write(`RTLS locator running at ${url}\n`);
  // Shown once, on the console only (never in the log): the first admin's one-time password (issue #6 item 1).
  if (service.access.adminOneTimePassword) {
    process.stdout.write(`First start: log in as admin with the one-time password ${service.access.adminOneTimePassword} and change it\n`);
  }
  const stop = async () => {
    await service.close();
    await source.close();
    registry.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`rtls-locator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
