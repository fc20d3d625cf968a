/**
 * Cross-region bandwidth of the CEN migrations (seed 5.1-4 / 5.2-5: "If you need the VPC to
 * communicate with other resources that belong to different regions, you need to buy a bandwidth
 * package and set an intranet communication bandwidth value"): the facts (the account's
 * bandwidth packages, the CEN's inter-region bandwidth), the plan (which package, what to
 * change), and the idempotent operations and their undo.
 *
 * Buying a package is a billing action (a prepaid package cannot be deleted, so rollback could
 * not undo it): the procedures never buy. They use the package named in the params, else the one
 * the CEN already has for the two regions' areas, else an idle one of the account; with none,
 * the plan is refused and says what to buy (CreateCenBandwidthPackage, or the console).
 */
import { bandwidthPackageServes, geographicRegionOf, type CloudClients } from '../../src/cloud/index.ts';
import { runRemoval, unchanged, type OpResult, type Reached } from '../shared/ops.ts';
import type { BandwidthLimitFact, BandwidthPackageFact, BandwidthStep, MigrationFacts, MigrationParams, MigrationPlan, PlannedCall, Refusal } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------------------------

/** Reads the account's bandwidth packages and the CEN's inter-region bandwidth (two list calls). */
export async function readBandwidthFacts(cloud: CloudClients, cenId: string): Promise<NonNullable<MigrationFacts['bandwidth']>> {
  const packages: BandwidthPackageFact[] = (await cloud.cbn.describeCenBandwidthPackages({})).map((p) => ({
    cenBandwidthPackageId: p.cenBandwidthPackageId,
    bandwidth: p.bandwidth,
    geographicRegionAId: p.geographicRegionAId,
    geographicRegionBId: p.geographicRegionBId,
    status: p.status,
    ...(p.businessStatus ? { businessStatus: p.businessStatus } : {}),
    cenIds: p.cenIds,
  }));
  const limits: BandwidthLimitFact[] = (await cloud.cbn.describeCenInterRegionBandwidthLimits({ cenId })).map((l) => ({
    localRegionId: l.localRegionId,
    oppositeRegionId: l.oppositeRegionId,
    bandwidthLimit: l.bandwidthLimit,
    status: l.status,
    ...(l.bandwidthPackageId ? { bandwidthPackageId: l.bandwidthPackageId } : {}),
  }));
  return { packages, limits };
}

/** The facts after this execution's bandwidth steps, without reading again (re-planning after attaching). */
export function bandwidthFactsAfter(f: NonNullable<MigrationFacts['bandwidth']>, cenId: string, packageId: string | undefined, steps: BandwidthStep[]): NonNullable<MigrationFacts['bandwidth']> {
  let packages = f.packages;
  let limits = f.limits;
  for (const s of steps) {
    if (s.kind === 'associate') {
      packages = packages.map((p) => (p.cenBandwidthPackageId === s.cenBandwidthPackageId ? { ...p, status: 'InUse', cenIds: [cenId] } : p));
    } else {
      const rest = limits.filter((l) => !samePair(l, s.localRegionId, s.oppositeRegionId));
      limits = [...rest, { localRegionId: s.localRegionId, oppositeRegionId: s.oppositeRegionId, bandwidthLimit: s.bandwidthMbps, status: 'Active', ...(packageId ? { bandwidthPackageId: packageId } : {}) }];
    }
  }
  return { packages, limits };
}

const samePair = (l: { localRegionId: string; oppositeRegionId: string }, a: string, b: string): boolean =>
  (l.localRegionId === a && l.oppositeRegionId === b) || (l.localRegionId === b && l.oppositeRegionId === a);

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

/**
 * The bandwidth phase of a plan: the package to draw on and the changes (associate it, set the
 * bandwidth), with refusals (no package, wrong areas, package of another CEN, not enough
 * bandwidth left) and warnings. Pure.
 */
