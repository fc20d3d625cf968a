/**
 * The composition root: from the environment (and, inside FC, the invocation `context`) build the
 * store, the cloud clients, the step scheduler, the engine, the planners and the HTTP app. Every
 * function in `functions/` gets its runtime here, once per process (per FC instance).
 *
 *   const rt = await runtimeFor(context);     // functions/*.ts
 *   await rt.engine.advance(msg);
 *
 * Environment (all optional unless noted; docs/deployment.md lists them too):
 * - `XCFLOW_STORE` `sqlite` (default) | `tablestore`; `XCFLOW_SQLITE_PATH` (default `.xcflow/xcflow.db`);
 *   `XCFLOW_TABLESTORE_ENDPOINT` / `XCFLOW_TABLESTORE_INSTANCE` (or `TABLESTORE_*`, see src/store/tablestore.ts).
 * - `XCFLOW_SCHEDULER` `fc` | `local` (default `fc` when `FC_ACCOUNT_ID` is set, else `local`):
 *   `fc` self-invokes `XCFLOW_FC_SERVICE`/`XCFLOW_RUNNER_FUNCTION` (default `xcflow`/`runner`) through
 *   fc2 (`XCFLOW_FC_ENDPOINT` locally), with `FC_ACCOUNT_ID`, `FC_REGION` and the role's
 *   `ALIBABA_CLOUD_ACCESS_KEY_ID`/`_SECRET`/`ALIBABA_CLOUD_SECURITY_TOKEN`; `local` runs steps in this
 *   process on timers and sweeps every `XCFLOW_SWEEP_INTERVAL_MS` (default 5000).
 * - Cloud: `XCFLOW_CLOUD_ENDPOINT`, `XCFLOW_REGION`, `XCFLOW_PROBER`, `XCFLOW_CLOUD_TIMEOUT_MS` (src/cloud).
 * - `XCFLOW_EVENT_RULES` / `XCFLOW_EVENT_RULES_FILE`: EventBridge rules (src/api/events.ts).
 * - `XCFLOW_ACCESS_LOG` `0` turns the API's JSON access log (stdout) off.
 */
import { createApp, type AccessLogEntry, type App } from './api/app.ts';
import { eventRulesFromEnv, type EventRule } from './api/events.ts';
import { PlannerRegistry } from './api/planners.ts';
import { CATALOG, type CatalogEntry, type ProcedureDeps } from './catalog.ts';
import { cloudConfigFromEnv, createCloudClients, type CloudClients } from './cloud/index.ts';
import { createEngine, type Engine } from './engine/engine.ts';
import { createFcClient, createFcStepScheduler } from './engine/fc-scheduler.ts';
import type { CloudCallObserver, DepsFactory } from './engine/runner.ts';
import { systemClock, type Clock, type StepMessage, type StepScheduler } from './engine/scheduler.ts';
import { ValidationError } from './errors.ts';
import type { ExecutionStore } from './store/contract.ts';
import { DEFAULT_SQLITE_PATH, SqliteStore } from './store/sqlite.ts';
import { createTablestoreStore, tablestoreOptionsFromEnv } from './store/tablestore.ts';

/** Environment variables as read (process.env, possibly overlaid with FC context values). */
export type Env = Record<string, string | undefined>;

/** Where state lives. */
export type StoreConfig = { kind: 'sqlite'; path: string } | { kind: 'tablestore' };

/** How the next step of an execution is delivered. */
export type SchedulerConfig =
  | {
      kind: 'fc';
      accountId: string;
      region: string;
      serviceName: string;
      functionName: string;
      credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
      endpoint?: string;
    }
  | { kind: 'local'; sweepIntervalMs: number };

/** What `runtimeConfigFromEnv` read. */
export interface RuntimeConfig {
  store: StoreConfig;
  scheduler: SchedulerConfig;
  accessLog: boolean;
}

