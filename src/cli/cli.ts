/**
 * `xcflow`: the command line over the HTTP API (a local stack or a deployed URL). Every read has
 * `--json`; every command has `--help`; exit codes are stable for scripts (`exit-codes.ts`,
 * docs/cli.md). `emulator` and `perf` are run by their own modules.
 *
 *   process.exitCode = await runCli(process.argv.slice(2), nodeIo());
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TokenService } from '../api/tokens.ts';
import type { Json, JsonObject, Role } from '../engine/types.ts';
import { XcflowError } from '../errors.ts';
import type { Env } from '../runtime.ts';
import { ApiClient, ApiError, UnreachableError } from './client.ts';
import { EXIT, exitForExecution, exitForStatus } from './exit-codes.ts';
import { describeExecution, describePlan, formatDuration, formatTime, journalLine, table } from './format.ts';

/** What the CLI reads and writes; `nodeIo()` in a real process, fakes in tests. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Env;
  /** Where `.xcflow/cli.json` is looked for; default the process's working directory. */
  cwd: string;
  readStdin: () => Promise<string>;
  /** Aborting stops `watch` (Ctrl-C) and `emulator`. */
  signal?: AbortSignal;
}

/** The real process's streams and environment. */
export function nodeIo(): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    cwd: process.cwd(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

class UsageError extends Error {}

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

interface Ctx {
  args: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
  io: CliIo;
  json: boolean;
  client(): ApiClient;
}

interface Command {
  name: string;
  summary: string;
  usage: string;
  details: string;
  options: Record<string, OptionSpec>;
  run(ctx: Ctx): Promise<number>;
}

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const GLOBAL_HELP = `Global options:
  --url URL       the xcflow API (default: $XCFLOW_URL, else "url" in .xcflow/cli.json)
  --token TOKEN   bearer token (default: $XCFLOW_TOKEN, else "token" in .xcflow/cli.json)
  --json          machine-readable output (JSON; NDJSON for watch)
  -h, --help      this help`;

const EXIT_HELP = `Exit codes: 0 ok, 1 error, 2 usage, 3 invalid request, 4 unauthorized, 5 forbidden, 6 not found,
7 conflict, 8 cloud error, 9 API unreachable, 10 execution failed, 11 rolled back,
12 cancelled/rejected/expired, 13 timeout (see docs/cli.md).`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function flag(ctx: Ctx, name: string): string | undefined {
  const v = ctx.flags[name];
  return typeof v === 'string' ? v : undefined;
}

function flags(ctx: Ctx, name: string): string[] {
  const v = ctx.flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

function one(ctx: Ctx, what: string): string {
  if (ctx.args.length !== 1 || !ctx.args[0]) throw new UsageError(ctx.args.length === 0 ? `${what} is required` : `exactly one ${what} is expected`);
  return ctx.args[0];
}

function out(ctx: Ctx, value: unknown): void {
  ctx.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** `500ms`, `2s`, `10m`, `1h`, `30d`; a bare number is seconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m?.[1]) throw new UsageError(`${what} must be a duration like 500ms, 30s, 10m, 2h or 7d, not "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

function setPath(target: JsonObject, path: string, value: Json): void {
  const keys = path.split('.');
  let cur = target;
  keys.forEach((k, i) => {
    if (!k) throw new UsageError(`--set key "${path}" has an empty part`);
    if (i === keys.length - 1) cur[k] = value;
    else {
      const next = cur[k];
      if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
      cur = cur[k] as JsonObject;
    }
  });
}

/** Params from `--params JSON|@file|-` and `--set key=value` (values parsed as JSON when they are JSON). */
async function readParams(ctx: Ctx): Promise<JsonObject> {
  let params: JsonObject = {};
  const source = flag(ctx, 'params');
  if (source !== undefined) {
    let text: string;
    if (source === '-') text = await ctx.io.readStdin();
    else if (source.startsWith('@')) {
      try {
        text = readFileSync(source.slice(1), 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${source.slice(1)}: ${(err as Error).message}`);
      }
    } else text = source;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`--params is not JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--params must be a JSON object');
    params = parsed as JsonObject;
  }
  for (const assignment of flags(ctx, 'set')) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set needs key=value, got "${assignment}"`);
    const raw = assignment.slice(eq + 1);
    let value: Json;
    try {
      value = JSON.parse(raw) as Json;
    } catch {
      value = raw;
    }
    setPath(params, assignment.slice(0, eq), value);
  }
  return params;
}

function findingsTable(items: JsonObject[]): string {
  return table(
    ['SEVERITY', 'CHECK', 'KEY', 'STATUS', 'LAST SEEN', 'TITLE'],
    items.map((f) => [String(f.severity), String(f.checkId), String(f.key), String(f.status), formatTime(f.lastSeenAt), String(f.title)]),
  );
}

