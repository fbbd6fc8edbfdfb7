/**
 * The demo's composition root (DESIGN.md §2: "one process can host broker + locator + API + web + simulator").
 * It is the only code that imports broker, locator and simulator together; each still runs alone
 * (broker/src/main.ts, gateway-firmware-sim/src/main.ts, and the locator against any broker via RTLS_MQTT_URL).
 *
 * Order matters: the registry comes first (the broker authenticates gateways against it), then the broker, then the
 * locator subscribed in-process to the broker (no TCP hop: issue #2 measured ~150k msg/s in-process vs 30–45k over
 * TCP), then the simulated gateways connect over real MQTT/TCP with their own credentials.
 */
import pino, { type Logger } from 'pino';
import { TOPIC_ROOT, gatewayTopicFilters, systemClock, type Clock, type GatewayCredentials, type MessageSource } from '@rtls/protocol';
import { loadSite } from '@rtls/floorplans';
import { createBroker, credentialsAuthenticator, loadBrokerConfig, loadCredentialsFile, type Authenticator, type RtlsBroker } from '@rtls/broker';
import {
  createLocatorService, createMqttSource, loadLocatorConfig, openRegistry, type LocatorService, type Registry,
} from '@rtls/locator';
import { Simulation, SimRunner, assignFormats, loadSimConfig } from '@rtls/gateway-firmware-sim';
import { enrolDemoPatients, ensureDemoUsers } from './demo-people.ts';

export interface Demo {
  url: string;
  httpPort: number;
  /** Embedded broker's MQTT/TCP port, or null when an external broker (RTLS_MQTT_URL) is used. */
  mqttPort: number | null;
  registry: Registry;
  service: LocatorService;
  broker: RtlsBroker | null;
  runner: SimRunner | null;
  simulation: Simulation | null;
  /** How to log in, for the host to print once: the first admin's one-time password, the demo users' passwords. */
  logins: { username: string; password: string | null; note: string }[];
  close(): Promise<void>;
}

