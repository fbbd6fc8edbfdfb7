import { describe, expect, it } from 'vitest';
import { LlrpFrameReader, LlrpFramingError, readLlrpHeader } from '../src/llrp-framing.ts';

/** A version-1 LLRP message of `typeNum` with `body`. */
function frame(typeNum: number, id: number, body: number[] = []): Buffer {
  const b = Buffer.alloc(10 + body.length);
  b.writeUInt16BE((1 << 10) | typeNum, 0);
  b.writeUInt32BE(b.length, 2);
  b.writeUInt32BE(id, 6);
  Buffer.from(body).copy(b, 10);
  return b;
}

describe('LlrpFrameReader', () => {
  it('returns every whole message in one chunk (llrpjs returns only the first)', () => {
    const r = new LlrpFrameReader(1024);
    const a = frame(62, 1);
    const b = frame(61, 2, [1, 2, 3]);
    const c = frame(63, 3);
    expect(r.push(Buffer.concat([a, b, c]))).toEqual([a, b, c]);
    expect(r.pendingBytes).toBe(0);
  });

  it('reassembles a message delivered one byte at a time', () => {
    const r = new LlrpFrameReader(1024);
    const m = frame(61, 7, [9, 8, 7, 6, 5]);
    const got: Buffer[] = [];
    for (const byte of m) got.push(...r.push(Buffer.from([byte])));
    expect(got).toEqual([m]);
  });

  it('keeps a partial message until the rest arrives', () => {
    const r = new LlrpFrameReader(1024);
    const a = frame(62, 1);
    const b = frame(61, 2, [1, 2, 3, 4]);
    const both = Buffer.concat([a, b]);
    expect(r.push(both.subarray(0, 15))).toEqual([a]);
    expect(r.pendingBytes).toBe(5);
    expect(r.push(both.subarray(15))).toEqual([b]);
  });

  it('decodes the header fields', () => {
    expect(readLlrpHeader(frame(61, 0xdeadbeef, [0, 0]))).toEqual({ version: 1, typeNum: 61, length: 12, id: 0xdeadbeef });
  });

  it('refuses a stream it cannot frame: unknown version, length shorter than the header, or too long', () => {
    const badVersion = frame(61, 1);
    badVersion.writeUInt16BE((5 << 10) | 61, 0);
    expect(() => new LlrpFrameReader(1024).push(badVersion)).toThrow(LlrpFramingError);
    const short = frame(61, 1);
    short.writeUInt32BE(4, 2);
    expect(() => new LlrpFrameReader(1024).push(short)).toThrow(/shorter than its header/);
    const long = frame(61, 1);
    long.writeUInt32BE(4096, 2);
    expect(() => new LlrpFrameReader(1024).push(long)).toThrow(/exceeds 1024/);
  });
});
