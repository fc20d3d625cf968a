/**
 * CEN instances: child instances (Attaching→Attached, Detaching→gone), route publication, route
 * learning between attached children with the seed's conflict rule, and CEN VBR health checks.
 *
 * Route learning (seed 5.1 step 6, 5.2 step 8; alibaba-api.md §5): every `Attached` child
 * advertises its VPC system (vSwitch) routes, or its VBR IDC (PhysicalConnection) and BGP routes,
 * plus the custom routes published with PublishRouteEntries. Each advertised route is learned
 * into every other attached child's table as a CEN route:
 *  - `Rejected` with a `conflict` entry when the target table has a static (Custom) route, or a
 *    vSwitch route, that is equal to or less specific than it (with ProtectionLevel `FULL`, any
 *    overlap with a Custom route); the static route wins;
 *  - `Rejected` with an `overflow` entry when the table already holds `quotas.cenRoutesPerTable`
 *    active CEN routes;
 *  - otherwise `Active`. A route that was `Rejected` and whose conflict is gone (the static route
 *    was deleted) turns `Active` only after `cenRouteActivationDelay` (states.ts): base + k × the
 *    number of CEN routes in the instance, the seed's "in proportion to the number of CEN routes".
 */
import { containsCidr, overlaps, parseCidr, formatCidr, type Cidr } from '../../net/index.ts';
import {
  AttachChildInstanceAcrossUid,
  CenInstanceNotFound,
  GrantInUse,
  ChildInstanceAlreadyAttached,
  ChildInstanceNotAttached,
  InvalidChildInstanceStatus,
  InvalidInstanceIdNotFound,
  InvalidParameter,
  InvalidRouteTableNotFound,
  NotFoundRoute,
  OperationBlocking,
  PublishNotSupported,
  VbrNotAttachedToCen,
} from '../errors.ts';
import { paginate, parseDestination, parseIpParam, required } from './common.ts';
import { cenRouteActivationDelay } from './states.ts';
import type { ModelCore } from './store.ts';
import type {
  Caller,
  CenChildInstanceRecord,
  CenGrantRecord,
  CenChildRouteView,
  CenRecord,
  CenRouteConflict,
  CenRouteRecord,
  CenVbrHealthCheckRecord,
  EnableCenVbrHealthCheckParams,
  Page,
  PageParams,
  RouteEntryRecord,
} from './types.ts';

/** Identifies a child instance in CBN calls. */
export interface ChildRef extends Caller {
  cenId: string;
  childInstanceId: string;
  childInstanceType: string;
  childInstanceRegionId: string;
}

/** GrantInstanceToCen / RevokeInstanceFromCen (VPC 2016-04-28), called by the instance's owner. */
export interface GrantParams extends Caller {
  regionId: string;
  instanceId: string;
  instanceType: string;
  cenId: string;
  cenOwnerId: string;
}

/** PublishRouteEntries / WithdrawPublishedRouteEntries. */
export interface PublishParams extends ChildRef {
  childInstanceRouteTableId: string;
  destinationCidrBlock: string;
}

/** A row of DescribeCenRegionDomainRouteEntries. */
export interface CenRegionRouteView {
  destinationCidrBlock: string;
  type: 'CEN' | 'System' | 'Custom' | 'BGP';
  status: 'Active';
  nextHopType: 'VPC' | 'VBR';
  nextHopInstanceId: string;
  nextHopRegionId: string;
  preference: number;
  toOtherRegionStatus: 'Active';
}

const PUBLISHABLE_VPC_HOPS: ReadonlySet<string> = new Set(['Instance', 'HaVip', 'VpnGateway', 'RouterInterface', 'NetworkInterface', 'NatGateway']);

/** CEN instances and everything attached to them. */
export class Cens {
  constructor(private readonly core: ModelCore) {
    core.onTransition('cen.modified', (cenId) => {
      const cen = core.cens.get(cenId);
      if (cen?.status === 'Modifying') cen.status = 'Active';
    });
    core.onTransition('cenChild.attached', (key) => {
      const ch = core.cenChildren.get(key);
      if (ch?.status === 'Attaching') ch.status = 'Attached';
    });
    core.onTransition('cenChild.detached', (key) => {
      core.cenChildren.delete(key);
    });
    core.onTransition('cenRoute.activated', (id) => {
      const r = core.cenRoutes.get(id);
      if (r && r.status === 'Rejected' && r.conflicts.length === 0) {
        r.status = 'Active';
        delete r.activatesAt;
      }
    });
    core.onTransition('cenVbrHealthCheck.enabled', (key) => {
      const hc = core.cenVbrHealthChecks.get(key);
      if (hc?.record.state === 'Enabling') {
        hc.record.state = 'Enabled';
        core.healthCheckConfigChanged();
      }
    });
    core.onTransition('cenVbrHealthCheck.disabled', (key) => {
      core.cenVbrHealthChecks.delete(key);
      core.healthCheckConfigChanged();
    });
  }

