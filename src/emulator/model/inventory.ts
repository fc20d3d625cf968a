/**
 * Plain inventory: ECS instances, Cloud Assistant managed instances (data-center servers,
 * `mi-…`), and data centers with their router's static routes (the return path). Cloud Assistant
 * behaviour (RunCommand, invocations) is built on top of this in `src/emulator/ecs`.
 */
import { formatCidr, parseCidr } from '../../net/index.ts';
import { InvalidInstanceIdNotFound, InvalidParameter } from '../errors.ts';
import { paginate, parseDestination, parseIpParam } from './common.ts';
import type { ModelCore } from './store.ts';
import type { Caller, DataCenterRecord, EcsInstanceRecord, ManagedInstanceRecord, Page, PageParams } from './types.ts';

/** What is found at an IP address. */
export type HostLookup =
  | { kind: 'ecs'; instance: EcsInstanceRecord }
  | { kind: 'managed-instance'; instance: ManagedInstanceRecord }
  | { kind: 'dc-device'; dataCenterId: string; name: string };

/** ECS, managed instances and data centers. */
export class Inventory {
  constructor(private readonly core: ModelCore) {}

  /** DescribeInstances-like listing (filters: instance ids, VPC, vSwitch). */
  describeInstances(f: { regionId: string; instanceIds?: string[]; vpcId?: string; vSwitchId?: string } & PageParams & Caller): Page<EcsInstanceRecord> {
    const ids = f.instanceIds && f.instanceIds.length > 0 ? new Set(f.instanceIds) : undefined;
    const rows = [...this.core.ecsInstances.values()].filter(
      (i) => i.regionId === f.regionId && (!ids || ids.has(i.instanceId)) && (!f.vpcId || i.vpcId === f.vpcId) && (!f.vSwitchId || i.vSwitchId === f.vSwitchId) && this.core.seenBy(f, i.instanceId),
    );
    return paginate(rows.map((i) => ({ ...i, installedBinaries: [...i.installedBinaries] })), f, 100);
  }

  /** Managed instances (Cloud Assistant on servers outside Alibaba Cloud). */
  describeManagedInstances(f: { regionId: string; instanceIds?: string[] } & PageParams): Page<ManagedInstanceRecord> {
    const ids = f.instanceIds && f.instanceIds.length > 0 ? new Set(f.instanceIds) : undefined;
    const rows = [...this.core.managedInstances.values()].filter((i) => i.regionId === f.regionId && (!ids || ids.has(i.instanceId)));
    return paginate(rows.map((i) => ({ ...i, installedBinaries: [...i.installedBinaries] })), f, 50);
  }

  /**
   * An ECS or managed instance by id (the Cloud Assistant targets), or
   * `InvalidInstanceId.NotFound`.
   */
  requireInstance(instanceId: string, regionId?: string): EcsInstanceRecord | ManagedInstanceRecord {
    const i = this.core.ecsInstances.get(instanceId) ?? this.core.managedInstances.get(instanceId);
    if (!i || (regionId && i.regionId !== regionId)) throw new InvalidInstanceIdNotFound(instanceId);
    return i;
  }

  /** The IP address an instance (ECS or managed) is reached at. */
  instanceIp(i: EcsInstanceRecord | ManagedInstanceRecord): string {
    return 'privateIpAddress' in i ? i.privateIpAddress : i.ipAddress;
  }

  /** What sits at `ip`: an ECS instance, a managed instance, or a named data-center device. */
  hostAt(ip: string): HostLookup | undefined {
    for (const i of this.core.ecsInstances.values()) if (i.privateIpAddress === ip) return { kind: 'ecs', instance: i };
    for (const i of this.core.managedInstances.values()) if (i.ipAddress === ip) return { kind: 'managed-instance', instance: i };
    for (const dc of this.core.dataCenters.values()) {
      const d = dc.devices.find((x) => x.ip === ip);
      if (d) return { kind: 'dc-device', dataCenterId: dc.dataCenterId, name: d.name };
    }
    return undefined;
  }

  /** Data centers (copies). */
  listDataCenters(): DataCenterRecord[] {
    return [...this.core.dataCenters.values()].map((d) => structuredClone(d));
  }

  /** A data center or `InvalidInstanceId.NotFound`. */
  requireDataCenter(dataCenterId: string): DataCenterRecord {
    const dc = this.core.dataCenters.get(dataCenterId);
    if (!dc) throw new InvalidInstanceIdNotFound(dataCenterId);
    return dc;
  }

  /**
   * Control: sets (adds or replaces) a static route of a data center's router, e.g. the /32 back
   * to a health-check source (seed chapter 6 step 3). Next hops are VBR local gateway IPs.
   * @throws InvalidParameter for a bad CIDR or IP
   */
  setDataCenterRoute(dataCenterId: string, destinationCidrBlock: string, nextHopIps: string[]): void {
    const dc = this.requireDataCenter(dataCenterId);
    const cidr = formatCidr(parseDestination(destinationCidrBlock));
    if (nextHopIps.length === 0) throw new InvalidParameter('nextHopIps');
    for (const ip of nextHopIps) parseIpParam(ip, 'nextHopIps');
    dc.routes = [...dc.routes.filter((r) => !(r.origin === 'static' && r.destinationCidrBlock === cidr)), { destinationCidrBlock: cidr, nextHopIps: [...nextHopIps], origin: 'static' }];
    this.core.reindexDataCenter(dc);
  }

  /** Control: removes a static route of a data center's router; returns whether it existed. */
  deleteDataCenterRoute(dataCenterId: string, destinationCidrBlock: string): boolean {
    const dc = this.requireDataCenter(dataCenterId);
    const cidr = formatCidr(parseCidr(destinationCidrBlock));
    const before = dc.routes.length;
    dc.routes = dc.routes.filter((r) => !(r.origin === 'static' && r.destinationCidrBlock === cidr));
    this.core.reindexDataCenter(dc);
    return dc.routes.length !== before;
  }
}
