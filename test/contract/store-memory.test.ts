import { runStoreContract } from './store.case.ts';
import { MemoryStore } from '../../src/store/memory.ts';

runStoreContract({ name: 'memory', newStore: async () => new MemoryStore() });
