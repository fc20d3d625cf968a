/**
 * Typed Alibaba Cloud clients for xcflow: what every workflow effect receives as its cloud
 * dependency. One {@link CloudClients} per process (or per test), views made with
 * {@link CloudClients.withObserver} per effect run so that every call is journaled, all sharing
 * the same pop-core clients and keep-alive sockets.
 *
 * ```ts
 * const cloud = createCloudClients(cloudConfigFromEnv(process.env));
 * const calls: CloudCallRecord[] = [];
 * const deps = cloud.withObserver({ onCloudCall: (c) => calls.push(c) });
 * const [vbr] = await deps.vpc.describeVirtualBorderRouters({ vbrId: 'vbr-1' });
 * await deps.vpc.createRouteEntry({ routeTableId: vbr.routeTableId, destinationCidrBlock: '100.64.0.0/11',
 *   nextHopType: 'RouterInterface', nextHopId: 'ri-1', clientToken: input.idempotencyKey });
 * ```
 */
import { ValidationError } from '../errors.ts';
import { createCbnClient, type CbnClient } from './cbn.ts';
import { createEcsClient, type EcsClient } from './ecs.ts';
import { createCloudAssistantProber, createEmulatorProber, type FlowProber } from './reachability.ts';
import {
  CLOUD_PRODUCTS,
  RpcConnection,
  createKeepAliveAgents,
  defaultEndpoint,
  type CloudCallObserver,
  type CloudCredentials,
  type CloudProduct,
  type KeepAliveAgents,
} from './rpc.ts';
import { createVpcClient, type VpcClient } from './vpc.ts';

export type { CloudCallObserver, CloudCredentials, CloudProduct } from './rpc.ts';
export { API_VERSIONS, defaultEndpoint } from './rpc.ts';
export * from './errors.ts';
export type * from './types.ts';
export type * from './vpc.ts';
export type * from './cbn.ts';
export { bandwidthPackageServes, geographicRegionOf } from './cbn.ts';
export type * from './ecs.ts';
export type { Flow, FlowProbeResult, FlowProber, CloudAssistantProberOptions, PingSummary } from './reachability.ts';
export { createEmulatorProber, createCloudAssistantProber, parsePingSummary } from './reachability.ts';
export { FINAL_INSTANCE_INVOCATION_STATUSES } from './ecs.ts';

/** Which {@link FlowProber} to build. */
export type ProberConfig =
  | {
      kind: 'emulator';
      /** The emulator's base URL; defaults to the single cloud endpoint. */
      endpoint?: string;
    }
  | {
      kind: 'cloud-assistant';
      /** Pings per flow. Default 5. */
      count?: number;
      pollIntervalMs?: number;
      timeoutMs?: number;
      /** Waits between result polls (default `setTimeout`); a virtual clock's advance against the emulator. */
      sleep?: (ms: number) => Promise<void>;
      /** The time the timeout is measured on (default `Date.now`). */
      now?: () => number;
    };

/** Everything needed to reach Alibaba Cloud (or the emulator). */
export interface CloudConfig {
  /** Region of the VPC, VBRs and ECS instances (`RegionId`), e.g. `cn-hangzhou`. */
  regionId: string;
  credentials: CloudCredentials;
  /**
   * One endpoint for all products — the local emulator (`http://127.0.0.1:8790`). When neither
   * this nor `endpoints` is set, Alibaba's public endpoints for `regionId` are used.
   */
  endpoint?: string;
  /** Per-product endpoints; win over `endpoint`. */
  endpoints?: Partial<Record<CloudProduct, string>>;
  /** Connect and read timeout per call, ms. Default 10000. */
  timeoutMs?: number;
  /** Default: `emulator` when `endpoint` is set, else `cloud-assistant`. */
  prober?: ProberConfig;
}

