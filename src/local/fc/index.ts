/**
 * The local FC stand-in: hosts the handlers of `functions/` as FC 2.0 calls them and speaks the
 * FC 2.0 invocation API that `@alicloud/fc2` uses, so the runner's self-invocation goes through the
 * same client locally and in the cloud.
 *
 * Served routes:
 * - `POST /2016-08-15/services/{svc}[.{qualifier}]/functions/{fn}/invocations`: sync (200 + result;
 *   handler error → 200 + `x-fc-error-type` + `{errorMessage, errorType, stackTrace}`), or async with
 *   `x-fc-invocation-type: Async` (202 once persisted; `x-fc-async-delay` 0-3600 s; at-least-once;
 *   retries per `maxAsyncRetryAttempts`; 128 KB payload cap);
 * - `/2016-08-15/proxy/{svc}/{fn}/...`: HTTP triggers, `(req, resp, context)`;
 * - everything else: the root function's HTTP trigger (`api` by default), for convenience;
 * - timers fire on the given clock and enqueue `{triggerTime, triggerName, payload}`.
 * Errors use FC's `{ErrorCode, ErrorMessage}` (fc2 throws `FC<ErrorCode>Error`).
 * Facts: `../shared/reference/fc-serverless-devs-tablestore.md` §2, §3, §5, §6 and FC error codes
 * (alibabacloud.com/help/en/functioncompute/error-codes).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../../errors.ts';
import { parseSchedule } from '../cron.ts';
import { createRealClock } from './clock.ts';
import { matchesEventPattern } from './eventbridge.ts';
import { createFcRequest, createFcResponse } from './http-trigger.ts';
import { AsyncQueue, seededRandom, type DeliveryResult, type QueuedEvent } from './queue.ts';
import { FunctionHost, type InvocationOutcome } from './runtime.ts';
import { verifyFcRequest } from './signature.ts';
import type {
  DeadLetter,
  InvocationRecord,
  LocalFc,
  LocalFcOptions,
  LocalFunctionConfig,
  LocalHttpTrigger,
  LocalTimerTrigger,
} from './types.ts';

export type * from './types.ts';
export { ManualClock, createRealClock } from './clock.ts';
export { loadFunctionsFromSYaml, readSYaml, type HandlerSource, type SYamlFunction, type SYamlProject } from './syaml.ts';
export type { FcHttpRequest, FcHttpResponse } from './http-trigger.ts';
export type { FcContext } from './runtime.ts';

/** FC's async payload limit (128 KB). */
export const ASYNC_PAYLOAD_LIMIT = 128 * 1024;
/** FC's sync payload limit (32 MB). */
export const SYNC_PAYLOAD_LIMIT = 32 * 1024 * 1024;
/** Largest `x-fc-async-delay` FC 2.0 accepts, in seconds. */
export const MAX_ASYNC_DELAY_SECONDS = 3600;

const API_PREFIX = '/2016-08-15';
const INVOKE_RE = /^\/2016-08-15\/services\/([^/]+)\/functions\/([^/]+)\/invocations$/;
const PROXY_RE = /^\/2016-08-15\/proxy\/([^/]+)\/([^/]+)(\/.*)?$/;
const LOG_TAIL_BYTES = 4096;
/** How many invocation records and dead letters are kept (newest). */
const MAX_RECORDS = 10_000;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendFcError(res: ServerResponse, status: number, code: string, message: string, requestId: string): void {
  const body = JSON.stringify({ ErrorCode: code, ErrorMessage: message });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-fc-request-id': requestId,
  });
  res.end(body);
}

/** Reads the whole body; `undefined` when it is larger than `limit` (the rest is drained). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function queryMap(search: URLSearchParams): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of search) m.set(k, [...(m.get(k) ?? []), v]);
  return m;
}

function timerEvent(triggerName: string, firedAt: number, payload: string | undefined): Buffer {
  const triggerTime = new Date(firedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return Buffer.from(JSON.stringify({ triggerTime, triggerName, payload: payload ?? '' }), 'utf8');
}

function validateConfigs(functions: LocalFunctionConfig[]): void {
  const seen = new Set<string>();
  for (const f of functions) {
    const key = `${f.service ?? 'xcflow'}/${f.name}`;
    if (seen.has(key)) throw new ValidationError(`function ${key} is declared twice`, { code: 'DuplicateFunction', field: 'functions' });
    seen.add(key);
    const retries = f.maxAsyncRetryAttempts;
    if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 8)) {
      throw new ValidationError(`function ${key}: maxAsyncRetryAttempts must be an integer 0-8`, { code: 'InvalidFunctionConfig', field: 'maxAsyncRetryAttempts' });
    }
    for (const t of f.triggers ?? []) if (t.type === 'timer') parseSchedule(t.cronExpression);
  }
}

/**
 * Starts the stand-in on 127.0.0.1 (port 0 by default) and loads every handler.
 * @throws ValidationError when a handler module or export is missing, a config is invalid, or two
 *   functions need different values for one environment variable.
 */
