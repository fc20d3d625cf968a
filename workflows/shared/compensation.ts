/**
 * Compensations shared by the procedures: plain JSON undo steps kept in an execution's context,
 * newest first, and replayed in that order by the `RollingBack` states (saga; seed 5.3 "roll
 * back" applies the same idea to the migrations). Applying one is idempotent; a failure is
 * journaled and the rollback goes on with the next one.
 *
 * The kinds and their fields match `workflows/migration/compensation.ts`, so a migration's
 * compensation list and these can be applied by the same code.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import { regionView } from '../../src/cloud/index.ts';
import {
  bgpNetworkReached,
  ensureBgpNetwork,
  ensureRoute,
  ensureRouterInterfaceHealthCheck,
  removeBgpNetwork,
  removeRoute,
  routeReached,
  routerInterfaceHealthCheckReached,
  type NextHopFact,
  type OpResult,
  type Reached,
} from './ops.ts';

/** One undo step. `regionId` selects the region view of the cloud clients. */
export type SharedCompensation =
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
      /** Undefined: there was no health check, so remove it. */
      healthCheckSourceIp?: string;
      healthCheckTargetIp?: string;
      hcRate?: number;
      hcThreshold?: number;
    };

/** The kinds of {@link SharedCompensation}. */
export const SHARED_COMPENSATION_KINDS = ['removeRoute', 'restoreRoute', 'removeBgpNetwork', 'restoreBgpNetwork', 'restoreRouterInterfaceHealthCheck'] as const;

/** Whether `c` is one of the shared kinds (procedures add their own kinds beside them). */
export function isSharedCompensation(c: { kind: string }): c is SharedCompensation {
  return (SHARED_COMPENSATION_KINDS as readonly string[]).includes(c.kind);
}

/** One line a human reads in the journal. */
export function describeSharedCompensation(c: SharedCompensation): string {
  switch (c.kind) {
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
        ? `restore the health check of ${c.routerInterfaceId} (${c.healthCheckSourceIp ?? '?'} → ${c.healthCheckTargetIp})`
        : `remove the health check of ${c.routerInterfaceId}`;
  }
}

/**
 * Applies one compensation, idempotently (reads first; absent / already right counts as done).
 * @throws CloudApiError when the cloud refuses; the caller journals it and goes on.
 */
export async function applySharedCompensation(cloud: CloudClients, c: SharedCompensation, clientToken: string): Promise<OpResult> {
  const cl = regionView(cloud, c.regionId);
  switch (c.kind) {
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
  }
}

/** Whether a compensation's target state is reached (for the wait after applying it). */
export async function sharedCompensationReached(cloud: CloudClients, c: SharedCompensation): Promise<Reached> {
  const cl = regionView(cloud, c.regionId);
  switch (c.kind) {
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
  }
}
