/**
 * `npm run bench [-- name ...]`: runs every `bench/*.bench.ts` (or those whose name contains one of
 * the arguments), prints each one's figures and writes them all to `bench/results.json`.
 * Each bench module's default export returns its figures; timings are measured, never asserted.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

type BenchRun = () => Promise<Record<string, unknown>>;

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const results: Record<string, unknown> = {
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  startedAt: new Date().toISOString(),
};
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  process.stdout.write(`\n== ${name}\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: BenchRun };
  const started = performance.now();
  const figures = await mod.default();
  results[name] = { ...figures, benchWallMs: Math.round(performance.now() - started) };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nwrote bench/results.json (${files.length} benchmarks)\n`);
