/**
 * `cloud-service-access` (seed chapter 1) under faults: throttling with TaskConflict and
 * OperationConflict on the VBR route writes, every delivery duplicated, the runner SIGKILLed at a
 * sample of step boundaries, and a permanent error on each route write in turn. See
 * `support/procedure-faults.case.ts`.
 */
import { CLOUD_ACCESS } from './support/procedure-faults.ts';
import { runProcedureFaultSuite } from './support/procedure-faults.case.ts';

runProcedureFaultSuite({
  case: CLOUD_ACCESS,
  faults: { seed: 12, throttlingRate: 0.3, taskConflictRate: 0.3, failures: [{ action: 'CreateRouteEntry', code: 'OperationConflict', times: 2 }] },
  injected: ['30% throttling plus TaskConflict and OperationConflict on writes', (n) => (n['Throttling.User'] ?? 0) >= 3 && (n.TaskConflict ?? 0) >= 1 && n.OperationConflict === 2],
  kills: {
    label: 'a sample of step boundaries (each route added, the first one Available, the verification)',
    select: (boundaries) => boundaries.flatMap((b, i) => (b === 'AddingServiceRoute' || b === 'VerifyingServiceAccess' || (b === 'AwaitingServiceRouteAvailable' && boundaries.indexOf(b) === i) ? [i + 1] : [])),
  },
  rollsBack: true,
});
