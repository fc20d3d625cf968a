/**
 * The two paging styles of the APIs we emulate: `PageNumber`/`PageSize` with `TotalCount`
 * (most Describe actions), and `MaxResult(s)`/`NextToken` (DescribeRouteEntryList,
 * DescribeInvocations, DescribeInvocationResults). See alibaba-api.md §4–6.
 */
import { invalidParameter } from './errors.ts';
import type { RpcParams } from './params.ts';

/** Limits for PageNumber/PageSize paging. */
export interface PageSizeLimits {
  readonly defaultSize?: number;
  readonly maxSize?: number;
}

/** One page of a PageNumber/PageSize listing, with the fields the response echoes. */
export interface NumberedPage<T> {
  readonly items: T[];
  readonly PageNumber: number;
  readonly PageSize: number;
  readonly TotalCount: number;
}

/**
 * Cuts `PageNumber` (1-based, default 1) of size `PageSize` (default 10, max 50 unless told)
 * out of `items`. @throws RpcError `InvalidParameter` for out-of-range values
 */
export function pageByNumber<T>(items: readonly T[], params: RpcParams, limits: PageSizeLimits = {}): NumberedPage<T> {
  const maxSize = limits.maxSize ?? 50;
  const pageSize = params.int('PageSize', { min: 1, max: maxSize }) ?? limits.defaultSize ?? 10;
  const pageNumber = params.int('PageNumber', { min: 1 }) ?? 1;
  const start = (pageNumber - 1) * pageSize;
  return {
    items: items.slice(start, start + pageSize),
    PageNumber: pageNumber,
    PageSize: pageSize,
    TotalCount: items.length,
  };
}

/** Limits and parameter name for MaxResult(s)/NextToken paging. */
export interface TokenPageLimits {
  /** `MaxResult` (VPC DescribeRouteEntryList) or `MaxResults` (ECS). */
  readonly sizeParam: 'MaxResult' | 'MaxResults';
  readonly defaultSize: number;
  readonly maxSize: number;
}

/** One page of a NextToken listing. `NextToken` is empty on the last page. */
export interface TokenPage<T> {
  readonly items: T[];
  readonly NextToken: string;
  readonly size: number;
}

const TOKEN_PREFIX = 'xcflow-emu:';

/**
 * Cuts the page that starts at `NextToken` (opaque; empty = from the start). The token encodes
 * the offset into the listing as the filters select it, so a caller must repeat the same filters.
 * @throws RpcError `InvalidParameter` for a token this emulator did not issue
 */
export function pageByToken<T>(items: readonly T[], params: RpcParams, limits: TokenPageLimits): TokenPage<T> {
  const size = params.int(limits.sizeParam, { min: 1, max: limits.maxSize }) ?? limits.defaultSize;
  const token = params.string('NextToken');
  const start = token === undefined ? 0 : decodeToken(token);
  const end = start + size;
  return {
    items: items.slice(start, end),
    NextToken: end < items.length ? encodeToken(end) : '',
    size,
  };
}

function encodeToken(offset: number): string {
  return Buffer.from(`${TOKEN_PREFIX}${offset}`, 'utf8').toString('base64url');
}

function decodeToken(token: string): number {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith(TOKEN_PREFIX)) throw invalidParameter('NextToken');
  const offset = Number(text.slice(TOKEN_PREFIX.length));
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalidParameter('NextToken');
  return offset;
}
