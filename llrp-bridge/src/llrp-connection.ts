/**
 * One TCP connection to an LLRP reader: framing (llrp-framing.ts), llrpjs codec, request/response, KEEPALIVE_ACK,
 * and a silence watchdog. Every message not claimed as a response goes to `onMessage`.
 *
 * Why not llrpjs's LLRPClient: besides decoding only one message per TCP chunk (see llrp-framing.ts), its
 * `transact()` awaits the same already-settled promise in a loop when the first message after a request is not the
 * response (a report or a KEEPALIVE arriving first, routine once a ROSpec runs), which spins the event loop forever.
 * Here a response is matched by its type; anything else keeps flowing to `onMessage` while a request is pending.
 *
 * A message that does not decode is counted and skipped: the frame length is known, so the stream stays in step. A
 * stream that cannot be framed is closed, since every later byte would be misread.
 */
import net from 'node:net';
import { LlrpFrameReader, LlrpFramingError } from './llrp-framing.ts';
import { LlrpCodecError, decodeLlrp, encodeLlrp, type LlrpMessage } from './llrp-codec.ts';

export interface LlrpConnectionOptions {
  host: string;
  port: number;
  /** TCP connect timeout, ms. */
  connectTimeoutMs: number;
  /** Close the connection when nothing has been received for this long, ms (0 = never). */
  silenceTimeoutMs: number;
  /** Largest message accepted, bytes. */
  maxMessageBytes: number;
  /** Aborts a pending connect (the bridge stopping while a reader host does not answer). */
  signal?: AbortSignal;
  onMessage: (m: LlrpMessage) => void;
  /** A received message that llrpjs could not decode (skipped). */
  onUndecodable?: (err: LlrpCodecError) => void;
}

/** The reader answered a request with ERROR_MESSAGE or a non-success LLRPStatus. */
export class LlrpStatusError extends Error {
  override readonly name = 'LlrpStatusError';
  constructor(readonly request: string, readonly statusCode: string, description: string) {
    super(`${request}: reader answered ${statusCode}${description ? ` (${description})` : ''}`);
  }
}

/** The connection closed, or the reader did not answer in time. */
export class LlrpConnectionError extends Error {
  override readonly name = 'LlrpConnectionError';
}