  /**
   * The CEN instance, or `ParameterCenInstanceId` when it does not exist or, for a caller, belongs
   * to another account: another account's CEN is invisible, as if it did not exist (that the real
   * service answers a foreign CEN id with this code is UNCONFIRMED).
   */
  requireCen(cenId: string, callerId?: string): CenRecord {
    const c = this.core.cens.get(cenId);
    if (!c || (callerId !== undefined && this.core.ownerOf(c) !== callerId)) throw new CenInstanceNotFound(cenId);
    return c;
  }

  /** DescribeCens (filter keys CenId, Name): the caller's own CENs only. */
  describeCens(f: { filters?: Record<string, string[]> } & PageParams & Caller = {}): Page<CenRecord> {
    const rows = [...this.core.cens.values()].filter((c) =>
      (f.callerId === undefined || this.core.ownerOf(c) === f.callerId) &&
      Object.entries(f.filters ?? {}).every(([k, vals]) => {
        const v = k === 'CenId' ? c.cenId : k === 'Name' ? c.name : undefined;
        return v !== undefined && vals.includes(v);
      }),
    );
    return paginate(rows.map((c) => ({ ...c })), f);
  }

  /**
   * ModifyCenAttribute. Changing `protectionLevel` puts the instance in `Modifying` for
   * `timings.cenModifyMs`; the new level applies at once. @throws Operation.Blocking when not Active
   */
  modifyCenAttribute(p: { cenId: string; protectionLevel?: string; name?: string; description?: string } & Caller): Record<string, never> {
    const cen = this.requireCen(required(p.cenId, 'CenId'), p.callerId);
    if (cen.status !== 'Active') throw new OperationBlocking();
    if (p.protectionLevel !== undefined && p.protectionLevel !== 'REDUCED' && p.protectionLevel !== 'FULL') {
      throw new InvalidParameter('ProtectionLevel');
    }
    if (p.name !== undefined) cen.name = p.name;
    if (p.description !== undefined) cen.description = p.description;
    if (p.protectionLevel && p.protectionLevel !== cen.protectionLevel) {
      cen.protectionLevel = p.protectionLevel;
      cen.status = 'Modifying';
      this.core.scheduleTransition('cen.modified', cen.cenId, this.core.timings.cenModifyMs);
      this.core.markDirty();
      this.core.flush();
    }
    return {};
  }

  /**
   * AttachCenChildInstance: `Attaching` → `Attached` after `timings.cenAttachMs`; learning starts
   * when Attached. The child is looked up in the account `childInstanceOwnerId` names (default:
   * the CEN's own); a child of another account needs that account's grant (GrantInstanceToCen).
   * @throws ParameterCenInstanceId (unknown, or another account's CEN), Operation.Blocking (CEN
   * not Active), InvalidInstanceId.NotFound, Forbbiden.AttachChildInstanceAcrossUid (no grant),
   * InvalidOperation.ChildInstanceAlreadyAttached (already in a CEN)
   */
  attachCenChildInstance(p: ChildRef & { childInstanceOwnerId?: string }): Record<string, never> {
    const cen = this.requireCen(required(p.cenId, 'CenId'), p.callerId);
    const cenOwner = this.core.ownerOf(cen);
    const { routeTableId, type, owner } = this.resolveChild(p);
    if (owner !== (p.childInstanceOwnerId ?? cenOwner)) throw new InvalidInstanceIdNotFound(p.childInstanceId);
    if (owner !== cenOwner && this.core.cenGrants.get(`${p.childInstanceId}|${cen.cenId}`)?.cenOwnerId !== cenOwner) {
      throw new AttachChildInstanceAcrossUid();
    }
    if (cen.status !== 'Active') throw new OperationBlocking();
    for (const ch of this.core.cenChildren.values()) {
      if (ch.childInstanceId === p.childInstanceId) throw new ChildInstanceAlreadyAttached();
    }
    const rec: CenChildInstanceRecord = {
      cenId: cen.cenId,
      childInstanceId: p.childInstanceId,
      childInstanceType: type,
      childInstanceRegionId: p.childInstanceRegionId,
      childInstanceOwnerId: owner,
      status: 'Attaching',
      childInstanceAttachTime: this.core.isoNow(),
      routeTableId,
    };
    const key = `${cen.cenId}|${p.childInstanceId}`;
    this.core.cenChildren.set(key, rec);
    this.core.scheduleTransition('cenChild.attached', key, this.core.timings.cenAttachMs);
    return {};
  }