export async function startLocalFc(opts: LocalFcOptions): Promise<LocalFc> {
  validateConfigs(opts.functions);
  const clock = opts.clock ?? createRealClock();
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const accountId = opts.accountId ?? '1234567890123456';
  const region = opts.region ?? 'cn-hangzhou';
  const credentials = opts.credentials ?? { accessKeyId: 'local-access-key', accessKeySecret: 'local-access-secret' };
  const verify = opts.accessKeyId && opts.accessKeySecret ? { accessKeyId: opts.accessKeyId, accessKeySecret: opts.accessKeySecret } : undefined;
  const retryBaseMs = opts.asyncRetryBaseDelayMs ?? 1000;
  const random = seededRandom(opts.faults?.seed ?? 1);

  const hosts = new Map<string, FunctionHost>();
  const services = new Set<string>();
  const hostEnv = { accountId, region, credentials, now: () => clock.now(), log };
  for (const f of opts.functions) {
    const host = new FunctionHost(f, hostEnv);
    hosts.set(`${host.serviceName}/${f.name}`, host);
    services.add(host.serviceName);
  }
  const rootName = opts.rootFunction ?? 'api';
  const rootHost = [...hosts.values()].find((h) => h.config.name === rootName && h.config.kind === 'http');

  const counts = new Map<string, number>();
  const records: InvocationRecord[] = [];
  const deadList: DeadLetter[] = [];
  const dead = {
    push(d: DeadLetter): void {
      deadList.push(d);
      if (deadList.length > MAX_RECORDS) deadList.shift();
    },
  };
  const running = new Set<Promise<unknown>>();

  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  };

  const record = (host: FunctionHost, r: Omit<InvocationRecord, 'function' | 'at'>): void => {
    counts.set(host.config.name, (counts.get(host.config.name) ?? 0) + 1);
    records.push({ ...r, function: host.config.name, at: clock.now() });
    // A long `npm start` session must not grow without bound; counts stay exact.
    if (records.length > MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS);
  };

  const deliver = async (e: QueuedEvent): Promise<DeliveryResult> => {
    const host = hosts.get(`${e.service}/${e.function}`);
    if (!host) {
      dead.push({ requestId: e.requestId, service: e.service, function: e.function, payload: e.payload, attempts: e.attempt, reason: 'retries-exhausted', lastError: { errorMessage: `function '${e.function}' is no longer hosted` } });
      return { done: true };
    }
    const maxAge = host.config.maxAsyncEventAgeSeconds;
    if (maxAge !== undefined && clock.now() - e.enqueuedAt > maxAge * 1000) {
      dead.push({ requestId: e.requestId, service: e.service, function: e.function, payload: e.payload, attempts: e.attempt, reason: 'expired' });
      return { done: true };
    }
    const outcome = await track(host.invokeEvent(e.payload, { requestId: e.requestId, retryCount: e.attempt }));
    record(host, {
      requestId: e.requestId,
      via: e.via,
      retryCount: e.attempt,
      duplicate: e.duplicate,
      ok: outcome.ok,
      ...(outcome.ok ? {} : { errorType: outcome.errorType }),
    });
    if (outcome.ok) return { done: true };
    const maxRetries = host.config.maxAsyncRetryAttempts ?? 3;
    if (e.attempt < maxRetries) return { retryInMs: retryBaseMs * 2 ** e.attempt };
    dead.push({
      requestId: e.requestId,
      service: e.service,
      function: e.function,
      payload: e.payload,
      attempts: e.attempt + 1,
      reason: 'retries-exhausted',
      lastError: { errorMessage: outcome.error.errorMessage, ...(outcome.error.errorType ? { errorType: outcome.error.errorType } : {}) },
    });
    return { done: true };
  };

  const queue = new AsyncQueue({
    ...(opts.queuePath ? { path: opts.queuePath } : {}),
    clock,
    random,
    duplicateRate: opts.faults?.duplicateRate ?? 0,
    extraDelayMs: opts.faults?.extraDelayMs ?? 0,
    deliver,
  });

  // ---- HTTP ----

  const handleInvoke = async (req: IncomingMessage, res: ServerResponse, requestId: string, rawPath: string, svc: string, fn: string): Promise<void> => {
    if (req.method !== 'POST') {
      sendFcError(res, 400, 'PathNotSupported', `'${req.method ?? ''}' against '${rawPath}' is not supported`, requestId);
      return;
    }
    const body = await readBody(req, SYNC_PAYLOAD_LIMIT);
    if (!body) {
      sendFcError(res, 400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${SYNC_PAYLOAD_LIMIT} bytes)`, requestId);
      return;
    }
    if (verify) {
      const failure = verifyFcRequest({ method: 'POST', path: rawPath, headers: req.headers, body, ...verify });
      if (failure) {
        sendFcError(res, failure.status, failure.code, failure.message, requestId);
        return;
      }
    }
    const serviceName = decodeURIComponent(svc).split('.')[0] ?? '';
    const functionName = decodeURIComponent(fn);
    if (!services.has(serviceName)) {
      sendFcError(res, 404, 'ServiceNotFound', `service '${serviceName}' does not exist`, requestId);
      return;
    }
    const host = hosts.get(`${serviceName}/${functionName}`);
    if (!host) {
      sendFcError(res, 404, 'FunctionNotFound', `function '${functionName}' does not exist in service '${serviceName}'`, requestId);
      return;
    }
    if (host.config.kind === 'http') {
      // UNCONFIRMED: what FC 2.0 answers when an HTTP-trigger function is invoked through the API.
      sendFcError(res, 400, 'InvalidArgument', `function '${functionName}' is an HTTP function; call it through its HTTP trigger`, requestId);
      return;
    }
    const invocationType = (header(req, 'x-fc-invocation-type') ?? 'Sync').toLowerCase();
    if (invocationType === 'async') {
      if (body.length > ASYNC_PAYLOAD_LIMIT) {
        sendFcError(res, 400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${ASYNC_PAYLOAD_LIMIT} bytes)`, requestId);
        return;
      }
      const delayText = header(req, 'x-fc-async-delay');
      let delaySeconds = 0;
      if (delayText !== undefined) {
        delaySeconds = Number(delayText);
        if (!/^\d+$/.test(delayText.trim()) || delaySeconds > MAX_ASYNC_DELAY_SECONDS) {
          sendFcError(res, 400, 'InvalidArgument', `x-fc-async-delay must be an integer from 0 to ${MAX_ASYNC_DELAY_SECONDS}, got '${delayText}'`, requestId);
          return;
        }
      }
      queue.enqueue({ requestId, service: serviceName, function: functionName, payload: body, via: 'async', delayMs: delaySeconds * 1000 });
      const headers: Record<string, string> = { 'x-fc-request-id': requestId, 'content-length': '0' };
      const taskId = header(req, 'x-fc-stateful-async-invocation-id');
      if (taskId) headers['x-fc-stateful-async-invocation-id'] = taskId;
      res.writeHead(202, headers);
      res.end();
      return;
    }
    if (invocationType !== 'sync') {
      sendFcError(res, 400, 'InvalidArgument', `x-fc-invocation-type must be Sync or Async, got '${header(req, 'x-fc-invocation-type') ?? ''}'`, requestId);
      return;
    }
    const started = performance.now();
    const outcome = await track(host.invokeEvent(body, { requestId, retryCount: 0 }));
    record(host, { requestId, via: 'sync', retryCount: 0, duplicate: false, ok: outcome.ok, ...(outcome.ok ? {} : { errorType: outcome.errorType }) });
    const headers: Record<string, string | number> = {
      'x-fc-request-id': requestId,
      'x-fc-invocation-duration': Math.round(performance.now() - started),
      'x-fc-invocation-service-version': 'LATEST',
    };
    if ((header(req, 'x-fc-log-type') ?? '').toLowerCase() === 'tail') {
      const logs = Buffer.from(outcome.logs.join('\n'), 'utf8');
      headers['x-fc-log-result'] = logs.subarray(Math.max(0, logs.length - LOG_TAIL_BYTES)).toString('base64');
    }
    writeOutcome(res, outcome, headers);
  };

  const writeOutcome = (res: ServerResponse, outcome: InvocationOutcome, headers: Record<string, string | number>): void => {
    if (outcome.ok) {
      res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream', 'content-length': outcome.body.length });
      res.end(outcome.body);
      return;
    }
    const body = Buffer.from(JSON.stringify(outcome.error), 'utf8');
    res.writeHead(200, { ...headers, 'x-fc-error-type': outcome.errorType, 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };

  const handleHttp = async (req: IncomingMessage, res: ServerResponse, requestId: string, host: FunctionHost, subPath: string, rawPath: string, url: URL, viaProxy: boolean): Promise<void> => {
    const trigger = host.config.triggers?.find((t): t is LocalHttpTrigger => t.type === 'http');
    if (host.config.kind !== 'http') {
      // UNCONFIRMED: FC's exact answer for a trigger URL of a function without an HTTP trigger.
      sendFcError(res, 404, 'TriggerNotFound', `function '${host.config.name}' has no HTTP trigger`, requestId);
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    if (trigger && !trigger.methods.includes(method)) {
      sendFcError(res, 405, 'MethodNotAllowed', `method ${method} is not allowed by HTTP trigger '${trigger.name}'`, requestId);
      return;
    }
    const body = await readBody(req, SYNC_PAYLOAD_LIMIT);
    if (!body) {
      sendFcError(res, 400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${SYNC_PAYLOAD_LIMIT} bytes)`, requestId);
      return;
    }
    if (verify && trigger?.authType === 'function') {
      const failure = verifyFcRequest({ method, path: rawPath, headers: req.headers, queries: viaProxy ? queryMap(url.searchParams) : undefined, body, ...verify });
      if (failure) {
        sendFcError(res, failure.status, failure.code, failure.message, requestId);
        return;
      }
    }
    let decodedPath: string;
    try {
      decodedPath = decodeURIComponent(subPath);
    } catch {
      decodedPath = subPath;
    }
    const fcReq = createFcRequest({
      method,
      path: decodedPath,
      url: req.url ?? '/',
      rawHeaders: req.headers,
      search: url.searchParams,
      clientIP: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      body,
    });
    const { resp, captured } = createFcResponse();
    const outcome = await track(host.invokeHttp(fcReq, resp, { requestId, retryCount: 0 }));
    record(host, { requestId, via: 'http', retryCount: 0, duplicate: false, ok: outcome.ok, ...(outcome.ok ? {} : { errorType: outcome.errorType }) });
    const sent = captured();
    if (outcome.ok && sent) {
      for (const [name, value] of sent.headers) res.setHeader(name, value);
      res.setHeader('x-fc-request-id', requestId);
      res.setHeader('content-length', sent.body.length);
      res.writeHead(sent.status);
      res.end(method === 'HEAD' ? undefined : sent.body);
      return;
    }
    // UNCONFIRMED: FC's status for a crashed HTTP function; 502 with the error body is what we serve.
    const err = outcome.ok ? { errorMessage: 'function returned without sending a response' } : outcome.error;
    const errBody = Buffer.from(JSON.stringify(err), 'utf8');
    res.writeHead(502, {
      'x-fc-request-id': requestId,
      'x-fc-error-type': outcome.ok ? 'UnhandledInvocationError' : outcome.errorType,
      'content-type': 'application/json',
      'content-length': errBody.length,
    });
    res.end(errBody);
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const target = req.url ?? '/';
    const rawPath = target.split('?')[0] ?? '/';
    const url = new URL(target, 'http://localhost');
    try {
      const inv = INVOKE_RE.exec(rawPath);
      if (inv?.[1] !== undefined && inv[2] !== undefined) return await handleInvoke(req, res, requestId, rawPath, inv[1], inv[2]);
      const proxy = PROXY_RE.exec(rawPath);
      if (proxy?.[1] !== undefined && proxy[2] !== undefined) {
        const serviceName = decodeURIComponent(proxy[1]).split('.')[0] ?? '';
        const host = hosts.get(`${serviceName}/${decodeURIComponent(proxy[2])}`);
        if (!host) {
          if (!services.has(serviceName)) sendFcError(res, 404, 'ServiceNotFound', `service '${serviceName}' does not exist`, requestId);
          else sendFcError(res, 404, 'FunctionNotFound', `function '${decodeURIComponent(proxy[2])}' does not exist in service '${serviceName}'`, requestId);
          return;
        }
        return await handleHttp(req, res, requestId, host, proxy[3] ?? '/', rawPath, url, true);
      }
      if (rawPath === API_PREFIX || rawPath.startsWith(`${API_PREFIX}/`)) {
        sendFcError(res, 400, 'PathNotSupported', `'${req.method ?? ''}' against '${rawPath}' is not supported`, requestId);
        return;
      }
      if (!rootHost) {
        sendFcError(res, 404, 'PathNotSupported', `no function is mounted at '/' (expected an HTTP function named '${rootName}')`, requestId);
        return;
      }
      return await handleHttp(req, res, requestId, rootHost, rawPath, rawPath, url, false);
    } catch (err) {
      if (!res.headersSent) sendFcError(res, 500, 'InternalServerError', `local FC stand-in: ${(err as Error).message}`, requestId);
      else res.destroy(err as Error);
    }
  };

  const server = createServer((req, res) => void onRequest(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${opts.host ?? '127.0.0.1'}:${port}`;

  // ---- environment, handlers, timers ----

  const savedEnv = new Map<string, string | undefined>();
  const closeServer = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  try {
    if (opts.applyEnv !== false) {
      const wanted = new Map<string, { value: string; from: string }>();
      const want = (k: string, v: string, from: string): void => {
        const prev = wanted.get(k);
        if (prev && prev.value !== v) {
          throw new ValidationError(`environment variable ${k} differs between ${prev.from} and ${from}; functions share one process locally`, { code: 'ConflictingEnvironment', field: 'env' });
        }
        wanted.set(k, { value: v, from });
      };
      want('FC_ACCOUNT_ID', accountId, 'stand-in');
      want('FC_REGION', region, 'stand-in');
      want('XCFLOW_FC_ENDPOINT', endpoint, 'stand-in');
      want('ALIBABA_CLOUD_ACCESS_KEY_ID', credentials.accessKeyId, 'stand-in');
      want('ALIBABA_CLOUD_ACCESS_KEY_SECRET', credentials.accessKeySecret, 'stand-in');
      if (credentials.securityToken) want('ALIBABA_CLOUD_SECURITY_TOKEN', credentials.securityToken, 'stand-in');
      const overrides = opts.env ?? {};
      for (const f of opts.functions) {
        for (const [k, v] of Object.entries(f.env ?? {})) if (!(k in overrides)) want(k, v, `function ${f.name}`);
      }
      for (const [k, v] of Object.entries(overrides)) wanted.set(k, { value: v, from: 'overrides' });
      for (const [k, { value }] of wanted) {
        savedEnv.set(k, process.env[k]);
        process.env[k] = value;
      }
    }
    for (const host of hosts.values()) await host.load();
  } catch (err) {
    for (const [k, v] of savedEnv) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    await closeServer();
    throw err;
  }

  queue.resume();

  const timerCancels: (() => void)[] = [];
  let closed = false;
  for (const host of hosts.values()) {
    for (const t of host.config.triggers ?? []) {
      if (t.type !== 'timer' || !t.enable) continue;
      const schedule = parseSchedule(t.cronExpression, { anchorMs: clock.now() });
      const arm = (after: number): void => {
        const at = schedule.next(after);
        if (at === undefined || closed) return;
        const cancel = clock.schedule(at - clock.now(), () => {
          if (closed) return;
          queue.enqueue({
            requestId: randomUUID(),
            service: host.serviceName,
            function: host.config.name,
            payload: timerEvent((t as LocalTimerTrigger).name, at, (t as LocalTimerTrigger).payload),
            via: 'timer',
            delayMs: 0,
          });
          arm(at);
        });
        timerCancels.push(cancel);
      };
      arm(clock.now());
    }
  }

  return {
    endpoint,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const cancel of timerCancels) cancel();
      await closeServer();
      await Promise.allSettled([...running]);
      queue.close();
      for (const [k, v] of savedEnv) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    },
    invokeCount: (name: string) => counts.get(name) ?? 0,
    drain: () => queue.drain(),
    idle: () => queue.idle(),
    deadLetters: () => [...deadList],
    invocations: () => [...records],
    pendingCount: () => queue.size(),
    async putEvents(events: Record<string, unknown>[]): Promise<number> {
      let started = 0;
      const syncRuns: Promise<unknown>[] = [];
      for (const event of events) {
        for (const host of hosts.values()) {
          for (const t of host.config.triggers ?? []) {
            if (t.type !== 'eventbridge' || !t.enable || !matchesEventPattern(t.pattern, event)) continue;
            started++;
            const payload = Buffer.from(JSON.stringify(event), 'utf8');
            const requestId = randomUUID();
            if (t.async) {
              queue.enqueue({ requestId, service: host.serviceName, function: host.config.name, payload, via: 'eventbridge', delayMs: 0 });
            } else {
              syncRuns.push(
                track(host.invokeEvent(payload, { requestId, retryCount: 0 })).then((o) =>
                  record(host, { requestId, via: 'eventbridge', retryCount: 0, duplicate: false, ok: o.ok, ...(o.ok ? {} : { errorType: o.errorType }) }),
                ),
              );
            }
          }
        }
      }
      await Promise.all(syncRuns);
      return started;
    },
  };
}
