import { describe, expect, it } from 'vitest';
import { LIMITS, ReadBatchSchema } from '@rtls/protocol';
import { decodeNative } from '../../src/ingest/decoders/native.ts';
import { decoderFor } from '../../src/ingest/decoders/index.ts';
import { T0, bytes } from './helpers.ts';

const ctx = { topicGatewayId: 'gw-1', receivedAt: T0 };
const good = {
  gw: 'gw-1',
  seq: 7,
  t: T0,
  reads: [
    { tag: 'ble:AABBCCDDEEFF', rssi: -61, bat: 80 },
    { tag: 'epc:E2801160600002084A1B2C3D', rssi: -50, ant: 2, t: T0 - 100 },
  ],
};

describe('native decoder: golden cases', () => {
  it('accepts a valid batch unchanged', () => {
    const r = decodeNative(bytes(good), ctx);
    expect(r).toEqual({ ok: true, batch: good, rejected: [] });
    if (r.ok) expect(ReadBatchSchema.safeParse(r.batch).success).toBe(true);
  });

  it('is the decoder for the native format; vendor formats have none yet', () => {
    expect(decoderFor('native')).toBe(decodeNative);
    expect(decoderFor('zebra-iotc')).toBeUndefined();
  });

  const whole: [string, Uint8Array, string, RegExp][] = [
    ['not JSON', bytes('{"gw": "gw-1", seq: 1'), 'not-json', /not JSON/],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'not-json', /UTF-8/],
    ['JSON but not an object', bytes('42'), 'schema', /\(root\)/],
    ['seq as a string', bytes({ ...good, seq: '7' }), 'schema', /^seq: /],
    ['time in seconds', bytes({ ...good, t: Math.floor(T0 / 1000) }), 'schema', /^t: .*epoch milliseconds/],
    ['reads not an array', bytes({ ...good, reads: {} }), 'schema', /^reads: /],
    ['unknown field', bytes({ ...good, extra: 1 }), 'schema', /extra/],
    ['gateway mismatch', bytes({ ...good, gw: 'gw-2' }), 'gateway-mismatch', /gw-2.*gw-1/],
    [
      'huge reads array',
      bytes({ ...good, reads: Array.from({ length: LIMITS.maxReadsPerBatch + 1 }, () => good.reads[0]) }),
      'too-many-reads',
      /1001 reads/,
    ],
    ['payload too large', new Uint8Array(LIMITS.maxPacketBytes + 1).fill(0x20), 'payload-too-large', /bytes/],
  ];
  for (const [name, payload, reason, message] of whole) {
    it(`rejects the whole message: ${name} → ${reason}`, () => {
      const r = decodeNative(payload, ctx);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.reason).toBe(reason);
      expect(r.errors.join('\n')).toMatch(message);
    });
  }

  const perRead: [string, unknown, RegExp][] = [
    ['positive absurd rssi', { tag: 'ble:AABBCCDDEEFF', rssi: 40 }, /^reads\[1\]\.rssi: /],
    ['absurdly negative rssi', { tag: 'ble:AABBCCDDEEFF', rssi: -500 }, /^reads\[1\]\.rssi: /],
    ['rssi as a string', { tag: 'ble:AABBCCDDEEFF', rssi: '-60' }, /^reads\[1\]\.rssi: /],
    ['bad tag id', { tag: 'ble:XYZ', rssi: -60 }, /^reads\[1\]\.tag: /],
    ['lower-case MAC', { tag: 'ble:aabbccddeeff', rssi: -60 }, /^reads\[1\]\.tag: /],
    ['unknown read field', { tag: 'ble:AABBCCDDEEFF', rssi: -60, snr: 3 }, /snr/],
  ];
  for (const [name, bad, message] of perRead) {
    it(`drops only the bad read: ${name} → schema, naming the field`, () => {
      const r = decodeNative(bytes({ ...good, reads: [good.reads[0], bad, good.reads[1]] }), ctx);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.batch.reads).toEqual(good.reads);
      expect(r.rejected).toHaveLength(1);
      expect(r.rejected[0]!.index).toBe(1);
      expect(r.rejected[0]!.reason).toBe('schema');
      expect(r.rejected[0]!.errors.join('\n')).toMatch(message);
    });
  }

  it('accepts the next valid batch after a run of bad ones (no state is poisoned)', () => {
    for (const p of [bytes('nope'), bytes({ ...good, gw: 'other' }), bytes({ ...good, reads: 1 })]) {
      expect(decodeNative(p, ctx).ok).toBe(false);
    }
    expect(decodeNative(bytes({ ...good, seq: 8 }), ctx).ok).toBe(true);
  });
});
