/**
 * Standalone simulator: simulated gateways and tags publishing to any MQTT broker.
 *
 *   npx tsx gateway-firmware-sim/src/main.ts --tags 300 --seed 42 --url mqtt://host:1883 --credentials creds.json \
 *       [--truth truth.jsonl] [--rate 1] [--site floorplans/sample-hospital] [--formats mixed] [--faults '[…]']
 *
 * Env equivalents: RTLS_SIM_TAGS, RTLS_SIM_SEED, RTLS_SIM_MQTT_URL, RTLS_SIM_CREDENTIALS_FILE, RTLS_SIM_TRUTH_FILE,
 * RTLS_SIM_BATCH_MS, RTLS_SIM_ADV_INTERVAL_MS, RTLS_SIM_RATE, RTLS_SIM_SITE_DIR, RTLS_SIM_FORMATS, RTLS_SIM_FAULTS
 * (flags override env).
 *
 * With vendor formats (issue #4 item 4) each such gateway publishes on its vendor topic; this process cannot reach
 * the locator's registry, so it logs every vendor gateway's format, topic filter and MAC for the installer to
 * register (POST /api/gateways, or the registry's setGatewayIngest) — the broker refuses a vendor topic otherwise.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { systemClock } from '@rtls/protocol';
import { loadSampleSite, loadSite } from '@rtls/floorplans';
import { GatewayCredentialsFileSchema, loadSimConfig, parseCliArgs, type GatewayCredentialsFile } from './config.ts';
import { Simulation } from './simulation.ts';
import { SimRunner } from './mqtt-runner.ts';
import { assignFormats } from './vendor/index.ts';

const USAGE = `usage: npx tsx gateway-firmware-sim/src/main.ts --url mqtt://host:1883 [options]
  --tags N             simulated tags (RTLS_SIM_TAGS, default 400)
  --seed N             random seed: same seed, same reads (RTLS_SIM_SEED, default 42)
  --url URL            broker (RTLS_SIM_MQTT_URL)
  --credentials FILE   { "<gatewayId>": { "username", "password" } } (RTLS_SIM_CREDENTIALS_FILE)
  --truth FILE         append ground truth JSONL (RTLS_SIM_TRUTH_FILE)
  --rate X             simulated seconds per wall second (RTLS_SIM_RATE, default 1)
  --batch-ms N         gateway batch interval (RTLS_SIM_BATCH_MS, default 1000)
  --adv-interval-ms N  BLE advertising interval (RTLS_SIM_ADV_INTERVAL_MS, default 1000)
  --site DIR           site directory (RTLS_SIM_SITE_DIR, default: the sample hospital)
  --formats SPEC       payload formats: site | native | mixed, plus format:gatewayId entries, comma-separated
                       (RTLS_SIM_FORMATS, default site)
  --faults JSON        fault plan, e.g. '[{"gatewayId":"gw-1","kind":"offline","fromMs":10000,"toMs":40000}]'
                       (RTLS_SIM_FAULTS, default none; kinds offline, clock-skew, duplicate, burst, truncate)
  --log-level LEVEL    pino level (RTLS_LOG_LEVEL, default info)
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadSimConfig(undefined, parseCliArgs(process.argv.slice(2)));
  const logger = pino({ level: config.logLevel });
  if (!config.mqttUrl) throw new Error('no broker: pass --url mqtt://host:1883 or set RTLS_SIM_MQTT_URL');
  let creds: GatewayCredentialsFile = {};
  if (config.credentialsFile) {
    const parsed = GatewayCredentialsFileSchema.safeParse(JSON.parse(readFileSync(config.credentialsFile, 'utf8')));
    if (!parsed.success) throw new Error(`${config.credentialsFile}: not a { "<gatewayId>": { "username", "password" } } file`);
    creds = parsed.data;
  }
  const site = config.siteDir ? loadSite(config.siteDir) : loadSampleSite();
  const simulation = new Simulation({
    site, seed: config.seed, tagCount: config.tags, startTime: systemClock(),
    advIntervalMs: config.advIntervalMs, batchIntervalMs: config.batchMs,
  });
  const missing = simulation.gateways().filter((g) => !creds[g.id]).map((g) => g.id);
  if (config.credentialsFile && missing.length > 0) {
    logger.warn({ count: missing.length, first: missing.slice(0, 10) }, 'no credentials for some gateways; they connect anonymously');
  }
  // Throws naming the entry when the spec assigns an unknown gateway or a format of the other technology.
  const formats = assignFormats(simulation.gateways(), config.formats);
  const runner = new SimRunner({
    simulation, brokerUrl: config.mqttUrl, clock: systemClock, logger, speed: config.rate,
    credentials: (id) => creds[id],
    formats, faults: config.faults, faultSeed: config.seed,
    ...(config.truthFile ? { truthFile: config.truthFile } : {}),
  });
  const vendor = [...runner.gatewayFormats()].filter(([, f]) => f.format !== 'native');
  if (vendor.length > 0) {
    logger.info(
      { gateways: vendor.map(([id, f]) => ({ id, format: f.format, topic: f.topic, mac: f.mac })) },
      'vendor gateways: register each one\'s format, topic filter and MAC with the locator (and the broker ACL)',
    );
  }
  await runner.start();
  logger.info({
    tags: config.tags, seed: config.seed, gateways: simulation.gateways().length, vendorGateways: vendor.length,
    faults: config.faults.length, rate: config.rate,
  }, 'simulator running');
  const statsTimer = setInterval(() => logger.info(runner.stats(), 'simulator stats'), 60_000);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(statsTimer);
    await runner.stop();
    logger.info(runner.stats(), 'simulator stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
