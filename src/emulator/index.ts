/**
 * `startEmulator`: the local Alibaba Cloud network emulator as one object — a model seeded from a
 * topology, a clock, Cloud Assistant, the signed POP RPC endpoint for VPC 2016-04-28, CBN
 * 2017-09-12 and ECS 2014-05-26, and the `/_emulator/` control API. Point `@alicloud/pop-core`
 * at `endpoint` with one of `credentials`.
 */
import { RealClock, VirtualClock, type Clock } from './clock.ts';
import { cbnApi } from './actions/cbn.ts';
import { ecsApi } from './actions/ecs.ts';
import { vpcApi } from './actions/vpc.ts';
import { CloudAssistant, type AssistantEnvironment, type AssistantInstance, type PathVerdict } from './ecs/assistant.ts';
import { echoTiming, type EchoVerdict } from './ecs/ping.ts';
import { FaultInjector } from './faults.ts';
import { containsIp, parseCidr, parseIpv4 } from '../net/index.ts';
import type { NetworkModel } from './model/network.ts';
import { NetworkModel as NetworkModelClass } from './model/network.ts';
import type { EmulatorSnapshot } from './model/types.ts';
import { RpcGateway, type Credential } from './rpc/gateway.ts';
import { listen } from './server.ts';
import { buildModel, readTopologyFile, validateTopology, DEFAULT_TOPOLOGY_FILE, type TopologyFile } from './topology.ts';

export type { Credential } from './rpc/gateway.ts';
export type { TopologyFile } from './topology.ts';

/**
 * The AccessKey pair the emulator accepts unless told otherwise. Not a secret: it only opens the
 * local emulator. Pass `credentials` (or `xcflow emulator --access-key-id/--access-key-secret`)
 * to use others.
 */
export const DEFAULT_CREDENTIALS: readonly Credential[] = Object.freeze([
  Object.freeze({ accessKeyId: 'LTAI-xcflow-local', accessKeySecret: 'xcflow-local-secret' }),
]);

/**
 * The AccessKey pair the emulator accepts for a further account of the topology (`accounts`),
 * unless `credentials` are given. Like {@link DEFAULT_CREDENTIALS}, it only opens the emulator.
 */
export function accountCredentials(accountId: string): Credential {
  return { accessKeyId: `LTAI-xcflow-${accountId}`, accessKeySecret: `xcflow-local-secret-${accountId}`, accountId };
}

/** Default port of `xcflow emulator`. */
export const DEFAULT_EMULATOR_PORT = 8790;

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions {
  /** TCP port; 0 (the default here) lets the OS choose. */
  port?: number;
  /** Listen address; loopback by default. */
  host?: string;
  /** A topology file path, the name of a shipped one (`ch6-redundancy`), or a parsed topology. Default: the shipped default. */
  topology?: string | TopologyFile;
  /** `virtual` (default: moves only when advanced), `real` (wall time × `speed`), or a clock to share. */
  clock?: 'virtual' | 'real' | Clock;
  /** Speed factor of a real clock (default 1). */
  speed?: number;
  /**
   * Accepted AccessKey pairs, each acting for its `accountId` (absent: the default account).
   * Default: {@link DEFAULT_CREDENTIALS} for the default account, then
   * {@link accountCredentials} for every further account of the model.
   */
  credentials?: readonly Credential[];
  /** Wall clock for the signature timestamp and nonce windows (default `Date.now`). */
  wallNow?: () => number;
}

/** A running emulator. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`: the pop-core `endpoint` for all three products. */
  readonly endpoint: string;
  readonly port: number;
  /** Accepted pairs; the first acts for the default account. */
  readonly credentials: readonly Credential[];
  /** The pair that acts for `accountId` (the first one that does), if any. */
  credentialsFor(accountId: string): Credential | undefined;
  /** The current model (replaced by reset and snapshot load). */
  readonly model: NetworkModel;
  readonly clock: Clock;
  readonly assistant: CloudAssistant;
  readonly faults: FaultInjector;
  readonly gateway: RpcGateway;
  /** Name of the start topology. */
  readonly topologyName: string;
  /** Fresh model from the start topology; faults, caches and Cloud Assistant state cleared. */
  reset(): void;
  /** Replaces the model with one built from a snapshot (e.g. the planner's digital twin). */
  load(snapshot: EmulatorSnapshot): void;
  /** Stops the server, the model's loops and Cloud Assistant timers. */
  close(): Promise<void>;
}

