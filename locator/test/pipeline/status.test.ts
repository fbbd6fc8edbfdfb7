import { describe, expect, it } from 'vitest';
import { decodeStatus } from '../../src/ingest/status.ts';
import { routeTopic } from '../../src/ingest/topic-router.ts';
import { T0, bytes } from './helpers.ts';

describe('topic router', () => {
  it('routes reads and status topics and names everything else unknown', () => {
    expect(routeTopic('rtls/v1/gw/gw-1/reads')).toEqual({ kind: 'reads', gatewayId: 'gw-1' });
    expect(routeTopic('rtls/v1/gw/gw-1/status')).toEqual({ kind: 'status', gatewayId: 'gw-1' });
    for (const t of ['rtls/v1/gw/gw-1/other', 'rtls/v1/gw/+/reads', 'foo', 'rtls/v1/gw/gw-1/reads/extra', '']) {
      expect(routeTopic(t)).toEqual({ kind: 'unknown-topic' });
    }
  });
});

describe('gateway status', () => {
  it('accepts birth, heartbeat and last-will messages', () => {
    for (const s of [
      { gw: 'gw-1', state: 'online', t: T0, fw: '1.2.3', uptimeS: 10 },
      { gw: 'gw-1', state: 'online' },
      { gw: 'gw-1', state: 'offline' },
    ]) {
      expect(decodeStatus(bytes(s), 'gw-1')).toEqual({ ok: true, status: s });
    }
  });

  it('rejects bad status messages with the right reason and the field named', () => {
    const cases: [unknown, string, RegExp][] = [
      ['not json', 'not-json', /JSON/],
      [{ gw: 'gw-1', state: 'sleeping' }, 'schema', /^state: /],
      [{ gw: 'gw-1', state: 'online', uptimeS: -1 }, 'schema', /^uptimeS: /],
      [{ gw: 'gw-2', state: 'online' }, 'gateway-mismatch', /gw-2/],
    ];
    for (const [payload, reason, message] of cases) {
      const r = decodeStatus(bytes(payload), 'gw-1');
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.reason).toBe(reason);
      expect(r.errors.join('\n')).toMatch(message);
    }
  });
});
