/**
 * CEN bandwidth packages and inter-region bandwidth (seed 5.1-4 / 5.2-5: "If you need the VPC to
 * communicate with other resources that belong to different regions, you need to buy a bandwidth
 * package and set an intranet communication bandwidth value"). CBN 2017-09-12:
 * CreateCenBandwidthPackage (`Creating` → `Idle`), AssociateCenBandwidthPackage (`Idle` →
 * `InUse`), UnassociateCenBandwidthPackage, DescribeCenBandwidthPackages,
 * SetCenInterRegionBandwidthLimit (`Modifying` → `Active`; 0 removes it) and
 * DescribeCenInterRegionBandwidthLimits.
 *
 * A package connects two areas (`GeographicRegionAId`/`BId`: China, North-America, Asia-Pacific,
 * Europe, Australia); a CEN holds at most one package per pair of areas; the limits set between
 * regions of those areas draw on it and together cannot exceed its bandwidth. When a CEN has
 * `requireInterRegionBandwidth`, the data plane carries traffic between children of two regions
 * only while a limit between them is established (`interRegionBandwidthOk`).
 */
import {
  BandwidthLimitExceeded,
  BandwidthPackageNotAssociated,
  BwpForGeoSpanAlreadyAssociated,
  BwpInstanceStatus,
  CenBandwidthLimitsNotZero,
  CenBandwidthPackageNotFound,
  InvalidCenInstanceStatus,
  InvalidParameter,
  OperationBlocking,
} from '../errors.ts';
import type { Cens } from './cen.ts';
import { paginate, required } from './common.ts';
import type { ModelCore } from './store.ts';
import type {
  Caller,
  CenBandwidthPackageRecord,
  CenInterRegionBandwidthLimitRecord,
  GeographicRegionId,
  Page,
  PageParams,
} from './types.ts';

/** The areas of CreateCenBandwidthPackage. */
export const GEOGRAPHIC_REGIONS: readonly GeographicRegionId[] = ['China', 'North-America', 'Asia-Pacific', 'Europe', 'Australia'];

/**
 * The area a region belongs to for bandwidth packages. Mainland `cn-*` regions are China; Hong
 * Kong and the rest of Asia (and the Middle East) Asia-Pacific; Sydney Australia; `us-*`
 * North-America; `eu-*` Europe. The placement of Hong Kong and the Middle East is UNCONFIRMED.
 * `undefined` for a region no package serves here.
 */
export function geographicRegionOf(regionId: string): GeographicRegionId | undefined {
  if (regionId === 'cn-hongkong') return 'Asia-Pacific';
  if (regionId.startsWith('cn-')) return 'China';
  if (regionId === 'ap-southeast-2') return 'Australia';
  if (regionId.startsWith('ap-') || regionId.startsWith('me-')) return 'Asia-Pacific';
  if (regionId.startsWith('us-')) return 'North-America';
  if (regionId.startsWith('eu-')) return 'Europe';
  return undefined;
}

/** `GeographicSpanId` of a pair of areas, e.g. `china_china`, `north-america_china` (docs' examples). */
export function geographicSpanId(a: GeographicRegionId, b: GeographicRegionId): string {
  return `${a.toLowerCase()}_${b.toLowerCase()}`;
}

/** Whether a package's two areas are those of the two regions (in either order). */
export function packageServes(pkg: Pick<CenBandwidthPackageRecord, 'geographicRegionAId' | 'geographicRegionBId'>, regionA: string, regionB: string): boolean {
  const a = geographicRegionOf(regionA);
  const b = geographicRegionOf(regionB);
  if (!a || !b) return false;
  return (pkg.geographicRegionAId === a && pkg.geographicRegionBId === b) || (pkg.geographicRegionAId === b && pkg.geographicRegionBId === a);
}

/** Key of the limit between two regions of a CEN (order-free). */
export function limitKey(cenId: string, regionA: string, regionB: string): string {
  const [x, y] = [regionA, regionB].sort();
  return `${cenId}|${x}|${y}`;
}

const sameSpan = (p: CenBandwidthPackageRecord, q: CenBandwidthPackageRecord): boolean =>
  (p.geographicRegionAId === q.geographicRegionAId && p.geographicRegionBId === q.geographicRegionBId) ||
  (p.geographicRegionAId === q.geographicRegionBId && p.geographicRegionBId === q.geographicRegionAId);

/** CreateCenBandwidthPackage. */
export interface CreateCenBandwidthPackageParams extends Caller {
  bandwidth: number;
  geographicRegionAId: string;
  geographicRegionBId: string;
  bandwidthPackageChargeType?: string;
  period?: number;
  pricingCycle?: string;
  autoPay?: boolean;
  name?: string;
  description?: string;
  clientToken?: string;
}

