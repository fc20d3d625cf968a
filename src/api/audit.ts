/**
 * Starting the scheduled health audit (the `health-audit` procedure of issue 7) from a timer
 * event. One execution per timer firing: the firing time is the idempotency key.
 */
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import type { JsonObject } from '../engine/types.ts';

/** Id of the audit procedure. */
export const HEALTH_AUDIT_PROCEDURE = 'health-audit';
/** Principal of timer-started audits. */
export const AUDIT_PRINCIPAL = 'timer:audit';

/** What a timer firing started. */
export interface AuditStart {
  executionId: string;
  status: string;
  triggerTime: string | null;
}

/**
 * Reads an FC timer event `{triggerTime, triggerName, payload}` (parsed, or its JSON text); `payload` may be a JSON object
 * whose `params` are the audit's parameters (s.yaml sends `{"kind":"health-audit"}`).
 * @throws ValidationError `InvalidTimerEvent`.
 */
export function parseTimerEvent(raw: unknown): { triggerTime: string | null; triggerName: string | null; params: JsonObject } {
  let event: unknown = raw;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    const text = raw.toString();
    event = {};
    if (text.trim().length > 0) {
      try {
        event = JSON.parse(text);
      } catch {
        throw new ValidationError('audit: the timer event is not JSON', { code: 'InvalidTimerEvent', field: 'event' });
      }
    }
  }
  const e = (event && typeof event === 'object' && !Array.isArray(event) ? event : {}) as Record<string, unknown>;
  let payload: unknown = {};
  if (typeof e.payload === 'string' && e.payload.trim().length > 0) {
    try {
      payload = JSON.parse(e.payload);
    } catch {
      throw new ValidationError('audit: the timer payload is not JSON', { code: 'InvalidTimerEvent', field: 'payload' });
    }
  }
  const p = (payload && typeof payload === 'object' && !Array.isArray(payload) ? payload : {}) as Record<string, unknown>;
  const params = p.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new ValidationError('audit: payload.params must be an object', { code: 'InvalidTimerEvent', field: 'payload.params' });
  }
  return {
    triggerTime: typeof e.triggerTime === 'string' ? e.triggerTime : null,
    triggerName: typeof e.triggerName === 'string' ? e.triggerName : null,
    params: params as JsonObject,
  };
}

/**
 * Starts the health audit for one timer firing.
 * @throws NotFoundError `AuditNotRegistered` while no `health-audit` procedure is registered;
 * ValidationError for a malformed event or parameters the procedure refuses.
 */
export async function startHealthAudit(engine: Engine, timerEvent: unknown): Promise<AuditStart> {
  const { triggerTime, triggerName, params } = parseTimerEvent(timerEvent);
  try {
    engine.registry.latest(HEALTH_AUDIT_PROCEDURE);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(
        `the ${HEALTH_AUDIT_PROCEDURE} procedure is not registered in this deployment (workflows/index.ts); no audit was started`,
        { code: 'AuditNotRegistered', field: 'procedureId', cause: err },
      );
    }
    throw err;
  }
  const view = await engine.start(HEALTH_AUDIT_PROCEDURE, params, {
    requestedBy: AUDIT_PRINCIPAL,
    ...(triggerTime ? { idempotencyKey: `timer:${triggerName ?? 'audit'}:${triggerTime}` } : {}),
  });
  return { executionId: view.id, status: view.status, triggerTime };
}