export function planBandwidth(facts: MigrationFacts, params: MigrationParams): { bandwidth: MigrationPlan['bandwidth']; refusals: Refusal[]; warnings: string[] } {
  const refusals: Refusal[] = [];
  const warnings: string[] = [];
  const b = params.bandwidth;
  if (!b) return { bandwidth: { requested: false, steps: [] }, refusals, warnings };
  const cenId = facts.cen.cenId;
  const local = facts.regionId;
  const peer = b.peerRegionId;
  const want = b.bandwidthMbps;
  const bandwidth: MigrationPlan['bandwidth'] = { requested: true, localRegionId: local, peerRegionId: peer, bandwidthMbps: want, steps: [] };
  const refuse = (code: string, message: string, field = 'bandwidth'): { bandwidth: MigrationPlan['bandwidth']; refusals: Refusal[]; warnings: string[] } => {
    refusals.push({ code, message, field });
    return { bandwidth, refusals, warnings };
  };
  if (peer === local) return refuse('BandwidthSameRegion', `bandwidth.peerRegionId ${peer} is the region of the migration itself: inter-region bandwidth connects two different regions`, 'bandwidth.peerRegionId');
  const areaA = geographicRegionOf(local);
  const areaB = geographicRegionOf(peer);
  if (!areaA || !areaB) return refuse('BandwidthAreaUnknown', `no bandwidth-package area is known for ${!areaA ? local : peer}`, 'bandwidth.peerRegionId');
  const f = facts.bandwidth ?? { packages: [], limits: [] };
  const serves = (p: BandwidthPackageFact): boolean => bandwidthPackageServes(p, local, peer);
  const onCen = f.packages.find((p) => p.cenIds.includes(cenId) && serves(p));
  let pkg: BandwidthPackageFact | undefined;
  if (b.bandwidthPackageId) {
    pkg = f.packages.find((p) => p.cenBandwidthPackageId === b.bandwidthPackageId);
    if (!pkg) return refuse('BandwidthPackageNotFound', `bandwidth package ${b.bandwidthPackageId} is not visible to this account`, 'bandwidth.bandwidthPackageId');
    if (!serves(pkg)) {
      return refuse('BandwidthPackageMismatch', `bandwidth package ${pkg.cenBandwidthPackageId} connects ${pkg.geographicRegionAId}–${pkg.geographicRegionBId}, not ${areaA}–${areaB} (${local} and ${peer})`, 'bandwidth.bandwidthPackageId');
    }
    if (pkg.cenIds.length > 0 && !pkg.cenIds.includes(cenId)) {
      return refuse('BandwidthPackageInUse', `bandwidth package ${pkg.cenBandwidthPackageId} serves ${pkg.cenIds.join(', ')}, not ${cenId}`, 'bandwidth.bandwidthPackageId');
    }
    if (onCen && onCen.cenBandwidthPackageId !== pkg.cenBandwidthPackageId) {
      return refuse('BandwidthPackageConflict', `${cenId} already has bandwidth package ${onCen.cenBandwidthPackageId} for ${areaA}–${areaB}; a CEN takes one package per pair of areas (name that one, or none)`, 'bandwidth.bandwidthPackageId');
    }
  } else if (onCen) {
    pkg = onCen;
  } else {
    const idle = f.packages
      .filter((p) => p.cenIds.length === 0 && p.status === 'Idle' && (p.businessStatus ?? 'Normal') === 'Normal' && serves(p) && p.bandwidth >= want)
      .sort((x, y) => x.bandwidth - y.bandwidth || x.cenBandwidthPackageId.localeCompare(y.cenBandwidthPackageId));
    pkg = idle[0];
    if (!pkg) {
      return refuse(
        'BandwidthPackageMissing',
        `no bandwidth package of ${areaA}–${areaB} with at least ${want} Mbit/s is associated with ${cenId} or idle in this account: buy one ` +
          `(CreateCenBandwidthPackage GeographicRegionAId=${areaA} GeographicRegionBId=${areaB} Bandwidth≥${want}, or the CEN console; a purchase is a billing action xcflow leaves to you) ` +
          'or name one in bandwidth.bandwidthPackageId',
      );
    }
    warnings.push(`bandwidth: the idle package ${pkg.cenBandwidthPackageId} (${pkg.bandwidth} Mbit/s, ${pkg.geographicRegionAId}–${pkg.geographicRegionBId}) will be associated with ${cenId}`);
  }
  if (pkg.status !== 'Idle' && pkg.status !== 'InUse') {
    return refuse('BandwidthPackageNotReady', `bandwidth package ${pkg.cenBandwidthPackageId} is ${pkg.status}; wait until it is Idle`, 'bandwidth.bandwidthPackageId');
  }
  bandwidth.bandwidthPackageId = pkg.cenBandwidthPackageId;
  if (!pkg.cenIds.includes(cenId)) bandwidth.steps.push({ kind: 'associate', cenBandwidthPackageId: pkg.cenBandwidthPackageId });
  const existing = f.limits.find((l) => samePair(l, local, peer));
  const drawsOn = (l: BandwidthLimitFact): boolean => (l.bandwidthPackageId ? l.bandwidthPackageId === pkg.cenBandwidthPackageId : pkg.cenIds.includes(cenId) && bandwidthPackageServes(pkg, l.localRegionId, l.oppositeRegionId));
  if (existing && existing.bandwidthLimit >= want) {
    if (existing.bandwidthLimit > want) warnings.push(`bandwidth: ${local}–${peer} already has ${existing.bandwidthLimit} Mbit/s, more than the ${want} asked; it is kept`);
    return { bandwidth, refusals, warnings };
  }
  const used = f.limits.filter((l) => l !== existing && drawsOn(l)).reduce((a, l) => a + l.bandwidthLimit, 0);
  if (used + want > pkg.bandwidth) {
    return refuse('BandwidthExceeded', `bandwidth package ${pkg.cenBandwidthPackageId} has ${pkg.bandwidth - used} of its ${pkg.bandwidth} Mbit/s left, less than the ${want} asked`, 'bandwidth.bandwidthMbps');
  }
  bandwidth.steps.push({ kind: 'limit', localRegionId: local, oppositeRegionId: peer, bandwidthMbps: want, previousMbps: existing?.bandwidthLimit ?? 0 });
  return { bandwidth, refusals, warnings };
}