  /**
   * DetachCenChildInstance: `Detaching` → gone after `timings.cenDetachMs`; its routes stop being
   * learned at once. A CEN VBR health check on the VBR is removed with it (UNCONFIRMED).
   * @throws ParameterInstanceId (not attached), InvalidOperation.ChildInstanceStatus (not Attached)
   */
  detachCenChildInstance(p: ChildRef): Record<string, never> {
    const cen = this.requireCen(required(p.cenId, 'CenId'), p.callerId);
    const key = `${cen.cenId}|${required(p.childInstanceId, 'ChildInstanceId')}`;
    const ch = this.core.cenChildren.get(key);
    if (!ch || (p.childInstanceRegionId && ch.childInstanceRegionId !== p.childInstanceRegionId)) throw new ChildInstanceNotAttached();
    if (ch.status !== 'Attached') throw new InvalidChildInstanceStatus();
    if (cen.status !== 'Active') throw new OperationBlocking();
    ch.status = 'Detaching';
    if (this.core.cenVbrHealthChecks.delete(key)) this.core.healthCheckConfigChanged();
    for (const pk of [...this.core.publishedRoutes.keys()]) if (pk.startsWith(`${key}|`)) this.core.publishedRoutes.delete(pk);
    this.core.scheduleTransition('cenChild.detached', key, this.core.timings.cenDetachMs);
    this.core.markDirty();
    this.core.flush();
    return {};
  }

  /** DescribeCenAttachedChildInstances. */
  describeCenAttachedChildInstances(
    f: { cenId: string; childInstanceRegionId?: string; childInstanceType?: string } & PageParams & Caller,
  ): Page<CenChildInstanceRecord> {
    this.requireCen(required(f.cenId, 'CenId'), f.callerId);
    const rows = [...this.core.cenChildren.values()].filter(
      (c) =>
        c.cenId === f.cenId &&
        (!f.childInstanceRegionId || c.childInstanceRegionId === f.childInstanceRegionId) &&
        (!f.childInstanceType || c.childInstanceType === f.childInstanceType),
    );
    return paginate(rows.map((c) => ({ ...c })), f);
  }

  /** DescribeCenAttachedChildInstanceAttribute. @throws ParameterInstanceId when not attached */
  describeCenAttachedChildInstanceAttribute(p: ChildRef): CenChildInstanceRecord {
    this.requireCen(required(p.cenId, 'CenId'), p.callerId);
    const ch = this.core.cenChildren.get(`${p.cenId}|${required(p.childInstanceId, 'ChildInstanceId')}`);
    if (!ch) throw new ChildInstanceNotAttached();
    return { ...ch };
  }

  /**
   * PublishRouteEntries: advertise a custom route (next hop ECS, VPN, HaVip, router interface,
   * ENI, NAT) of an attached child. @throws ParameterInstanceId, InvalidRouteTableId.NotFound,
   * InvalidOperation.NotFoundRoute, InvalidOperation.RouteEntryNotSupport (UNCONFIRMED)
   */
  publishRouteEntries(p: PublishParams): Record<string, never> {
    const { entry, ch } = this.publishTarget(p);
    if (!this.publishable(ch, entry)) throw new PublishNotSupported();
    const key = `${ch.cenId}|${ch.childInstanceId}|${entry.routeTableId}|${entry.destinationCidrBlock}`;
    if (!this.core.publishedRoutes.has(key)) {
      this.core.publishedRoutes.set(key, {
        cenId: ch.cenId,
        childInstanceId: ch.childInstanceId,
        routeTableId: entry.routeTableId,
        destinationCidrBlock: entry.destinationCidrBlock,
      });
      this.core.markDirty();
      this.core.flush();
    }
    return {};
  }

  /** WithdrawPublishedRouteEntries. @throws InvalidOperation.NotFoundRoute when not published */
  withdrawPublishedRouteEntries(p: PublishParams): Record<string, never> {
    const { entry, ch } = this.publishTarget(p);
    const key = `${ch.cenId}|${ch.childInstanceId}|${entry.routeTableId}|${entry.destinationCidrBlock}`;
    if (!this.core.publishedRoutes.delete(key)) throw new NotFoundRoute();
    this.core.markDirty();
    this.core.flush();
    return {};
  }

  /**
   * DescribePublishedRouteEntries: the child's own routes with `publishStatus`,
   * `operationalMode` (can be published/withdrawn) and the conflicts they cause elsewhere.
   */
  describePublishedRouteEntries(
    p: ChildRef & { childInstanceRouteTableId?: string; destinationCidrBlock?: string } & PageParams,
  ): Page<CenChildRouteView> {
    this.core.flush();
    const ch = this.attachedChild(p);
    if (p.childInstanceRouteTableId && p.childInstanceRouteTableId !== ch.routeTableId) throw new InvalidRouteTableNotFound(p.childInstanceRouteTableId);
    const want = p.destinationCidrBlock ? formatCidr(parseDestination(p.destinationCidrBlock)) : undefined;
    const rows = this.sortedEntries(ch.routeTableId)
      .filter((e) => e.status === 'Available' || e.status === 'Modifying')
      .filter((e) => !want || e.destinationCidrBlock === want);
    // Views (and the conflicts each route causes) for the returned page only.
    const page = paginate(rows, p);
    const caused = this.causedConflicts(ch);
    return { ...page, items: page.items.map((e) => this.ownRouteView(ch, e, caused)) };
  }