/**
 * The cloud dependency of every workflow effect.
 * - `vpc`, `cbn`, `ecs`: one method per Alibaba Action, camelCase in and out; list methods
 *   return every page. Failures throw `CloudApiError` (`CloudApiTransientError` /
 *   `CloudApiPermanentError`, with `code` = Alibaba Code, `requestId`, `errorClass`); test
 *   them with `isCloudErrorClass(err, 'not_found')` etc.
 * - `prober`: reachability of flows (emulator data plane, or Cloud Assistant ping in the cloud).
 */
export interface CloudClients {
  /** The region every VPC/ECS call uses and CEN calls default to. */
  readonly regionId: string;
  readonly vpc: VpcClient;
  readonly cbn: CbnClient;
  readonly ecs: EcsClient;
  readonly prober: FlowProber;
  /**
   * A view whose calls are also reported to `observer` (in addition to this view's observers).
   * Cheap: shares the pop-core clients and sockets. The engine makes one per effect run.
   */
  withObserver(observer: CloudCallObserver): CloudClients;
  /** A view for another region (same credentials and observers; per-region public endpoints in the cloud). */
  forRegion(regionId: string): CloudClients;
  /** Closes keep-alive sockets of every view; call once when the process is done with the cloud. */
  close(): void;
}

/** The clients of `regionId`: `cloud` itself when it is that region's view, else `cloud.forRegion(regionId)`. */
export function regionView(cloud: CloudClients, regionId: string): CloudClients {
  return cloud.regionId === regionId ? cloud : cloud.forRegion(regionId);
}

interface Shared {
  config: CloudConfig;
  agents: KeepAliveAgents;
  connections: Map<string, RpcConnection>;
}

function endpointsFor(config: CloudConfig, regionId: string): Record<CloudProduct, string> {
  const out = {} as Record<CloudProduct, string>;
  for (const p of CLOUD_PRODUCTS) out[p] = config.endpoints?.[p] ?? config.endpoint ?? defaultEndpoint(p, regionId);
  return out;
}

function connectionFor(shared: Shared, regionId: string): RpcConnection {
  const endpoints = endpointsFor(shared.config, regionId);
  const key = CLOUD_PRODUCTS.map((p) => endpoints[p]).join(' ');
  let conn = shared.connections.get(key);
  if (!conn) {
    conn = new RpcConnection({
      endpoints,
      credentials: shared.config.credentials,
      timeoutMs: shared.config.timeoutMs,
      agents: shared.agents,
    });
    shared.connections.set(key, conn);
  }
  return conn;
}

function proberFor(shared: Shared, ecs: EcsClient, regionId: string): FlowProber {
  const { config } = shared;
  const kind = config.prober ?? (config.endpoint ? { kind: 'emulator' as const } : { kind: 'cloud-assistant' as const });
  if (kind.kind === 'emulator') {
    const endpoint = kind.endpoint ?? config.endpoint;
    if (!endpoint) {
      throw new ValidationError('the emulator prober needs the emulator endpoint', {
        code: 'MissingEndpoint',
        field: 'prober.endpoint',
      });
    }
    return createEmulatorProber(endpoint);
  }
  return createCloudAssistantProber(ecs, {
    regionId,
    ...(kind.count !== undefined ? { count: kind.count } : {}),
    ...(kind.pollIntervalMs !== undefined ? { pollIntervalMs: kind.pollIntervalMs } : {}),
    ...(kind.timeoutMs !== undefined ? { timeoutMs: kind.timeoutMs } : {}),
    ...(kind.sleep ? { sleep: kind.sleep } : {}),
    ...(kind.now ? { now: kind.now } : {}),
  });
}

function makeView(shared: Shared, regionId: string, observers: readonly CloudCallObserver[]): CloudClients {
  const conn = connectionFor(shared, regionId);
  const vpc = createVpcClient(conn.caller('Vpc', observers), regionId);
  const cbn = createCbnClient(conn.caller('Cbn', observers), regionId);
  const ecs = createEcsClient(conn.caller('Ecs', observers), regionId);
  return {
    regionId,
    vpc,
    cbn,
    ecs,
    prober: proberFor(shared, ecs, regionId),
    withObserver: (observer) => makeView(shared, regionId, [...observers, observer]),
    forRegion: (other) => makeView(shared, other, observers),
    close: () => {
      for (const c of shared.connections.values()) c.close();
    },
  };
}

