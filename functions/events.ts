/**
 * FC EventBridge trigger `events`: starts the executions the configured rules map events to
 * (`XCFLOW_EVENT_RULES` / `XCFLOW_EVENT_RULES_FILE`, see src/api/events.ts). The event id is the
 * idempotency key, so duplicate deliveries start one execution.
 */
import { handleCloudEvents, type EventsResult } from '../src/api/events.ts';
import { fcEventHandler } from '../src/api/serve.ts';
import { ValidationError } from '../src/errors.ts';
import { runtimeFor, type FcRuntimeContext } from '../src/runtime.ts';

/** The FC event handler: one CloudEvents object, or an array of them (batched delivery). */
export const handler = fcEventHandler(async (event, context: FcRuntimeContext): Promise<EventsResult> => {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.isBuffer(event) ? event.toString('utf8') : event);
  } catch {
    throw new ValidationError('events: the event is not JSON', { code: 'InvalidEvent', field: 'event' });
  }
  const runtime = await runtimeFor(context);
  const log = (line: Record<string, unknown>): void => {
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  return handleCloudEvents(runtime.engine, runtime.eventRules, payload, log);
});
