/**
 * Reading Alibaba's PascalCase answers and paging through lists. Answers are JSON parsed by
 * json-bigint, so large integers arrive as BigNumber objects and nested lists as
 * `{ Outer: { Inner: [...] } }`; these helpers read both defensively so that domain converters
 * stay one line per field.
 */
import { createHash } from 'node:crypto';
import { isCloudErrorClass } from './errors.ts';
import type { RpcCall, WireParams } from './rpc.ts';
import type { CloudFilter } from './types.ts';

/** A JSON object of an answer, fields still PascalCase. */
export type WireObject = { [key: string]: unknown };

function isObject(v: unknown): v is WireObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// json-bigint's BigNumber: an object whose toString() gives the digits.
function isBigNumber(v: unknown): v is { toString(): string } {
  return isObject(v) && typeof (v as { toFixed?: unknown }).toFixed === 'function';
}

/** The object at `key`, or an empty object. */
export function wireObject(o: unknown, key: string): WireObject {
  const v = isObject(o) ? o[key] : undefined;
  return isObject(v) && !isBigNumber(v) ? v : {};
}

/**
 * The list at `o[outer][inner]` (Alibaba's `RouteEntrys.RouteEntry[]` nesting). A single object
 * where a list is expected is read as a one-element list; anything missing is an empty list.
 */
export function wireList(o: unknown, outer: string, inner: string): WireObject[] {
  const v = wireObject(o, outer)[inner];
  if (Array.isArray(v)) return v.filter(isObject);
  return isObject(v) ? [v] : [];
}

/** Strings at `o[outer][inner]` (e.g. `VSwitchIds.VSwitchId[]`). */
export function wireStringList(o: unknown, outer: string, inner: string): string[] {
  const v = wireObject(o, outer)[inner];
  const arr = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return arr.map(toStr).filter((s): s is string => s !== undefined);
}

function toStr(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isBigNumber(v)) return v.toString();
  return undefined;
}

/** The string at `key`; numbers are given as text; missing or empty → `undefined`. */
export function optString(o: unknown, key: string): string | undefined {
  const s = toStr(isObject(o) ? o[key] : undefined);
  return s === '' ? undefined : s;
}

/** The string at `key`, or `''` when missing. */
export function wireString(o: unknown, key: string): string {
  return optString(o, key) ?? '';
}

/** The number at `key` (numeric text accepted), or `undefined`. */
export function optNumber(o: unknown, key: string): number | undefined {
  const v = isObject(o) ? o[key] : undefined;
  if (typeof v === 'number') return v;
  const s = toStr(v);
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** The boolean at `key`: `true`/`false` in any case, `1`/`0`; otherwise `undefined`. */
export function optBoolean(o: unknown, key: string): boolean | undefined {
  const v = isObject(o) ? o[key] : undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const t = v.toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
  }
  return undefined;
}

/** The `RequestId` of an answer (`''` when absent). */
export function requestIdOf(body: unknown): string {
  return wireString(body, 'RequestId');
}

/**
 * Alibaba accepts a `ClientToken` of at most 64 ASCII characters. Longer or non-ASCII keys (an
 * engine idempotency key can be longer) are replaced by their SHA-256 hex digest — stable, so
 * retries still carry the same token.
 */
export function normalizeClientToken(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  if (token.length <= 64 && /^[\x20-\x7e]+$/.test(token)) return token;
  return createHash('sha256').update(token).digest('hex');
}

/** One page by number (`PageNumber` from 1, `PageSize` up to the action's maximum). */
export interface PageRequest {
  pageNumber: number;
  pageSize?: number;
}

/** One page by token (`NextToken` from the previous page, `MaxResults`/`MaxResult` per page). */
export interface TokenPageRequest {
  nextToken?: string;
  maxResults?: number;
}

/** One page of a list. `nextToken` (token lists) or `totalCount` (numbered lists) say what is left. */
export interface Paged<T> {
  items: T[];
  totalCount?: number;
  pageNumber?: number;
  pageSize?: number;
  /** Present when more items follow (token lists). */
  nextToken?: string;
}

// A runaway server that never ends a list must not hang a step.
const MAX_PAGES = 10_000;

/** Fetches numbered pages until a short or empty page, or `totalCount` items are collected. */
export async function collectNumbered<T>(
  pageSize: number,
  fetchPage: (pageNumber: number, pageSize: number) => Promise<Paged<T>>,
): Promise<T[]> {
  const all: T[] = [];
  for (let pageNumber = 1; pageNumber <= MAX_PAGES; pageNumber++) {
    const page = await fetchPage(pageNumber, pageSize);
    all.push(...page.items);
    if (page.items.length === 0 || page.items.length < pageSize) break;
    if (page.totalCount !== undefined && all.length >= page.totalCount) break;
  }
  return all;
}

/** Fetches token pages until an answer has no `NextToken` (or repeats the last one). */
export async function collectTokens<T>(
  maxResults: number,
  fetchPage: (nextToken: string | undefined, maxResults: number) => Promise<Paged<T>>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await fetchPage(token, maxResults);
    all.push(...page.items);
    if (!page.nextToken || page.nextToken === token) break;
    token = page.nextToken;
  }
  return all;
}

