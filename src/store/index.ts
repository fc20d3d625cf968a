/** State backends of xcflow: the `ExecutionStore` contract, its embedded SQLite default and the in-memory store. */
export * from './contract.ts';
export { SqliteStore, DEFAULT_SQLITE_PATH, type SqliteStoreOptions } from './sqlite.ts';
export { MemoryStore } from './memory.ts';
