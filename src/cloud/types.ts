/**
 * Shared shapes of the typed cloud clients: write results, filters, paging re-exports.
 * Domain types are camelCase; the wire's PascalCase stays inside `src/cloud`.
 */
export type { PageRequest, TokenPageRequest, Paged } from './wire.ts';

/** What every write call returns: the Alibaba RequestId, for the journal and for support tickets. */
export interface CloudWriteResult {
  requestId: string;
}

/**
 * Result of a write that accepts `dryRun`. With `dryRun: true` Alibaba answers the error
 * `DryRunOperation` when the request would succeed; the client turns that into
 * `{ dryRun: true }` (any other error is thrown as usual).
 */
export interface DryRunnableResult extends CloudWriteResult {
  dryRun: boolean;
}

/** A `Filter.N.Key` / `Filter.N.Value.M` pair of Describe actions that filter that way. */
export interface CloudFilter {
  key: string;
  values: string[];
}

/** Kinds of CEN child instance. */
export type CenChildInstanceType = 'VPC' | 'VBR' | 'CCN' | (string & {});

/** Router kinds in VPC APIs: a VPC's vRouter or a VBR. */
export type RouterType = 'VRouter' | 'VBR' | (string & {});
