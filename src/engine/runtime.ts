/**
 * Composition of the engine for one process (an FC instance, or the local stack): the store, the
 * cloud dependencies, the step scheduler and the procedures, read from the environment once.
 *
 * Environment (see `docs/deployment.md`):
 * - `XCFLOW_STORE`: `sqlite` (default) or `tablestore`; `XCFLOW_SQLITE_PATH` (default
 *   `.xcflow/xcflow.db`); `XCFLOW_TABLESTORE_ENDPOINT`, `XCFLOW_TABLESTORE_INSTANCE`;
 * - `XCFLOW_FC_SERVICE` + `XCFLOW_RUNNER_FUNCTION`: when both are set, the next step is an async
 *   invocation of that function (`XCFLOW_FC_ENDPOINT` for the local stand-in); otherwise an
 *   in-process timer delivers it (one local process);
 * - `XCFLOW_CLOUD_ENDPOINT`, `XCFLOW_REGION`, `ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN`:
 *   the cloud (or emulator) the effects call (`src/cloud`);
 * - `XCFLOW_LEASE_MS`: how long one effect may run before another runner may take over;
 * - `XCFLOW_CHAIN_STEPS`: most steps one invocation runs back to back (default 1).
 */
import { allProcedures, type WorkflowDeps } from '../../workflows/index.ts';
import { loadIntentFile } from '../../workflows/health-audit/index.ts';
import { cloudConfigFromEnv, createCloudClients, type CloudClients } from '../cloud/index.ts';
import { ValidationError } from '../errors.ts';
import type { ExecutionStore } from '../store/contract.ts';
import { DEFAULT_SQLITE_PATH, SqliteStore } from '../store/sqlite.ts';
import { createTablestoreStore, tablestoreOptionsFromEnv } from '../store/tablestore.ts';
import { createEngine, type Engine } from './engine.ts';
import { createFcClient, createFcStepScheduler } from './fc-scheduler.ts';
import type { DepsFactory } from './runner.ts';
import { TimerScheduler, type Clock, type StepMessage, type StepScheduler } from './scheduler.ts';
import type { ProcedureDefinition } from './types.ts';

type Env = Record<string, string | undefined>;

/** What an FC handler's `context` offers the runtime (FC 2.0 and 3.0 both provide these). */
export interface InvocationContext {
  requestId?: string;
  accountId?: string;
  region?: string;
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
}

/** Where state lives and how the next step is delivered, as read from the environment. */
export interface RuntimeConfig {
  store: { kind: 'sqlite'; path: string } | { kind: 'tablestore' };
  scheduler: { kind: 'fc'; serviceName: string; functionName: string; endpoint?: string } | { kind: 'timer' };
  leaseMs?: number;
  /** `maxStepsPerAdvance` of the engine. */
  chainSteps?: number;
}

/**
 * Reads the runtime configuration.
 * @throws ValidationError code `InvalidConfig` for an unknown store kind or a non-numeric lease.
 */
export function runtimeConfigFromEnv(env: Env = process.env): RuntimeConfig {
  const kind = env.XCFLOW_STORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'tablestore') {
    throw new ValidationError(`XCFLOW_STORE must be sqlite or tablestore, not ${kind}`, { code: 'InvalidConfig', field: 'XCFLOW_STORE' });
  }
  const lease = env.XCFLOW_LEASE_MS;
  if (lease !== undefined && !/^\d+$/.test(lease)) {
    throw new ValidationError('XCFLOW_LEASE_MS must be a whole number of milliseconds', { code: 'InvalidConfig', field: 'XCFLOW_LEASE_MS' });
  }
  const chain = env.XCFLOW_CHAIN_STEPS;
  if (chain !== undefined && !/^[1-9]\d*$/.test(chain)) {
    throw new ValidationError('XCFLOW_CHAIN_STEPS must be a whole number ≥ 1', { code: 'InvalidConfig', field: 'XCFLOW_CHAIN_STEPS' });
  }
  const serviceName = env.XCFLOW_FC_SERVICE;
  const functionName = env.XCFLOW_RUNNER_FUNCTION;
  return {
    store: kind === 'sqlite' ? { kind, path: env.XCFLOW_SQLITE_PATH ?? DEFAULT_SQLITE_PATH } : { kind },
    scheduler:
      serviceName && functionName
        ? { kind: 'fc', serviceName, functionName, ...(env.XCFLOW_FC_ENDPOINT ? { endpoint: env.XCFLOW_FC_ENDPOINT } : {}) }
        : { kind: 'timer' },
    ...(lease !== undefined ? { leaseMs: Number(lease) } : {}),
    ...(chain !== undefined ? { chainSteps: Number(chain) } : {}),
  };
}

