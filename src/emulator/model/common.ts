/**
 * Helpers shared by the sub-models: paging as the Describe* calls do it, parameter checks that
 * throw the Alibaba codes, and the router-interface health verdict the route views and the data
 * plane both need.
 */
import { isCidr, parseCidr, parseIpv4, formatCidr, type Cidr } from '../../net/index.ts';
import { InvalidCidrBlockMalformed, InvalidParameter, MissingParameter } from '../errors.ts';
import type { ModelCore } from './store.ts';
import type { Page, PageParams, TokenPage } from './types.ts';

/** Page-number paging (`PageNumber` from 1, `PageSize` default 10, capped at `max`). */
export function paginate<T>(items: readonly T[], p: PageParams, max = 50, defaultSize = 10): Page<T> {
  const pageSize = clampInt(p.pageSize ?? defaultSize, 1, max, 'PageSize');
  const pageNumber = clampInt(p.pageNumber ?? 1, 1, Number.MAX_SAFE_INTEGER, 'PageNumber');
  const start = (pageNumber - 1) * pageSize;
  return { items: items.slice(start, start + pageSize), totalCount: items.length, pageNumber, pageSize };
}

/** Offset a `NextToken` stands for (0 without one). @throws InvalidParameter for a token not ours */
export function tokenStart(nextToken: string | undefined): number {
  if (!nextToken) return 0;
  const m = /^o(\d+)$/.exec(nextToken);
  if (!m) throw new InvalidParameter('NextToken');
  return Number(m[1]);
}

/** Token paging (`NextToken` = opaque offset, `MaxResult(s)`). */
export function tokenPaginate<T>(items: readonly T[], nextToken: string | undefined, maxResults: number): TokenPage<T> {
  const start = tokenStart(nextToken);
  const end = start + maxResults;
  const page: TokenPage<T> = { items: items.slice(start, end), totalCount: items.length };
  if (end < items.length) page.nextToken = `o${end}`;
  return page;
}

function clampInt(v: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new InvalidParameter(name);
  return v;
}

/** Throws `MissingParameter` when `v` is absent or empty. */
export function required<T>(v: T | undefined | null | '', name: string): T {
  if (v === undefined || v === null || v === '') throw new MissingParameter(name);
  return v;
}

/**
 * Parses a destination CIDR the way CreateRouteEntry does: a bare IP means /32; non-canonical
 * input (`172.16.1.5/24`) is malformed. @throws InvalidCidrBlockMalformed
 */
export function parseDestination(text: string): Cidr {
  const t = text.trim();
  const withMask = t.includes('/') ? t : `${t}/32`;
  if (!isCidr(withMask)) throw new InvalidCidrBlockMalformed(text);
  return parseCidr(withMask);
}

/** Canonical text of a destination (`10.0.0.1` → `10.0.0.1/32`). */
export function canonicalDestination(text: string): string {
  return formatCidr(parseDestination(text));
}

/** Parses an IPv4 address or throws `InvalidParameter` naming the field. */
export function parseIpParam(text: string, field: string): number {
  try {
    return parseIpv4(text);
  } catch {
    throw new InvalidParameter(field);
  }
}

/**
 * Whether traffic may use a router-interface hop: both ends exist and are `Active`, and the
 * pair's health check (kept on either end) has not failed.
 */
export function routerInterfaceUsable(core: ModelCore, routerInterfaceId: string): boolean {
  const ri = core.routerInterfaces.get(routerInterfaceId);
  if (!ri || ri.status !== 'Active') return false;
  const opposite = core.routerInterfaces.get(ri.oppositeInterfaceId);
  if (!opposite || opposite.status !== 'Active') return false;
  return !routerInterfaceHealthFailed(core, routerInterfaceId);
}

/** Whether the health check of the pair containing this interface has failed. */
export function routerInterfaceHealthFailed(core: ModelCore, routerInterfaceId: string): boolean {
  const ri = core.routerInterfaces.get(routerInterfaceId);
  if (!ri) return false;
  return Boolean(core.routerInterfaceHealth.get(ri.routerInterfaceId)?.failed || core.routerInterfaceHealth.get(ri.oppositeInterfaceId)?.failed);
}

/** Mask `255.255.255.252` → prefix length 30. @throws InvalidParameter */
export function maskLength(mask: string): number {
  const n = parseIpParam(mask, 'PeeringSubnetMask');
  const len = 32 - Math.log2(((~n >>> 0) + 1) >>> 0 || 2 ** 32);
  if (!Number.isInteger(len)) throw new InvalidParameter('PeeringSubnetMask');
  return len;
}

/** Sort helper: by key function, ascending, stable. */
export function sortBy<T>(items: T[], key: (t: T) => string | number): T[] {
  return items.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
