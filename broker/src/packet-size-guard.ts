/**
 * Enforces the largest MQTT packet a client may send, before the packet is buffered.
 *
 * Why here: neither Aedes 1.x nor mqtt-packet has a packet-size option (`mqtt.parser()` is built without settings),
 * and mqtt-packet keeps appending bytes until a whole packet has arrived, so one client declaring a 256 MB remaining
 * length could make the broker buffer 256 MB. The guard sits between the transport (TCP socket or WebSocket stream)
 * and Aedes, reads only the fixed header of each packet (MQTT 3.1.1 §2.2: one type byte, then a 1–4 byte
 * "remaining length"), and cuts the connection as soon as a header announces a packet over the limit.
 */
import { Duplex } from 'node:stream';

export type FrameViolation =
  | { reason: 'oversize'; packetBytes: number }
  /** A remaining length with a continuation bit on its 4th byte (MQTT 3.1.1 §2.2.3 allows at most 4 bytes). */
  | { reason: 'malformed' };

const HEADER = 0;
const LENGTH = 1;
const BODY = 2;

/** Walks MQTT packet boundaries in a byte stream, looking only at fixed headers (pure, no I/O). */
export class MqttFrameScanner {
  private state = HEADER;
  private remaining = 0;
  private lengthValue = 0;
  private lengthMultiplier = 1;
  private lengthBytes = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Feed the next chunk of the stream; returns the first violation in it, or null. */
  feed(chunk: Uint8Array): FrameViolation | null {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.state === BODY) {
        const take = Math.min(this.remaining, n - i);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = HEADER;
        continue;
      }
      const b = chunk[i++]!;
      if (this.state === HEADER) {
        this.state = LENGTH;
        this.lengthValue = 0;
        this.lengthMultiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.lengthValue += (b & 0x7f) * this.lengthMultiplier;
      this.lengthBytes++;
      if (b & 0x80) {
        if (this.lengthBytes === 4) return { reason: 'malformed' };
        this.lengthMultiplier *= 128;
        continue;
      }
      const packetBytes = 1 + this.lengthBytes + this.lengthValue;
      if (packetBytes > this.maxPacketBytes) return { reason: 'oversize', packetBytes };
      if (this.lengthValue === 0) {
        this.state = HEADER;
      } else {
        this.state = BODY;
        this.remaining = this.lengthValue;
      }
    }
    return null;
  }
}

/** The error a guarded connection is destroyed with; `violation` says why. */
export class PacketLimitError extends Error {
  constructor(readonly violation: FrameViolation, maxPacketBytes: number) {
    super(
      violation.reason === 'oversize'
        ? `MQTT packet of ${violation.packetBytes} bytes exceeds the ${maxPacketBytes}-byte limit`
        : 'malformed MQTT remaining length (more than 4 bytes)',
    );
    this.name = 'PacketLimitError';
  }
}

/**
 * A duplex Aedes can `handle()`: reads come from `inner` after the scanner has seen them, writes go straight to
 * `inner`. Backpressure is passed through both ways (a full inner socket makes this stream's write() return false,
 * which is what Aedes' drain timeout watches).
 */
export class PacketSizeGuard extends Duplex {
  private readonly scanner: MqttFrameScanner;
  private pendingWrite: ((err?: Error | null) => void) | null = null;
  private violated = false;

  constructor(
    private readonly inner: Duplex,
    private readonly maxPacketBytes: number,
    private readonly onViolation: (violation: FrameViolation) => void,
    /** Peer address for logs. */
    readonly peer: string,
  ) {
    super({ allowHalfOpen: false });
    this.scanner = new MqttFrameScanner(maxPacketBytes);
    inner.on('data', (chunk: Buffer) => this.onData(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
    inner.on('drain', () => {
      const cb = this.pendingWrite;
      this.pendingWrite = null;
      cb?.();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.violated) return;
    const violation = this.scanner.feed(chunk);
    if (violation) {
      this.violated = true;
      this.onViolation(violation);
      this.destroy(new PacketLimitError(violation, this.maxPacketBytes));
      return;
    }
    if (!this.push(chunk)) this.inner.pause();
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner.write(chunk)) cb();
    else this.pendingWrite = cb;
  }

  /** mqtt-packet corks the stream around each packet's parts; pass them to the socket as one write. */
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.inner.cork();
    let ok = true;
    for (const c of chunks) ok = this.inner.write(c.chunk);
    this.inner.uncork();
    if (ok) cb();
    else this.pendingWrite = cb;
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.pendingWrite = null;
    if (!this.inner.destroyed) this.inner.destroy();
    cb(err);
  }
}
