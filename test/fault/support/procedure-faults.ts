/**
 * Helpers of the fault tests of the chapter 1, 2 and 6 procedures (`procedures-*.test.ts`): the
 * cases (topology, region, parameters), the emulator's fault control API, a dump of the network
 * state comparable across runs, and a recorder of the write calls the emulator received with the
 * resource each one targets, so that a test can say "each change applied exactly once".
 */
import type { JsonObject } from '../../../src/engine/types.ts';
import type { RpcRequest, RpcResponse } from '../../../src/emulator/rpc/gateway.ts';
import { parseFormEncoded } from '../../../src/emulator/rpc/signature.ts';
import { isWriteAction } from '../../../src/emulator/rpc/types.ts';
import type { World, WorldOptions } from '../../../src/twin/world.ts';
import { procedures } from '../../../workflows/index.ts';
import { stateDump } from '../../support/migration-scenario.ts';

/** One procedure on its seed chapter's topology. */
export interface ProcedureCase {
  procedureId: string;
  topology: string;
  regionId: string;
  params: JsonObject;
}

/** Seed chapter 6 with a 2 s × 3 health check (a 6 s failover keeps the runs short). */
export const REDUNDANCY: ProcedureCase = {
  procedureId: 'physical-connection-redundancy',
  topology: 'ch6-redundancy',
  regionId: 'cn-shanghai',
  params: {
    regionId: 'cn-shanghai',
    vpcId: 'vpc-uf614ufdjl3n871accgzx',
    dataCenterCidrBlocks: ['172.16.0.0/16'],
    connections: [
      { vbrId: 'vbr-uf6vbr00000000000000001', healthCheckSourceIp: '192.168.10.1', healthCheckTargetIp: '10.10.10.2', routeCidrBlock: '10.10.10.0/24' },
      { vbrId: 'vbr-uf6vbr00000000000000002', healthCheckSourceIp: '192.168.10.2', healthCheckTargetIp: '10.10.11.2', routeCidrBlock: '10.10.11.0/24' },
    ],
    healthCheck: { intervalSeconds: 2, threshold: 3 },
    failoverTest: { sourceInstanceId: 'i-uf6app000000000000001', targetIps: ['172.16.0.10', '172.16.0.11'] },
  },
};

/** Seed chapter 1: 100.64.0.0/11 and 100.96.0.0/11 on the VBR toward the VPC. */
export const CLOUD_ACCESS: ProcedureCase = {
  procedureId: 'cloud-service-access',
  topology: 'ch1-cloud-service-access',
  regionId: 'cn-hangzhou',
  params: { regionId: 'cn-hangzhou', vbrId: 'vbr-bp1vbr000000000000001', vpcId: 'vpc-bp1cloudsvc00000000001', verification: { source: '10.100.0.10' } },
};

/** Seed chapter 2 with four instances and iperf3 bps both ways (two rounds). */
export const LINK_PERF: ProcedureCase = {
  procedureId: 'link-performance-test',
  topology: 'ch2-link-performance',
  regionId: 'cn-hangzhou',
  params: {
    regionId: 'cn-hangzhou',
    instanceIds: ['i-bp1perf00000000000002', 'i-bp1perf00000000000003', 'i-bp1perf00000000000004', 'i-bp1perf00000000000005'],
    dataCenterDevice: { instanceId: 'mi-bp1perfdevice000000001', ip: '192.168.100.1' },
    physicalConnectionId: 'pc-bp1perfline0000000001',
    durationSeconds: 10,
    tool: 'iperf3',
    modes: ['bps'],
  },
};

/** `startWorld` options of a case. */
export const worldOptions = (c: ProcedureCase, over: Partial<WorldOptions> = {}): WorldOptions => ({ regionId: c.regionId, procedures, topology: c.topology, ...over });

/** Starts the case's procedure without an approval gate. */
export async function startCase(world: World, c: ProcedureCase): Promise<string> {
  return (await world.engine.start(c.procedureId, c.params, { requestedBy: 'alice', approvalRequired: false })).id;
}

