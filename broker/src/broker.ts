/**
 * The embedded MQTT broker (Aedes 1.x): plain TCP, TLS and WebSocket listeners, gateway authentication, the topic
 * ACL, the limits from config.ts, counters, and an in-process MessageSource for the locator (DESIGN.md §1, §7).
 *
 * Hardening (issue #6 items 6–8): anonymous refused (except under the loopback-only conformance profile); a client
 * id bound to its identity; gateways publish only on their own topics, never retain, never subscribe; credentials
 * re-checked periodically so a revoked client is disconnected; repeated failed logins locked out before any
 * password check; oversized packets cut at the frame header; a subscriber that stops reading is dropped after the
 * drain timeout.
 *
 * No client can crash the process: socket errors, malformed packets, oversized packets, timeouts and ACL refusals
 * end that client's connection, are counted by kind, and logged without credentials.
 */
import { readFileSync } from 'node:fs';
import net, { type AddressInfo, type Socket } from 'node:net';
import http from 'node:http';
import tls from 'node:tls';
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client, type ConnectPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { pino, type Logger } from 'pino';
import { GatewayIdSchema, systemClock, type Clock, type MessageSource } from '@rtls/protocol';
import { isLoopbackHost, type BrokerConfig } from './config.ts';
import {
  MAX_CLIENT_ID_LENGTH, mayPublish, mayRetain, maySubscribe, mayUseClientId, principalKey, principalLabel,
  type Authenticator, type CredentialPrincipal, type Principal,
} from './acl.ts';
import { ConnectLockout } from './lockout.ts';
import { PacketLimitError, PacketSizeGuard, type FrameViolation } from './packet-size-guard.ts';
import { EmbeddedMessageSource } from './embedded-message-source.ts';

export type { Authenticator, CredentialPrincipal, Principal } from './acl.ts';

export interface BrokerStats {
  /** Sockets on both listeners (before and after CONNECT). `refused`: closed at once because of maxConnections. */
  connections: { current: number; total: number; refused: number };
  /** MQTT sessions that passed CONNECT and are connected now. */
  clients: number;
  /** CONNECTs refused for missing, unknown or wrong credentials (not those refused by the lockout: `lockedOut`). */
  authFailures: number;
  /**
   * CONNECTs refused with CONNACK 2 (identifier rejected): a client id the principal may not use, one held by a
   * connected client of another identity (takeover attempt), or an empty client id with cleanSession=0.
   */
  clientIdRejected: number;
  /** PUBLISHes and last wills from gateways whose retain flag was cleared (delivered live, never stored). */
  retainStripped: number;
  /** Clients disconnected because `revalidate` said their credentials were revoked. */
  revoked: number;
  /** CONNECTs refused (CONNACK 5) without checking the password because the username or address was locked out. */
  lockedOut: number;
  /** Refused by the topic ACL: PUBLISH (client disconnected), SUBSCRIBE (SUBACK 0x80), last will (CONNACK refused). */
  aclDenials: { publish: number; subscribe: number; will: number };
  /** Packets over limits.maxPacketBytes (the client was disconnected). */
  oversizePackets: number;
  /** Other reasons a client connection ended in error, by kind (socket, malformed-packet, connect-timeout, …). */
  clientErrors: Record<string, number>;
}

export interface RtlsBroker {
  aedes: Aedes;
  /** The bound plain TCP port (the real one when config.port was 0), or null when RTLS_MQTT_PORT=off. */
  tcpPort: number | null;
  /** The bound TLS port, or null when TLS is not configured. */
  tlsPort: number | null;
  /** The bound WebSocket port, or null when the WebSocket listener is off. */
  wsPort: number | null;
  /** A new in-process MessageSource (mode 'embedded'). */
  messageSource(): MessageSource;
  stats(): BrokerStats;
  /**
   * Re-checks every connected client's principal with `revalidate` now and disconnects those whose credentials were
   * revoked; resolves how many were disconnected (0 without a `revalidate` hook). For the API to call right after
   * revoking, so the periodic check is only the upper bound.
   */
  revalidateNow(): Promise<number>;
  close(): Promise<void>;
}

export interface CreateBrokerOptions {
  config: BrokerConfig;
  authenticate: Authenticator;
  /**
   * Are this principal's credentials still valid? Called every config.revalidateIntervalMs for each connected
   * client with credentials (and by revalidateNow()); false disconnects the client. Compare `credentialStamp` to
   * catch a rotated password, not only a deleted one. Not called for anonymous (conformance) clients.
   */
  revalidate?: (principal: CredentialPrincipal) => Promise<boolean>;
  /**
   * Must be true for config.profile 'conformance' (anonymous clients). Only the standalone broker (main.ts) sets
   * it, so an RTLS_BROKER_PROFILE left in the locator's environment cannot open its embedded broker to anyone.
   */
  allowConformanceProfile?: boolean;
  clock?: Clock;
  logger?: Logger;
}

