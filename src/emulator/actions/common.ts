/**
 * Wire helpers shared by the per-product action modules: required `RegionId`, both paging
 * styles in one call, output encoding, and the `{ List: { Item: [...] } }` nesting Alibaba's
 * JSON uses for arrays.
 */
import { invalidParameter } from '../rpc/errors.ts';
import { pageByNumber, pageByToken } from '../rpc/paging.ts';
import type { RpcParams } from '../rpc/params.ts';
import type { ActionContext } from '../rpc/types.ts';
import type { NetworkModel } from '../model/network.ts';

/** The account a call acts for: its AccessKey pair's, or the model's default account. */
export function callerOf(model: NetworkModel, ctx: ActionContext): string {
  return ctx.accountId === '' ? model.accountId : ctx.accountId;
}

/** `{ [outer]: { [inner]: items } }`, e.g. `RouteEntrys.RouteEntry[]`. */
export function nest<T>(outer: string, inner: string, items: readonly T[]): Record<string, { [k: string]: readonly T[] }> {
  return { [outer]: { [inner]: items } };
}

/** One page in whichever style the caller used, with every paging field the response carries. */
export interface EitherPage<T> {
  readonly items: T[];
  readonly fields: { TotalCount: number; PageNumber: number; PageSize: number; NextToken: string };
}

/**
 * ECS-style paging: `MaxResults`/`NextToken` when either is given, else `PageNumber`/`PageSize`.
 * The response always carries TotalCount, PageNumber, PageSize and NextToken.
 */
export function pageEither<T>(items: readonly T[], params: RpcParams, limits: { maxSize: number; defaultSize: number }): EitherPage<T> {
  if (params.has('MaxResults') || params.has('NextToken')) {
    const page = pageByToken(items, params, { sizeParam: 'MaxResults', maxSize: limits.maxSize, defaultSize: limits.defaultSize });
    return { items: page.items, fields: { TotalCount: items.length, PageNumber: 1, PageSize: page.size, NextToken: page.NextToken } };
  }
  const page = pageByNumber(items, params, limits);
  // Page-number callers get an empty NextToken: the token style is opt-in.
  return { items: page.items, fields: { TotalCount: page.TotalCount, PageNumber: page.PageNumber, PageSize: page.PageSize, NextToken: '' } };
}

/** `PlainText` or `Base64` (default as given). @throws RpcError `InvalidParameter` */
export function contentEncoding(params: RpcParams, fallback: 'PlainText' | 'Base64'): 'PlainText' | 'Base64' {
  const v = params.string('ContentEncoding');
  if (v === undefined) return fallback;
  // The API documents the two values; it accepts them case-insensitively (UNCONFIRMED).
  if (v.toLowerCase() === 'plaintext') return 'PlainText';
  if (v.toLowerCase() === 'base64') return 'Base64';
  throw invalidParameter('ContentEncoding', 'Valid values: PlainText, Base64.');
}

/** UTF-8 text as Base64. */
export function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** `true` / `false` as the JSON booleans Alibaba sends. */
export function flag(v: boolean | undefined): boolean {
  return v === true;
}
