import { describe, expect, it } from 'vitest';
import type { Floor } from '@rtls/protocol';
import { createConnectionSlice } from '../src/stores/connection.ts';
import { createFloorsSlice } from '../src/stores/floors.ts';
import { createTagsSlice, type TagsChange } from '../src/stores/tags.ts';
import { ago } from '../src/format.ts';
import { fix, T0, tagId, tagInfo } from './fixtures.ts';

describe('store slices', () => {
  it('tags: a REST result never replaces a newer live fix, and listeners get each batch once', () => {
    const tags = createTagsSlice();
    const seen: TagsChange[] = [];
    tags.subscribe((c) => seen.push(c));
    tags.replaceAll([tagInfo(1, 'equipment')]);
    tags.applyFixes([fix(1, { t: T0 + 5000, x: 50 })]);
    tags.upsertInfo(tagInfo(1, 'equipment', { lastFix: fix(1, { t: T0 + 1000, x: 1 }), battery: 40, label: 'Renamed' }));
    const t = tags.get(tagId(1))!;
    expect(t.fix?.x).toBe(50);
    expect(t.battery).toBe(40);
    expect(t.summary.label).toBe('Renamed');
    expect(seen.map((c) => c.kind)).toEqual(['reset', 'fixes', 'fixes']);
  });

  it('tags: a snapshot replaces everything known before (a floor switch drops the old floor)', () => {
    const tags = createTagsSlice();
    tags.replaceAll([tagInfo(1, 'equipment'), tagInfo(2, 'patient')]);
    tags.replaceAll([tagInfo(3, 'unknown', { lastFix: fix(3, { floor: 'L1' }) })]);
    expect(tags.size()).toBe(1);
    expect(tags.onFloor('L0')).toEqual([]);
    expect(tags.countsByKind('L1').unknown).toBe(1);
    expect(tags.onFloor(null)).toEqual([]);
  });

  it('floors: sorted by level, room names resolved from the loaded plan', () => {
    const floors = createFloorsSlice();
    const base = { elevationM: 0, heightM: 4, widthM: 50, depthM: 30 };
    floors.setList([{ id: 'L1', name: 'First', level: 1, ...base }, { id: 'B1', name: 'Basement', level: -1, ...base }, { id: 'L0', name: 'Ground', level: 0, ...base }]);
    expect(floors.list().map((f) => f.id)).toEqual(['B1', 'L0', 'L1']);
    const plan: Floor = {
      id: 'L0', name: 'Ground', level: 0, ...base,
      plan: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { kind: 'room', id: 'r-101', name: 'ICU bay 1', zoneType: 'icu-bay' }, geometry: { type: 'Polygon', coordinates: [[[0, 0], [5, 0], [5, 5], [0, 0]]] } }] },
    };
    floors.setPlan(plan);
    expect(floors.plans().get('L0')).toBe(plan);
    expect(floors.roomName('L0', 'r-101')).toBe('ICU bay 1');
    expect(floors.roomName('L0', 'r-999')).toBeNull();
    expect(floors.roomName('L1', 'r-101')).toBeNull();
  });

  it('connection: live resets attempts; an outage keeps its start time across attempts', () => {
    const c = createConnectionSlice(T0);
    expect(c.status()).toMatchObject({ state: 'connecting', since: T0 });
    c.live(T0 + 10);
    c.disconnected(T0 + 100, T0 + 600);
    c.connecting(T0 + 600);
    c.disconnected(T0 + 700, T0 + 1700);
    expect(c.status()).toEqual({ state: 'disconnected', since: T0 + 100, attempts: 2, nextRetryAt: T0 + 1700 });
    c.live(T0 + 2000);
    expect(c.status()).toEqual({ state: 'live', since: T0 + 2000, attempts: 0, nextRetryAt: null });
  });

  it('formats last-seen times coarsely', () => {
    expect(ago(T0 - 3_400, T0)).toBe('3 s ago');
    expect(ago(T0 - 125_000, T0)).toBe('2 min ago');
    expect(ago(T0 - 3 * 3_600_000, T0)).toBe('3 h ago');
    expect(ago(T0 - 3 * 86_400_000, T0)).toBe('3 d ago');
    expect(ago(T0 + 5_000, T0)).toBe('0 s ago');
    expect(ago(null, T0)).toBe('never');
  });
});
