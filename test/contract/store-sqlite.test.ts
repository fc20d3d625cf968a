import { runStoreContract } from './store.case.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';

runStoreContract({ name: 'sqlite', newStore: async () => new SqliteStore(':memory:') });
