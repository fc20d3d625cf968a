/**
 * Data-plane speed: reachability queries against a VPC route table holding 100,000 custom routes
 * (chapter 6 network, quota raised), each query a full round trip ECS → VPC → router interface →
 * VBR → circuit → data center and back. Also the time to load that table through the model's
 * CreateRouteEntry rules. Figures only; nothing is asserted.
 */
import { VirtualClock } from '../src/emulator/clock.ts';
import { buildModel, readTopologyFile } from '../src/emulator/topology.ts';

const ROUTES = 100_000;
const QUERIES = 20_000;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export default async function run(): Promise<Record<string, unknown>> {
  const t = readTopologyFile('ch6-redundancy');
  t.quotas = { customRoutesPerTable: ROUTES + 10 };
  // /28 routes spread over 10.0.0.0/8 and 11.0.0.0/8 toward the data center, alternating lines,
  // plus the chapter 6 ECMP route for the data center itself.
  const routes: NonNullable<NonNullable<typeof t.vpcs>[number]['routes']> = [];
  for (let i = 0; i < ROUTES; i++) {
    const n = i * 16 * 37 + 0x0a000000; // stride keeps prefixes distinct and scattered
    const net = (n >>> 0) & 0xfffffff0;
    const text = `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/28`;
    routes.push({ destinationCidrBlock: text, nextHop: { type: 'RouterInterface', id: i % 2 ? 'ri-uf69ejgh2atodylnx8nl9' : 'ri-uf6vpcside20000000001' } });
  }
  routes.push({ destinationCidrBlock: '172.16.0.0/16', nextHops: [{ id: 'ri-uf69ejgh2atodylnx8nl9', weight: 100 }, { id: 'ri-uf6vpcside20000000001', weight: 100 }] });
  t.vpcs![0]!.routes = routes;
  const loadStart = performance.now();
  const model = buildModel(t, new VirtualClock());
  const loadMs = performance.now() - loadStart;

  // Half the queries go to the data center (delivered, replies come back), half hit one of the
  // 100,000 /28 routes (forwarded to the data center, which has no route for them: dropped there).
  const dests = Array.from({ length: 512 }, (_, i) => {
    if (i % 2 === 0) return `172.16.${i >> 1}.${((i * 7) % 250) + 1}`;
    const n = (((i * 193) % ROUTES) * 16 * 37 + 0x0a000000 + 5) >>> 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  });
  const times: number[] = [];
  let reachable = 0;
  for (let i = 0; i < 2000; i++) model.reachability({ source: 'i-uf6app000000000000001', destinationIp: dests[i % dests.length]! });
  for (let i = 0; i < QUERIES; i++) {
    const flow = { protocol: 'tcp' as const, sourcePort: 1024 + (i % 50000), destinationPort: 443 };
    const start = performance.now();
    const r = model.reachability({ source: 'i-uf6app000000000000001', destinationIp: dests[i % dests.length]!, flow });
    times.push(performance.now() - start);
    if (r.reachable) reachable++;
  }
  times.sort((a, b) => a - b);
  model.dispose();
  return {
    routesInTable: model.core.tableIndex('vtb-uf6b2w3kq8r1n0m5x7j9a').trie.size,
    loadThroughCreateRouteEntryMs: Math.round(loadMs),
    queries: QUERIES,
    reachable,
    medianMs: Number(quantile(times, 0.5).toFixed(4)),
    p99Ms: Number(quantile(times, 0.99).toFixed(4)),
    queriesPerSecond: Math.round(QUERIES / (times.reduce((a, b) => a + b, 0) / 1000)),
  };
}
