/**
 * Errors the POP gateway itself answers with (signature, parameters, throttling, dry run).
 * Each carries the exact Alibaba `Code`, the message wording the real gateway uses and an
 * HTTP status. pop-core ignores the status and throws on `Code` (alibaba-api.md §3), so the
 * status is a best effort: the exact status per code is UNCONFIRMED (§2).
 */

import { DryRunOperation, EmulatorApiError, IdempotentParameterMismatch, TaskConflict } from '../errors.ts';

/**
 * An error of the gateway layer, answered as `{RequestId, HostId, Code, Message, Recommend}`.
 * Same shape as the model's errors (`EmulatorApiError`), so the gateway serializes both alike.
 */
export class RpcError extends EmulatorApiError {
  constructor(code: string, message: string, httpStatus = 400) {
    super(code, message, httpStatus);
    this.name = 'RpcError';
  }
}

/** `SignatureDoesNotMatch`: the gateway echoes its own StringToSign so a client can compare. */
export function signatureDoesNotMatch(serverStringToSign: string): RpcError {
  return new RpcError(
    'SignatureDoesNotMatch',
    `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}`,
    400,
  );
}

/** `InvalidAccessKeyId.NotFound`: the AccessKeyId is not one the emulator accepts. */
export function accessKeyNotFound(): RpcError {
  return new RpcError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404);
}

/** `SignatureNonceUsed`: the nonce was seen within the replay window. */
export function signatureNonceUsed(): RpcError {
  return new RpcError('SignatureNonceUsed', 'Specified signature nonce was used already.', 400);
}

/** `InvalidTimeStamp.Expired`: the request timestamp is more than 15 minutes off. */
export function timestampExpired(timestamp: string, serverTime: string): RpcError {
  return new RpcError(
    'InvalidTimeStamp.Expired',
    `Specified time stamp or date value is expired. Timestamp ${timestamp}, server time ${serverTime}.`,
    400,
  );
}

/** `InvalidTimeStamp.Format`: the timestamp is not `YYYY-MM-DDThh:mm:ssZ`. */
export function timestampMalformed(): RpcError {
  return new RpcError('InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.', 400);
}

/** `InvalidAction.NotFound`: no such action in the product chosen by `Version`. */
export function actionNotFound(): RpcError {
  return new RpcError('InvalidAction.NotFound', 'Specified api is not found, please check your url and method.', 404);
}

/** `InvalidVersion`: no product answers to this `Version`. */
export function invalidVersion(): RpcError {
  return new RpcError('InvalidVersion', 'Specified parameter Version is not valid.', 400);
}

/** `UnsupportedSignatureMethod` / `UnsupportedSignatureVersion` (codes UNCONFIRMED). */
export function unsupportedSignature(param: 'SignatureMethod' | 'SignatureVersion', value: string): RpcError {
  return new RpcError(`Unsupported${param}`, `Specified ${param} "${value}" is not supported.`, 400);
}

/**
 * A common (gateway) parameter is missing: `MissingParameter` with the gateway's wording
 * ("The input parameter "X" that is mandatory for processing this request is not supplied.").
 */
export function missingCommonParameter(name: string): RpcError {
  return new RpcError(
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    400,
  );
}

/**
 * A required action parameter is missing: the POP gateway answers `Missing<Name>` with
 * "<Name> is mandatory for this action." (e.g. `MissingRouteTableId`).
 */
export function missingParameter(name: string): RpcError {
  return new RpcError(`Missing${name.replace(/\./g, '')}`, `${name} is mandatory for this action.`, 400);
}

/** `InvalidParameter`: a value has the wrong type, range or format. */
export function invalidParameter(name: string, why?: string): RpcError {
  return new RpcError(
    'InvalidParameter',
    `The specified parameter "${name}" is not valid.${why ? ` ${why}` : ''}`,
    400,
  );
}

/** `DryRunOperation`: a `DryRun=true` request that would have succeeded. */
export function dryRunOperation(): EmulatorApiError {
  return new DryRunOperation();
}

/** `IdempotentParameterMismatch`: a ClientToken reused with different parameters. */
export function idempotentParameterMismatch(): EmulatorApiError {
  return new IdempotentParameterMismatch();
}

/** `Throttling.User` (injected by the fault layer). */
export function throttlingUser(): RpcError {
  return new RpcError('Throttling.User', 'Request was denied due to user flow control.', 400);
}

/** `ServiceUnavailable` (injected by the fault layer). */
export function serviceUnavailable(): RpcError {
  return new RpcError('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.', 503);
}

/** `TaskConflict` as the VPC API words it. */
export function taskConflict(): EmulatorApiError {
  return new TaskConflict();
}

/** `InternalError`: anything the emulator did not expect. */
export function internalError(): RpcError {
  return new RpcError(
    'InternalError',
    'The request processing has failed due to some unknown error, exception or failure.',
    500,
  );
}
