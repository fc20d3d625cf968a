/**
 * The emulated network model: `NetworkModel` (one account, all regions) and its types. See
 * `network.ts` for the map of sub-models, `states.ts` for lifecycles and delays.
 */
export { NetworkModel, type NetworkModelOptions } from './network.ts';
export { DEFAULT_TIMINGS, LIFECYCLES, cenRouteActivationDelay, type LifecycleTimings, type LifecycleRow } from './states.ts';
export { DEFAULT_QUOTAS, ModelCore } from './store.ts';
export { CLOUD_SERVICE_CIDR } from './route-tables.ts';
export type { VbrView, KeyFilters } from './vbrs.ts';
export type { ChildRef, PublishParams, CenRegionRouteView } from './cen.ts';
export { GEOGRAPHIC_REGIONS, geographicRegionOf, geographicSpanId, interRegionBandwidthOk } from './cen-bandwidth.ts';
export type { CenBandwidthPackageView, CenInterRegionBandwidthLimitView, CreateCenBandwidthPackageParams } from './cen-bandwidth.ts';
export type { HostLookup } from './inventory.ts';
export type * from './types.ts';