/** Connect return codes of MQTT 3.1.1 §3.2.2.3 used here. */
const IDENTIFIER_REJECTED = 2;
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
  if (err.code?.startsWith('ERR_SSL_') || /SSL|TLS|certificate/i.test(m)) return 'tls';
  if (m.startsWith('Client queue limit')) return 'queue-limit';
  if (m.startsWith('maxInflightInbound')) return 'inflight-limit';
  if ((err as { errorCode?: number }).errorCode !== undefined) return 'connect-refused';
  if (/invalid|malformed|cannot parse|not supported|must not|must be|protocol/i.test(m)) return 'malformed-packet';
  return 'other';
}

function listenError(err: NodeJS.ErrnoException, what: string, host: string, port: number, portVar: string): Error {
  const alternative = portVar === 'RTLS_MQTT_TLS_PORT' ? '' : ' (or to off)';
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

/** Reads one PEM file named by `variable`; the error names the variable and the path, never the contents. */
function readPem(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot read ${variable} ${file} (${code})`, { cause: err });
  }
}

/** The TLS listener's options from the configured files, checked now so a bad certificate fails start-up. */
function tlsOptions(t: NonNullable<BrokerConfig['tls']>, handshakeTimeout: number): tls.TlsOptions {
  const options: tls.TlsOptions = {
    cert: readPem(t.certFile, 'RTLS_MQTT_TLS_CERT_FILE'),
    key: readPem(t.keyFile, 'RTLS_MQTT_TLS_KEY_FILE'),
    ...(t.caFile !== null ? { ca: readPem(t.caFile, 'RTLS_MQTT_TLS_CA_FILE') } : {}),
    // TLS 1.0/1.1 are deprecated (RFC 8996); every MQTT client library of the last decade speaks 1.2.
    minVersion: 'TLSv1.2',
    // A handshake that never completes holds a slot under the connection cap like a silent CONNECT would.
    handshakeTimeout,
  };
  try {
    tls.createSecureContext(options);
  } catch (err) {
    // OpenSSL's message names the problem (bad PEM, key does not match the certificate), never the key bytes.
    throw new Error(
      `TLS certificate or key unusable (RTLS_MQTT_TLS_CERT_FILE=${t.certFile}, RTLS_MQTT_TLS_KEY_FILE=${t.keyFile}): ${(err as Error).message}`,
      { cause: err },
    );
  }
  return options;
}

/** What preConnect saw of a CONNECT, kept for authenticate (which knows the principal). */
interface ConnectInfo {
  /** The client id exactly as sent ('' when empty; Aedes then makes one up). */
  clientId: string;
  clean: boolean;
  will: ConnectPacket['will'] | undefined;
}

/** A username shortened for logs: it names a gateway or service, but a client may send 64 kB of anything. */
const logName = (username: string) => (username.length > 128 ? `${username.slice(0, 128)}…` : username);

export async function createBroker(options: CreateBrokerOptions): Promise<RtlsBroker> {
  const { config } = options;
  const limits = config.limits;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: 'silent' });
  const conformance = config.profile === 'conformance';
  if (conformance) {
    if (options.allowConformanceProfile !== true) {
      throw new Error('RTLS_BROKER_PROFILE=conformance is only for the standalone broker (broker/src/main.ts): unset it here');
    }
    // loadBrokerConfig already refuses this; checked again because a config object can be built by hand.
    if (!isLoopbackHost(config.host)) throw new Error(`RTLS_BROKER_PROFILE=conformance listens on loopback only, not ${config.host}`);
  }
  const tlsServerOptions = config.tls ? tlsOptions(config.tls, limits.connectTimeoutMs) : null;

  const counters = {
    connectionsTotal: 0,
    refused: 0,
    authFailures: 0,
    aclPublish: 0,
    aclSubscribe: 0,
    aclWill: 0,
    oversize: 0,
    clientIdRejected: 0,
    retainStripped: 0,
    revoked: 0,
    lockedOut: 0,
  };
  const clientErrors: Record<string, number> = {};
  const openSockets = new Set<Duplex>();
  const principals = new WeakMap<Client, Principal>();
  const connects = new WeakMap<Client, ConnectInfo>();
  /** Clients that passed authentication and whose connection is open: what revalidation walks. */
  const live = new Set<Client>();
  /**
   * Client id → the client that last passed authentication with it. Aedes registers a client only after CONNACK, so
   * this also covers two CONNECTs with one id being authenticated at the same time.
   */
  const holders = new Map<string, Client>();
  /** Peer address (no port) of each guarded connection, for the lockout. */
  const addresses = new WeakMap<object, string>();
  const lockout = new ConnectLockout(config.lockout, clock);
  const sources = new Set<EmbeddedMessageSource>();
  /** Errors already counted where they arose (so the clientError handler does not count them twice). */
  const counted = new WeakSet<Error>();

  const peerOf = (client: Client): string | undefined => (client.conn as Partial<PacketSizeGuard>).peer;
  const addressOf = (client: Client): string | undefined => addresses.get(client.conn);

  /** Ends the authenticate step: checks that `principal` may use this CONNECT's client id and will. */
  const admitPrincipal = (
    client: Client,
    connect: ConnectInfo,
    principal: Principal,
    done: (err: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    const peer = peerOf(client);
    if (principal.kind === 'gateway' && !GatewayIdSchema.safeParse(principal.gatewayId).success) {
      logger.error({ principal: principalLabel(principal) }, 'authenticator returned an invalid gateway id; connection refused');
      return done(refusal('invalid principal', NOT_AUTHORIZED), false);
    }
    // No takeover (issue #6 item 6): the client id must be one this identity owns …
    if (!mayUseClientId(principal, connect.clientId)) {
      counters.clientIdRejected++;
      logger.warn({ peer, principal: principalLabel(principal), clientId: connect.clientId }, 'client id not allowed for this identity; connection refused');
      return done(refusal('client id not allowed for this identity', IDENTIFIER_REJECTED), false);
    }
    // … and one that no other identity holds right now (MQTT-3.1.4-2 would otherwise disconnect that client).
    // The same identity may take its own session over: a gateway reconnecting after a half-open TCP connection.
    const key = principalKey(principal);
    const registered = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[client.id];
    const others = [holders.get(client.id), registered].filter((c): c is Client => c !== undefined && c !== client && !c.closed);
    if (others.some((c) => { const p = principals.get(c); return p === undefined || principalKey(p) !== key; })) {
      counters.clientIdRejected++;
      logger.warn({ peer, principal: principalLabel(principal), clientId: client.id }, 'client id held by another identity; takeover refused');
      return done(refusal('client id in use by another identity', IDENTIFIER_REJECTED), false);
    }
    const will = connect.will;
    // A gateway's last will is its "offline" status; on any other topic it would let a gateway publish
    // elsewhere after disconnecting, so the connection is refused rather than the will dropped silently.
    if (will && !mayPublish(principal, will.topic)) {
      counters.aclWill++;
      logger.warn({ peer, principal: principalLabel(principal), topic: will.topic }, 'last will topic not allowed; connection refused');
      return done(refusal('last will topic not allowed', NOT_AUTHORIZED), false);
    }
    // Same object Aedes stores as the client's will (storeWill runs after authenticate): it will be published, live.
    if (will?.retain && !mayRetain(principal)) {
      will.retain = false;
      counters.retainStripped++;
    }
    principals.set(client, principal);
    // A connection that died while the authenticator was working is not tracked (its 'close' has been emitted,
    // so nothing would ever remove it); Aedes drops it too.
    if (client.closed || (client.conn as Duplex).destroyed) return done(null, true);
    holders.set(client.id, client);
    live.add(client);
    client.conn.once('close', () => {
      live.delete(client);
      if (holders.get(client.id) === client) holders.delete(client.id);
    });
    done(null, true);
  };

  const aedes = await Aedes.createBroker({
    connectTimeout: limits.connectTimeoutMs,
    drainTimeout: limits.drainTimeoutMs,
    queueLimit: limits.queueLimit,
    concurrency: limits.concurrency,
    keepaliveLimit: limits.keepaliveLimitS,
    // Gateway client ids are often MAC- or serial-based and longer than MQTT 3.1's 23 characters.
    maxClientsIdLength: MAX_CLIENT_ID_LENGTH,

    preConnect(client, packet, callback) {
      connects.set(client, { clientId: packet.clientId ?? '', clean: packet.clean !== false, will: packet.will });
      callback(null, true);
    },

    authenticate(client, username, password, done) {
      const connect = connects.get(client) ?? { clientId: client.id ?? '', clean: true, will: undefined };
      connects.delete(client);
      const peer = peerOf(client);
      const address = addressOf(client);
      // MQTT-3.1.3-8: a zero-byte client id with CleanSession=0 gets CONNACK 0x02 and the connection is closed.
      // Aedes 1.2 does not check it (it makes up an id), so it is enforced here, in every profile.
      if (connect.clientId === '' && !connect.clean) {
        counters.clientIdRejected++;
        logger.info({ peer }, 'empty client id with a persistent session refused (MQTT-3.1.3-8)');
        return done(refusal('empty client id with CleanSession=0', IDENTIFIER_REJECTED), false);
      }
      if (username === undefined || username === '' || password === undefined) {
        // Conformance profile only (loopback, no real data): interoperability suites connect without credentials.
        if (conformance && password === undefined) return admitPrincipal(client, connect, { kind: 'anonymous' }, done);
        counters.authFailures++;
        logger.warn({ peer, clientId: connect.clientId }, 'MQTT CONNECT without credentials refused');
        return done(refusal('credentials required', NOT_AUTHORIZED), false);
      }
      // Checked before the password, so a locked-out guesser costs no scrypt work.
      const lock = lockout.check(username, address);
      if (lock.locked) {
        counters.lockedOut++;
        logger.warn({ peer, username: logName(username), lockedBy: lock.by }, 'MQTT CONNECT refused: too many failed logins (locked out)');
        return done(refusal('locked out after repeated failed logins', NOT_AUTHORIZED), false);
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
            const locked = lockout.recordFailure(username, address);
            // The username is logged (it names a gateway or a service, never a person); the password never is.
            logger.warn({ peer, username: logName(username) }, 'MQTT CONNECT with unknown user or wrong password refused');
            if (locked.username || locked.address) {
              logger.warn(
                { peer, username: logName(username), lockedUsername: locked.username, lockedAddress: locked.address, lockoutMs: config.lockout.lockoutMs },
                'repeated failed MQTT logins: locked out',
              );
            }
            return done(refusal('bad username or password', BAD_USERNAME_OR_PASSWORD), false);
          }
          if (principal.kind === 'anonymous') {
            logger.error({ username: logName(username) }, 'authenticator returned an anonymous principal for credentials; connection refused');
            return done(refusal('invalid principal', NOT_AUTHORIZED), false);
          }
          lockout.recordSuccess(username);
          admitPrincipal(client, connect, principal, done);
        },
        (err: unknown) => {
          logger.error({ err, username: logName(username) }, 'authenticator failed; connection refused as server unavailable');
          done(refusal('authentication unavailable', SERVER_UNAVAILABLE), false);
        },
      );
    },

    authorizePublish(client, packet, callback) {
      // client is null only for a will Aedes republishes from persistence after its owner is gone; its topic was
      // checked (and its retain flag cleared for a gateway) when that client connected.
      if (client === null) return callback(packet.topic.startsWith('$SYS') ? new Error('$SYS topic is reserved') : null);
      const principal = principals.get(client);
      if (principal && mayPublish(principal, packet.topic)) {
        // No retained messages from devices (issue #6 item 6): delivered to current subscribers, never stored.
        if (packet.retain && !mayRetain(principal)) {
          packet.retain = false;
          counters.retainStripped++;
        }
        return callback(null);
      }
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

  /** Hands a transport stream to Aedes behind the packet-size guard: the one path for every listener. */
  const handle = (stream: Duplex, address: string | undefined, port: number | undefined, req?: http.IncomingMessage) => {
    const peer = `${address}:${port}`;
    const guard = new PacketSizeGuard(stream, limits.maxPacketBytes, onViolation(peer), peer);
    if (address !== undefined) addresses.set(guard, address);
    aedes.handle(guard, req);
  };

  let tcpServer: net.Server | null = null;
  if (config.port !== null) {
    tcpServer = net.createServer({ noDelay: true }, (socket) => {
      if (!admit(socket)) return;
      handle(socket, socket.remoteAddress, socket.remotePort);
    });
  }

  let tlsServer: tls.Server | null = null;
  if (tlsServerOptions) {
    tlsServer = tls.createServer(tlsServerOptions, (socket) => handle(socket, socket.remoteAddress, socket.remotePort));
    // The cap applies to the raw TCP connection, before the handshake costs anything. A refused socket is destroyed
    // here, which ends the handshake the TLS server started on it (reported as a tlsClientError).
    tlsServer.on('connection', (socket: Socket) => {
      admit(socket);
    });
    tlsServer.on('tlsClientError', (err: Error & { code?: string }, socket) => {
      clientErrors.tls = (clientErrors.tls ?? 0) + 1;
      logger.debug({ peer: `${socket.remoteAddress}:${socket.remotePort}`, code: err.code ?? null }, 'TLS handshake failed');
    });
  }

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
        handle(createWebSocketStream(ws), req.socket.remoteAddress, req.socket.remotePort, req);
      });
    });
    httpServer = server;
  }

  const closeAedes = () => new Promise<void>((resolve) => aedes.close(() => resolve()));

  const servers = [tcpServer, tlsServer, httpServer].filter((s): s is net.Server => s !== null);
  let tcpPort: number | null = null;
  let tlsPort: number | null = null;
  let wsPort: number | null = null;
  try {
    if (tcpServer && config.port !== null) tcpPort = await listen(tcpServer, config.host, config.port, 'MQTT', 'RTLS_MQTT_PORT');
    if (tlsServer && config.tls) tlsPort = await listen(tlsServer, config.host, config.tls.port, 'MQTT-over-TLS', 'RTLS_MQTT_TLS_PORT');
    if (httpServer && config.wsPort !== null) {
      wsPort = await listen(httpServer, config.host, config.wsPort, 'MQTT-over-WebSocket', 'RTLS_MQTT_WS_PORT');
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    await closeAedes();
    throw err;
  }
  // After listening, a server error (e.g. EMFILE on accept) is logged; the listener keeps going.
  tcpServer?.on('error', (err) => logger.error({ err }, 'MQTT TCP listener error'));
  tlsServer?.on('error', (err) => logger.error({ err }, 'MQTT TLS listener error'));
  httpServer?.on('error', (err) => logger.error({ err }, 'MQTT WebSocket listener error'));
  logger.info({ profile: config.profile, host: config.host, tcpPort, tlsPort, wsPort }, 'MQTT broker listening');
  if (conformance) {
    logger.warn(
      { host: config.host },
      'CONFORMANCE PROFILE: anonymous MQTT clients accepted on loopback, for MQTT interoperability test suites only; no real data',
    );
  }

  let closed = false;
  /**
   * One revalidation pass: each distinct principal (identity + credential stamp) is checked once, and every client
   * connected as a principal found revoked is disconnected.
   */
  const revalidatePass = async (): Promise<number> => {
    const revalidate = options.revalidate;
    if (!revalidate || closed) return 0;
    const verdicts = new Map<string, Promise<boolean | 'error'>>();
    const results = await Promise.all(
      [...live].map(async (client) => {
        const principal = principals.get(client);
        if (principal === undefined || principal.kind === 'anonymous') return false;
        const key = `${principalKey(principal)}\u0000${principal.credentialStamp ?? ''}`;
        let verdict = verdicts.get(key);
        if (verdict === undefined) {
          verdict = Promise.resolve()
            .then(() => revalidate(principal))
            .then(
              (ok) => ok,
              (err: unknown) => {
                // The client is kept: a failing check (registry locked, disk error) says nothing about the
                // credentials, and disconnecting every gateway of the hospital because of it would turn a
                // registry hiccup into a location outage and a reconnect storm. New CONNECTs still go through the
                // authenticator, and the next pass retries.
                logger.error({ err, principal: principalLabel(principal) }, 'credential revalidation failed; client kept until the next check');
                return 'error' as const;
              },
            );
          verdicts.set(key, verdict);
        }
        if ((await verdict) !== false || client.closed) return false;
        counters.revoked++;
        logger.warn({ peer: peerOf(client), clientId: client.id, principal: principalLabel(principal) }, 'credentials revoked; client disconnected');
        client.close();
        return true;
      }),
    );
    return results.filter(Boolean).length;
  };
  let periodic: Promise<number> | null = null;
  const revalidateTimer = options.revalidate
    ? setInterval(() => {
        // A pass still running (a slow registry) is not stacked on.
        periodic ??= revalidatePass().finally(() => (periodic = null));
      }, config.revalidateIntervalMs)
    : null;
  // Must not keep a process alive that has nothing else to do.
  revalidateTimer?.unref();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      if (revalidateTimer) clearInterval(revalidateTimer);
      const serversClosed = servers.map(closeServer);
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
    tlsPort,
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
        clientIdRejected: counters.clientIdRejected,
        retainStripped: counters.retainStripped,
        revoked: counters.revoked,
        lockedOut: counters.lockedOut,
      };
    },
    revalidateNow: revalidatePass,
    close,
  };
}
