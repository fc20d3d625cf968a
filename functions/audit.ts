/**
 * FC timer `audit`: starts the `health-audit` procedure (issue 7) once per timer firing. The
 * timer's fire time is the idempotency key, so a redelivered timer event starts one audit. While
 * no `health-audit` procedure is registered, it refuses with an error saying so.
 */
import { startHealthAudit, type AuditStart } from '../src/api/audit.ts';
import { fcEventHandler } from '../src/api/serve.ts';
import { runtimeFor, type FcRuntimeContext } from '../src/runtime.ts';

/** The FC event handler; the timer event is `{triggerTime, triggerName, payload}`. */
export const handler = fcEventHandler(async (event, context: FcRuntimeContext): Promise<AuditStart> => {
  const runtime = await runtimeFor(context);
  return startHealthAudit(runtime.engine, Buffer.isBuffer(event) ? event.toString('utf8') : event);
});
