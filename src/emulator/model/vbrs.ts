/**
 * Physical connections, VBRs and their BGP groups, peers and networks. A VBR's BGP session is
 * `Established` while its VBR is active and its circuit is up; then the data center's
 * `bgpAdvertisedCidrs` appear as `BGP` entries in the VBR table and the VBR's BGP networks as
 * routes in the data center (both withdrawn when the session drops — a real BGP failover).
 */
import { parseCidr, formatCidr } from '../../net/index.ts';
import {
  BgpNetworkExists,
  BgpNetworkNotFound,
  IncorrectStatus,
  InvalidPhysicalConnectionIdNotFound,
  InvalidVbrIdNotFound,
} from '../errors.ts';
import { paginate, parseDestination, required } from './common.ts';
import type { ModelCore } from './store.ts';
import type {
  Caller,
  BgpGroupRecord,
  BgpNetworkRecord,
  BgpPeerView,
  DataCenterRouteRecord,
  Page,
  PageParams,
  PhysicalConnectionRecord,
  RouteEntryRecord,
  VbrRecord,
} from './types.ts';

/** A VBR as DescribeVirtualBorderRouters shows it. */
export interface VbrView extends VbrRecord {
  physicalConnectionStatus: string;
  physicalConnectionBusinessStatus: string;
  physicalConnectionOwnerUid: string;
}

/** `Filter.N.Key` → values, as the Describe* calls with filters take them. */
export type KeyFilters = Record<string, string[]>;

function matches(filters: KeyFilters | undefined, get: (key: string) => string | number | undefined): boolean {
  if (!filters) return true;
  return Object.entries(filters).every(([k, values]) => {
    const v = get(k);
    return v !== undefined && values.includes(String(v));
  });
}

/** VBRs, circuits and BGP. */
export class Vbrs {
  constructor(private readonly core: ModelCore) {
    core.onTransition('bgpNetwork.added', (key) => {
      const n = core.bgpNetworks.get(key);
      if (n?.status === 'Pending') n.status = 'Available';
    });
    core.onTransition('bgpNetwork.deleted', (key) => {
      core.bgpNetworks.delete(key);
    });
  }

  /** The VBR or `InvalidVbrId.NotFound`. */
  requireVbr(vbrId: string, regionId?: string): VbrRecord {
    const v = this.core.vbrs.get(vbrId);
    if (!v || (regionId && v.regionId !== regionId)) throw new InvalidVbrIdNotFound(vbrId);
    return v;
  }

  /** The circuit or `InvalidPhysicalConnectionId.NotFound`. */
  requirePhysicalConnection(id: string): PhysicalConnectionRecord {
    const pc = this.core.physicalConnections.get(id);
    if (!pc) throw new InvalidPhysicalConnectionIdNotFound(id);
    return pc;
  }

  /** DescribeVirtualBorderRouters (filter keys: VbrId, PhysicalConnectionId, Status, Name, AccessPointId, VlanId). */
  describeVirtualBorderRouters(f: { regionId: string; filters?: KeyFilters } & PageParams & Caller): Page<VbrView> {
    const rows = [...this.core.vbrs.values()]
      .filter((v) => v.regionId === f.regionId && this.core.seenBy(f, v.vbrId))
      .filter((v) =>
        matches(f.filters, (k) =>
          ({ VbrId: v.vbrId, PhysicalConnectionId: v.physicalConnectionId, Status: v.status, Name: v.name, AccessPointId: v.accessPointId, VlanId: v.vlanId })[k],
        ),
      )
      .map((v) => this.vbrView(v));
    return paginate(rows, f);
  }

  /** Wire view of a VBR with its circuit's status. */
  vbrView(v: VbrRecord): VbrView {
    const pc = this.core.physicalConnections.get(v.physicalConnectionId);
    return {
      ...v,
      physicalConnectionStatus: pc?.status ?? '',
      physicalConnectionBusinessStatus: pc?.businessStatus ?? '',
      physicalConnectionOwnerUid: pc ? this.core.ownerOf(pc) : this.core.ownerOf(v),
    };
  }

  /** DescribePhysicalConnections (filter keys: PhysicalConnectionId, AccessPointId, Type, LineOperator, Status, Name). */
  describePhysicalConnections(f: { regionId: string; filters?: KeyFilters } & PageParams & Caller): Page<PhysicalConnectionRecord> {
    const rows = [...this.core.physicalConnections.values()]
      .filter((p) => p.regionId === f.regionId && this.core.seenBy(f, p.physicalConnectionId))
      .filter((p) =>
        matches(f.filters, (k) =>
          ({ PhysicalConnectionId: p.physicalConnectionId, AccessPointId: p.accessPointId, Type: p.type, LineOperator: p.lineOperator, Status: p.status, Name: p.name })[k],
        ),
      )
      .map((p) => ({ ...p }));
    return paginate(rows, f);
  }

