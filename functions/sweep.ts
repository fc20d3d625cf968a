/**
 * FC timer `sweep` (every minute): re-drives executions that are due — polls, retries, approval
 * expiries, waits longer than FC's one-hour async delay, lapsed leases and lost messages.
 */
import { fcEventHandler } from '../src/api/serve.ts';
import { runtimeFor, type FcRuntimeContext } from '../src/runtime.ts';

/** The FC event handler (the timer event is not needed). */
export const handler = fcEventHandler(async (_event, context: FcRuntimeContext): Promise<{ dispatched: number }> => {
  const runtime = await runtimeFor(context);
  return runtime.engine.sweep();
});
