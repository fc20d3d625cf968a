/**
 * The audit endpoints and `xcflow audit` over real health-audit runs on the emulator (chapter 5.1
 * topology): an audit started over HTTP, its run and findings read back, a second run, and the
 * difference between the two.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../src/api/app.ts';
import { serveApp, type ServedApp } from '../../src/api/serve.ts';
import { TokenService } from '../../src/api/tokens.ts';
import { runCli } from '../../src/cli/cli.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { PlannerRegistry } from '../../src/api/planners.ts';
import { startAuditWorld, type AuditWorld } from '../scenario/audit-world.ts';
import { assertShape } from '../support/api-harness.ts';

let w: AuditWorld;
let served: ServedApp;
let alice: string;
let victor: string;

async function get(path: string, token = victor): Promise<{ status: number; body: JsonObject }> {
  const res = await fetch(`${served.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as JsonObject };
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { XCFLOW_URL: served.url, XCFLOW_TOKEN: victor },
    cwd: '/',
    readStdin: async () => '',
  });
  return { code, stdout, stderr };
}

before(async () => {
  w = await startAuditWorld('ch5-1-vpc-migration');
  served = await serveApp(createApp({ engine: w.world.engine, store: w.world.store, planners: new PlannerRegistry(), deps: (o) => w.cloud.withObserver(o), clock: w.world.clock }));
  const tokens = new TokenService(w.world.store, () => w.world.clock.now());
  alice = (await tokens.create({ principal: 'alice', roles: ['operator'], createdBy: 'test' })).token;
  victor = (await tokens.create({ principal: 'victor', roles: ['viewer'], createdBy: 'test' })).token;
});

after(async () => {
  await served.close();
  await w.close();
});

describe('audit endpoints', () => {
  it('answers 404 for the latest run before any audit ran', async () => {
    // Act
    const res = await get('/v1/audit/runs/latest');
    const viaCli = await cli(['audit', 'latest']);
    // Assess
    assert.equal(res.status, 404);
    assert.equal((res.body.error as JsonObject).code, 'AuditRunNotFound');
    assert.equal(viaCli.code, EXIT.notFound);
  });

  it('reads back an audit started over HTTP: runs, the latest run with its open findings, one finding, the diff after a second run', async () => {
    // Act: an audit started by an operator through the API, run by the world's runner
    const started = await fetch(`${served.url}/v1/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ procedureId: 'health-audit', params: { proposeRemediations: false } }),
    });
    const id = ((await started.json()) as JsonObject).id as string;
    const ended = await w.world.run(id);
    const runs = await get('/v1/audit/runs');
    const latest = await get('/v1/audit/runs/latest');
    const findings = await get('/v1/audit/findings?status=open&limit=500');
    const first = (findings.body.items as JsonObject[])[0] as JsonObject;
    const one = await get(`/v1/audit/finding?key=${encodeURIComponent(String(first.key))}`);
    const runId = String(((runs.body.items as JsonObject[])[0] as JsonObject).runId);
    const byId = await get(`/v1/audit/runs/${runId}`);
    await w.audit({ proposeRemediations: false });
    const diff = await get(`/v1/audit/diff?from=${runId}`);
    // Assess
    assert.equal(started.status, 201);
    assert.equal(ended.status, 'succeeded', JSON.stringify(ended.error));
    assertShape('AuditRunPage', runs.body);
    assertShape('AuditRunView', latest.body);
    assert.equal(((latest.body.run as JsonObject).executionId), id);
    assert.ok((latest.body.open as unknown[]).length > 0, 'the CEN route rejected by the peering route is a finding');
    assertShape('AuditFindingPage', findings.body);
    assertShape('AuditFinding', one.body);
    assert.equal(one.body.key, first.key);
    assert.equal(byId.status, 200);
    assertShape('AuditRunDiff', diff.body);
    assert.equal(diff.body.fromRunId, runId);
    assert.equal(diff.body.runs, 1);
  });

  it('refuses malformed audit queries with 400 naming the parameter, and unknown ids with 404', async () => {
    // Act
    const badRun = await get('/v1/audit/runs/latest-ish');
    const noFrom = await get('/v1/audit/diff');
    const badSeverity = await get('/v1/audit/findings?severity=fatal');
    const noKey = await get('/v1/audit/finding');
    const unknownKey = await get('/v1/audit/finding?key=nope%7Cnothing');
    const unknownRun = await get('/v1/audit/runs/run-999999999999');
    // Assess
    assert.deepEqual(
      [badRun, noFrom, badSeverity, noKey, unknownKey, unknownRun].map((r) => [r.status, (r.body.error as JsonObject).field ?? null]),
      [
        [400, 'runId'],
        [400, 'from'],
        [400, 'severity'],
        [400, 'key'],
        [404, 'key'],
        [404, 'runId'],
      ],
    );
  });

  it('shows runs and findings through xcflow audit', async () => {
    // Act
    const latest = await cli(['audit', 'latest']);
    const runs = await cli(['audit', 'runs', '--json']);
    const findings = await cli(['audit', 'findings', '--status', 'open']);
    const usage = await cli(['audit']);
    // Assess
    assert.equal(latest.code, EXIT.ok, latest.stderr);
    assert.match(latest.stdout, /^run-\d+ /m);
    assert.match(latest.stdout, /open now: \d+/);
    assert.equal(runs.code, EXIT.ok);
    assert.ok(((JSON.parse(runs.stdout) as JsonObject).items as unknown[]).length >= 2);
    assert.equal(findings.code, EXIT.ok);
    assert.match(findings.stdout, /^SEVERITY +CHECK +KEY/m);
    assert.equal(usage.code, EXIT.usage);
  });
});
