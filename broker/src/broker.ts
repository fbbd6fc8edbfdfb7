/**
 * The embedded MQTT broker (Aedes 1.x): TCP and WebSocket listeners, gateway authentication, the topic ACL, the
 * limits from config.ts, counters, and an in-process MessageSource for the locator (DESIGN.md §1, §7).
 *
 * No client can crash the process: socket errors, malformed packets, oversized packets, timeouts and ACL refusals
 * end that client's connection, are counted by kind, and logged without credentials.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import http from 'node:http';
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client, type ConnectPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { pino, type Logger } from 'pino';
import { GatewayIdSchema, systemClock, type Clock, type MessageSource } from '@rtls/protocol';
import type { BrokerConfig } from './config.ts';
import { mayPublish, maySubscribe, principalLabel, type Authenticator, type Principal } from './acl.ts';
import { PacketLimitError, PacketSizeGuard, type FrameViolation } from './packet-size-guard.ts';
import { EmbeddedMessageSource } from './embedded-message-source.ts';

export type { Authenticator, Principal } from './acl.ts';

export interface BrokerStats {
  /** Sockets on both listeners (before and after CONNECT). `refused`: closed at once because of maxConnections. */
  connections: { current: number; total: number; refused: number };
  /** MQTT sessions that passed CONNECT and are connected now. */
  clients: number;
  /** CONNECTs refused for missing, unknown or wrong credentials. */
  authFailures: number;
  /** Refused by the topic ACL: PUBLISH (client disconnected), SUBSCRIBE (SUBACK 0x80), last will (CONNACK refused). */
  aclDenials: { publish: number; subscribe: number; will: number };
  /** Packets over limits.maxPacketBytes (the client was disconnected). */
  oversizePackets: number;
  /** Other reasons a client connection ended in error, by kind (socket, malformed-packet, connect-timeout, …). */
  clientErrors: Record<string, number>;
}

export interface RtlsBroker {
  aedes: Aedes;
  /** The bound TCP port (the real one when config.port was 0). */
  tcpPort: number;
  /** The bound WebSocket port, or null when the WebSocket listener is off. */
  wsPort: number | null;
  /** A new in-process MessageSource (mode 'embedded'). */
  messageSource(): MessageSource;
  stats(): BrokerStats;
  close(): Promise<void>;
}

export interface CreateBrokerOptions {
  config: BrokerConfig;
  authenticate: Authenticator;
  clock?: Clock;
  logger?: Logger;
}

/** Connect return codes of MQTT 3.1.1 §3.2.2.3 used here. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** An error the broker raised itself and already counted; the clientError handler only logs it. */
class BrokerRefusal extends Error {
  constructor(
    message: string,
    readonly returnCode?: number,
  ) {
    super(message);
    this.name = 'BrokerRefusal';
  }
}

function refusal(message: string, returnCode: number): AuthenticateError {
  return new BrokerRefusal(message, returnCode) as AuthenticateError;
}

/** Buckets for `clientErrors`, from the messages Aedes and mqtt-packet use (no error codes there). */
function errorKind(err: Error & { code?: string }): string {
  if (err.code && /^(ECONNRESET|EPIPE|ETIMEDOUT|ECONNABORTED|EHOSTUNREACH|ENETUNREACH)$/.test(err.code)) return 'socket';
  if (err.code?.startsWith('WS_ERR_')) return 'websocket';
  const m = err.message;
  if (m === 'connect did not arrive in time') return 'connect-timeout';
  if (m === 'keep alive timeout') return 'keepalive-timeout';
  if (m === 'drain timeout') return 'drain-timeout';
  if (m.startsWith('Client queue limit')) return 'queue-limit';
  if (m.startsWith('maxInflightInbound')) return 'inflight-limit';
  if ((err as { errorCode?: number }).errorCode !== undefined) return 'connect-refused';
  if (/invalid|malformed|cannot parse|not supported|must not|must be|protocol/i.test(m)) return 'malformed-packet';
  return 'other';
}

