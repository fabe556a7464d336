// The store conformance suite (../conformance.ts) on SQLite, as a module of its own so that both
// runtimes run it: node:test through store.test.ts (better-sqlite3), and `bun test` on this file
// (bun:sqlite) from driver-bun.test.ts. Importing it registers nothing; the call does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeConformance } from '../conformance.js';
import { openStore } from '../open.js';
import { openSqliteStore } from './store.js';

export function runSqliteConformance(name = 'sqlite'): void {
  storeConformance(name, async (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), 'beads-conf-'));
    const beadsDir = join(dir, '.beads');
    const store = await openStore({ kind: 'sqlite', beadsDir, create: true, prefix });
    return {
      store,
      openAnother: () => openSqliteStore(beadsDir, { separateConnection: true }),
      dispose: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

// `bun test ./dist/src/beads/sqlite/store-conformance.js` runs the suite on import.
if (process.env.GT_BUN_CONFORMANCE === '1') runSqliteConformance('sqlite under bun');
