/**
 * FC EventBridge trigger `events`: starts the executions the configured rules map events to
 * (`XCFLOW_EVENT_RULES` / `XCFLOW_EVENT_RULES_FILE`, see src/api/events.ts). The event id is the
 * idempotency key, so duplicate deliveries start one execution.
 */
import { handleCloudEvents } from '../src/api/events.ts';
import { fcEventHandler } from '../src/engine/runtime.ts';
import { apiRuntimeFor } from '../src/runtime.ts';

/** The FC entry point: one CloudEvents object, or an array of them (batched delivery). */
export const handler = fcEventHandler(async (event, context) => {
  const runtime = apiRuntimeFor(context);
  const log = (line: Record<string, unknown>): void => {
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  return handleCloudEvents(runtime.engine, runtime.eventRules, event, log);
});
