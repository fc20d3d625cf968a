/**
 * Every procedure xcflow can run, as registered with the engine (`createEngine({ procedures })`).
 */
import type { CloudClients } from '../src/cloud/index.ts';
import type { ProcedureDefinition } from '../src/engine/types.ts';
import { cloudServiceAccess } from './cloud-service-access/index.ts';
import { linkPerformanceTest } from './link-performance-test/index.ts';
import { physicalConnectionRedundancy } from './physical-connection-redundancy/index.ts';

/** The registered procedures. */
export const procedures: ProcedureDefinition<CloudClients>[] = [cloudServiceAccess, linkPerformanceTest, physicalConnectionRedundancy];
