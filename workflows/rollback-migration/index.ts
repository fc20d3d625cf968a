/**
 * `rollback-migration` (seed 5.3): undoes a migration on request, in either mode, idempotently
 * (every undo step reads first; what is already back counts as done). Build its params from a
 * migration execution with `rollbackParamsFromExecution`, or write the undo list by hand.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import type { JsonObject, ProcedureDefinition } from '../../src/engine/types.ts';
import { effects } from './effects.ts';
import { rollbackMigrationMachine } from './machine.ts';
import { parseRollbackParams, rollbackParamsSchema } from './params.ts';

export { rollbackParamsFromExecution, parseRollbackParams } from './params.ts';
export type { RollbackParams } from './params.ts';

/** Procedure id. */
export const ROLLBACK_MIGRATION = 'rollback-migration';

function locks(params: JsonObject): string[] {
  const out = new Set<string>();
  for (const c of parseRollbackParams(params).compensations) {
    if ('cenId' in c) out.add(`cen:${c.cenId}`);
    if ('vbrId' in c) out.add(`vbr:${c.vbrId}`);
    if ('routeTableId' in c) out.add(`route-table:${c.routeTableId}`);
  }
  return [...out];
}

/** The procedure as registered with the engine. */
export const rollbackMigration: ProcedureDefinition<CloudClients> = {
  id: ROLLBACK_MIGRATION,
  version: 1,
  title: 'Roll back a migration to CEN',
  seedChapter: '5.3',
  description:
    'Re-adds the deleted peering routes (smooth: around the halves of the CEN routes they block, so traffic keeps its path), removes the added routes, re-advertises or withdraws BGP networks, detaches what was attached and restores health checks, then verifies the flows.',
  paramsSchema: rollbackParamsSchema,
  machine: rollbackMigrationMachine,
  effects,
  validate: async (params) => {
    parseRollbackParams(params);
  },
  locks,
};
