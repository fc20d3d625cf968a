/**
 * Health-audit figures (issue 7):
 * - analysis time of the fifteen checks (index and tries included, API paging excluded) over a
 *   synthetic network of 50 route tables (48 VPCs attached to one CEN, 2 VBRs) from about 10,000
 *   to 100,000 routes, and its growth (goal: < 1 s at 100k, near linear);
 * - Describe calls per audit against the resources audited: measured through the engine, the SDK
 *   clients and the emulator on generated topologies of growing size, next to the count the
 *   paging rules predict.
 * The synthetic network carries known defects (see `syntheticInventory`), so the unit tests can
 * check that the analysis finds exactly them.
 */
import os from 'node:os';
import type { RouteEntry, RouterInterface } from '../src/cloud/index.ts';
import type { TopologyFile } from '../src/emulator/index.ts';
import { EMPTY_INTENT, parseIntent, runChecks, type AuditIntent, type Inventory } from '../workflows/health-audit/index.ts';
import type { CenChildRoutes, InRegion, TableInventory } from '../workflows/health-audit/types.ts';

const REGION = 'cn-shanghai';
const VPCS = 48;
const CEN = 'cen-bench0000000000000001';
/** vSwitch routes per VPC (also what each VPC publishes to the CEN). */
const VSWITCHES = 4;

/** The defects planted in the synthetic network, and what the checks must report for them. */
export interface PlantedDefects {
  /** ECMP routes with weights 100/50 (ecmp-symmetry warnings). */
  unequalWeights: number;
  /** Connection without a health check (health-check-present). */
  missingHealthCheck: string;
  /** ECMP route with a disabled next hop (ecmp-symmetry critical). */
  disabledHop: string;
  /** CEN routes Rejected by a static route (cen-route-status warnings). */
  rejectedCenRoutes: number;
  /** Complete halves beside an Active CEN route (migration-leftovers warning). */
  leftoverHalves: string;
  /** A single half (migration-leftovers critical). */
  singleHalf: string;
}

/** A synthetic network as an audit inventory, with its size and planted defects. */
export interface SyntheticNetwork {
  inventory: Inventory;
  intent: AuditIntent;
  routes: number;
  tables: number;
  defects: PlantedDefects;
}

const ri = (id: string, routerId: string, routerType: 'VBR' | 'VRouter', opposite: string, oppositeRouter: string, vpcId: string, hc?: { source: string; target: string }): InRegion<RouterInterface> => ({
  regionId: REGION,
  routerInterfaceId: id,
  routerId,
  routerType,
  role: routerType === 'VBR' ? 'InitiatingSide' : 'AcceptingSide',
  status: 'Active',
  oppositeInterfaceId: opposite,
  oppositeRouterId: oppositeRouter,
  oppositeRouterType: routerType === 'VBR' ? 'VRouter' : 'VBR',
  vpcInstanceId: vpcId,
  ...(hc ? { healthCheckSourceIp: hc.source, healthCheckTargetIp: hc.target, hcRate: 2000, hcThreshold: 8 } : {}),
});

const entry = (routeTableId: string, cidr: string, type: RouteEntry['type'], hops: RouteEntry['nextHops']): RouteEntry => ({
  routeEntryId: `rte-${routeTableId}-${cidr}`,
  routeTableId,
  destinationCidrBlock: cidr,
  type,
  status: 'Available',
  nextHops: hops,
});

/**
 * About `targetRoutes` routes over 50 tables: each VPC table holds its vSwitch routes, the
 * CEN-learned vSwitch routes of the 47 other VPCs, an ECMP default toward the data center
 * (10.0.0.0/8 over both VBRs) and K data-center /24s as ECMP routes; each VBR table holds a
 * route to each VPC, 10.0.0.0/8 over its circuit and the same K /24s learned by BGP.
 */
