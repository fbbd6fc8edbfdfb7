import { describe, expect, it } from 'vitest';
import { MqttFrameScanner } from '../src/packet-size-guard.ts';
import { connectPacket, publishPacket, remainingLength } from './helpers.ts';

const bytes = (...parts: Buffer[]) => Buffer.concat(parts);

describe('MqttFrameScanner', () => {
  it('accepts a stream of packets under the limit, whatever the chunking', () => {
    const stream = bytes(
      connectPacket('c', 'u', 'p'),
      publishPacket('a/b', Buffer.alloc(300, 1)), // two-byte remaining length
      Buffer.from([0xc0, 0x00]), // PINGREQ: no body
      publishPacket('a/b', Buffer.alloc(900, 2)),
    );
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const s = new MqttFrameScanner(1024);
      for (let i = 0; i < stream.length; i += size) expect(s.feed(stream.subarray(i, i + size))).toBeNull();
    }
  });

  it('reports an oversize packet from its header alone, even split byte by byte', () => {
    const ok = publishPacket('t', Buffer.alloc(10));
    const header = bytes(Buffer.from([0x30]), remainingLength(2000));
    const s = new MqttFrameScanner(1024);
    expect(s.feed(ok)).toBeNull();
    expect(s.feed(header.subarray(0, 2))).toBeNull();
    expect(s.feed(header.subarray(2))).toEqual({ reason: 'oversize', packetBytes: 1 + 2 + 2000 });
  });

  it('counts the fixed header in the packet size', () => {
    // 1 type byte + 2 length bytes + 1021 = 1024 bytes exactly: allowed; one more is not.
    expect(new MqttFrameScanner(1024).feed(bytes(Buffer.from([0x30]), remainingLength(1021)))).toBeNull();
    expect(new MqttFrameScanner(1024).feed(bytes(Buffer.from([0x30]), remainingLength(1022)))).toMatchObject({ reason: 'oversize' });
  });

  it('reports a remaining length longer than four bytes as malformed', () => {
    expect(new MqttFrameScanner(1 << 30).feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toEqual({ reason: 'malformed' });
  });
});
