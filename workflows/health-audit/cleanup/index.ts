/**
 * `remove-migration-leftovers`: deletes the temporary halves a smooth migration left beside an
 * Active CEN route (seed 5.1-6e / 5.2-8f), behind an approval gate, re-adding them if anything
 * fails. The health audit proposes it for `migration-leftovers` findings; it can also be started
 * by hand with the same params.
 */
import type { CloudClients } from '../../../src/cloud/index.ts';
import type { ProcedureDefinition } from '../../../src/engine/types.ts';
import { REMEDIATION_PROCEDURES } from '../remediation-specs.ts';
import { cleanupEffects } from './effects.ts';
import { cleanupMachine } from './machine.ts';
import { cleanupParamsSchema, parseCleanupParams } from './params.ts';

export { parseCleanupParams } from './params.ts';
export type { CleanupParams, LeftoverRoute } from './params.ts';

/** The procedure as registered with the engine. */
export const removeMigrationLeftovers: ProcedureDefinition<CloudClients> = {
  id: REMEDIATION_PROCEDURES.removeLeftovers,
  version: 1,
  title: 'Remove routes a migration left behind',
  seedChapter: '5.1, 5.2',
  description:
    'Checks that the CEN route covering the leftover halves is Active, waits for approval, deletes the halves one at a time (waiting until each is gone), verifies that none is left and the CEN route is still Active; re-adds what it deleted if anything fails.',
  paramsSchema: cleanupParamsSchema,
  machine: cleanupMachine,
  effects: cleanupEffects,
  validate: async (params) => {
    parseCleanupParams(params);
  },
  locks: (params) => {
    const p = parseCleanupParams(params);
    return [`route-table:${p.routeTableId}`, `${p.childInstanceType === 'VPC' ? 'vpc' : 'vbr'}:${p.childInstanceId}`];
  },
};
