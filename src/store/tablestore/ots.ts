/**
 * A thin wrapper over the `tablestore` SDK (5.6.5) for the store backend: one place that turns the
 * SDK's errors into xcflow errors, retries what is safe to retry, and converts cell values.
 *
 * Why error parsing is unusual: in 5.6.5 the SDK's error parser calls an undefined
 * `TableStore.XML.Parser` and falls back to `err.code = <HTTP status>` (a number) with the raw
 * protobuf `Error{code,message}` bytes inside `err.message` (shared/reference/
 * fc-serverless-devs-tablestore.md §0.2). So the service code (`OTSConditionCheckFail`…) is found by
 * pattern in the message; a future SDK that sets `err.code` to the string is handled too.
 */
import TableStore, { type AttributeValue, type Int64LE, type Row } from 'tablestore';
import { CloudPermanentError, CloudTransientError, XcflowError } from '../../errors.ts';

export { TableStore };

/** A service or transport failure, as far as it can be read from what the SDK throws. */
export interface OtsFailure {
  /** HTTP status, when the service answered. */
  status?: number;
  /** `OTS…` service code, or the SDK's transport code (`NetworkingError`, `TimeoutError`). */
  code: string;
  message: string;
  requestId?: string;
}

const CODE_RE = /OTS[A-Za-z]+/;
const REQUEST_ID_RE = /requestId:([0-9A-Za-z-]+)/;

/** Reads the service code, status and RequestId out of whatever the SDK threw. */
export function describeOtsError(err: unknown): OtsFailure {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; headers?: Record<string, unknown> };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const header = e.headers?.['x-ots-requestid'] ?? e.headers?.['x-ots-request-id'];
  const requestId = typeof header === 'string' ? header : REQUEST_ID_RE.exec(message)?.[1];
  if (typeof e.code === 'string' && e.code.length > 0) {
    return { code: e.code, message: readableMessage(message), ...(requestId ? { requestId } : {}) };
  }
  const status = typeof e.code === 'number' ? e.code : undefined;
  const parsed = parseErrorBody(message);
  const code = parsed?.code ?? CODE_RE.exec(message)?.[0] ?? (status !== undefined ? `HTTP${status}` : 'UnknownError');
  const text = parsed?.message ?? readableMessage(message);
  return { ...(status !== undefined ? { status } : {}), code, message: text, ...(requestId ? { requestId } : {}) };
}

function readVarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 4 && at + i < buf.length; i += 1) {
    const b = buf[at + i] ?? 0;
    value |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return undefined;
}

/**
 * Decodes `main.proto.Error{1: code, 2: message}` from the SDK's message text (the body read as
 * UTF-8, then " requestId:…"). Returns undefined when the text is not such a body.
 */
function parseErrorBody(text: string): { code: string; message?: string } | undefined {
  const cut = text.lastIndexOf(' requestId:');
  const buf = Buffer.from(cut >= 0 ? text.slice(0, cut) : text, 'utf8');
  if (buf[0] !== 0x0a) return undefined;
  const codeLen = readVarint(buf, 1);
  if (!codeLen || codeLen.next + codeLen.value > buf.length) return undefined;
  const code = buf.subarray(codeLen.next, codeLen.next + codeLen.value).toString('utf8');
  if (!CODE_RE.test(code)) return undefined;
  let at = codeLen.next + codeLen.value;
  if (at === buf.length) return { code };
  if (buf[at] !== 0x12) return undefined;
  const msgLen = readVarint(buf, at + 1);
  if (!msgLen || msgLen.next + msgLen.value !== buf.length) return { code };
  at = msgLen.next;
  return { code, message: buf.subarray(at, at + msgLen.value).toString('utf8') };
}

// Fallback when the body did not parse: keep the printable part for humans.
function readableMessage(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\ufffd]+/g, ' ').trim();
}

/** Whether the SDK error is a failed row-existence or column condition. */
export function isConditionFailure(err: unknown): boolean {
  if (err instanceof XcflowError) return err.code === 'OTSConditionCheckFail';
  return describeOtsError(err).code === 'OTSConditionCheckFail';
}