/**
 * Starts an emulator. @throws ValidationError (code `InvalidTopology`) for a bad topology; the
 * listen error (e.g. EADDRINUSE) when the port is taken
 */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const clock = makeClock(opts.clock, opts.speed);
  const topology: TopologyFile =
    opts.topology === undefined ? readTopologyFile(DEFAULT_TOPOLOGY_FILE) : typeof opts.topology === 'string' ? readTopologyFile(opts.topology) : validateTopology(opts.topology);
  const topologyName = typeof opts.topology === 'string' ? opts.topology : (topology.name ?? 'default');
  const given = opts.credentials && opts.credentials.length > 0 ? opts.credentials : undefined;
  let model = buildModel(topology, clock);
  const credentialsOf = (m: NetworkModel): readonly Credential[] =>
    given ?? [...DEFAULT_CREDENTIALS, ...m.accounts().filter((a) => a.accountId !== m.accountId).map((a) => accountCredentials(a.accountId))];
  let credentials = credentialsOf(model);
  const current = (): NetworkModel => model;
  const assistant = new CloudAssistant(assistantEnvironment(current, clock));
  const faults = new FaultInjector();
  const gateway = new RpcGateway({
    products: [vpcApi(current), cbnApi(current), ecsApi({
        assistant,
        ecsInstances: () => [...current().core.ecsInstances.values()],
        wireTime: (ms) => wireTime(current(), ms),
        now: () => clock.now(),
        defaultAccountId: () => current().accountId,
      })],
    credentials,
    faults,
    ...(opts.wallNow ? { wallNow: opts.wallNow } : {}),
  });

  const replace = (next: NetworkModel): void => {
    model.dispose();
    model = next;
    assistant.reset();
    gateway.reset();
    // A snapshot may bring other accounts: their default pairs follow the model.
    credentials = credentialsOf(model);
    gateway.setCredentials(credentials);
  };
  const reset = (): void => {
    replace(buildModel(topology, clock));
    faults.clear();
  };
  const load = (snapshot: EmulatorSnapshot): void => replace(NetworkModelClass.fromSnapshot(snapshot, clock));

  const server = await listen({
    gateway,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    control: { clock, faults, gateway, assistant, model: current, reset, load, topologyName },
  });

  return {
    endpoint: server.endpoint,
    port: server.port,
    get credentials() {
      return credentials;
    },
    credentialsFor: (accountId) => credentials.find((c) => (c.accountId ?? model.accountId) === accountId),
    get model() {
      return model;
    },
    clock,
    assistant,
    faults,
    gateway,
    topologyName,
    reset,
    load,
    close: async () => {
      assistant.reset();
      model.dispose();
      await server.close();
    },
  };
}

function makeClock(kind: StartEmulatorOptions['clock'], speed: number | undefined): Clock {
  if (kind === undefined || kind === 'virtual') return new VirtualClock();
  if (kind === 'real') return new RealClock(speed ?? 1);
  return kind;
}