  /**
   * DescribeCenChildInstanceRouteEntries: the child's own routes and the CEN routes learned into
   * its table, with `Status` Active/Rejected and `Conflicts`. `status` filters (default all);
   * page size 1..500.
   */
  describeCenChildInstanceRouteEntries(
    p: ChildRef & { childInstanceRouteTableId?: string; status?: string } & PageParams,
  ): Page<CenChildRouteView> {
    this.core.flush();
    const ch = this.attachedChild(p);
    if (p.childInstanceRouteTableId && p.childInstanceRouteTableId !== ch.routeTableId) throw new InvalidRouteTableNotFound(p.childInstanceRouteTableId);
    // Own routes show as Active, learned ones with their status: filter on the records, then
    // build views for the returned page only.
    const all = !p.status || p.status === 'All';
    const rows: Array<RouteEntryRecord | CenRouteRecord> = [];
    const idx = this.core.tables.get(ch.routeTableId);
    for (const { value } of idx ? idx.trie.entries() : []) {
      for (const e of value.entries) {
        if ((e.status === 'Available' || e.status === 'Modifying') && (all || p.status === 'Active')) rows.push(e);
      }
      for (const r of value.cen) if (r.cenId === ch.cenId && (all || r.status === p.status)) rows.push(r);
    }
    const page = paginate(rows, p, 500);
    const caused = this.causedConflicts(ch);
    return { ...page, items: page.items.map((x) => ('cenId' in x ? this.learnedRouteView(x) : this.ownRouteView(ch, x, caused))) };
  }

  /** DescribeCenRegionDomainRouteEntries: every route advertised into the CEN, seen from a region. */
  describeCenRegionDomainRouteEntries(p: { cenId: string; cenRegionId: string; status?: string } & PageParams & Caller): Page<CenRegionRouteView> {
    this.core.flush();
    this.requireCen(required(p.cenId, 'CenId'), p.callerId);
    required(p.cenRegionId, 'CenRegionId');
    const rows: CenRegionRouteView[] = [];
    for (const ch of this.children(p.cenId)) {
      for (const e of this.advertised(ch)) {
        rows.push({
          destinationCidrBlock: e.destinationCidrBlock,
          type: ch.childInstanceRegionId === p.cenRegionId ? e.type : 'CEN',
          status: 'Active',
          nextHopType: ch.childInstanceType,
          nextHopInstanceId: ch.childInstanceId,
          nextHopRegionId: ch.childInstanceRegionId,
          preference: 0,
          toOtherRegionStatus: 'Active',
        });
      }
    }
    const filtered = rows.filter(() => !p.status || p.status === 'Active' || p.status === 'All');
    return paginate(filtered, p, 500);
  }

  /**
   * EnableCenVbrHealthCheck (also modifies an existing one). Interval 2-3 s (default 2),
   * threshold 3-8 (default 8), source IP default from 100.96.0.0/16. Listed after
   * `timings.cenVbrHealthCheckEnableMs`. @throws InvalidOperation.VbrNotAttachedToCen
   */
  enableCenVbrHealthCheck(p: EnableCenVbrHealthCheckParams & Caller): Record<string, never> {
    const cen = this.requireCen(required(p.cenId, 'CenId'), p.callerId);
    const vbr = this.core.vbrs.get(required(p.vbrInstanceId, 'VbrInstanceId'));
    if (!vbr || vbr.regionId !== required(p.vbrInstanceRegionId, 'VbrInstanceRegionId')) throw new InvalidInstanceIdNotFound(p.vbrInstanceId);
    // A VBR of another account is named by its owner (VbrInstanceOwnerId), as on attach.
    if (this.core.ownerOf(vbr) !== (p.vbrInstanceOwnerId ?? this.core.ownerOf(cen))) throw new InvalidInstanceIdNotFound(p.vbrInstanceId);
    const key = `${cen.cenId}|${vbr.vbrId}`;
    const ch = this.core.cenChildren.get(key);
    if (!ch || ch.status !== 'Attached') throw new VbrNotAttachedToCen();
    parseIpParam(required(p.healthCheckTargetIp, 'HealthCheckTargetIp'), 'HealthCheckTargetIp');
    if (p.healthCheckSourceIp) parseIpParam(p.healthCheckSourceIp, 'HealthCheckSourceIp');
    const interval = p.healthCheckInterval ?? 2;
    const threshold = p.healthyThreshold ?? 8;
    if (!Number.isInteger(interval) || interval < 2 || interval > 3) throw new InvalidParameter('HealthCheckInterval');
    if (!Number.isInteger(threshold) || threshold < 3 || threshold > 8) throw new InvalidParameter('HealthyThreshold');
    const existing = this.core.cenVbrHealthChecks.get(key);
    if (existing?.record.state === 'Disabling') throw new OperationBlocking();
    const record: CenVbrHealthCheckRecord = {
      cenId: cen.cenId,
      vbrInstanceId: vbr.vbrId,
      vbrInstanceRegionId: vbr.regionId,
      ...(p.vbrInstanceOwnerId ? { vbrInstanceOwnerId: p.vbrInstanceOwnerId } : {}),
      healthCheckSourceIp: p.healthCheckSourceIp ?? existing?.record.healthCheckSourceIp ?? this.autoSourceIp(),
      healthCheckTargetIp: p.healthCheckTargetIp,
      healthCheckInterval: interval,
      healthyThreshold: threshold,
      healthCheckOnly: p.healthCheckOnly ?? false,
      description: p.description ?? '',
      state: existing ? existing.record.state : 'Enabling',
    };
    this.core.cenVbrHealthChecks.set(key, {
      record,
      health: existing?.health ?? { consecutiveMisses: 0, consecutiveSuccesses: 0, failed: false },
    });
    if (record.state === 'Enabling') this.core.scheduleTransition('cenVbrHealthCheck.enabled', key, this.core.timings.cenVbrHealthCheckEnableMs);
    else this.core.healthCheckConfigChanged();
    this.core.markDirty();
    this.core.flush();
    return {};
  }