/** A row of DescribeCenInterRegionBandwidthLimits. */
export interface CenInterRegionBandwidthLimitView extends CenInterRegionBandwidthLimitRecord {
  geographicSpanId: string;
}

/** A row of DescribeCenBandwidthPackages. */
export interface CenBandwidthPackageView extends CenBandwidthPackageRecord {
  geographicSpanId: string;
}

/** Bandwidth packages and inter-region bandwidth of CEN instances. */
export class CenBandwidth {
  constructor(
    private readonly core: ModelCore,
    private readonly cens: Cens,
  ) {
    core.onTransition('cenBandwidthPackage.created', (id) => {
      const p = core.cenBandwidthPackages.get(id);
      if (p?.status === 'Creating') p.status = 'Idle';
    });
    core.onTransition('cenBandwidthLimit.applied', (key) => {
      const l = core.cenBandwidthLimits.get(key);
      if (!l || l.status !== 'Modifying') return;
      if (l.bandwidthLimit === 0) core.cenBandwidthLimits.delete(key);
      else {
        l.status = 'Active';
        l.established = true;
      }
    });
  }

  /** The package, or `InvalidCenBandwidthPackageId.NotFound` (also for another account's). */
  requirePackage(id: string, callerId?: string): CenBandwidthPackageRecord {
    const p = this.core.cenBandwidthPackages.get(id);
    if (!p || (callerId !== undefined && this.core.ownerOf(p) !== callerId)) throw new CenBandwidthPackageNotFound(id);
    return p;
  }

  /**
   * CreateCenBandwidthPackage: buys a package (`Creating` → `Idle` after
   * `timings.cenBandwidthPackageCreateMs`). The charge type defaults to `PREPAY` (the
   * international site sells only prepaid packages; the default itself is UNCONFIRMED).
   * @throws InvalidParameter (Bandwidth below 2, unknown area, charge type or pricing cycle)
   */
  createCenBandwidthPackage(p: CreateCenBandwidthPackageParams): { cenBandwidthPackageId: string; cenBandwidthPackageOrderId: string } {
    return this.core.idempotent('CreateCenBandwidthPackage', p, () => {
      const bandwidth = required(p.bandwidth, 'Bandwidth');
      if (!Number.isInteger(bandwidth) || bandwidth < 2) throw new InvalidParameter('Bandwidth', 'The minimum is 2 Mbit/s.');
      const a = this.area(required(p.geographicRegionAId, 'GeographicRegionAId'), 'GeographicRegionAId');
      const b = this.area(required(p.geographicRegionBId, 'GeographicRegionBId'), 'GeographicRegionBId');
      const chargeType = p.bandwidthPackageChargeType ?? 'PREPAY';
      if (chargeType !== 'PREPAY' && chargeType !== 'POSTPAY') throw new InvalidParameter('BandwidthPackageChargeType');
      const cycle = p.pricingCycle ?? 'Month';
      if (cycle !== 'Month' && cycle !== 'Year') throw new InvalidParameter('PricingCycle');
      const period = p.period ?? 1;
      if (!Number.isInteger(period) || period < 1) throw new InvalidParameter('Period');
      const id = this.core.ids.next('cenbwp');
      const created = new Date(this.core.clock.now() + this.core.epochOffsetMs);
      const expires = new Date(created);
      if (cycle === 'Month') expires.setUTCMonth(expires.getUTCMonth() + period);
      else expires.setUTCFullYear(expires.getUTCFullYear() + period);
      const iso = (d: Date): string => d.toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
      this.core.cenBandwidthPackages.set(id, {
        cenBandwidthPackageId: id,
        name: p.name ?? '',
        description: p.description ?? '',
        bandwidth,
        bandwidthPackageChargeType: chargeType,
        geographicRegionAId: a,
        geographicRegionBId: b,
        status: 'Creating',
        businessStatus: 'Normal',
        creationTime: iso(created),
        expiredTime: chargeType === 'PREPAY' ? iso(expires) : '',
        ...this.core.ownerField(p.callerId),
      });
      this.core.scheduleTransition('cenBandwidthPackage.created', id, this.core.timings.cenBandwidthPackageCreateMs);
      return { cenBandwidthPackageId: id, cenBandwidthPackageOrderId: String(200000000000000 + this.core.ids.counter) };
    });
  }