function wireTime(model: NetworkModel, ms: number): string {
  return new Date(ms + model.core.epochOffsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Bandwidth of a path that stays inside Alibaba Cloud (no physical connection): a 10 Gbit/s NIC, no hash limit. */
const IN_CLOUD_LINK = { bandwidthBps: 10e9, singleStreamFraction: 1 };

/** Cloud Assistant's view of the current model: its instances and the data plane's paths. */
function assistantEnvironment(current: () => NetworkModel, clock: Clock): AssistantEnvironment {
  return {
    clock,
    instances: () => {
      const core = current().core;
      const out: AssistantInstance[] = [];
      for (const i of core.ecsInstances.values()) {
        out.push({
          instanceId: i.instanceId,
          kind: 'ecs',
          ownerId: core.ownerOf(i),
          regionId: i.regionId,
          ip: i.privateIpAddress,
          hostname: i.instanceName,
          running: i.status === 'Running',
          agentOnline: i.cloudAssistant,
          agentVersion: i.cloudAssistantVersion,
          binaries: i.installedBinaries,
          osType: i.osType,
        });
      }
      for (const i of core.managedInstances.values()) {
        out.push({
          instanceId: i.instanceId,
          kind: 'managed',
          ownerId: core.ownerOf(i),
          regionId: i.regionId,
          ip: i.ipAddress,
          hostname: i.hostname,
          running: true,
          agentOnline: i.cloudAssistant,
          agentVersion: i.cloudAssistantVersion,
          binaries: i.installedBinaries,
          osType: i.osType,
        });
      }
      return out;
    },
    path: (from, toIp, flowKey): PathVerdict => {
      const model = current();
      const m = /^(tcp|udp):[^:]+:(\d+)>[^:]+:(\d+)$/.exec(flowKey);
      const flow = m ? { protocol: m[1] as 'tcp' | 'udp', sourcePort: Number(m[2]), destinationPort: Number(m[3]) } : {};
      const r = model.reachability({ source: from.instanceId, destinationIp: toIp, flow });
      if (!r.reachable) return { reachable: false, reason: r.reason ?? 'unreachable' };
      const direction = from.kind === 'ecs' ? 'vpc-to-idc' : 'idc-to-vpc';
      const pcHop = r.hops.find((h) => h.direction === 'forward' && h.node === 'physical-connection');
      const pc = pcHop ? model.core.physicalConnections.get(pcHop.id) : undefined;
      if (!pc) return { reachable: true, linkId: `cloud:${from.instanceId}>${toIp}`, link: IN_CLOUD_LINK, direction };
      return { reachable: true, linkId: pc.physicalConnectionId, link: { bandwidthBps: pc.bandwidth * 1e6, up: pc.linkStatus === 'Up' }, direction };
    },
    hostExists: (ip) => current().inventory.hostAt(ip) !== undefined,
    icmpEcho: (from, toIp, seq) => icmpEcho(current(), from, toIp, seq),
    wireTime: (ms) => wireTime(current(), ms),
    unixSeconds: (ms) => Math.floor((ms + current().core.epochOffsetMs) / 1000),
  };
}

/**
 * One echo request as the data plane sees it now: both legs must deliver (`reachability`), and
 * something must live at the address to answer: a running instance, a data-center device, or a
 * VBR gateway address. An address on the sender's own vSwitch with nobody there fails locally
 * (ARP), which Linux reports as "Destination Host Unreachable"; every other drop is silent.
 */
function icmpEcho(model: NetworkModel, from: AssistantInstance, toIp: string, seq: number): EchoVerdict {
  if (toIp === from.ip || toIp.startsWith('127.')) return { kind: 'reply', ttl: 64, ...loopback(seq) };
  const r = model.reachability({ source: from.instanceId, destinationIp: toIp, flow: { protocol: 'icmp' } });
  if (!r.reachable) return { kind: 'lost', reason: r.reason ?? 'unreachable' };
  const core = model.core;
  const host = model.inventory.hostAt(toIp);
  const delivered = r.hops.filter((h) => h.direction === 'forward').at(-1);
  // Delivered to an instance: the one with that address must be running; an appliance that the
  // route points to (NextHopType=Instance) answers for what lies behind it.
  const answers =
    host?.kind === 'ecs'
      ? host.instance.status === 'Running'
      : host !== undefined ||
        delivered?.node === 'ecs' ||
        delivered?.node === 'device' ||
        delivered?.node === 'cloud-service' ||
        [...core.vbrs.values()].some((v) => v.localGatewayIp === toIp || v.peerGatewayIp === toIp);
  if (!answers) {
    const ecs = core.ecsInstances.get(from.instanceId);
    const sw = ecs ? core.vSwitches.get(ecs.vSwitchId) : undefined;
    if (sw && containsIp(parseCidr(sw.cidrBlock), parseIpv4(toIp))) return { kind: 'host-unreachable', from: from.ip };
    return { kind: 'lost', reason: 'no-host' };
  }
  return { kind: 'reply', ...echoTiming(r.hops, seq, `${from.ip}>${toIp}`) };
}

function loopback(seq: number): { rttUs: number } {
  return { rttUs: 20 + (seq % 7) * 3 };
}
