import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteHistoryStore } from '../../src/store/sqlite-history-store.ts';
import { describeHistoryStoreContract } from './history-contract.ts';

function make(opts: Parameters<typeof openSqliteHistoryStore>[1] = {}) {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtls-history-contract-'));
    const store = openSqliteHistoryStore(dir, opts);
    return {
      store,
      cleanup: async () => {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

describeHistoryStoreContract('SQLite', make());
// The same behaviour when every flush compacts at once, so reads go through chunks rather than the in-memory tail.
describeHistoryStoreContract('SQLite, compacting every flush', make({ compactFixes: 0 }));
