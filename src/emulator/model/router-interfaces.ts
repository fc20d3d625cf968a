/**
 * Router interface pairs (VBR↔VPC, and VPC↔VPC for Express Connect peering) and their health
 * check settings (ModifyRouterInterfaceAttribute: HealthCheckSourceIp/TargetIp, HcRate ms,
 * HcThreshold probes; seed chapter 6, alibaba-api.md §4, §8).
 */
import { containsIp, parseCidr } from '../../net/index.ts';
import { HealthCheckIpMismatch, InvalidParameter, InvalidRouterInterfaceIdNotFound } from '../errors.ts';
import { paginate, parseIpParam, required, routerInterfaceHealthFailed } from './common.ts';
import type { ModelCore } from './store.ts';
import type { ModifyRouterInterfaceParams, Page, RouterInterfaceFilter, RouterInterfaceRecord, RouterInterfaceView } from './types.ts';

/** Router interfaces. */
export class RouterInterfaces {
  constructor(private readonly core: ModelCore) {}

  /** The interface or `InvalidRouterInterfaceId.NotFound`. */
  requireRouterInterface(id: string, regionId?: string): RouterInterfaceRecord {
    const ri = this.core.routerInterfaces.get(id);
    if (!ri || (regionId && ri.regionId !== regionId)) throw new InvalidRouterInterfaceIdNotFound(id);
    return ri;
  }

  /**
   * DescribeRouterInterfaces. Filter keys: RouterInterfaceId, RouterId, RouterType,
   * OppositeInterfaceId, OppositeRouterId, OppositeRouterType, Status, AccessPointId, Role.
   */
  describeRouterInterfaces(f: RouterInterfaceFilter): Page<RouterInterfaceView> {
    const rows = [...this.core.routerInterfaces.values()]
      .filter((ri) => ri.regionId === f.regionId && this.core.seenBy(f, ri.routerInterfaceId))
      .filter((ri) => {
        if (!f.filters) return true;
        const fields: Record<string, string | undefined> = {
          RouterInterfaceId: ri.routerInterfaceId,
          RouterId: ri.routerId,
          RouterType: ri.routerType,
          OppositeInterfaceId: ri.oppositeInterfaceId,
          OppositeRouterId: ri.oppositeRouterId,
          OppositeRouterType: ri.oppositeRouterType,
          Status: ri.status,
          AccessPointId: ri.accessPointId,
          Role: ri.role,
        };
        return Object.entries(f.filters).every(([k, vals]) => fields[k] !== undefined && vals.includes(fields[k]));
      })
      .map((ri) => this.view(ri));
    return paginate(rows, f);
  }

  /** Wire view: record, opposite status, and the emulator's health verdict. */
  view(ri: RouterInterfaceRecord): RouterInterfaceView {
    const opposite = this.core.routerInterfaces.get(ri.oppositeInterfaceId);
    const configured = Boolean(ri.healthCheckSourceIp || opposite?.healthCheckSourceIp);
    return {
      ...ri,
      oppositeInterfaceStatus: opposite?.status ?? 'Inactive',
      healthCheckStatus: !configured ? 'Disabled' : routerInterfaceHealthFailed(this.core, ri.routerInterfaceId) ? 'Failed' : 'Healthy',
    };
  }

  /**
   * ModifyRouterInterfaceAttribute. Health-check source and target go together; the source must
   * be an IP of the connected VPC not used by another pair's health check; `hcRate` ms ≥ 1000 and
   * `hcThreshold` ≥ 1 (UNCONFIRMED bounds); `deleteHealthCheckIp` removes the check. Takes effect
   * at once (the interface stays `Active`). @throws EmulatorApiError
   */
  modifyRouterInterfaceAttribute(p: ModifyRouterInterfaceParams): Record<string, never> {
    const ri = this.requireRouterInterface(required(p.routerInterfaceId, 'RouterInterfaceId'), p.regionId);
    if (Boolean(p.healthCheckSourceIp) !== Boolean(p.healthCheckTargetIp)) throw new HealthCheckIpMismatch();
    if (p.hcRate !== undefined && (!Number.isInteger(p.hcRate) || p.hcRate < 1000)) throw new InvalidParameter('HcRate');
    if (p.hcThreshold !== undefined && (!Number.isInteger(p.hcThreshold) || p.hcThreshold < 1)) throw new InvalidParameter('HcThreshold');
    if (p.healthCheckSourceIp && p.healthCheckTargetIp) {
      const opposite = this.core.routerInterfaces.get(ri.oppositeInterfaceId);
      if (ri.routerType !== 'VBR' && opposite?.routerType !== 'VBR') {
        throw new InvalidParameter('HealthCheckSourceIp', 'Health checks are supported only on router interfaces between a VBR and a VPC.');
      }
      const src = parseIpParam(p.healthCheckSourceIp, 'HealthCheckSourceIp');
      parseIpParam(p.healthCheckTargetIp, 'HealthCheckTargetIp');
      const vpcId = this.connectedVpc(ri);
      const vpc = vpcId ? this.core.vpcs.get(vpcId) : undefined;
      if (!vpc || !containsIp(parseCidr(vpc.cidrBlock), src)) {
        throw new InvalidParameter('HealthCheckSourceIp', 'The source IP must be an unused IP address of the connected VPC.');
      }
      for (const other of this.core.routerInterfaces.values()) {
        if (other !== ri && other.routerInterfaceId !== ri.oppositeInterfaceId && other.healthCheckSourceIp === p.healthCheckSourceIp) {
          throw new InvalidParameter('HealthCheckSourceIp', 'The source IP is already used by the health check of another router interface.');
        }
      }
    }
    if (p.name !== undefined) ri.name = p.name;
    if (p.description !== undefined) ri.description = p.description;
    let hcChanged = false;
    if (p.deleteHealthCheckIp) {
      delete ri.healthCheckSourceIp;
      delete ri.healthCheckTargetIp;
      delete ri.hcRate;
      delete ri.hcThreshold;
      this.core.routerInterfaceHealth.delete(ri.routerInterfaceId);
      hcChanged = true;
    } else {
      if (p.healthCheckSourceIp && p.healthCheckTargetIp) {
        ri.healthCheckSourceIp = p.healthCheckSourceIp;
        ri.healthCheckTargetIp = p.healthCheckTargetIp;
        ri.hcRate = p.hcRate ?? ri.hcRate ?? 2000;
        ri.hcThreshold = p.hcThreshold ?? ri.hcThreshold ?? 8;
        hcChanged = true;
      } else if (p.hcRate !== undefined || p.hcThreshold !== undefined) {
        if (p.hcRate !== undefined) ri.hcRate = p.hcRate;
        if (p.hcThreshold !== undefined) ri.hcThreshold = p.hcThreshold;
        hcChanged = true;
      }
    }
    if (hcChanged) this.core.healthCheckConfigChanged();
    return {};
  }

  /** The VPC on either end of the pair (VBR end: `vpcInstanceId`). */
  connectedVpc(ri: RouterInterfaceRecord): string | undefined {
    if (ri.vpcInstanceId) return ri.vpcInstanceId;
    for (const v of this.core.vpcs.values()) if (v.vRouterId === ri.routerId) return v.vpcId;
    return undefined;
  }
}