/**
 * Builds the cloud clients.
 * @throws ValidationError for missing credentials or a malformed endpoint
 */
export function createCloudClients(config: CloudConfig): CloudClients {
  if (!config.regionId) throw new ValidationError('regionId is required', { code: 'MissingRegion', field: 'regionId' });
  const shared: Shared = { config, agents: createKeepAliveAgents(), connections: new Map() };
  return makeView(shared, config.regionId, []);
}

/** Environment variables {@link cloudConfigFromEnv} reads. */
export const CLOUD_ENV = {
  endpoint: 'XCFLOW_CLOUD_ENDPOINT',
  region: 'XCFLOW_REGION',
  accessKeyId: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
  accessKeySecret: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  securityToken: 'ALIBABA_CLOUD_SECURITY_TOKEN',
  prober: 'XCFLOW_PROBER',
  timeoutMs: 'XCFLOW_CLOUD_TIMEOUT_MS',
} as const;

/** Region used when `XCFLOW_REGION` is unset. */
export const DEFAULT_REGION = 'cn-hangzhou';

/**
 * Reads a {@link CloudConfig} from the environment:
 * `XCFLOW_CLOUD_ENDPOINT` (one endpoint for all products: the local emulator; unset = Alibaba's
 * public endpoints), `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` / `ALIBABA_CLOUD_SECURITY_TOKEN`,
 * `XCFLOW_REGION` (default `cn-hangzhou`), `XCFLOW_PROBER` (`emulator` | `cloud-assistant`;
 * default emulator when an endpoint is set), `XCFLOW_CLOUD_TIMEOUT_MS`.
 * @throws ValidationError naming the missing or malformed variables
 */
export function cloudConfigFromEnv(env: Record<string, string | undefined>): CloudConfig {
  const get = (k: string): string | undefined => {
    const v = env[k]?.trim();
    return v ? v : undefined;
  };
  const accessKeyId = get(CLOUD_ENV.accessKeyId);
  const accessKeySecret = get(CLOUD_ENV.accessKeySecret);
  const missing = [
    ...(accessKeyId ? [] : [CLOUD_ENV.accessKeyId]),
    ...(accessKeySecret ? [] : [CLOUD_ENV.accessKeySecret]),
  ];
  if (missing.length > 0) {
    throw new ValidationError(`cloud credentials missing: set ${missing.join(' and ')}`, {
      code: 'MissingCredentials',
      field: missing[0],
    });
  }
  const endpoint = get(CLOUD_ENV.endpoint);
  if (endpoint && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new ValidationError(`${CLOUD_ENV.endpoint} must start with http:// or https://`, {
      code: 'InvalidEndpoint',
      field: CLOUD_ENV.endpoint,
    });
  }
  const proberKind = get(CLOUD_ENV.prober);
  if (proberKind && proberKind !== 'emulator' && proberKind !== 'cloud-assistant') {
    throw new ValidationError(`${CLOUD_ENV.prober} must be emulator or cloud-assistant`, {
      code: 'InvalidProber',
      field: CLOUD_ENV.prober,
    });
  }
  const timeoutText = get(CLOUD_ENV.timeoutMs);
  const timeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new ValidationError(`${CLOUD_ENV.timeoutMs} must be a positive integer`, {
      code: 'InvalidTimeout',
      field: CLOUD_ENV.timeoutMs,
    });
  }
  const securityToken = get(CLOUD_ENV.securityToken);
  return {
    regionId: get(CLOUD_ENV.region) ?? DEFAULT_REGION,
    credentials: {
      accessKeyId: accessKeyId as string,
      accessKeySecret: accessKeySecret as string,
      ...(securityToken ? { securityToken } : {}),
    },
    ...(endpoint ? { endpoint } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(proberKind ? { prober: { kind: proberKind } as ProberConfig } : {}),
  };
}
