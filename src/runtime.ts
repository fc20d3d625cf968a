/**
 * The API's composition root, on top of the engine runtime (`src/engine/runtime.ts`, which builds
 * the store, scheduler, cloud dependencies and engine from the environment): the HTTP app, the
 * planners of `POST /v1/plans` with the cloud clients they read through, and the EventBridge
 * rules. One per FC instance, shared by `functions/api`, `functions/events` and `functions/audit`.
 *
 *   const rt = apiRuntimeFor(context);   // in a handler
 *   await rt.app().fetch(request);
 *
 * Environment, besides what the engine runtime reads: `XCFLOW_EVENT_RULES` /
 * `XCFLOW_EVENT_RULES_FILE` (src/api/events.ts), `XCFLOW_ACCESS_LOG=0` (no JSON access log on
 * stdout), and the cloud variables of `src/cloud` for planning (`XCFLOW_CLOUD_ENDPOINT`,
 * `XCFLOW_REGION`, `ALIBABA_CLOUD_ACCESS_KEY_ID`/`_SECRET`/`_SECURITY_TOKEN`, `XCFLOW_PROBER`).
 */
import { createApp, type AccessLogEntry, type App } from './api/app.ts';
import { eventRulesFromEnv, type EventRule } from './api/events.ts';
import { PlannerRegistry, type Planner } from './api/planners.ts';
import { cloudConfigFromEnv, createCloudClients, type CloudClients } from './cloud/index.ts';
import type { EmulatorSnapshot } from './emulator/model/types.ts';
import type { Engine } from './engine/engine.ts';
import { instanceRuntime, openStore, runtimeConfigFromEnv, type InvocationContext } from './engine/runtime.ts';
import type { CloudCallObserver, DepsFactory } from './engine/runner.ts';
import { systemClock, type Clock } from './engine/scheduler.ts';
import type { JsonObject } from './engine/types.ts';
import { CloudTransientError } from './errors.ts';
import type { ExecutionStore } from './store/contract.ts';
import { planMigration } from './twin/index.ts';

/** Environment variables as read. */
export type Env = Record<string, string | undefined>;

/** What the API functions need. `D`: what planners get (the cloud clients, unless a test says otherwise). */
export interface ApiRuntime<D = CloudClients> {
  readonly engine: Engine;
  readonly store: ExecutionStore;
  readonly planners: PlannerRegistry<D>;
  /** Dependencies of planners (and of procedures' own `validate`), observed per plan. */
  readonly planDeps: DepsFactory<D>;
  readonly eventRules: readonly EventRule[];
  /** The HTTP app, built on first use. */
  app(): App;
  /** Takes the latest invocation's credentials (FC rotates the role's STS token). */
  refresh(context: InvocationContext): void;
}

/** How to build an API runtime around an engine and its store. */
export interface ApiRuntimeOptions<D> {
  env?: Env;
  /** Default: the migration planners (`defaultPlanners`). */
  planners?: PlannerRegistry<D>;
  /** Default: cloud clients from `env` and the invocation's credentials, built on first use. */
  planDeps?: DepsFactory<D>;
  /** Default: from `XCFLOW_EVENT_RULES` / `XCFLOW_EVENT_RULES_FILE`. */
  eventRules?: readonly EventRule[];
  clock?: Clock;
  /** Receives log lines (the access log); default JSON lines on stdout unless `XCFLOW_ACCESS_LOG=0`. */
  log?: (line: Record<string, unknown>) => void;
}

/**
 * When the cloud is the local emulator, the twin copies its exact state (control API
 * `POST /_emulator/snapshot`) instead of rebuilding a topology from Describe calls.
 */
function emulatorSnapshot(env: Env): (() => Promise<EmulatorSnapshot>) | undefined {
  const endpoint = env.XCFLOW_CLOUD_ENDPOINT?.trim();
  if (!endpoint || (env.XCFLOW_PROBER ?? 'emulator') !== 'emulator') return undefined;
  return async () => {
    const res = await fetch(`${endpoint.replace(/\/+$/, '')}/_emulator/snapshot`, { method: 'POST' }).catch((err: unknown) => {
      throw new CloudTransientError(`cannot read the emulator's snapshot at ${endpoint}: ${(err as Error).message}`, { code: 'EmulatorUnreachable', cause: err });
    });
    if (!res.ok) throw new CloudTransientError(`the emulator at ${endpoint} answered ${res.status} to POST /_emulator/snapshot`, { code: 'EmulatorSnapshotFailed' });
    return (await res.json()) as EmulatorSnapshot;
  };
}

/**
 * The planners this deployment offers: the two CEN migrations, planned on the digital twin
 * (`src/twin`: conflicts, API calls, route tables before/after, predicted blackout per flow).
 */
