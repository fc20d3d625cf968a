/**
 * `physical-connection-redundancy` (seed chapter 6): makes two (or more) leased lines fail over
 * for each other. Health checks on every VBR-to-VPC peering connection, the load-balancing route
 * to the data center over the VPC's router interfaces (equal weights, or active/standby), the
 * per-VBR routes, for BGP the /32 route to each health-check source and its advertisement; the
 * static routes the data-center device needs, per vendor; then a failover test: one line down,
 * measured until all traffic passes again (goal: interval × threshold), the line back, traffic
 * spread again. Verification failure rolls back what the procedure added.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import { regionView } from '../../src/cloud/index.ts';
import type { JsonObject, ProcedureDefinition } from '../../src/engine/types.ts';
import { createRedundancyEffects } from './effects.ts';
import { redundancyMachine } from './machine.ts';
import { parseRedundancyParams, redundancyParamsSchema } from './params.ts';
import { planRedundancy } from './plan.ts';

/** Procedure id. */
export const PHYSICAL_CONNECTION_REDUNDANCY = 'physical-connection-redundancy';

/** Reads the cloud and plans without changing anything: every refusal comes before the first change. */
async function validateRedundancy(raw: JsonObject, cloud: CloudClients): Promise<void> {
  const params = parseRedundancyParams(raw);
  const cl = regionView(cloud, params.regionId);
  await planRedundancy(cl, params, cl.prober.kind);
}

/** The procedure as registered with the engine. */
export const physicalConnectionRedundancy: ProcedureDefinition<CloudClients> = {
  id: PHYSICAL_CONNECTION_REDUNDANCY,
  version: 1,
  title: 'Implement redundancy for physical connections',
  seedChapter: '6',
  description:
    'Configures health checks on both VBR-to-VPC peering connections, the load-balancing (or active/standby) route to the data center over both router interfaces, the per-VBR routes and, for BGP, the health-check source routes and their advertisement; prints the static routes the data-center device needs (Cisco IOS, Huawei VRP, Junos, Linux); verifies; then fails one physical connection, measures the failover against interval × threshold, restores it and checks that traffic spreads again. Rolls back what it added when verification fails.',
  paramsSchema: redundancyParamsSchema,
  machine: redundancyMachine,
  effects: createRedundancyEffects(),
  validate: validateRedundancy,
  locks: (params) => {
    const p = parseRedundancyParams(params);
    return [
      `vpc:${p.vpcId}`,
      ...p.connections.map((c) => `vbr:${c.vbrId}`),
      ...(p.failoverTest?.physicalConnectionId ? [`physical-connection:${p.failoverTest.physicalConnectionId}`] : []),
    ];
  },
};