function get(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/**
 * Reads the runtime configuration.
 * @throws ValidationError `MissingConfig` / `InvalidConfig` naming the variable.
 */
export function runtimeConfigFromEnv(env: Env): RuntimeConfig {
  const storeKind = get(env, 'XCFLOW_STORE') ?? 'sqlite';
  if (storeKind !== 'sqlite' && storeKind !== 'tablestore') {
    throw new ValidationError(`XCFLOW_STORE must be sqlite or tablestore, not ${storeKind}`, { code: 'InvalidConfig', field: 'XCFLOW_STORE' });
  }
  const store: StoreConfig = storeKind === 'sqlite' ? { kind: 'sqlite', path: get(env, 'XCFLOW_SQLITE_PATH') ?? DEFAULT_SQLITE_PATH } : { kind: 'tablestore' };
  const schedulerKind = get(env, 'XCFLOW_SCHEDULER') ?? (get(env, 'FC_ACCOUNT_ID') ? 'fc' : 'local');
  let scheduler: SchedulerConfig;
  if (schedulerKind === 'fc') {
    const need = (name: string): string => {
      const v = get(env, name);
      if (!v) throw new ValidationError(`${name} must be set for XCFLOW_SCHEDULER=fc`, { code: 'MissingConfig', field: name });
      return v;
    };
    const securityToken = get(env, 'ALIBABA_CLOUD_SECURITY_TOKEN');
    const endpoint = get(env, 'XCFLOW_FC_ENDPOINT');
    scheduler = {
      kind: 'fc',
      accountId: need('FC_ACCOUNT_ID'),
      region: need('FC_REGION'),
      serviceName: get(env, 'XCFLOW_FC_SERVICE') ?? 'xcflow',
      functionName: get(env, 'XCFLOW_RUNNER_FUNCTION') ?? 'runner',
      credentials: {
        accessKeyId: need('ALIBABA_CLOUD_ACCESS_KEY_ID'),
        accessKeySecret: need('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
        ...(securityToken ? { securityToken } : {}),
      },
      ...(endpoint ? { endpoint } : {}),
    };
  } else if (schedulerKind === 'local') {
    const text = get(env, 'XCFLOW_SWEEP_INTERVAL_MS');
    const sweepIntervalMs = text === undefined ? 5000 : Number(text);
    if (!Number.isInteger(sweepIntervalMs) || sweepIntervalMs < 100) {
      throw new ValidationError('XCFLOW_SWEEP_INTERVAL_MS must be an integer ≥ 100', { code: 'InvalidConfig', field: 'XCFLOW_SWEEP_INTERVAL_MS' });
    }
    scheduler = { kind: 'local', sweepIntervalMs };
  } else {
    throw new ValidationError(`XCFLOW_SCHEDULER must be fc or local, not ${schedulerKind}`, { code: 'InvalidConfig', field: 'XCFLOW_SCHEDULER' });
  }
  return { store, scheduler, accessLog: get(env, 'XCFLOW_ACCESS_LOG') !== '0' };
}

/**
 * Opens the configured store. Tablestore settings come from `XCFLOW_TABLESTORE_*` (as s.yaml sets
 * them) or the backend's own `TABLESTORE_*` names.
 * @throws ValidationError `MissingConfig` for missing Tablestore settings.
 */
export function openStore(config: StoreConfig, env: Env): ExecutionStore {
  if (config.kind === 'sqlite') return new SqliteStore({ path: config.path });
  const merged: NodeJS.ProcessEnv = {
    ...env,
    TABLESTORE_ENDPOINT: env.TABLESTORE_ENDPOINT ?? env.XCFLOW_TABLESTORE_ENDPOINT,
    TABLESTORE_INSTANCE: env.TABLESTORE_INSTANCE ?? env.XCFLOW_TABLESTORE_INSTANCE,
  };
  return createTablestoreStore(tablestoreOptionsFromEnv(merged));
}

/**
 * A `StepScheduler` that runs steps in this process on timers (the `local` scheduler). Delays
 * beyond what a Node timer can hold are left to the sweep, as the FC scheduler leaves waits beyond
 * an hour. Timers do not keep the process alive.
 */
export class TimerScheduler implements StepScheduler {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly deliver: (msg: StepMessage) => Promise<unknown>,
    private readonly onError: (err: unknown, msg: StepMessage) => void = () => undefined,
  ) {}

  async schedule(msg: StepMessage, opts: { delayMs: number }): Promise<void> {
    if (this.closed || opts.delayMs > 2_147_483_647) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      const run = this.deliver(msg)
        .catch((err: unknown) => this.onError(err, msg))
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }, Math.max(0, opts.delayMs));
    timer.unref?.();
    this.timers.add(timer);
  }

  /** Stops every pending delivery and waits for running ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}

/** Everything a function needs. */
export interface Runtime {
  readonly config: RuntimeConfig;
  readonly store: ExecutionStore;
  readonly engine: Engine;
  readonly planners: PlannerRegistry<ProcedureDeps>;
  readonly deps: DepsFactory<ProcedureDeps>;
  readonly eventRules: readonly EventRule[];
  /** The HTTP app (built on first use). */
  app(): App;
  /** Stops timers, closes the store and cloud sockets. */
  close(): Promise<void>;
}

/** How to build a runtime; everything not given comes from `env`. */
export interface RuntimeOptions {
  env?: Env;
  catalog?: readonly CatalogEntry[];
  store?: ExecutionStore;
  scheduler?: StepScheduler;
  clock?: Clock;
  /** Effect dependencies; default: cloud clients from the environment, built on first use. */
  deps?: DepsFactory<ProcedureDeps>;
  eventRules?: readonly EventRule[];
  /** Receives log lines (access log, scheduler errors); default JSON lines on stdout. */
  log?: (line: Record<string, unknown>) => void;
}

/**
 * Builds a runtime.
 * @throws ValidationError for invalid configuration (naming the variable) or a catalog whose
 * procedures cannot run as durable steps.
 */
