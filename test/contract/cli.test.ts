/**
 * The `xcflow` CLI as a user runs it: `node bin/xcflow.mjs …` spawned against the API on
 * 127.0.0.1:0 (engine on a virtual clock, pumped in the background), checking stdout, `--json`
 * and exit codes; help texts and pass-through commands in-process.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/api/app.ts';
import { serveApp } from '../../src/api/serve.ts';
import { runCli, type CliIo } from '../../src/cli/cli.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { InProcessScheduler, ManualClock } from '../../src/engine/scheduler.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { startApiHarness, type ApiHarness } from '../support/api-harness.ts';
import { createTestProcedure, MemoryLedger, testDeps } from '../support/test-machines.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(repoRoot, 'bin/xcflow.mjs');
const workDir = mkdtempSync(join(tmpdir(), 'xcflow-cli-'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns the CLI (never spawnSync: the API answering it lives in this process). */
function xcflow(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? workDir, ...opts.env };
    const child = spawn(process.execPath, [bin, ...args], { cwd: workDir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/**
 * Runs the CLI in this process: the same code and the same HTTP requests as `xcflow`, without
 * the ~0.7 s of starting Node and tsx (the spawned runs above cover the process boundary).
 */
async function cli(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: opts.env ?? {}, cwd: workDir, readStdin: async () => opts.stdin ?? '' };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const inProcess = (args: string[], env: Record<string, string> = {}): Promise<Run> => cli(args, { env });

const params = (over: JsonObject = {}): string => JSON.stringify({ items: ['a', 'b'], settleMs: 1000, failVerify: false, routeTable: 'vtb-1', ...over });

let api: ApiHarness;
let pump: ReturnType<typeof setInterval>;
const as = (who: keyof ApiHarness['tokens']): Record<string, string> => ({ XCFLOW_URL: api.url, XCFLOW_TOKEN: api.tokens[who].token });

before(async () => {
  api = await startApiHarness();
  // Deliver step messages continuously, as runners would.
  let busy = false;
  pump = setInterval(() => {
    if (busy) return;
    busy = true;
    void api.run().finally(() => (busy = false));
  }, 10);
});

after(async () => {
  clearInterval(pump);
  await api.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('xcflow against a running API', () => {
  it('runs, refuses self-approval (exit 5), approves, and watches to success (exit 0) with NDJSON progress', async () => {
    // Act
    const run = await xcflow(['run', 'test-ledger', '--params', params({ routeTable: 'vtb-10' }), '--json'], { env: as('alice') });
    const id = (JSON.parse(run.stdout) as JsonObject).id as string;
    const untilGate = await xcflow(['watch', id, '--until', 'approval', '--interval', '50ms'], { env: as('victor') });
    const self = await xcflow(['approve', id], { env: as('alice') });
    const approve = await xcflow(['approve', id, '--comment', 'window open'], { env: as('bob') });
    const watch = await xcflow(['watch', id, '--json', '--interval', '50ms'], { env: as('victor') });
    // Assess
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.match(id, /^ex-/);
    assert.equal(untilGate.code, EXIT.ok, untilGate.stderr);
    assert.match(untilGate.stdout, /awaiting approval by approver or admin/);
    assert.equal(self.code, EXIT.forbidden);
    assert.match(self.stderr, /RoleRequired/);
    assert.equal(approve.code, EXIT.ok, approve.stderr);
    assert.match(approve.stdout, /^approved ex-/);
    assert.equal(watch.code, EXIT.ok, watch.stderr);
    const events = watch.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonObject);
    const kinds = events.filter((e) => e.event === 'journal').map((e) => (e.entry as JsonObject).kind);
    assert.ok(kinds.includes('approval.decided') && kinds.includes('effect') && kinds.at(-1) === 'ended', kinds.join(','));
    const end = events.at(-1) as JsonObject;
    assert.equal(end.event, 'end');
    assert.equal((end.execution as JsonObject).status, 'succeeded');
  });

  it('exits by how the watched execution ended: 12 rejected, 11 rolled back, 13 timeout', async () => {
    // Prepare
    const rejected = JSON.parse((await cli(['run', 'test-ledger', '--params', params({ routeTable: 'vtb-11' }), '--json'], { env: as('alice') })).stdout) as JsonObject;
    await cli(['watch', String(rejected.id), '--until', 'approval', '--interval', '50ms'], { env: as('victor') });
    // Act
    const [reject, rolledBack, timeout] = await Promise.all([
      cli(['reject', String(rejected.id), '--comment', 'not tonight'], { env: as('bob') }).then(() =>
        cli(['watch', String(rejected.id), '--interval', '50ms'], { env: as('victor') }),
      ),
      cli(['run', 'test-ledger', '--params', params({ routeTable: 'vtb-12', failVerify: true }), '--no-approval', '--watch', '--interval', '50ms'], { env: as('admin') }),
      cli(['run', 'test-ledger', '--params', params({ routeTable: 'vtb-13' }), '--watch', '--interval', '50ms', '--timeout', '300ms'], { env: as('alice') }),
    ]);
    // Assess
    assert.equal(reject.code, EXIT.stopped, reject.stdout + reject.stderr);
    assert.match(reject.stdout, /approval rejected: bob reject \("not tonight"\)/);
    assert.match(reject.stdout, /ended: rejected/);
    assert.equal(rolledBack.code, EXIT.rolledBack, rolledBack.stdout + rolledBack.stderr);
    assert.match(rolledBack.stdout, /VerificationFailed/);
    assert.equal(timeout.code, EXIT.timeout, timeout.stdout + timeout.stderr);
    assert.match(timeout.stderr, /still awaiting_approval/);
  });

  it('maps refusals to exit codes and names the field, changing nothing', async () => {
    // Prepare
    const before = (await api.store.listExecutions({}, { limit: 1000 })).items.length;
    // Act
    // (a few spawned, so the exit codes are seen across the process boundary)
    const [invalid, forbidden, notFound, unauthorized, unreachable, usage, noUrl, conflict, jsonError] = await Promise.all([
      xcflow(['run', 'test-ledger', '--params', params({ routeTable: 'rtb-x' })], { env: as('alice') }),
      cli(['run', 'test-ledger', '--params', params()], { env: as('victor') }),
      xcflow(['status', 'ex-zzzzzzzzzzzzzzzzzzz'], { env: as('victor') }),
      cli(['whoami'], { env: { XCFLOW_URL: api.url, XCFLOW_TOKEN: `xcf_${'B'.repeat(43)}` } }),
      cli(['whoami'], { env: { XCFLOW_URL: 'http://127.0.0.1:9', XCFLOW_TOKEN: 'x' } }),
      xcflow(['status', '--limit'], { env: as('victor') }),
      cli(['status'], {}),
      cli(['cancel', 'ex-zzzzzzzzzzzzzzzzzzz'], { env: as('alice') }),
      cli(['run', 'test-ledger', '--json', '--set', 'items=[]'], { env: as('alice') }),
    ]);
    // Assess
    assert.equal(invalid.code, EXIT.invalid);
    assert.match(invalid.stderr, /field params\.routeTable/);
    assert.equal(forbidden.code, EXIT.forbidden);
    assert.equal(notFound.code, EXIT.notFound);
    assert.equal(unauthorized.code, EXIT.unauthorized);
    assert.equal(unreachable.code, EXIT.unreachable);
    assert.match(unreachable.stderr, /cannot reach the xcflow API/);
    assert.equal(usage.code, EXIT.usage);
    assert.equal(noUrl.code, EXIT.usage);
    assert.match(noUrl.stderr, /no API URL/);
    assert.equal(conflict.code, EXIT.notFound);
    assert.equal(jsonError.code, EXIT.invalid);
    assert.equal(((JSON.parse(jsonError.stdout) as JsonObject).error as JsonObject).status, 400);
    assert.equal((await api.store.listExecutions({}, { limit: 1000 })).items.length, before);
  });

  it('exits 7 on conflicts: approving an execution that has ended', async () => {
    // Prepare
    const run = await cli(['run', 'test-ledger', '--params', params({ routeTable: 'vtb-14', settleMs: 0 }), '--no-approval', '--watch', '--interval', '50ms'], { env: as('admin') });
    const id = /started (ex-\S+)/.exec(run.stderr)?.[1] as string;
    // Act
    const approve = await cli(['approve', id], { env: as('bob') });
    // Assess
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.equal(approve.code, EXIT.conflict);
    assert.match(approve.stderr, /ExecutionEnded/);
  });

  it('reads --json everywhere: procedures, status list and one, journal, plan; params from stdin', async () => {
    // Prepare
    const started = await cli(['run', 'test-ledger', '--params', '-', '--json'], { env: as('alice'), stdin: params({ routeTable: 'vtb-15' }) });
    const id = (JSON.parse(started.stdout) as JsonObject).id as string;
    // Act
    const [procedures, list, one, journal, plan, planText, human] = await Promise.all([
      cli(['procedures', '--json'], { env: as('victor') }),
      cli(['status', '--json', '--requested-by', 'alice', '--all', '--limit', '1'], { env: as('victor') }),
      cli(['status', id, '--json'], { env: as('victor') }),
      cli(['journal', id, '--json', '--all', '--limit', '2'], { env: as('victor') }),
      cli(['plan', 'test-ledger', '--params', params(), '--set', 'items=["p","q"]', '--json'], { env: as('alice') }),
      cli(['plan', 'test-ledger', '--params', params()], { env: as('alice') }),
      cli(['status', id], { env: as('victor') }),
    ]);
    // Assess
    for (const r of [started, procedures, list, one, journal, plan, planText, human]) assert.equal(r.code, EXIT.ok, r.stderr);
    assert.deepEqual(((JSON.parse(procedures.stdout) as JsonObject).items as JsonObject[]).map((p) => p.id), ['test-cidr', 'test-ledger']);
    const listed = (JSON.parse(list.stdout) as JsonObject).items as JsonObject[];
    assert.ok(listed.some((x) => x.id === id) && listed.every((x) => x.requestedBy === 'alice'));
    assert.equal((JSON.parse(one.stdout) as JsonObject).id, id);
    const entries = (JSON.parse(journal.stdout) as JsonObject).items as JsonObject[];
    assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1));
    assert.deepEqual(((JSON.parse(plan.stdout) as JsonObject).plan as JsonObject).calls, [{ action: 'Write', item: 'p' }, { action: 'Write', item: 'q' }]);
    assert.match(planText.stdout, /read 1 cloud API call\(s\): Test\.DescribeLedger/);
    assert.match(human.stdout, /approval {4}pending at AwaitingApproval/);
  });

  it('creates, uses, lists and revokes tokens through the API', async () => {
    // Act
    const created = await cli(['token', 'create', '--principal', 'frank', '--role', 'approver', '--role', 'viewer', '--label', 'on call', '--expires-in', '30d', '--json'], { env: as('admin') });
    const token = (JSON.parse(created.stdout) as JsonObject).token as string;
    const me = await cli(['whoami', '--json'], { env: { XCFLOW_URL: api.url, XCFLOW_TOKEN: token } });
    const list = await cli(['token', 'list'], { env: as('admin') });
    const byOperator = await cli(['token', 'list'], { env: as('alice') });
    const revoke = await cli(['token', 'revoke', String((JSON.parse(created.stdout) as JsonObject).id)], { env: as('admin') });
    const after = await cli(['whoami'], { env: { XCFLOW_URL: api.url, XCFLOW_TOKEN: token } });
    // Assess
    assert.equal(created.code, EXIT.ok, created.stderr);
    assert.deepEqual(JSON.parse(me.stdout), { id: 'frank', roles: ['approver', 'viewer'] });
    assert.match(list.stdout, /frank +approver,viewer .* on call/);
    assert.ok(!list.stdout.includes(token));
    assert.equal(byOperator.code, EXIT.forbidden);
    assert.equal(revoke.code, EXIT.ok);
    assert.equal(after.code, EXIT.unauthorized);
  });
});

describe('xcflow token --direct', () => {
  it('writes the first admin token into the configured SQLite store, hashed, and it works against an API on that store', async () => {
    // Prepare
    const dbPath = join(workDir, 'direct', 'xcflow.db');
    mkdirSync(dirname(dbPath), { recursive: true });
    // Act
    const created = await xcflow(['token', 'create', '--direct', '--principal', 'root', '--role', 'admin'], { env: { XCFLOW_STORE: 'sqlite', XCFLOW_SQLITE_PATH: dbPath } });
    const token = created.stdout.trim();
    const listed = await cli(['token', 'list', '--direct', '--json'], { env: { XCFLOW_SQLITE_PATH: dbPath } });
    const store = new SqliteStore(dbPath);
    const clock = new ManualClock();
    const engine = createEngine({ store, procedures: [createTestProcedure()], deps: testDeps(new MemoryLedger()), scheduler: new InProcessScheduler({ clock }), clock });
    const served = await serveApp(createApp({ engine, store }));
    try {
      const me = await cli(['whoami', '--url', served.url, '--token', token, '--json']);
      // Assess
      assert.equal(created.code, EXIT.ok, created.stderr);
      assert.match(token, /^xcf_[A-Za-z0-9_-]{43}$/);
      assert.match(created.stderr, /shown once/);
      const items = (JSON.parse(listed.stdout) as JsonObject).items as JsonObject[];
      assert.deepEqual(items.map((t) => [t.principal, t.createdBy]), [['root', 'cli:direct']]);
      assert.deepEqual(JSON.parse(me.stdout), { id: 'root', roles: ['admin'] });
      await store.close();
      for (const file of [dbPath, `${dbPath}-wal`]) {
        let bytes = '';
        try {
          bytes = readFileSync(file).toString('latin1');
        } catch {
          continue;
        }
        assert.ok(!bytes.includes(token), `plaintext token found in ${file}`);
      }
    } finally {
      await served.close();
      await store.close();
    }
  });

  it('refuses a bad role before writing (exit 3) and a missing principal as usage (exit 2)', async () => {
    // Prepare
    const dbPath = join(workDir, 'direct2', 'xcflow.db');
    // Act
    const badRole = await cli(['token', 'create', '--direct', '--principal', 'x', '--role', 'superuser'], { env: { XCFLOW_SQLITE_PATH: dbPath } });
    const noPrincipal = await inProcess(['token', 'create', '--direct', '--role', 'admin'], { XCFLOW_SQLITE_PATH: dbPath });
    const list = await cli(['token', 'list', '--direct', '--json'], { env: { XCFLOW_SQLITE_PATH: dbPath } });
    // Assess
    assert.equal(badRole.code, EXIT.invalid);
    assert.match(badRole.stderr, /unknown role superuser/);
    assert.equal(noPrincipal.code, EXIT.usage);
    assert.deepEqual((JSON.parse(list.stdout) as JsonObject).items, []);
  });
});

describe('xcflow help and pass-through commands', () => {
  const commands = ['procedures', 'plan', 'run', 'status', 'watch', 'approve', 'reject', 'cancel', 'rollback', 'journal', 'token', 'whoami', 'audit'];
  for (const c of commands) {
    it(`prints help for ${c} with its usage and exit codes`, async () => {
      // Act
      const res = await inProcess([c, '--help']);
      const viaHelp = await inProcess(['help', c]);
      // Assess
      assert.equal(res.code, EXIT.ok);
      assert.match(res.stdout, new RegExp(`^Usage: xcflow ${c}`));
      assert.match(res.stdout, /Exit codes: 0 ok/);
      assert.equal(viaHelp.stdout, res.stdout);
    });
  }

  it('lists every command in the main help; no command is a usage error', async () => {
    // Act
    const help = await xcflow(['--help']);
    const none = await inProcess([]);
    const unknown = await inProcess(['frobnicate']);
    // Assess
    assert.equal(help.code, EXIT.ok);
    for (const c of [...commands, 'emulator', 'perf']) assert.match(help.stdout, new RegExp(`^  ${c} `, 'm'));
    assert.equal(none.code, EXIT.usage);
    assert.equal(unknown.code, EXIT.usage);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });

  it('hands emulator and perf to their own commands', async () => {
    // Prepare
    const iperf = join(workDir, 'iperf.json');
    writeFileSync(iperf, 'not iperf output');
    // Act
    const emulatorHelp = await inProcess(['emulator', '--help']);
    const topologies = await inProcess(['emulator', '--list-topologies']);
    const perfHelp = await inProcess(['perf', 'parse', '--help']);
    const perfBad = await inProcess(['perf', 'parse', '--tool', 'iperf3', iperf]);
    // Assess
    assert.equal(emulatorHelp.code, 0);
    assert.match(emulatorHelp.stdout, /Usage: xcflow emulator/);
    assert.equal(topologies.code, 0);
    assert.ok(topologies.stdout.trim().length > 0);
    assert.equal(perfHelp.code, 0);
    assert.match(perfHelp.stdout, /Usage: xcflow perf parse/);
    assert.equal(perfBad.code, 1);
  });

  it('reads the URL and token from .xcflow/cli.json when neither flag nor environment gives them', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'xcflow-cfg-'));
    mkdirSync(join(dir, '.xcflow'));
    writeFileSync(join(dir, '.xcflow', 'cli.json'), JSON.stringify({ url: api.url, token: api.tokens.victor.token }));
    try {
      let stdout = '';
      // Act
      const code = await runCli(['whoami'], { stdout: (s) => (stdout += s), stderr: () => undefined, env: {}, cwd: dir, readStdin: async () => '' });
      // Assess
      assert.equal(code, EXIT.ok);
      assert.match(stdout, /^victor \(viewer\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
