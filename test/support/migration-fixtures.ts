/** Facts and params of the seed's chapter 5 examples for migration unit tests. */
import type { CenRouteFact, MigrationFacts, MigrationParams, RouteEntryFact } from '../../workflows/migration/types.ts';

export const RI = 'ri-vpc-to-vbr';
export const peering = (cidr: string, ri = RI): RouteEntryFact => ({
  routeEntryId: `rte-${cidr}`,
  destinationCidrBlock: cidr,
  type: 'Custom',
  status: 'Available',
  nextHops: [{ nextHopType: 'RouterInterface', nextHopId: ri }],
});
export const system = (cidr: string): RouteEntryFact => ({ destinationCidrBlock: cidr, type: 'System', status: 'Available', nextHops: [] });
export const cen = (cidr: string, status: string, from = 'vpc-qingdao', region = 'cn-qingdao'): CenRouteFact => ({
  destinationCidrBlock: cidr,
  type: 'CEN',
  status,
  nextHopType: 'VPC',
  nextHopInstanceId: from,
  nextHopRegionId: region,
  conflicts: status === 'Rejected' ? [{ destinationCidrBlock: cidr, instanceId: 'vpc-1', instanceType: 'VPC', regionId: 'cn-hangzhou', status: 'conflict' }] : [],
});

/** Seed 5.1: VPC attached, peering route 172.16.0.0/16, CEN route 172.16.1.0/24 from Qingdao Rejected. */
export function seed51(over: { entries?: RouteEntryFact[]; cenRoutes?: CenRouteFact[] | null; protectionLevel?: string } = {}): MigrationFacts {
  const entries = over.entries ?? [system('192.168.0.0/24'), system('100.64.0.0/10'), peering('172.16.0.0/16')];
  return {
    kind: 'vpc',
    regionId: 'cn-hangzhou',
    cen: { cenId: 'cen-1', status: 'Active', protectionLevel: over.protectionLevel ?? 'REDUCED' },
    attachments: over.cenRoutes === null ? [] : [{ childInstanceId: 'vpc-1', childInstanceType: 'VPC', childInstanceRegionId: 'cn-hangzhou', status: 'Attached' }],
    subjects: [
      {
        childInstanceId: 'vpc-1',
        childInstanceType: 'VPC',
        regionId: 'cn-hangzhou',
        routeTable: { routeTableId: 'vtb-1', routerId: 'vrt-1', routerType: 'VRouter', entries },
        cenRoutes: over.cenRoutes === undefined ? [cen('10.0.0.0/8', 'Active', 'vbr-bj', 'cn-beijing'), cen('172.16.1.0/24', 'Rejected')] : over.cenRoutes,
        publishedRoutes: over.cenRoutes === null ? null : [],
      },
    ],
    regionDomainRoutes: [cen('10.0.0.0/8', 'Active', 'vbr-bj', 'cn-beijing'), cen('172.16.1.0/24', 'Active')],
  };
}

export const params = (over: Partial<MigrationParams> = {}): MigrationParams => ({ regionId: 'cn-hangzhou', cenId: 'cen-1', vpcId: 'vpc-1', mode: 'smooth', ...over });
