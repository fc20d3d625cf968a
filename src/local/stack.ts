/**
 * The whole local stack on the embedded default, in one process and on one clock:
 * - the emulator of the Alibaba network APIs (a topology, the signed RPC endpoint, `/_emulator/`);
 * - the FC stand-in hosting every function of `s.yaml` (api, runner, sweep, audit, events) with
 *   their triggers: the runner's async self-invocation goes through fc2 to the stand-in, the sweep
 *   and audit timers fire on the shared clock;
 * - the runtime (engine, SQLite store, cloud clients pointed at the emulator) installed for those
 *   functions, and the web console mounted on the API at `/console`;
 * - an operator and an approver token.
 *
 * `npm start` (src/local/start.ts) runs it on a `RealClock` with a speed factor; tests run it on
 * port 0, optionally on a `VirtualClock` and with their own procedures.
 *
 *   const stack = await startLocalStack({ speed: 10 });
 *   console.log(stack.consoleUrl, stack.tokens.approver.token);
 *   await stack.close();
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlannerRegistry } from '../api/planners.ts';
import { TokenService, type CreatedToken } from '../api/tokens.ts';
import { RealClock, type Clock } from '../clock.ts';
import { createCloudClients, type CloudClients } from '../cloud/index.ts';
import { mountConsole } from '../console/serve.ts';
import { startEmulator, type RunningEmulator, type TopologyFile } from '../emulator/index.ts';
import type { ProbeFlowSpec } from '../emulator/probes.ts';
import { createFcClient, createFcStepScheduler } from '../engine/fc-scheduler.ts';
import { createRuntime, runtimeConfigFromEnv, setInstanceRuntime, type Runtime } from '../engine/runtime.ts';
import type { DepsFactory } from '../engine/runner.ts';
import type { ProcedureDefinition, Role } from '../engine/types.ts';
import { createApiRuntime, installApiRuntime, type ApiRuntime } from '../runtime.ts';
import { SqliteStore } from '../store/sqlite.ts';
import type { WorkflowDeps } from '../../workflows/index.ts';
import { loadFunctionsFromSYaml, startLocalFc, type LocalFc } from './fc/index.ts';

/** The repository root (s.yaml, functions/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Default ports of `npm start`: the API and console, and the emulator. */
export const DEFAULT_PORTS = { api: 8780, emulator: 8790 } as const;

/** Account and region the stand-in reports to handlers (as FC does in `context`). */
const LOCAL_ACCOUNT_ID = '1234567890123456';

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions<D = WorkflowDeps> {
  /** Listen address of all servers; default 127.0.0.1. */
  host?: string;
  /** Port of the FC stand-in, which serves the API and console at `/`; default 0 (any). */
  port?: number;
  /** Port of the emulator; default 0 (any). */
  emulatorPort?: number;
  /** The one clock of emulator, engine and stand-in; default `new RealClock(speed)`. */
  clock?: Clock;
  /** Speed factor of the default real clock; default 1. */
  speed?: number;
  /** Emulator topology (a shipped name such as `ch5-1-vpc-migration`, a path, or parsed); default `default`. */
  topology?: string | TopologyFile;
  /** SQLite file; `:memory:` for none; default `.xcflow/local/xcflow.db` under the working directory. */
  sqlitePath?: string;
  /** Start from an empty database (the emulator always starts fresh); default true. */
  fresh?: boolean;
  /** Procedures to run; default every procedure of `workflows/index.ts`. */
  procedures?: ProcedureDefinition<D>[];
  /** Effect dependencies; default cloud clients pointed at the emulator. Required with procedures of other deps. */
  deps?: DepsFactory<D>;
  /**
   * Planners of `POST /v1/plans` (with `deps` as their dependencies); default the deployment's
   * (`defaultPlanners`: the migrations on the digital twin, here copied from the emulator's snapshot).
   */
  planners?: PlannerRegistry<D>;
  /** s.yaml to host; default the repository's. */
  sYamlPath?: string;
  /**
   * Probe flows to sample on the emulator from the start (the console's network chart): `auto`
   * (default) picks one ECS instance ↔ data-center device pair per VPC; `false` none.
   */
  probes?: 'auto' | false | ProbeFlowSpec[];
  /** Probe sampling period in clock ms; default 1000. */
  probeIntervalMs?: number;
  /** Receives log lines (API access refusals and writes, scheduler errors, handler logs); default stderr. */
  log?: (line: Record<string, unknown>) => void;
}