/** Builds `Filter.N` from convenience fields (in order) and raw filters. */
export function buildFilters(pairs: Array<[string, string | string[] | undefined]>, raw: CloudFilter[] = []): WireParams[] {
  const out: WireParams[] = [];
  for (const [key, value] of pairs) {
    if (value === undefined) continue;
    out.push({ Key: key, Value: Array.isArray(value) ? value : [value] });
  }
  for (const f of raw) out.push({ Key: f.key, Value: f.values });
  return out;
}

/** A reader of one wire field: {@link wireString}, {@link optString}, {@link optNumber}, {@link optBoolean}. */
export type WireReader<V> = (o: unknown, key: string) => V;

/** The object {@link wireFields} builds: fields whose reader may give `undefined` are optional. */
export type WireFields<R extends Record<string, WireReader<unknown>>> = {
  [K in keyof R as undefined extends ReturnType<R[K]> ? never : K]: ReturnType<R[K]>;
} & {
  [K in keyof R as undefined extends ReturnType<R[K]> ? K : never]?: Exclude<ReturnType<R[K]>, undefined>;
};

/**
 * The domain fields of a wire object, each read with its reader from the same name in PascalCase
 * (`vpcId` ← `VpcId`, `vSwitchId` ← `VSwitchId`), in the order given; a missing value leaves its
 * field out (JSON-clean, like {@link opt}). A field whose wire name is spelled otherwise
 * (`osType` ← `OSType`) or that has a fallback is read by hand beside it.
 */
export function wireFields<R extends Record<string, WireReader<unknown>>>(o: unknown, readers: R): WireFields<R> {
  const out: Record<string, unknown> = {};
  for (const [field, read] of Object.entries(readers)) {
    const value = read(o, field.charAt(0).toUpperCase() + field.slice(1));
    if (value !== undefined) out[field] = value;
  }
  return out as WireFields<R>;
}

/** `{ [key]: value }` when value is defined, else `{}` — keeps domain objects free of `undefined` keys (JSON-clean). */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Wraps one numbered page, reading `PageNumber`/`PageSize`/`TotalCount` from the answer. */
export function numberedPage<T>(body: unknown, items: T[], pageNumber: number, pageSize: number): Paged<T> {
  return {
    items,
    pageNumber: optNumber(body, 'PageNumber') ?? pageNumber,
    pageSize: optNumber(body, 'PageSize') ?? pageSize,
    ...opt('totalCount', optNumber(body, 'TotalCount')),
  };
}

/** Runs a numbered list: one page when asked, else every page. */
export async function listNumbered<T>(
  page: PageRequest | undefined,
  maxPageSize: number,
  fetchPage: (pageNumber: number, pageSize: number) => Promise<Paged<T>>,
): Promise<T[] | Paged<T>> {
  if (page) return fetchPage(page.pageNumber, Math.min(page.pageSize ?? maxPageSize, maxPageSize));
  return collectNumbered(maxPageSize, fetchPage);
}

/**
 * A numbered Describe action: `params` plus `PageNumber` / `PageSize`, one page when `page` is
 * given (at most `maxPageSize` items), else every page. Each answer's items are read at
 * `body[outer][inner]` and converted by `convert`.
 */
export function describeNumbered<T>(
  call: RpcCall,
  action: string,
  params: WireParams,
  items: { outer: string; inner: string; convert: (w: WireObject) => T },
  page: PageRequest | undefined,
  maxPageSize: number,
): Promise<T[] | Paged<T>> {
  return listNumbered(page, maxPageSize, async (pageNumber, pageSize) => {
    const body = await call(action, { ...params, PageNumber: pageNumber, PageSize: pageSize });
    return numberedPage(body, wireList(body, items.outer, items.inner).map((w) => items.convert(w)), pageNumber, pageSize);
  });
}

/** Runs a token list: one page when asked, else every page. */
export async function listTokens<T>(
  page: TokenPageRequest | undefined,
  maxResults: number,
  fetchPage: (nextToken: string | undefined, maxResults: number) => Promise<Paged<T>>,
): Promise<T[] | Paged<T>> {
  if (page) return fetchPage(page.nextToken, Math.min(page.maxResults ?? maxResults, maxResults));
  return collectTokens(maxResults, fetchPage);
}

/** Runs a write that may be a dry run; `DryRunOperation` means it would have succeeded. */
export async function dryRunnable(
  call: RpcCall,
  action: string,
  params: WireParams,
  dryRun: boolean | undefined,
): Promise<{ body: Record<string, unknown>; dryRun: boolean }> {
  try {
    return { body: await call(action, { ...params, ...(dryRun ? { DryRun: true } : {}) }), dryRun: false };
  } catch (err) {
    if (dryRun && isCloudErrorClass(err, 'dry_run')) {
      return { body: { RequestId: err.requestId ?? '' }, dryRun: true };
    }
    throw err;
  }
}

