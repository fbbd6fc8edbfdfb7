/**
 * `npm start`: the whole demo in one process — embedded MQTT broker, simulated gateways and tags, locator, REST
 * API, WebSocket live feed and the built web app — then prints the URL.
 */
import { startDemo } from './demo.ts';

try {
  const demo = await startDemo();
  const lines = [
    `RTLS demo running at ${demo.url}`,
    demo.mqttPort !== null ? `MQTT broker on port ${demo.mqttPort} (gateway credentials: npm run rtls -- gateway credentials <gatewayId>)` : 'MQTT: external broker',
  ];
  // How to log in (issue #6): printed once, here, never logged. Demo users not listed already existed (or share
  // RTLS_DEMO_PASSWORD); reset a password from the admin page.
  lines.push('Log in as:');
  for (const l of demo.logins) lines.push(`  ${l.username.padEnd(16)} ${l.password ?? '(unchanged)'}   ${l.note}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping…\n`);
    await demo.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (err) {
  // Port clashes and bad configuration arrive as one-line messages naming the variable to change.
  process.stderr.write(`rtls: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