/** The tokens the stack creates. */
export interface LocalTokens {
  /** `local-operator`: plans, starts, cancels, rolls back. */
  operator: CreatedToken;
  /** `local-approver`: approves and rejects. */
  approver: CreatedToken;
}

/** A running local stack. */
export interface LocalStack {
  /** Base URL of the API (`/v1/…`) and console (`/console/`): the stand-in's root. */
  readonly url: string;
  /** `<url>/console/` */
  readonly consoleUrl: string;
  /** The FC 2.0 invocation endpoint (fc2 `endpoint`); the same server as `url`. */
  readonly fcEndpoint: string;
  /** Names of the functions the stand-in hosts (every function of s.yaml). */
  readonly functions: readonly string[];
  /** The emulator's RPC endpoint and control API (`/_emulator/`). */
  readonly emulatorUrl: string;
  /** AccessKey pair the emulator accepts (and the functions use). */
  readonly credentials: { accessKeyId: string; accessKeySecret: string };
  /** Region of the emulated network the functions work in. */
  readonly regionId: string;
  readonly tokens: LocalTokens;
  readonly clock: Clock;
  readonly emulator: RunningEmulator;
  readonly fc: LocalFc;
  /** The engine runtime every function uses (runner, sweep: `instanceRuntime`). */
  readonly runtime: Runtime;
  /** The API runtime around it (api, events, audit: `apiRuntimeFor`). */
  readonly api: ApiRuntime<unknown>;
  /** The SQLite file (or `:memory:`). */
  readonly sqlitePath: string;
  /** Mints another token (e.g. an admin or a second approver). */
  createToken(principal: string, roles: Role[], label?: string): Promise<CreatedToken>;
  /** Stops everything (servers, timers, store) and uninstalls the runtime. */
  close(): Promise<void>;
}

/** One ECS instance → device and device → ECS instance flow per VPC that has both. */
export function defaultProbeFlows(emulator: RunningEmulator): ProbeFlowSpec[] {
  const core = emulator.model.core;
  const flows: ProbeFlowSpec[] = [];
  const dc = [...core.dataCenters.values()].find((d) => d.devices.length > 0);
  const device = dc?.devices.find((d) => !d.managedInstanceId) ?? dc?.devices[0];
  if (!dc || !device) return flows;
  const seenVpcs = new Set<string>();
  for (const ecs of core.ecsInstances.values()) {
    if (seenVpcs.has(ecs.vpcId)) continue;
    seenVpcs.add(ecs.vpcId);
    flows.push({ id: `${ecs.instanceId}→${device.ip}`, source: ecs.instanceId, destinationIp: device.ip });
    flows.push({ id: `${dc.dataCenterId}:${device.ip}→${ecs.privateIpAddress}`, source: dc.dataCenterId, sourceIp: device.ip, destinationIp: ecs.privateIpAddress });
  }
  return flows;
}

/**
 * Starts the local stack.
 * @throws ValidationError for a bad topology or s.yaml; the listen error (EADDRINUSE) for a taken port.
 */
