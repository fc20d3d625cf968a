/**
 * FC function `runner` (async, self-invoking): advances one execution by one persisted step.
 * Event: `{"executionId": "ex-…", "seq": n}` as sent by the step scheduler (`seq` -1: act on a
 * pending cancel or rollback). A stale or duplicate event does nothing; a store failure throws,
 * so FC delivers the event again.
 */
import { assertMatchesSchema } from '../src/engine/schema.ts';
import { fcEventHandler, instanceRuntime } from '../src/engine/runtime.ts';
import type { StepMessage } from '../src/engine/scheduler.ts';

const EVENT_SCHEMA = {
  type: 'object',
  required: ['executionId', 'seq'],
  properties: { executionId: { type: 'string', pattern: '^ex-[0-9a-z]+$' }, seq: { type: 'integer', minimum: -1 } },
};

/** The FC entry point (`index.handler` in the bundle). */
export const handler = fcEventHandler(async (event, context) => {
  assertMatchesSchema(EVENT_SCHEMA, event, 'event');
  const msg = event as StepMessage;
  return instanceRuntime(context).engine.advance({ executionId: msg.executionId, seq: msg.seq });
});
