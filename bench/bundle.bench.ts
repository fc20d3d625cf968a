/**
 * Cold load of each function bundle (target < 150 ms): `npm run build`, copy `dist/` where no
 * node_modules is reachable, then in fresh `node` processes time `require('./<fn>/index.js')`
 * (median and max of 9 runs per function). Also the api function's first answer from a cold
 * process (require + runtime built from the environment + `GET /v1/openapi.json`), which pays for
 * the SDKs the bundle loads on first use. Sizes are of the one file each function deploys.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/local/stack.ts';
import { readSYaml } from '../src/local/fc/index.ts';

const RUNS = 9;

const LOAD = `const c = process.cpuUsage(); const t = performance.now(); require(process.argv[1]); const u = process.cpuUsage(c);
process.stdout.write(JSON.stringify([performance.now() - t, (u.user + u.system) / 1000]));`;
const FIRST_ANSWER = `const c = process.cpuUsage(); const t = performance.now();
const { handler } = require(process.argv[1]);
const req = { method: 'GET', path: '/v1/openapi.json', headers: { host: 'x' }, queries: {}, async *[Symbol.asyncIterator]() {} };
const resp = { setStatusCode() {}, setHeader() {}, send() { const u = process.cpuUsage(c); process.stdout.write(JSON.stringify([performance.now() - t, (u.user + u.system) / 1000])); process.exit(0); } };
handler(req, resp, { requestId: 'r', accountId: '1234567890123456', region: 'cn-hangzhou', credentials: { accessKeyId: 'a', accessKeySecret: 'b' } });`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}
const round = (x: number): number => Math.round(x * 10) / 10;

/** Wall ms and CPU ms (user + system, all threads) of the script in a fresh process. */
function timeIn(dir: string, script: string, file: string, env: NodeJS.ProcessEnv = {}): { wall: number; cpu: number } {
  const run = spawnSync(process.execPath, ['-e', script, file], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  if (run.status !== 0) throw new Error(`${file}: ${run.stderr}`);
  const [wall, cpu] = JSON.parse(run.stdout) as [number, number];
  return { wall, cpu };
}

/** The figures. */
export default async function run(): Promise<Record<string, unknown>> {
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs'), '--quiet'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const functions = readSYaml(join(REPO_ROOT, 's.yaml')).functions.map((f) => ({ name: f.config.name, codeUri: f.codeUri ?? '', file: `${f.handler.slice(0, f.handler.lastIndexOf('.'))}.js` }));
  const dir = mkdtempSync(join(tmpdir(), 'xcflow-bench-bundles-'));
  try {
    const perFunction: Record<string, { bytes: number; loadMsMedian: number; loadMsMax: number; loadCpuMsMedian: number }> = {};
    for (const f of functions) {
      cpSync(join(REPO_ROOT, f.codeUri), join(dir, f.name), { recursive: true });
      const file = join(dir, f.name, f.file);
      timeIn(dir, LOAD, file); // warm the OS file cache; the runs below are cold processes
      const times = Array.from({ length: RUNS }, () => timeIn(dir, LOAD, file));
      const wall = times.map((x) => x.wall);
      perFunction[f.name] = { bytes: statSync(file).size, loadMsMedian: round(median(wall)), loadMsMax: round(Math.max(...wall)), loadCpuMsMedian: round(median(times.map((x) => x.cpu))) };
    }
    const api = join(dir, 'api', 'index.js');
    const env = { XCFLOW_STORE: 'tablestore', XCFLOW_TABLESTORE_ENDPOINT: 'http://127.0.0.1:9', XCFLOW_TABLESTORE_INSTANCE: 'bench', XCFLOW_ACCESS_LOG: '0' };
    const firstAnswer = Array.from({ length: RUNS }, () => timeIn(dir, FIRST_ANSWER, api, env));
    const worst = Math.max(...Object.values(perFunction).map((p) => p.loadMsMedian));
    const worstCpu = Math.max(...Object.values(perFunction).map((p) => p.loadCpuMsMedian));
    return {
      targetMs: 150,
      runsPerFunction: RUNS,
      worstMedianLoadMs: worst,
      withinTarget: worst < 150,
      // What the load costs the process itself; equals the wall time on an idle machine.
      worstMedianLoadCpuMs: worstCpu,
      perFunction,
      apiFirstAnswerMs: { median: round(median(firstAnswer.map((x) => x.wall))), max: round(Math.max(...firstAnswer.map((x) => x.wall))), cpuMedian: round(median(firstAnswer.map((x) => x.cpu))) },
      loadavg: loadavg().map((x) => round(x)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
