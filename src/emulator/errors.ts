/**
 * Errors the emulated Alibaba Cloud APIs raise. Models throw them; only `src/emulator/rpc`
 * turns them into `{RequestId, HostId, Code, Message}` bodies. Codes and messages follow the
 * VPC 2016-04-28 CreateRouteEntry error table (alibabacloud.com/help/en/vpc/api-createrouteentry)
 * and `../shared/alibaba-api.md` §7; messages marked UNCONFIRMED are our wording.
 */

/** An Alibaba Cloud API error: `code` is the wire `Code`, `httpStatus` the HTTP status. */
export class EmulatorApiError extends Error {
  /** Alibaba error code as sent on the wire, e.g. `TaskConflict`. */
  readonly code: string;
  /** HTTP status of the error response (pop-core ignores it; real clients log it). */
  readonly httpStatus: number;

  constructor(code: string, message: string, httpStatus = 400) {
    super(message);
    this.name = 'EmulatorApiError';
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

/** A required parameter is absent. */
export class MissingParameter extends EmulatorApiError {
  constructor(param: string) {
    super('MissingParameter', `The input parameter "${param}" that is mandatory for processing this request is not supplied.`);
  }
}

/** A parameter has an invalid value (generic form used when no specific code exists). */
export class InvalidParameter extends EmulatorApiError {
  constructor(param: string, detail?: string) {
    super('InvalidParameter', `The specified parameter "${param}" is not valid.${detail ? ` ${detail}` : ''}`);
  }
}

/** Another change on the same route table (VPC or VBR) is still running. */
export class TaskConflict extends EmulatorApiError {
  constructor() {
    super('TaskConflict', 'The operation is too frequent, please wait a moment and try again.');
  }
}

/** The route table has an entry that is not `Available` (Pending/Modifying/Deleting). */
export class IncorrectRouteEntryStatus extends EmulatorApiError {
  constructor(routerType: 'VRouter' | 'VBR' | 'entry') {
    super(
      'IncorrectRouteEntryStatus',
      routerType === 'VBR'
        ? 'VBR has NotStable route entry.'
        : routerType === 'VRouter'
          ? 'The vpc has NotStable routeEntry status.'
          : 'Specified routeEntry status error.',
    );
  }
}

/** Route table id unknown (in that region). */
export class InvalidRouteTableNotFound extends EmulatorApiError {
  constructor(_routeTableId: string) {
    super('InvalidRouteTableId.NotFound', 'Specified route table does not exist.', 404);
  }
}

/** Route entry unknown. Message UNCONFIRMED. */
export class InvalidRouteEntryNotFound extends EmulatorApiError {
  constructor(_ref: string) {
    super('InvalidRouteEntry.NotFound', 'Specified route entry does not exist.', 404);
  }
}

/** The destination CIDR block already has an entry in this route table (with another next hop). */
export class InvalidCidrBlockDuplicate extends EmulatorApiError {
  constructor(_cidr: string) {
    super('InvalidCIDRBlock.Duplicate', 'Specified CIDR block is already exists.');
  }
}

/** The same destination and next hop already exist (Terraform's duplicate code). Message UNCONFIRMED. */
export class RouterEntryConflictDuplicated extends EmulatorApiError {
  constructor(_cidr: string) {
    super('RouterEntryConflict.Duplicated', 'The route entry with the same destination CIDR block and next hop already exists.');
  }
}

/** Not parseable as a canonical IPv4 CIDR block. */
export class InvalidCidrBlockMalformed extends EmulatorApiError {
  constructor(_cidr: string) {
    super('InvalidCidrBlock.Malformed', 'Specified CIDR block is not valid.');
  }
}

/** A CIDR the table refuses: 100.64.0.0/10 (or a subset on vRouter tables), or inside a vSwitch. */
export class InvalidCidrBlock extends EmulatorApiError {
  constructor(_cidr: string) {
    super('InvalidCidrBlock', 'Specified CIDR block is not valid.');
  }
}

/** The table already holds its quota of custom route entries (200 by default). */
export class RouteEntryQuotaExceeded extends EmulatorApiError {
  constructor() {
    super('QuotaExceeded', 'Route entry quota exceeded in this route table.');
  }
}

/** The VBR is not `active`. */
export class InvalidVbrStatus extends EmulatorApiError {
  constructor() {
    super('InvalidVBRStatus', 'invalid virtual border router status.');
  }
}

/** The VBR's physical connection is not `Enabled` + `Normal`. */
export class InvalidPhysicalConnectionBusinessStatus extends EmulatorApiError {
  constructor() {
    super('InvalidPhysicalConnectionBusinessStatus', 'invalid physical connection business status.');
  }
}

/** `NextHopList` given for a VBR route table. */
export class InvalidRouterTypeForNextHopList extends EmulatorApiError {
  constructor() {
    super('InvalidRouterType', "Cannot specify nexthop list in vbr's route table.");
  }
}

/** Neither `NextHopType`/`NextHopId` nor `NextHopList`. */
export class NextHopTypeAndListBothNull extends EmulatorApiError {
  constructor() {
    super('InvalidNexthopTypeAndList.BothNull', 'both nexthopType and nextHopList are null.');
  }
}

/** Both `NextHopType`/`NextHopId` and `NextHopList`. */
export class NextHopTypeAndListBothNotNull extends EmulatorApiError {
  constructor() {
    super('InvalidNexthopTypeAndList.BothNotNull', 'both nexthopType and nextHopList are not null.');
  }
}

/** ECMP list too short or too long. */
export class InvalidNextHopListSize extends EmulatorApiError {
  constructor(min: number, max: number) {
    super('InvalidNexthopListSize', `nexthop size is illegal. Must be between ${min} and ${max}.`);
  }
}

/** ECMP weight outside 0..255. */
export class InvalidWeight extends EmulatorApiError {
  constructor() {
    super('INVALID_WEIGHT_PARAM', 'Specified value of weight invalid');
  }
}

/** The next hop does not exist (or is in another VPC / VBR). */
export class InvalidNextHopNotFound extends EmulatorApiError {
  constructor(_id: string) {
    super('InvalidNextHop.NotFound', 'Specified next hop does not exist.');
  }
}

/** `NextHopType` not one the API accepts. */
export class InvalidNextHopType extends EmulatorApiError {
  constructor() {
    super('InvalidNextHopType', 'Specified parameter "NextHopType" is not valid.');
  }
}

/** A router interface next hop that does not belong to the table's VBR/VPC. */
export class InvalidRouterInterface extends EmulatorApiError {
  constructor() {
    super('InvalidRouterInterface', 'invalid router interface.');
  }
}

/** ECMP next hops must be router interfaces whose opposite end is a VBR. */
export class EcmpRouterInterfaceType extends EmulatorApiError {
  constructor() {
    super('OperationUnsupported.InvalidRouterInterfaceType', 'Only vpc vbr interface support ecmp route.');
  }
}

/** The same next hop listed twice. */
export class DuplicatedVpcNextHop extends EmulatorApiError {
  constructor() {
    super('Duplicated.VpcNextHop', 'Route entry nexthop duplicate.');
  }
}

/** Router interface is not `Active` (or otherwise not usable for the change). */
export class IncorrectRouterInterfaceStatus extends EmulatorApiError {
  constructor() {
    super('IncorrectStatus.RouterInterface', 'The specified RouterInterface status is invalid.');
  }
}

/** `DryRun=true` and every check passed. */
export class DryRunOperation extends EmulatorApiError {
  constructor() {
    super('DryRunOperation', 'Request validation has been passed with DryRun flag set.');
  }
}

/** A `ClientToken` reused with different parameters. Code and message UNCONFIRMED (ECS uses this code). */
export class IdempotentParameterMismatch extends EmulatorApiError {
  constructor() {
    super('IdempotentParameterMismatch', 'The request uses the same client token as a previous, but non-identical request.');
  }
}

/** Generic "instance not found" (ECS, router interface, physical connection, CEN child). */
export class InvalidInstanceIdNotFound extends EmulatorApiError {
  constructor(_id: string) {
    super('InvalidInstanceId.NotFound', 'The specified instance does not exist.', 404);
  }
}

/** VBR id unknown. Message UNCONFIRMED. */
export class InvalidVbrIdNotFound extends EmulatorApiError {
  constructor(_id: string) {
    super('InvalidVbrId.NotFound', 'The specified virtual border router does not exist.', 404);
  }
}

/** VPC id unknown. */
export class InvalidVpcNotFound extends EmulatorApiError {
  constructor(_id: string) {
    super('InvalidVpc.NotFound', 'Specified vpc is not found in our record.', 404);
  }
}

/** Router interface id unknown. Message UNCONFIRMED. */
export class InvalidRouterInterfaceIdNotFound extends EmulatorApiError {
  constructor(_id: string) {
    super('InvalidRouterInterfaceId.NotFound', 'The specified router interface does not exist.', 404);
  }
}

/** Physical connection id unknown. Message UNCONFIRMED. */
export class InvalidPhysicalConnectionIdNotFound extends EmulatorApiError {
  constructor(_id: string) {
    super('InvalidPhysicalConnectionId.NotFound', 'The specified physical connection does not exist.', 404);
  }
}

/**
 * CEN instance id unknown, or the CEN of another account (invisible to the caller). Code/message
 * UNCONFIRMED (CBN reports `ParameterCenInstanceId`; the same code for a foreign CEN is assumed).
 */
export class CenInstanceNotFound extends EmulatorApiError {
  constructor(_id: string) {
    super('ParameterCenInstanceId', 'The specified CEN instance does not exist.', 404);
  }
}

/** The CEN (or one of its children) is in a transient state; retry later. Message UNCONFIRMED. */
export class OperationBlocking extends EmulatorApiError {
  constructor() {
    super('Operation.Blocking', 'The operation is blocked because the CEN instance or its child instance is being changed.');
  }
}

/** The CEN instance is not `Active`. Message UNCONFIRMED. */
export class InvalidCenInstanceStatus extends EmulatorApiError {
  constructor() {
    super('InvalidOperation.CenInstanceStatus', 'The operation is not allowed in the current status of the CEN instance.');
  }
}

/** The child instance is not in a state that allows the operation. Message UNCONFIRMED. */
export class InvalidChildInstanceStatus extends EmulatorApiError {
  constructor() {
    super('InvalidOperation.ChildInstanceStatus', 'The operation is not allowed in the current status of the child instance.');
  }
}

/**
 * The child instance is already attached (to this or another CEN). Code, message and 409 as in
 * the AttachCenChildInstance error table (help.aliyun.com, CBN 2017-09-12).
 */
export class ChildInstanceAlreadyAttached extends EmulatorApiError {
  constructor() {
    super('InvalidOperation.ChildInstanceAlreadyAttached', 'Operation is invalid because the child-instance has already been attached to another CEN.', 409);
  }
}

/**
 * Attaching a network of another account that has not granted this CEN (GrantInstanceToCen).
 * Code (with Alibaba's spelling "Forbbiden"), message and 409 as in the AttachCenChildInstance
 * error table.
 */
export class AttachChildInstanceAcrossUid extends EmulatorApiError {
  constructor() {
    super('Forbbiden.AttachChildInstanceAcrossUid', 'Operation is invalid because the child-instance is not authorized to CEN.', 409);
  }
}

/**
 * RevokeInstanceFromCen while the instance is still attached to that CEN. The real code for this
 * case is UNCONFIRMED (Terraform retries `IncorrectStatus` on revoke); the emulator uses it.
 */
export class GrantInUse extends EmulatorApiError {
  constructor(instanceId: string, cenId: string) {
    super('IncorrectStatus', `The instance ${instanceId} is still attached to ${cenId}; detach it before revoking the grant.`);
  }
}

/** The child instance is not attached to this CEN (detach/publish). Code as in alibaba-api.md §7. */
export class ChildInstanceNotAttached extends EmulatorApiError {
  constructor() {
    super('ParameterInstanceId', 'The specified child instance is not attached to the CEN instance.');
  }
}

/** VBR health check on a VBR that is not attached to the CEN. Message UNCONFIRMED. */
export class VbrNotAttachedToCen extends EmulatorApiError {
  constructor() {
    super('InvalidOperation.VbrNotAttachedToCen', 'The VBR is not attached to the CEN instance.');
  }
}

/** Withdrawing a route that is not published / not in the table. */
export class NotFoundRoute extends EmulatorApiError {
  constructor() {
    super('InvalidOperation.NotFoundRoute', 'The specified route entry is not found.');
  }
}

/** Publishing a route CEN cannot publish (system/BGP routes, or already published). UNCONFIRMED. */
export class PublishNotSupported extends EmulatorApiError {
  constructor() {
    super('InvalidOperation.RouteEntryNotSupport', 'The specified route entry cannot be published or withdrawn.');
  }
}

/** Forbidden.* family: the action is not allowed on this resource. Suffix per case. */
export class Forbidden extends EmulatorApiError {
  constructor(suffix: string, message: string) {
    super(`Forbidden.${suffix}`, message, 403);
  }
}

/** BGP network already advertised on this VBR. Code/message UNCONFIRMED. */
export class BgpNetworkExists extends EmulatorApiError {
  constructor() {
    super('InvalidDstCidrBlock.Exists', 'The specified BGP network already exists.');
  }
}

/** BGP network not found. Code/message UNCONFIRMED. */
export class BgpNetworkNotFound extends EmulatorApiError {
  constructor() {
    super('InvalidDstCidrBlock.NotFound', 'The specified BGP network does not exist.', 404);
  }
}

/** A transient state blocks the change (BGP network, router interface, VBR). Code from alibaba-api.md §7. */
export class IncorrectStatus extends EmulatorApiError {
  constructor(what: string) {
    super('IncorrectStatus', `The current status of the ${what} does not support this operation.`);
  }
}

/** Health-check source and target IPs must be given together. Message UNCONFIRMED. */
export class HealthCheckIpMismatch extends EmulatorApiError {
  constructor() {
    super('InvalidParameter.HealthCheckIp', 'HealthCheckSourceIp and HealthCheckTargetIp must be specified together.');
  }
}
