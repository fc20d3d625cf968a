/** State backends of xcflow: the `ExecutionStore` contract and its embedded SQLite default. */
export * from './contract.ts';
export { SqliteStore, DEFAULT_SQLITE_PATH, type SqliteStoreOptions } from './sqlite.ts';
