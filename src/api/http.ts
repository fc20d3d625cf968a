/**
 * HTTP plumbing of the API: JSON responses, the one mapping from `XcflowError.kind` to a status
 * code, and the error body `{ error: { code, message, field?, requestId? } }` every refusal uses.
 * Hono's pattern (one `onError`), with our error classes instead of an HTTP exception type.
 */
import { XcflowError, type ErrorKind } from '../errors.ts';

/** Status code of each error kind. */
export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  internal: 500,
  cloud_permanent: 502,
  cloud_transient: 503,
};

/**
 * Errors raised by the HTTP layer itself whose status is not implied by their kind
 * (405, 413, 415). Their `kind` stays `validation`, so code that only knows kinds still
 * classifies them as a caller's mistake.
 */
export class HttpError extends XcflowError {
  override readonly kind = 'validation' as const;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, details: { code: string; field?: string; headers?: Record<string, string> }) {
    super(message, { code: details.code, ...(details.field ? { field: details.field } : {}) });
    this.status = status;
    this.headers = details.headers ?? {};
  }
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    /** The request field the error is about (`params.routeTable`, `body`, `limit`…). */
    field?: string;
    /** Alibaba Cloud RequestId of the failed cloud call, when there is one. */
    requestId?: string;
  };
}

/** A JSON response with `content-type: application/json`. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** What an error means over HTTP: status, body and extra headers. Unknown errors are internal. */
export function describeError(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof HttpError) {
    return { status: err.status, body: bodyOf(err), headers: err.headers };
  }
  if (err instanceof XcflowError) {
    const status = STATUS_OF_KIND[err.kind] ?? 500;
    const headers: Record<string, string> = {};
    if (err.kind === 'unauthorized') headers['www-authenticate'] = 'Bearer realm="xcflow"';
    if (err.kind === 'cloud_transient') headers['retry-after'] = '5';
    if (status === 500) return { status, body: { error: { code: err.code, message: 'internal error' } }, headers };
    return { status, body: bodyOf(err), headers };
  }
  return { status: 500, body: { error: { code: 'InternalError', message: 'internal error' } }, headers: {} };
}

function bodyOf(err: XcflowError): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.field ? { field: err.field } : {}),
      ...(err.requestId ? { requestId: err.requestId } : {}),
    },
  };
}

/** The error answer for `err`. */
export function errorResponse(err: unknown, extraHeaders: Record<string, string> = {}): Response {
  const { status, body, headers } = describeError(err);
  return json(status, body, { ...headers, ...extraHeaders });
}
