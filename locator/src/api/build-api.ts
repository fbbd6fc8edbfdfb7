/**
 * The HTTP app: REST under /api with OpenAPI at /api/docs, the WebSocket live feed at /api/live, and the built
 * web app at / with SPA fallback. A factory without listen(), so tests drive it with app.inject().
 */
import fs from 'node:fs';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import {
  createJsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Site } from '@rtls/floorplans';
import type { Clock } from '@rtls/protocol';
import type { LocatorConfig } from '../config.ts';
import type { Registry } from '../registry/sqlite-registry.ts';
import type { LiveState } from '../state/live-state.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { LiveHub } from '../live/live-hub.ts';
import { apiErrorHandler, sendError } from './error-handler.ts';
import { apiRoutes, type HealthParts } from './routes.ts';
import { gatewayRoutes } from './gateway-routes.ts';
import { historyRoutes } from './history-routes.ts';
import type { GatewayDiagnostics } from '../ingest/gateway-diagnostics.ts';
import type { AccessService } from '../auth/access.ts';
import type { PatientStore } from '../auth/patient-store.ts';
import { installAuthGuard, LIVE_SUBPROTOCOL } from './auth-guard.ts';
import { authRoutes } from './auth-routes.ts';
import { userRoutes } from './user-routes.ts';
import { patientRoutes } from './patient-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { alarmRoutes } from './alarm-routes.ts';
import type { AlarmManager } from '../alarms/alarm-manager.ts';
import type { RuleStore } from '../alarms/rule-store.ts';
import type { DeliveryStore } from '../alarms/delivery-store.ts';

export interface ApiDeps {
  config: LocatorConfig;
  site: Site;
  registry: Registry;
  state: LiveState;
  store: HistoryStore;
  stats: () => HealthParts;
  logger: FastifyBaseLogger;
  clock: Clock;
  /** The live feed; without it /api/live is not served. */
  live?: LiveHub;
  /** The pipeline's gateway diagnostics; without them GET /api/gateways/:id and POST /api/gateways are not served. */
  diagnostics?: GatewayDiagnostics;
  /** Login, sessions, roles, audit (issue #6): every /api route but health and login goes through it. */
  access: AccessService;
  patients: PatientStore;
  onGatewayCredentialsRevoked?: () => Promise<unknown>;
  /** Rules and alarms (issue #7); without them the alarm routes are not served. */
  alarms?: { manager: AlarmManager; ruleStore: RuleStore; delivery: DeliveryStore };
}

/** Largest request body, bytes: the API takes small JSON bodies only. */
const BODY_LIMIT_BYTES = 1024 * 1024;
/** Largest WebSocket message from a client, bytes: subscribe (≤ 50 floor ids) and ping fit in well under 4 kB. */
const WS_MAX_PAYLOAD_BYTES = 4 * 1024;

const LOCATOR_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

const API_PATH_RE = /^\/api(?:[/?]|$)/;

/** The path as the router sees it (percent-decoded), so `/%61pi/x` is an API path here too. */
function decodedPath(url: string): string {
  const p = url.split('?')[0]!;
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

export function buildApi(deps: ApiDeps): FastifyInstance {
  const { config, logger, clock } = deps;
  const https = config.auth.https
    ? { https: { cert: fs.readFileSync(config.auth.https.certFile), key: fs.readFileSync(config.auth.https.keyFile) } }
    : {};
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Fastify's own request log writes the full URL, query string included — and a patient search's query is a
    // name (issue #6: identity is never logged). Requests are logged below, path only.
    logController: new LogController({ disableRequestLogging: true }),
    ...https,
  });
  // Never bodies, headers (credentials, tokens) or query strings; tokens never travel in URLs (auth-guard.ts).
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, path: (req.raw.url ?? req.url).split('?')[0]!.slice(0, 200), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(apiErrorHandler);

  app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Open hospital RTLS — locator API', version: LOCATOR_VERSION },
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
  });
  app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.register(fastifyWebsocket, {
    options: {
      maxPayload: WS_MAX_PAYLOAD_BYTES,
      // The browser sends ['rtls.v1', 'rtls.bearer.<token>']; the server answers with rtls.v1 only, so the token is
      // never echoed back.
      handleProtocols: (protocols: Set<string>) => (protocols.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false),
    },
  });
  installAuthGuard(app, deps.access, config.auth.allowedOrigins);

  const webDist = fs.existsSync(`${config.webDist}/index.html`) ? config.webDist : null;
  if (webDist) app.register(fastifyStatic, { root: webDist, prefix: '/' });

  app.register(
    apiRoutes({
      site: deps.site, state: deps.state, store: deps.store, stats: deps.stats, clock, version: LOCATOR_VERSION,
      startedAt: clock(), registry: deps.registry, access: deps.access,
    }),
  );
  app.register(historyRoutes({ site: deps.site, state: deps.state, store: deps.store, clock, access: deps.access }));
  if (deps.diagnostics) {
    app.register(gatewayRoutes({
      site: deps.site, registry: deps.registry, state: deps.state, diagnostics: deps.diagnostics, access: deps.access,
      ...(deps.onGatewayCredentialsRevoked ? { onCredentialsRevoked: deps.onGatewayCredentialsRevoked } : {}),
    }));
  }
  app.register(authRoutes(deps.access));
  app.register(userRoutes(deps.access, deps.site.units.length > 0 ? new Set(deps.site.units.map((u) => u.id)) : null));
  app.register(patientRoutes(deps.access, deps.patients, deps.registry, deps.site));
  app.register(auditRoutes(deps.access));
  if (deps.alarms) {
    app.register(alarmRoutes({
      manager: deps.alarms.manager, ruleStore: deps.alarms.ruleStore, delivery: deps.alarms.delivery,
      access: deps.access, state: deps.state, site: deps.site,
    }));
  }
  const live = deps.live;
  if (live) app.register(async (scope) => live.register(scope));

  app.setNotFoundHandler((req, reply) => {
    const url = req.raw.url ?? req.url;
    if (webDist && !API_PATH_RE.test(decodedPath(url)) && (req.method === 'GET' || req.method === 'HEAD')) {
      // Client-side routes of the single-page app (/floors/L1, /tags/…) all load index.html.
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return sendError(reply, 'RTLS_ERR_NOT_FOUND', `No such route: ${req.method} ${url.split('?')[0]!.slice(0, 200)}`);
  });

  return app.withTypeProvider<ZodTypeProvider>() as unknown as FastifyInstance;
}
