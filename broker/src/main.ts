/**
 * Standalone broker: `npx tsx broker/src/main.ts`, for deployments that run the broker on its own host
 * (DESIGN.md §2). Gateways and services authenticate against RTLS_BROKER_CREDENTIALS_FILE.
 *
 * Also the only way to run RTLS_BROKER_PROFILE=conformance (issue #6 item 8): a loopback-only broker that accepts
 * anonymous clients, for running MQTT 3.1.1 interoperability suites against this broker's code. No credentials file
 * is needed there (one may still be given, to test authenticated clients too).
 */
import { pino } from 'pino';
import { loadBrokerConfig } from './config.ts';
import { createBroker } from './broker.ts';
import { credentialsAuthenticator, loadCredentialsFile, type Credential } from './credentials-file.ts';

async function main(): Promise<void> {
  const config = loadBrokerConfig();
  const logger = pino({ name: 'rtls-broker', level: config.logLevel });
  const conformance = config.profile === 'conformance';
  if (conformance) {
    // Loud on purpose, before anything else: this profile must never carry real data.
    const banner =
      'RTLS_BROKER_PROFILE=conformance: TEST PROFILE for MQTT interoperability suites. Anonymous clients are accepted, ' +
      `loopback only (${config.host}). Do not connect gateways or put real data through it.`;
    // stderr as well as the log (createBroker logs it too), so it shows even with RTLS_LOG_LEVEL=silent.
    process.stderr.write(`rtls-broker: ${banner}\n`);
  }
  if (config.credentialsFile === null && !conformance) {
    throw new Error(
      'RTLS_BROKER_CREDENTIALS_FILE is not set: the standalone broker needs a JSON file of [{ "username", "passwordHash", "principal" }]',
    );
  }
  const credentials: Credential[] = config.credentialsFile === null ? [] : loadCredentialsFile(config.credentialsFile);
  const broker = await createBroker({
    config,
    authenticate: await credentialsAuthenticator(credentials),
    // The file is read once at start: revoking a credential here means editing the file and restarting, which
    // disconnects everyone anyway, so there is no revalidate hook. The locator's embedded broker has one.
    allowConformanceProfile: conformance,
    logger,
  });
  logger.info(
    { profile: config.profile, credentials: credentials.length, tcpPort: broker.tcpPort, tlsPort: broker.tlsPort, wsPort: broker.wsPort },
    'standalone broker ready',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, stats: broker.stats() }, 'shutting down');
    broker.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  // One line, so the variable to change is the first thing an operator reads.
  process.stderr.write(`rtls-broker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
