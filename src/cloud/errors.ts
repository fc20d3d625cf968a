/**
 * Classification of Alibaba Cloud OpenAPI error codes, and the error classes every cloud call
 * throws. The table is data so that the engine, the docs and the tests read the same rules
 * (alibaba-api.md §7; Terraform `errors.go` `NeedRetry` for the throttling rule).
 */
import { CloudPermanentError, CloudTransientError, type ErrorDetails } from '../errors.ts';

/**
 * What a failed cloud call means for the caller.
 * - `throttled`: back off exponentially and retry (throttling, `ServiceUnavailable`, any 5xx).
 * - `conflict`: the resource is busy (concurrent route-table change, CEN operation in progress);
 *   retry after a few seconds.
 * - `network`: no usable answer (timeout, connection refused/reset, body not JSON); retry.
 * - `duplicate`: the thing already exists; confirm by re-reading before treating as done.
 * - `not_found`: the thing does not exist; deletes and withdraws count this as done.
 * - `dependency`: something still refers to it; remove the referrer first.
 * - `dry_run`: a `DryRun=true` call that would have succeeded.
 * - `terminal`: anything else; retrying the same request cannot help.
 */
export type CloudErrorClass =
  | 'throttled'
  | 'conflict'
  | 'network'
  | 'duplicate'
  | 'not_found'
  | 'dependency'
  | 'dry_run'
  | 'terminal';

/** Classes for which a later retry of the identical request can succeed. */
export const TRANSIENT_ERROR_CLASSES: ReadonlySet<CloudErrorClass> = new Set(['throttled', 'conflict', 'network']);

/** One row of the classification table. Exactly one of `code`, `contains`, `suffix`, `httpStatusAtLeast` is set. */
export interface CloudErrorRule {
  /** Matches this exact Alibaba `Code`. */
  code?: string;
  /** Matches any code containing this text. */
  contains?: string;
  /** Matches any code ending with this text. */
  suffix?: string;
  /** Matches any answer with at least this HTTP status (whatever the code). */
  httpStatusAtLeast?: number;
  errorClass: CloudErrorClass;
  /** Where the code is seen and why it is classed so. */
  note: string;
}

const exact = (errorClass: CloudErrorClass, note: string, codes: string[]): CloudErrorRule[] =>
  codes.map((code) => ({ code, errorClass, note }));

/**
 * The classification table, first match wins. Exact codes come first so that, e.g.,
 * `InvalidAccessKeyId.NotFound` is terminal although it ends in `.NotFound`.
 */
export const CLOUD_ERROR_RULES: readonly CloudErrorRule[] = [
  ...exact('dry_run', 'DryRun=true: the request would succeed (pop-core throws it as an error)', ['DryRunOperation']),
  ...exact('terminal', 'gateway: credentials, signature, clock or API name are wrong; retrying cannot help', [
    'SignatureDoesNotMatch',
    'InvalidAccessKeyId.NotFound',
    'InvalidAccessKeyId.Inactive',
    'InvalidSecurityToken.Expired',
    'InvalidSecurityToken.Malformed',
    'InvalidTimeStamp.Expired',
    'InvalidTimeStamp.Format',
    'InvalidAction.NotFound',
    'InvalidVersion',
    'Forbidden.RAM',
  ]),
  ...exact('terminal', 'CEN health check on a VBR that is not attached: attach first', [
    'InvalidOperation.VbrNotAttachedToCen',
  ]),
  ...exact('throttled', 'gateway: retry with a fresh nonce', ['SignatureNonceUsed']),
  ...exact('throttled', 'throttling / service unavailable: exponential back-off', [
    'Rejected.Throttling',
    'ServiceUnavailable',
    'InternalError',
  ]),
  ...exact('conflict', 'Create/DeleteRouteEntry: concurrent route-table change; retry after 3-7 s', [
    'TaskConflict',
    'OperationConflict',
    'IncorrectRouteEntryStatus',
    'IncorrectStatus',
    'IncorrectStatus.RouteTableStatus',
    'IncorrectStatus.RouterInterface',
    'IncorrectVpcStatus',
    'IncorrectVSwitchStatus',
    'InvalidVBRStatus',
    'IncorrectInstanceStatus',
    'IncorrectStatus.MultiScopeRiRouteEntry',
    'LastTokenProcessing',
    'OperationFailed.DistibuteLock',
    'SystemBusy',
    'UnknownError',
  ]),
  ...exact('conflict', 'CBN writes: CEN or child instance busy; retry', [
    'Operation.Blocking',
    'InvalidOperation.CenInstanceStatus',
    'InvalidOperation.ChildInstanceStatus',
    'OperationFailed.InvalidVpcStatus',
    'IncorrectStatus.VpcSwitch',
    'IncorrectStatus.VpcRouteTable',
    'InstanceStatus.NotSupport',
    'OperationFailed.StatusNotSupport',
  ]),
  ...exact('duplicate', 'CreateRouteEntry: already exists; confirm by re-reading the table', [
    'RouterEntryConflict.Duplicated',
    'Duplicated.VpcNextHop',
    'InvalidCIDRBlock.Duplicate',
    'InvalidCidrBlock.Overlapped',
  ]),
  ...exact('not_found', 'deletes/withdraws: already gone; counts as done on rollback', [
    'InvalidRouteEntry.NotFound',
    'InvalidRouteTable.NotFound',
    'InvalidInstanceId.NotFound',
    'InvalidOperation.NotFoundRoute',
    'ParameterInstanceId',
  ]),
  ...exact('dependency', 'DeleteRouterInterface, BGP deletes: remove the referrer first', [
    'DependencyViolation.RouterInterfaceReferedByRouteEntry',
    'DependencyViolation.BgpGroup',
    'DependencyViolation.BgpPeer',
  ]),
  { contains: 'Throttling', errorClass: 'throttled', note: 'any throttling code (Throttling, Throttling.User, …)' },
  { suffix: '.NotFound', errorClass: 'not_found', note: 'Alibaba names missing resources `Invalid<Thing>.NotFound`' },
  { httpStatusAtLeast: 500, errorClass: 'throttled', note: 'any 5xx answer: server side, back off and retry' },
];

