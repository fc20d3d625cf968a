/**
 * `npm run tour`: the seed's chapter 5.1 migration end to end through the HTTP API, on a local
 * stack of its own (the emulator loaded with the chapter 5.1 network): plan it (route-table diff
 * and the digital twin's predicted blackout), start it as the operator, approve it as the
 * approver, follow it to the end, then print its steps and the probe timeline the emulator
 * measured meanwhile — zero lost probes in smooth mode. Exits 0 when the migration succeeded
 * without a lost probe, 1 otherwise. `--keep` leaves the stack running to look at it in the console.
 *
 *   npm run tour [-- --speed 10 --mode smooth|intermittent --keep --port 0]
 */
import { parseArgs } from 'node:util';
import { fmtDuration, probeStrip, type ProbeSample } from './tour-format.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

const TOPOLOGY = 'ch5-1-vpc-migration';
// The chapter 5.1 network as shipped in src/emulator/topologies/ch5-1-vpc-migration.json.
const REGION = 'cn-shanghai';
const CEN = 'cen-mig0000000000000001';
const VPC = 'vpc-uf6mig0000000000000001';
const FLOW = { name: 'shanghai-app→qingdao-app', source: 'i-uf6mig000000000000001', destinationIp: '172.16.1.10' };
const PROBE_INTERVAL_MS = 100;

const HELP = `Usage: npm run tour [-- options]

Runs the seed's chapter 5.1 migration (VPC from an Express Connect peering to CEN) through the
HTTP API on a local stack of its own, with an approval, and prints the zero-blackout timeline.

Options:
  --mode M      smooth (default; no traffic lost) or intermittent (a short predicted blackout)
  --speed X     clock speed factor (default 10)
  --port N      port of the API and console (default 0 = any free port)
  --keep        keep the stack running afterwards (look at it in the console; Ctrl-C ends)
  -h, --help    this help
`;

