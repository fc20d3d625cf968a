/**
 * Error classes shared by every part of xcflow. Errors are values a user can act on:
 * each kind has a stable `code`, says whether retrying can help, and keeps the cloud's
 * RequestId when there is one.
 */

/** What kind of failure this is; the HTTP API maps it to a status code. */
export type ErrorKind =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'cloud_transient'
  | 'cloud_permanent'
  | 'internal';

export interface ErrorDetails {
  /** Stable machine-readable code, e.g. `InvalidCidr`, `TaskConflict`. */
  code: string;
  /** The request field or resource the error is about, when there is one. */
  field?: string;
  /** Alibaba Cloud RequestId of the failed call, when there is one. */
  requestId?: string;
  cause?: unknown;
}

/** Base of every error xcflow raises on purpose. */
export class XcflowError extends Error {
  readonly kind: ErrorKind = 'internal';
  readonly code: string;
  readonly field?: string;
  readonly requestId?: string;
  /** Whether running the same thing again later can succeed. */
  readonly retryable: boolean = false;

  constructor(message: string, details: ErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code;
    this.field = details.field;
    this.requestId = details.requestId;
  }

  /** Plain JSON form, safe to persist in a journal or send over HTTP. */
  toJSON(): SerializedError {
    return {
      name: this.name,
      kind: this.kind,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.field ? { field: this.field } : {}),
      ...(this.requestId ? { requestId: this.requestId } : {}),
    };
  }
}

/** Bad input: an invalid CIDR, an unknown field, a plan that would cut traffic. Nothing was changed. */
export class ValidationError extends XcflowError {
  override readonly kind = 'validation' as const;
}

/** A named resource (execution, VBR, route table…) does not exist. */
export class NotFoundError extends XcflowError {
  override readonly kind = 'not_found' as const;
}

/** The request conflicts with current state: a held lock, a stale sequence number, a decided approval. */
export class ConflictError extends XcflowError {
  override readonly kind = 'conflict' as const;
}

/** No or bad credentials. */
export class UnauthorizedError extends XcflowError {
  override readonly kind = 'unauthorized' as const;
}

/** Credentials are good but the principal's roles do not allow the action. */
export class ForbiddenError extends XcflowError {
  override readonly kind = 'forbidden' as const;
}

/** A cloud call failed in a way that retrying later can fix (throttling, TaskConflict, 5xx…). */
export class CloudTransientError extends XcflowError {
  override readonly kind = 'cloud_transient' as const;
  override readonly retryable = true;
}

/** A cloud call failed for good (bad parameter, quota, permission). */
export class CloudPermanentError extends XcflowError {
  override readonly kind = 'cloud_permanent' as const;
}

/** JSON shape of an error, as persisted in journals and returned by the API. */
export interface SerializedError {
  name: string;
  kind: ErrorKind;
  code: string;
  message: string;
  retryable: boolean;
  field?: string;
  requestId?: string;
}

/** Turns anything thrown into its JSON form; unknown errors become `internal`. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof XcflowError) return err.toJSON();
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, kind: 'internal', code: 'InternalError', message: e.message, retryable: false };
}