// Errors after which the service has not applied the request: safe to retry any operation.
const NOT_APPLIED = new Set([
  'OTSTableNotReady',
  'OTSServerBusy',
  'OTSNotEnoughCapacityUnit',
  'OTSOperationThrottled',
  'OTSPartitionUnavailable',
  'OTSRowOperationConflict',
  'OTSCapacityUnitExhausted',
]);
// Errors where a write may or may not have been applied: retried for reads only.
const AMBIGUOUS = new Set(['OTSTimeout', 'OTSInternalServerError', 'OTSServerUnavailable', 'NetworkingError', 'TimeoutError']);

function isNotApplied(f: OtsFailure): boolean {
  return NOT_APPLIED.has(f.code) || (f.code === 'OTSQuotaExhausted' && f.message.includes('Too frequent table operations'));
}

function isAmbiguous(f: OtsFailure): boolean {
  return AMBIGUOUS.has(f.code) || (f.status !== undefined && f.status >= 500);
}

/** Converts an SDK error to an xcflow error (transient ones retryable), keeping the RequestId. */
export function toXcflowError(err: unknown, operation: string): XcflowError {
  if (err instanceof XcflowError) return err;
  const f = describeOtsError(err);
  const details = { code: f.code, cause: err, ...(f.requestId ? { requestId: f.requestId } : {}) };
  const message = `Tablestore ${operation} failed: ${f.code}${f.status ? ` (HTTP ${f.status})` : ''}: ${f.message}`;
  return isNotApplied(f) || isAmbiguous(f) ? new CloudTransientError(message, details) : new CloudPermanentError(message, details);
}

/** Retry settings for requests the service did not apply (full-jitter exponential back-off). */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** How long to keep retrying `OTSTableNotReady` (a table just created may need many seconds). */
  tableNotReadyMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 50, maxMs: 1000, tableNotReadyMs: 60_000 };

/**
 * Runs one SDK call. Retries errors after which nothing was applied (a new table's
 * `OTSTableNotReady`, throttling) and, for reads, also ambiguous ones (timeouts, 5xx); anything else
 * is thrown as a `CloudTransientError`/`CloudPermanentError` whose `code` is the service code.
 */
export async function callOts<T>(operation: string, kind: 'read' | 'write', policy: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      const f = describeOtsError(err);
      const retryable = isNotApplied(f) || (kind === 'read' && isAmbiguous(f));
      const budgetLeft = f.code === 'OTSTableNotReady' ? Date.now() - started < policy.tableNotReadyMs : attempt < policy.attempts;
      if (!retryable || !budgetLeft) throw toXcflowError(err, operation);
      const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
    }
  }
}

/** An INTEGER cell value (a JS number would be stored as DOUBLE). */
export function long(n: number): Int64LE {
  return TableStore.Long.fromNumber(n);
}

function isInt64(v: unknown): v is Int64LE {
  return typeof v === 'object' && v !== null && typeof (v as { toNumber?: unknown }).toNumber === 'function' && !Buffer.isBuffer(v);
}

/** A row's attribute columns by name (the latest version of each). */
export function attributes(row: Row | undefined): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  for (const a of row?.attributes ?? []) out.set(a.columnName, a.columnValue);
  return out;
}

/** A row's primary key by column name. */
export function primaryKey(row: { primaryKey?: Row['primaryKey'] | null } | undefined): Map<string, string | number> {
  const out = new Map<string, string | number>();
  for (const p of row?.primaryKey ?? []) out.set(p.name, isInt64(p.value) ? p.value.toNumber() : Buffer.isBuffer(p.value) ? p.value.toString('utf8') : p.value);
  return out;
}

/** Whether GetRow found a row (the SDK returns `{}` when it did not). */
export function rowExists(row: Row | undefined): boolean {
  return !!row && Array.isArray(row.primaryKey) && row.primaryKey.length > 0;
}

/** Reads an INTEGER cell as a number; undefined when absent or of another type. */
export function intValue(v: AttributeValue | undefined): number | undefined {
  if (isInt64(v)) return v.toNumber();
  return typeof v === 'number' ? v : undefined;
}

/** Reads a STRING cell; undefined when absent or of another type. */
export function stringValue(v: AttributeValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
