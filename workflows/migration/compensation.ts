/**
 * Compensations of the CEN migrations (seed 5.3: re-add what was deleted, remove what was added,
 * re-advertise BGP networks, restore health checks). Each is plain JSON kept in the execution's
 * context, newest first, and replayed in that order by the `RollingBack` states of every migration
 * procedure and by `rollback-migration`. Applying one is idempotent; a failure is journaled and
 * the rollback goes on with the next one.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import {
  attachmentReached,
  bgpNetworkReached,
  cenHealthCheckReached,
  ensureAttached,
  ensureBgpNetwork,
  ensureCenHealthCheck,
  ensureProtectionLevel,
  ensureRoute,
  ensureRouterInterfaceHealthCheck,
  protectionLevelReached,
  publishedReached,
  removeAttachment,
  removeBgpNetwork,
  removePublished,
  removeRoute,
  routeReached,
  routerInterfaceHealthCheckReached,
  type OpResult,
} from './ops.ts';
import type { NextHopFact } from './types.ts';

/** One undo step. `regionId` selects the region view of the cloud clients. */
export type Compensation =
  | { kind: 'restoreProtectionLevel'; regionId: string; cenId: string; protectionLevel: string }
  | { kind: 'detachChild'; regionId: string; cenId: string; childInstanceId: string; childInstanceType: 'VPC' | 'VBR' }
  | { kind: 'reattachChild'; regionId: string; cenId: string; childInstanceId: string; childInstanceType: 'VPC' | 'VBR' }
  | {
      kind: 'withdrawPublishedRoute';
      regionId: string;
      cenId: string;
      childInstanceId: string;
      childInstanceType: 'VPC' | 'VBR';
      routeTableId: string;
      destinationCidrBlock: string;
    }
  | { kind: 'removeRoute'; regionId: string; routeTableId: string; destinationCidrBlock: string; nextHops: NextHopFact[] }
  | {
      kind: 'restoreRoute';
      regionId: string;
      routeTableId: string;
      destinationCidrBlock: string;
      nextHops: NextHopFact[];
      routeEntryName?: string;
      description?: string;
    }
  | { kind: 'removeBgpNetwork'; regionId: string; vbrId: string; dstCidrBlock: string }
  | { kind: 'restoreBgpNetwork'; regionId: string; vbrId: string; dstCidrBlock: string; vpcId?: string }
  | {
      kind: 'restoreRouterInterfaceHealthCheck';
      regionId: string;
      routerInterfaceId: string;
      healthCheckSourceIp?: string;
      healthCheckTargetIp?: string;
      hcRate?: number;
      hcThreshold?: number;
    }
  | {
      kind: 'restoreCenVbrHealthCheck';
      regionId: string;
      cenId: string;
      vbrId: string;
      /** Undefined: there was none, so disable it. */
      targetIp?: string;
      sourceIp?: string;
      interval?: number;
      threshold?: number;
    };

/** Every compensation kind, for schemas and checks. */
export const COMPENSATION_KINDS = [
  'restoreProtectionLevel',
  'detachChild',
  'reattachChild',
  'withdrawPublishedRoute',
  'removeRoute',
  'restoreRoute',
  'removeBgpNetwork',
  'restoreBgpNetwork',
  'restoreRouterInterfaceHealthCheck',
  'restoreCenVbrHealthCheck',
] as const;

