/**
 * Every procedure xcflow can run, as registered with the engine (`createEngine({ procedures })`).
 */
import type { CloudClients } from '../src/cloud/index.ts';
import type { ProcedureDefinition } from '../src/engine/types.ts';
import { migrateVbrToCen } from './migrate-vbr-to-cen/index.ts';
import { migrateVpcToCen } from './migrate-vpc-to-cen/index.ts';
import { rollbackMigration } from './rollback-migration/index.ts';

/** The registered procedures. */
export const procedures: ProcedureDefinition<CloudClients>[] = [migrateVpcToCen, migrateVbrToCen, rollbackMigration];
