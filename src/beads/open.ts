// The one place a store is opened from configuration. SQLite is loaded with this module (the
// common case, and bd's start-up path); PostgreSQL only when asked for, so `pg` stays unloaded.
import { InternalError } from '../lib/errors.js';
import type { Store, StoreSpec } from './api.js';
import { openSqliteStore } from './sqlite/store.js';

export type { Store, StoreSpec } from './api.js';

export async function openStore(spec: StoreSpec): Promise<Store> {
  switch (spec.kind) {
    case 'sqlite':
      return openSqliteStore(spec.beadsDir, { create: spec.create, prefix: spec.prefix });
    case 'postgres':
      throw new InternalError('the PostgreSQL store is not built yet');
    default:
      throw new InternalError(`unknown store kind ${(spec as { kind: unknown }).kind}`);
  }
}