  /**
   * AssociateCenBandwidthPackage: the package serves the CEN at once (`InUse`; that the status
   * changes without delay is UNCONFIRMED). A CEN holds one package per pair of areas.
   * @throws ParameterCenInstanceId, InvalidCenBandwidthPackageId.NotFound,
   * InvalidOperation.CenInstanceStatus (CEN not Active), InvalidOperation.BwpInstanceStatus
   * (package creating or already associated), InvalidOperation.BwpForGeoSpanAlreadyAssociated
   */
  associateCenBandwidthPackage(p: { cenId: string; cenBandwidthPackageId: string } & Caller): Record<string, never> {
    const cen = this.cens.requireCen(required(p.cenId, 'CenId'), p.callerId);
    const pkg = this.requirePackage(required(p.cenBandwidthPackageId, 'CenBandwidthPackageId'), p.callerId);
    if (cen.status !== 'Active') throw new InvalidCenInstanceStatus();
    if (pkg.status !== 'Idle' || pkg.businessStatus !== 'Normal') throw new BwpInstanceStatus();
    for (const other of this.core.cenBandwidthPackages.values()) {
      if (other.cenId === cen.cenId && sameSpan(other, pkg)) throw new BwpForGeoSpanAlreadyAssociated();
    }
    pkg.status = 'InUse';
    pkg.cenId = cen.cenId;
    return {};
  }

  /**
   * UnassociateCenBandwidthPackage: back to `Idle`. Inter-region bandwidth drawn on the package
   * must be removed first (SetCenInterRegionBandwidthLimit with 0).
   * @throws ParameterCenInstanceId, InvalidCenBandwidthPackageId.NotFound,
   * InvalidOperation.BwpInstanceStatus (not associated with this CEN),
   * InvalidOperation.CenBandwidthLimitsNotZero
   */
  unassociateCenBandwidthPackage(p: { cenId: string; cenBandwidthPackageId: string } & Caller): Record<string, never> {
    const cen = this.cens.requireCen(required(p.cenId, 'CenId'), p.callerId);
    const pkg = this.requirePackage(required(p.cenBandwidthPackageId, 'CenBandwidthPackageId'), p.callerId);
    if (pkg.status !== 'InUse' || pkg.cenId !== cen.cenId) throw new BwpInstanceStatus();
    for (const l of this.core.cenBandwidthLimits.values()) {
      if (l.cenId === cen.cenId && l.bandwidthPackageId === pkg.cenBandwidthPackageId) throw new CenBandwidthLimitsNotZero();
    }
    pkg.status = 'Idle';
    delete pkg.cenId;
    return {};
  }

  /**
   * DescribeCenBandwidthPackages: the caller's packages. Filter keys CenId, Status,
   * CenBandwidthPackageId, Name (values of one key OR-ed; keys AND-ed, or OR-ed with `isOrKey`).
   */
  describeCenBandwidthPackages(f: { filters?: Record<string, string[]>; isOrKey?: boolean } & PageParams & Caller = {}): Page<CenBandwidthPackageView> {
    const fields = (p: CenBandwidthPackageRecord): Record<string, string | undefined> => ({
      CenId: p.cenId,
      Status: p.status,
      CenBandwidthPackageId: p.cenBandwidthPackageId,
      Name: p.name,
    });
    const entries = Object.entries(f.filters ?? {});
    const rows = [...this.core.cenBandwidthPackages.values()]
      .filter((p) => f.callerId === undefined || this.core.ownerOf(p) === f.callerId)
      .filter((p) => {
        if (entries.length === 0) return true;
        const hits = entries.map(([k, vals]) => {
          const v = fields(p)[k];
          return v !== undefined && vals.includes(v);
        });
        return f.isOrKey ? hits.some(Boolean) : hits.every(Boolean);
      })
      .map((p): CenBandwidthPackageView => ({ ...p, geographicSpanId: geographicSpanId(p.geographicRegionAId, p.geographicRegionBId) }));
    return paginate(rows, f);
  }

