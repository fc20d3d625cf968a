/**
 * src/net figures: build a trie of 100,000 random routes, time 100,000 longest-prefix lookups
 * (each timed on its own: median and p99 in microseconds) and remainder() over 10,000 coverers.
 * Seeded, so every run measures the same tables.
 */
import { PrefixTrie, maskOf, remainder, type Cidr } from '../src/net/index.ts';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** Route lengths like a real table: mostly /16–/24, some host routes and short aggregates. */
function randomRoute(rand: () => number): Cidr {
  const r = rand();
  const length = r < 0.05 ? 8 + Math.floor(rand() * 8) : r < 0.9 ? 16 + Math.floor(rand() * 9) : 25 + Math.floor(rand() * 8);
  const addr = Math.floor(rand() * 2 ** 32);
  return { network: (addr & maskOf(length)) >>> 0, length };
}

export default async function run(): Promise<Record<string, unknown>> {
  const rand = prng(42);
  const routeCount = 100_000;
  // Distinct routes, so the trie really holds routeCount prefixes.
  const seen = new Set<string>();
  const routes: Cidr[] = [];
  while (routes.length < routeCount) {
    const r = randomRoute(rand);
    const key = `${r.network}/${r.length}`;
    if (!seen.has(key)) {
      seen.add(key);
      routes.push(r);
    }
  }

  const heapBefore = process.memoryUsage().heapUsed;
  const buildStart = performance.now();
  const trie = new PrefixTrie<number>();
  routes.forEach((r, i) => trie.set(r, i));
  const buildMs = performance.now() - buildStart;
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

  const lookups = 100_000;
  const ips = Array.from({ length: lookups }, () => Math.floor(rand() * 2 ** 32));
  // Warm up so the JIT has compiled lookup before timing.
  let hits = 0;
  for (let i = 0; i < 20_000; i++) if (trie.lookup(ips[i]!) !== undefined) hits++;
  hits = 0;
  const each: number[] = new Array<number>(lookups);
  const allStart = performance.now();
  for (let i = 0; i < lookups; i++) {
    const t0 = performance.now();
    const found = trie.lookup(ips[i]!);
    each[i] = performance.now() - t0;
    if (found !== undefined) hits++;
  }
  const allMs = performance.now() - allStart;
  each.sort((a, b) => a - b);

  const usableStart = performance.now();
  for (let i = 0; i < lookups; i++) trie.lookup(ips[i]!, (v) => v % 2 === 0);
  const usableMs = performance.now() - usableStart;

  // remainder(): a /8 minus 10,000 random coverers inside, around and outside it.
  const prefix: Cidr = { network: 10 << 24, length: 8 };
  const coverers = Array.from({ length: 10_000 }, () => {
    const length = 18 + Math.floor(rand() * 15);
    const addr = ((9 + Math.floor(rand() * 3)) << 24 | Math.floor(rand() * 2 ** 24)) >>> 0;
    return { network: (addr & maskOf(length)) >>> 0, length };
  });
  remainder(prefix, coverers); // warm-up
  const remStart = performance.now();
  const left = remainder(prefix, coverers);
  const remainderMs = performance.now() - remStart;

  return {
    routes: trie.size,
    buildMs: round(buildMs, 1),
    heapMiB: round(heapMiB, 1),
    lookups,
    lookupHits: hits,
    lookupMedianUs: round(percentile(each, 0.5) * 1000),
    lookupP99Us: round(percentile(each, 0.99) * 1000),
    // Mean over the timed loop, timer calls included (an upper bound).
    lookupMeanUsWithTimer: round((allMs * 1000) / lookups),
    lookupWithUsableMeanUs: round((usableMs * 1000) / lookups),
    remainderCoverers: coverers.length,
    remainderResultPrefixes: left.length,
    remainderMs: round(remainderMs, 2),
  };
}
