/**
 * `physical-connection-redundancy` (seed chapter 6) under faults: throttling with TaskConflict
 * and OperationConflict on the route and health-check writes, every delivery duplicated, the
 * runner SIGKILLed at every step boundary (failover test included), and a permanent error on
 * each write in turn (static and BGP routing). See `support/procedure-faults.case.ts`.
 */
import { test } from 'node:test';
import { REDUNDANCY } from './support/procedure-faults.ts';
import { assertRollbackOnEachWrite, runProcedureFaultSuite } from './support/procedure-faults.case.ts';

runProcedureFaultSuite({
  case: REDUNDANCY,
  faults: {
    seed: 11,
    throttlingRate: 0.3,
    taskConflictRate: 0.3,
    failures: [
      { action: 'CreateRouteEntry', code: 'OperationConflict', times: 2 },
      { action: 'ModifyRouterInterfaceAttribute', code: 'OperationConflict', times: 1 },
    ],
  },
  injected: [
    '30% throttling plus TaskConflict and OperationConflict on writes',
    (n) => (n['Throttling.User'] ?? 0) >= 10 && (n.TaskConflict ?? 0) >= 1 && n.OperationConflict === 3,
  ],
  kills: { label: 'every step boundary', select: (boundaries) => boundaries.map((_, i) => i + 1) },
  rollsBack: true,
});

test('physical-connection-redundancy with BGP: a permanent error on each write (BGP networks and VBR routes too) is rolled back', async () => {
  await assertRollbackOnEachWrite({ ...REDUNDANCY, params: { ...REDUNDANCY.params, routing: 'bgp' } });
});
