/**
 * The engine's `StepScheduler` on Function Compute: the next step of an execution is an async
 * invocation of the runner function through `@alicloud/fc2`, delayed with `x-fc-async-delay`.
 * The same code runs locally against the FC stand-in (`src/local/fc`), which speaks the same API.
 *
 * FC 2.0 accepts `x-fc-async-delay` from 0 to 3600 s. A longer delay is not sent at all: the
 * engine has persisted the execution's `nextRunAt`, and the sweep timer (every minute) invokes the
 * runner for executions that are due. So a wait longer than an hour is resumed by the sweep, up to
 * one sweep period late.
 */
import FC from '@alicloud/fc2';
import { CloudPermanentError, CloudTransientError } from '../errors.ts';
import type { StepMessage, StepScheduler } from './scheduler.ts';

/** The part of the fc2 client the scheduler uses (a real `FC` instance satisfies it). */
export type FcInvoker = Pick<FC, 'invokeFunction'>;

/** Options of `createFcStepScheduler`. */
export interface FcStepSchedulerOptions {
  client: FcInvoker;
  /** FC 2.0 service, e.g. `xcflow`. */
  serviceName: string;
  /** The runner function, e.g. `runner`. */
  functionName: string;
  /** Version or alias; default LATEST (none sent). */
  qualifier?: string;
  /** Longest delay sent as `x-fc-async-delay`; default 3600 (FC's maximum). */
  maxDelaySeconds?: number;
}

/** fc2 error codes (and HTTP statuses) after which sending again later can succeed. */
const TRANSIENT_CODES = new Set([
  'ResourceExhausted',
  'ResourceThrottled',
  'InternalServerError',
  'ServiceUnavailable',
  'ConcurrentUpdateError',
  'ClientClosedRequest',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ESOCKETTIMEDOUT']);

/**
 * Turns an fc2 rejection into an xcflow error: throttling, 5xx and network failures are
 * `CloudTransientError`; the rest (unknown function, bad signature, payload too large) permanent.
 */
export function classifyFcError(err: unknown, what: string): CloudTransientError | CloudPermanentError {
  const e = err instanceof Error ? err : new Error(String(err));
  const rawCode = (e as { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const status = Number(/failed with (\d{3})/.exec(e.message)?.[1] ?? NaN);
  const requestId = /requestid: ([\w-]+)/.exec(e.message)?.[1];
  const details = { code: code ?? (Number.isNaN(status) ? 'FcInvokeFailed' : `Http${status}`), cause: err, ...(requestId ? { requestId } : {}) };
  const message = `${what}: ${e.message}`;
  const transient =
    (code !== undefined && (TRANSIENT_CODES.has(code) || NETWORK_CODES.has(code))) ||
    status === 429 ||
    status >= 500 ||
    /timeout/i.test(e.name) ||
    /timeout/i.test(e.message);
  return transient ? new CloudTransientError(message, details) : new CloudPermanentError(message, details);
}

/**
 * Creates the FC-backed step scheduler.
 * `schedule` sends `{"executionId", "seq"}` as the async event body; delays are rounded up to whole
 * seconds (never early). Delays above `maxDelaySeconds` send nothing (the sweep resumes them).
 * @throws (from `schedule`) CloudTransientError / CloudPermanentError as classified by `classifyFcError`.
 */
export function createFcStepScheduler(opts: FcStepSchedulerOptions): StepScheduler {
  const maxDelay = opts.maxDelaySeconds ?? 3600;
  return {
    async schedule(msg: StepMessage, { delayMs }: { delayMs: number }): Promise<void> {
      const delaySeconds = Math.ceil(Math.max(0, delayMs) / 1000);
      if (delaySeconds > maxDelay) return;
      const headers: Record<string, string> = { 'x-fc-invocation-type': 'Async' };
      if (delaySeconds > 0) headers['x-fc-async-delay'] = String(delaySeconds);
      const body = JSON.stringify({ executionId: msg.executionId, seq: msg.seq });
      try {
        await opts.client.invokeFunction(opts.serviceName, opts.functionName, body, headers, opts.qualifier);
      } catch (err) {
        throw classifyFcError(err, `async invoke of ${opts.serviceName}/${opts.functionName} for ${msg.executionId}#${msg.seq}`);
      }
    },
  };
}

/** Options of `createFcClient`. */
export interface FcClientOptions {
  accountId: string;
  region: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** Explicit endpoint; default `XCFLOW_FC_ENDPOINT` from the environment (set by the local stand-in), else FC's public HTTPS endpoint. */
  endpoint?: string;
  /** Use `<account>.<region>-internal.fc.aliyuncs.com` (same-region callers; UNCONFIRMED reachability from FC). */
  internal?: boolean;
  timeoutMs?: number;
}

/**
 * An fc2 client for invoking functions of the same account: inside a handler, pass
 * `context.accountId`, `context.region` and `context.credentials`.
 */
export function createFcClient(opts: FcClientOptions): FC {
  const endpoint = opts.endpoint ?? process.env.XCFLOW_FC_ENDPOINT;
  const token = opts.credentials.securityToken;
  return new FC(opts.accountId, {
    accessKeyID: opts.credentials.accessKeyId,
    accessKeySecret: opts.credentials.accessKeySecret,
    ...(token ? { securityToken: token } : {}),
    region: opts.region,
    ...(endpoint ? { endpoint } : { secure: !opts.internal, internal: opts.internal === true }),
    timeout: opts.timeoutMs ?? 10_000,
  });
}