  /** DisableCenVbrHealthCheck: probing stops at once; unlisted after `timings.cenVbrHealthCheckDisableMs`. */
  disableCenVbrHealthCheck(p: { cenId: string; vbrInstanceId: string; vbrInstanceRegionId: string } & Caller): Record<string, never> {
    const cen = this.requireCen(required(p.cenId, 'CenId'), p.callerId);
    const key = `${cen.cenId}|${required(p.vbrInstanceId, 'VbrInstanceId')}`;
    const hc = this.core.cenVbrHealthChecks.get(key);
    if (!hc) throw new InvalidInstanceIdNotFound(p.vbrInstanceId);
    if (hc.record.state !== 'Disabling') {
      this.core.cancelTransition('cenVbrHealthCheck.enabled', key);
      hc.record.state = 'Disabling';
      hc.health = { consecutiveMisses: 0, consecutiveSuccesses: 0, failed: false };
      this.core.scheduleTransition('cenVbrHealthCheck.disabled', key, this.core.timings.cenVbrHealthCheckDisableMs);
      this.core.healthCheckConfigChanged();
      this.core.markDirty();
      this.core.flush();
    }
    return {};
  }

  /** DescribeCenVbrHealthCheck: checks that are enabled (or being disabled). */
  describeCenVbrHealthCheck(p: { vbrInstanceRegionId: string; cenId?: string; vbrInstanceId?: string } & PageParams & Caller): Page<CenVbrHealthCheckRecord> {
    required(p.vbrInstanceRegionId, 'VbrInstanceRegionId');
    const rows = [...this.core.cenVbrHealthChecks.values()]
      .map((h) => h.record)
      .filter(
        (r) =>
          r.state !== 'Enabling' &&
          (p.callerId === undefined || this.cenOwnedBy(r.cenId, p.callerId)) &&
          r.vbrInstanceRegionId === p.vbrInstanceRegionId &&
          (!p.cenId || r.cenId === p.cenId) &&
          (!p.vbrInstanceId || r.vbrInstanceId === p.vbrInstanceId),
      );
    return paginate(rows.map((r) => ({ ...r })), p);
  }

  // ------------------------------------------------------------ learning

  /** Attached children of a CEN, in attach order. */
  children(cenId: string): CenChildInstanceRecord[] {
    return [...this.core.cenChildren.values()].filter((c) => c.cenId === cenId && c.status === 'Attached');
  }

  /** Routes a child advertises into its CEN right now (see the file header). */
  advertised(ch: CenChildInstanceRecord): RouteEntryRecord[] {
    if (ch.childInstanceType === 'VBR') {
      const hc = this.core.cenVbrHealthChecks.get(`${ch.cenId}|${ch.childInstanceId}`);
      if (hc?.health.failed && !hc.record.healthCheckOnly) return [];
    }
    return this.sortedEntries(ch.routeTableId).filter(
      (e) => (e.status === 'Available' || e.status === 'Modifying') && this.isAdvertised(ch, e),
    );
  }

  private isAdvertised(ch: CenChildInstanceRecord, e: RouteEntryRecord): boolean {
    if (ch.childInstanceType === 'VPC') {
      if (e.type === 'System') return e.nextHops[0]?.nextHopType === 'local';
    } else {
      if (e.type === 'BGP') return true;
      if (e.type === 'Custom' && e.nextHops[0]?.nextHopType === 'PhysicalConnection') return true;
    }
    return this.core.publishedRoutes.has(`${ch.cenId}|${ch.childInstanceId}|${e.routeTableId}|${e.destinationCidrBlock}`);
  }