  /**
   * Control API: fails (`Down`) or restores (`Up`) a circuit's link. The API status stays
   * `Enabled`; traffic, BGP sessions and health checks see the change.
   * @throws InvalidPhysicalConnectionId.NotFound
   */
  setPhysicalConnectionLink(physicalConnectionId: string, linkStatus: 'Up' | 'Down'): PhysicalConnectionRecord {
    const pc = this.requirePhysicalConnection(physicalConnectionId);
    if (pc.linkStatus !== linkStatus) {
      pc.linkStatus = linkStatus;
      this.core.markDirty();
      this.core.flush();
    }
    return { ...pc };
  }

  /** Whether the VBR's circuit carries traffic (link up, `Enabled`, `Normal`) and the VBR is active. */
  vbrForwarding(v: VbrRecord): boolean {
    const pc = this.core.physicalConnections.get(v.physicalConnectionId);
    return v.status === 'active' && !!pc && pc.linkStatus === 'Up' && pc.status === 'Enabled' && pc.businessStatus === 'Normal';
  }

  /** DescribeBgpGroups. */
  describeBgpGroups(f: { regionId: string; routerId?: string; bgpGroupId?: string } & PageParams & Caller): Page<BgpGroupRecord> {
    const rows = [...this.core.bgpGroups.values()].filter(
      (g) => g.regionId === f.regionId && (!f.routerId || g.routerId === f.routerId) && (!f.bgpGroupId || g.bgpGroupId === f.bgpGroupId) && this.core.seenBy(f, g.routerId),
    );
    return paginate(rows.map((g) => ({ ...g })), f);
  }

  /** DescribeBgpPeers, with `bgpStatus` Established while the circuit is up. */
  describeBgpPeers(f: { regionId: string; routerId?: string; bgpGroupId?: string; bgpPeerId?: string } & PageParams & Caller): Page<BgpPeerView> {
    const rows = [...this.core.bgpPeers.values()]
      .filter(
        (p) =>
          p.regionId === f.regionId &&
          this.core.seenBy(f, p.routerId) &&
          (!f.routerId || p.routerId === f.routerId) &&
          (!f.bgpGroupId || p.bgpGroupId === f.bgpGroupId) &&
          (!f.bgpPeerId || p.bgpPeerId === f.bgpPeerId),
      )
      .map((p): BgpPeerView => {
        const g = this.core.bgpGroups.get(p.bgpGroupId);
        const vbr = this.core.vbrs.get(p.routerId);
        return { ...p, peerAsn: g?.peerAsn ?? 0, localAsn: g?.localAsn ?? 0, bgpStatus: vbr && this.vbrForwarding(vbr) ? 'Established' : 'Idle' };
      });
    return paginate(rows, f);
  }

  /** DescribeBgpNetworks. */
  describeBgpNetworks(f: { regionId: string; routerId?: string } & PageParams & Caller): Page<BgpNetworkRecord> {
    const rows = [...this.core.bgpNetworks.values()].filter((n) => n.regionId === f.regionId && (!f.routerId || n.routerId === f.routerId) && this.core.seenBy(f, n.routerId));
    return paginate(rows.map((n) => ({ ...n })), f);
  }

  /**
   * AddBgpNetwork: advertise `dstCidrBlock` from the VBR; `Pending` → `Available` after
   * `timings.bgpNetworkAddMs`. @throws InvalidVbrId.NotFound, InvalidCidrBlock.Malformed,
   * InvalidDstCidrBlock.Exists (UNCONFIRMED code)
   */
  addBgpNetwork(p: { regionId?: string; routerId: string; dstCidrBlock: string; vpcId?: string; clientToken?: string }): Record<string, never> {
    return this.core.idempotent('AddBgpNetwork', p, () => {
      const vbr = this.requireVbr(required(p.routerId, 'RouterId'), p.regionId);
      const cidr = formatCidr(parseDestination(required(p.dstCidrBlock, 'DstCidrBlock')));
      const key = `${vbr.vbrId}|${cidr}`;
      if (this.core.bgpNetworks.has(key)) throw new BgpNetworkExists();
      this.core.bgpNetworks.set(key, { routerId: vbr.vbrId, regionId: vbr.regionId, dstCidrBlock: cidr, ...(p.vpcId ? { vpcId: p.vpcId } : {}), status: 'Pending' });
      this.core.scheduleTransition('bgpNetwork.added', key, this.core.timings.bgpNetworkAddMs);
      return {};
    });
  }

