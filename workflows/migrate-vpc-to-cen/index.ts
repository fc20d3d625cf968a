/**
 * `migrate-vpc-to-cen` (seed 5.1): moves a VPC from an Express Connect peering connection to a
 * CEN instance, smoothly (split the blocked CEN routes, delete the peering route, wait until the
 * CEN route is Active, remove the splits) or with an intermittent blackout, behind an approval
 * gate, verified after every phase and rolled back automatically when verification fails.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import type { ProcedureDefinition } from '../../src/engine/types.ts';
import { validateMigration } from '../migration/effects.ts';
import { vpcParamsSchema } from '../migration/params.ts';
import { effects } from './effects.ts';
import { migrateVpcToCenMachine } from './machine.ts';

/** Procedure id. */
export const MIGRATE_VPC_TO_CEN = 'migrate-vpc-to-cen';

/** The procedure as registered with the engine. */
export const migrateVpcToCen: ProcedureDefinition<CloudClients> = {
  id: MIGRATE_VPC_TO_CEN,
  version: 1,
  title: 'Migrate a VPC in a peering connection to a CEN instance',
  seedChapter: '5.1',
  description:
    'Enables overlapping routing, attaches the VPC, publishes its ECS/VPN/HaVip routes, then for every static peering route that blocks a CEN route: adds the halves of the CEN route, deletes the peering route, waits until the CEN route is Active and removes the halves (smooth), or deletes the peering route and waits (intermittent). Verifies after each phase; rolls back on failure.',
  paramsSchema: vpcParamsSchema,
  machine: migrateVpcToCenMachine,
  effects,
  validate: (params, cloud) => validateMigration('vpc', MIGRATE_VPC_TO_CEN, params, cloud),
  locks: (params) => [`cen:${String(params.cenId)}`, `vpc:${String(params.vpcId)}`],
};
