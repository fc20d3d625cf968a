import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestStack, type TestStack } from '../browser/stack.ts';

describe('Local stack (npm start): API and console on the FC stand-in, one clock', () => {
  let stack: TestStack;
  let stopPump: () => Promise<void>;
  before(async () => {
    stack = await startTestStack();
    stopPump = stack.pump();
  });
  after(async () => {
    await stopPump();
    await stack.close();
  });

  it('serves the API and the console from the stand-in root', async () => {
    // Act
    const openapi = await stack.call('GET', '/v1/openapi.json', null);
    const bare = await stack.call('GET', '/console', null);
    const index = await fetch(`${stack.url}/console/`);
    const html = await index.text();
    const js = await fetch(`${stack.url}/console/app.js`);
    const config = await stack.call('GET', '/console/config.json', null);
    const missing = await stack.call('GET', '/console/nope.js', null);
    const post = await stack.call('POST', '/console/', null, {});
    // Assess
    assert.equal(openapi.status, 200);
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get('location'), 'console/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(html, /<script type="module" src="app.js">/);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.deepEqual(config.body, { local: true });
    assert.equal(missing.status, 404);
    assert.equal(post.status, 405);
  });

  it('also serves them under the FC proxy path of the api function', async () => {
    const res = await fetch(`${stack.url}/2016-08-15/proxy/xcflow/api/console/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /xcflow console/);
  });

  it('creates an operator and an approver token, and only the approver may approve', async () => {
    const op = await stack.call('GET', '/v1/me', stack.tokens.operator.token);
    const ap = await stack.call('GET', '/v1/me', stack.tokens.approver.token);
    assert.deepEqual(op.body, { id: 'local-operator', roles: ['operator'] });
    assert.deepEqual(ap.body, { id: 'local-approver', roles: ['approver'] });
    const none = await stack.call('GET', '/v1/executions', null);
    assert.equal(none.status, 401);
  });

  it('runs an execution through the hosted runner: it waits for approval, then finishes once approved', async () => {
    // Prepare
    const started = await stack.call('POST', '/v1/executions', stack.tokens.operator.token, {
      procedureId: 'test-ledger',
      params: { items: ['a', 'b'], settleMs: 3000, failVerify: false, routeTable: 'vtb-1' },
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id = String(started.body.id);
    await eventually(async () => ((await stack.call('GET', `/v1/executions/${id}`, stack.tokens.operator.token)).body.status === 'awaiting_approval' ? true : undefined), 'awaiting approval');
    const refused = await stack.call('POST', `/v1/executions/${id}/approve`, stack.tokens.operator.token, {});
    // Act
    const approved = await stack.call('POST', `/v1/executions/${id}/approve`, stack.tokens.approver.token, { comment: 'ok' });
    const done = await eventually(async () => {
      const v = await stack.call('GET', `/v1/executions/${id}`, stack.tokens.operator.token);
      return v.body.endedAt ? v.body : undefined;
    }, 'the execution to end');
    // Assess
    assert.equal(refused.status, 403);
    assert.equal(approved.status, 202);
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(
      stack.ledger.lines(id).map((l) => l.op),
      ['plan', 'apply', 'apply'],
    );
    assert.ok(stack.fc.invokeCount('runner') >= 5, `runner ran ${stack.fc.invokeCount('runner')} times`);
    const journal = await stack.call('GET', `/v1/executions/${id}/journal?limit=1000`, stack.tokens.operator.token);
    const calls = (journal.body.items as { data: { calls?: { requestId?: string }[] } }[]).flatMap((e) => e.data.calls ?? []);
    assert.ok(calls.length >= 3 && calls.every((c) => typeof c.requestId === 'string'));
  });

  it('shows the emulator probe timeline through the console, on the shared clock', async () => {
    const clock = await stack.call('GET', '/console/local/clock', null);
    const probes = await eventually(async () => {
      const p = await stack.call('GET', '/console/local/probes', null);
      return (p.body.timeline as unknown[]).length > 2 ? p : undefined;
    }, 'probe samples');
    assert.equal(clock.status, 200);
    assert.equal(clock.body.kind, 'virtual');
    assert.ok(Math.abs(Number(clock.body.now) - stack.clock.now()) < 60_000);
    assert.ok((probes.body.flows as unknown[]).length >= 2);
  });
});

describe('npm start', () => {
  it('prints the URLs and both tokens, serves the console, and stops on SIGTERM', async () => {
    // Prepare
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/start.ts', '--port', '0', '--emulator-port', '0', '--db', ':memory:', '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Act
      await eventually(async () => (out.includes('Ctrl-C') ? true : undefined), `npm start output (got: ${out}${err})`, 60_000);
      const consoleUrl = /console\s+(http:\S+)/.exec(out)?.[1];
      const operator = /operator\s+(xcf_\S+)/.exec(out)?.[1];
      const approver = /approver\s+(xcf_\S+)/.exec(out)?.[1];
      const apiUrl = /API\s+(http:\S+?)\/v1\//.exec(out)?.[1];
      assert.ok(consoleUrl && operator && approver && apiUrl, out);
      const page = await fetch(consoleUrl);
      const me = await fetch(`${apiUrl}/v1/me`, { headers: { authorization: `Bearer ${approver}` } });
      // Assess
      assert.equal(page.status, 200);
      assert.deepEqual(await me.json(), { id: 'local-approver', roles: ['approver'] });
      assert.match(out, /emulator\s+http:/);
      assert.match(out, /clock\s+real, ×10/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, err);
  });
});