interface Waiter {
  match: (m: LlrpMessage) => boolean;
  resolve: (m: LlrpMessage) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** LLRP message ids are u32; ours start at 1 per connection (0 is what llrpjs's own counter starts with). */
const MAX_MESSAGE_ID = 0xffff_ffff;

export class LlrpConnection {
  /** Resolves with the reason once the connection is closed (by either side); never rejects. */
  readonly closed: Promise<string>;
  private readonly socket: net.Socket;
  private readonly frames: LlrpFrameReader;
  private waiters: Waiter[] = [];
  private nextId = 1;
  private isClosed = false;
  private markClosed!: (reason: string) => void;
  readonly counters = { received: 0, undecodable: 0, keepalives: 0 };

  private constructor(socket: net.Socket, private readonly opts: LlrpConnectionOptions) {
    this.socket = socket;
    this.frames = new LlrpFrameReader(opts.maxMessageBytes);
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
  }

  /** Opens the TCP connection; rejects on refusal or timeout. */
  static connect(opts: LlrpConnectionOptions): Promise<LlrpConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: opts.host, port: opts.port, noDelay: true });
      const conn = new LlrpConnection(socket, opts);
      let settled = false;
      const timer = setTimeout(() => fail(new LlrpConnectionError(`no TCP connection to ${opts.host}:${opts.port} within ${opts.connectTimeoutMs} ms`)), opts.connectTimeoutMs);
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(err);
      };
      const onAbort = () => fail(new LlrpConnectionError('connect aborted'));
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', fail);
      socket.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        socket.off('error', fail);
        conn.attach();
        resolve(conn);
      });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Sends a message that has no response (KEEPALIVE_ACK). */
  send(type: string, data: Record<string, unknown> = {}, id = this.takeId()): void {
    if (this.isClosed) throw new LlrpConnectionError(`cannot send ${type}: connection closed`);
    this.socket.write(encodeLlrp(type, data, id).bytes);
  }

  /**
   * Sends a request and resolves its response. Rejects with LlrpStatusError when the reader answers ERROR_MESSAGE
   * or a response whose LLRPStatus is not M_Success, with LlrpConnectionError on timeout or close.
   */
  async request(type: string, data: Record<string, unknown>, timeoutMs: number): Promise<LlrpMessage> {
    if (this.isClosed) throw new LlrpConnectionError(`cannot send ${type}: connection closed`);
    const id = this.takeId();
    const { bytes, responseType } = encodeLlrp(type, data, id);
    if (!responseType) throw new LlrpConnectionError(`${type} has no response; use send()`);
    // ERROR_MESSAGE is how a reader answers a request it cannot parse; it carries the request's id.
    const reply = this.expect((m) => m.type === responseType || (m.type === 'ERROR_MESSAGE' && m.id === id), timeoutMs, `${responseType} to ${type}`);
    this.socket.write(bytes);
    const rsp = await reply;
    const status = llrpStatus(rsp.data);
    if (rsp.type === 'ERROR_MESSAGE' || (status && status.code !== 'M_Success')) {
      throw new LlrpStatusError(type, status?.code ?? 'unknown', status?.description ?? '');
    }
    return rsp;
  }

  /** Resolves the first message matching `match` (which is then not passed to onMessage). */
  expect(match: (m: LlrpMessage) => boolean, timeoutMs: number, what = 'message'): Promise<LlrpMessage> {
    if (this.isClosed) return Promise.reject(new LlrpConnectionError(`connection closed while waiting for ${what}`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new LlrpConnectionError(`no ${what} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Closes at once (no LLRP goodbye; see LlrpBridge.stop for CLOSE_CONNECTION). */
  close(reason = 'closed by bridge'): void {
    this.shutdown(reason);
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= MAX_MESSAGE_ID ? 1 : this.nextId + 1;
    return id;
  }

  private attach(): void {
    const s = this.socket;
    if (this.opts.silenceTimeoutMs > 0) {
      // Node's idle timer restarts on every read and write; we only write in answer to what we read or while
      // awaiting a response, so it measures how long the reader has been silent.
      s.setTimeout(this.opts.silenceTimeoutMs, () => this.shutdown(`reader silent for ${this.opts.silenceTimeoutMs} ms`));
    }
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('error', (err) => this.shutdown(`socket error: ${err.message}`));
    s.on('close', () => this.shutdown('connection closed by reader'));
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.shutdown(err instanceof LlrpFramingError ? `unframeable LLRP stream: ${err.message}` : String(err));
      return;
    }
    for (const frame of frames) {
      if (this.isClosed) return;
      let m: LlrpMessage;
      try {
        m = decodeLlrp(frame);
      } catch (err) {
        this.counters.undecodable++;
        this.opts.onUndecodable?.(err instanceof LlrpCodecError ? err : new LlrpCodecError(String(err)));
        continue;
      }
      this.counters.received++;
      this.dispatch(m);
    }
  }

  private dispatch(m: LlrpMessage): void {
    if (m.type === 'KEEPALIVE') {
      // The LLRP spec has the client answer every KEEPALIVE with a KEEPALIVE_ACK; the id is echoed like a response's.
      this.counters.keepalives++;
      this.send('KEEPALIVE_ACK', {}, m.id);
      return;
    }
    const i = this.waiters.findIndex((w) => w.match(m));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w!.timer);
      w!.resolve(m);
      return;
    }
    this.opts.onMessage(m);
  }

  private shutdown(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.setTimeout(0);
    this.socket.destroy();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(new LlrpConnectionError(`connection closed (${reason})`));
    }
    this.markClosed(reason);
  }
}

/** The LLRPStatus of a response, if it has one. */
export function llrpStatus(data: Record<string, unknown>): { code: string; description: string } | null {
  const s = data['LLRPStatus'];
  if (typeof s !== 'object' || s === null) return null;
  const { StatusCode, ErrorDescription } = s as Record<string, unknown>;
  return { code: String(StatusCode), description: typeof ErrorDescription === 'string' ? ErrorDescription : '' };
}