/** The reads `readBandwidthFacts` makes, for the plan's call list. */
export function bandwidthReadCalls(facts: MigrationFacts): { product: 'Cbn'; action: string; target: string }[] {
  if (!facts.bandwidth) return [];
  return [
    { product: 'Cbn', action: 'DescribeCenBandwidthPackages', target: 'account' },
    { product: 'Cbn', action: 'DescribeCenInterRegionBandwidthLimits', target: facts.cen.cenId },
  ];
}

/** The calls of the bandwidth phase (read first, write, one status read), in order. */
export function bandwidthCalls(plan: MigrationPlan, seed: string): PlannedCall[] {
  const calls: PlannedCall[] = [];
  for (const s of plan.bandwidth.steps) {
    if (s.kind === 'associate') {
      const target = `${s.cenBandwidthPackageId} → ${plan.cenId}`;
      calls.push({ product: 'Cbn', action: 'DescribeCenBandwidthPackages', kind: 'read', target, seed });
      calls.push({ product: 'Cbn', action: 'AssociateCenBandwidthPackage', kind: 'write', target, seed });
      calls.push({ product: 'Cbn', action: 'DescribeCenBandwidthPackages', kind: 'read', target, seed });
    } else {
      const target = `${s.localRegionId}–${s.oppositeRegionId} ${s.bandwidthMbps} Mbit/s`;
      calls.push({ product: 'Cbn', action: 'DescribeCenInterRegionBandwidthLimits', kind: 'read', target, seed });
      calls.push({ product: 'Cbn', action: 'SetCenInterRegionBandwidthLimit', kind: 'write', target, seed });
      calls.push({ product: 'Cbn', action: 'DescribeCenInterRegionBandwidthLimits', kind: 'read', target, seed });
    }
  }
  return calls;
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/** A package and the CEN it should (or should no longer) serve. */
export interface PackageSpec {
  cenId: string;
  cenBandwidthPackageId: string;
}

/** Inter-region bandwidth to ensure; 0 = none. */
export interface LimitSpec {
  cenId: string;
  localRegionId: string;
  oppositeRegionId: string;
  bandwidthMbps: number;
}

async function findPackage(cloud: CloudClients, spec: PackageSpec) {
  const [p] = await cloud.cbn.describeCenBandwidthPackages({ cenBandwidthPackageId: spec.cenBandwidthPackageId });
  return p;
}

/** Ensures the package serves the CEN (AssociateCenBandwidthPackage). @throws CloudApiError */
export async function ensurePackageAssociated(cloud: CloudClients, spec: PackageSpec): Promise<OpResult> {
  const p = await findPackage(cloud, spec);
  if (p?.cenIds.includes(spec.cenId)) return unchanged();
  const r = await cloud.cbn.associateCenBandwidthPackage(spec);
  return { changed: true, requestIds: [r.requestId] };
}

/** Takes the package off the CEN (UnassociateCenBandwidthPackage); not associated counts as done. @throws CloudApiError */
export async function removePackageAssociation(cloud: CloudClients, spec: PackageSpec): Promise<OpResult> {
  const p = await findPackage(cloud, spec);
  if (!p || !p.cenIds.includes(spec.cenId)) return unchanged();
  return runRemoval(() => cloud.cbn.unassociateCenBandwidthPackage(spec));
}

/** Whether the package serves the CEN (`present`) or not (`absent`). */
export async function packageAssociationReached(cloud: CloudClients, spec: PackageSpec, want: 'present' | 'absent'): Promise<Reached> {
  const p = await findPackage(cloud, spec);
  const on = p?.cenIds.includes(spec.cenId) === true;
  return { ready: want === 'present' ? on && p?.status === 'InUse' : !on, status: p ? `${p.status}${p.cenIds.length > 0 ? ` ${p.cenIds.join(',')}` : ''}` : 'Absent' };
}

async function findLimit(cloud: CloudClients, spec: LimitSpec) {
  const list = await cloud.cbn.describeCenInterRegionBandwidthLimits({ cenId: spec.cenId });
  return list.find((l) => l.cenId === spec.cenId && samePair(l, spec.localRegionId, spec.oppositeRegionId));
}

/** Ensures the bandwidth between the two regions is `bandwidthMbps` (0: removed) (SetCenInterRegionBandwidthLimit). @throws CloudApiError */
export async function ensureBandwidthLimit(cloud: CloudClients, spec: LimitSpec): Promise<OpResult> {
  const l = await findLimit(cloud, spec);
  if ((l?.bandwidthLimit ?? 0) === spec.bandwidthMbps) return unchanged();
  const r = await cloud.cbn.setCenInterRegionBandwidthLimit({ cenId: spec.cenId, localRegionId: spec.localRegionId, oppositeRegionId: spec.oppositeRegionId, bandwidthLimit: spec.bandwidthMbps });
  return { changed: true, requestIds: [r.requestId] };
}

/** Whether the bandwidth is `bandwidthMbps` and `Active` (0: no row left). */
export async function bandwidthLimitReached(cloud: CloudClients, spec: LimitSpec): Promise<Reached> {
  const l = await findLimit(cloud, spec);
  if (spec.bandwidthMbps === 0) return { ready: l === undefined, status: l ? `${l.status} ${l.bandwidthLimit} Mbit/s` : 'Absent' };
  return { ready: l?.bandwidthLimit === spec.bandwidthMbps && l.status === 'Active', status: l ? `${l.status} ${l.bandwidthLimit} Mbit/s` : 'Absent' };
}

/** The operation spec of one planned step. */
export function stepSpec(plan: MigrationPlan, step: BandwidthStep): PackageSpec | LimitSpec {
  return step.kind === 'associate'
    ? { cenId: plan.cenId, cenBandwidthPackageId: step.cenBandwidthPackageId }
    : { cenId: plan.cenId, localRegionId: step.localRegionId, oppositeRegionId: step.oppositeRegionId, bandwidthMbps: step.bandwidthMbps };
}

/** Runs one planned step (`ensureBandwidth`). @throws CloudApiError */
export async function ensureBandwidthStep(cloud: CloudClients, plan: MigrationPlan, step: BandwidthStep): Promise<OpResult> {
  const spec = stepSpec(plan, step);
  const out = 'bandwidthMbps' in spec ? await ensureBandwidthLimit(cloud, spec) : await ensurePackageAssociated(cloud, spec);
  return { ...out, step: step.kind };
}

/** Whether one planned step took effect (`awaitBandwidth`). */
export async function bandwidthStepReached(cloud: CloudClients, plan: MigrationPlan, step: BandwidthStep): Promise<Reached> {
  const spec = stepSpec(plan, step);
  return 'bandwidthMbps' in spec ? bandwidthLimitReached(cloud, spec) : packageAssociationReached(cloud, spec, 'present');
}
