import { createSignal, type Accessor } from 'solid-js';
import type { AuditRecord, AuditVerifyResult } from '@rtls/protocol';
import type { AuditQuery } from '../api/client.ts';
import type { LoadState } from './floors.ts';

export const AUDIT_PAGE_SIZE = 200;

/**
 * The audit log search (issue #6 item 4: "an admin page to search it"): newest first, paged backwards by seq
 * (`before`), and the hash-chain verification.
 */
export interface AuditSlice {
  records: Accessor<readonly AuditRecord[]>;
  state: Accessor<LoadState>;
  error: Accessor<string | null>;
  /** Whether older records may exist (the last page came back full). */
  more: Accessor<boolean>;
  /** A new search: the query it answers, so a late answer to an older query is dropped. */
  begin(q: AuditQuery): void;
  /** A page for query `q`; `append` for "load older". */
  page(q: AuditQuery, records: readonly AuditRecord[], append: boolean): void;
  failed(q: AuditQuery, message: string): void;
  /** `before` for the next older page: the smallest seq shown. */
  nextBefore(): number | undefined;
  verify: Accessor<{ state: LoadState; result: AuditVerifyResult | null; error: string | null }>;
  setVerify(v: { state: LoadState; result: AuditVerifyResult | null; error: string | null }): void;
}

const key = (q: AuditQuery) => JSON.stringify({ ...q, before: undefined });

export function createAuditSlice(): AuditSlice {
  const [records, setRecords] = createSignal<readonly AuditRecord[]>([]);
  const [state, setState] = createSignal<LoadState>('idle');
  const [error, setError] = createSignal<string | null>(null);
  const [more, setMore] = createSignal(false);
  const [verify, setVerify] = createSignal<{ state: LoadState; result: AuditVerifyResult | null; error: string | null }>({ state: 'idle', result: null, error: null });
  let current = '';
  return {
    records,
    state,
    error,
    more,
    begin(q) {
      current = key(q);
      setState('loading');
      setError(null);
    },
    page(q, page, append) {
      if (key(q) !== current) return;
      const seen = append ? new Set(records().map((r) => r.seq)) : new Set<number>();
      const merged = append ? [...records(), ...page.filter((r) => !seen.has(r.seq))] : [...page];
      setRecords(merged.sort((a, b) => b.seq - a.seq));
      setMore(page.length >= (q.limit ?? AUDIT_PAGE_SIZE));
      setState('ready');
    },
    failed(q, message) {
      if (key(q) !== current) return;
      setState('error');
      setError(message);
    },
    nextBefore() {
      const r = records();
      return r.length === 0 ? undefined : Math.min(...r.map((x) => x.seq));
    },
    verify,
    setVerify,
  };
}
