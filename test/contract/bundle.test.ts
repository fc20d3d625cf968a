/**
 * The deployment bundles: `npm run build` writes one file per function of s.yaml, and each file,
 * copied where no node_modules can be found (as FC runs it), loads, exports the handler s.yaml
 * names, and answers an invocation — against Tablestore (the wire-protocol stand-in) and a cloud
 * (the emulator, with the chapter 5.1 network, for a plan), as deployed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TokenService } from '../../src/api/tokens.ts';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { REPO_ROOT } from '../../src/local/stack.ts';
import { readSYaml } from '../../src/local/fc/index.ts';
import { createTablestoreStore } from '../../src/store/tablestore.ts';
import { startTablestoreStandin, type TablestoreStandin } from '../support/tablestore/server.ts';

const credentials = { accessKeyId: 'LTAI-bundle', accessKeySecret: 'bundle-secret', instanceName: 'xcflow-bundle' };

/** Loads every bundle in a fresh process, invokes each handler once, writes what happened as JSON to T_OUT (stdout is the functions' log). */
const PROBE = String.raw`
const results = { load: {}, answers: {} };
const fns = JSON.parse(process.argv[2]);
const mods = {};
for (const f of fns) {
  const t = performance.now();
  mods[f.name] = require('./' + f.name + '/' + f.file + '.js');
  results.load[f.name] = { ms: performance.now() - t, type: typeof mods[f.name][f.exportName] };
}
const context = { requestId: 'req-bundle-1', accountId: '1234567890123456', region: 'cn-hangzhou',
  credentials: { accessKeyId: process.env.T_AK, accessKeySecret: process.env.T_SK },
  function: { name: 'x', handler: 'index.handler', memory: 512, timeout: 30 }, service: { name: 'xcflow' } };
function http(handler, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = { method, path, headers: { host: 'fc.example', ...headers }, queries: {},
      async *[Symbol.asyncIterator]() { if (body) yield Buffer.from(body); } };
    const out = { status: 0, headers: {} };
    const resp = {
      setStatusCode: (s) => { out.status = s; },
      setHeader: (k, v) => { out.headers[k.toLowerCase()] = v; },
      send: (b) => { out.body = Buffer.from(b).toString('utf8'); resolve(out); },
    };
    Promise.resolve(handler(req, resp, { ...context, function: { ...context.function, name: 'api' } })).catch(reject);
  });
}
function settle(p) { return p.then((value) => ({ ok: true, value }), (e) => ({ ok: false, name: e && e.name, code: e && e.code, message: String(e && e.message) })); }
(async () => {
  const api = mods.api.handler;
  const doc = await http(api, 'GET', '/v1/openapi.json', {});
  results.answers.openapi = { status: doc.status, openapi: JSON.parse(doc.body).openapi };
  const me = await http(api, 'GET', '/v1/me', { authorization: 'Bearer ' + process.env.T_TOKEN });
  results.answers.me = { status: me.status, body: JSON.parse(me.body) };
  const plan = await http(api, 'POST', '/v1/plans', { authorization: 'Bearer ' + process.env.T_OPERATOR, 'content-type': 'application/json' },
    JSON.stringify({ procedureId: 'migrate-vpc-to-cen', params: { regionId: 'cn-shanghai', cenId: 'cen-mig0000000000000001', vpcId: 'vpc-uf6mig0000000000000001', mode: 'smooth', acknowledgeRemainder: true } }));
  const planned = JSON.parse(plan.body);
  results.answers.plan = { status: plan.status, conflicts: planned.plan && planned.plan.conflicts.length, simulated: planned.plan && planned.plan.predictedBlackout.simulated,
    lost: planned.plan && planned.plan.predictedBlackout.totalLost, calls: (planned.cloudCalls || []).length, error: planned.error,
    outcome: planned.plan && planned.plan.predictedBlackout.outcome, source: planned.plan && planned.plan.predictedBlackout.source,
    flows: planned.plan && planned.plan.predictedBlackout.flows.map((f) => ({ sent: f.sent, lost: f.lost })) };
  // Start the migration through the api bundle, then run its first step with the runner bundle:
  // the Planning effect reads the cloud through the SDK and journals each call's RequestId.
  const auth = { authorization: 'Bearer ' + process.env.T_OPERATOR, 'content-type': 'application/json' };
  const start = await http(api, 'POST', '/v1/executions', auth, JSON.stringify({ procedureId: 'migrate-vpc-to-cen', params: { regionId: 'cn-shanghai', cenId: 'cen-mig0000000000000001', vpcId: 'vpc-uf6mig0000000000000001', mode: 'smooth', acknowledgeRemainder: true } }));
  const started = JSON.parse(start.body);
  results.answers.start = { status: start.status, state: started.state, error: started.error };
  if (start.status === 201) {
    const step = await settle(mods.runner.handler(Buffer.from(JSON.stringify({ executionId: started.id, seq: started.seq })), context));
    const journal = JSON.parse((await http(api, 'GET', '/v1/executions/' + started.id + '/journal', auth)).body);
    const calls = journal.items.flatMap((e) => (e.data && Array.isArray(e.data.calls) ? e.data.calls : []));
    results.answers.firstStep = { outcome: step.ok ? step.value.outcome : step.message, calls: calls.length, withRequestId: calls.filter((c) => typeof c.requestId === 'string' && c.requestId.length > 8).length, products: [...new Set(calls.map((c) => c.product))] };
  }
  const anon = await http(api, 'GET', '/v1/executions', {});
  results.answers.anonymous = { status: anon.status };
  const page = await http(api, 'GET', '/console/', {});
  results.answers.console = { status: page.status, type: page.headers['content-type'], html: page.body.includes('<script type="module" src="app.js">') };
  const js = await http(api, 'GET', '/console/app.js', {});
  results.answers.consoleJs = { status: js.status, bytes: js.body.length };
  const ev = (s) => Buffer.from(typeof s === 'string' ? s : JSON.stringify(s));
  results.answers.runner = await settle(mods.runner.handler(ev({ executionId: 'ex-0000000000000000', seq: 3 }), context));
  results.answers.runnerBad = await settle(mods.runner.handler(ev('not json'), context));
  results.answers.sweep = await settle(mods.sweep.handler(ev({ kind: 'sweep' }), context));
  results.answers.audit = await settle(mods.audit.handler(ev({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'every-six-hours', payload: '{"kind":"health-audit"}' }), context));
  results.answers.events = await settle(mods.events.handler(ev({ specversion: '1.0', id: 'evt-1', source: 'acs.vpc', type: 'vpc:Test', data: {} }), context));
  // The callback form FC also uses.
  results.answers.sweepCallback = await new Promise((resolve) => mods.sweep.handler(ev({}), context, (err, value) => resolve({ err: err ? String(err.message) : null, value })));
  require('fs').writeFileSync(process.env.T_OUT, JSON.stringify(results));
  process.exit(0);
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

/** The environment s.yaml gives every function, with the Tablestore settings exported at deploy time. */
function deployedEnv(tablestoreEndpoint: string): Record<string, string> {
  const project = readSYaml(join(REPO_ROOT, 's.yaml'), { env: { XCFLOW_TABLESTORE_ENDPOINT: tablestoreEndpoint, XCFLOW_TABLESTORE_INSTANCE: credentials.instanceName } });
  const env = project.functions[0]?.config.env ?? {};
  assert.equal(env.XCFLOW_STORE, 'tablestore');
  return env;
}

describe('Function bundles (npm run build)', () => {
  let standin: TablestoreStandin;
  let emulator: RunningEmulator;
  let fcStub: Server;
  const fcCalls: { path: string; headers: Record<string, unknown> }[] = [];
  let dir: string;
  /** What the functions wrote to stdout (the API's access log, with internal errors). */
  let functionLog = '';
  let token: string;
  let probe: { load: Record<string, { ms: number; type: string }>; answers: Record<string, Record<string, unknown>> };
  const functions = readSYaml(join(REPO_ROOT, 's.yaml')).functions.map((f) => {
    const dot = f.handler.lastIndexOf('.');
    return { name: f.config.name, codeUri: f.codeUri ?? '', file: f.handler.slice(0, dot), exportName: f.handler.slice(dot + 1) };
  });

  before(async () => {
    // Prepare: the bundles, copied where no node_modules is reachable; a Tablestore with one token;
    // an FC endpoint that accepts the runner's async self-invocations.
    const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs'), '--quiet'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    dir = mkdtempSync(join(tmpdir(), 'xcflow-bundles-'));
    for (const f of functions) cpSync(join(REPO_ROOT, f.codeUri), join(dir, f.name), { recursive: true });
    standin = await startTablestoreStandin(credentials);
    const store = createTablestoreStore({ ...credentials, endpoint: standin.endpoint });
    token = (await new TokenService(store, Date.now).create({ principal: 'bundle-viewer', roles: ['viewer'], createdBy: 'test' })).token;
    const operator = (await new TokenService(store, Date.now).create({ principal: 'bundle-operator', roles: ['operator'], createdBy: 'test' })).token;
    // The "cloud": the emulator with the chapter 5.1 network, accepting the same key pair.
    emulator = await startEmulator({ topology: 'ch5-1-vpc-migration', clock: 'real', credentials: [{ accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret }] });
    await store.close();
    fcStub = createServer((req, res) => {
      fcCalls.push({ path: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => {
        res.writeHead(202, { 'x-fc-request-id': 'fc-stub', 'content-length': '0' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => fcStub.listen(0, '127.0.0.1', resolve));
    writeFileSync(join(dir, 'probe.cjs'), PROBE);
    // Act
    // Asynchronously: the Tablestore stand-in and the FC endpoint answer from this process.
    const child = spawn(process.execPath, [join(dir, 'probe.cjs'), JSON.stringify(functions)], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      // What FC gives a function: s.yaml's environment (resolved as at deploy time), FC's own
      // variables and the service role's credentials.
      env: {
        PATH: process.env.PATH,
        ...deployedEnv(standin.endpoint),
        FC_ACCOUNT_ID: '1234567890123456',
        FC_REGION: 'cn-hangzhou',
        ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
        XCFLOW_FC_ENDPOINT: `http://127.0.0.1:${(fcStub.address() as AddressInfo).port}`,
        // As in the cloud: plans are built from Describe calls (no emulator snapshot).
        XCFLOW_CLOUD_ENDPOINT: emulator.endpoint,
        XCFLOW_REGION: 'cn-shanghai',
        XCFLOW_PROBER: 'cloud-assistant',
        T_OPERATOR: operator,
        T_AK: credentials.accessKeyId,
        T_SK: credentials.accessKeySecret,
        T_TOKEN: token,
        T_OUT: join(dir, 'results.json'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    const run = { status: code, stdout, stderr };
    assert.equal(run.status, 0, run.stderr);
    probe = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    functionLog = stdout;
  });

  after(async () => {
    await standin?.close();
    await emulator?.close();
    await new Promise<void>((resolve) => (fcStub ? fcStub.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes one CommonJS file per function of s.yaml, with its own package type', () => {
    assert.deepEqual(functions.map((f) => f.name).sort(), ['api', 'audit', 'events', 'runner', 'sweep']);
    for (const f of functions) {
      const base = join(REPO_ROOT, f.codeUri);
      assert.ok(existsSync(join(base, `${f.file}.js`)), `${f.codeUri}/${f.file}.js`);
      assert.deepEqual(JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')).type, 'commonjs');
    }
  });

  it('every bundle loads without node_modules and exports the handler s.yaml names', () => {
    for (const f of functions) assert.equal(probe.load[f.name]?.type, 'function', `${f.name} exports ${f.exportName}`);
  });

  it('api answers: OpenAPI, tokens from Tablestore, 401 without one, and the inlined console', () => {
    const a = probe.answers;
    assert.deepEqual(a.openapi, { status: 200, openapi: '3.1.0' });
    assert.deepEqual(a.me, { status: 200, body: { id: 'bundle-viewer', roles: ['viewer'] } });
    assert.deepEqual(a.anonymous, { status: 401 });
    assert.equal(a.console?.status, 200);
    assert.match(String(a.console?.type), /^text\/html/);
    assert.equal(a.console?.html, true);
    assert.equal(a.consoleJs?.status, 200);
    assert.ok(Number(a.consoleJs?.bytes) > 1000);
  });

  // The twin's engine runs on the pure-JS MemoryStore: better-sqlite3 (a native addon) is not in
  // the deployed bundle, and the stand-in left in its place throws if anything on this path used it.
  it('api plans the chapter 5.1 migration through the cloud SDK and the digital twin', () => {
    const p = probe.answers.plan;
    assert.equal(p?.status, 200, `${JSON.stringify(p)}\n${functionLog.split('\n').filter((l) => l.includes('/v1/plans')).join('\n')}`);
    assert.equal(p?.conflicts, 1);
    // The predicted blackout: the twin, built from Describe calls, ran the smooth migration to the
    // end with a probe on the blocked route's flow, and lost none of its probes.
    assert.equal(p?.simulated, true);
    assert.equal(p?.source, 'describe');
    assert.equal(p?.outcome, 'succeeded');
    const flows = p?.flows as { sent: number; lost: number }[];
    assert.ok(flows.length > 0 && flows.every((f) => f.sent > 0 && f.lost === 0), JSON.stringify(flows));
    assert.equal(p?.lost, 0);
    assert.ok(Number(p?.calls) >= 5, 'the plan reports the Describe calls it made');
  });

  it('api starts a migration and the runner runs its first step through the cloud SDK, journaling RequestIds', () => {
    const a = probe.answers;
    assert.equal(a.start?.status, 201, JSON.stringify(a.start));
    assert.equal(a.firstStep?.outcome, 'committed', JSON.stringify(a.firstStep));
    assert.ok(Number(a.firstStep?.calls) >= 3, JSON.stringify(a.firstStep));
    assert.equal(a.firstStep?.withRequestId, a.firstStep?.calls);
    const products = a.firstStep?.products as string[];
    assert.ok(products.length > 0 && products.every((p) => p === 'Vpc' || p === 'Cbn'), products.join(','));
    assert.ok(fcCalls.some((c) => c.path.includes('/functions/runner/invocations')), 'the api handed the first step to the runner through FC');
  });

  it('runner, sweep, audit and events answer their events', () => {
    const a = probe.answers;
    assert.deepEqual(a.runner, { ok: true, value: { ...(a.runner?.value as object), outcome: 'missing' } });
    assert.equal(a.runnerBad?.ok, false);
    assert.equal(a.runnerBad?.name, 'ValidationError');
    assert.deepEqual(a.sweep, { ok: true, value: { dispatched: 0 } });
    assert.deepEqual(a.sweepCallback, { err: null, value: { dispatched: 0 } });
    // Until the health audit is registered the timer is refused by name; once it is, it starts one
    // and hands its first step to the runner through FC.
    if (a.audit?.ok) assert.ok(fcCalls.some((c) => c.path.includes('/functions/runner/invocations') && c.headers['x-fc-invocation-type'] === 'Async'));
    else assert.equal(a.audit?.code, 'AuditNotRegistered');
    assert.equal(a.events?.ok, true);
  });
});
