/**
 * Safe automatic fixes, as executions of other procedures with parameters derived from a finding
 * (issue 7 part 4). Pure builders: a check attaches the spec to its finding; the audit's
 * `proposeRemediations` step starts the execution, which then waits at that procedure's approval
 * gate like any other change. A fix is only offered when every parameter is known from the
 * inventory or the intent; otherwise the finding carries its fix as text only.
 */
import type { CenRouteEntry, RouteEntry } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import type { AuditIndex } from './analysis.ts';
import type { AuditIntent, IntentRedundancy } from './intent.ts';
import type { RemediationSpec, TableInventory } from './types.ts';

/** Procedure ids the audit may propose. */
export const REMEDIATION_PROCEDURES = {
  removeLeftovers: 'remove-migration-leftovers',
  cloudServiceAccess: 'cloud-service-access',
  redundancy: 'physical-connection-redundancy',
} as const;

/**
 * Remove the temporary halves a smooth migration left in a table (seed 5.1-6e / 5.2-8f), once the
 * CEN route they were splitting is Active: their traffic then goes over that CEN route.
 */
export function removeLeftoversSpec(t: TableInventory, cenId: string, childInstanceId: string, covering: CenRouteEntry, pieces: RouteEntry[]): RemediationSpec {
  return {
    procedureId: REMEDIATION_PROCEDURES.removeLeftovers,
    params: {
      regionId: t.regionId,
      routeTableId: t.table.routeTableId,
      cenId,
      childInstanceId,
      childInstanceType: t.ownerType,
      coveringCidrBlock: covering.destinationCidrBlock,
      routes: pieces.map((p) => ({
        destinationCidrBlock: p.destinationCidrBlock,
        nextHops: p.nextHops.map((h) => ({ nextHopType: h.nextHopType, nextHopId: h.nextHopId, ...(h.weight !== undefined && p.nextHops.length > 1 ? { weight: h.weight } : {}) })),
      })),
    },
    reason: `the CEN route ${covering.destinationCidrBlock} in ${t.table.routeTableId} is Active and covers every address of the leftover routes, so deleting them moves their traffic to CEN without a gap (seed 5.1-6e)`,
  };
}

/**
 * Add the missing cloud-service routes 100.64.0.0/11 / 100.96.0.0/11 on a VBR toward its VPC
 * (seed chapter 1, `cloud-service-access`). The procedure verifies from the data center: from
 * `verificationSource` (a managed instance `mi-…` or a device IP, from the intent), else from the
 * VBR's customer-side IP (enough for the emulator; in the cloud name a managed instance).
 */
export function cloudAccessSpec(index: AuditIndex, vbrId: string, missing: readonly string[], verificationSource?: string): RemediationSpec | undefined {
  const vbr = index.vbrs.get(vbrId);
  const lines = index.linesByVbr.get(vbrId) ?? [];
  const source = verificationSource ?? vbr?.peerGatewayIp;
  if (!vbr || lines.length !== 1 || !source || missing.length === 0) return undefined;
  const line = lines[0]!;
  return {
    procedureId: REMEDIATION_PROCEDURES.cloudServiceAccess,
    params: { regionId: vbr.regionId, vbrId, vpcId: line.vpcId, destinationCidrBlocks: [...missing], verification: { source } },
    reason: `adding ${missing.join(' and ')} on ${vbrId} toward its only VPC connection (${line.vbrSide.routerInterfaceId}) changes no existing route (seed chapter 1)`,
  };
}

/**
 * Configure the redundancy of a declared group (seed chapter 6, `physical-connection-redundancy`):
 * health checks with the intent's interval and threshold on every line, the load-balancing route
 * (equal weights) or 100/0 for active/standby, the per-VBR routes. Needs a health-check source IP
 * per line (from the intent, or the interface's current setting); the target defaults to the
 * VBR's customer-side IP. The procedure leaves what is already right alone and refuses a route
 * that points elsewhere, so it is only offered for missing or mis-set health checks and a missing
 * route, never to rewrite a route with other weights.
 */
export function redundancySpec(index: AuditIndex, intent: AuditIntent, group: IntentRedundancy): RemediationSpec | undefined {
  const table = index.tables.get(group.routeTableId);
  if (!table || table.inv.ownerType !== 'VPC') return undefined;
  const vpcId = table.inv.ownerId;
  // Active line first: the procedure's default order for active/standby.
  const ordered = [...group.lines].sort((a, b) => (a.role === 'active' ? 0 : 1) - (b.role === 'active' ? 0 : 1));
  const connections: JsonObject[] = [];
  for (const l of ordered) {
    const vbr = index.vbrs.get(l.vbrId);
    const line = (index.linesByVbr.get(l.vbrId) ?? []).find((x) => x.vpcId === vpcId);
    const source = l.healthCheckSourceIp ?? line?.vbrSide.healthCheckSourceIp;
    const target = line?.vbrSide.healthCheckTargetIp ?? vbr?.peerGatewayIp;
    if (!vbr || !line || !source || !target) return undefined;
    connections.push({
      vbrId: l.vbrId,
      healthCheckSourceIp: source,
      healthCheckTargetIp: target,
      ...(group.mode === 'active-standby' ? { weight: l.role === 'active' ? 100 : 0 } : {}),
    });
  }
  return {
    procedureId: REMEDIATION_PROCEDURES.redundancy,
    params: {
      regionId: table.inv.regionId,
      vpcId,
      routeTableId: group.routeTableId,
      dataCenterCidrBlocks: [group.destinationCidrBlock],
      connections,
      mode: group.mode === 'active-standby' ? 'active-standby' : 'ecmp',
      healthCheck: { intervalSeconds: intent.healthCheck.intervalSeconds, threshold: intent.healthCheck.threshold },
    },
    reason: `the intent declares ${group.destinationCidrBlock} in ${group.routeTableId} as ${group.mode} over ${group.lines.map((l) => l.vbrId).join(', ')}; the procedure sets what is missing and leaves what is right alone (seed chapter 6)`,
  };
}
