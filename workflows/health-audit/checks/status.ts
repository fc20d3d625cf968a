/**
 * Resource-state checks (network-anchors.md §2.3 rows 1, 2, 3, 13): physical connections
 * `Enabled` and `Normal`, VBRs `active`, CEN children `Attached`, BGP peers `Established`.
 */
import type { Finding } from '../types.ts';
import { changeInFlight, refs, type CheckDefinition } from './check.ts';

/** 1. Physical connection state: `Status=Enabled` and `BusinessStatus=Normal` (alibaba-api.md §4). */
export const physicalConnectionState: CheckDefinition = {
  id: 'physical-connection-state',
  title: 'Physical connection state',
  description:
    'A physical connection whose Status is not Enabled or whose BusinessStatus is not Normal (FinancialLocked, SecurityLocked). Critical when a VBR rides on it, warning for an unused circuit (still being provisioned or being retired).',
  run(inv) {
    const out: Finding[] = [];
    for (const pc of inv.physicalConnections) {
      if (pc.status === 'Enabled' && pc.businessStatus === 'Normal') continue;
      const vbrs = inv.vbrs.filter((v) => v.physicalConnectionId === pc.physicalConnectionId).map((v) => v.vbrId);
      const locked = pc.businessStatus !== 'Normal';
      out.push({
        checkId: 'physical-connection-state',
        severity: vbrs.length > 0 ? 'critical' : 'warning',
        title: `physical connection ${pc.physicalConnectionId}${pc.name ? ` (${pc.name})` : ''} is ${pc.status}${locked ? `, ${pc.businessStatus}` : ''}`,
        resources: refs(`physical-connection:${pc.physicalConnectionId}`, ...vbrs.map((v) => `vbr:${v}`)),
        evidence: { physicalConnectionId: pc.physicalConnectionId, status: pc.status, businessStatus: pc.businessStatus, vbrs, regionId: pc.regionId },
        fix: locked
          ? `${pc.businessStatus === 'FinancialLocked' ? 'Settle the overdue payment' : 'Resolve the security lock with Alibaba Cloud'} for ${pc.physicalConnectionId}; until then it carries no traffic.`
          : `Bring ${pc.physicalConnectionId} to Enabled (finish the application and payment, or ask the line provider); move the VBRs ${vbrs.join(', ') || '(none)'} to another circuit if it is being retired.`,
      });
    }
    return out;
  },
};

/** 2. VBR status: lower-case `active` (alibaba-api.md §4). */
export const vbrStatus: CheckDefinition = {
  id: 'vbr-status',
  title: 'VBR status',
  description: 'A VBR whose status is not active (unconfirmed, terminating, terminated, recovering, deleting). Critical: it forwards nothing.',
  run(inv) {
    return inv.vbrs
      .filter((v) => v.status !== 'active')
      .map(
        (v): Finding => ({
          checkId: 'vbr-status',
          severity: 'critical',
          title: `VBR ${v.vbrId}${v.name ? ` (${v.name})` : ''} is ${v.status}`,
          resources: refs(`vbr:${v.vbrId}`, v.physicalConnectionId && `physical-connection:${v.physicalConnectionId}`),
          evidence: {
            vbrId: v.vbrId,
            status: v.status,
            ...(v.physicalConnectionId ? { physicalConnectionId: v.physicalConnectionId } : {}),
            ...(v.physicalConnectionStatus ? { physicalConnectionStatus: v.physicalConnectionStatus } : {}),
            regionId: v.regionId,
          },
          fix:
            v.status === 'unconfirmed'
              ? `Confirm ${v.vbrId} (the VBR was created for this account by the circuit owner and waits for confirmation).`
              : v.status === 'terminated'
                ? `Recover ${v.vbrId} (RecoverVirtualBorderRouter) if it should carry traffic, or remove the routes that point at it.`
                : `Wait for ${v.vbrId} to finish ${v.status}, then audit again; if it stays, open a ticket with the VBR id.`,
        }),
      );
  },
};

