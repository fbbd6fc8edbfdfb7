import { describe, expect, it } from 'vitest';
import {
  ERRORS, FixSchema, FloorPlanSchema, GatewayStatusSchema, LiveClientMessageSchema, LiveServerMessageSchema,
  ReadBatchSchema, RtlsError, SiteFileSchema, parseWith,
} from '../src/index.ts';
import { invalidBatches, validBatches } from './fixtures/batches.ts';

const T = 1_763_900_000_000;

describe('ReadBatchSchema fixtures', () => {
  it.each(validBatches)('accepts: $name', ({ value }) => {
    const r = parseWith(ReadBatchSchema, value);
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it.each(invalidBatches)('rejects $name naming $field', ({ value, field }) => {
    const r = parseWith(ReadBatchSchema, value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.some((e) => e.startsWith(`${field}:`) || e.startsWith(`${field}`))).toBe(true);
  });
});

describe('GatewayStatusSchema', () => {
  it('accepts birth and last-will messages', () => {
    expect(GatewayStatusSchema.safeParse({ gw: 'g1', state: 'online', t: T, fw: '1.2.3', uptimeS: 5 }).success).toBe(true);
    expect(GatewayStatusSchema.safeParse({ gw: 'g1', state: 'offline' }).success).toBe(true);
  });
  it('rejects an unknown state naming the field', () => {
    const r = parseWith(GatewayStatusSchema, { gw: 'g1', state: 'sleepy' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^state:/);
  });
});

const fix = {
  tag: 'ble:AABBCCDDEEFF', t: T, floor: 'L0', x: 12.5, y: 3.25, accuracyM: 2.1, confidence: 0.8,
  room: 'L0-icu-bay-1', zones: ['L0-exit-zone-a'], method: 'ble-wls', evidence: [{ gw: 'L0-ble-1', rssi: -61, n: 4 }],
};

describe('FixSchema', () => {
  it('accepts a full fix and a fix between rooms', () => {
    expect(FixSchema.safeParse(fix).success).toBe(true);
    expect(FixSchema.safeParse({ ...fix, room: null, zones: [] }).success).toBe(true);
  });
  it.each([
    ['confidence', { confidence: 1.5 }],
    ['accuracyM', { accuracyM: -1 }],
    ['x', { x: Number.NaN }],
    ['method', { method: 'guess' }],
    ['evidence[0].gw', { evidence: [{ gw: 'bad gw', rssi: -60, n: 1 }] }],
  ])('rejects a bad %s', (field, patch) => {
    const r = parseWith(FixSchema, { ...fix, ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.some((e) => e.startsWith(`${field}:`))).toBe(true);
  });
});

describe('floor plans', () => {
  const square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
  const plan = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { kind: 'outline' }, geometry: { type: 'Polygon', coordinates: [square] } },
      { type: 'Feature', properties: { kind: 'room', id: 'r1', name: 'Bay 1', zoneType: 'icu-bay', unit: 'icu' }, geometry: { type: 'Polygon', coordinates: [square] } },
      { type: 'Feature', properties: { kind: 'wall', attenuationDb: 5 }, geometry: { type: 'LineString', coordinates: [[0, 0], [10, 0]] } },
      { type: 'Feature', properties: { kind: 'door', id: 'd1', connects: ['r1', 'outside'], exit: true }, geometry: { type: 'LineString', coordinates: [[4, 0], [5, 0]] } },
      { type: 'Feature', properties: { kind: 'gateway', id: 'gw1', tech: 'ble', format: 'native', mountHeightM: 2.7, room: 'r1' }, geometry: { type: 'Point', coordinates: [5, 5] } },
    ],
  };
  it('accepts a minimal valid plan', () => {
    const r = parseWith(FloorPlanSchema, plan);
    expect(r.ok ? [] : r.errors).toEqual([]);
  });
  it('rejects an open ring, naming the feature', () => {
    const bad = structuredClone(plan);
    (bad.features[1]!.geometry.coordinates as number[][][])[0]!.pop();
    const r = parseWith(FloorPlanSchema, bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/features\[1\]/);
  });
  it('rejects a wall without attenuation', () => {
    const bad = structuredClone(plan) as { features: Array<{ properties: Record<string, unknown> }> };
    delete bad.features[2]!.properties.attenuationDb;
    const r = parseWith(FloorPlanSchema, bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/features\[2\]/);
  });
  it('site file defaults verticals to []', () => {
    const r = SiteFileSchema.parse({ id: 's', name: 'S', floors: [{ id: 'L0', name: 'G', level: 0, elevationM: 0, heightM: 4, widthM: 10, depthM: 10, file: 'L0.geojson' }] });
    expect(r.verticals).toEqual([]);
  });
});

describe('live messages', () => {
  it('discriminates server messages by type and rejects unknown types', () => {
    expect(LiveServerMessageSchema.safeParse({ type: 'fixes', t: T, fixes: [fix] }).success).toBe(true);
    expect(LiveServerMessageSchema.safeParse({ type: 'pong', t: T }).success).toBe(true);
    expect(LiveServerMessageSchema.safeParse({ type: 'teleport', t: T }).success).toBe(false);
  });
  it('accepts subscribe with null (all floors) and rejects a bad floor id', () => {
    expect(LiveClientMessageSchema.safeParse({ type: 'subscribe', floors: null }).success).toBe(true);
    const r = parseWith(LiveClientMessageSchema, { type: 'subscribe', floors: ['L 0'] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^floors\[0\]:/);
  });
});

describe('error catalogue', () => {
  it('every code has a 4xx/5xx status and RtlsError carries it', () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^RTLS_ERR_[A-Z_]+$/);
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(600);
    }
    const err = new RtlsError('RTLS_ERR_TAG_NOT_FOUND');
    expect(err.status).toBe(404);
    expect(err.toBody()).toEqual({ code: 'RTLS_ERR_TAG_NOT_FOUND', message: 'Tag not found' });
  });
});
