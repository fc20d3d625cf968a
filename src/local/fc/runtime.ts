/**
 * Hosts one function's handler the way the FC 2.0 Node.js runtime calls it: event handlers get the
 * payload as a Buffer plus `context` and a callback (a returned promise works too); HTTP handlers get
 * `(req, resp, context)`. Errors come back in FC's shape `{errorMessage, errorType, stackTrace}` with
 * the error type FC reports in `x-fc-error-type` (callback error → HandledInvocationError; throw,
 * rejection, timeout → UnhandledInvocationError; failed initializer → InitializationError).
 *
 * Handlers run in this process (so a virtual clock and in-memory fakes can be shared with tests);
 * a timed-out handler cannot be killed, its late result is ignored.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { ValidationError } from '../../errors.ts';
import type { LocalFunctionConfig } from './types.ts';
import type { FcHttpRequest, FcHttpResponse } from './http-trigger.ts';

/** FC's error body for a failed invocation. */
export interface FcInvocationError {
  errorMessage: string;
  errorType?: string;
  stackTrace?: string[];
}

/** Outcome of one handler run. */
export type InvocationOutcome =
  | { ok: true; body: Buffer; logs: string[] }
  | {
      ok: false;
      errorType: 'HandledInvocationError' | 'UnhandledInvocationError' | 'InitializationError';
      error: FcInvocationError;
      logs: string[];
    };

/** Environment shared by every function the stand-in hosts. */
export interface HostEnvironment {
  accountId: string;
  region: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  now: () => number;
  log: (line: string) => void;
}

/** Per-run facts handed to the handler through `context`. */
export interface InvokeMeta {
  requestId: string;
  retryCount: number;
}

/** The `context` object FC passes to handlers. */
export interface FcContext {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  function: { name: string; handler: string; memory: number; timeout: number; initializer?: string };
  service: { name: string; logProject: string; logStore: string; qualifier: string; versionId: string };
  region: string;
  accountId: string;
  retryCount: number;
  logger: {
    debug: (...args: unknown[]) => void;
    info: (...args: unknown[]) => void;
    warn: (...args: unknown[]) => void;
    error: (...args: unknown[]) => void;
    log: (...args: unknown[]) => void;
  };
  tracing: Record<string, never>;
}

type Callback = (err?: unknown, result?: unknown) => void;
type AnyHandler = (...args: unknown[]) => unknown;

/** Serializes a handler's result the way FC returns it: bytes as-is, strings as UTF-8, the rest as JSON. */
export function resultToBody(result: unknown): Buffer {
  if (result === undefined || result === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(result)) return result;
  if (result instanceof Uint8Array) return Buffer.from(result);
  if (typeof result === 'string') return Buffer.from(result, 'utf8');
  return Buffer.from(JSON.stringify(result), 'utf8');
}

/** FC's error body for anything a handler threw or passed to its callback. */
export function toFcError(err: unknown): FcInvocationError {
  if (err instanceof Error) {
    return { errorMessage: err.message, errorType: err.name, stackTrace: (err.stack ?? '').split('\n') };
  }
  return { errorMessage: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err) };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** One hosted function: loads its module lazily, runs its initializer once, runs invocations. */
export class FunctionHost {
  readonly config: LocalFunctionConfig;
  readonly serviceName: string;
  private readonly env: HostEnvironment;
  private handlerFn?: AnyHandler;
  private initializerFn?: AnyHandler;
  private initialized = false;
  private initializing?: Promise<InvocationOutcome | undefined>;

  constructor(config: LocalFunctionConfig, env: HostEnvironment) {
    this.config = config;
    this.serviceName = config.service ?? 'xcflow';
    this.env = env;
  }

  get timeoutMs(): number {
    return this.config.timeoutMs ?? 60_000;
  }

  /**
   * Imports the module and finds the handler (and initializer).
   * @throws ValidationError when the module or an export is missing.
   */
  async load(): Promise<void> {
    if (this.handlerFn) return;
    const path = isAbsolute(this.config.module) ? this.config.module : resolve(this.config.module);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (err) {
      throw new ValidationError(`function '${this.config.name}': cannot load ${path}: ${(err as Error).message}`, {
        code: 'HandlerModuleNotFound',
        field: 'module',
        cause: err,
      });
    }
    const pick = (name: string): AnyHandler | undefined => {
      const direct = mod[name];
      if (typeof direct === 'function') return direct as AnyHandler;
      // A CommonJS bundle imported as ESM exposes its exports under `default`.
      const dflt = mod.default;
      if (typeof dflt === 'object' && dflt !== null) {
        const nested = (dflt as Record<string, unknown>)[name];
        if (typeof nested === 'function') return nested as AnyHandler;
      }
      return undefined;
    };
    const exportName = this.config.export ?? 'handler';
    const fn = pick(exportName);
    if (!fn) {
      throw new ValidationError(`function '${this.config.name}': handler '${exportName}' missing on module '${path}'`, {
        code: 'HandlerNotFound',
        field: 'export',
      });
    }
    if (this.config.initializer) {
      const init = pick(this.config.initializer);
      if (!init) {
        throw new ValidationError(`function '${this.config.name}': initializer '${this.config.initializer}' missing on module '${path}'`, {
          code: 'HandlerNotFound',
          field: 'initializer',
        });
      }
      this.initializerFn = init;
    }
    this.handlerFn = fn;
  }