function describeAuditRun(view: JsonObject): string {
  const run = (view.run ?? {}) as JsonObject;
  const counts = (run.counts ?? {}) as JsonObject;
  const count = (k: string): number => (Array.isArray(view[k]) ? (view[k] as Json[]).length : 0);
  const lines = [
    `${String(run.runId)} ${formatTime(run.at)} ${String(run.status)}${view.latest ? ' (latest)' : ''}, execution ${String(run.executionId)}`,
    `  findings: ${String(counts.critical ?? 0)} critical, ${String(counts.warning ?? 0)} warning, ${String(counts.info ?? 0)} info`,
    `  this run opened ${count('opened')}, resolved ${count('resolved')}, changed ${count('changed')}${view.latest ? `; open now: ${count('open')}` : ''}`,
  ];
  const open = (Array.isArray(view.open) ? view.open : []) as JsonObject[];
  return `${lines.join('\n')}\n${open.length > 0 ? `\n${findingsTable(open)}` : ''}`;
}

const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'cancelled', 'rejected', 'expired']);

// ---------------------------------------------------------------------------------------------
// watch
// ---------------------------------------------------------------------------------------------

interface WatchOptions {
  until: 'end' | 'approval';
  intervalMs: number;
  timeoutMs: number | null;
}

function watchOptions(ctx: Ctx): WatchOptions {
  const until = flag(ctx, 'until') ?? 'end';
  if (until !== 'end' && until !== 'approval') throw new UsageError(`--until must be end or approval, not "${until}"`);
  const intervalMs = parseDuration(flag(ctx, 'interval') ?? '1s', '--interval');
  if (intervalMs < 50) throw new UsageError('--interval must be at least 50ms');
  const timeout = flag(ctx, 'timeout');
  return { until, intervalMs, timeoutMs: timeout === undefined ? null : parseDuration(timeout, '--timeout') };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Follows an execution: journal entries as they land, waits and approvals, until it ends (or `until`). */
async function watchExecution(ctx: Ctx, id: string, opts: WatchOptions): Promise<number> {
  const client = ctx.client();
  const started = Date.now();
  let cursor: string | null = null;
  let lastWait = '';
  let approvalShown = -1;
  const emit = (event: JsonObject, human: string): void => {
    if (ctx.json) ctx.io.stdout(`${JSON.stringify(event)}\n`);
    else if (human) ctx.io.stdout(`${human}\n`);
  };
  const drainJournal = async (): Promise<void> => {
    for (;;) {
      const page = await client.request('GET', `/v1/executions/${encodeURIComponent(id)}/journal?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      const items = (page.items ?? []) as JsonObject[];
      for (const entry of items) emit({ event: 'journal', entry }, journalLine(entry));
      const last = items.at(-1);
      if (last) cursor = String(last.seq);
      if (!page.nextCursor) break;
    }
  };
  let first = true;
  for (;;) {
    await drainJournal();
    const view = await client.request('GET', `/v1/executions/${encodeURIComponent(id)}`);
    if (first && !ctx.json) ctx.io.stderr(`watching ${id} (${String(view.procedureId)} v${String(view.procedureVersion)}, requested by ${String(view.requestedBy)})\n`);
    first = false;
    const status = String(view.status);
    const waiting = view.waiting as JsonObject | null;
    const waitText = waiting ? String(waiting.reason) : '';
    if (waitText && waitText !== lastWait && status !== 'awaiting_approval') {
      const until = typeof waiting?.until === 'number' ? `, next check ${formatTime(waiting.until)}` : '';
      emit({ event: 'waiting', status, state: view.state, waiting }, `              … ${waitText}${until}`);
    }
    lastWait = waitText;
    const gate = view.approval as JsonObject | null;
    if (status === 'awaiting_approval' && gate && gate.status === 'pending' && approvalShown !== gate.gateSeq) {
      approvalShown = gate.gateSeq as number;
      const roles = Array.isArray(gate.roles) ? gate.roles.join(' or ') : '';
      emit(
        { event: 'approval', status, state: view.state, approval: gate },
        `              … awaiting approval by ${roles} (quorum ${String(gate.quorum)}), expires ${formatTime(gate.expiresAt)}: xcflow approve ${id}`,
      );
    }
    if (TERMINAL.has(status)) {
      // The execution may have ended between the journal read and the view read: print the
      // entries committed with its end before the end itself.
      await drainJournal();
      emit({ event: 'end', execution: view }, `${id} ended: ${status}${view.error ? ` — ${String((view.error as JsonObject).code)}: ${String((view.error as JsonObject).message)}` : ''}`);
      return exitForExecution(status) ?? EXIT.error;
    }
    if (opts.until === 'approval' && status === 'awaiting_approval') return EXIT.ok;
    if (opts.timeoutMs !== null && Date.now() - started >= opts.timeoutMs) {
      ctx.io.stderr(`xcflow: ${id} is still ${status} after ${formatDuration(opts.timeoutMs)}\n`);
      return EXIT.timeout;
    }
    if (ctx.io.signal?.aborted) return EXIT.ok;
    await sleep(opts.intervalMs, ctx.io.signal);
    if (ctx.io.signal?.aborted) return EXIT.ok;
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

const WATCH_OPTIONS: Record<string, OptionSpec> = {
  until: { type: 'string' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
};

const WATCH_HELP = `  --until end|approval    stop at the end (default), or once it awaits approval (exit 0)
  --interval DURATION     poll interval (default 1s)
  --timeout DURATION      give up after this long (exit 13)`;

const PARAMS_HELP = `  --params JSON|@FILE|-   parameters as JSON, from a file, or from stdin
  --set KEY=VALUE         set one parameter (dotted keys nest; VALUE is parsed as JSON when it is JSON)`;

async function startAndMaybeWatch(ctx: Ctx, procedureId: string, params: JsonObject): Promise<number> {
  const watch = ctx.flags.watch === true;
  const opts = watch ? watchOptions(ctx) : null;
  const key = flag(ctx, 'idempotency-key');
  const body: JsonObject = { procedureId, params, ...(key ? { idempotencyKey: key } : {}), ...(ctx.flags['no-approval'] === true ? { approvalRequired: false } : {}) };
  const view = await ctx.client().request('POST', '/v1/executions', body);
  if (!opts) {
    if (ctx.json) out(ctx, view);
    else ctx.io.stdout(`${String(view.id)}\n`);
    return EXIT.ok;
  }
  if (!ctx.json) ctx.io.stderr(`started ${String(view.id)}\n`);
  return watchExecution(ctx, String(view.id), opts);
}

function decisionCommand(name: 'approve' | 'reject'): Command {
  return {
    name,
    summary: name === 'approve' ? 'approve the open approval request of an execution' : 'reject the open approval request of an execution',
    usage: `xcflow ${name} ID [--comment TEXT]`,
    details: `Records your decision at the execution's approval gate (roles approver or admin). You can never
decide on your own request. The decision is applied by the runner and journaled with your name.

Options:
  --comment TEXT          shown in the journal`,
    options: { comment: { type: 'string' } },
    async run(ctx) {
      const id = one(ctx, 'ID');
      const comment = flag(ctx, 'comment');
      const view = await ctx.client().request('POST', `/v1/executions/${encodeURIComponent(id)}/${name}`, comment ? { comment } : {});
      if (ctx.json) out(ctx, view);
      else ctx.io.stdout(`${name === 'approve' ? 'approved' : 'rejected'} ${id} (now ${String(view.status)} at ${String(view.state)})\n`);
      return EXIT.ok;
    },
  };
}

function signalCommand(name: 'cancel' | 'rollback'): Command {
  return {
    name,
    summary: name === 'cancel' ? 'cancel an execution' : 'roll an execution back',
    usage: `xcflow ${name} ID [--reason TEXT] [--watch]`,
    details: `${
      name === 'cancel'
        ? 'Asks the execution to stop; a procedure that changed something rolls it back first.'
        : 'Asks the execution to undo what it changed (compensations, newest first).'
    } Roles operator or admin.

Options:
  --reason TEXT           shown in the journal
  --watch                 follow it until it ends
${WATCH_HELP}`,
    options: { reason: { type: 'string' }, watch: { type: 'boolean' }, ...WATCH_OPTIONS },
    async run(ctx) {
      const id = one(ctx, 'ID');
      const opts = ctx.flags.watch === true ? watchOptions(ctx) : null;
      const reason = flag(ctx, 'reason');
      const view = await ctx.client().request('POST', `/v1/executions/${encodeURIComponent(id)}/${name}`, reason ? { reason } : {});
      if (opts) return watchExecution(ctx, id, opts);
      if (ctx.json) out(ctx, view);
      else ctx.io.stdout(`${name === 'cancel' ? 'cancel' : 'rollback'} requested for ${id} (now ${String(view.status)} at ${String(view.state)})\n`);
      return EXIT.ok;
    },
  };
}

const COMMANDS: Command[] = [
  {
    name: 'procedures',
    summary: 'list the procedures this deployment runs, or show one with its parameter schema',
    usage: 'xcflow procedures [ID] [--json]',
    details: 'Without ID: id, version, seed chapter, title and whether it can be planned. With ID: its parameter JSON Schema too.',
    options: {},
    async run(ctx) {
      if (ctx.args.length > 1) throw new UsageError('at most one procedure id is expected');
      const client = ctx.client();
      if (ctx.args[0]) {
        const p = await client.request('GET', `/v1/procedures/${encodeURIComponent(ctx.args[0])}`);
        if (ctx.json) out(ctx, p);
        else {
          ctx.io.stdout(`${String(p.id)} v${String(p.version)} — ${String(p.title)} (seed ${String(p.seedChapter)})${p.plannable ? ', plannable' : ''}\n\n${String(p.description)}\n\nParameters (JSON Schema):\n`);
          ctx.io.stdout(`${JSON.stringify(p.paramsSchema, null, 2)}\n`);
        }
        return EXIT.ok;
      }
      const list = await client.request('GET', '/v1/procedures');
      const items = (list.items ?? []) as JsonObject[];
      if (ctx.json) out(ctx, list);
      else if (items.length === 0) ctx.io.stdout('no procedures are registered\n');
      else ctx.io.stdout(table(['ID', 'VERSION', 'SEED', 'PLAN', 'TITLE'], items.map((p) => [String(p.id), String(p.version), String(p.seedChapter), p.plannable ? 'yes' : 'no', String(p.title)])));
      return EXIT.ok;
    },
  },
  {
    name: 'plan',
    summary: 'plan a change without making it (API calls, route tables before/after, conflicts)',
    usage: 'xcflow plan PROCEDURE [--params JSON|@FILE|-] [--set KEY=VALUE]... [--json]',
    details: `Checks the parameters like a start would, then asks the procedure's planner what it would do
against current cloud state. Changes nothing. Roles operator or admin.

Options:
${PARAMS_HELP}`,
    options: { params: { type: 'string' }, set: { type: 'string', multiple: true } },
    async run(ctx) {
      const procedureId = one(ctx, 'PROCEDURE');
      const params = await readParams(ctx);
      const plan = await ctx.client().request('POST', '/v1/plans', { procedureId, params });
      if (ctx.json) {
        out(ctx, plan);
        return EXIT.ok;
      }
      ctx.io.stdout(`plan of ${procedureId} v${String(plan.procedureVersion)} at ${formatTime(plan.plannedAt)} (the whole plan: --json)\n`);
      const body = (plan.plan ?? {}) as JsonObject;
      ctx.io.stdout(describePlan(body) ?? `${JSON.stringify(body, null, 2)}\n`);
      const calls = (plan.cloudCalls ?? []) as JsonObject[];
      if (calls.length > 0) {
        const counts = new Map<string, number>();
        for (const c of calls) counts.set(`${String(c.product)}.${String(c.action)}`, (counts.get(`${String(c.product)}.${String(c.action)}`) ?? 0) + 1);
        ctx.io.stdout(`read ${calls.length} cloud API call(s): ${[...counts].map(([a, n]) => (n > 1 ? `${a} ×${n}` : a)).join(', ')}\n`);
      }
      return EXIT.ok;
    },
  },
  {
    name: 'run',
    summary: 'start an execution (prints its id; --watch follows it)',
    usage: 'xcflow run PROCEDURE [--params JSON|@FILE|-] [--set KEY=VALUE]... [--idempotency-key KEY] [--no-approval] [--watch]',
    details: `Starts the latest version of a procedure. Parameters are checked before anything is stored.
Roles operator or admin; --no-approval needs admin.

Options:
${PARAMS_HELP}
  --idempotency-key KEY   repeating the same request with this key returns the same execution
  --no-approval           skip approval gates (admin only)
  --watch                 follow the execution; the exit code tells how it ended
${WATCH_HELP}`,
    options: {
      params: { type: 'string' },
      set: { type: 'string', multiple: true },
      'idempotency-key': { type: 'string' },
      'no-approval': { type: 'boolean' },
      watch: { type: 'boolean' },
      ...WATCH_OPTIONS,
    },
    async run(ctx) {
      const procedureId = one(ctx, 'PROCEDURE');
      return startAndMaybeWatch(ctx, procedureId, await readParams(ctx));
    },
  },
  {
    name: 'status',
    summary: 'show one execution, or list executions (newest first)',
    usage: 'xcflow status [ID] [--status S[,S]] [--procedure P] [--requested-by U] [--limit N] [--cursor C] [--all] [--json]',
    details: `With ID: status, current step, why and since when it waits, the approval gate, params, output.
Without: a list, filtered and paged.

Options:
  --status S[,S]          only these statuses (pending, running, waiting, awaiting_approval, succeeded,
                          failed, rolled_back, cancelled, rejected, expired)
  --procedure P           only this procedure
  --requested-by U        only executions started by U
  --limit N               page size (default 50)
  --cursor C              continue after a previous page
  --all                   follow every page`,
    options: { status: { type: 'string' }, procedure: { type: 'string' }, 'requested-by': { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' }, all: { type: 'boolean' } },
    async run(ctx) {
      const client = ctx.client();
      if (ctx.args.length > 1) throw new UsageError('at most one execution id is expected');
      if (ctx.args[0]) {
        const view = await client.request('GET', `/v1/executions/${encodeURIComponent(ctx.args[0])}`);
        if (ctx.json) out(ctx, view);
        else ctx.io.stdout(describeExecution(view));
        return EXIT.ok;
      }
      const q = new URLSearchParams();
      for (const [opt, name] of [
        ['status', 'status'],
        ['procedure', 'procedureId'],
        ['requested-by', 'requestedBy'],
        ['limit', 'limit'],
      ] as const) {
        const v = flag(ctx, opt);
        if (v !== undefined) q.set(name, v);
      }
      let cursor = flag(ctx, 'cursor') ?? null;
      const items: JsonObject[] = [];
      let next: string | null = null;
      for (;;) {
        if (cursor) q.set('cursor', cursor);
        const page = await client.request('GET', `/v1/executions?${q}`);
        items.push(...((page.items ?? []) as JsonObject[]));
        next = (page.nextCursor as string | null) ?? null;
        if (!ctx.flags.all || !next) break;
        cursor = next;
      }
      if (ctx.json) out(ctx, { items, nextCursor: next });
      else {
        ctx.io.stdout(
          items.length === 0
            ? 'no executions\n'
            : table(
                ['ID', 'PROCEDURE', 'STATUS', 'STATE', 'BY', 'CREATED', 'WAITING'],
                items.map((x) => [String(x.id), String(x.procedureId), String(x.status), String(x.state), String(x.requestedBy), formatTime(x.createdAt), x.waitReason ? String(x.waitReason) : '']),
              ),
        );
        if (next) ctx.io.stderr(`more: xcflow status --cursor ${next}\n`);
      }
      return EXIT.ok;
    },
  },
  {
    name: 'watch',
    summary: 'follow an execution live: steps, cloud calls, waits, approvals, until it ends',
    usage: 'xcflow watch ID [--until end|approval] [--interval DURATION] [--timeout DURATION] [--json]',
    details: `Prints the journal as it grows and says why the execution waits. The exit code tells how it
ended: 0 succeeded, 10 failed, 11 rolled back, 12 cancelled/rejected/expired, 13 timeout.
With --json, prints one JSON object per line: {"event": "journal"|"waiting"|"approval"|"end", ...}.

Options:
${WATCH_HELP}`,
    options: WATCH_OPTIONS,
    async run(ctx) {
      const id = one(ctx, 'ID');
      return watchExecution(ctx, id, watchOptions(ctx));
    },
  },
  decisionCommand('approve'),
  decisionCommand('reject'),
  signalCommand('cancel'),
  signalCommand('rollback'),
  {
    name: 'journal',
    summary: "print an execution's journal (transitions, effects with RequestIds, polls, approvals)",
    usage: 'xcflow journal ID [--limit N] [--cursor C] [--all] [--json]',
    details: `Oldest first. Without --all, one page (default 200 entries).

Options:
  --limit N               page size (1-1000)
  --cursor C              continue after a previous page
  --all                   every page`,
    options: { limit: { type: 'string' }, cursor: { type: 'string' }, all: { type: 'boolean' } },
    async run(ctx) {
      const id = one(ctx, 'ID');
      const client = ctx.client();
      const q = new URLSearchParams();
      const limit = flag(ctx, 'limit');
      if (limit) q.set('limit', limit);
      let cursor = flag(ctx, 'cursor') ?? null;
      const items: JsonObject[] = [];
      let next: string | null = null;
      for (;;) {
        if (cursor) q.set('cursor', cursor);
        const page = await client.request('GET', `/v1/executions/${encodeURIComponent(id)}/journal${q.size > 0 ? `?${q}` : ''}`);
        items.push(...((page.items ?? []) as JsonObject[]));
        next = (page.nextCursor as string | null) ?? null;
        if (!ctx.flags.all || !next) break;
        cursor = next;
      }
      if (ctx.json) out(ctx, { items, nextCursor: next });
      else {
        ctx.io.stdout(items.map((e) => `${String(e.seq).padStart(4)} ${journalLine(e)}\n`).join(''));
        if (next) ctx.io.stderr(`more: xcflow journal ${id} --cursor ${next}\n`);
      }
      return EXIT.ok;
    },
  },
  {
    name: 'token',
    summary: 'create, list or revoke API tokens (admin)',
    usage: 'xcflow token create --principal NAME --role ROLE [--role ROLE]... [--label TEXT] [--expires-in DURATION] [--direct]\n       xcflow token list [--direct] [--json]\n       xcflow token revoke ID [--direct]',
    details: `Tokens map a bearer secret to a principal and roles (viewer, operator, approver, admin). Only the
SHA-256 of a token is stored; "create" prints the secret once.

Through the API this needs an admin token. --direct writes straight into the store configured by the
environment (XCFLOW_STORE, XCFLOW_SQLITE_PATH, XCFLOW_TABLESTORE_* and credentials, as the functions
read them): use it for the first admin token of a deployment.

Options:
  --principal NAME        who the token speaks for (letters, digits, . _ @ -)
  --role ROLE             viewer, operator, approver or admin (repeatable)
  --label TEXT            a note shown in listings
  --expires-in DURATION   lifetime, e.g. 90d (default: never expires)
  --direct                use the store, not the API`,
    options: {
      principal: { type: 'string' },
      role: { type: 'string', multiple: true },
      label: { type: 'string' },
      'expires-in': { type: 'string' },
      direct: { type: 'boolean' },
    },
    async run(ctx) {
      const [sub, ...rest] = ctx.args;
      if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError(sub === undefined ? 'token needs create, list or revoke' : `unknown token subcommand "${sub}"`);
      const direct = ctx.flags.direct === true;
      const service = direct ? await directTokens(ctx) : null;
      try {
        if (sub === 'create') {
          if (rest.length > 0) throw new UsageError('token create takes no positional arguments');
          const principal = flag(ctx, 'principal');
          const roles = flags(ctx, 'role');
          if (!principal) throw new UsageError('--principal is required');
          if (roles.length === 0) throw new UsageError('at least one --role is required');
          const expires = flag(ctx, 'expires-in');
          const expiresInSeconds = expires === undefined ? undefined : Math.round(parseDuration(expires, '--expires-in') / 1000);
          const label = flag(ctx, 'label');
          const spec = { principal, roles: roles as Role[], ...(label ? { label } : {}), ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}) };
          const created = service
            ? ((await service.tokens.create({ ...spec, createdBy: 'cli:direct' })) as unknown as JsonObject)
            : await ctx.client().request('POST', '/v1/tokens', spec);
          if (ctx.json) out(ctx, created);
          else {
            ctx.io.stdout(`${String(created.token)}\n`);
            ctx.io.stderr(`token ${String(created.id)} for ${principal} (${roles.join(', ')})${created.expiresAt ? `, expires ${formatTime(created.expiresAt)}` : ''}: shown once, store it now\n`);
          }
          return EXIT.ok;
        }
        if (sub === 'list') {
          if (rest.length > 0) throw new UsageError('token list takes no positional arguments');
          const items = service ? ((await service.tokens.list()) as unknown as JsonObject[]) : ((await ctx.client().request('GET', '/v1/tokens')).items as JsonObject[]);
          if (ctx.json) out(ctx, { items });
          else
            ctx.io.stdout(
              items.length === 0
                ? 'no tokens\n'
                : table(
                    ['ID', 'PRINCIPAL', 'ROLES', 'CREATED', 'BY', 'EXPIRES', 'LABEL'],
                    items.map((t) => [
                      String(t.id),
                      String(t.principal),
                      (t.roles as string[]).join(','),
                      formatTime(t.createdAt),
                      t.createdBy ? String(t.createdBy) : '-',
                      t.expiresAt ? `${formatTime(t.expiresAt)}${t.expired ? ' (expired)' : ''}` : 'never',
                      t.label ? String(t.label) : '',
                    ]),
                  ),
            );
          return EXIT.ok;
        }
        if (rest.length !== 1 || !rest[0]) throw new UsageError('token revoke needs exactly one token ID (see token list)');
        const id = rest[0];
        const revoked = service ? ((await service.tokens.revoke(id)) as unknown as JsonObject) : await ctx.client().request('DELETE', `/v1/tokens/${encodeURIComponent(id)}`);
        if (ctx.json) out(ctx, revoked);
        else ctx.io.stdout(`revoked token ${id} of ${String(revoked.principal)}\n`);
        return EXIT.ok;
      } finally {
        await service?.close();
      }
    },
  },
  {
    name: 'whoami',
    summary: 'show the principal and roles of the token in use',
    usage: 'xcflow whoami [--json]',
    details: 'Checks the URL and token: exit 4 when the token is refused, 9 when the API cannot be reached.',
    options: {},
    async run(ctx) {
      if (ctx.args.length > 0) throw new UsageError('whoami takes no arguments');
      const me = await ctx.client().request('GET', '/v1/me');
      if (ctx.json) out(ctx, me);
      else ctx.io.stdout(`${String(me.id)} (${(me.roles as string[]).join(', ')}) at ${ctx.client().base}\n`);
      return EXIT.ok;
    },
  },
  {
    name: 'audit',
    summary: 'run the network health audit, or read its runs and findings',
    usage:
      'xcflow audit run [--params JSON|@FILE|-] [--set KEY=VALUE]... [--watch]\n' +
      '       xcflow audit latest | show RUN | runs [--limit N] [--cursor C]\n' +
      '       xcflow audit findings [--status open|resolved] [--severity S[,S]] [--check ID] [--limit N] [--cursor C] [--all]\n' +
      '       xcflow audit finding KEY | diff FROM [TO]',
    details: `run       start the health-audit procedure now (as the audit timer does every six hours; roles
          operator or admin); exit 6 while it is not registered
latest    the latest run: counts, what it opened and resolved, the findings open now
show RUN  one run
runs      the runs, newest first
findings  findings with their lifecycle (first seen, last seen, resolved)
finding   one finding by key (<check id>|<resources>), with its evidence and fix
diff      what changed from run FROM to run TO (default: the latest)

Options:
${PARAMS_HELP}
  --watch                 (run) follow the audit until it ends
${WATCH_HELP}
  --status open|resolved  (findings) only these
  --severity S[,S]        (findings) critical, warning, info
  --check ID              (findings) only this check
  --limit N, --cursor C   paging; --all follows every page (findings)`,
    options: {
      params: { type: 'string' },
      set: { type: 'string', multiple: true },
      watch: { type: 'boolean' },
      ...WATCH_OPTIONS,
      status: { type: 'string' },
      severity: { type: 'string' },
      check: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      all: { type: 'boolean' },
    },
    async run(ctx) {
      const [sub, ...rest] = ctx.args;
      const client = (): ApiClient => ctx.client();
      const expect = (n: number, what: string): void => {
        if (rest.length !== n) throw new UsageError(`audit ${String(sub)} takes ${what}`);
      };
      switch (sub) {
        case 'run':
          expect(0, 'no positional arguments');
          return startAndMaybeWatch(ctx, 'health-audit', await readParams(ctx));
        case 'latest':
        case 'show': {
          if (sub === 'latest') expect(0, 'no positional arguments');
          else expect(1, 'exactly one RUN id');
          const view = await client().request('GET', sub === 'latest' ? '/v1/audit/runs/latest' : `/v1/audit/runs/${encodeURIComponent(rest[0] as string)}`);
          if (ctx.json) out(ctx, view);
          else ctx.io.stdout(describeAuditRun(view));
          return EXIT.ok;
        }
        case 'runs': {
          expect(0, 'no positional arguments');
          const q = new URLSearchParams();
          const limit = flag(ctx, 'limit');
          const cursor = flag(ctx, 'cursor');
          if (limit) q.set('limit', limit);
          if (cursor) q.set('cursor', cursor);
          const page = await client().request('GET', `/v1/audit/runs${q.size > 0 ? `?${q}` : ''}`);
          if (ctx.json) out(ctx, page);
          else {
            const items = (page.items ?? []) as JsonObject[];
            ctx.io.stdout(
              items.length === 0
                ? 'no audit runs\n'
                : table(
                    ['RUN', 'AT', 'STATUS', 'CRITICAL', 'WARNING', 'INFO', 'OPENED', 'RESOLVED', 'EXECUTION'],
                    items.map((r) => {
                      const counts = (r.counts ?? {}) as JsonObject;
                      const changes = (r.changes ?? {}) as JsonObject;
                      return [
                        String(r.runId),
                        formatTime(r.at),
                        String(r.status),
                        String(counts.critical ?? 0),
                        String(counts.warning ?? 0),
                        String(counts.info ?? 0),
                        String(Array.isArray(changes.opened) ? changes.opened.length : 0),
                        String(Array.isArray(changes.resolved) ? changes.resolved.length : 0),
                        String(r.executionId),
                      ];
                    }),
                  ),
            );
            if (page.nextCursor) ctx.io.stderr(`more: xcflow audit runs --cursor ${String(page.nextCursor)}\n`);
          }
          return EXIT.ok;
        }
        case 'findings': {
          expect(0, 'no positional arguments');
          const q = new URLSearchParams();
          for (const [opt, name] of [
            ['status', 'status'],
            ['severity', 'severity'],
            ['check', 'checkId'],
            ['limit', 'limit'],
          ] as const) {
            const v = flag(ctx, opt);
            if (v !== undefined) q.set(name, v);
          }
          let cursor = flag(ctx, 'cursor') ?? null;
          const items: JsonObject[] = [];
          let next: string | null = null;
          for (;;) {
            if (cursor) q.set('cursor', cursor);
            const page = await client().request('GET', `/v1/audit/findings${q.size > 0 ? `?${q}` : ''}`);
            items.push(...((page.items ?? []) as JsonObject[]));
            next = (page.nextCursor as string | null) ?? null;
            if (!ctx.flags.all || !next) break;
            cursor = next;
          }
          if (ctx.json) out(ctx, { items, nextCursor: next });
          else {
            ctx.io.stdout(items.length === 0 ? 'no findings\n' : findingsTable(items));
            if (next) ctx.io.stderr(`more: xcflow audit findings --cursor '${next}'\n`);
          }
          return EXIT.ok;
        }
        case 'finding': {
          expect(1, 'exactly one finding KEY');
          const f = await client().request('GET', `/v1/audit/finding?key=${encodeURIComponent(rest[0] as string)}`);
          if (ctx.json) out(ctx, f);
          else
            ctx.io.stdout(
              [
                `${String(f.key)}`,
                `  ${String(f.severity)} ${String(f.status)}: ${String(f.title)}`,
                `  resources   ${Array.isArray(f.resources) ? f.resources.join(', ') : ''}`,
                `  first seen  ${formatTime(f.firstSeenAt)} (${String(f.firstSeenRunId)}), last seen ${formatTime(f.lastSeenAt)} (${String(f.lastSeenRunId)})${f.resolvedAt ? `, resolved ${formatTime(f.resolvedAt)}` : ''}`,
                `  fix         ${String(f.fix)}`,
                `  evidence    ${JSON.stringify(f.evidence)}`,
                ...(f.remediation ? [`  remediation ${JSON.stringify(f.remediation)}`] : []),
                '',
              ].join('\n'),
            );
          return EXIT.ok;
        }
        case 'diff': {
          if (rest.length < 1 || rest.length > 2) throw new UsageError('audit diff takes FROM and optionally TO');
          const q = new URLSearchParams({ from: rest[0] as string, ...(rest[1] ? { to: rest[1] } : {}) });
          const d = await client().request('GET', `/v1/audit/diff?${q}`);
          if (ctx.json) out(ctx, d);
          else {
            const list = (name: string, v: Json | undefined): string => `${name} (${Array.isArray(v) ? v.length : 0})${Array.isArray(v) && v.length > 0 ? `:\n${v.map((k) => `  ${String(k)}`).join('\n')}` : ''}`;
            ctx.io.stdout(
              `${String(d.fromRunId)} → ${String(d.toRunId)} over ${String(d.runs)} run(s)${d.truncated ? ' (truncated)' : ''}\n${[list('opened', d.opened), list('resolved', d.resolved), list('flapped', d.flapped), list('changed severity', d.changed)].join('\n')}\n`,
            );
          }
          return EXIT.ok;
        }
        default:
          throw new UsageError(sub === undefined ? 'audit needs run, latest, show, runs, findings, finding or diff' : `unknown audit subcommand "${sub}"`);
      }
    },
  },
];

const PASSTHROUGH: Record<string, { summary: string; run: (args: string[], io: CliIo) => Promise<number> }> = {
  emulator: {
    summary: 'run the local emulator of the Alibaba Cloud VPC, CEN and ECS APIs (see xcflow emulator --help)',
    // Loaded on demand: the emulator and the perf parsers are large, and most commands need neither.
    run: async (args, io) => {
      const { emulatorCommand } = await import('./emulator.ts');
      return emulatorCommand(args, { stdout: io.stdout, stderr: io.stderr, ...(io.signal ? { signal: io.signal } : {}) });
    },
  },
  perf: {
    summary: 'parse iperf3 / netperf output: xcflow perf parse --tool iperf3|netperf FILE (see --help)',
    run: async (args, io) => {
      const { perfParseCommand } = await import('./perf.ts');
      return perfParseCommand(args, { stdout: io.stdout, stderr: io.stderr });
    },
  },
};

async function directTokens(ctx: Ctx): Promise<{ tokens: TokenService; close(): Promise<void> }> {
  // Loaded on demand: the store backends (and their SDKs) are needed only here.
  const { openConfiguredStore } = await import('../runtime.ts');
  const { TokenService: Service } = await import('../api/tokens.ts');
  let store: ReturnType<typeof openConfiguredStore>;
  try {
    store = openConfiguredStore(ctx.io.env);
  } catch (err) {
    throw new UsageError(`--direct: cannot open the store: ${(err as Error).message}`);
  }
  return { tokens: new Service(store), close: () => store.close() };
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), ...Object.keys(PASSTHROUGH).map((n) => n.length));
  const lines = [
    'xcflow — durable, approval-gated Express Connect and CEN workflows',
    '',
    'Usage: xcflow COMMAND [options]      (xcflow COMMAND --help for details)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    ...Object.entries(PASSTHROUGH).map(([n, p]) => `  ${n.padEnd(width)}  ${p.summary}`),
    '',
    GLOBAL_HELP,
    '',
    EXIT_HELP,
    '',
  ];
  return lines.join('\n');
}

function commandHelp(c: Command): string {
  return `Usage: ${c.usage}\n\n${c.summary[0]?.toUpperCase()}${c.summary.slice(1)}.\n\n${c.details}\n\n${GLOBAL_HELP}\n\n${EXIT_HELP}\n`;
}

interface CliConfig {
  url?: string;
  token?: string;
}

function readConfig(io: CliIo): CliConfig {
  const path = io.env.XCFLOW_CONFIG ?? join(io.cwd, '.xcflow', 'cli.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    if (io.env.XCFLOW_CONFIG) throw new UsageError(`cannot read XCFLOW_CONFIG ${path}`);
    return {};
  }
  try {
    const parsed = JSON.parse(text) as CliConfig;
    return { ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}), ...(typeof parsed.token === 'string' ? { token: parsed.token } : {}) };
  } catch {
    throw new UsageError(`${path} is not JSON`);
  }
}

function describeFailure(err: ApiError): string {
  return `${err.message} [${err.code}${err.field ? `, field ${err.field}` : ''}${err.requestId ? `, RequestId ${err.requestId}` : ''}]`;
}

/**
 * Runs one `xcflow` command line (the words after `xcflow`).
 * @returns the exit code (see `EXIT`).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    const c = topic ? COMMANDS.find((x) => x.name === topic) : undefined;
    if (topic && PASSTHROUGH[topic]) return PASSTHROUGH[topic].run(['--help'], io);
    if (topic && !c) {
      io.stderr(`xcflow: unknown command "${topic}"\n\n${mainHelp()}`);
      return EXIT.usage;
    }
    io.stdout(c ? commandHelp(c) : mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    io.stdout('xcflow 0.1.0\n');
    return EXIT.ok;
  }
  const passthrough = PASSTHROUGH[name];
  if (passthrough) return passthrough.run(rest, io);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`xcflow: unknown command "${name}"\n\n${mainHelp()}`);
    return EXIT.usage;
  }
  let parsed: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    io.stderr(`xcflow ${name}: ${(err as Error).message}\n\nUsage: ${command.usage}\n(xcflow ${name} --help for details)\n`);
    return EXIT.usage;
  }
  if (parsed.values.help === true) {
    io.stdout(commandHelp(command));
    return EXIT.ok;
  }
  let client: ApiClient | undefined;
  const ctx: Ctx = {
    args: parsed.positionals,
    flags: parsed.values,
    io,
    json: parsed.values.json === true,
    client() {
      if (client) return client;
      const config = readConfig(io);
      const url = (typeof parsed.values.url === 'string' ? parsed.values.url : undefined) ?? io.env.XCFLOW_URL ?? config.url;
      const token = (typeof parsed.values.token === 'string' ? parsed.values.token : undefined) ?? io.env.XCFLOW_TOKEN ?? config.token;
      if (!url) throw new UsageError('no API URL: pass --url, set XCFLOW_URL, or put "url" in .xcflow/cli.json');
      if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`the API URL must start with http:// or https://, not "${url}"`);
      client = new ApiClient({ url, ...(token ? { token } : {}) });
      return client;
    },
  };
  try {
    return await command.run(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`xcflow ${name}: ${err.message}\n\nUsage: ${command.usage}\n(xcflow ${name} --help for details)\n`);
      return EXIT.usage;
    }
    if (err instanceof ApiError) {
      if (ctx.json) io.stdout(`${JSON.stringify({ error: { status: err.status, code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } })}\n`);
      io.stderr(`xcflow ${name}: ${describeFailure(err)}\n`);
      return exitForStatus(err.status);
    }
    if (err instanceof UnreachableError) {
      io.stderr(`xcflow ${name}: ${err.message}\n`);
      return EXIT.unreachable;
    }
    if (err instanceof XcflowError) {
      // --direct token operations: the store's own refusals.
      io.stderr(`xcflow ${name}: ${err.message} [${err.code}${err.field ? `, field ${err.field}` : ''}]\n`);
      return err.kind === 'validation' ? EXIT.invalid : err.kind === 'not_found' ? EXIT.notFound : err.kind === 'conflict' ? EXIT.conflict : EXIT.error;
    }
    io.stderr(`xcflow ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.error;
  }
}