export async function startLocalStack<D = WorkflowDeps>(opts: LocalStackOptions<D> = {}): Promise<LocalStack> {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? new RealClock(opts.speed ?? 1);
  const log = opts.log ?? ((line: Record<string, unknown>) => void process.stderr.write(`${JSON.stringify(line)}\n`));
  const sqlitePath = opts.sqlitePath ?? join(process.cwd(), '.xcflow/local/xcflow.db');
  if (sqlitePath !== ':memory:') {
    if (opts.fresh !== false) for (const suffix of ['', '-wal', '-shm']) rmSync(`${sqlitePath}${suffix}`, { force: true });
    mkdirSync(dirname(sqlitePath), { recursive: true });
  }

  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    const emulator = await startEmulator({ host, port: opts.emulatorPort ?? 0, clock, ...(opts.topology !== undefined ? { topology: opts.topology } : {}) });
    closers.push(() => emulator.close());
    const [credential] = emulator.credentials;
    if (!credential) throw new Error('the emulator has no credentials');
    const credentials = { accessKeyId: credential.accessKeyId, accessKeySecret: credential.accessKeySecret };
    const regionId = [...emulator.model.core.regions.keys()][0] ?? 'cn-hangzhou';

    // Closed by the runtime once it exists; until then by the closers (closing twice is harmless).
    const store = new SqliteStore({ path: sqlitePath });
    closers.push(() => store.close());

    const sYamlPath = opts.sYamlPath ?? join(REPO_ROOT, 's.yaml');
    const functionsDir = join(dirname(isAbsolute(sYamlPath) ? sYamlPath : resolve(sYamlPath)), 'functions');
    // What s.yaml sets for the cloud, replaced by the embedded default. Handlers share this
    // process, so these land in process.env while the stack runs (the stand-in restores them).
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      XCFLOW_STORE: 'sqlite',
      XCFLOW_SQLITE_PATH: sqlitePath,
      XCFLOW_TABLESTORE_ENDPOINT: '',
      XCFLOW_TABLESTORE_INSTANCE: '',
      XCFLOW_SCHEDULER: 'fc',
      XCFLOW_CLOUD_ENDPOINT: emulator.endpoint,
      XCFLOW_REGION: regionId,
      XCFLOW_PROBER: 'emulator',
    };
    const functions = loadFunctionsFromSYaml(sYamlPath, { source: 'functions', functionsDir });
    const fc = await startLocalFc({
      host,
      port: opts.port ?? 0,
      clock,
      functions,
      accountId: LOCAL_ACCOUNT_ID,
      region: regionId,
      // Handlers get the emulator's key pair as FC hands them the service role's credentials.
      credentials,
      env,
      log: (line) => log({ kind: 'function.log', line }),
    });
    closers.push(() => fc.close());

    let cloud: CloudClients | undefined;
    const cloudDeps: DepsFactory<WorkflowDeps> = (observer) => {
      cloud ??= createCloudClients({ regionId, credentials, endpoint: emulator.endpoint, prober: { kind: 'emulator' } });
      return cloud.withObserver(observer);
    };
    closers.push(() => cloud?.close());
    const scheduler = createFcStepScheduler({
      client: createFcClient({ accountId: LOCAL_ACCOUNT_ID, region: regionId, credentials, endpoint: fc.endpoint }),
      serviceName: 'xcflow',
      functionName: 'runner',
    });
    const runtimeEnv = { ...env, FC_ACCOUNT_ID: LOCAL_ACCOUNT_ID, FC_REGION: regionId, XCFLOW_FC_SERVICE: 'xcflow', XCFLOW_RUNNER_FUNCTION: 'runner', XCFLOW_FC_ENDPOINT: fc.endpoint, ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret };
    // Without explicit deps the procedures are the registered workflows, which take cloud clients.
    const deps = (opts.deps ?? cloudDeps) as DepsFactory<D>;
    const runtime = createRuntime<D>(runtimeConfigFromEnv(runtimeEnv), runtimeEnv, {
      store,
      scheduler,
      clock,
      deps,
      ...(opts.procedures ? { procedures: opts.procedures } : {}),
    });
    const api = createApiRuntime<D>(runtime, {
      env: runtimeEnv,
      ...(opts.planners ? { planners: opts.planners } : {}),
      planDeps: deps,
      eventRules: [],
      clock,
      log: (line) => {
        // Reads are the console polling; keep writes, refusals and errors.
        if (line.kind === 'access' && line.method === 'GET' && typeof line.status === 'number' && line.status < 400) return;
        log(line);
      },
    }) as ApiRuntime<unknown>;
    // Every hosted function uses these: api, events and audit through `apiRuntimeFor`, runner and
    // sweep through the engine's `instanceRuntime`.
    setInstanceRuntime(runtime);
    installApiRuntime(api);
    closers.push(async () => {
      installApiRuntime(undefined);
      setInstanceRuntime(undefined);
      await runtime.close();
    });
    mountConsole(api.app(), { emulatorUrl: emulator.endpoint });

    const tokenService = new TokenService(store, () => clock.now());
    const createToken = (principal: string, roles: Role[], label = 'local stack'): Promise<CreatedToken> => tokenService.create({ principal, roles, label, createdBy: 'npm-start' });
    const tokens: LocalTokens = {
      operator: await createToken('local-operator', ['operator']),
      approver: await createToken('local-approver', ['approver']),
    };

    const flows = opts.probes === false ? [] : opts.probes === undefined || opts.probes === 'auto' ? defaultProbeFlows(emulator) : opts.probes;
    if (flows.length > 0) {
      const rec = emulator.model.probes;
      for (const f of flows) rec.addFlow(f);
      rec.start({ intervalMs: opts.probeIntervalMs ?? 1000 });
    }

    return {
      url: fc.endpoint,
      consoleUrl: `${fc.endpoint}/console/`,
      fcEndpoint: fc.endpoint,
      functions: functions.map((f) => f.name),
      emulatorUrl: emulator.endpoint,
      credentials,
      regionId,
      tokens,
      clock,
      emulator,
      fc,
      runtime,
      api,
      sqlitePath,
      createToken,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