  /**
   * DeleteBgpNetwork: `Deleting` → gone after `timings.bgpNetworkDeleteMs`; the advertisement stops
   * at once. @throws InvalidDstCidrBlock.NotFound (UNCONFIRMED), IncorrectStatus when not Available
   */
  deleteBgpNetwork(p: { regionId?: string; routerId: string; dstCidrBlock: string; clientToken?: string }): Record<string, never> {
    return this.core.idempotent('DeleteBgpNetwork', p, () => {
      const vbr = this.requireVbr(required(p.routerId, 'RouterId'), p.regionId);
      const cidr = formatCidr(parseDestination(required(p.dstCidrBlock, 'DstCidrBlock')));
      const key = `${vbr.vbrId}|${cidr}`;
      const n = this.core.bgpNetworks.get(key);
      if (!n) throw new BgpNetworkNotFound();
      if (n.status !== 'Available') throw new IncorrectStatus('BGP network');
      n.status = 'Deleting';
      this.core.markDirty();
      this.core.scheduleTransition('bgpNetwork.deleted', key, this.core.timings.bgpNetworkDeleteMs);
      this.core.flush();
      return {};
    });
  }

  /**
   * Recomputes what BGP sessions carry: `BGP` entries in each VBR table (the DC's advertised
   * CIDRs, next hop the circuit) and `bgp` routes in each data center (the VBRs' Available BGP
   * networks, next hop the VBR's local gateway IP; several VBRs = ECMP). Static entries win.
   */
  deriveBgp(): void {
    const c = this.core;
    const dcBgp = new Map<string, Map<string, string[]>>();
    for (const vbr of c.vbrs.values()) {
      const pc = c.physicalConnections.get(vbr.physicalConnectionId);
      const dc = pc ? c.dataCenters.get(pc.dataCenterId) : undefined;
      const hasPeer = [...c.bgpPeers.values()].some((p) => p.routerId === vbr.vbrId && p.status === 'Available');
      const up = hasPeer && this.vbrForwarding(vbr) && !!dc;
      // VBR table: desired BGP entries.
      const want = new Set<string>(up && dc ? dc.bgpAdvertisedCidrs.map((x) => formatCidr(parseCidr(x))) : []);
      const have = c.entriesOf(vbr.routeTableId).filter((e) => e.type === 'BGP');
      for (const e of have) if (!want.has(e.destinationCidrBlock)) c.removeRouteEntry(e);
      const haveSet = new Set(have.map((e) => e.destinationCidrBlock));
      for (const cidr of want) {
        if (haveSet.has(cidr)) continue;
        if (c.tables.get(vbr.routeTableId)?.trie.get(parseCidr(cidr))?.entries.length) continue;
        const e: RouteEntryRecord = {
          routeEntryId: c.ids.next('rte', vbr.regionId),
          routeTableId: vbr.routeTableId,
          regionId: vbr.regionId,
          destinationCidrBlock: cidr,
          type: 'BGP',
          status: 'Available',
          nextHops: [{ nextHopType: 'PhysicalConnection', nextHopId: vbr.physicalConnectionId }],
          routeEntryName: '',
          description: '',
          creationTime: c.isoNow(),
        };
        c.addRouteEntry(e);
      }
      // Data center: routes to the VBR's BGP networks.
      if (up && dc) {
        const m = dcBgp.get(dc.dataCenterId) ?? new Map<string, string[]>();
        dcBgp.set(dc.dataCenterId, m);
        for (const n of c.bgpNetworks.values()) {
          if (n.routerId !== vbr.vbrId || n.status !== 'Available') continue;
          m.set(n.dstCidrBlock, [...(m.get(n.dstCidrBlock) ?? []), vbr.localGatewayIp]);
        }
      }
    }
    for (const dc of c.dataCenters.values()) {
      const learned = dcBgp.get(dc.dataCenterId) ?? new Map<string, string[]>();
      const statics = dc.routes.filter((r) => r.origin === 'static');
      const next: DataCenterRouteRecord[] = [
        ...statics,
        ...[...learned.entries()].map(([cidr, ips]): DataCenterRouteRecord => ({ destinationCidrBlock: cidr, nextHopIps: ips, origin: 'bgp' })),
      ];
      if (JSON.stringify(next) !== JSON.stringify(dc.routes)) {
        dc.routes = next;
        c.reindexDataCenter(dc);
      }
    }
  }
}
