/**
 * The static routes a data-center device needs, printed in each vendor's syntax: seed chapter 1
 * ("ip route 100.64.0.0/10 {Alibaba Cloud-side IP}") and chapter 6 step 3 (a /32 route to each
 * health-check source IP through its VBR). Pure.
 */
import { formatIpv4, maskOf, parseCidr, parseIpv4 } from '../../src/net/index.ts';

/** Device syntaxes the snippets are printed in. */
export const VENDORS = ['cisco-ios', 'huawei-vrp', 'juniper-junos', 'linux-iproute2'] as const;

/** A device syntax. */
export type Vendor = (typeof VENDORS)[number];

/** One static route on the data-center device. */
export interface StaticRoute {
  destinationCidrBlock: string;
  /** The Alibaba-side IP of the VBR (its local gateway IP). */
  nextHopIp: string;
  /**
   * Route preference; lower wins. Routes to one destination with equal (or no) preference are
   * equal-cost. Cisco: administrative distance; Huawei: `preference`; Juniper: qualified next-hop
   * preference; Linux: metric.
   */
  preference?: number;
  /** Short label (letters, digits, `-`, `_`, `.`). */
  name?: string;
}

const label = (name: string | undefined): string | undefined => (name ? name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 48) : undefined);

function dottedMask(length: number): string {
  return formatIpv4(maskOf(length));
}

function ciscoLine(r: StaticRoute): string {
  const c = parseCidr(r.destinationCidrBlock);
  const n = label(r.name);
  return `ip route ${formatIpv4(c.network)} ${dottedMask(c.length)} ${r.nextHopIp}${r.preference !== undefined ? ` ${r.preference}` : ''}${n ? ` name ${n}` : ''}`;
}

function huaweiLine(r: StaticRoute): string {
  const c = parseCidr(r.destinationCidrBlock);
  const n = label(r.name);
  return `ip route-static ${formatIpv4(c.network)} ${dottedMask(c.length)} ${r.nextHopIp}${r.preference !== undefined ? ` preference ${r.preference}` : ''}${n ? ` description ${n}` : ''}`;
}

function juniperLine(r: StaticRoute): string {
  return r.preference !== undefined
    ? `set routing-options static route ${r.destinationCidrBlock} qualified-next-hop ${r.nextHopIp} preference ${r.preference}`
    : `set routing-options static route ${r.destinationCidrBlock} next-hop ${r.nextHopIp}`;
}

/** Linux needs all equal-cost next hops of a destination in one command. */
function linuxLines(routes: StaticRoute[]): string[] {
  const out: string[] = [];
  const groups = new Map<string, StaticRoute[]>();
  for (const r of routes) groups.set(`${r.destinationCidrBlock}|${r.preference ?? ''}`, [...(groups.get(`${r.destinationCidrBlock}|${r.preference ?? ''}`) ?? []), r]);
  for (const group of groups.values()) {
    const [first] = group;
    if (!first) continue;
    const metric = first.preference !== undefined ? ` metric ${first.preference}` : '';
    out.push(
      group.length === 1
        ? `ip route replace ${first.destinationCidrBlock} via ${first.nextHopIp}${metric}`
        : `ip route replace ${first.destinationCidrBlock}${metric} ${group.map((r) => `nexthop via ${r.nextHopIp} weight 1`).join(' ')}`,
    );
  }
  return out;
}

/**
 * The routes as configuration lines of one vendor.
 * @throws ValidationError for a malformed CIDR or next-hop IP
 */
export function renderStaticRoutes(routes: readonly StaticRoute[], vendor: Vendor): string[] {
  for (const r of routes) {
    parseCidr(r.destinationCidrBlock, 'destinationCidrBlock');
    parseIpv4(r.nextHopIp, 'nextHopIp');
  }
  switch (vendor) {
    case 'cisco-ios':
      return routes.map(ciscoLine);
    case 'huawei-vrp':
      return routes.map(huaweiLine);
    case 'juniper-junos':
      return routes.map(juniperLine);
    case 'linux-iproute2':
      return linuxLines([...routes]);
  }
}

/** The routes in every vendor's syntax, one text block (lines joined by `\n`) per vendor. */
export function renderStaticRouteSnippets(routes: readonly StaticRoute[]): Record<Vendor, string> {
  const out = {} as Record<Vendor, string>;
  for (const v of VENDORS) out[v] = renderStaticRoutes(routes, v).join('\n');
  return out;
}
