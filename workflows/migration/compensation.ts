/**
 * Compensations of the CEN migrations (seed 5.3: re-add what was deleted, remove what was added,
 * re-advertise BGP networks, restore health checks and the CEN's bandwidth). Each is plain JSON kept in the execution's
 * context, newest first, and replayed in that order by the `RollingBack` states of every migration
 * procedure and by `rollback-migration`. Applying one is idempotent; a failure is journaled and
 * the rollback goes on with the next one.
 *
 * The route, BGP network and router interface kinds are the procedures' shared ones
 * (`workflows/shared/compensation.ts`); the CEN kinds are the migrations' own.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import { regionView } from '../../src/cloud/index.ts';
import {
  applySharedCompensation,
  describeSharedCompensation,
  isSharedCompensation,
  SHARED_COMPENSATION_KINDS,
  sharedCompensationReached,
  type SharedCompensation,
} from '../shared/compensation.ts';
import type { OpResult, Reached } from '../shared/ops.ts';
import {
  attachmentReached,
  cenHealthCheckReached,
  ensureAttached,
  ensureCenHealthCheck,
  ensureProtectionLevel,
  protectionLevelReached,
  publishedReached,
  removeAttachment,
  removePublished,
} from './ops.ts';
import { bandwidthLimitReached, ensureBandwidthLimit, packageAssociationReached, removePackageAssociation } from './bandwidth.ts';

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
  | SharedCompensation
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
    }
  | { kind: 'unassociateBandwidthPackage'; regionId: string; cenId: string; cenBandwidthPackageId: string }
  | {
      kind: 'restoreBandwidthLimit';
      regionId: string;
      cenId: string;
      localRegionId: string;
      oppositeRegionId: string;
      /** The bandwidth before the migration; 0: there was none, so remove it. */
      bandwidthMbps: number;
    };

/** Every compensation kind, for schemas and checks. */
export const COMPENSATION_KINDS = [
  'restoreProtectionLevel',
  'detachChild',
  'reattachChild',
  'withdrawPublishedRoute',
  ...SHARED_COMPENSATION_KINDS,
  'restoreCenVbrHealthCheck',
  'unassociateBandwidthPackage',
  'restoreBandwidthLimit',
] as const;

/** One line a human reads in the journal. */
export function describeCompensation(c: Compensation): string {
  if (isSharedCompensation(c)) return describeSharedCompensation(c);
  switch (c.kind) {
    case 'restoreProtectionLevel':
      return `set ${c.cenId} ProtectionLevel back to ${c.protectionLevel}`;
    case 'detachChild':
      return `detach ${c.childInstanceId} from ${c.cenId}`;
    case 'reattachChild':
      return `attach ${c.childInstanceId} to ${c.cenId} again`;
    case 'withdrawPublishedRoute':
      return `withdraw ${c.destinationCidrBlock} of ${c.routeTableId} from ${c.cenId}`;
    case 'restoreCenVbrHealthCheck':
      return c.targetIp ? `restore the CEN health check of ${c.vbrId} → ${c.targetIp}` : `disable the CEN health check of ${c.vbrId}`;
    case 'unassociateBandwidthPackage':
      return `take bandwidth package ${c.cenBandwidthPackageId} off ${c.cenId}`;
    case 'restoreBandwidthLimit':
      return c.bandwidthMbps > 0
        ? `set the bandwidth ${c.localRegionId}–${c.oppositeRegionId} of ${c.cenId} back to ${c.bandwidthMbps} Mbit/s`
        : `remove the bandwidth ${c.localRegionId}–${c.oppositeRegionId} of ${c.cenId}`;
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
  if (isSharedCompensation(c)) return applySharedCompensation(cloud, c, clientToken);
  const cl = regionView(cloud, c.regionId);
  switch (c.kind) {
    case 'restoreProtectionLevel':
      return ensureProtectionLevel(cl, c.cenId, c.protectionLevel);
    case 'detachChild':
      return removeAttachment(cl, child(c));
    case 'reattachChild':
      return ensureAttached(cl, child(c));
    case 'withdrawPublishedRoute':
      return removePublished(cl, { ...child(c), routeTableId: c.routeTableId, destinationCidrBlock: c.destinationCidrBlock });
    case 'restoreCenVbrHealthCheck':
      return ensureCenHealthCheck(cl, { ...c, vbrRegionId: c.regionId });
    case 'unassociateBandwidthPackage':
      return removePackageAssociation(cl, c);
    case 'restoreBandwidthLimit':
      return ensureBandwidthLimit(cl, c);
  }
}

/** Whether a compensation's target state is reached (for the wait after applying it). */
export async function compensationReached(cloud: CloudClients, c: Compensation): Promise<Reached> {
  if (isSharedCompensation(c)) return sharedCompensationReached(cloud, c);
  const cl = regionView(cloud, c.regionId);
  switch (c.kind) {
    case 'restoreProtectionLevel':
      return protectionLevelReached(cl, c.cenId, c.protectionLevel);
    case 'detachChild':
      return attachmentReached(cl, child(c), 'absent');
    case 'reattachChild':
      return attachmentReached(cl, child(c), 'present');
    case 'withdrawPublishedRoute':
      return publishedReached(cl, { ...child(c), routeTableId: c.routeTableId, destinationCidrBlock: c.destinationCidrBlock }, 'absent');
    case 'restoreCenVbrHealthCheck':
      return cenHealthCheckReached(cl, { ...c, vbrRegionId: c.regionId });
    case 'unassociateBandwidthPackage':
      return packageAssociationReached(cl, c, 'absent');
    case 'restoreBandwidthLimit':
      return bandwidthLimitReached(cl, c);
  }
}