  private publishable(ch: CenChildInstanceRecord, e: RouteEntryRecord): boolean {
    if (e.type !== 'Custom') return false;
    const t = e.nextHops[0]?.nextHopType ?? '';
    return ch.childInstanceType === 'VPC' ? PUBLISHABLE_VPC_HOPS.has(t) : t === 'RouterInterface';
  }

  /**
   * Recomputes the CEN routes of every table from the attached children (incrementally: only
   * routes that appear, disappear or change state are touched). Called by `ModelCore.flush`.
   */
  deriveCen(): void {
    const c = this.core;
    const byKey = new Map<string, CenRouteRecord>();
    for (const r of c.cenRoutes.values()) byKey.set(`${r.cenId}|${r.routeTableId}|${r.destinationCidrBlock}`, r);
    const keep = new Set<CenRouteRecord>();
    for (const cen of c.cens.values()) {
      const kids = this.children(cen.cenId);
      const adverts = kids.map((ch) => ({ ch, routes: this.advertised(ch) }));
      const desired: Array<{ target: CenChildInstanceRecord; source: CenChildInstanceRecord; cidr: string }> = [];
      for (const target of kids) {
        const seen = new Set<string>();
        for (const { ch: source, routes } of adverts) {
          if (source === target) continue;
          for (const e of routes) {
            if (seen.has(e.destinationCidrBlock)) continue;
            seen.add(e.destinationCidrBlock);
            desired.push({ target, source, cidr: e.destinationCidrBlock });
          }
        }
      }
      const routeCount = desired.length;
      const activeCount = new Map<string, number>();
      for (const r of c.cenRoutes.values()) {
        if (r.status === 'Active') activeCount.set(r.routeTableId, (activeCount.get(r.routeTableId) ?? 0) + 1);
      }
      for (const { target, source, cidr } of desired) {
        const key = `${cen.cenId}|${target.routeTableId}|${cidr}`;
        let rec = byKey.get(key);
        const conflicts = this.conflictsFor(cen.protectionLevel, target, parseCidr(cidr));
        if (!rec) {
          const full = (activeCount.get(target.routeTableId) ?? 0) >= c.quotas.cenRoutesPerTable;
          const overflow: CenRouteConflict[] = full
            ? [{ destinationCidrBlock: cidr, instanceId: target.childInstanceId, instanceType: target.childInstanceType, regionId: target.childInstanceRegionId, status: 'overflow' }]
            : [];
          rec = {
            routeEntryId: c.ids.next('rte', target.childInstanceRegionId),
            cenId: cen.cenId,
            routeTableId: target.routeTableId,
            destinationCidrBlock: cidr,
            sourceInstanceId: source.childInstanceId,
            sourceInstanceType: source.childInstanceType,
            sourceRegionId: source.childInstanceRegionId,
            status: conflicts.length > 0 || full ? 'Rejected' : 'Active',
            conflicts: conflicts.length > 0 ? conflicts : overflow,
          };
          if (rec.status === 'Active') activeCount.set(target.routeTableId, (activeCount.get(target.routeTableId) ?? 0) + 1);
          c.addCenRoute(rec);
        } else {
          rec.sourceInstanceId = source.childInstanceId;
          rec.sourceInstanceType = source.childInstanceType;
          rec.sourceRegionId = source.childInstanceRegionId;
          if (conflicts.length > 0) {
            if (rec.status === 'Active') activeCount.set(target.routeTableId, (activeCount.get(target.routeTableId) ?? 1) - 1);
            rec.status = 'Rejected';
            rec.conflicts = conflicts;
            delete rec.activatesAt;
            c.cancelTransition('cenRoute.activated', rec.routeEntryId);
          } else if (rec.status === 'Rejected' && !c.hasTransition('cenRoute.activated', rec.routeEntryId)) {
            const overflowOnly = rec.conflicts.length > 0 && rec.conflicts.every((x) => x.status === 'overflow');
            if (!(overflowOnly && (activeCount.get(target.routeTableId) ?? 0) >= c.quotas.cenRoutesPerTable)) {
              rec.conflicts = [];
              const delay = cenRouteActivationDelay(c.timings, routeCount);
              rec.activatesAt = c.clock.now() + delay;
              c.scheduleTransition('cenRoute.activated', rec.routeEntryId, delay);
            }
          }
        }
        keep.add(rec);
      }
    }
    for (const r of [...c.cenRoutes.values()]) if (!keep.has(r)) c.removeCenRoute(r);
  }