export function defaultPlanners(env: Env = process.env): PlannerRegistry<CloudClients> {
  const snapshot = emulatorSnapshot(env);
  const migration: Planner<CloudClients> = async ({ procedure, params, deps }) =>
    (await planMigration(procedure.id, params, { clouds: deps, ...(snapshot ? { snapshot } : {}) })) as unknown as JsonObject;
  return new PlannerRegistry<CloudClients>([
    ['migrate-vpc-to-cen', migration],
    ['migrate-vbr-to-cen', migration],
  ]);
}

/** Cloud clients following the latest invocation's credentials (rebuilt when they rotate). */
function rotatingCloud(env: Env): { deps: DepsFactory<CloudClients>; refresh(context: InvocationContext): void } {
  let context: InvocationContext = {};
  let current: { key: string; clients: CloudClients } | undefined;
  return {
    refresh(next) {
      context = next;
    },
    deps(observer: CloudCallObserver) {
      const c = context.credentials;
      const merged: Env = c?.accessKeyId
        ? { ...env, ALIBABA_CLOUD_ACCESS_KEY_ID: c.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: c.accessKeySecret, ALIBABA_CLOUD_SECURITY_TOKEN: c.securityToken || undefined }
        : env;
      const key = [merged.ALIBABA_CLOUD_ACCESS_KEY_ID, merged.ALIBABA_CLOUD_SECURITY_TOKEN].join('|');
      if (!current || current.key !== key) {
        // The previous clients are left to finish in-flight calls; their sockets are keep-alive only.
        current = { key, clients: createCloudClients(cloudConfigFromEnv(merged)) };
      }
      return current.clients.withObserver(observer);
    },
  };
}

/**
 * Builds the API runtime around an engine and its store (an engine `Runtime`, whose `refresh`
 * then also receives each invocation's credentials).
 * @throws ValidationError `InvalidEventRules` for unreadable or invalid rules.
 */
export function createApiRuntime<D = CloudClients>(
  base: { engine: Engine; store: ExecutionStore; refresh?: (context: InvocationContext) => void },
  opts: ApiRuntimeOptions<D> = {},
): ApiRuntime<D> {
  const env = opts.env ?? process.env;
  const cloud = opts.planDeps ? undefined : rotatingCloud(env);
  const planDeps = opts.planDeps ?? ((cloud as ReturnType<typeof rotatingCloud>).deps as unknown as DepsFactory<D>);
  const planners = opts.planners ?? (defaultPlanners(env) as unknown as PlannerRegistry<D>);
  const eventRules = opts.eventRules ?? eventRulesFromEnv(env);
  const log = opts.log ?? ((line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`));
  const accessLog = env.XCFLOW_ACCESS_LOG !== '0';
  let app: App | undefined;
  return {
    engine: base.engine,
    store: base.store,
    planners,
    planDeps,
    eventRules,
    app() {
      app ??= createApp<D>({
        engine: base.engine,
        store: base.store,
        planners,
        deps: planDeps,
        clock: opts.clock ?? systemClock,
        ...(accessLog ? { log: (e: AccessLogEntry) => log({ kind: 'access', ...e }) } : {}),
      });
      return app;
    },
    refresh(context) {
      base.refresh?.(context);
      cloud?.refresh(context);
    },
  };
}

let installed: ApiRuntime<unknown> | undefined;
const derived = new WeakMap<Engine, ApiRuntime<unknown>>();

/**
 * Makes the API functions of this process use `runtime` (tests and the local stack install their
 * own); `undefined` goes back to the one derived from the engine's instance runtime.
 */
export function installApiRuntime<D>(runtime: ApiRuntime<D> | undefined): void {
  installed = runtime as ApiRuntime<unknown> | undefined;
}

/**
 * The API runtime of this FC instance: the installed one, or one around the engine's instance
 * runtime (`instanceRuntime(context)`), built once and refreshed with each invocation's credentials.
 * @throws ValidationError for invalid configuration (naming the variable).
 */
export function apiRuntimeFor(context: InvocationContext = {}): ApiRuntime<unknown> {
  if (installed) {
    installed.refresh(context);
    return installed;
  }
  const base = instanceRuntime(context);
  let rt = derived.get(base.engine);
  if (!rt) {
    rt = createApiRuntime(base) as ApiRuntime<unknown>;
    derived.set(base.engine, rt);
  }
  rt.refresh(context);
  return rt;
}

/**
 * Opens the store the functions would use, from the same environment (for `xcflow token --direct`).
 * Tablestore settings may be given as s.yaml names them (`XCFLOW_TABLESTORE_ENDPOINT`/`_INSTANCE`)
 * or as the backend's own `TABLESTORE_*`.
 * @throws ValidationError `InvalidConfig` / `MissingConfig` naming the variable.
 */
export function openConfiguredStore(env: Env): ExecutionStore {
  return openStore(runtimeConfigFromEnv(env), env);
}
