/**
 * `migrate-vbr-to-cen` (seed 5.2): moves a VBR (and its peered VPC) from an Express Connect
 * peering connection to a CEN instance: disables the VBR health check, attaches both, publishes
 * routes, resolves every conflict smoothly (halves, advertised as BGP networks when the VBR uses
 * BGP) or intermittently, and configures the CEN VBR health check at the end.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import type { ProcedureDefinition } from '../../src/engine/types.ts';
import { validateMigration } from '../migration/effects.ts';
import { vbrParamsSchema } from '../migration/params.ts';
import { effects } from './effects.ts';
import { migrateVbrToCenMachine } from './machine.ts';

/** Procedure id. */
export const MIGRATE_VBR_TO_CEN = 'migrate-vbr-to-cen';

/** The procedure as registered with the engine. */
export const migrateVbrToCen: ProcedureDefinition<CloudClients> = {
  id: MIGRATE_VBR_TO_CEN,
  version: 1,
  title: 'Migrate a VBR in a peering connection to a CEN instance',
  seedChapter: '5.2',
  description:
    'Disables the VBR health check, enables overlapping routing, attaches the VBR and the VPC, publishes routes, resolves every peering route that blocks a CEN route (smooth: halves + BGP networks, delete, wait Active, remove; or intermittent), configures the CEN VBR health check. Verifies after each phase; rolls back on failure.',
  paramsSchema: vbrParamsSchema,
  machine: migrateVbrToCenMachine,
  effects,
  validate: (params, cloud) => validateMigration('vbr', MIGRATE_VBR_TO_CEN, params, cloud),
  locks: (params) => [`cen:${String(params.cenId)}`, `vbr:${String(params.vbrId)}`, ...(typeof params.vpcId === 'string' ? [`vpc:${params.vpcId}`] : [])],
};
