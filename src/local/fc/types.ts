/**
 * Configuration and public types of the local FC stand-in (`startLocalFc`).
 * Shapes follow FC 2.0 (services + functions), the generation `@alicloud/fc2` speaks.
 */
import type { Clock } from '../../clock.ts';

/** The clock the stand-in schedules delays, retries and timers on (`src/clock.ts`). Virtual in tests. */
export type LocalFcClock = Clock;

/** An HTTP trigger (FC 2.0 `type: http`). */
export interface LocalHttpTrigger {
  type: 'http';
  name: string;
  /** `function` requires an fc2-signed request (checked only when the stand-in has credentials). */
  authType: 'anonymous' | 'function';
  /** Upper-case HTTP methods the trigger accepts. */
  methods: string[];
}

/** A time trigger (FC `type: timer`). */
export interface LocalTimerTrigger {
  type: 'timer';
  name: string;
  /** 6-field UTC cron or `@every <duration>`; see `src/local/cron.ts`. */
  cronExpression: string;
  enable: boolean;
  /** Passed to the function as `payload` of the timer event. */
  payload?: string;
}

/** An EventBridge trigger (FC `type: eventbridge`), fed locally by `LocalFc.putEvents`. */
export interface LocalEventBridgeTrigger {
  type: 'eventbridge';
  name: string;
  enable: boolean;
  /** Invoke asynchronously (through the queue, with retries) rather than synchronously. */
  async: boolean;
  /** The parsed `eventRuleFilterPattern`. */
  pattern: Record<string, unknown>;
}

/** Any trigger the stand-in understands. */
export type LocalTrigger = LocalHttpTrigger | LocalTimerTrigger | LocalEventBridgeTrigger;

/** One function hosted by the stand-in. */
export interface LocalFunctionConfig {
  /** FC function name, e.g. `runner`. */
  name: string;
  /** FC service name; default `xcflow`. */
  service?: string;
  /** Path (absolute, or relative to the working directory) of the module holding the handler. */
  module: string;
  /** Name of the exported handler; default `handler`. */
  export?: string;
  /** The handler string as deployed (`index.handler`), reported in `context.function.handler`. */
  handler?: string;
  /**
   * `event`: `(event: Buffer, context, callback)` or a promise-returning `(event, context)`.
   * `http`: the FC 2.0 HTTP handler `(req, resp, context)`.
   */
  kind: 'event' | 'http';
  /** Run-time limit; default 60 000 ms. Measured on the real clock (a hung handler is real). */
  timeoutMs?: number;
  /** Memory size in MB, reported in `context.function.memory`; default 512. */
  memoryMb?: number;
  /** Retries after a failed async delivery (FC `maxAsyncRetryAttempts`, 0-8); default 3. */
  maxAsyncRetryAttempts?: number;
  /** Async events older than this are dropped to the dead-letter list (FC `maxAsyncEventAgeInSeconds`). */
  maxAsyncEventAgeSeconds?: number;
  /** Name of an exported initializer `(context, callback)` run once before the first invocation. */
  initializer?: string;
  /** Environment variables of the function (FC `environmentVariables`). */
  env?: Record<string, string>;
  triggers?: LocalTrigger[];
}

/** Fault injection on async delivery; all randomness comes from `seed`. */
export interface LocalFcFaults {
  /** Probability (0-1) that an accepted async event is delivered twice. */
  duplicateRate?: number;
  /** Each delivery is postponed by a uniform random 0..extraDelayMs on the clock. */
  extraDelayMs?: number;
  seed?: number;
}

/** Options of `startLocalFc`. */
export interface LocalFcOptions {
  /** Port on 127.0.0.1; default 0 (OS-assigned). */
  port?: number;
  /** Host to bind; default `127.0.0.1`. */
  host?: string;
  functions: LocalFunctionConfig[];
  /** Clock for async delays, retries and timers; default the real clock. */
  clock?: LocalFcClock;
  faults?: LocalFcFaults;
  /**
   * When both are set, requests to the invocation API (and `authType: function` HTTP triggers) must
   * carry a valid fc2 `Authorization` signature made with this key pair.
   */
  accessKeyId?: string;
  accessKeySecret?: string;
  /** Account id and region reported to handlers (`context.accountId`, `context.region`). */
  accountId?: string;
  region?: string;
  /** Credentials handed to handlers as `context.credentials` (the service role's STS in FC). */
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** SQLite file for the async queue so accepted events survive a restart; default in memory. */
  queuePath?: string;
  /** First retry delay after a failed async delivery, doubled per retry; default 1000 ms. UNCONFIRMED for FC. */
  asyncRetryBaseDelayMs?: number;
  /** Function mounted at `/` (besides `/2016-08-15/proxy/...`); default `api` when it is an HTTP function. */
  rootFunction?: string;
  /** Receives every line handlers log through `context.logger`; default: written to stderr. */
  log?: (line: string) => void;
  /**
   * Whether to set the functions' `env` (and FC's own variables) in `process.env` while running;
   * default true. Handlers share this process, so conflicting values across functions are refused.
   */
  applyEnv?: boolean;
  /**
   * Environment values that replace what the functions declare (and are set even when none does),
   * e.g. `{ XCFLOW_STORE: 'sqlite' }` when hosting the functions of s.yaml locally.
   */
  env?: Record<string, string>;
}

/** An async event that was given up on (retries exhausted, or older than its maximum age). */
export interface DeadLetter {
  requestId: string;
  service: string;
  function: string;
  payload: Buffer;
  attempts: number;
  reason: 'retries-exhausted' | 'expired';
  lastError?: { errorMessage: string; errorType?: string };
}

/** One handler run, as recorded by the stand-in (newest last). */
export interface InvocationRecord {
  requestId: string;
  function: string;
  /** How it was invoked. */
  via: 'sync' | 'async' | 'http' | 'timer' | 'eventbridge';
  /** 0 for the first delivery of an async event, then 1, 2… (`context.retryCount`). */
  retryCount: number;
  /** Whether this delivery is an injected duplicate. */
  duplicate: boolean;
  ok: boolean;
  errorType?: string;
  at: number;
}

/** A running stand-in. */
export interface LocalFc {
  /** `http://127.0.0.1:<port>`: give it to `new FC(accountId, { endpoint })`. */
  endpoint: string;
  /** Stops timers and the server, waits for running handlers, closes the queue. */
  close(): Promise<void>;
  /** How many times the function's handler has been run (every kind of invocation). */
  invokeCount(name: string): number;
  /** Resolves when the async queue is empty: nothing waiting (even delayed), nothing running. */
  drain(): Promise<void>;
  /**
   * Resolves when nothing is running and nothing is due: remaining events all wait on the clock.
   * With a virtual clock: `await fc.idle(); clock.advance(ms)` in a loop.
   */
  idle(): Promise<void>;
  /** Async events given up on so far. */
  deadLetters(): DeadLetter[];
  /** Every handler run so far. */
  invocations(): InvocationRecord[];
  /** Number of async events accepted and not yet finished (including delayed ones). */
  pendingCount(): number;
  /**
   * Delivers EventBridge events (CloudEvents JSON objects) to every function whose enabled
   * eventbridge trigger pattern matches. Returns the number of (event, function) deliveries started.
   */
  putEvents(events: Record<string, unknown>[]): Promise<number>;
}