/** Parts that replace what the environment would build (tests, the local stack). */
export interface RuntimeParts<D> {
  procedures?: ProcedureDefinition<D>[];
  deps?: DepsFactory<D>;
  store?: ExecutionStore;
  scheduler?: StepScheduler;
  clock?: Clock;
}

/** One process's engine and what it holds open. */
export interface Runtime {
  engine: Engine;
  store: ExecutionStore;
  /** Takes fresh credentials from an invocation's context (FC rotates the role's STS token). */
  refresh(context: InvocationContext): void;
  close(): Promise<void>;
}

/**
 * An FC step scheduler whose fc2 client follows the credentials of the latest invocation:
 * FC hands each invocation the service role's current STS token, which expires.
 */
class RefreshingFcScheduler implements StepScheduler {
  private inner: StepScheduler | undefined;
  private key = '';
  private context: InvocationContext = {};

  constructor(
    private readonly config: Extract<RuntimeConfig['scheduler'], { kind: 'fc' }>,
    private readonly env: Env,
  ) {}

  refresh(context: InvocationContext): void {
    this.context = context;
  }

  async schedule(msg: StepMessage, opts: { delayMs: number }): Promise<void> {
    const ctx = this.context;
    const credentials = ctx.credentials ?? {
      accessKeyId: this.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
      accessKeySecret: this.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
      securityToken: this.env.ALIBABA_CLOUD_SECURITY_TOKEN,
    };
    const accountId = ctx.accountId ?? this.env.FC_ACCOUNT_ID ?? '';
    const region = ctx.region ?? this.env.FC_REGION ?? this.env.XCFLOW_REGION ?? '';
    if (!accountId || !region || !credentials.accessKeyId) {
      throw new ValidationError('scheduling through FC needs the account id, region and credentials (FC context or FC_ACCOUNT_ID, FC_REGION, ALIBABA_CLOUD_ACCESS_KEY_ID)', {
        code: 'InvalidConfig',
      });
    }
    const key = [accountId, region, credentials.accessKeyId, credentials.securityToken ?? ''].join('|');
    if (!this.inner || key !== this.key) {
      const client = createFcClient({ accountId, region, credentials, ...(this.config.endpoint ? { endpoint: this.config.endpoint } : {}) });
      this.inner = createFcStepScheduler({ client, serviceName: this.config.serviceName, functionName: this.config.functionName });
      this.key = key;
    }
    await this.inner.schedule(msg, opts);
  }
}

/**
 * Opens the store a configuration names. Tablestore settings may be given as s.yaml names them
 * (`XCFLOW_TABLESTORE_ENDPOINT`/`_INSTANCE`) or as the backend's own `TABLESTORE_*`.
 * @throws ValidationError `MissingConfig` naming the variable.
 */
export function openStore(config: RuntimeConfig, env: Env = process.env): ExecutionStore {
  if (config.store.kind === 'sqlite') return new SqliteStore({ path: config.store.path });
  return createTablestoreStore(
    tablestoreOptionsFromEnv({
      ...env,
      TABLESTORE_ENDPOINT: env.TABLESTORE_ENDPOINT ?? env.XCFLOW_TABLESTORE_ENDPOINT,
      TABLESTORE_INSTANCE: env.TABLESTORE_INSTANCE ?? env.XCFLOW_TABLESTORE_INSTANCE,
    } as NodeJS.ProcessEnv),
  );
}

/**
 * Builds a runtime from a configuration, the invoking context and optional parts. Without parts
 * it runs the registered procedures (`workflows/index.ts`) against the cloud of `env`.
 */
