/**
 * FC function `runner` (async, self-invoking): advances one execution by one step per message
 * `{"executionId", "seq"}`. A stale or duplicate message does nothing (the engine compares `seq`).
 * Transient failures are thrown so FC redelivers; the sweep re-drives anything lost.
 */
import type { AdvanceResult } from '../src/engine/runner.ts';
import { ValidationError } from '../src/errors.ts';
import { fcEventHandler } from '../src/api/serve.ts';
import { runtimeFor, type FcRuntimeContext } from '../src/runtime.ts';

function parseMessage(event: Buffer | string): { executionId: string; seq: number } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.isBuffer(event) ? event.toString('utf8') : event);
  } catch {
    throw new ValidationError('runner: the event is not JSON', { code: 'InvalidStepMessage', field: 'event' });
  }
  const msg = value as { executionId?: unknown; seq?: unknown } | null;
  if (!msg || typeof msg.executionId !== 'string' || !/^ex-[0-9a-z]{8,40}$/.test(msg.executionId) || !Number.isInteger(msg.seq)) {
    throw new ValidationError('runner: the event must be {"executionId": "ex-…", "seq": <integer>}', { code: 'InvalidStepMessage', field: 'event' });
  }
  return { executionId: msg.executionId, seq: msg.seq as number };
}

/** The FC event handler. */
export const handler = fcEventHandler(async (event, context: FcRuntimeContext): Promise<AdvanceResult> => {
  const msg = parseMessage(event);
  const runtime = await runtimeFor(context);
  return runtime.engine.advance(msg);
});
