/**
 * FC function `sweep` (timer trigger, every minute): dispatches executions that are due — a poll
 * or retry whose time has come, an approval that expired, a lease that lapsed (its runner died),
 * or a step whose async invocation was lost. The timer's payload is ignored.
 */
import { fcEventHandler, instanceRuntime } from '../src/engine/runtime.ts';

/** The FC entry point (`index.handler` in the bundle). */
export const handler = fcEventHandler(async (_event, context) => instanceRuntime(context).engine.sweep());