  /** Static routes of the target table that beat a learned route (see the file header). */
  private conflictsFor(level: CenRecord['protectionLevel'], target: CenChildInstanceRecord, prefix: Cidr): CenRouteConflict[] {
    const idx = this.core.tables.get(target.routeTableId);
    if (!idx) return [];
    const out: CenRouteConflict[] = [];
    const candidates = level === 'FULL' ? [...idx.trie.covering(prefix), ...idx.trie.within(prefix)] : idx.trie.covering(prefix);
    const seen = new Set<string>();
    for (const { prefix: p, value } of candidates) {
      for (const e of value.entries) {
        if (e.status === 'Deleting') continue;
        const local = e.type === 'System' && e.nextHops[0]?.nextHopType === 'local';
        if (e.type !== 'Custom' && !local) continue;
        if (level !== 'FULL' && !containsCidr(p, prefix)) continue;
        if (level === 'FULL' && !overlaps(p, prefix)) continue;
        if (seen.has(e.destinationCidrBlock)) continue;
        seen.add(e.destinationCidrBlock);
        out.push({
          destinationCidrBlock: e.destinationCidrBlock,
          instanceId: target.childInstanceId,
          instanceType: target.childInstanceType,
          regionId: target.childInstanceRegionId,
          status: 'conflict',
        });
      }
    }
    return out;
  }

  // ------------------------------------------------------------ views and lookups

  /** Conflicts of the Rejected routes a child advertises, by destination (one pass over the CEN routes). */
  private causedConflicts(ch: CenChildInstanceRecord): Map<string, CenRouteConflict[]> {
    const out = new Map<string, CenRouteConflict[]>();
    for (const r of this.core.cenRoutes.values()) {
      if (r.cenId === ch.cenId && r.sourceInstanceId === ch.childInstanceId && r.status === 'Rejected') {
        const list = out.get(r.destinationCidrBlock);
        if (list) list.push(...r.conflicts);
        else out.set(r.destinationCidrBlock, [...r.conflicts]);
      }
    }
    return out;
  }

  private ownRouteView(ch: CenChildInstanceRecord, e: RouteEntryRecord, causedBy: ReadonlyMap<string, CenRouteConflict[]>): CenChildRouteView {
    const published = this.isAdvertised(ch, e);
    const hop = e.nextHops[0];
    const caused = causedBy.get(e.destinationCidrBlock) ?? [];
    return {
      destinationCidrBlock: e.destinationCidrBlock,
      type: e.type,
      status: 'Active',
      nextHopType: hop?.nextHopType ?? '',
      nextHopInstanceId: hop?.nextHopId ?? '',
      nextHopRegionId: e.regionId,
      routeTableId: e.routeTableId,
      publishStatus: published ? 'Published' : 'NonPublished',
      operationalMode: this.publishable(ch, e),
      conflicts: caused,
      routeType: e.type,
    };
  }

  private learnedRouteView(r: CenRouteRecord): CenChildRouteView {
    return {
      destinationCidrBlock: r.destinationCidrBlock,
      type: 'CEN',
      status: r.status,
      nextHopType: r.sourceInstanceType,
      nextHopInstanceId: r.sourceInstanceId,
      nextHopRegionId: r.sourceRegionId,
      routeTableId: r.routeTableId,
      publishStatus: 'NonPublished',
      operationalMode: false,
      conflicts: r.conflicts.map((x) => ({ ...x })),
      routeType: 'CEN',
    };
  }

  private sortedEntries(routeTableId: string): RouteEntryRecord[] {
    const idx = this.core.tables.get(routeTableId);
    if (!idx) return [];
    const out: RouteEntryRecord[] = [];
    for (const { value } of idx.trie.entries()) out.push(...value.entries);
    return out;
  }

  private attachedChild(p: ChildRef): CenChildInstanceRecord {
    this.requireCen(required(p.cenId, 'CenId'), p.callerId);
    const ch = this.core.cenChildren.get(`${p.cenId}|${required(p.childInstanceId, 'ChildInstanceId')}`);
    if (!ch || (p.childInstanceRegionId && ch.childInstanceRegionId !== p.childInstanceRegionId)) throw new ChildInstanceNotAttached();
    return ch;
  }

  private publishTarget(p: PublishParams): { ch: CenChildInstanceRecord; entry: RouteEntryRecord } {
    const ch = this.attachedChild(p);
    if (ch.status !== 'Attached') throw new InvalidChildInstanceStatus();
    if (required(p.childInstanceRouteTableId, 'ChildInstanceRouteTableId') !== ch.routeTableId) throw new InvalidRouteTableNotFound(p.childInstanceRouteTableId);
    const prefix = parseDestination(required(p.destinationCidrBlock, 'DestinationCidrBlock'));
    const entry = this.core.tables.get(ch.routeTableId)?.trie.get(prefix)?.entries[0];
    if (!entry) throw new NotFoundRoute();
    return { ch, entry };
  }

