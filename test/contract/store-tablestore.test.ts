/**
 * The shared ExecutionStore contract on the Tablestore backend, through the real `tablestore` SDK
 * to the local wire-protocol stand-in (one fresh stand-in per case, so every store starts empty).
 */
import { runStoreContract } from './store.case.ts';
import { createTablestoreStore } from '../../src/store/tablestore.ts';
import { startTablestoreStandin } from '../support/tablestore/server.ts';

const credentials = { accessKeyId: 'LTAI-test', accessKeySecret: 'test-secret', instanceName: 'xcflow-test' };

runStoreContract({
  name: 'tablestore (stand-in)',
  newStore: async () => {
    // Each new table refuses its first data request with OTSTableNotReady, as a fresh real table may.
    const standin = await startTablestoreStandin({ ...credentials, tableNotReadyRequests: 1 });
    const store = createTablestoreStore({ ...credentials, endpoint: standin.endpoint, instanceName: credentials.instanceName, retry: { baseMs: 1, maxMs: 5 } });
    const closeStore = store.close.bind(store);
    store.close = async () => {
      await closeStore();
      await standin.close();
    };
    return store;
  },
});