/** Sets the emulator's fault configuration (`POST /_emulator/faults`). @throws Error when refused */
export async function setFaults(world: World, config: JsonObject): Promise<void> {
  const res = await fetch(`${world.emulator.endpoint}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(config) });
  if (!res.ok) throw new Error(`faults: ${res.status} ${await res.text()}`);
}

/** Removes every fault; returns the faults injected since they were set, by code. */
export async function clearFaults(world: World): Promise<Record<string, number>> {
  const injected = ((await (await fetch(`${world.emulator.endpoint}/_emulator/faults`)).json()) as { injected: Record<string, number> }).injected;
  await fetch(`${world.emulator.endpoint}/_emulator/faults`, { method: 'DELETE' });
  return injected;
}

const EXECUTION_ID = /\bex-[0-9a-z]+\b/g;

function resort(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(resort).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resort(x)]));
  return v;
}

/**
 * The network state (`GET /_emulator/state` model) without volatile fields, as `stateDump` gives
 * it, with execution ids masked: route descriptions name the execution that added them, and two
 * runs of one procedure have two ids.
 */
export async function networkDump(world: World): Promise<unknown> {
  return resort(JSON.parse(JSON.stringify(await stateDump(world)).replace(EXECUTION_ID, 'ex-*')));
}

/** The Cloud Assistant commands the emulator ran, as (instance, command) lines, sorted. */
export function commandsRun(world: World): string[] {
  return world.emulator.assistant
    .list()
    .flatMap((inv) => inv.instances.map((i) => `${i.instanceId} ${inv.content}`))
    .sort();
}

/** One write call the emulator answered. */
export interface WriteCall {
  action: string;
  /** The resource it targets, e.g. `vtb-… 10.10.10.0/24`, `ri-…`, `i-… iperf3 -s …`. */
  target: string;
  /** Error code, absent on success. */
  code?: string;
  /** A success answered from the ClientToken cache (a retry of a write already applied). */
  replay: boolean;
}

const COMMON = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'ClientToken',
  'RegionId',
]);

/**
 * Records every write call the emulator's gateway answers, in process (the runner processes of
 * the kill tests call the same gateway over HTTP), with its target resource.
 */
export class WriteRecorder {
  readonly calls: WriteCall[] = [];
  private readonly tokens = new Set<string>();
  private readonly entryCidr = new Map<string, string>();
  private readonly original: (req: RpcRequest) => Promise<RpcResponse>;
  private trigger: { after: number; run: () => void } | null = null;
  private appliedCount = 0;

  constructor(private readonly world: World) {
    const gateway = world.emulator.gateway;
    this.original = gateway.handle.bind(gateway);
    gateway.handle = (req) => this.handle(req);
  }

  private async handle(req: RpcRequest): Promise<RpcResponse> {
    let p: Record<string, string>;
    try {
      p = { ...parseFormEncoded(req.query), ...(req.method.toUpperCase() === 'POST' ? parseFormEncoded(req.body) : {}) };
    } catch {
      return this.original(req);
    }
    const action = p.Action ?? '';
    if (!isWriteAction(action) || p.DryRun === 'true') return this.original(req);
    // Deletes name the entry by id: resolve its destination while the entry still exists.
    if (action === 'DeleteRouteEntry' && p.RouteEntryId && !this.entryCidr.has(p.RouteEntryId)) {
      const entry = this.world.emulator.model.snapshot().routeEntries.find((e) => e.routeEntryId === p.RouteEntryId);
      if (entry) this.entryCidr.set(p.RouteEntryId, entry.destinationCidrBlock);
    }
    const res = await this.original(req);
    const body = JSON.parse(res.body) as { Code?: string; RouteEntryId?: string };
    const token = p.ClientToken ? `${action} ${p.ClientToken}` : undefined;
    const replay = res.status === 200 && token !== undefined && this.tokens.has(token);
    if (res.status === 200 && token) this.tokens.add(token);
    this.calls.push({ action, target: this.targetOf(action, p), ...(body.Code ? { code: body.Code } : {}), replay });
    if (res.status === 200 && !replay) {
      this.appliedCount += 1;
      if (this.trigger && this.appliedCount === this.trigger.after) {
        const { run } = this.trigger;
        this.trigger = null;
        run();
      }
    }
    return res;
  }

  /**
   * Runs `run` right after the `n`-th applied write has been answered (before the next call
   * reaches the emulator), e.g. to arm a fault for the write that follows, even inside one step.
   */
  afterApplied(n: number, run: () => void): void {
    this.trigger = { after: n, run };
  }

  private targetOf(action: string, p: Record<string, string>): string {
    if (action === 'CreateRouteEntry') return `${p.RouteTableId} ${p.DestinationCidrBlock}`;
    if (action === 'DeleteRouteEntry') return `${p.RouteTableId} ${this.entryCidr.get(p.RouteEntryId ?? '') ?? p.RouteEntryId}`;
    if (action === 'ModifyRouterInterfaceAttribute') {
      // Setting a health check and removing it (a rollback) are two different changes.
      const hc = p.DeleteHealthCheckIp === 'true' ? 'no health check' : `health check ${p.HealthCheckSourceIp ?? '-'} → ${p.HealthCheckTargetIp ?? '-'}`;
      return `${p.RouterInterfaceId} ${hc}`;
    }
    if (action === 'AddBgpNetwork' || action === 'DeleteBgpNetwork') return `${p.RouterId} ${p.DstCidrBlock}`;
    if (action === 'RunCommand') return `${p['InstanceId.1']} ${p.CommandContent}`;
    return Object.keys(p)
      .filter((k) => !COMMON.has(k))
      .sort()
      .map((k) => `${k}=${p[k]}`)
      .join(' ');
  }

  /** Writes that changed something, `action target` → count (successes that were not replays). */
  applied(): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.calls) if (!c.code && !c.replay) out.set(`${c.action} ${c.target}`, (out.get(`${c.action} ${c.target}`) ?? 0) + 1);
    return out;
  }

  /** Error codes answered, `code` → count. */
  errors(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.calls) if (c.code) out[c.code] = (out[c.code] ?? 0) + 1;
    return out;
  }

  /** Puts the gateway back. */
  detach(): void {
    this.world.emulator.gateway.handle = this.original;
  }
}
