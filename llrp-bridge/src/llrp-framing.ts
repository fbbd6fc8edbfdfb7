/**
 * Splits an LLRP byte stream into whole messages (LLRP: a 10-byte header — 3 reserved bits, 3-bit version,
 * 10-bit type, u32 length of the whole message, u32 message id — then the parameters). Pure: bytes in, frames out.
 *
 * Why our own: llrpjs's socket wrapper decodes only the FIRST message of each TCP chunk and keeps the rest buffered
 * until more bytes arrive, so a reader that writes a burst (a report and a keepalive, or one report per tag) falls
 * further behind with every burst. Here every complete message in the buffer is returned at once.
 */

export const LLRP_HEADER_BYTES = 10;

/** Versions a reader may send: 1 (LLRP 1.0.1) and 2 (LLRP 1.1, only after GET_SUPPORTED_VERSION, which we never send). */
const KNOWN_VERSIONS = new Set([1, 2]);

export interface LlrpFrameHeader {
  version: number;
  typeNum: number;
  length: number;
  id: number;
}

/** The stream cannot be framed any more (garbage where a header should be): the connection must be dropped. */
export class LlrpFramingError extends Error {
  override readonly name = 'LlrpFramingError';
}

export function readLlrpHeader(buf: Uint8Array, offset = 0): LlrpFrameHeader {
  const view = new DataView(buf.buffer, buf.byteOffset + offset, LLRP_HEADER_BYTES);
  const first = view.getUint16(0);
  return {
    version: (first >> 10) & 0x7,
    typeNum: first & 0x3ff,
    length: view.getUint32(2),
    id: view.getUint32(6),
  };
}

export class LlrpFrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** @param maxMessageBytes a length field above this is treated as a corrupt stream rather than buffered. */
  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes held waiting for the rest of a message. */
  get pendingBytes(): number {
    return this.buf.length;
  }

  /** Adds received bytes; returns every complete message now available, in order. Throws LlrpFramingError. */
  push(chunk: Uint8Array): Buffer[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const frames: Buffer[] = [];
    let at = 0;
    while (this.buf.length - at >= LLRP_HEADER_BYTES) {
      const h = readLlrpHeader(this.buf, at);
      if (!KNOWN_VERSIONS.has(h.version)) throw new LlrpFramingError(`unsupported LLRP version ${h.version} (type ${h.typeNum})`);
      if (h.length < LLRP_HEADER_BYTES) throw new LlrpFramingError(`LLRP message length ${h.length} is shorter than its header`);
      if (h.length > this.maxMessageBytes) throw new LlrpFramingError(`LLRP message length ${h.length} exceeds ${this.maxMessageBytes} bytes`);
      if (this.buf.length - at < h.length) break;
      // A copy, so a frame kept by a consumer does not pin the whole receive buffer.
      frames.push(Buffer.from(this.buf.subarray(at, at + h.length)));
      at += h.length;
    }
    this.buf = at === 0 ? this.buf : Buffer.from(this.buf.subarray(at));
    return frames;
  }
}