  private makeContext(meta: InvokeMeta, logs: string[]): FcContext {
    const c = this.config;
    const line =
      (level: string) =>
      (...args: unknown[]): void => {
        const text = `${new Date(this.env.now()).toISOString()} ${meta.requestId} [${level}] ${format(...args)}`;
        logs.push(text);
        this.env.log(`[${this.serviceName}/${c.name}] ${text}`);
      };
    return {
      requestId: meta.requestId,
      credentials: {
        accessKeyId: this.env.credentials.accessKeyId,
        accessKeySecret: this.env.credentials.accessKeySecret,
        securityToken: this.env.credentials.securityToken ?? '',
      },
      function: {
        name: c.name,
        handler: c.handler ?? `index.${c.export ?? 'handler'}`,
        memory: c.memoryMb ?? 512,
        timeout: Math.ceil(this.timeoutMs / 1000),
        ...(c.initializer ? { initializer: c.initializer } : {}),
      },
      service: { name: this.serviceName, logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
      region: this.env.region,
      accountId: this.env.accountId,
      retryCount: meta.retryCount,
      logger: { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR'), log: line('INFO') },
      tracing: {},
    };
  }

  /**
   * Runs `start` (which must eventually call `settle` once) under the function timeout.
   * Late settlements after a timeout are dropped, as FC drops a killed instance's output.
   */
  private run(
    start: (settle: (outcome: { ok: true; body: Buffer } | { ok: false; handled: boolean; err: unknown }) => void) => void,
    logs: string[],
  ): Promise<InvocationOutcome> {
    return new Promise<InvocationOutcome>((resolvePromise) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        resolvePromise({
          ok: false,
          errorType: 'UnhandledInvocationError',
          error: { errorMessage: `Function timed out after ${Math.ceil(this.timeoutMs / 1000)} seconds` },
          logs,
        });
      }, this.timeoutMs);
      const settle = (o: { ok: true; body: Buffer } | { ok: false; handled: boolean; err: unknown }): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (o.ok) resolvePromise({ ok: true, body: o.body, logs });
        else
          resolvePromise({
            ok: false,
            errorType: o.handled ? 'HandledInvocationError' : 'UnhandledInvocationError',
            error: toFcError(o.err),
            logs,
          });
      };
      try {
        start(settle);
      } catch (err) {
        settle({ ok: false, handled: false, err });
      }
    });
  }

  /** Runs the initializer once per host; a failure is reported and retried on the next invocation. */
  private async ensureInitialized(meta: InvokeMeta, logs: string[]): Promise<InvocationOutcome | undefined> {
    await this.load();
    if (this.initialized || !this.initializerFn) return undefined;
    this.initializing ??= (async () => {
      const init = this.initializerFn as AnyHandler;
      const ctx = this.makeContext(meta, logs);
      const outcome = await this.run((settle) => {
        const cb: Callback = (err) => (err ? settle({ ok: false, handled: true, err }) : settle({ ok: true, body: Buffer.alloc(0) }));
        const ret = init(ctx, cb);
        if (isThenable(ret)) ret.then(() => settle({ ok: true, body: Buffer.alloc(0) }), (err: unknown) => settle({ ok: false, handled: false, err }));
        else if (init.length < 2) settle({ ok: true, body: Buffer.alloc(0) });
      }, logs);
      this.initializing = undefined;
      if (outcome.ok) {
        this.initialized = true;
        return undefined;
      }
      return { ...outcome, errorType: 'InitializationError' as const };
    })();
    return this.initializing;
  }

  /** Runs the event handler with `payload` as a Buffer. */
  async invokeEvent(payload: Buffer, meta: InvokeMeta): Promise<InvocationOutcome> {
    const logs: string[] = [];
    const initFailure = await this.ensureInitialized(meta, logs);
    if (initFailure) return initFailure;
    const fn = this.handlerFn as AnyHandler;
    const ctx = this.makeContext(meta, logs);
    return this.run((settle) => {
      const cb: Callback = (err, result) =>
        err !== undefined && err !== null ? settle({ ok: false, handled: true, err }) : settle({ ok: true, body: resultToBody(result) });
      const ret = fn(payload, ctx, cb);
      if (isThenable(ret)) {
        ret.then(
          (v) => settle({ ok: true, body: resultToBody(v) }),
          (err: unknown) => settle({ ok: false, handled: false, err }),
        );
      } else if (fn.length < 3) {
        // A plain (event, context) function that returns a value: no callback is coming.
        settle({ ok: true, body: resultToBody(ret) });
      }
    }, logs);
  }

  /**
   * Runs the HTTP handler `(req, resp, context)`. Success means `resp.send` was called; a throw or
   * rejection before that is an UnhandledInvocationError.
   */
  async invokeHttp(req: FcHttpRequest, resp: FcHttpResponse, meta: InvokeMeta): Promise<InvocationOutcome> {
    const logs: string[] = [];
    const initFailure = await this.ensureInitialized(meta, logs);
    if (initFailure) return initFailure;
    const fn = this.handlerFn as AnyHandler;
    const ctx = this.makeContext(meta, logs);
    return this.run((settle) => {
      resp.onSent(() => settle({ ok: true, body: Buffer.alloc(0) }), (err) => settle({ ok: false, handled: false, err }));
      const ret = fn(req, resp, ctx);
      if (isThenable(ret)) ret.then(undefined, (err: unknown) => settle({ ok: false, handled: false, err }));
    }, logs);
  }
}
