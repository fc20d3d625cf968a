/**
 * Declared lifecycles of the emulated resources (moto's managed state model): each asynchronous
 * status change is a (from → to, delay) row, driven by the model's clock. `to: null` means the
 * resource disappears. Delays are ms of clock time and can be changed at run time
 * (`NetworkModel.setTimings`) so tests and the control API can retime them.
 */
import type { TransitionKind } from './types.ts';

/** Delays (ms) of every asynchronous transition, plus the CEN convergence formula's terms. */
export interface LifecycleTimings {
  /** CreateRouteEntry: `Pending` → `Available`. */
  routeEntryCreateMs: number;
  /** ModifyRouteEntry (next hop change): `Modifying` → `Available`. */
  routeEntryModifyMs: number;
  /** DeleteRouteEntry: `Deleting` → gone. */
  routeEntryDeleteMs: number;
  /** ModifyCenAttribute: `Modifying` → `Active`. */
  cenModifyMs: number;
  /** AttachCenChildInstance: `Attaching` → `Attached`. */
  cenAttachMs: number;
  /** DetachCenChildInstance: `Detaching` → gone. */
  cenDetachMs: number;
  /** AddBgpNetwork: `Pending` → `Available`. */
  bgpNetworkAddMs: number;
  /** DeleteBgpNetwork: `Deleting` → gone. */
  bgpNetworkDeleteMs: number;
  /** EnableCenVbrHealthCheck: accepted → listed by DescribeCenVbrHealthCheck. */
  cenVbrHealthCheckEnableMs: number;
  /** DisableCenVbrHealthCheck: listed → gone. */
  cenVbrHealthCheckDisableMs: number;
  /** TerminateVirtualBorderRouter: `terminating` → `terminated`. */
  vbrTerminateMs: number;
  /** RecoverVirtualBorderRouter: `recovering` → `active`. */
  vbrRecoverMs: number;
  /** CreateCenBandwidthPackage: `Creating` → `Idle`. */
  cenBandwidthPackageCreateMs: number;
  /** SetCenInterRegionBandwidthLimit: `Modifying` → `Active` (or gone when set to 0). */
  cenBandwidthLimitMs: number;
  /** CEN route `Rejected` → `Active` once its conflict is gone: base term. */
  cenRouteActivateBaseMs: number;
  /** ... plus this much per CEN-learned route in the whole CEN instance. */
  cenRouteActivatePerRouteMs: number;
}

/** Default delays. The seed gives no numbers; these are plausible, short and UNCONFIRMED. */
export const DEFAULT_TIMINGS: Readonly<LifecycleTimings> = Object.freeze({
  routeEntryCreateMs: 3000,
  routeEntryModifyMs: 2000,
  routeEntryDeleteMs: 3000,
  cenModifyMs: 2000,
  cenAttachMs: 5000,
  cenDetachMs: 5000,
  bgpNetworkAddMs: 3000,
  bgpNetworkDeleteMs: 3000,
  cenVbrHealthCheckEnableMs: 2000,
  cenVbrHealthCheckDisableMs: 2000,
  vbrTerminateMs: 3000,
  vbrRecoverMs: 5000,
  cenBandwidthPackageCreateMs: 3000,
  cenBandwidthLimitMs: 3000,
  cenRouteActivateBaseMs: 2000,
  cenRouteActivatePerRouteMs: 50,
});

/**
 * Delay before a CEN route whose conflicting static route was deleted turns `Active`.
 * The seed (5.1 step 6, 5.2 step 8) says the disconnection "is in proportion to the number of
 * CEN routes"; we model it as `base + perRoute × routeCount`, where `routeCount` is the number
 * of CEN-learned routes across all route tables of the CEN instance at that moment.
 */
export function cenRouteActivationDelay(t: LifecycleTimings, routeCount: number): number {
  return t.cenRouteActivateBaseMs + t.cenRouteActivatePerRouteMs * routeCount;
}

/** One declared transition. */
export interface LifecycleRow {
  kind: TransitionKind;
  resource: string;
  from: string;
  /** `null`: the resource is removed. */
  to: string | null;
  /** Name of the timing that gives the delay, or `formula` for the CEN activation. */
  delay: keyof LifecycleTimings | 'formula';
}

/** Every asynchronous transition the model runs (documentation and a test enumerate these). */
export const LIFECYCLES: readonly LifecycleRow[] = [
  { kind: 'routeEntry.created', resource: 'route entry', from: 'Pending', to: 'Available', delay: 'routeEntryCreateMs' },
  { kind: 'routeEntry.modified', resource: 'route entry', from: 'Modifying', to: 'Available', delay: 'routeEntryModifyMs' },
  { kind: 'routeEntry.deleted', resource: 'route entry', from: 'Deleting', to: null, delay: 'routeEntryDeleteMs' },
  { kind: 'cen.modified', resource: 'CEN instance', from: 'Modifying', to: 'Active', delay: 'cenModifyMs' },
  { kind: 'cenChild.attached', resource: 'CEN child instance', from: 'Attaching', to: 'Attached', delay: 'cenAttachMs' },
  { kind: 'cenChild.detached', resource: 'CEN child instance', from: 'Detaching', to: null, delay: 'cenDetachMs' },
  { kind: 'cenRoute.activated', resource: 'CEN route', from: 'Rejected', to: 'Active', delay: 'formula' },
  { kind: 'bgpNetwork.added', resource: 'BGP network', from: 'Pending', to: 'Available', delay: 'bgpNetworkAddMs' },
  { kind: 'bgpNetwork.deleted', resource: 'BGP network', from: 'Deleting', to: null, delay: 'bgpNetworkDeleteMs' },
  { kind: 'cenVbrHealthCheck.enabled', resource: 'CEN VBR health check', from: 'Enabling', to: 'Enabled', delay: 'cenVbrHealthCheckEnableMs' },
  { kind: 'cenVbrHealthCheck.disabled', resource: 'CEN VBR health check', from: 'Disabling', to: null, delay: 'cenVbrHealthCheckDisableMs' },
  { kind: 'vbr.terminated', resource: 'VBR', from: 'terminating', to: 'terminated', delay: 'vbrTerminateMs' },
  { kind: 'vbr.recovered', resource: 'VBR', from: 'recovering', to: 'active', delay: 'vbrRecoverMs' },
  { kind: 'cenBandwidthPackage.created', resource: 'CEN bandwidth package', from: 'Creating', to: 'Idle', delay: 'cenBandwidthPackageCreateMs' },
  { kind: 'cenBandwidthLimit.applied', resource: 'CEN inter-region bandwidth limit', from: 'Modifying', to: 'Active', delay: 'cenBandwidthLimitMs' },
];