export async function startDemo(opts: { env?: Record<string, string | undefined>; clock?: Clock; logger?: Logger } = {}): Promise<Demo> {
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? systemClock;
  const locatorConfig = loadLocatorConfig(env);
  const brokerConfig = loadBrokerConfig(env);
  const simConfig = loadSimConfig(env);
  const logger = opts.logger ?? pino({ level: locatorConfig.logLevel });

  const site = loadSite(locatorConfig.siteDir);
  const registry = openRegistry(locatorConfig.dataDir, { clock, defaultPathLoss: locatorConfig.pipeline.pathLoss });
  registry.syncGatewaysFromSite(site);

  const closers: Array<() => Promise<void> | void> = [() => registry.close()];
  const closeAll = async () => {
    for (const c of closers.reverse()) {
      try { await c(); } catch (err) { logger.warn({ err }, 'error while shutting down'); }
    }
  };

  try {
    let broker: RtlsBroker | null = null;
    let source: MessageSource;
    let brokerUrl: string;
    if (locatorConfig.mqtt.url) {
      const external = createMqttSource({ url: locatorConfig.mqtt.url, username: locatorConfig.mqtt.username, password: locatorConfig.mqtt.password, clock, logger });
      closers.push(() => external.close());
      source = external;
      brokerUrl = simConfig.mqttUrl ?? locatorConfig.mqtt.url;
    } else {
      // Services besides the gateways (a nurse-call bridge subscribing to rtls/v1/alarms/#): RTLS_BROKER_CREDENTIALS_FILE.
      const services: Authenticator | null = brokerConfig.credentialsFile
        ? await credentialsAuthenticator(loadCredentialsFile(brokerConfig.credentialsFile))
        : null;
      broker = await createBroker({
        config: brokerConfig,
        clock,
        logger: logger.child({ svc: 'broker' }),
        authenticate: async (username, password) => {
          const gatewayId = await registry.authenticateGateway(username, password);
          if (!gatewayId) return services ? services(username, password) : null;
          // Vendor gateways also publish on their own topic filter (issue #4); read fresh, as gateways can be added.
          const g = registry.view().gateway(gatewayId);
          // The stamp lets the broker notice a rotation or revocation and disconnect the gateway (issue #6 item 6).
          const credentialStamp = registry.gatewayCredentialStamp(gatewayId) ?? undefined;
          return g?.topic && g.format !== 'native' && !g.topic.startsWith(TOPIC_ROOT + '/')
            ? { kind: 'gateway', gatewayId, topics: gatewayTopicFilters(g.format, g.topic), ...(credentialStamp ? { credentialStamp } : {}) }
            : { kind: 'gateway', gatewayId, ...(credentialStamp ? { credentialStamp } : {}) };
        },
        // Gateways: their registry credentials may be rotated or revoked. Services from the file: fixed for the process.
        revalidate: async (p) => p.kind !== 'gateway' || (p.credentialStamp !== undefined && registry.gatewayCredentialStamp(p.gatewayId) === p.credentialStamp),
      });
      closers.push(() => broker!.close());
      source = broker.messageSource();
      brokerUrl = `mqtt://127.0.0.1:${broker.tcpPort}`;
    }

    const service = await createLocatorService({
      config: locatorConfig, site, registry, messageSource: source, clock, logger: logger.child({ svc: 'locator' }),
      ...(broker ? {
        onGatewayCredentialsRevoked: () => broker!.revalidateNow(),
        // Alarm notifications on rtls/v1/alarms/… for nurse call, pagers and door controllers (issue #7 item 4).
        publishAlarm: (topic: string, payload: Buffer, o: { qos: 1; retain: false }) => new Promise<void>((resolve, reject) => {
          broker!.aedes.publish({ cmd: 'publish', topic, payload, qos: o.qos, retain: o.retain, dup: false }, (err) => (err ? reject(err) : resolve()));
        }),
      } : {}),
    });
    closers.push(() => service.close());
    const { url, port } = await service.listen();

    const logins: Demo['logins'] = [];
    if (service.access.adminOneTimePassword) {
      logins.push({ username: 'admin', password: service.access.adminOneTimePassword, note: 'one-time password: change it at first login' });
    } else logins.push({ username: 'admin', password: null, note: locatorConfig.auth.adminPassword ? 'password from RTLS_ADMIN_PASSWORD' : 'password set earlier' });
    for (const u of await ensureDemoUsers(service, locatorConfig.auth.demoPassword)) {
      logins.push({ username: u.username, password: u.oneTimePassword, note: u.oneTimePassword ? 'one-time password' : 'password from RTLS_DEMO_PASSWORD' });
    }

    let simulation: Simulation | null = null;
    let runner: SimRunner | null = null;
    if (simConfig.tags > 0) {
      // The simulated gateways (every gateway of the floor plan) get fresh credentials each start: only hashes are
      // stored, so the plain passwords exist nowhere else.
      const gatewayIds = site.floors.flatMap((f) => f.gateways.map((g) => g.properties.id));
      const issued = await Promise.all(gatewayIds.map((id) => registry.issueGatewayCredentials(id)));
      const creds = new Map<string, GatewayCredentials>(issued.map((c) => [c.username, c]));
      // Built last, so simulated time starts now and reads are not stale on arrival.
      simulation = new Simulation({
        site, seed: simConfig.seed, tagCount: simConfig.tags, startTime: clock(),
        advIntervalMs: simConfig.advIntervalMs, batchIntervalMs: simConfig.batchMs,
        scenario: { referenceTags: simConfig.referenceTags },
      });
      registry.upsertTags(simulation.tags());
      const sim = simulation;
      enrolDemoPatients(service, site, sim.tags(), (tag) => sim.patientHome(tag), simConfig.seed);
      // Reference tags are "surveyed" where the simulation put them: the locator learns gateway offsets from them.
      for (const r of simulation.referenceTags()) registry.putReferenceTag(r.tag, { floor: r.floor, x: r.x, y: r.y, note: 'simulated survey' });
      runner = new SimRunner({
        simulation, brokerUrl, clock, logger: logger.child({ svc: 'sim' }),
        credentials: (id) => creds.get(id),
        // Issue #4 item 4: each gateway speaks the payload format RTLS_SIM_FORMATS gives it, with RTLS_SIM_FAULTS.
        formats: assignFormats(simulation.gateways(), simConfig.formats),
        faults: simConfig.faults, faultSeed: simConfig.seed,
        ...(simConfig.truthFile ? { truthFile: simConfig.truthFile } : {}),
      });
      // The registry learns how each simulated gateway publishes before it connects: the broker lets a gateway
      // publish on its registered vendor topic only, and the locator routes vendor topics by it. A gateway the
      // simulator runs natively is set back to native, since the registry keeps a format across restarts.
      for (const [id, f] of runner.gatewayFormats()) {
        const known = registry.view().gateway(id);
        if (known?.format === f.format && (f.format === 'native' || known.topic === f.topic)) continue;
        registry.setGatewayIngest(id, f.format === 'native' ? { format: 'native' } : { format: f.format, topic: f.topic, mac: f.mac });
      }
      await runner.start();
      closers.push(() => runner!.stop());
    }

    return {
      url: url.endsWith('/') ? url : `${url}/`, httpPort: port, mqttPort: broker?.tcpPort ?? null, registry, service, broker, runner, simulation,
      logins, close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
