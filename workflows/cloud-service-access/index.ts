/**
 * `cloud-service-access` (seed chapter 1): gives the data center the cloud services of a VPC
 * (100.64.0.0/10: DNS, YUM, NTP, OSS, SLS, AnyTunnel VIPs) over a leased line. Adds the VBR routes
 * 100.64.0.0/11 and 100.96.0.0/11 toward the VBR's router interface to the VPC, one at a time,
 * each Available before the next; prints the customer-side static route per vendor; verifies
 * that a 100.64.x address answers from the data center through the VBR; rolls back on failure.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import type { ProcedureDefinition } from '../../src/engine/types.ts';
import { createCloudAccessEffects, validateCloudAccess } from './effects.ts';
import { cloudAccessMachine } from './machine.ts';
import { cloudAccessParamsSchema } from './params.ts';

/** Procedure id. */
export const CLOUD_SERVICE_ACCESS = 'cloud-service-access';

/** The procedure as registered with the engine. */
export const cloudServiceAccess: ProcedureDefinition<CloudClients> = {
  id: CLOUD_SERVICE_ACCESS,
  version: 1,
  title: 'Access cloud services through physical connections',
  seedChapter: '1',
  description:
    'Adds VBR routes 100.64.0.0/11 and 100.96.0.0/11 toward the router interface to the VPC (one at a time, waiting for Available), prints the customer-side route 100.64.0.0/10 per vendor, verifies that a 100.64.x address is reachable from the data center through the VBR, and removes what it added when verification fails.',
  paramsSchema: cloudAccessParamsSchema,
  machine: cloudAccessMachine,
  effects: createCloudAccessEffects(),
  validate: validateCloudAccess,
  locks: (params) => [`vbr:${String(params.vbrId)}`],
};
