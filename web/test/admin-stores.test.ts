import { describe, expect, it } from 'vitest';
import type { AuditRecord, User } from '@rtls/protocol';
import { auditQueryString } from '../src/api/client.ts';
import { createAuditSlice } from '../src/stores/audit.ts';
import { createUsersSlice } from '../src/stores/users.ts';
import { T0 } from './fixtures.ts';

const record = (seq: number, actor = 'alice'): AuditRecord => ({
  seq, t: T0 + seq, actor, role: 'clinical', action: 'view-location', object: `tag:ble:AC23${String(seq).padStart(8, '0')}`, patients: [],
  source: '10.0.0.5', outcome: 'ok', breakGlass: false, detail: null, prevHash: 'p', hash: 'h',
});
const user = (username: string, over: Partial<User> = {}): User => ({
  username, displayName: username, role: 'biomed', units: [], disabled: false, mustChangePassword: false, createdAt: T0, updatedAt: T0,
  lastLoginAt: null, ...over,
});

describe('audit page slice', () => {
  it('pages backwards by seq: "load older" appends below, never duplicates, and stops when a page comes back short', () => {
    const a = createAuditSlice();
    const q = { actor: 'alice', limit: 3 };
    a.begin(q);
    a.page(q, [record(10), record(9), record(8)], false);
    expect(a.more()).toBe(true);
    expect(a.nextBefore()).toBe(8);
    a.page(q, [record(8), record(7)], true);
    expect(a.records().map((r) => r.seq)).toEqual([10, 9, 8, 7]);
    expect(a.more()).toBe(false);
  });

  it('an answer to an older search is dropped: the table shows what the filters say', () => {
    const a = createAuditSlice();
    const old = { actor: 'alice' };
    const now = { actor: 'bob' };
    a.begin(old);
    a.begin(now);
    a.page(old, [record(5, 'alice')], false);
    expect(a.records()).toEqual([]);
    a.page(now, [record(6, 'bob')], false);
    expect(a.records().map((r) => r.actor)).toEqual(['bob']);
    a.failed(old, 'late failure');
    expect(a.error()).toBeNull();
  });

  it('leaves empty filters out of the query string', () => {
    expect(auditQueryString({ actor: '  ', patient: '', breakGlass: false, limit: 50 })).toBe('?breakGlass=false&limit=50');
    expect(auditQueryString({})).toBe('');
  });
});

describe('users page slice', () => {
  it('keeps the list sorted by username as users are created and changed', () => {
    const u = createUsersSlice();
    u.setList([user('carol'), user('alice')]);
    u.upsert(user('bob'));
    u.upsert(user('alice', { disabled: true }));
    expect(u.list().map((x) => `${x.username}${x.disabled ? '(off)' : ''}`)).toEqual(['alice(off)', 'bob', 'carol']);
  });
});