  private resolveChild(p: ChildRef): { routeTableId: string; type: 'VPC' | 'VBR'; owner: string } {
    required(p.childInstanceId, 'ChildInstanceId');
    required(p.childInstanceRegionId, 'ChildInstanceRegionId');
    const type = required(p.childInstanceType, 'ChildInstanceType');
    if (type === 'VPC') {
      const vpc = this.core.vpcs.get(p.childInstanceId);
      if (!vpc || vpc.regionId !== p.childInstanceRegionId) throw new InvalidInstanceIdNotFound(p.childInstanceId);
      return { routeTableId: vpc.routeTableId, type, owner: this.core.ownerOf(vpc) };
    }
    if (type === 'VBR') {
      const vbr = this.core.vbrs.get(p.childInstanceId);
      if (!vbr || vbr.regionId !== p.childInstanceRegionId) throw new InvalidInstanceIdNotFound(p.childInstanceId);
      return { routeTableId: vbr.routeTableId, type, owner: this.core.ownerOf(vbr) };
    }
    throw new InvalidParameter('ChildInstanceType');
  }

  private cenOwnedBy(cenId: string, accountId: string): boolean {
    const cen = this.core.cens.get(cenId);
    return cen !== undefined && this.core.ownerOf(cen) === accountId;
  }

  // ------------------------------------------------------------ cross-account grants (VPC API)

  /** The VPC or VBR a grant call names, owned by the caller. @throws InvalidInstanceId.NotFound */
  private grantable(p: Omit<GrantParams, 'cenId' | 'cenOwnerId'>): { type: 'VPC' | 'VBR'; owner: string } {
    const type = required(p.instanceType, 'InstanceType');
    if (type !== 'VPC' && type !== 'VBR') throw new InvalidParameter('InstanceType');
    const inst = type === 'VPC' ? this.core.vpcs.get(required(p.instanceId, 'InstanceId')) : this.core.vbrs.get(required(p.instanceId, 'InstanceId'));
    const owner = inst ? this.core.ownerOf(inst) : undefined;
    if (!inst || inst.regionId !== required(p.regionId, 'RegionId') || (p.callerId !== undefined && owner !== p.callerId)) throw new InvalidInstanceIdNotFound(p.instanceId);
    return { type, owner: owner as string };
  }

  /**
   * GrantInstanceToCen: the owner of a VPC or VBR lets the CEN `cenId` of account `cenOwnerId`
   * attach it. Repeating an existing grant changes nothing (the docs refuse only concurrent
   * grants on one instance; the answer to a repeat is UNCONFIRMED). The CEN itself is not
   * looked up: it belongs to another account.
   * @throws InvalidInstanceId.NotFound, InvalidParameter (type, CenOwnerId not a UID)
   */
  grantInstanceToCen(p: GrantParams): Record<string, never> {
    const { type, owner } = this.grantable(p);
    required(p.cenId, 'CenId');
    if (!/^[0-9]+$/.test(required(p.cenOwnerId, 'CenOwnerId'))) throw new InvalidParameter('CenOwnerId');
    const key = `${p.instanceId}|${p.cenId}`;
    if (this.core.cenGrants.get(key)?.cenOwnerId === p.cenOwnerId) return {};
    this.core.cenGrants.set(key, {
      cenId: p.cenId,
      cenOwnerId: p.cenOwnerId,
      childInstanceId: p.instanceId,
      childInstanceType: type,
      childInstanceRegionId: p.regionId,
      childInstanceOwnerId: owner,
      creationTime: this.core.isoNow(),
    });
    return {};
  }

  /**
   * RevokeInstanceFromCen: removes a grant. Revoking one that does not exist changes nothing
   * (UNCONFIRMED). @throws InvalidInstanceId.NotFound, IncorrectStatus while the CEN of the
   * other account still has the instance attached (UNCONFIRMED code)
   */
  revokeInstanceFromCen(p: GrantParams): Record<string, never> {
    const { owner } = this.grantable(p);
    required(p.cenId, 'CenId');
    required(p.cenOwnerId, 'CenOwnerId');
    const key = `${p.instanceId}|${p.cenId}`;
    const grant = this.core.cenGrants.get(key);
    if (!grant) return {};
    const cen = this.core.cens.get(p.cenId);
    if (cen && this.core.ownerOf(cen) !== owner && this.core.cenChildren.has(`${p.cenId}|${p.instanceId}`)) throw new GrantInUse(p.instanceId, p.cenId);
    this.core.cenGrants.delete(key);
    return {};
  }

  /** DescribeGrantRulesToCen: the grants of one of the caller's instances. */
  describeGrantRulesToCen(p: Omit<GrantParams, 'cenId' | 'cenOwnerId'> & PageParams): Page<CenGrantRecord> {
    this.grantable(p);
    const rows = [...this.core.cenGrants.values()].filter((g) => g.childInstanceId === p.instanceId);
    return paginate(rows.map((g) => ({ ...g })), p);
  }

  private autoSourceIp(): string {
    const n = this.core.cenVbrHealthChecks.size + 1;
    return `100.96.${(n >> 8) & 255}.${n & 255}`;
  }
}