type Json = Record<string, unknown>;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function api(stack: LocalStack, method: string, path: string, token: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Json;
  if (!res.ok) {
    const e = (json.error ?? {}) as Json;
    throw new Error(`${method} ${path} → ${res.status} ${String(e.code)}: ${String(e.message)}`);
  }
  return json;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function emulator(stack: LocalStack, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${stack.emulatorUrl}/_emulator/${path}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`emulator ${method} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as Json;
}

function printPlan(plan: Json): void {
  const conflicts = (plan.conflicts ?? []) as Json[];
  for (const c of conflicts) {
    const s = c.peeringRoute as Json;
    const blocked = ((c.blocked ?? []) as Json[]).map((b) => String(b.destinationCidrBlock));
    const halves = ((c.halves ?? []) as Json[]).map((h) => String(h.destinationCidrBlock));
    say(
      halves.length > 0
        ? `  peering route ${String(s.destinationCidrBlock)} blocks CEN route ${blocked.join(', ')}: add ${halves.join(' + ')}, delete the peering route, wait until the CEN route is Active, remove the halves`
        : `  peering route ${String(s.destinationCidrBlock)} blocks CEN route ${blocked.join(', ')}: delete the peering route, wait until the CEN route is Active (traffic to it is lost meanwhile)`,
    );
  }
  const diff = (((plan.routes ?? {}) as Json).diff ?? []) as Json[];
  const changed = diff.filter((r) => r.presence !== 'both' || (r.changed as unknown[]).length > 0);
  say(`  route tables before → after: ${changed.length} row(s) change`);
  for (const r of changed) {
    const side = (v: unknown): string => {
      const x = v as Json | null;
      if (!x) return '—';
      return [x.entryType ? `${String(x.entryType)} ${String(x.nextHop ?? '')}` : null, x.cenStatus ? `CEN ${String(x.cenStatus)}` : null].filter(Boolean).join(', ') || '—';
    };
    say(`    ${String(r.routeTableId)} ${String(r.destinationCidrBlock).padEnd(18)} ${side(r.before)}  →  ${side(r.after)}`);
  }
  const calls = plan.callCounts as Json | undefined;
  if (calls) say(`  cloud API calls: ${String(calls.total)} (${String(calls.write)} writes)`);
  const p = plan.predictedBlackout as Json | undefined;
  if (p) {
    say(
      p.simulated
        ? `  digital twin (emulator snapshot, probes every ${String(p.probeIntervalMs)} ms): ${String(p.totalLost)} probe(s) lost, predicted blackout ${fmtDuration(Number(p.maxBlackoutMs))}, ${fmtDuration(Number(p.durationMs))} of virtual time`
        : `  digital twin: not simulated (${String(p.reason)})`,
    );
  }
  for (const w of (plan.warnings ?? []) as string[]) say(`  warning: ${w}`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { mode: { type: 'string' }, speed: { type: 'string' }, port: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    say(HELP);
    return 0;
  }
  const mode = values.mode ?? 'smooth';
  if (mode !== 'smooth' && mode !== 'intermittent') throw new Error(`--mode must be smooth or intermittent, not ${mode}`);
  const speed = values.speed === undefined ? 10 : Number(values.speed);
  if (!(speed > 0)) throw new Error('--speed must be a number > 0');

  say(`xcflow tour — seed chapter 5.1: migrate VPC ${VPC} (China (Shanghai)) from its Express Connect peering to CEN ${CEN}, ${mode} mode`);
  const stack = await startLocalStack({ topology: TOPOLOGY, speed, port: values.port === undefined ? 0 : Number(values.port), sqlitePath: ':memory:', probes: false, log: () => undefined });
  let ok = false;
  try {
    const op = stack.tokens.operator.token;
    const ap = stack.tokens.approver.token;
    say(`local stack: API ${stack.url}/v1/, console ${stack.consoleUrl}, emulator ${stack.emulatorUrl} (clock ×${speed})`);
    const params = { regionId: REGION, cenId: CEN, vpcId: VPC, mode, acknowledgeRemainder: true, flows: [FLOW] };

    say('\n1. Plan (POST /v1/plans, as local-operator)');
    const planned = await api(stack, 'POST', '/v1/plans', op, { procedureId: 'migrate-vpc-to-cen', params });
    printPlan(planned.plan as Json);

    say(`\n2. Probe ${FLOW.name} (${FLOW.source} → ${FLOW.destinationIp}) every ${PROBE_INTERVAL_MS} ms on the emulator's data plane`);
    await emulator(stack, 'POST', 'probes', { flows: [{ id: FLOW.name, source: FLOW.source, destinationIp: FLOW.destinationIp }], intervalMs: PROBE_INTERVAL_MS, reset: true });

    say('\n3. Start (POST /v1/executions, as local-operator)');
    const started = await api(stack, 'POST', '/v1/executions', op, { procedureId: 'migrate-vpc-to-cen', params, idempotencyKey: `tour-${Date.now()}` });
    const id = String(started.id);
    say(`  execution ${id}`);
    const gated = await until('the approval gate', async () => {
      const v = await api(stack, 'GET', `/v1/executions/${id}`, op);
      if (v.status === 'awaiting_approval') return v;
      if (v.endedAt) throw new Error(`the execution ended ${String(v.status)} before the approval gate: ${JSON.stringify(v.output ?? v.error)}`);
      return undefined;
    });
    say(`  waiting: ${String((gated.waiting as Json | null)?.reason ?? gated.state)}`);

    say('\n4. Approve (POST /v1/executions/{id}/approve, as local-approver)');
    await api(stack, 'POST', `/v1/executions/${id}/approve`, ap, { comment: 'tour: plan reviewed, zero blackout predicted' });
    const done = await until('the execution to end', async () => {
      const v = await api(stack, 'GET', `/v1/executions/${id}`, op);
      return v.endedAt ? v : undefined;
    });
    say(`  ${String(done.status)} after ${fmtDuration(Number(done.endedAt) - Number(done.createdAt))} of clock time`);
    await new Promise((r) => setTimeout(r, Math.ceil((5 * PROBE_INTERVAL_MS) / speed)));

    say('\n5. Steps (GET /v1/executions/{id}/journal)');
    const journal = (await api(stack, 'GET', `/v1/executions/${id}/journal?limit=1000`, op)).items as Json[];
    const t0 = Number(done.createdAt);
    const marks: { at: number; label: string }[] = [];
    let calls = 0;
    for (const e of journal) {
      const d = (e.data ?? {}) as Json;
      calls += Array.isArray(d.calls) ? d.calls.length : 0;
      // A transition is journaled on its own, or folded into the entry of the effect that caused it.
      const folded = (e.kind === 'effect' || e.kind === 'poll') && typeof d.to === 'string';
      const from = String(folded ? e.state : d.from);
      if ((e.kind === 'transition' && !d.ignored) || folded) {
        if (d.to !== from) {
          marks.push({ at: Number(e.at), label: String(d.to) });
          say(`  ${fmtDuration(Number(e.at) - t0).padStart(9)}  ${from} → ${String(d.to)}`);
        }
      }
      if (e.kind === 'approval.decided') say(`  ${fmtDuration(Number(e.at) - t0).padStart(9)}  approval ${String(d.outcome)} by ${((d.decisions ?? []) as Json[]).map((x) => String(x.principal)).join(', ')}`);
    }
    say(`  ${calls} cloud API calls, each journaled with its RequestId`);

    say('\n6. Probe timeline (emulator data plane)');
    const probes = await emulator(stack, 'GET', `probes?flow=${encodeURIComponent(FLOW.name)}`);
    const samples = (probes.timeline ?? []) as ProbeSample[];
    const summary = ((probes.summary ?? []) as Json[])[0] ?? {};
    // The seed's steps that touch traffic, each where it first happened.
    const key = ['AwaitingApproval', 'AddingHalfRoute', 'DeletingPeeringRoute', 'AwaitingCenRouteActive', 'DeletingHalfRoute', 'Succeeded'];
    const shown = key.map((label) => marks.find((m) => m.label === label)).filter((m): m is { at: number; label: string } => m !== undefined);
    say(`  time is clock time since the execution started; ${FLOW.name}, one column ≈ ${fmtDuration(((samples.at(-1)?.t ?? 0) - (samples[0]?.t ?? 0)) / 71)}`);
    for (const line of probeStrip(samples, { width: 72, marks: shown, t0 })) say(`  ${line}`);
    const lost = Number(summary.lost ?? 0);
    say(
      lost === 0
        ? `  ${String(summary.sent)} probes, 0 lost: zero blackout.`
        : `  ${String(summary.sent)} probes, ${lost} lost: blackout ${fmtDuration(Number(summary.blackoutMs))} (longest ${fmtDuration(Number(summary.longestBlackoutMs))}).`,
    );
    ok = done.status === 'succeeded' && (mode === 'intermittent' || lost === 0);
    if (values.keep) {
      say(`\nThe stack keeps running. Console: ${stack.consoleUrl}`);
      say(`  approver token: ${ap}`);
      say(`  operator token: ${op}`);
      say('Ctrl-C ends.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await stack.close();
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`xcflow tour: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
