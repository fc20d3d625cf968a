/**
 * The procedures registry: every procedure (and every still-running old version of one) the
 * runner can execute. Each workflow lives in `workflows/<id>/` (machine.ts, effects.ts, index.ts)
 * and is added here. Test procedures (`test/support/test-machines.ts`) are not registered.
 */
import type { CloudClients } from '../src/cloud/index.ts';
import type { ProcedureDefinition } from '../src/engine/types.ts';
import { cloudServiceAccess } from './cloud-service-access/index.ts';
import { removeMigrationLeftovers } from './health-audit/cleanup/index.ts';
import { createHealthAudit, type HealthAuditServices } from './health-audit/index.ts';
import { linkPerformanceTest } from './link-performance-test/index.ts';
import { migrateVbrToCen } from './migrate-vbr-to-cen/index.ts';
import { migrateVpcToCen } from './migrate-vpc-to-cen/index.ts';
import { physicalConnectionRedundancy } from './physical-connection-redundancy/index.ts';
import { rollbackMigration } from './rollback-migration/index.ts';

/** What workflow effects receive: the cloud clients, observed per effect run. */
export type WorkflowDeps = CloudClients;

/** All registered procedure versions. */
export const procedures: ProcedureDefinition<WorkflowDeps>[] = [
  cloudServiceAccess,
  linkPerformanceTest,
  migrateVpcToCen,
  migrateVbrToCen,
  rollbackMigration,
  physicalConnectionRedundancy,
  removeMigrationLeftovers,
];

/**
 * Every procedure, the `health-audit` included. The audit also needs the store and the engine,
 * which are built from this list: pass a function that returns them once they exist (see
 * `workflows/health-audit/index.ts`).
 */
export function allProcedures(auditServices: () => HealthAuditServices): ProcedureDefinition<WorkflowDeps>[] {
  return [...procedures, createHealthAudit(auditServices)];
}
