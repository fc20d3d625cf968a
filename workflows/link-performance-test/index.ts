/**
 * `link-performance-test` (seed chapter 2): proves a new leased line delivers what was bought.
 * Starts netperf or iperf3 servers and clients through Cloud Assistant on the ECS instances and
 * the data-center device (distinct ports, CPU affinity, Timeout longer than the test), inbound
 * and outbound, pps (1-byte / 16-byte packets) and bps (1400-byte), collects the outputs as
 * PlainText, parses them and reports per stream and in total (receiver-side pps, bps, loss,
 * jitter) against the port bandwidth and the 1/12 single-hash-stream limit, as JSON, text and SVG.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import { regionView } from '../../src/cloud/index.ts';
import type { JsonObject, ProcedureDefinition } from '../../src/engine/types.ts';
import { createPerfEffects } from './effects.ts';
import { perfMachine } from './machine.ts';
import { parsePerfParams, perfParamsSchema } from './params.ts';
import { planPerfTest } from './plan.ts';

/** Procedure id. */
export const LINK_PERFORMANCE_TEST = 'link-performance-test';

/** Checks the instances and the line exist before anything runs. */
async function validatePerfTest(raw: JsonObject, cloud: CloudClients): Promise<void> {
  const params = parsePerfParams(raw);
  await planPerfTest(regionView(cloud, params.regionId), params);
}

/** The procedure as registered with the engine. */
export const linkPerformanceTest: ProcedureDefinition<CloudClients> = {
  id: LINK_PERFORMANCE_TEST,
  version: 1,
  title: 'Test the network performance of a physical connection',
  seedChapter: '2',
  description:
    'Runs netperf or iperf3 through Cloud Assistant between ECS instances and the data-center device (inbound and outbound, pps and bps), parses the outputs and reports per stream and in total: receiver-side pps, bps, loss and jitter, judged against the port bandwidth and the 1/12 single-hash-stream limit, with the number of parallel flows needed to fill the line; JSON, text and SVG. Failing instances are reported one by one.',
  paramsSchema: perfParamsSchema,
  machine: perfMachine,
  effects: createPerfEffects(),
  validate: validatePerfTest,
  locks: (params) => {
    const p = parsePerfParams(params);
    return [
      ...(p.physicalConnectionId ? [`physical-connection:${p.physicalConnectionId}`] : []),
      `instance:${p.dataCenterDevice.instanceId}`,
      ...p.instanceIds.map((id) => `instance:${id}`),
    ];
  },
};