function listenError(err: NodeJS.ErrnoException, what: string, host: string, port: number, portVar: string): Error {
  const alternative = portVar === 'RTLS_MQTT_WS_PORT' ? ' (or to off)' : '';
  let message: string;
  if (err.code === 'EADDRINUSE') message = `${what} port ${port} is already in use: set ${portVar} to a free port${alternative}`;
  else if (err.code === 'EACCES') message = `${what} port ${port} needs privileges on this host: set ${portVar} to a port above 1023${alternative}`;
  else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
    message = `${what} host ${host} is not an address of this machine: set RTLS_MQTT_HOST to one of its addresses or 0.0.0.0`;
  else message = `${what} cannot listen on ${host}:${port} (${err.code ?? err.message}): check RTLS_MQTT_HOST and ${portVar}`;
  return new Error(message, { cause: err });
}

function listen(server: net.Server, host: string, port: number, what: string, portVar: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(err, what, host, port, portVar));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

export async function createBroker(options: CreateBrokerOptions): Promise<RtlsBroker> {
  const { config } = options;
  const limits = config.limits;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: 'silent' });

  const counters = {
    connectionsTotal: 0,
    refused: 0,
    authFailures: 0,
    aclPublish: 0,
    aclSubscribe: 0,
    aclWill: 0,
    oversize: 0,
  };
  const clientErrors: Record<string, number> = {};
  const openSockets = new Set<Duplex>();
  const principals = new WeakMap<Client, Principal>();
  /** The CONNECT's will, kept from preConnect (which sees the packet) for authenticate (which knows the principal). */
  const wills = new WeakMap<Client, ConnectPacket['will'] | undefined>();
  const sources = new Set<EmbeddedMessageSource>();
  /** Errors already counted where they arose (so the clientError handler does not count them twice). */
  const counted = new WeakSet<Error>();

  const peerOf = (client: Client): string | undefined => (client.conn as Partial<PacketSizeGuard>).peer;

  const aedes = await Aedes.createBroker({
    connectTimeout: limits.connectTimeoutMs,
    drainTimeout: limits.drainTimeoutMs,
    queueLimit: limits.queueLimit,
    concurrency: limits.concurrency,
    keepaliveLimit: limits.keepaliveLimitS,
    // Gateway client ids are often MAC- or serial-based and longer than MQTT 3.1's 23 characters.
    maxClientsIdLength: 128,

    preConnect(client, packet, callback) {
      wills.set(client, packet.will);
      callback(null, true);
    },

    authenticate(client, username, password, done) {
      const will = wills.get(client);
      wills.delete(client);
      if (username === undefined || username === '' || password === undefined) {
        counters.authFailures++;
        logger.warn({ peer: peerOf(client), clientId: client.id }, 'MQTT CONNECT without credentials refused');
        return done(refusal('credentials required', NOT_AUTHORIZED), false);
      }
      let pending: Promise<Principal | null>;
      try {
        pending = options.authenticate(username, password.toString('utf8'));
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (principal) => {
          if (principal === null) {
            counters.authFailures++;
            // The username is logged (it names a gateway or a service, never a person); the password never is.
            logger.warn({ peer: peerOf(client), username }, 'MQTT CONNECT with unknown user or wrong password refused');
            return done(refusal('bad username or password', BAD_USERNAME_OR_PASSWORD), false);
          }
          if (principal.kind === 'gateway' && !GatewayIdSchema.safeParse(principal.gatewayId).success) {
            logger.error({ username }, 'authenticator returned an invalid gateway id; connection refused');
            return done(refusal('invalid principal', NOT_AUTHORIZED), false);
          }
          // A gateway's last will is its "offline" status; on any other topic it would let a gateway publish
          // elsewhere after disconnecting, so the connection is refused rather than the will dropped silently.
          if (will && !mayPublish(principal, will.topic)) {
            counters.aclWill++;
            logger.warn({ peer: peerOf(client), principal: principalLabel(principal), topic: will.topic }, 'last will topic not allowed; connection refused');
            return done(refusal('last will topic not allowed', NOT_AUTHORIZED), false);
          }
          principals.set(client, principal);
          done(null, true);
        },
        (err: unknown) => {
          logger.error({ err, username }, 'authenticator failed; connection refused as server unavailable');
          done(refusal('authentication unavailable', SERVER_UNAVAILABLE), false);
        },
      );
    },

    authorizePublish(client, packet, callback) {
      // client is null only for a will Aedes republishes from persistence after its owner is gone; its topic was
      // checked when that client connected.
      if (client === null) return callback(packet.topic.startsWith('$SYS') ? new Error('$SYS topic is reserved') : null);
      const principal = principals.get(client);
      if (principal && mayPublish(principal, packet.topic)) return callback(null);
      counters.aclPublish++;
      logger.warn(
        { peer: peerOf(client), principal: principal ? principalLabel(principal) : null, topic: packet.topic },
        'PUBLISH outside the ACL; client disconnected',
      );
      // MQTT 3.1.1 has no way to refuse a PUBLISH; Aedes closes the connection (MQTT-3.3.5-2).
      callback(new BrokerRefusal(`publish to ${packet.topic} not allowed`));
    },

    authorizeSubscribe(client, subscription, callback) {
      const principal = principals.get(client);
      if (principal && maySubscribe(principal, subscription.topic)) return callback(null, subscription);
      counters.aclSubscribe++;
      logger.warn(
        { peer: peerOf(client), principal: principal ? principalLabel(principal) : null, filter: subscription.topic },
        'SUBSCRIBE outside the ACL refused',
      );
      // null = SUBACK return code 0x80 for this filter, the connection stays up (MQTT 3.1.1 §3.9.3).
      callback(null, null);
    },
  });

  const onClientError = (client: Client, err: Error) => {
    if (err instanceof BrokerRefusal || err instanceof PacketLimitError || counted.has(err)) return;
    const kind = errorKind(err);
    clientErrors[kind] = (clientErrors[kind] ?? 0) + 1;
    const level = kind === 'socket' ? 'debug' : 'info';
    logger[level]({ peer: peerOf(client), clientId: client.id ?? null, kind, err: err.message }, 'MQTT client connection ended in error');
  };
  aedes.on('clientError', onClientError);
  aedes.on('connectionError', onClientError);
  // Aedes emits 'error' on itself when its persistence fails (will sweep, offline enqueue); unhandled, that would
  // end the process, so it is logged and the broker carries on.
  (aedes as EventEmitter).on('error', (err: Error) => logger.error({ err }, 'Aedes internal error'));
  aedes.on('clientReady', (client) => {
    const principal = principals.get(client);
    logger.info({ peer: peerOf(client), clientId: client.id, principal: principal ? principalLabel(principal) : null }, 'MQTT client connected');
  });
  aedes.on('clientDisconnect', (client) => {
    logger.info({ clientId: client.id }, 'MQTT client disconnected');
  });

  const onViolation = (peer: string) => (violation: FrameViolation) => {
    if (violation.reason === 'oversize') {
      counters.oversize++;
      logger.warn({ peer, packetBytes: violation.packetBytes, maxPacketBytes: limits.maxPacketBytes }, 'oversized MQTT packet; client disconnected');
    } else {
      clientErrors['malformed-packet'] = (clientErrors['malformed-packet'] ?? 0) + 1;
      logger.info({ peer }, 'malformed MQTT packet length; client disconnected');
    }
  };

  /** Admits a raw socket under the shared connection cap; false = refused and destroyed. */
  const admit = (socket: Socket): boolean => {
    // Until closed, errors on a socket are reported through the guard or the HTTP server; this one keeps a
    // reset during the handshake from becoming an uncaught 'error'.
    socket.on('error', () => {});
    if (openSockets.size >= limits.maxConnections) {
      counters.refused++;
      logger.warn({ peer: socket.remoteAddress, maxConnections: limits.maxConnections }, 'connection refused: RTLS_MQTT_MAX_CONNECTIONS reached');
      socket.destroy();
      return false;
    }
    counters.connectionsTotal++;
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
    // Without TCP_NODELAY, Nagle's algorithm holds small MQTT packets back: measured p99 latency 7–55 ms instead
    // of < 1 ms.
    socket.setNoDelay(true);
    return true;
  };

  const tcpServer = net.createServer({ noDelay: true }, (socket) => {
    if (!admit(socket)) return;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    aedes.handle(new PacketSizeGuard(socket, limits.maxPacketBytes, onViolation(peer), peer));
  });

  let httpServer: http.Server | null = null;
  let wss: WebSocketServer | null = null;
  if (config.wsPort !== null) {
    // MQTT 3.1.1 §6 lets one WebSocket message carry several MQTT packets, so the frame cap is two full packets:
    // it bounds what `ws` buffers per message, and the packet guard still enforces the per-packet limit.
    wss = new WebSocketServer({ noServer: true, maxPayload: 2 * limits.maxPacketBytes, perMessageDeflate: false });
    const server = http.createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      res.end('MQTT over WebSocket only\n');
    });
    server.on('connection', (socket: Socket) => {
      admit(socket);
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    server.on('upgrade', (req, socket, head) => {
      wss!.handleUpgrade(req, socket as Socket, head, (ws: WebSocket) => {
        const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
        ws.on('error', (err: Error & { code?: string }) => {
          // `ws` refused a message over maxPayload (close code 1009) before the packet guard saw its bytes.
          if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
            counted.add(err);
            counters.oversize++;
            logger.warn({ peer, maxPayloadBytes: 2 * limits.maxPacketBytes }, 'oversized WebSocket message; client disconnected');
          }
        });
        const stream = createWebSocketStream(ws);
        aedes.handle(new PacketSizeGuard(stream, limits.maxPacketBytes, onViolation(peer), peer), req);
      });
    });
    httpServer = server;
  }

  const closeAedes = () => new Promise<void>((resolve) => aedes.close(() => resolve()));

  let tcpPort: number;
  let wsPort: number | null = null;
  try {
    tcpPort = await listen(tcpServer, config.host, config.port, 'MQTT', 'RTLS_MQTT_PORT');
    if (httpServer && config.wsPort !== null) {
      wsPort = await listen(httpServer, config.host, config.wsPort, 'MQTT-over-WebSocket', 'RTLS_MQTT_WS_PORT');
    }
  } catch (err) {
    await closeServer(tcpServer);
    await closeAedes();
    throw err;
  }
  // After listening, a server error (e.g. EMFILE on accept) is logged; the listener keeps going.
  tcpServer.on('error', (err) => logger.error({ err }, 'MQTT TCP listener error'));
  httpServer?.on('error', (err) => logger.error({ err }, 'MQTT WebSocket listener error'));
  logger.info({ host: config.host, tcpPort, wsPort }, 'MQTT broker listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const serversClosed = [closeServer(tcpServer), httpServer ? closeServer(httpServer) : Promise.resolve()];
      await Promise.all([...sources].map((s) => s.close()));
      await closeAedes();
      for (const socket of openSockets) socket.destroy();
      wss?.close();
      await Promise.all(serversClosed);
      logger.info('MQTT broker closed');
    })();
    return closing;
  };

  return {
    aedes,
    tcpPort,
    wsPort,
    messageSource() {
      const source = new EmbeddedMessageSource(aedes, clock, logger, (s) => sources.delete(s));
      sources.add(source);
      return source;
    },
    stats(): BrokerStats {
      return {
        connections: { current: openSockets.size, total: counters.connectionsTotal, refused: counters.refused },
        clients: aedes.connectedClients,
        authFailures: counters.authFailures,
        aclDenials: { publish: counters.aclPublish, subscribe: counters.aclSubscribe, will: counters.aclWill },
        oversizePackets: counters.oversize,
        clientErrors: { ...clientErrors },
      };
    },
    close,
  };
}