export function syntheticInventory(targetRoutes: number): SyntheticNetwork {
  const perTableFixed = VSWITCHES + (VPCS - 1) * VSWITCHES + 1;
  const k = Math.max(1, Math.floor((targetRoutes - VPCS * perTableFixed - 2 * (VPCS + 1)) / (VPCS + 2)));
  const dcRoutes = Array.from({ length: k }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`);
  const vbrs = ['a', 'b'].map((x, i) => ({
    regionId: REGION,
    vbrId: `vbr-bench${x}`,
    status: 'active',
    routeTableId: `vtb-vbr-${x}`,
    physicalConnectionId: `pc-bench${x}`,
    localGatewayIp: `10.255.${i}.1`,
    peerGatewayIp: `10.255.${i}.2`,
  }));
  const inv: Inventory = {
    regionIds: [REGION],
    readAt: Date.UTC(2026, 0, 1),
    physicalConnections: vbrs.map((v) => ({ regionId: REGION, physicalConnectionId: v.physicalConnectionId, status: 'Enabled', businessStatus: 'Normal', bandwidth: 10_000 })),
    vbrs,
    routerInterfaces: [],
    vpcs: [],
    routeTables: [],
    bgpPeers: vbrs.map((v, i) => ({ regionId: REGION, bgpPeerId: `bgp-bench${i}`, bgpGroupId: `bgpg-bench${i}`, routerId: v.vbrId, peerIpAddress: v.peerGatewayIp, bgpStatus: 'Established', status: 'Available' })),
    cens: [{ cenId: CEN, status: 'Active', protectionLevel: 'REDUCED' }],
    cenChildren: [],
    cenVbrHealthChecks: [],
    cenRoutes: [],
    probes: [],
    performance: null,
    activeChanges: [],
  };
  const defects: PlantedDefects = {
    unequalWeights: 0,
    missingHealthCheck: 'ri-b-vbr-5',
    disabledHop: 'vtb-vpc-13|10.0.0.0/8',
    rejectedCenRoutes: VSWITCHES,
    leftoverHalves: 'vtb-vpc-9|172.10.0.0/24',
    singleHalf: 'vtb-vpc-11|172.12.1.0/24',
  };
  const vswitches = (i: number) => Array.from({ length: VSWITCHES }, (_, s) => `172.${i}.${s}.0/24`);
  const vbrEntries: RouteEntry[][] = vbrs.map(() => []);
  for (let i = 0; i < VPCS; i += 1) {
    const vpcId = `vpc-bench-${i}`;
    const router = `vrt-bench-${i}`;
    const table = `vtb-vpc-${i}`;
    inv.vpcs.push({ regionId: REGION, vpcId, cidrBlock: `172.${i}.0.0/16`, secondaryCidrBlocks: [], vRouterId: router, status: 'Available', vSwitchIds: [], routeTableIds: [table] });
    vbrs.forEach((v, j) => {
      const x = j === 0 ? 'a' : 'b';
      const vbrSide = `ri-${x}-vbr-${i}`;
      const vpcSide = `ri-${x}-vpc-${i}`;
      const hc = vbrSide === defects.missingHealthCheck ? undefined : { source: `172.${i}.255.${j + 1}`, target: v.peerGatewayIp };
      inv.routerInterfaces.push(ri(vbrSide, v.vbrId, 'VBR', vpcSide, router, vpcId, hc), ri(vpcSide, router, 'VRouter', vbrSide, v.vbrId, vpcId));
      vbrEntries[j]!.push(entry(v.routeTableId, `172.${i}.0.0/16`, 'Custom', [{ nextHopType: 'RouterInterface', nextHopId: vbrSide }]));
    });
    const ecmp = (w2 = 100, enabled2 = true): RouteEntry['nextHops'] => [
      { nextHopType: 'RouterInterface', nextHopId: `ri-a-vpc-${i}`, weight: 100, enabled: true },
      { nextHopType: 'RouterInterface', nextHopId: `ri-b-vpc-${i}`, weight: w2, enabled: enabled2 },
    ];
    const entries: RouteEntry[] = vswitches(i).map((c) => entry(table, c, 'System', [{ nextHopType: 'local', nextHopId: `vsw-${c}` }]));
    entries.push(entry(table, '10.0.0.0/8', 'Custom', ecmp(100, `${table}|10.0.0.0/8` !== defects.disabledHop)));
    dcRoutes.forEach((c, n) => {
      const unequal = (i * k + n) % 97 === 96;
      if (unequal) defects.unequalWeights += 1;
      entries.push(entry(table, c, 'Custom', ecmp(unequal ? 50 : 100)));
    });
    const learned: CenChildRoutes['routes'] = [];
    for (let j = 0; j < VPCS; j += 1) {
      if (j === i) continue;
      for (const c of vswitches(j)) {
        // VPC 7 keeps a static route over a peering to VPC 8's range: VPC 8's routes are Rejected there.
        const rejected = i === 7 && j === 8;
        learned.push({ destinationCidrBlock: c, type: 'CEN', status: rejected ? 'Rejected' : 'Active', nextHopType: 'VPC', nextHopInstanceId: `vpc-bench-${j}`, routeTableId: table, conflicts: rejected ? [{ destinationCidrBlock: c, instanceId: vpcId, instanceType: 'VPC', regionId: REGION, status: 'conflict' }] : [] });
        if (!rejected) entries.push(entry(table, c, 'CEN', [{ nextHopType: 'CEN', nextHopId: CEN }]));
      }
    }
    if (i === 7) entries.push(entry(table, '172.8.0.0/16', 'Custom', [{ nextHopType: 'RouterInterface', nextHopId: 'ri-peer-7' }]));
    if (i === 9) for (const h of ['172.10.0.0/25', '172.10.0.128/25']) entries.push(entry(table, h, 'Custom', [{ nextHopType: 'RouterInterface', nextHopId: 'ri-peer-9' }]));
    if (i === 11) entries.push(entry(table, '172.12.1.128/25', 'Custom', [{ nextHopType: 'RouterInterface', nextHopId: 'ri-peer-11' }]));
    inv.routeTables.push({ regionId: REGION, table: { routeTableId: table, routeTableType: 'System', routerId: router, routerType: 'VRouter', vpcId, status: 'Available' }, ownerType: 'VPC', ownerId: vpcId, entries });
    inv.cenChildren.push({ cenId: CEN, childInstanceId: vpcId, childInstanceType: 'VPC', childInstanceRegionId: REGION, status: 'Attached' });
    inv.cenRoutes.push({ cenId: CEN, childInstanceId: vpcId, childInstanceType: 'VPC', regionId: REGION, routeTableId: table, routes: learned });
  }
  vbrs.forEach((v, j) => {
    const entries = vbrEntries[j]!;
    entries.push(entry(v.routeTableId, '10.0.0.0/8', 'Custom', [{ nextHopType: 'PhysicalConnection', nextHopId: v.physicalConnectionId }]));
    for (const c of dcRoutes) entries.push(entry(v.routeTableId, c, 'BGP', [{ nextHopType: 'PhysicalConnection', nextHopId: v.physicalConnectionId }]));
    const t: TableInventory = { regionId: REGION, table: { routeTableId: v.routeTableId, routeTableType: 'System', routerId: v.vbrId, routerType: 'VBR', status: 'Available' }, ownerType: 'VBR', ownerId: v.vbrId, entries };
    inv.routeTables.push(t);
  });
  const routes = inv.routeTables.reduce((a, t) => a + t.entries.length, 0) + defects.rejectedCenRoutes;
  const intent = parseIntent({
    version: 1,
    criticalAddresses: Array.from({ length: 100 }, (_, n) => ({ routeTableId: `vtb-vpc-${n % VPCS}`, address: `10.0.${n % 256}.1`, expectedNextHopIds: [`ri-a-vpc-${n % VPCS}`, `ri-b-vpc-${n % VPCS}`] })),
  });
  return { inventory: inv, intent, routes, tables: inv.routeTables.length, defects };
}

/** The Describe calls an audit makes by the paging rules of `workflows/health-audit/inventory.ts`. */
export function predictedDescribeCalls(inv: Pick<Inventory, 'routeTables' | 'cens' | 'cenRoutes' | 'vbrs' | 'vpcs' | 'physicalConnections' | 'routerInterfaces' | 'bgpPeers' | 'cenVbrHealthChecks' | 'regionIds'>): number {
  const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
  const perRegion = pages(inv.physicalConnections.length, 50) + pages(inv.vbrs.length, 50) + pages(inv.routerInterfaces.length, 50) + pages(inv.vpcs.length, 50) + pages(inv.routeTables.length, 50) + pages(inv.bgpPeers.length, 50) + pages(inv.cenVbrHealthChecks.length, 50);
  const tables = inv.routeTables.reduce((a, t) => a + pages(t.entries.length, 100), 0);
  const cens = pages(inv.cens.length, 50) + inv.cens.length;
  const children = inv.cenRoutes.reduce((a, c) => a + pages(c.routes.length, 500), 0);
  return perRegion + tables + cens + children;
}

/** A topology for the emulator with `vpcs` VPCs attached to one CEN, each with `routes` custom routes. */
function topology(vpcs: number, routes: number): TopologyFile {
  return {
    name: `bench-${vpcs}x${routes}`,
    regions: [{ regionId: REGION, localName: 'China (Shanghai)' }],
    quotas: { customRoutesPerTable: Math.max(200, routes + 10) },
    vpcs: Array.from({ length: vpcs }, (_, i) => ({
      id: `vpc-bench${String(i).padStart(4, '0')}`,
      regionId: REGION,
      cidrBlock: `172.${16 + i}.0.0/16`,
      vSwitches: [{ id: `vsw-bench${String(i).padStart(4, '0')}`, cidrBlock: `172.${16 + i}.0.0/24` }],
      routes: Array.from({ length: routes }, (_, n) => ({
        destinationCidrBlock: `10.${i}.${n}.0/24`,
        nextHop: { type: 'Instance', id: `i-bench${String(i).padStart(4, '0')}` },
      })),
    })),
    ecsInstances: Array.from({ length: vpcs }, (_, i) => ({ id: `i-bench${String(i).padStart(4, '0')}`, vSwitchId: `vsw-bench${String(i).padStart(4, '0')}`, privateIpAddress: `172.${16 + i}.0.10` })),
    cens: [{ id: CEN, protectionLevel: 'REDUCED', children: Array.from({ length: vpcs }, (_, i) => ({ instanceId: `vpc-bench${String(i).padStart(4, '0')}` })) }],
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/**
 * Analysis time of all checks (fresh inventory each time, so the index and tries are rebuilt):
 * the median wall time, and the median CPU time of the process (user + system), which a busy
 * machine disturbs less.
 */
function timeAnalysis(target: number, repeats: number): { routes: number; tables: number; ms: number; cpuMs: number; findings: number } {
  const times: number[] = [];
  const cpu: number[] = [];
  let last = { routes: 0, tables: 0, findings: 0 };
  for (let r = 0; r < repeats; r += 1) {
    const net = syntheticInventory(target);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const res = runChecks(net.inventory, net.intent);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    last = { routes: net.routes, tables: net.tables, findings: res.findings.length };
  }
  return { ...last, ms: round(median(times), 1), cpuMs: round(median(cpu), 1) };
}

/** Runs the audit through the engine against the emulator and returns its Describe calls. */
async function measuredCalls(vpcs: number, routes: number): Promise<Record<string, unknown>> {
  const { startWorld } = await import('../src/twin/world.ts');
  const { createHealthAudit, getLatestAuditRun, readNetwork } = await import('../workflows/health-audit/index.ts');
  const late: { world?: Awaited<ReturnType<typeof startWorld>> } = {};
  const audit = createHealthAudit(() => ({ store: late.world!.store, engine: () => late.world!.engine, defaultIntent: () => EMPTY_INTENT }));
  const world = await startWorld({ regionId: REGION, procedures: [audit], topology: topology(vpcs, routes) });
  late.world = world;
  try {
    world.clock.advance(60_000);
    const ex = await world.engine.start('health-audit', { proposeRemediations: false }, { requestedBy: 'bench' });
    await world.run(ex.id);
    const run = await getLatestAuditRun(world.store);
    const data = run!.run;
    const network = await readNetwork(world.cloud, { regionIds: [REGION] });
    return {
      vpcs,
      predictedDescribeCalls: predictedDescribeCalls(network),
      routeTables: data.resources.routeTables,
      routeEntries: data.resources.routeEntries,
      cenRoutes: data.resources.cenRoutes,
      describeCalls: data.calls.describe,
      byAction: data.calls.describeByAction,
      readMs: data.timingsMs.read,
      analysisMs: data.timingsMs.analysis,
    };
  } finally {
    await world.close();
  }
}

/** The figures. */
export default async function run(): Promise<Record<string, unknown>> {
  timeAnalysis(20_000, 1); // warm-up (JIT)
  const sizes = [10_000, 25_000, 50_000, 100_000];
  const growth = sizes.map((n) => timeAnalysis(n, 5));
  const small = growth[0]!;
  const large = growth[growth.length - 1]!;
  const big = syntheticInventory(100_000);
  const calls = [];
  for (const [vpcs, routes] of [
    [2, 10],
    [8, 50],
    [16, 150],
    [32, 150],
  ] as const) {
    calls.push(await measuredCalls(vpcs, routes));
  }
  return {
    analysis: {
      goal: '100,000 routes over 50 route tables and a CEN in < 1000 ms (API paging excluded), near-linear growth',
      growth: growth.map((g) => ({ ...g, usPerRoute: round((1000 * g.ms) / g.routes, 2) })),
      at100k: large,
      growthFactor: { routes: round(large.routes / small.routes, 2), time: round(large.ms / small.ms, 2), cpu: round(large.cpuMs / small.cpuMs, 2) },
      loadAverage: os.loadavg().map((x) => round(x, 2)),
    },
    describeCalls: {
      predictedFor100kSynthetic: { routeTables: big.tables, routes: big.routes, describeCalls: predictedDescribeCalls(big.inventory) },
      measuredOnEmulator: calls,
    },
  };
}