/** One line a human reads in the journal. */
export function describeCompensation(c: Compensation): string {
  switch (c.kind) {
    case 'restoreProtectionLevel':
      return `set ${c.cenId} ProtectionLevel back to ${c.protectionLevel}`;
    case 'detachChild':
      return `detach ${c.childInstanceId} from ${c.cenId}`;
    case 'reattachChild':
      return `attach ${c.childInstanceId} to ${c.cenId} again`;
    case 'withdrawPublishedRoute':
      return `withdraw ${c.destinationCidrBlock} of ${c.routeTableId} from ${c.cenId}`;
    case 'removeRoute':
      return `remove ${c.destinationCidrBlock} from ${c.routeTableId}`;
    case 'restoreRoute':
      return `re-add ${c.destinationCidrBlock} → ${c.nextHops.map((h) => h.nextHopId).join(',')} to ${c.routeTableId}`;
    case 'removeBgpNetwork':
      return `withdraw BGP network ${c.dstCidrBlock} from ${c.vbrId}`;
    case 'restoreBgpNetwork':
      return `re-advertise BGP network ${c.dstCidrBlock} on ${c.vbrId}`;
    case 'restoreRouterInterfaceHealthCheck':
      return c.healthCheckTargetIp
        ? `restore the health check of ${c.routerInterfaceId} (${c.healthCheckSourceIp} → ${c.healthCheckTargetIp})`
        : `remove the health check of ${c.routerInterfaceId}`;
    case 'restoreCenVbrHealthCheck':
      return c.targetIp ? `restore the CEN health check of ${c.vbrId} → ${c.targetIp}` : `disable the CEN health check of ${c.vbrId}`;
  }
}

const child = (c: { cenId: string; childInstanceId: string; childInstanceType: 'VPC' | 'VBR'; regionId: string }) => ({
  cenId: c.cenId,
  childInstanceId: c.childInstanceId,
  childInstanceType: c.childInstanceType,
  childInstanceRegionId: c.regionId,
});

/**
 * Applies one compensation, idempotently (reads first; absent/already-right counts as done).
 * @throws CloudApiError when the cloud refuses; the caller journals it and goes on.
 */
export async function applyCompensation(cloud: CloudClients, c: Compensation, clientToken: string): Promise<OpResult> {
  const cl = cloud.regionId === c.regionId ? cloud : cloud.forRegion(c.regionId);
  switch (c.kind) {
    case 'restoreProtectionLevel':
      return ensureProtectionLevel(cl, c.cenId, c.protectionLevel);
    case 'detachChild':
      return removeAttachment(cl, child(c));
    case 'reattachChild':
      return ensureAttached(cl, child(c));
    case 'withdrawPublishedRoute':
      return removePublished(cl, { ...child(c), routeTableId: c.routeTableId, destinationCidrBlock: c.destinationCidrBlock });
    case 'removeRoute':
      return removeRoute(cl, c);
    case 'restoreRoute':
      return ensureRoute(cl, c, clientToken);
    case 'removeBgpNetwork':
      return removeBgpNetwork(cl, c, clientToken);
    case 'restoreBgpNetwork':
      return ensureBgpNetwork(cl, c, clientToken);
    case 'restoreRouterInterfaceHealthCheck':
      return ensureRouterInterfaceHealthCheck(cl, c);
    case 'restoreCenVbrHealthCheck':
      return ensureCenHealthCheck(cl, { ...c, vbrRegionId: c.regionId });
  }
}

/** Whether a compensation's target state is reached (for the wait after applying it). */
export async function compensationReached(cloud: CloudClients, c: Compensation): Promise<{ ready: boolean; status: string }> {
  const cl = cloud.regionId === c.regionId ? cloud : cloud.forRegion(c.regionId);
  switch (c.kind) {
    case 'restoreProtectionLevel':
      return protectionLevelReached(cl, c.cenId, c.protectionLevel);
    case 'detachChild':
      return attachmentReached(cl, child(c), 'absent');
    case 'reattachChild':
      return attachmentReached(cl, child(c), 'present');
    case 'withdrawPublishedRoute':
      return publishedReached(cl, { ...child(c), routeTableId: c.routeTableId, destinationCidrBlock: c.destinationCidrBlock }, 'absent');
    case 'removeRoute':
      return routeReached(cl, c, 'absent');
    case 'restoreRoute':
      return routeReached(cl, c, 'present');
    case 'removeBgpNetwork':
      return bgpNetworkReached(cl, c, 'absent');
    case 'restoreBgpNetwork':
      return bgpNetworkReached(cl, c, 'present');
    case 'restoreRouterInterfaceHealthCheck':
      return routerInterfaceHealthCheckReached(cl, c);
    case 'restoreCenVbrHealthCheck':
      return cenHealthCheckReached(cl, { ...c, vbrRegionId: c.regionId });
  }
}