/** 3. CEN attachment: every child `Attached` (and the CEN `Active`). */
export const cenAttachment: CheckDefinition = {
  id: 'cen-attachment',
  title: 'CEN child attachment',
  description:
    'A CEN child VPC or VBR that is not Attached (warning while Attaching/Detaching, info when a running procedure is attaching it, critical otherwise), or a CEN that is not Active (warning).',
  run(inv) {
    const out: Finding[] = [];
    for (const cen of inv.cens) {
      if (cen.status !== 'Active') {
        out.push({
          checkId: 'cen-attachment',
          severity: 'warning',
          title: `CEN ${cen.cenId} is ${cen.status}`,
          resources: [`cen:${cen.cenId}`],
          evidence: { cenId: cen.cenId, status: cen.status, ...(cen.protectionLevel ? { protectionLevel: cen.protectionLevel } : {}) },
          fix: `Wait for ${cen.cenId} to return to Active before changing its attachments or routes; audit again.`,
        });
      }
    }
    for (const c of inv.cenChildren) {
      if (c.status === 'Attached') continue;
      const transitional = c.status === 'Attaching' || c.status === 'Detaching';
      const inFlight = changeInFlight(inv, [`cen:${c.cenId}`, `vpc:${c.childInstanceId}`, `vbr:${c.childInstanceId}`]);
      out.push({
        checkId: 'cen-attachment',
        severity: inFlight ? 'info' : transitional ? 'warning' : 'critical',
        title: `${c.childInstanceType} ${c.childInstanceId} is ${c.status} in CEN ${c.cenId}`,
        resources: refs(`cen:${c.cenId}`, `cen-child:${c.cenId}/${c.childInstanceId}`),
        evidence: {
          cenId: c.cenId,
          childInstanceId: c.childInstanceId,
          childInstanceType: c.childInstanceType,
          childInstanceRegionId: c.childInstanceRegionId,
          status: c.status,
          ...(inFlight ? { changeInFlight: { executionId: inFlight.executionId, procedureId: inFlight.procedureId } } : {}),
        },
        fix: transitional
          ? `Attaching/detaching normally takes seconds to minutes; if ${c.childInstanceId} stays ${c.status}, check the CEN console and retry the operation.`
          : `Re-attach ${c.childInstanceId} to ${c.cenId} (AttachCenChildInstance) or detach it cleanly.`,
      });
    }
    return out;
  },
};

/** 13. BGP peers: session `Established`. */
export const bgpPeers: CheckDefinition = {
  id: 'bgp-peers',
  title: 'BGP peers',
  description:
    'A BGP peer of a VBR whose session is not Established (critical: routes learned from the data center are gone). BFD timers are not exposed by the Describe APIs xcflow reads, so the BFD part of this check is not made.',
  run(inv) {
    return inv.bgpPeers
      .filter((p) => p.bgpStatus !== undefined && p.bgpStatus !== 'Established')
      .map(
        (p): Finding => ({
          checkId: 'bgp-peers',
          severity: 'critical',
          title: `BGP peer ${p.bgpPeerId}${p.peerIpAddress ? ` (${p.peerIpAddress})` : ''} of ${p.routerId} is ${p.bgpStatus}`,
          resources: refs(`bgp-peer:${p.bgpPeerId}`, `vbr:${p.routerId}`),
          evidence: {
            bgpPeerId: p.bgpPeerId,
            bgpGroupId: p.bgpGroupId,
            vbrId: p.routerId,
            bgpStatus: p.bgpStatus ?? null,
            status: p.status,
            ...(p.peerIpAddress ? { peerIpAddress: p.peerIpAddress } : {}),
            ...(p.peerAsn ? { peerAsn: p.peerAsn } : {}),
            ...(p.enableBfd !== undefined ? { enableBfd: p.enableBfd } : {}),
          },
          fix: `Check the physical connection and the data-center router's BGP configuration for ${p.peerIpAddress ?? p.bgpPeerId} (ASN, password, peer IP); the session must be Established for the VBR to learn the data-center routes.`,
        }),
      );
  },
};
