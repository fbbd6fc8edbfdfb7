/**
 * Standalone broker: `npx tsx broker/src/main.ts`, for deployments that run the broker on its own host
 * (DESIGN.md §2). Gateways and services authenticate against RTLS_BROKER_CREDENTIALS_FILE.
 */
import { pino } from 'pino';
import { loadBrokerConfig } from './config.ts';
import { createBroker } from './broker.ts';
import { credentialsAuthenticator, loadCredentialsFile } from './credentials-file.ts';

async function main(): Promise<void> {
  const config = loadBrokerConfig();
  const logger = pino({ name: 'rtls-broker', level: config.logLevel });
  if (config.credentialsFile === null) {
    throw new Error(
      'RTLS_BROKER_CREDENTIALS_FILE is not set: the standalone broker needs a JSON file of [{ "username", "passwordHash", "principal" }]',
    );
  }
  const credentials = loadCredentialsFile(config.credentialsFile);
  const broker = await createBroker({ config, authenticate: await credentialsAuthenticator(credentials), logger });
  logger.info({ credentials: credentials.length, tcpPort: broker.tcpPort, wsPort: broker.wsPort }, 'standalone broker ready');

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