/** Whether a rule matches a code and HTTP status. */
export function ruleMatches(rule: CloudErrorRule, code: string, httpStatus?: number): boolean {
  if (rule.code !== undefined) return rule.code === code;
  if (rule.contains !== undefined) return code.includes(rule.contains);
  if (rule.suffix !== undefined) return code.endsWith(rule.suffix);
  if (rule.httpStatusAtLeast !== undefined) return httpStatus !== undefined && httpStatus >= rule.httpStatusAtLeast;
  return false;
}

/**
 * Classifies an Alibaba error `Code` (and the HTTP status when known) by the first matching row of
 * {@link CLOUD_ERROR_RULES}; codes no row matches are `terminal`.
 */
export function classifyCloudError(code: string, httpStatus?: number): CloudErrorClass {
  for (const rule of CLOUD_ERROR_RULES) if (ruleMatches(rule, code, httpStatus)) return rule.errorClass;
  return 'terminal';
}

/** Cloud-specific facts carried by every error a cloud call throws. */
export interface CloudApiErrorInfo {
  /** Alibaba product code: `Vpc`, `Cbn`, `Ecs`. */
  readonly product: string;
  /** API action, e.g. `CreateRouteEntry`. */
  readonly action: string;
  readonly errorClass: CloudErrorClass;
  /** HTTP status of the error answer, when there was one. */
  readonly httpStatus?: number;
  /** Alibaba `HostId` of the error answer. */
  readonly hostId?: string;
  /** Alibaba troubleshooting URL (`Recommend`), when given. */
  readonly recommend?: string;
}

/** Constructor input shared by both cloud API error classes. */
export interface CloudApiErrorDetails extends ErrorDetails, CloudApiErrorInfo {}

/** A cloud call failure that retrying later can fix (class `throttled`, `conflict` or `network`). */
export class CloudApiTransientError extends CloudTransientError implements CloudApiErrorInfo {
  readonly product: string;
  readonly action: string;
  readonly errorClass: CloudErrorClass;
  readonly httpStatus?: number;
  readonly hostId?: string;
  readonly recommend?: string;

  constructor(message: string, details: CloudApiErrorDetails) {
    super(message, details);
    this.product = details.product;
    this.action = details.action;
    this.errorClass = details.errorClass;
    this.httpStatus = details.httpStatus;
    this.hostId = details.hostId;
    this.recommend = details.recommend;
  }
}

/** A cloud call failure that the same request cannot get past (every other class). */
export class CloudApiPermanentError extends CloudPermanentError implements CloudApiErrorInfo {
  readonly product: string;
  readonly action: string;
  readonly errorClass: CloudErrorClass;
  readonly httpStatus?: number;
  readonly hostId?: string;
  readonly recommend?: string;

  constructor(message: string, details: CloudApiErrorDetails) {
    super(message, details);
    this.product = details.product;
    this.action = details.action;
    this.errorClass = details.errorClass;
    this.httpStatus = details.httpStatus;
    this.hostId = details.hostId;
    this.recommend = details.recommend;
  }
}

/**
 * Any error thrown by a cloud call: `code` is the Alibaba `Code` (or `RequestTimeout`,
 * `NetworkError`, `InvalidResponse` when there was no usable answer), `requestId` the Alibaba
 * RequestId, `errorClass` what to do about it. `instanceof CloudTransientError` / `retryable`
 * still work as for any xcflow error.
 */
export type CloudApiError = CloudApiTransientError | CloudApiPermanentError;

/** Builds the right class for a classified failure. */
export function makeCloudApiError(message: string, details: CloudApiErrorDetails): CloudApiError {
  return TRANSIENT_ERROR_CLASSES.has(details.errorClass)
    ? new CloudApiTransientError(message, details)
    : new CloudApiPermanentError(message, details);
}

/** Whether `err` was thrown by a cloud call. */
export function isCloudApiError(err: unknown): err is CloudApiError {
  return err instanceof CloudApiTransientError || err instanceof CloudApiPermanentError;
}

/** Whether `err` is a cloud error of one of the given classes, e.g. `isCloudErrorClass(e, 'not_found')`. */
export function isCloudErrorClass(err: unknown, ...classes: CloudErrorClass[]): err is CloudApiError {
  return isCloudApiError(err) && classes.includes(err.errorClass);
}