  /**
   * SetCenInterRegionBandwidthLimit: sets (`Modifying` → `Active` after
   * `timings.cenBandwidthLimitMs`), changes, or with 0 removes (traffic stops at once, the row
   * goes after the same delay) the bandwidth between two regions. It draws on the package
   * associated with the CEN for the regions' areas; the limits on one package cannot add up to
   * more than its bandwidth.
   * @throws ParameterCenInstanceId, InvalidParameter (same region, negative limit),
   * InvalidOperation.CenInstanceStatus, Operation.Blocking (a change still applying),
   * InvalidOperation.BandwidthPackageNotFound, InvalidOperation.BandwidthLimitExceed (both UNCONFIRMED)
   */
  setCenInterRegionBandwidthLimit(
    p: { cenId: string; localRegionId: string; oppositeRegionId: string; bandwidthLimit: number; bandwidthType?: string } & Caller,
  ): Record<string, never> {
    const cen = this.cens.requireCen(required(p.cenId, 'CenId'), p.callerId);
    const local = required(p.localRegionId, 'LocalRegionId');
    const opposite = required(p.oppositeRegionId, 'OppositeRegionId');
    const limit = required(p.bandwidthLimit, 'BandwidthLimit');
    if (local === opposite) throw new InvalidParameter('OppositeRegionId', 'The two regions must differ.');
    if (!Number.isInteger(limit) || limit < 0) throw new InvalidParameter('BandwidthLimit');
    if (p.bandwidthType !== undefined && p.bandwidthType !== 'BandwidthPackage') throw new InvalidParameter('BandwidthType');
    if (cen.status !== 'Active') throw new InvalidCenInstanceStatus();
    const key = limitKey(cen.cenId, local, opposite);
    const existing = this.core.cenBandwidthLimits.get(key);
    if (existing?.status === 'Modifying') throw new OperationBlocking();
    if (limit === 0) {
      if (!existing) return {};
      existing.bandwidthLimit = 0;
      existing.status = 'Modifying';
      existing.established = false;
      this.core.scheduleTransition('cenBandwidthLimit.applied', key, this.core.timings.cenBandwidthLimitMs);
      return {};
    }
    const pkg = [...this.core.cenBandwidthPackages.values()].find((x) => x.cenId === cen.cenId && x.status === 'InUse' && packageServes(x, local, opposite));
    if (!pkg) throw new BandwidthPackageNotAssociated(local, opposite);
    let used = 0;
    for (const [k, l] of this.core.cenBandwidthLimits) if (k !== key && l.bandwidthPackageId === pkg.cenBandwidthPackageId) used += l.bandwidthLimit;
    if (used + limit > pkg.bandwidth) throw new BandwidthLimitExceeded(pkg.bandwidth - used);
    if (existing && existing.bandwidthLimit === limit) return {};
    this.core.cenBandwidthLimits.set(key, {
      cenId: cen.cenId,
      localRegionId: existing?.localRegionId ?? local,
      oppositeRegionId: existing?.oppositeRegionId ?? opposite,
      bandwidthLimit: limit,
      bandwidthPackageId: pkg.cenBandwidthPackageId,
      status: 'Modifying',
      established: existing?.established ?? false,
    });
    this.core.scheduleTransition('cenBandwidthLimit.applied', key, this.core.timings.cenBandwidthLimitMs);
    return {};
  }

  /** DescribeCenInterRegionBandwidthLimits: of one CEN, or of every CEN of the caller. */
  describeCenInterRegionBandwidthLimits(f: { cenId?: string } & PageParams & Caller = {}): Page<CenInterRegionBandwidthLimitView> {
    if (f.cenId) this.cens.requireCen(f.cenId, f.callerId);
    const rows = [...this.core.cenBandwidthLimits.values()]
      .filter((l) => (!f.cenId || l.cenId === f.cenId) && (f.callerId === undefined || this.cenOwner(l.cenId) === f.callerId))
      .map((l): CenInterRegionBandwidthLimitView => {
        const a = geographicRegionOf(l.localRegionId);
        const b = geographicRegionOf(l.oppositeRegionId);
        return { ...l, geographicSpanId: a && b ? geographicSpanId(a, b) : '' };
      });
    return paginate(rows, f);
  }

  /** Ids of the packages associated with a CEN (DescribeCens `CenBandwidthPackageIds`). */
  packagesOf(cenId: string): string[] {
    return [...this.core.cenBandwidthPackages.values()].filter((p) => p.cenId === cenId).map((p) => p.cenBandwidthPackageId).sort();
  }

  private cenOwner(cenId: string): string | undefined {
    const cen = this.core.cens.get(cenId);
    return cen ? this.core.ownerOf(cen) : undefined;
  }

  private area(v: string, field: string): GeographicRegionId {
    const hit = GEOGRAPHIC_REGIONS.find((g) => g === v.trim());
    if (!hit) throw new InvalidParameter(field, `Valid values: ${GEOGRAPHIC_REGIONS.join(', ')}.`);
    return hit;
  }
}

/**
 * Whether traffic of CEN `cenId` may cross between two regions: always within one region, or
 * when the CEN does not require inter-region bandwidth; otherwise only while a limit between the
 * two regions is established. (The real service once let pings through on a 1 kbit/s test
 * allowance without a package; the emulator does not model that. UNCONFIRMED.)
 */
export function interRegionBandwidthOk(core: ModelCore, cenId: string, regionA: string, regionB: string): boolean {
  if (regionA === regionB) return true;
  if (!core.cens.get(cenId)?.requireInterRegionBandwidth) return true;
  const l = core.cenBandwidthLimits.get(limitKey(cenId, regionA, regionB));
  return l !== undefined && l.established && l.bandwidthLimit > 0;
}
