/**
 * FC timer `audit`: starts the `health-audit` procedure (issue 7) once per timer firing. The
 * timer's fire time is the idempotency key, so a redelivered timer event starts one audit. While
 * no `health-audit` procedure is registered, it refuses with an error saying so.
 */
import { startHealthAudit } from '../src/api/audit.ts';
import { fcEventHandler, instanceRuntime } from '../src/engine/runtime.ts';

/** The FC entry point; the timer event is `{triggerTime, triggerName, payload}`. */
export const handler = fcEventHandler(async (event, context) => startHealthAudit(instanceRuntime(context).engine, event));