export function createRuntime<D = WorkflowDeps>(config: RuntimeConfig, env: Env = process.env, parts: RuntimeParts<D> = {}): Runtime {
  const store =
    parts.store ?? openStore(config, env);
  let cloud: CloudClients | undefined;
  const deps: DepsFactory<D> =
    parts.deps ??
    (((observer) => {
      // Built on first use: a runner that only handles stale messages never needs the cloud.
      cloud ??= createCloudClients(cloudConfigFromEnv(env));
      return cloud.withObserver(observer);
    }) as DepsFactory<WorkflowDeps> as unknown as DepsFactory<D>);
  const fcScheduler = !parts.scheduler && config.scheduler.kind === 'fc' ? new RefreshingFcScheduler(config.scheduler, env) : undefined;
  const timer = !parts.scheduler && !fcScheduler ? new TimerScheduler() : undefined;
  const scheduler = parts.scheduler ?? fcScheduler ?? (timer as TimerScheduler);
  // The health audit needs the store and the engine it runs in, so it is built around them lazily.
  const intentFile = env.XCFLOW_AUDIT_INTENT_FILE;
  const procedures =
    parts.procedures ??
    (allProcedures(() => ({
      store,
      engine: () => engine,
      ...(intentFile ? { defaultIntent: () => loadIntentFile(intentFile) } : {}),
    })) as unknown as ProcedureDefinition<D>[]);
  const engine: Engine = createEngine<D>({
    store,
    procedures,
    deps,
    scheduler,
    ...(parts.clock ? { clock: parts.clock } : {}),
    ...(config.leaseMs !== undefined ? { leaseMs: config.leaseMs } : {}),
    ...(config.chainSteps !== undefined ? { maxStepsPerAdvance: config.chainSteps } : {}),
  });
  timer?.attach((msg) => engine.advance(msg));
  return {
    engine,
    store,
    refresh: (context) => fcScheduler?.refresh(context),
    async close() {
      timer?.close();
      cloud?.close();
      await store.close();
    },
  };
}

let instance: Runtime | undefined;

/**
 * The runtime of this FC instance, built from `process.env` on the first invocation and reused
 * by every later one (FC keeps instances warm); each call refreshes the invocation credentials.
 */
export function instanceRuntime(context: InvocationContext = {}): Runtime {
  instance ??= createRuntime(runtimeConfigFromEnv(process.env), process.env);
  instance.refresh(context);
  return instance;
}

/** Replaces the instance runtime (tests and the local stack install their own). */
export function setInstanceRuntime(runtime: Runtime | undefined): void {
  instance = runtime;
}

/** FC's node callback: `(err)` or `(null, result)`. */
export type FcCallback = (err: unknown, result?: unknown) => void;

/** An FC event handler: called with a callback (FC 2.0) or awaited (FC 3.0, the local stand-in). */
export type FcEventHandler = (event: Buffer | string | object, context?: InvocationContext, callback?: FcCallback) => Promise<unknown>;

/**
 * Parses an FC event body: a Buffer (FC), a string, or an already parsed object (direct calls).
 * @throws ValidationError code `InvalidEvent` when it is not JSON.
 */
export function parseEvent(event: Buffer | string | object | undefined): unknown {
  if (event === undefined || event === null) return {};
  if (Buffer.isBuffer(event) || typeof event === 'string') {
    const text = event.toString();
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ValidationError('the event is not JSON', { code: 'InvalidEvent', cause: err });
    }
  }
  return event;
}

/**
 * Wraps `work` as an FC event handler that supports both calling conventions: with a callback
 * the result goes to it (and the returned promise never rejects); without one the promise carries
 * the result or the error.
 */
export function fcEventHandler(work: (event: unknown, context: InvocationContext) => Promise<unknown>): FcEventHandler {
  return async (event, context = {}, callback) => {
    let result: unknown;
    try {
      result = await work(parseEvent(event), context);
    } catch (err) {
      if (callback) {
        callback(err);
        return undefined;
      }
      throw err;
    }
    callback?.(null, result);
    return result;
  };
}
