/**
 * Every procedure xcflow can run, as registered with the engine (`createEngine({ procedures })`).
 */
import type { CloudClients } from '../src/cloud/index.ts';
import type { ProcedureDefinition } from '../src/engine/types.ts';
import { removeMigrationLeftovers } from './health-audit/cleanup/index.ts';
import { createHealthAudit, type HealthAuditServices } from './health-audit/index.ts';
import { migrateVbrToCen } from './migrate-vbr-to-cen/index.ts';
import { migrateVpcToCen } from './migrate-vpc-to-cen/index.ts';
import { rollbackMigration } from './rollback-migration/index.ts';

/** The registered procedures that need nothing but the cloud clients. */
export const procedures: ProcedureDefinition<CloudClients>[] = [migrateVpcToCen, migrateVbrToCen, rollbackMigration, removeMigrationLeftovers];

/**
 * Every procedure, the `health-audit` included. The audit also needs the store and the engine,
 * which are built from this list: pass a function that returns them once they exist (see
 * `workflows/health-audit/index.ts`).
 */
export function allProcedures(auditServices: () => HealthAuditServices): ProcedureDefinition<CloudClients>[] {
  return [...procedures, createHealthAudit(auditServices)];
}