export function createRuntime(opts: RuntimeOptions = {}): Runtime {
  const env = opts.env ?? process.env;
  const config = runtimeConfigFromEnv(env);
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? ((line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`));
  const catalog = opts.catalog ?? CATALOG;
  const eventRules = opts.eventRules ?? eventRulesFromEnv(env);

  let cloud: CloudClients | undefined;
  const deps: DepsFactory<ProcedureDeps> =
    opts.deps ??
    ((observer: CloudCallObserver) => {
      cloud ??= createCloudClients(cloudConfigFromEnv(env));
      return cloud.withObserver(observer);
    });

  const store = opts.store ?? openStore(config.store, env);
  let timers: TimerScheduler | undefined;
  let sweepTimer: ReturnType<typeof setInterval> | undefined;
  // The local scheduler delivers to the engine it is given to, built just below.
  const late: { engine?: Engine } = {};
  let scheduler: StepScheduler;
  if (opts.scheduler) scheduler = opts.scheduler;
  else if (config.scheduler.kind === 'fc') {
    const s = config.scheduler;
    const client = createFcClient({ accountId: s.accountId, region: s.region, credentials: s.credentials, ...(s.endpoint ? { endpoint: s.endpoint } : {}) });
    scheduler = createFcStepScheduler({ client, serviceName: s.serviceName, functionName: s.functionName });
  } else {
    timers = new TimerScheduler(
      (msg) => (late.engine as Engine).advance(msg),
      (err, msg) => log({ kind: 'scheduler.error', executionId: msg.executionId, seq: msg.seq, error: err instanceof Error ? err.message : String(err) }),
    );
    scheduler = timers;
  }
  const planners = new PlannerRegistry<ProcedureDeps>();
  for (const entry of catalog) if (entry.planner && !planners.has(entry.procedure.id)) planners.register(entry.procedure.id, entry.planner);
  const built = createEngine<ProcedureDeps>({ store, procedures: catalog.map((e) => e.procedure), deps, scheduler, clock });
  late.engine = built;
  if (timers && config.scheduler.kind === 'local' && !opts.scheduler) {
    const interval = config.scheduler.sweepIntervalMs;
    sweepTimer = setInterval(() => {
      built.sweep().catch((err: unknown) => log({ kind: 'sweep.error', error: err instanceof Error ? err.message : String(err) }));
    }, interval);
    sweepTimer.unref?.();
  }
  let app: App | undefined;
  return {
    config,
    store,
    engine: built,
    planners,
    deps,
    eventRules,
    app() {
      app ??= createApp({
        engine: built,
        store,
        planners,
        deps,
        clock,
        ...(config.accessLog ? { log: (e: AccessLogEntry) => log({ kind: 'access', ...e }) } : {}),
      });
      return app;
    },
    async close() {
      if (sweepTimer) clearInterval(sweepTimer);
      await timers?.close();
      cloud?.close();
      await store.close();
    },
  };
}

/** The parts of FC's invocation `context` the runtime reads. */
export interface FcRuntimeContext {
  accountId?: string;
  region?: string;
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
}

let installed: Runtime | undefined;
let cached: { key: string; runtime: Promise<Runtime> } | undefined;

/**
 * Makes every function in this process use `runtime` (the local stack and tests host the functions
 * in-process with their own clock, store and procedures); `undefined` goes back to the environment.
 */
export function installRuntime(runtime: Runtime | undefined): void {
  installed = runtime;
}

/**
 * The runtime of this process for an FC invocation: the installed one, or one built from the
 * environment with FC's context (account, region, the service role's current credentials) laid
 * over it. Rebuilt when the credentials rotate; a failed build is retried on the next call.
 */
export function runtimeFor(context?: FcRuntimeContext, env: Env = process.env): Promise<Runtime> {
  if (installed) return Promise.resolve(installed);
  const creds = context?.credentials;
  const overlay: Env = {
    ...env,
    ...(context?.accountId ? { FC_ACCOUNT_ID: context.accountId } : {}),
    ...(context?.region ? { FC_REGION: context.region } : {}),
    ...(creds?.accessKeyId && creds.accessKeySecret
      ? {
          ALIBABA_CLOUD_ACCESS_KEY_ID: creds.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: creds.accessKeySecret,
          ALIBABA_CLOUD_SECURITY_TOKEN: creds.securityToken || undefined,
        }
      : {}),
  };
  const key = [overlay.FC_ACCOUNT_ID, overlay.FC_REGION, overlay.ALIBABA_CLOUD_ACCESS_KEY_ID, overlay.ALIBABA_CLOUD_SECURITY_TOKEN].join('|');
  if (cached?.key === key) return cached.runtime;
  // Credentials rotated (or first call): build anew. The previous runtime is left to finish its
  // in-flight requests rather than closed under them.
  const runtime = Promise.resolve().then(() => createRuntime({ env: overlay }));
  cached = { key, runtime };
  runtime.catch(() => {
    if (cached?.runtime === runtime) cached = undefined;
  });
  return runtime;
}
