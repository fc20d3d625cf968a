/**
 * The CLI's client of the HTTP API: one JSON request per call, errors turned into `ApiError`
 * (the API's `{error: {code, message, field}}` and the HTTP status) or `UnreachableError`.
 */
import type { JsonObject } from '../engine/types.ts';

/** The API answered with an error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API could not be reached (connection refused, DNS, timeout, not JSON). */
export class UnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnreachableError';
  }
}

/** Where the API is and who calls it. */
export interface ClientOptions {
  url: string;
  token?: string;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
}

/** A client of one API. */
export class ApiClient {
  readonly base: string;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
  }

  /**
   * Sends one request.
   * @throws ApiError for error answers; UnreachableError when there is no usable answer.
   */
  async request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<JsonObject> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new UnreachableError(`cannot reach the xcflow API at ${this.base}: ${why}`, { cause: err });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : {};
    } catch {
      throw new UnreachableError(`${this.base}${path} answered ${res.status} with something that is not JSON (is this an xcflow API URL?)`);
    }
    const obj = (parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}) as JsonObject;
    if (!res.ok) {
      const e = (obj.error ?? {}) as JsonObject;
      const code = typeof e.code === 'string' ? e.code : `Http${res.status}`;
      const message = typeof e.message === 'string' ? e.message : `HTTP ${res.status}`;
      if (code === 'ServerMisconfigured') throw new UnreachableError(message);
      throw new ApiError(
        res.status,
        code,
        message,
        typeof e.field === 'string' ? e.field : undefined,
        typeof e.requestId === 'string' ? e.requestId : undefined,
      );
    }
    return obj;
  }
}
